"""The "Theo đơn vị" sheet: one row per unit used, one column per indicator cell of the form.

Headers carry the value column with its year and group ("Năm 2022 – Tỷ lệ"), so 2022 and 2023
cannot be confused. Whole numbers are written as whole numbers, rates with the form's two
decimals, other numbers with the decimals they have. The parent unit is named, not coded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from consolidate.aggregate import is_textual
from consolidate.cells import MAX_TEXT, Formats, put
from consolidate.fast_sheet import FastDataWorksheet, column_names
from consolidate.labels import STATUS_LABELS
from consolidate.print_setup import fit_rows, print_setup
from consolidate.summary_sheet import column_label
from workbooks.catalog.layout import indicator_layout
from workbooks.catalog.model import IndicatorSheet
from workbooks.registry import known_levels

if TYPE_CHECKING:
    from consolidate.model import Consolidation

LEAD = ["Mã đơn vị", "Tên đơn vị", "Cấp", "Đơn vị cấp trên", "Tệp", "Tình trạng"]
LEAD_WIDTHS = [10, 30, 16, 16, 24, 14]


def parent_names(result: Consolidation) -> dict[str, str]:
    """Name every parent code of the registry ("" → "").

    Args:
        result: the consolidation.

    Returns:
        Parent code -> the parent's name (the code itself when the registry lacks it).
    """
    names: dict[str, str] = {"": ""}
    for unit in result.registry.units:
        code = unit.parent_code or ""
        if code not in names:
            parent = result.registry.by_code(code)
            names[code] = parent.name if parent else code
    return names


def _headers(result: Consolidation) -> dict[tuple[str, str], tuple[str, str]]:
    labels: dict[tuple[str, str], tuple[str, str]] = {}
    for sheet in result.form.sheets:
        if isinstance(sheet, IndicatorSheet):
            col_labels = {vc.key: column_label(vc, result.period) for vc in sheet.columns}
            col_labels["note"] = "Ghi chú"
            for line in indicator_layout(sheet, None).lines:
                for key, label in col_labels.items():
                    labels[(line.code, key)] = (label, line.label)
    return labels


def write_units_sheet(ws: FastDataWorksheet, result: Consolidation, fmts: Formats) -> None:
    """Units × indicator cells (one row per unit used), from the aggregation's matrix.

    Args:
        ws: the sheet.
        result: the consolidation.
        fmts: the formats.
    """
    agg = result.aggregates
    matrix = agg.matrix
    labels = _headers(result)
    ws.write_string(0, 0, "Số liệu theo từng đơn vị (các báo cáo được dùng để tổng hợp)", fmts.title)
    h_code, h_col, h_label = 1, 2, 3
    for c, head in enumerate(LEAD):
        ws.merge_range(h_code, c, h_label, c, head, fmts.header)
    base = len(LEAD)
    for j, cell in enumerate(matrix.cells):
        col_label, row_label = labels.get((cell.code, cell.column), (cell.column, ""))
        ws.write_string(h_code, base + j, cell.code, fmts.header)
        ws.write_string(h_col, base + j, col_label, fmts.header)
        ws.write_string(h_label, base + j, row_label[:250], fmts.header)
    status = {o.rel: o for o in result.outcomes}
    levels = known_levels()
    parents = parent_names(result)
    textual = np.array([is_textual(cell) for cell in matrix.cells],
                       dtype=bool)
    rates = [cell.role == "rate" for cell in matrix.cells]
    text_cols, number_cols = np.flatnonzero(textual).tolist(), np.flatnonzero(~textual).tolist()
    r0 = h_label + 1
    units = agg.units
    unit_rows = zip(units.index.tolist(), units["unit_code"].tolist(), units["unit_name"].tolist(),
                    units["level"].tolist(), units["parent_code"].tolist(), strict=True)
    row_xml = UnitRowXml(ws, fmts, base, number_cols, text_cols, rates)
    for i, (rid, code, name, level, parent) in enumerate(unit_rows):
        outcome = status.get(rid)
        lead_values = [code, name, levels.get(level, level), parents.get(parent, parent), rid,
                       STATUS_LABELS.get(outcome.status, "") if outcome else ""]
        numbers, texts = matrix.numbers[i], matrix.texts[i]
        fit_rows(ws, r0 + i, [lead_values], LEAD_WIDTHS)
        if not row_xml.write(r0 + i, lead_values, numbers, texts):
            unit_row_by_cell(ws, fmts, r0 + i, base, lead_values, numbers, texts, text_cols, rates)
    ws.freeze_panes(r0, 2)
    for c, width in enumerate(LEAD_WIDTHS):
        ws.set_column(c, c, width)
    ws.set_column(base, base + max(0, len(matrix.cells) - 1), 12)
    ws.set_row(h_label, 90)
    if len(agg.units):
        ws.autofilter(h_label, 0, r0 + len(agg.units) - 1, base + len(matrix.cells) - 1)
    print_setup(ws, landscape=True, header_rows=(h_code, h_label), fit_width=False, repeat_columns=(0, 1))


class UnitRowXml:
    """Renders one row of the "Theo đơn vị" sheet as XML (about half the time of a cell per value).

    Lead cells are text or formatted blanks in ``fmts.cell``; filled numbers in ``fmts.percent``
    (rate cells), ``fmts.integer`` (whole numbers) or ``fmts.decimal``; non-empty texts in
    ``fmts.text`` (as ``unit_row_by_cell`` writes them).
    """

    def __init__(self, ws: FastDataWorksheet, fmts: Formats, base: int, number_cols: list[int],
                 text_cols: list[int], rates: list[bool] | None = None) -> None:
        self.ws, self.base = ws, base
        self.number_cols, self.text_cols = number_cols, text_cols
        self.width = len(number_cols) + len(text_cols)
        self.rates = rates or [False] * self.width
        self.letters = column_names(base + self.width)
        self.lead_xf, self.number_xf, self.text_xf, self.integer_xf, self.rate_xf = (
            f._get_xf_index() for f in (fmts.cell, fmts.decimal, fmts.text, fmts.integer, fmts.percent))

    def write(self, row: int, lead: list[Any], numbers: np.ndarray, texts: np.ndarray) -> bool:
        """Store the row; False when it must be written cell by cell (lead values not all text)."""
        if not all(type(v) is str or v is None for v in lead):
            return False
        suffix, letters, base = str(row + 1), self.letters, self.base
        ws = self.ws
        parts = [ws.string_cell_xml(letters[c] + suffix, self.lead_xf, v) if v
                 else f'<c r="{letters[c]}{suffix}" s="{self.lead_xf}"/>' for c, v in enumerate(lead)]
        cells = [""] * self.width
        values = numbers.tolist()
        rates = self.rates
        for j in self.number_cols:
            v = values[j]
            if v == v and v not in _INFINITE:  # as xlsxwriter writes a number
                xf = self.rate_xf if rates[j] else self.integer_xf if v.is_integer() else self.number_xf
                cells[j] = f'<c r="{letters[base + j]}{suffix}" s="{xf}"><v>{v:.16G}</v></c>'
        xf = self.text_xf
        for j in self.text_cols:
            text = texts[j]
            if text:
                cells[j] = ws.string_cell_xml(letters[base + j] + suffix, xf, text)
        return ws.write_row_xml(row, base + self.width - 1, "".join(parts) + "".join(cells))


_INFINITE = (float("inf"), float("-inf"))


def unit_row_by_cell(ws: FastDataWorksheet, fmts: Formats, row: int, base: int, lead: list[Any],
                     numbers: np.ndarray, texts: np.ndarray, text_cols: list[int],
                     rates: list[bool] | None = None) -> None:
    """One row of the "Theo đơn vị" sheet written cell by cell (rows ``UnitRowXml`` declines)."""
    for c, value in enumerate(lead):
        put(ws, row, c, value, fmts.cell)
    number_cols = np.setdiff1d(np.arange(len(numbers)), text_cols)
    filled = number_cols[np.isfinite(numbers[number_cols])]
    is_rate = np.array(rates or [False] * len(numbers), dtype=bool)[filled]
    whole = numbers[filled] == np.round(numbers[filled])
    for pick, fmt in ((is_rate, fmts.percent), (~is_rate & whole, fmts.integer), (~is_rate & ~whole, fmts.decimal)):
        ws.write_numbers(row, (filled[pick] + base).tolist(), numbers[filled[pick]].tolist(), fmt)
    for j in text_cols:
        if texts[j]:
            ws.write_string(row, base + j, texts[j][:MAX_TEXT], fmts.text)
