"""Find a catalog sheet, its code column, its value columns and its rows — by meaning.

Order of trust: the sheet name the metadata recorded → the catalog name → the defined
name of the data area (Excel keeps it through renames) → a search of every sheet for the
sheet's codes or column labels (the unit copy-pasted or renamed; we say so).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from workbooks.catalog.layout import IndicatorLayout, ListLayout
from workbooks.catalog.model import IndicatorSheet, ListSheet
from workbooks.contract import (
    CODE_HEADER,
    GROUP_HEADER,
    META_SHEET,
    NOTE_HEADER,
    STT_HEADER,
    data_name,
    table_name,
)
from workbooks.reader.grid import Grid
from workbooks.reader.model import Notice
from workbooks.reader.parse import clean_text

HEADER_SCAN_ROWS = 60


@dataclass
class Found:
    """Where a sheet's data was found."""

    sheet: str
    header_row: int  # 0-based row holding the column labels
    cols: dict[str, int]  # value column key / list column key -> 0-based column
    code_col: int | None


def _norm(value: object) -> str:
    return clean_text(value).casefold() if value not in (None, "") else ""


def _codes_in_column(rows: list[list], col: int, start: int) -> set[str]:
    return {str(r[col]).strip() for r in rows[start:] if col < len(r) and r[col] not in (None, "")}


def find_code_column(rows: list[list], codes: set[str]) -> tuple[int, int] | None:
    """(header row, column) of the code column: the 'Mã chỉ tiêu' header, else the column
    holding most of ``codes``."""
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        for c, value in enumerate(row):
            if value == CODE_HEADER or _norm(value) == CODE_HEADER.casefold():
                return r, c
    width = max((len(r) for r in rows), default=0)
    best, score = None, 0
    for c in range(width):
        hits = len(_codes_in_column(rows, c, 0) & codes)
        if hits > score:
            best, score = c, hits
    if best is None or score < max(2, len(codes) // 3):
        return None
    first = next(r for r, row in enumerate(rows) if best < len(row) and str(row[best]).strip() in codes)
    return max(0, first - 1), best


def _sheet_score(grid: Grid, name: str, sheet: IndicatorSheet | ListSheet, codes: set[str]) -> int:
    rows = grid.sheets[name]
    if isinstance(sheet, IndicatorSheet):
        found = find_code_column(rows, codes)
        return len(_codes_in_column(rows, found[1], found[0]) & codes) if found else 0
    labels = {_norm(c.label) for c in sheet.columns}
    return max((len(labels & {_norm(v) for v in row}) for row in rows[:HEADER_SCAN_ROWS]), default=0)


def find_sheet(grid: Grid, sheet: IndicatorSheet | ListSheet, meta: dict[str, str],
               codes: set[str]) -> tuple[str | None, list[Notice]]:
    """The name of the sheet holding ``sheet``'s data, with notices when it was searched for."""
    for name in (meta.get(f"sheet:{sheet.id}"), sheet.name):
        if name and name in grid.sheets:
            return name, []
    renamed = grid.name_sheet(data_name(sheet.id))
    table = grid.tables.get(table_name(sheet.id).lower())
    renamed = renamed or (table.sheet if table and table.sheet in grid.sheets else None)
    if renamed is None:
        candidates = [n for n in grid.sheets if n != META_SHEET]
        scored = sorted(((_sheet_score(grid, n, sheet, codes), n) for n in candidates), reverse=True)
        if scored and scored[0][0] >= 2:
            renamed = scored[0][1]
    if renamed is None:
        close = difflib.get_close_matches(sheet.name, list(grid.sheets), n=1, cutoff=0.5)
        return None, [Notice("sheet_missing", "error", params={"expected": sheet.name,
                                                               "closest": close[0] if close else ""})]
    return renamed, [Notice("sheet_renamed", "warning", sheet=renamed,
                            params={"expected": sheet.name, "found": renamed})]


def _find_label(rows: list[list], header_rows: range, label: str, used: set[int]) -> int | None:
    target = _norm(label)
    for r in header_rows:
        for c, value in enumerate(rows[r] if r < len(rows) else []):
            if c not in used and _norm(value) == target:
                return c
    return None


def locate_indicator(grid: Grid, name: str, lay: IndicatorLayout, labels: dict[str, str],
                     codes: set[str]) -> tuple[Found | None, list[Notice]]:
    """Code column and value columns of an indicator sheet."""
    rows = grid.sheets[name]
    found = find_code_column(rows, codes)
    if found is None:
        return None, [Notice("code_column_missing", "error", sheet=name)]
    header, code_col = found
    notices: list[Notice] = []
    shift = code_col - lay.code_col
    cols: dict[str, int] = {}
    scan = range(max(0, header - 1), header + 3)
    for key, expected in lay.value_cols.items():
        guess = expected + shift
        if any(_norm(grid.cell(name, r, guess)) == _norm(labels[key]) for r in scan):
            cols[key] = guess
    if len(cols) < len(lay.value_cols):
        for key, expected in lay.value_cols.items():
            if key in cols:
                continue
            col = _find_label(rows, scan, labels[key], set(cols.values()))
            cols[key] = col if col is not None else expected + shift
        notices.append(Notice("header_moved", "warning", sheet=name))
    note = _find_label(rows, scan, NOTE_HEADER, set(cols.values()))
    cols["_note"] = note if note is not None else code_col - 1
    return Found(name, header, cols, code_col), notices


def locate_list(grid: Grid, name: str, sheet: ListSheet, lay: ListLayout) -> tuple[Found | None, list[Notice]]:
    """Header row and columns of a list sheet: the Excel Table first, else a header search."""
    rows = grid.sheets[name]
    labels = {c.key: _norm(c.label) for c in sheet.columns}
    notices: list[Notice] = []
    table = grid.tables.get(table_name(sheet.id).lower())
    header = table.header_row if table and table.sheet == name else None
    if header is None:
        if grid.has_structure:
            notices.append(Notice("table_missing", "warning", sheet=name,
                                  params={"table": table_name(sheet.id)}))
        best = max(range(min(len(rows), HEADER_SCAN_ROWS)),
                   key=lambda r: len(set(labels.values()) & {_norm(v) for v in rows[r]}), default=None)
        if best is None or not set(labels.values()) & {_norm(v) for v in rows[best]}:
            return None, notices + [Notice("header_missing", "error", sheet=name)]
        header = best
    cells = {_norm(v): c for c, v in enumerate(rows[header]) if v not in (None, "")}
    cols = {}
    for key, label in labels.items():
        cols[key] = cells.get(label, lay.cols[key])
    code_col = cells.get(_norm(GROUP_HEADER))
    cols["_stt"] = cells.get(_norm(STT_HEADER), 0)
    return Found(name, header, cols, code_col), notices
