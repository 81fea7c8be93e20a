"""The "Tổng hợp" sheet: the appendix itself, filled with province figures.

Every indicator sheet of the form is printed in the catalog's order (headings, STT, labels,
units as printed) with, per value column, the province total and the totals per level (or,
on the per-parent sheet, per parent unit). Rows whose values cannot be added get the detail
rows DOMAIN.md asks for (units reporting, min, median, max; units per choice …). Two hidden-
in-plain-sight columns at the right, "Mã chỉ tiêu" and "Số liệu", say exactly what each row
holds, so the sheet can be read back by a program.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from xlsxwriter.worksheet import Worksheet

from consolidate.cells import Formats, put
from consolidate.labels import KIND_METHODS, MEASURE_LABELS
from workbooks.catalog.layout import indicator_layout, render
from workbooks.catalog.model import IndicatorSheet, ListSheet

Scope = tuple[str, str, str]  # (scope, scope code, label)
TotalsIndex = dict[tuple[str, str, str, str, str], float]

CODE_HEADER = "Mã chỉ tiêu"
MEASURE_HEADER = "Số liệu"
N_HEADER = "Số đơn vị có số liệu"
_N_OF = {"sum": "n", "rate": "n", "median": "n", "min": "n", "max": "n", "n": "n", "yes": "answered",
         "answered": "answered"}
_DECIMAL_MEASURES = {"rate", "median", "min", "max"}
LABEL_WIDTH = 60
LABEL_CHARS = 66  # characters of Times New Roman 11 on one line of the label column


@dataclass(frozen=True)
class OutLine:
    """One printed row of the consolidated appendix."""

    role: str  # heading | value | detail
    stt: str
    label: str
    unit: str = ""
    code: str = ""
    measure: str = ""
    method: str = ""
    columns: tuple[str, ...] = ()  # value columns the row has (empty: all)


def _detail(code: str, label: str, measure: str, unit: str = "", columns: tuple[str, ...] = ()) -> OutLine:
    return OutLine("detail", "", f"- {label}", unit, code, measure, "", columns)


def out_lines(sheet: IndicatorSheet) -> list[OutLine]:
    """List the rows of the consolidated appendix for one indicator sheet (every level's rows).

    Args:
        sheet: the indicator sheet.

    Returns:
        Headings and value rows in printed order, with detail rows for non-summable kinds.
    """
    lines: list[OutLine] = []
    for line in indicator_layout(sheet, None).lines:
        if line.role == "heading":
            lines.append(OutLine("heading", line.stt, line.label))
            continue
        ind = line.indicator
        assert ind is not None
        cols = ind.columns
        if line.role == "rate":
            lines.append(OutLine("value", line.stt, line.label, "%", line.code, "rate", KIND_METHODS["ratio"], cols))
            continue
        if line.role in {"num", "den"}:
            lines.append(OutLine("value", "", line.label, line.unit, line.code, "sum", KIND_METHODS["count"], cols))
            continue
        kind = ind.kind
        method = KIND_METHODS.get(kind, "")
        if kind in {"count", "cumulative"}:
            lines.append(OutLine("value", line.stt, line.label, line.unit, line.code, "sum", method, cols))
        elif kind in {"percent", "decimal"}:
            lines.append(OutLine("value", line.stt, f"{line.label} (trung vị)", line.unit, line.code, "median",
                                 method, cols))
            lines += [_detail(line.code, MEASURE_LABELS["n"], "n", "Đơn vị", cols),
                      _detail(line.code, MEASURE_LABELS["min"], "min", line.unit, cols),
                      _detail(line.code, MEASURE_LABELS["max"], "max", line.unit, cols)]
        elif kind == "choice":
            lines.append(OutLine("value", line.stt, line.label, line.unit, line.code, "n",
                                 f"{method}; dòng chính: số đơn vị trả lời", cols))
            for choice in ind.choices:
                lines.append(_detail(line.code, f"{choice.label} (= {choice.code})", f"choice={choice.code}",
                                     "Đơn vị", cols))
        elif kind == "yesno":
            lines.append(OutLine("value", line.stt, line.label, "Đơn vị", line.code, "yes", method, cols))
            lines.append(_detail(line.code, MEASURE_LABELS["answered"], "answered", "Đơn vị", cols))
        else:  # text, date
            lines.append(OutLine("value", line.stt, line.label, "Đơn vị", line.code, "n", method, cols))
    return lines


def totals_index(totals: Any) -> TotalsIndex:
    """Index the tidy totals for cell lookups.

    Args:
        totals: ``Aggregates.totals``.

    Returns:
        (scope, scope code, code, column, measure) -> value.
    """
    keys = zip(totals["scope"].tolist(), totals["scope_code"].tolist(), totals["code"].tolist(),
               totals["column"].tolist(), totals["measure"].tolist(), strict=True)
    return dict(zip(keys, totals["value"].tolist(), strict=True))


def _num_fmt(measure: str, fmts: Formats, bold: bool) -> Any:
    if measure in _DECIMAL_MEASURES:
        return fmts.percent
    return fmts.integer_bold if bold else fmts.integer


def write_indicator_block(ws: Worksheet, row: int, sheet: IndicatorSheet, year: int, scopes: list[Scope],
                          index: TotalsIndex, fmts: Formats) -> int:
    """Write one indicator sheet of the appendix with its totals.

    Args:
        ws: the worksheet.
        row: first row to use.
        sheet: the indicator sheet.
        year: the period year (column labels).
        scopes: the sub-columns of every value column (overall + levels, or parents).
        index: ``totals_index``.
        fmts: the formats.

    Returns:
        The next free row.
    """
    ws.write_string(row, 0, f"{sheet.name}: {render(sheet.title, year)}", fmts.bold)
    row += 1
    h1, h2 = row, row + 1
    col = 3
    for c, head in enumerate(("STT", "Chỉ tiêu", "Đơn vị tính")):
        ws.merge_range(h1, c, h2, c, head, fmts.header)
    vc_cols: dict[str, int] = {}
    for vc in sheet.columns:
        label = render(vc.label, year)
        if vc.group:
            label = f"{render(vc.group, year)} – {label}"
        width = len(scopes) + 1
        if width > 1:
            ws.merge_range(h1, col, h1, col + width - 1, label, fmts.header)
        else:
            ws.write_string(h1, col, label, fmts.header)
        for i, (_s, _c, scope_label) in enumerate(scopes):
            ws.write_string(h2, col + i, scope_label, fmts.header)
        ws.write_string(h2, col + len(scopes), N_HEADER, fmts.header)
        vc_cols[vc.key] = col
        col += width
    tail = col
    for c, head in enumerate(("Cách tổng hợp", CODE_HEADER, MEASURE_HEADER)):
        ws.merge_range(h1, tail + c, h2, tail + c, head, fmts.header)
    ws.set_row(h2, 48)
    row = h2 + 1
    for line in out_lines(sheet):
        if len(line.label) > LABEL_CHARS:
            ws.set_row(row, 15 * math.ceil(len(line.label) / LABEL_CHARS))
        if line.role == "heading":
            ws.write_string(row, 0, line.stt, fmts.heading_row)
            ws.write_string(row, 1, line.label, fmts.heading_row)
            for c in range(2, tail + 3):
                ws.write_blank(row, c, None, fmts.heading_row)
            row += 1
            continue
        bold = line.role == "value" and line.measure in {"rate"} or bool(line.stt and line.role == "value")
        text_fmt = fmts.cell_bold if bold else fmts.cell
        put(ws, row, 0, line.stt, text_fmt)
        put(ws, row, 1, line.label, text_fmt)
        put(ws, row, 2, line.unit, fmts.cell)
        for vc in sheet.columns:
            c0 = vc_cols[vc.key]
            applies = not line.columns or vc.key in line.columns
            measure = "rate" if vc.is_computed and line.measure == "sum" else line.measure
            for i, (scope, scope_code, _label) in enumerate(scopes):
                value = index.get((scope, scope_code, line.code, vc.key, measure)) if applies else None
                put(ws, row, c0 + i, value, fmts.cell, _num_fmt(measure, fmts, bold))
            n_measure = _N_OF.get(measure, "n")
            n = index.get((scopes[0][0], scopes[0][1], line.code, vc.key, n_measure)) if applies else None
            put(ws, row, c0 + len(scopes), n, fmts.cell, fmts.integer)
        put(ws, row, tail, line.method, fmts.cell)
        put(ws, row, tail + 1, line.code, fmts.cell)
        put(ws, row, tail + 2, line.measure, fmts.cell)
        row += 1
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, LABEL_WIDTH)
    ws.set_column(2, 2, 16)
    ws.set_column(3, tail - 1, 13)
    ws.set_column(tail, tail, 30)
    ws.set_column(tail + 1, tail + 2, 12)
    return row + 1


def write_list_block(ws: Worksheet, row: int, sheet: ListSheet, year: int, scopes: list[Scope],
                     counts: Any, fmts: Formats) -> int:
    """Write the rows of a list sheet counted per group and per choice (e.g. on time / late).

    Args:
        ws: the worksheet.
        row: first row to use.
        sheet: the list sheet.
        year: the period year.
        scopes: one block of columns per scope.
        counts: ``Aggregates.list_counts``.
        fmts: the formats.

    Returns:
        The next free row.
    """
    ws.write_string(row, 0, f"{sheet.name}: {render(sheet.title, year)} — số dòng đã kê khai", fmts.bold)
    row += 1
    choice_cols = [c for c in sheet.columns if c.type == "choice"]
    subs: list[tuple[str, str, str]] = [("", "", "Số dòng")]
    for col in choice_cols:
        subs += [(col.key, v, v) for v in col.choices]
        subs.append((col.key, "(trống)", f"{col.label}: (trống)"))
    mine = counts[counts["sheet_id"] == sheet.id]
    keys = zip(*(mine[c].tolist() for c in ("scope", "scope_code", "group", "column", "value")), strict=True)
    index = dict(zip(keys, mine["rows"].tolist(), strict=True))
    h1, h2 = row, row + 1
    ws.merge_range(h1, 0, h2, 0, "STT", fmts.header)
    ws.merge_range(h1, 1, h2, 1, "Nhóm", fmts.header)
    ws.merge_range(h1, 2, h2, 2, "", fmts.header)
    col = 3
    for _scope, _code, label in scopes:
        if len(subs) > 1:
            ws.merge_range(h1, col, h1, col + len(subs) - 1, label, fmts.header)
        else:
            ws.write_string(h1, col, label, fmts.header)
        for i, (_k, _v, sub_label) in enumerate(subs):
            ws.write_string(h2, col + i, sub_label, fmts.header)
        col += len(subs)
    row = h2 + 1
    groups = [(g.code, g.label) for g in sheet.groups] or [("", "Tất cả")]
    if sheet.groups:
        groups.append(("*", "Tổng cộng"))
    for code, label in groups:
        bold = code == "*" or not sheet.groups
        fmt = fmts.cell_bold if bold else fmts.cell
        put(ws, row, 0, "" if code == "*" else code, fmt)
        put(ws, row, 1, label, fmt)
        ws.write_blank(row, 2, None, fmt)
        col = 3
        group = "*" if not sheet.groups else code
        for scope, scope_code, _label in scopes:
            for key, value, _sub in subs:
                put(ws, row, col, index.get((scope, scope_code, group, key, value), 0.0), fmt,
                    fmts.integer_bold if bold else fmts.integer)
                col += 1
        row += 1
    return row + 1
