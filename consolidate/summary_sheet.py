"""The "Tổng hợp" sheet: the appendix itself, filled with province figures.

Every indicator sheet of the form is printed in the catalog's order (headings, STT, labels,
units as printed) with, per value column, the province total and the totals per level (or,
on the per-parent sheet, per parent unit). Rows whose values cannot be added get the detail
rows DOMAIN.md asks for (units reporting, min, median, max; units per choice …). Nothing
technical is printed there: how each figure was made (method, indicator code, measure, units
with a figure) goes to the "Giải thích số liệu" sheet, on the row of the same number, so the
sheet can still be read back by a program.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from xlsxwriter.worksheet import Worksheet

from consolidate.cells import Formats, put
from consolidate.labels import KIND_METHODS, MEASURE_LABELS
from consolidate.print_setup import fit_rows, lines_needed
from workbooks.catalog.layout import indicator_layout, render
from workbooks.catalog.model import IndicatorSheet, ListSheet
from workbooks.messages import text

Scope = tuple[str, str, str]  # (scope, scope code, label)
TotalsIndex = dict[tuple[str, str, str, str, str], float]

CODE_HEADER = text("explain.code")  # on "Giải thích số liệu", never on the printed appendix
MEASURE_HEADER = text("explain.measure")
_N_OF = {"sum": "n", "rate": "n", "median": "n", "min": "n", "max": "n", "n": "n", "yes": "answered",
         "answered": "answered"}
_RATE_MEASURES = {"rate"}
_SPREAD_MEASURES = {"median", "min", "max"}
SPREAD_DECIMALS = 2  # medians, minima, maxima of percentages are written rounded to this
LABEL_WIDTH = 46
LABEL_CHARS = 50  # characters of Times New Roman 11 on one line of the label column
VALUE_WIDTH = 10.5
EXPLAIN_WIDTHS = [5, LABEL_WIDTH, 30, 11, 11]  # STT, label, method, code, measure


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


def shown_value(measure: str, value: Any) -> Any:
    """The value as printed: medians, minima and maxima rounded to ``SPREAD_DECIMALS``.

    Args:
        measure: the measure of the row (sum, rate, median …).
        value: the total.

    Returns:
        The value to write (unchanged for other measures).
    """
    if measure in _SPREAD_MEASURES and isinstance(value, float) and value == value:
        return round(value, SPREAD_DECIMALS)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and value == value


def _num_fmt(measure: str, fmts: Formats, bold: bool) -> Any:
    if measure in _RATE_MEASURES:
        return fmts.percent
    if measure in _SPREAD_MEASURES:
        return fmts.decimal
    return fmts.integer_bold if bold else fmts.integer


@dataclass
class Explain:
    """The "Giải thích số liệu" sheet written beside "Tổng hợp" (same row numbers)."""

    ws: Worksheet
    scopes_all: Scope  # the scope whose count of units is given (the whole province)


def _value_columns_header(ws: Worksheet, h1: int, h2: int, sheet: IndicatorSheet, year: int,
                          scopes: list[Scope], fmts: Formats, previous: bool) -> tuple[dict[str, int], int]:
    """Head the value columns (one merged label over its scopes, then last round and the change when
    ``previous``); returns their first columns and the end."""
    col = 3
    vc_cols: dict[str, int] = {}
    subs = [scope_label for _s, _c, scope_label in scopes]
    if previous:
        subs += [text("summary.previous_column"), text("summary.change_column")]
    for vc in sheet.columns:
        head = column_label(vc, year)
        if len(subs) > 1:
            ws.merge_range(h1, col, h1, col + len(subs) - 1, head, fmts.header)
        else:
            ws.write_string(h1, col, head, fmts.header)
        for i, sub in enumerate(subs):
            ws.write_string(h2, col + i, sub, fmts.header)
        vc_cols[vc.key] = col
        col += len(subs)
    return vc_cols, col


def column_label(vc: Any, year: int) -> str:
    """The printed label of a value column, with its group ("Năm 2023 – Tỷ lệ").

    Args:
        vc: the value column.
        year: the period year.

    Returns:
        The label.
    """
    label = render(vc.label, year)
    return f"{render(vc.group, year)} – {label}" if vc.group else label


def write_indicator_block(ws: Worksheet, row: int, sheet: IndicatorSheet, year: int, scopes: list[Scope],
                          index: TotalsIndex, fmts: Formats, explain: Explain | None = None,
                          previous: TotalsIndex | None = None) -> int:
    """Write one indicator sheet of the appendix with its totals.

    Args:
        ws: the worksheet.
        row: first row to use.
        sheet: the indicator sheet.
        year: the period year (column labels).
        scopes: the sub-columns of every value column (overall + levels, or parents).
        index: ``totals_index``.
        fmts: the formats.
        explain: the explanation sheet, written on the same rows (None: not written).
        previous: last round's totals: each value column then shows last round's province figure
            and the change (None: not shown).

    Returns:
        The next free row.
    """
    ws.write_string(row, 0, f"{sheet.name}: {render(sheet.title, year)}", fmts.bold)
    row += 1
    h1, h2 = row, row + 1
    for c, head in enumerate(("STT", "Chỉ tiêu", "Đơn vị tính")):
        ws.merge_range(h1, c, h2, c, head, fmts.header)
    vc_cols, tail = _value_columns_header(ws, h1, h2, sheet, year, scopes, fmts, previous is not None)
    ws.set_row(h2, 48)
    if explain is not None:
        _explain_header(explain, h1, h2, sheet, year, fmts)
    row = h2 + 1
    for line in out_lines(sheet):
        if len(line.label) > LABEL_CHARS:
            ws.set_row(row, 15 * math.ceil(len(line.label) / LABEL_CHARS))
        if explain is not None:
            fit_rows(explain.ws, row, [[line.stt, line.label, line.method]], EXPLAIN_WIDTHS)
        if line.role == "heading":
            ws.write_string(row, 0, line.stt, fmts.heading_row)
            ws.write_string(row, 1, line.label, fmts.heading_row)
            for c in range(2, tail):
                ws.write_blank(row, c, None, fmts.heading_row)
            if explain is not None:
                put(explain.ws, row, 0, line.stt, fmts.heading_row)
                put(explain.ws, row, 1, line.label, fmts.heading_row)
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
            measure = row_measure(line, vc)
            for i, (scope, scope_code, _label) in enumerate(scopes):
                value = index.get((scope, scope_code, line.code, vc.key, measure)) if applies else None
                put(ws, row, c0 + i, shown_value(measure, value), fmts.cell, _num_fmt(measure, fmts, bold))
            if previous is not None:
                scope, scope_code, _label = scopes[0]
                now = index.get((scope, scope_code, line.code, vc.key, measure)) if applies else None
                before = previous.get((scope, scope_code, line.code, vc.key, measure)) if applies else None
                change = (now - before) if _is_number(now) and _is_number(before) else None
                put(ws, row, c0 + len(scopes), shown_value(measure, before), fmts.cell, _num_fmt(measure, fmts, False))
                put(ws, row, c0 + len(scopes) + 1, shown_value("median" if measure == "rate" else measure, change),
                    fmts.cell, _num_fmt(measure, fmts, False))
        if explain is not None:
            _explain_row(explain, row, line, sheet, index, fmts)
        row += 1
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, LABEL_WIDTH)
    ws.set_column(2, 2, 11)
    ws.set_column(3, tail - 1, VALUE_WIDTH)
    return row + 1


def row_measure(line: OutLine, vc: Any) -> str:
    """The measure a printed row shows in a value column (a computed column of a count row is a rate).

    Args:
        line: the printed row.
        vc: the value column.

    Returns:
        The measure id.
    """
    return "rate" if vc.is_computed and line.measure == "sum" else line.measure


def _explain_header(explain: Explain, h1: int, h2: int, sheet: IndicatorSheet, year: int, fmts: Formats) -> None:
    ws = explain.ws
    heads = ["STT", "Chỉ tiêu", text("explain.method"), CODE_HEADER, MEASURE_HEADER]
    heads += [text("explain.n_units", column=column_label(vc, year)) for vc in sheet.columns]
    for c, head in enumerate(heads):
        ws.merge_range(h1, c, h2, c, head, fmts.header)
    ws.set_row(h2, 48)
    for c, width in enumerate(EXPLAIN_WIDTHS):
        ws.set_column(c, c, width)
    ws.set_column(len(EXPLAIN_WIDTHS), len(heads) - 1, 13)


def _explain_row(explain: Explain, row: int, line: OutLine, sheet: IndicatorSheet, index: TotalsIndex,
                 fmts: Formats) -> None:
    ws = explain.ws
    scope, scope_code, _ = explain.scopes_all
    put(ws, row, 0, line.stt, fmts.cell)
    put(ws, row, 1, line.label, fmts.cell)
    put(ws, row, 2, line.method, fmts.cell)
    put(ws, row, 3, line.code, fmts.cell)
    put(ws, row, 4, line.measure, fmts.cell)
    for i, vc in enumerate(sheet.columns):
        applies = not line.columns or vc.key in line.columns
        measure = row_measure(line, vc)
        n = index.get((scope, scope_code, line.code, vc.key, _N_OF.get(measure, "n"))) if applies else None
        put(ws, row, 5 + i, n, fmts.cell, fmts.integer)


def write_list_block(ws: Worksheet, row: int, sheet: ListSheet, year: int, scopes: list[Scope],
                     counts: Any, fmts: Formats) -> int:
    """Write the rows of a list sheet counted per group and per choice (e.g. on time / late).

    Two small tables, both as wide as the choices (never as wide as the scopes): rows per group
    for the first scope (the province, or the first parent), then one row per scope for all
    groups together.

    Args:
        ws: the worksheet.
        row: first row to use.
        sheet: the list sheet.
        year: the period year.
        scopes: the scopes (overall + levels, or parents).
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

    def head(first: str, second: str) -> None:
        ws.set_row(row, 15 * max(lines_needed(sub, VALUE_WIDTH) for *_kv, sub in subs))
        ws.write_string(row, 0, first, fmts.header)
        ws.merge_range(row, 1, row, 2, second, fmts.header)
        for i, (_k, _v, sub_label) in enumerate(subs):
            ws.write_string(row, 3 + i, sub_label, fmts.header)

    def counts_row(first: str, second: str, scope: Scope, group: str, bold: bool) -> None:
        fmt = fmts.cell_bold if bold else fmts.cell
        put(ws, row, 0, first, fmt)
        ws.merge_range(row, 1, row, 2, second, fmt)
        for i, (key, value, _sub) in enumerate(subs):
            put(ws, row, 3 + i, index.get((scope[0], scope[1], group, key, value), 0.0), fmt,
                fmts.integer_bold if bold else fmts.integer)

    head("STT", text("summary.list_group", scope=scopes[0][2]))
    row += 1
    groups = [(g.code, g.label) for g in sheet.groups]
    for code, group_label in groups:
        counts_row(code, group_label, scopes[0], code, False)
        row += 1
    counts_row("", "Tổng cộng", scopes[0], "*", True)
    row += 1
    if len(scopes) > 1:
        row += 1
        head("", text("summary.list_scopes"))
        row += 1
        for scope in scopes:
            counts_row("", scope[2], scope, "*", scope is scopes[0])
            row += 1
    return row + 1
