"""The "Biểu đồ" sheet: submission status by level, on-time rates by unit (native Excel charts).

Each chart reads a small table written on the same sheet, so people can check the numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from consolidate.cells import Formats, put
from consolidate.labels import SUBMISSION_LABELS
from workbooks.catalog.layout import render
from workbooks.catalog.model import IndicatorSheet, ListSheet
from workbooks.reader.parse import clean_text
from workbooks.registry import known_levels

if TYPE_CHECKING:
    from consolidate.model import Consolidation

MAX_UNITS_IN_CHART = 150
_COLORS = {"on_time": "#70AD47", "submitted": "#5B9BD5", "late": "#FFC000", "errors_excluded": "#ED7D31",
           "missing": "#A5A5A5"}


def _quote(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _status_by_level(wb: Workbook, ws: Worksheet, result: Consolidation, fmts: Formats, row: int) -> int:
    levels = known_levels()
    present = [code for code in levels if any(u.unit.level == code for u in result.units)]
    order = ["on_time", "late", "submitted", "errors_excluded", "missing"]
    used = [s for s in order if any(u.status == s for u in result.units)] or ["missing"]
    ws.write_string(row, 0, "Tình trạng nộp báo cáo theo cấp (số đơn vị)", fmts.bold)
    head = row + 1
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
    chart.set_size({"width": 720, "height": 360})
    ws.insert_chart(row, len(used) + 2, chart)
    return max(last + 2, row + 20)


def _ontime_indicator(result: Consolidation) -> tuple[str, str, str] | None:
    """(code, value column, label) of the first ratio about files resolved on time."""
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


def chart_values(values: pd.DataFrame) -> pd.DataFrame:
    """The rows of the values frame the charts read (the rates), in their order.

    Args:
        values: the values of the returns used.

    Returns:
        The rate rows.
    """
    return values[values["kind"] == "rate"]


def _per_unit_rates(result: Consolidation) -> tuple[str, list[tuple[str, float]]] | None:
    found = _ontime_indicator(result)
    if found is None:
        return None
    code, key, label = found
    v = chart_values(result.values)
    part = v[(v["code"] == code) & (v["column"] == key)].dropna(subset=["number"])
    names = result.aggregates.units["unit_name"].to_dict()
    return label, [(names.get(rid, rid), float(n)) for rid, n in zip(part["return_id"], part["number"], strict=True)
                   if rid in names]


def _list_ontime(result: Consolidation) -> tuple[str, list[tuple[str, float]]] | None:
    for sheet in result.form.sheets:
        if not isinstance(sheet, ListSheet):
            continue
        col = next((c for c in sheet.columns if c.type == "choice" and c.choices), None)
        frame = result.aggregates.lists.get(sheet.id)
        if col is None or frame is None or frame.empty:
            continue
        first = col.choices[0]
        filled = frame[frame[col.key].fillna("") != ""]
        hits = (filled[col.key] == first).astype(float) * 100
        share = hits.groupby(filled["unit_name"], sort=False).mean()
        return f"{sheet.name}: tỷ lệ dòng '{first}' trên số dòng có ghi '{col.label}' (%)", list(share.items())
    return None


def _bar_chart(wb: Workbook, ws: Worksheet, row: int, title: str, data: list[tuple[str, float]],
               fmts: Formats, province: Any = None) -> int:
    data = sorted(data, key=lambda x: x[1])
    shown = data[:MAX_UNITS_IN_CHART]
    note = "" if len(data) <= MAX_UNITS_IN_CHART else f" ({MAX_UNITS_IN_CHART} đơn vị thấp nhất)"
    ws.write_string(row, 0, title + note, fmts.bold)
    head = row + 1
    ws.write_string(head, 0, "Đơn vị", fmts.header)
    ws.write_string(head, 1, "Tỷ lệ (%)", fmts.header)
    for i, (name, value) in enumerate(shown, head + 1):
        put(ws, i, 0, name, fmts.cell)
        put(ws, i, 1, value, fmts.cell, fmts.percent)
    last = head + len(shown)
    if shown:
        chart = wb.add_chart({"type": "bar"})
        sheet = _quote(ws.get_name())
        chart.add_series({"name": "Tỷ lệ (%)", "categories": f"={sheet}!$A${head + 2}:$A${last + 1}",
                          "values": [ws.get_name(), head + 1, 1, last, 1], "fill": {"color": "#5B9BD5"},
                          "gap": 40})
        name = title + note
        if province is not None:
            name += f" — toàn tỉnh {province:.2f}%"
        chart.set_title({"name": name, "name_font": {"size": 11}})
        chart.set_x_axis({"min": 0, "max": 100, "major_gridlines": {"visible": True}})
        chart.set_y_axis({"num_font": {"size": 8}, "reverse": True})
        chart.set_legend({"none": True})
        chart.set_size({"width": 760, "height": max(300, min(3000, 60 + 16 * len(shown)))})
        ws.insert_chart(row, 3, chart)
    return last + max(3, (60 + 16 * len(shown)) // 20 - len(shown) + 2)


def write_charts(wb: Workbook, ws: Worksheet, result: Consolidation, fmts: Formats) -> None:
    """Fill the chart sheet: status by level, then on-time rates by unit when the form has them.

    Args:
        wb: the workbook.
        ws: the chart sheet.
        result: the consolidation.
        fmts: the formats.
    """
    ws.set_column(0, 0, 34)
    ws.set_column(1, 8, 12)
    row = _status_by_level(wb, ws, result, fmts, 0)
    rates = _per_unit_rates(result)
    if rates is not None:
        label, data = rates
        code, key, _ = _ontime_indicator(result)  # type: ignore[misc]
        province = result.aggregates.value(code, key, "rate")
        row = _bar_chart(wb, ws, row, f"Tỷ lệ đúng hạn theo đơn vị: {label}", data, fmts,
                         None if province != province else province)
    lists = _list_ontime(result)
    if lists is not None:
        label, data = lists
        _bar_chart(wb, ws, row, label, data, fmts)
