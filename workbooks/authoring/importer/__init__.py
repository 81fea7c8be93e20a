"""Draft a form from the appendix a province already has (a Word or an Excel table).

``import_appendix`` reads every table of the file, recognises indicator tables, list tables and
column-oriented tables, and returns the drafted ``Form`` with "Cần xem lại" notes for every guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from workbooks.authoring.importer.source import AppendixUnreadable, RawTable, read_tables
from workbooks.authoring.importer.tables import (
    YEAR,
    _ascii,
    column_sheet,
    indicator_sheet,
    kind_of_table,
    list_sheet,
)
from workbooks.catalog.loader import known_levels
from workbooks.catalog.model import Form, IndicatorSheet, Period, Sheet
from workbooks.messages import text

__all__ = ["AppendixUnreadable", "Imported", "import_appendix"]
DEFAULT_LEVELS = ("so_nganh", "xa")
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Imported:
    """The drafted form and its review notes, keyed by (sheet id, index in the sheet's rows)."""

    form: Form
    reviews: dict[tuple[str, int], str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # sheet id -> indicators | list | columns


def _year(tables: list[RawTable], given: int | None) -> int:
    if given:
        return given
    found = [int(m.group()) for t in tables for line in t.title + [c.text for r in t.rows[:4] for c in r]
             for m in YEAR.finditer(line)]
    return max(found) if found else date.today().year


def _sheet_name(table: RawTable, index: int, taken: set[str]) -> str:
    name = next((m.group(0) for line in table.title
                 for m in [re.match(r"^(phụ lục|biểu( mẫu)?( số)?)\s*[\w.-]+", line, re.IGNORECASE)] if m), "")
    name = _FORBIDDEN.sub("-", name)[:31].strip() or (table.name or text("authoring.import.sheet", number=index))[:31]
    base, n = name, 2
    while name in taken:
        name = f"{base[:28]} {n}"
        n += 1
    taken.add(name)
    return name


def import_appendix(path: str | Path, form_id: str | None = None, province: str = "",
                    year: int | None = None) -> Imported:
    """Draft a form from a ``.docx`` / ``.xlsx`` appendix.

    Args:
        path: the appendix file.
        form_id: id of the new form (default: from the file name).
        province: printed province name.
        year: report year (default: the latest year printed in the titles and headers).

    Returns:
        The drafted form (valid for the catalog) and the review notes.

    Raises:
        AppendixUnreadable: the file cannot be read, or has no table with an STT column.
    """
    path = Path(path)
    tables = [t for t in read_tables(path) if t.rows]
    if not tables:
        raise AppendixUnreadable(path, "no-table")
    report_year = _year(tables, year)
    sheets: list[Sheet] = []
    reviews: dict[tuple[str, int], str] = {}
    kinds: dict[str, str] = {}
    taken: set[str] = set()
    for i, table in enumerate(tables, start=1):
        sheet_id, name = f"pl{i}", _sheet_name(table, i, taken)
        kind = kind_of_table(table)
        notes: dict[int, str] = {}
        if kind == "list":
            sheet: Sheet = list_sheet(table, sheet_id, name)
        elif kind == "columns":
            sheet, notes = column_sheet(table, sheet_id, name, report_year)
        else:
            sheet, notes = indicator_sheet(table, sheet_id, name, report_year)
        if isinstance(sheet, IndicatorSheet) and not sheet.indicators:
            continue  # a layout table without value rows (signatures, notes): not an appendix
        sheets.append(sheet)
        kinds[sheet_id] = kind
        reviews.update({(sheet_id, k): v for k, v in notes.items()})
    slug = re.sub(r"[^a-z0-9]+", "-", _ascii(path.stem).lower()).strip("-") or "phu-luc"
    title = next((line for t in tables for line in t.title if line.isupper()), "") or \
        text("authoring.import.title", file=path.name)
    used = {lv for s in sheets if isinstance(s, IndicatorSheet) for i in s.indicators for lv in i.levels}
    levels = tuple(lv for lv in known_levels() if lv in set(DEFAULT_LEVELS) | used)
    form = Form(
        id=form_id or slug, version=1, title=title, province=province, year=report_year,
        source=path.name, period=Period(report_year), levels=levels, sheets=tuple(sheets),
    )
    return Imported(form, reviews, kinds)
