"""The information sheet: who reports, for which period, by when, and how to fill."""

from __future__ import annotations

from xlsxwriter.utility import quote_sheetname, xl_cell_to_rowcol, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from workbooks.catalog.layout import render
from workbooks.contract import INFO_LABELS, INFO_NAMES, INFO_SHEET
from workbooks.messages import say
from workbooks.writer import validation as dv
from workbooks.writer.context import Context
from workbooks.writer.row_heights import RowFitter

__all__ = ["INFO_SHEET", "write_info_sheet"]

INSTRUCTIONS = (
    "Chỉ nhập vào các ô nền vàng nhạt; các ô khác đã được khóa.",
    "Số liệu là số nguyên, không gõ chữ, dấu chấm phân cách hàng nghìn hay đơn vị (gõ 1054, không gõ 1.054 hồ sơ).",
    "Tỷ lệ % do bảng tự tính từ tử số và mẫu số; chỉ nhập các số đếm.",
    "Ô để trống nghĩa là chưa báo cáo; nếu số liệu bằng 0 thì gõ số 0.",
    "Ô bị tô đỏ là ô có lỗi; dòng chữ đỏ ở đầu mỗi phụ lục cho biết còn bao nhiêu lỗi và bao nhiêu ô bắt buộc chưa nhập; ô tô vàng là cảnh báo cần xem lại.",
    "Khi dán (Paste) số liệu từ tệp khác, hãy dùng 'Dán giá trị' (Paste Values) để giữ định dạng và kiểm tra.",
    "Không đổi tên sheet, không xóa cột 'Mã chỉ tiêu'; có thể thêm dòng trong các danh sách.",
    "Trước khi gửi, bấm nút 'Kiểm tra' (nếu đã cài phần bổ trợ) hoặc gửi tệp cho Sở Nội vụ kiểm tra.",
)


def _row(ws: Worksheet, ctx: Context, row: int, key: str, value: object, fmt=None,
         fit: RowFitter | None = None) -> None:
    ws.write(row, 0, key, ctx.styles.info_key)
    ws.write(row, 1, value, fmt or ctx.styles.info_value)
    if fit is not None:
        fit.note_format(row, key, 0, None, ctx.styles.info_key)
        fit.note_format(row, value, 1, None, fmt or ctx.styles.info_value)


def deadline_text(ctx: Context) -> str:
    """The one deadline printed everywhere: ``--deadline`` when given, else the form's own."""
    if ctx.deadline:
        return f"{ctx.deadline:%d/%m/%Y}"
    deadline = ctx.form.period.deadline
    return render(deadline, ctx.year) if deadline else ""


def form_note(ctx: Context) -> str:
    """The form's note with its ``{deadline}`` filled in."""
    deadline = deadline_text(ctx) or say("forms.sheet.deadline_unknown").text
    return render(ctx.form.note, ctx.year).replace("{deadline}", deadline)


def _missing_ref(status_ref: str) -> str:
    """The cell beside a sheet's status cell: how many required cells are still blank."""
    sheet, _, cell = status_ref.rpartition("!")
    row, col = xl_cell_to_rowcol(cell.replace("$", ""))
    return f"{sheet}!{xl_rowcol_to_cell(row, col + 1, True, True)}"


def _name(ctx: Context, ws: Worksheet, key: str, row: int) -> None:
    ref = xl_rowcol_to_cell(row, 1, True, True)
    ctx.wb.define_name(INFO_NAMES[key], f"={quote_sheetname(ws.get_name())}!{ref}")


def write_info_sheet(ws: Worksheet, ctx: Context, statuses: list[tuple[str, str]]) -> None:
    """Write the information sheet.

    Args:
        ws: the worksheet (first in the workbook).
        ctx: generation context.
        statuses: (sheet name, status cell reference) of every appendix sheet.
    """
    st, form, unit = ctx.styles, ctx.form, ctx.unit
    fit = RowFitter()
    fit.set_column(ws, 0, 0, 32)
    fit.set_column(ws, 1, 1, 80)
    ws.merge_range(0, 0, 0, 1, form.title, st.title)
    fit.note_format(0, form.title, 0, 1, st.title)
    ws.merge_range(1, 0, 1, 1, f"{form.province} — {ctx.period_label()}", st.subtitle)
    fit.note_format(1, f"{form.province} — {ctx.period_label()}", 0, 1, st.subtitle)
    rows = [
        ("unit_name", unit.name or "(mẫu trống — Sở Nội vụ điền khi gửi)"),
        ("unit_code", unit.code),
        ("level", unit.level_label),
        ("period", ctx.period_label()),
        ("deadline", deadline_text(ctx) or "Theo văn bản của Sở Nội vụ"),
        ("contact", ctx.contact or "Sở Nội vụ"),
        ("form", f"{form.id} — phiên bản {form.version}"),
    ]
    row = 3
    for key, value in rows:
        _row(ws, ctx, row, INFO_LABELS[key], value, fit=fit)
        if key in INFO_NAMES:
            _name(ctx, ws, key, row)
        row += 1
    row += 1
    ws.write(row, 0, "Người lập biểu điền:", st.caption)
    row += 1
    labels = {key: INFO_LABELS[key] for key in ("reporter", "phone", "email")}
    labels["report_number"] = say("forms.sheet.report_number").text
    for key, label in labels.items():
        _row(ws, ctx, row, label, "", st.info_input, fit)
        ctx.write_input(ws, row, 1, ctx.prefill.info.get(key), st.info_input)
        ws.data_validation(row, 1, row, 1, dv.text_length(200))
        _name(ctx, ws, key, row)
        row += 1
    _row(ws, ctx, row, say("forms.sheet.report_date").text, "", st.input_date, fit)
    ctx.write_input(ws, row, 1, ctx.prefill.info.get("report_date"), st.input_date)
    ws.data_validation(row, 1, row, 1, dv.date_between(*ctx.date_window()))
    _name(ctx, ws, "report_date", row)
    row += 2
    ws.write(row, 0, "Tình trạng kiểm tra", st.caption)
    row += 1
    for sheet_name, ref in statuses:
        _row(ws, ctx, row, sheet_name, "", fit=fit)
        ws.write_formula(row, 1, f'={ref}&" — "&{_missing_ref(ref)}', st.status, "")
        row += 1
    row += 1
    ws.write(row, 0, "Hướng dẫn", st.caption)
    row += 1
    for i, text in enumerate((*INSTRUCTIONS, say("forms.sheet.report_instruction").text), 1):
        ws.merge_range(row, 0, row, 1, f"{i}. {text}", st.text)
        fit.note_format(row, f"{i}. {text}", 0, 1, st.text)
        row += 1
    row += 1
    source = f"Nguồn: {form.source}."
    if form.derived_from_outline:
        source += " Biểu mẫu này được xây dựng từ các số liệu mà đề cương báo cáo yêu cầu (văn bản gốc không kèm phụ lục)."
    for text in (source, form_note(ctx)):
        if text:
            ws.merge_range(row, 0, row, 1, text, st.text)
            fit.note_format(row, text, 0, 1, st.text)
            row += 1
    fit.apply(ws)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
