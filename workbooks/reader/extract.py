"""Extract tidy values from a located sheet; recompute every computed cell."""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from workbooks.catalog.compiled import CompiledForm
from workbooks.catalog.layout import IndicatorLayout, Line, ListLayout, render
from workbooks.catalog.model import IndicatorSheet, ListSheet
from workbooks.contract import GROUP_PREFIX, SIGNATURE_MARK
from workbooks.reader.grid import Grid
from workbooks.reader.locate import Found
from workbooks.reader.model import Notice
from workbooks.reader.parse import clean_text, parse_value

Record = tuple  # ordered as VALUE_COLUMNS minus the identity columns (see read.py)


def _choices(line: Line) -> dict[str, float]:
    ind = line.indicator
    if ind is None or ind.spec.parse != "choice":
        return {}
    return {c.label: float(c.code) for c in ind.choices if isinstance(c.code, int | float)}


@cache
def _cell(row: int, col: int) -> str:
    return xl_rowcol_to_cell(row, col)


def _rate(num: float, den: float, scale: float = 100, decimals: int = 2) -> float:
    if math.isnan(num) or math.isnan(den) or den <= 0:
        return math.nan
    return round(num / den * scale, decimals)


def _formula_check(raw: Any, computed: float, sheet: str, cell: str) -> list[Notice]:
    """A computed cell holding a constant that disagrees with the recomputed value."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return []
    if math.isnan(computed) and raw == 0:  # 0/0 shown as 0 (an .xls saved by LibreOffice stores the blank so)
        return []
    if math.isnan(computed) or abs(float(raw) - computed) > 0.01:
        shown = "chưa tính được (thiếu tử số hoặc mẫu số)" if math.isnan(computed) else computed
        params = {"cached": raw, "computed": shown}
        return [Notice("formula_overwritten", "warning", sheet=sheet, cell=cell, value=raw, params=params)]
    return []


_PLANS: dict[int, tuple[IndicatorLayout, list]] = {}


def _indicator_plan(lay: IndicatorLayout) -> list[tuple[Line, list[tuple[str, str, bool]], dict[str, float]]]:
    """For every value line of a layout: its cells (column key, kind, computed?) and choices.

    Worked out once per layout object (the reader compiles layouts once per form).
    """
    hit = _PLANS.get(id(lay))
    if hit is not None and hit[0] is lay:
        return hit[1]
    sheet = lay.sheet
    assert isinstance(sheet, IndicatorSheet)
    plan = []
    for line in lay.lines:
        if line.role == "heading":
            continue
        cells = []
        for vc in sheet.columns:
            if lay.applies(line, vc):
                computed = line.role == "rate" or vc.is_computed
                cells.append((vc.key, "rate" if computed else line.value_kind, computed))
        plan.append((line, cells, _choices(line)))
    _PLANS[id(lay)] = (lay, plan)
    return plan


def indicator_records(grid: Grid, found: Found, lay: IndicatorLayout, compiled: CompiledForm,
                      ) -> tuple[list[Record], list[Notice]]:
    """Records of an indicator sheet: inputs parsed, rates recomputed from their inputs.

    The compiled form gives each computed cell's (numerator, denominator) cells and how it is
    rounded (a percentage, or a plain ratio such as máy/người with its decimals).
    """
    inputs = compiled.computed
    name, sheet = found.sheet, lay.sheet
    assert isinstance(sheet, IndicatorSheet) and found.code_col is not None
    rows = grid.sheets[name]
    code_col = found.code_col
    row_of: dict[str, int] = {}
    for r in range(found.header_row + 1, len(rows)):
        row = rows[r]
        value = row[code_col] if code_col < len(row) else None
        if value is not None and value != "":
            row_of.setdefault(str(value).strip(), r)
    records: list[Record] = []
    notices: list[Notice] = []
    numbers: dict[tuple[str, str], float] = {}
    note_col = found.cols.get("_note")
    cols = found.cols
    for line, cells, choices in _indicator_plan(lay):
        r = row_of.get(line.code)
        if r is None:
            notices.append(Notice("row_missing", "error", sheet=name,
                                  params={"code": line.code, "label": line.label}))
            continue
        row = rows[r]
        width = len(row)
        for key, kind, computed in cells:
            c = cols[key]
            raw = row[c] if 0 <= c < width else None
            number, text, tag = (math.nan, "", "") if computed else parse_value(raw, kind, choices)
            numbers[(line.code, key)] = number
            records.append([sheet.id, name, line.code, key, 0, r + 1, _cell(r, c), kind, raw, number,
                            text, tag])
        note = row[note_col] if note_col is not None and 0 <= note_col < width else None
        if note is not None and note != "":
            records.append([sheet.id, name, line.code, "note", 0, r + 1, _cell(r, note_col),
                            "text", note, math.nan, clean_text(note), ""])
    for rec in records:
        if rec[7] != "rate":
            continue
        key = (rec[2], rec[3])
        num_key, den_key = inputs[key]
        scale, decimals = compiled.rate_scale(key), compiled.rate_decimals.get(key, 2)
        rec[9] = _rate(numbers.get(num_key, math.nan), numbers.get(den_key, math.nan), scale, decimals)
        rec[11] = "" if not math.isnan(rec[9]) else "blank"
        notices += _formula_check(rec[8], rec[9], name, rec[6])
    return [tuple(r) for r in records], notices


def _group_of_row(value: Any) -> str | None:
    text = "" if value in (None, "") else str(value).strip()
    return text[len(GROUP_PREFIX):] if text.startswith(GROUP_PREFIX) else None


def list_records(grid: Grid, found: Found, lay: ListLayout) -> list[Record]:
    """Records of a list sheet: every filled row (added rows included), every column."""
    name, sheet = found.sheet, lay.sheet
    assert isinstance(sheet, ListSheet)
    rows = grid.sheets[name]
    group_labels = {clean_text(g.label).casefold(): g.code for g in sheet.groups}
    first_key = sheet.columns[0].key
    current = ""
    item = 0
    records: list[Record] = []
    code_col = found.code_col
    first_col = found.cols[first_key]
    value_cols = [(c.key, found.cols[c.key]) for c in sheet.columns]
    for r in range(found.header_row + 1, len(rows)):
        row = rows[r]
        width = len(row)
        code_value = row[code_col] if code_col is not None and 0 <= code_col < width else None
        if code_value == SIGNATURE_MARK:  # the signature block under the list
            break
        marker = _group_of_row(code_value)
        first = row[first_col] if 0 <= first_col < width else None
        if marker is None and isinstance(first, str) and clean_text(first).casefold() in group_labels:
            marker = group_labels[clean_text(first).casefold()]
        if marker is not None:
            current = marker
            continue
        values = {key: row[c] if 0 <= c < width else None for key, c in value_cols}
        if all(v is None or v == "" or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        item += 1
        group = str(code_value).strip() if code_value not in (None, "") else current
        for col in sheet.columns:
            kind = {"choice": "text"}.get(col.type, col.type)
            number, text, tag = parse_value(values[col.key], kind)
            records.append((sheet.id, name, group, col.key, item, r + 1,
                            _cell(r, found.cols[col.key]), col.type, values[col.key],
                            number, text, tag))
    return records


def column_labels(sheet: IndicatorSheet, year: int) -> dict[str, str]:
    """Rendered header labels of the value columns (for locating them)."""
    return {vc.key: render(vc.label, year) for vc in sheet.columns}
