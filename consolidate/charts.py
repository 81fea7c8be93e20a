"""The chart sheets (native Excel charts), each readable at 400 units and set up for A4.

- "Biểu đồ": submission status by level (stacked columns).
- "Biểu đồ theo cấp": the on-time rate of the form's first on-time ratio, for the province,
  each level and each parent unit (bars); and the share of list rows on time, likewise.
- "Biểu đồ theo đơn vị": the ``EXTREMES`` lowest and highest units on that rate (all units
  when there are at most twice as many).

Each chart reads a small table written beside it, so people can check the numbers; every
figure is one of the consolidation's totals or one unit's own value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from consolidate.aggregate import ALL_GROUPS
from consolidate.cells import Formats, put
from consolidate.labels import SUBMISSION_LABELS
from consolidate.print_setup import print_setup
from consolidate.summary_page import summary_scopes
from consolidate.summary_sheet import TotalsIndex, totals_index
from workbooks.catalog.layout import render
from workbooks.catalog.model import IndicatorSheet, ListSheet
from workbooks.messages import text
from workbooks.reader import clean_text
from workbooks.registry import known_levels

if TYPE_CHECKING:
    from consolidate.model import Consolidation

EXTREMES = 15
_COLORS = {"on_time": "#70AD47", "submitted": "#5B9BD5", "late": "#FFC000", "errors_excluded": "#ED7D31",
           "missing": "#A5A5A5"}
Bars = list[tuple[str, float]]


def _quote(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _status_by_level(wb: Workbook, ws: Worksheet, result: Consolidation, fmts: Formats, row: int) -> int:
    levels = known_levels()
    present = [code for code in levels if any(u.unit.level == code for u in result.units)]
    order = ["on_time", "late", "submitted", "errors_excluded", "missing"]
    used = [s for s in order if any(u.status == s for u in result.units)] or ["missing"]
    ws.write_string(row, 0, "Tình trạng nộp báo cáo theo cấp (số đơn vị)", fmts.bold)
    head = row + 1
    ws.set_row(head, 30)
    ws.write_string(head, 0, "Cấp", fmts.header)
    for j, status in enumerate(used, 1):
        ws.write_string(head, j, SUBMISSION_LABELS[status], fmts.header)
    for i, level in enumerate(present, head + 1):
        put(ws, i, 0, levels[level], fmts.cell)
        for j, status in enumerate(used, 1):
            n = sum(1 for u in result.units if u.unit.level == level and u.status == status)
            put(ws, i, j, n, fmts.cell, fmts.integer)
    last = head + len(present)
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    sheet = _quote(ws.get_name())
    for j, status in enumerate(used, 1):
        chart.add_series({"name": [ws.get_name(), head, j],
                          "categories": f"={sheet}!$A${head + 2}:$A${last + 1}",
                          "values": [ws.get_name(), head + 1, j, last, j],
                          "fill": {"color": _COLORS[status]}, "gap": 60})
    chart.set_title({"name": "Tình trạng nộp báo cáo theo cấp"})
    chart.set_y_axis({"name": "Số đơn vị", "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 620, "height": 340})
    ws.insert_chart(last + 2, 0, chart)
    return last + 22


def ontime_indicator(result: Consolidation) -> tuple[str, str, str] | None:
    """(code, value column, label) of the form's first ratio about files resolved on time.

    Args:
        result: the consolidation.

    Returns:
        The cell and its label, or None when the form has no such ratio.
    """
    for sheet in result.form.sheets:
        if not isinstance(sheet, IndicatorSheet):
            continue
        inputs = [vc for vc in sheet.columns if not vc.is_computed]
        for ind in sheet.indicators:
            label = clean_text(ind.label).casefold()
            if ind.kind == "ratio" and "đúng hạn" in label and not ind.levels:
                key = (ind.columns or tuple(vc.key for vc in inputs))[-1]
                vc = next(v for v in sheet.columns if v.key == key)
                return ind.code, key, f"{ind.label} – {render(vc.label, result.period)}"
    return None


def _scope_rates(result: Consolidation, code: str, key: str, index: TotalsIndex) -> Bars:
    """The rate of one cell for the province, each level and each parent (from the totals)."""
    by_level, parents = summary_scopes(result)
    bars = []
    for scope, scope_code, label in [*by_level, *parents]:
        value = index.get((scope, scope_code, code, key, "rate"))
        if value is not None and value == value:
            bars.append((label, float(value)))
    return bars


def _list_scope_shares(result: Consolidation) -> tuple[str, Bars] | None:
    """Share of list rows carrying the first choice (e.g. "Đúng hạn"), per scope, from the list counts."""
    counts = result.aggregates.list_counts
    by_level, parents = summary_scopes(result)
    for sheet in result.form.sheets:
        if not isinstance(sheet, ListSheet):
            continue
        col = next((c for c in sheet.columns if c.type == "choice" and c.choices), None)
        if col is None:
            continue
        mine = counts[(counts["sheet_id"] == sheet.id) & (counts["group"] == ALL_GROUPS)
                      & (counts["column"] == col.key)]
        index = {(s, c, v): n for s, c, v, n in zip(mine["scope"], mine["scope_code"], mine["value"], mine["rows"],
                                                     strict=True)}
        bars = []
        for scope, scope_code, label in [*by_level, *parents]:
            filled = sum(index.get((scope, scope_code, v), 0) for v in col.choices)
            if filled:
                bars.append((label, 100.0 * index.get((scope, scope_code, col.choices[0]), 0) / filled))
        title = text("chart.list_share_title", sheet=sheet.name, choice=col.choices[0], column=col.label)
        return title, bars
    return None


def unit_rates(result: Consolidation, code: str, key: str) -> Bars:
    """Each unit's own rate in one cell (unit name, %), as the unit's return gives it.

    Args:
        result: the consolidation.
        code: the value code.
        key: the value column.

    Returns:
        (unit name, rate) for every unit used that has the rate.
    """
    v = result.values
    part = v[(v["kind"] == "rate") & (v["code"] == code) & (v["column"] == key)].dropna(subset=["number"])
    names = result.aggregates.units["unit_name"].to_dict()
    return [(names[rid], float(n)) for rid, n in zip(part["return_id"], part["number"], strict=True) if rid in names]


def extremes(bars: Bars, n: int = EXTREMES) -> list[tuple[str, str, float]]:
    """The ``n`` lowest and ``n`` highest bars (all of them, lowest first, when at most ``2n``).

    Args:
        bars: (name, value).
        n: how many at each end.

    Returns:
        (group label, name, value), lowest first.
    """
    ordered = sorted(bars, key=lambda b: (b[1], b[0]))
    if len(ordered) <= 2 * n:
        return [("", name, value) for name, value in ordered]
    low, high = text("chart.lowest"), text("chart.highest")
    return [(low, name, value) for name, value in ordered[:n]] + [(high, name, value) for name, value in ordered[-n:]]


def _bar_chart(wb: Workbook, ws: Worksheet, row: int, title: str, rows: list[tuple[str, str, float]],
               fmts: Formats, first_header: str) -> int:
    """A table (group, name, %) and a horizontal bar chart of it below; returns the next free row."""
    ws.merge_range(row, 0, row, 6, title, fmts.bold_wrap)
    ws.set_row(row, 30)
    head = row + 1
    for c, label in enumerate((text("chart.rank"), first_header, text("chart.rate"))):
        ws.write_string(head, c, label, fmts.header)
    for i, (group, name, value) in enumerate(rows, head + 1):
        put(ws, i, 0, group, fmts.cell)
        put(ws, i, 1, name, fmts.cell)
        put(ws, i, 2, round(value, 2), fmts.cell, fmts.percent)
    last = head + len(rows)
    if not rows:
        return last + 2
    chart = wb.add_chart({"type": "bar"})
    sheet = _quote(ws.get_name())
    chart.add_series({"name": text("chart.rate"), "categories": f"={sheet}!$B${head + 2}:$B${last + 1}",
                      "values": [ws.get_name(), head + 1, 2, last, 2], "fill": {"color": "#5B9BD5"}, "gap": 40})
    chart.set_title({"name": title, "name_font": {"size": 10}})
    chart.set_x_axis({"min": 0, "max": 100, "major_gridlines": {"visible": True}})
    chart.set_y_axis({"num_font": {"size": 8}, "reverse": True})
    chart.set_legend({"none": True})
    height = 80 + 17 * len(rows)
    chart.set_size({"width": 560, "height": height})
    ws.insert_chart(head, 4, chart, {"x_offset": 8})
    return max(last, head + height // 20) + 2


def write_charts(wb: Workbook, ws: Worksheet, result: Consolidation, fmts: Formats,
                 index: TotalsIndex | None = None) -> None:
    """Fill "Biểu đồ" (status by level) and add the rate chart sheets when the form has rates.

    Args:
        wb: the workbook.
        ws: the first chart sheet ("Biểu đồ").
        result: the consolidation.
        fmts: the formats.
        index: the ``totals_index`` of the run (made here when None).
    """
    index = index if index is not None else totals_index(result.aggregates.totals)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 8, 12)
    _status_by_level(wb, ws, result, fmts, 0)
    print_setup(ws, landscape=False)
    found = ontime_indicator(result)
    shares = _list_scope_shares(result)
    if found is None and shares is None:
        return
    by_scope = wb.add_worksheet(text("chart.sheet_scope"))
    _chart_columns(by_scope)
    row = 0
    if found is not None:
        code, key, label = found
        what = text("chart.parent_word") if summary_scopes(result)[1] else text("chart.level_word")
        bars = [("", name, value) for name, value in _scope_rates(result, code, key, index)]
        row = _bar_chart(wb, by_scope, row, text("chart.by_scope_title", label=label, what=what), bars, fmts,
                         text("chart.scope"))
        by_scope.set_h_pagebreaks([row])
    if shares is not None:
        title, bars_list = shares
        _bar_chart(wb, by_scope, row, title, [("", n, v) for n, v in bars_list], fmts, text("chart.scope"))
    print_setup(by_scope, landscape=True)
    if found is not None:
        code, key, label = found
        per_unit = unit_rates(result, code, key)
        chosen = extremes(per_unit)
        title = (text("chart.extremes_title", label=label, n=EXTREMES) if len(per_unit) > 2 * EXTREMES
                 else text("chart.extremes_all_title", label=label))
        by_unit = wb.add_worksheet(text("chart.sheet_extremes"))
        _chart_columns(by_unit)
        _bar_chart(wb, by_unit, 0, title, chosen, fmts, text("chart.unit"))
        print_setup(by_unit, landscape=True)


def _chart_columns(ws: Worksheet) -> None:
    ws.set_column(0, 0, 9)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 2, 9)
    ws.set_column(3, 3, 2)


__all__ = ["EXTREMES", "extremes", "ontime_indicator", "unit_rates", "write_charts"]
