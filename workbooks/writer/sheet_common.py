"""What every appendix sheet shares: title block, status cell, print set-up, protection, names."""

from __future__ import annotations

from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from workbooks.catalog.layout import STATUS_ROW
from workbooks.writer import formulas as fx
from workbooks.writer.context import Context
from workbooks.writer.names import data_name, status_name

PROTECT_OPTIONS = {
    "format_cells": True,  # the "Kiểm tra" add-in colours cells; values stay locked
    "format_columns": True,
    "format_rows": True,
    "select_locked_cells": True,
    "select_unlocked_cells": True,
}


def write_top_block(ws: Worksheet, ctx: Context, label: str, title: str, subtitle: str,
                    last_col: int) -> None:
    """Rows 0–3: appendix label, title, subtitle, reporting unit and period."""
    st = ctx.styles
    ws.merge_range(0, 0, 0, last_col, label.upper(), st.caption)
    ws.merge_range(1, 0, 1, last_col, title, st.title)
    if subtitle:
        ws.merge_range(2, 0, 2, last_col, subtitle, st.subtitle)
    unit = ctx.unit.name or "(tên đơn vị)"
    ws.merge_range(3, 0, 3, last_col, f"Đơn vị báo cáo: {unit} — Kỳ báo cáo: {ctx.period_label()}",
                   st.subtitle)
    ws.set_row(1, 36)


def fit_row_height(ws: Worksheet, row: int, text: str, width: float, font_pt: float = 12) -> None:
    """Give a wrapped row the height its text needs (xlsxwriter cannot autofit rows)."""
    chars_per_line = max(1, int(width * 1.1))
    lines = max(1, -(-len(text) // chars_per_line))
    if lines > 1:
        ws.set_row(row, lines * font_pt * 1.3)


def finish_sheet(ws: Worksheet, ctx: Context, sheet_id: str, header_rows: tuple[int, int],
                 last_row: int, last_col: int, code_col: int, errors_expr: str, missing_expr: str,
                 insert_rows: bool) -> str:
    """Status cells, names, panes, print set-up and protection.

    Returns:
        Absolute reference (with sheet) of the status cell.
    """
    st = ctx.styles
    ctx.flush_validations(ws)
    ws.write_formula(STATUS_ROW, 1, fx.status_text(errors_expr or "0"), st.status, "Chưa phát hiện lỗi")
    ws.write_formula(STATUS_ROW, 2, fx.missing_text(missing_expr or "0"), st.status, "")
    sheet = quote_sheetname(ws.get_name())
    top = xl_rowcol_to_cell(header_rows[1], 0, True, True)
    bottom = xl_rowcol_to_cell(max(last_row, header_rows[1]), code_col, True, True)
    ctx.wb.define_name(data_name(sheet_id), f"={sheet}!{top}:{bottom}")
    status_ref = f"{sheet}!{xl_rowcol_to_cell(STATUS_ROW, 1, True, True)}"
    ctx.wb.define_name(status_name(sheet_id), f"={status_ref}")
    ws.freeze_panes(header_rows[1] + 1, 2)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.repeat_rows(header_rows[0], header_rows[1])
    ws.print_area(0, 0, max(last_row, header_rows[1]), last_col)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C&\"Times New Roman\"Trang &P/&N")
    ws.protect("", {**PROTECT_OPTIONS, "insert_rows": insert_rows, "delete_rows": insert_rows,
                    "autofilter": insert_rows, "sort": insert_rows})
    return status_ref
