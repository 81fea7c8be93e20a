"""What every appendix sheet shares: title block, status cell, print set-up, protection, names."""

from __future__ import annotations

import re
from datetime import date, datetime

from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from workbooks.catalog.layout import STATUS_ROW
from workbooks.messages import say
from workbooks.writer import formulas as fx
from workbooks.writer.context import Context
from workbooks.writer.names import INFO_NAMES, data_name, status_name
from workbooks.writer.row_heights import RowFitter

NUMBER = INFO_NAMES["report_number"]
DATE = INFO_NAMES["report_date"]
REPORTER = INFO_NAMES["reporter"]
NUMBER_BLANK = "………"
DATE_BLANK = "…/…/……"
DAY_BLANK = "……"
UNIT_BLANK = "……………"
SIGNATURE_ROWS = 6  # the block ends this many rows below the last row of the table
SIGNATURE_SPACE_PT = 60.0  # room for the signatures (and the seal) between the titles and the name

PROTECT_OPTIONS = {
    "format_cells": True,  # the "Kiểm tra" add-in colours cells; values stay locked
    "format_columns": True,
    "format_rows": True,
    "select_locked_cells": True,
    "select_unlocked_cells": True,
}


def write_top_block(ws: Worksheet, ctx: Context, fit: RowFitter, label: str, title: str,
                    subtitle: str, last_col: int) -> None:
    """Rows 0–3: appendix label, title, subtitle, reporting unit and period, each wrapped whole.

    The subtitle's ``{report_number}`` / ``{report_date}`` become a formula showing what the
    unit types on the information sheet; ``{unit}`` in title or subtitle is the unit's name.
    """
    st = ctx.styles
    title = fill_static(title, ctx)
    ws.merge_range(0, 0, 0, last_col, label.upper(), st.caption)
    ws.merge_range(1, 0, 1, last_col, title, st.title)
    fit.note_format(1, title, 0, last_col, st.title)
    if subtitle:
        _write_text_template(ws, ctx, 2, 0, last_col, subtitle, st.subtitle, fit)
    unit = ctx.unit.name or "(tên đơn vị)"
    line = f"Đơn vị báo cáo: {unit} — Kỳ báo cáo: {ctx.period_label()}"
    ws.merge_range(3, 0, 3, last_col, line, st.subtitle)
    fit.note_format(3, line, 0, last_col, st.subtitle)


def fill_static(template: str, ctx: Context) -> str:
    """A catalog text with ``{unit}`` replaced by the unit's name (dots on the blank template)."""
    return template.replace("{unit}", ctx.unit.name or UNIT_BLANK)


def _report_date_text(value: object) -> str:
    return f"{value:%d/%m/%Y}" if isinstance(value, date | datetime) else DATE_BLANK


def _template_parts(template: str, ctx: Context) -> tuple[list[str], str]:
    """Excel expressions of the pieces of a subtitle template, and the text they give today."""
    number = ctx.prefill.info.get("report_number") or ""
    shown = {"report_number": str(number) or NUMBER_BLANK,
             "report_date": _report_date_text(ctx.prefill.info.get("report_date")),
             "unit": ctx.unit.name or UNIT_BLANK}
    exprs = {"report_number": f'IF({NUMBER}="","{NUMBER_BLANK}",{NUMBER})',
             "report_date": (f'IF(ISNUMBER({DATE}),RIGHT("0"&DAY({DATE}),2)&"/"&RIGHT("0"&MONTH({DATE}),2)'
                             f'&"/"&YEAR({DATE}),"{DATE_BLANK}")'),
             "unit": '"' + shown["unit"].replace('"', '""') + '"'}
    parts, text = [], []
    for piece in re.split(r"(\{report_number\}|\{report_date\}|\{unit\})", template):
        if not piece:
            continue
        key = piece[1:-1] if piece[1:-1] in exprs and piece.startswith("{") else None
        parts.append(exprs[key] if key else '"' + piece.replace('"', '""') + '"')
        text.append(shown[key] if key else piece)
    return parts, "".join(text)


def _write_text_template(ws: Worksheet, ctx: Context, row: int, first: int, last: int, template: str,
                         fmt, fit: RowFitter) -> None:
    parts, shown = _template_parts(template, ctx)
    ws.merge_range(row, first, row, last, "", fmt)
    if len(parts) > 1 or "{" in template:
        ws.write_formula(row, first, "=" + "&".join(parts), fmt, shown)
    else:
        ws.write_string(row, first, shown, fmt)
    # the longest the line can get: a report number of 20 characters and a full date
    longest = template.replace("{report_number}", "0" * 20).replace("{report_date}", "00/00/0000")
    fit.note_format(row, fill_static(longest, ctx), first, last, fmt)


def write_signature(ws: Worksheet, ctx: Context, fit: RowFitter, row: int, last_col: int,
                    split: int) -> int:
    """The signature block under an appendix: place and date, Người lập biểu, Thủ trưởng.

    Args:
        ws: the sheet.
        ctx: generation context.
        fit: the sheet's row fitter.
        row: first row of the block (leave a blank row above it).
        last_col: last printed column.
        split: last column of the left half (Người lập biểu); the right half is the rest.

    Returns:
        The last row of the block.
    """
    st, sig = ctx.styles, ctx.form.signature
    place = (sig.place or "{province}").replace("{province}", ctx.form.province)
    given = ctx.prefill.info.get("report_date")
    parts = {k: str(getattr(given, k)) if isinstance(given, date | datetime) else DAY_BLANK
             for k in ("day", "month", "year")}
    shown = say("forms.sheet.place_date", place=place, **parts).text
    marks = {k: f"§{i}§" for i, k in enumerate(("place", "day", "month", "year"))}  # printable placeholders
    pieces = re.split("(§[0-3]§)", say("forms.sheet.place_date", **marks).text)
    exprs = {marks["place"]: '"' + place.replace('"', '""') + '"',
             **{marks[k]: f'IF(ISNUMBER({DATE}),{k.upper()}({DATE}),"{DAY_BLANK}")' for k in ("day", "month", "year")}}
    formula = "=" + "&".join(exprs.get(p, '"' + p.replace('"', '""') + '"') for p in pieces if p)
    right = (split + 1, last_col)
    _merge(ws, row, right[0], right[1], "", st.sign_place)
    ws.write_formula(row, right[0], formula, st.sign_place, shown)
    longest = say("forms.sheet.place_date", place=place, day="00", month="00", year="0000").text
    fit.note_format(row, longest, right[0], right[1], st.sign_place)
    words = {k: getattr(sig, k) or say(f"forms.sheet.{k}").text
             for k in ("preparer", "preparer_note", "head", "head_note")}
    lines = ((words["preparer"], words["head"], st.sign_title),
             (words["preparer_note"], words["head_note"], st.sign_note))
    for offset, (left_text, right_text, fmt) in enumerate(lines, 1):
        for (first, last), text in (((0, split), left_text), (right, right_text)):
            _merge(ws, row + offset, first, last, text, fmt)
            fit.note_format(row + offset, text, first, last, fmt)
    fit.reserve(row + 3, SIGNATURE_SPACE_PT)
    name_row = row + 4
    _merge(ws, name_row, 0, split, "", st.sign_name)
    ws.write_formula(name_row, 0, f'=IF({REPORTER}="","",{REPORTER})', st.sign_name,
                     str(ctx.prefill.info.get("reporter") or ""))
    fit.note_format(name_row, "Nguyễn Thị Minh Nguyệt", 0, split, st.sign_name)
    return name_row


def signature_split(fit: RowFitter, last_col: int) -> int:
    """Last column of the signature block's left half: about two fifths of the printed width."""
    widths = [fit.widths.get(c, 8.43) for c in range(last_col + 1)]
    total, running = sum(widths), 0.0
    for col, width in enumerate(widths[:-1]):
        running += width
        if running >= 0.4 * total:
            return col
    return max(0, last_col - 1)


def _merge(ws: Worksheet, row: int, first: int, last: int, text: str, fmt) -> None:
    if last > first:
        ws.merge_range(row, first, row, last, text, fmt)
    else:
        ws.write(row, first, text, fmt)


def finish_sheet(ws: Worksheet, ctx: Context, fit: RowFitter, sheet_id: str,
                 header_rows: tuple[int, int], last_row: int, last_col: int, code_col: int,
                 errors_expr: str, missing_expr: str, insert_rows: bool) -> str:
    """Signature block, row heights, status cells, names, panes, print set-up and protection.

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
    end = write_signature(ws, ctx, fit, max(last_row, header_rows[1]) + SIGNATURE_ROWS - 4, last_col,
                          signature_split(fit, last_col))
    fit.apply(ws)
    ws.print_area(0, 0, end, last_col)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C&\"Times New Roman\"Trang &P/&N")
    ws.protect("", {**PROTECT_OPTIONS, "insert_rows": insert_rows, "delete_rows": insert_rows,
                    "autofilter": insert_rows, "sort": insert_rows})
    return status_ref
