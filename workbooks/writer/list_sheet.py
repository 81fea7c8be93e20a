"""Write one list sheet as an Excel Table: typed columns, prepared rows, optional groups."""

from __future__ import annotations

from datetime import date

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from workbooks.catalog.layout import ListLayout, parse_day
from workbooks.catalog.model import ListColumn
from workbooks.contract import GROUP_HEADER, GROUP_PREFIX, SIGNATURE_MARK, STT_HEADER, table_name
from workbooks.writer import formulas as fx
from workbooks.writer import validation as dv
from workbooks.writer.context import Context
from workbooks.writer.row_heights import RowFitter
from workbooks.writer.sheet_common import finish_sheet, write_top_block


def date_window(col: ListColumn, ctx: Context) -> tuple[date, date]:
    """Dates a list column accepts: the period ± one year, or from the column's ``dates_from``."""
    lo, hi = ctx.date_window()
    return (parse_day(col.dates_from, ctx.year) if col.dates_from else lo), hi


def _validation(col: ListColumn, ctx: Context) -> dict:
    if col.type == "date":
        return dv.date_between(*date_window(col, ctx), col.help)
    if col.type == "count":
        return dv.whole_number(0, None, col.help)
    if col.type == "choice":
        return dv.text_list(col.choices, col.help)
    return dv.text_length(2000, col.help)


def _ok_expr(col: ListColumn, ref: str, ctx: Context) -> str:
    if col.type == "date":
        return fx.value_ok(ref, "date", dates=date_window(col, ctx))
    if col.type == "count":
        return fx.value_ok(ref, "whole", 0, None)
    if col.type == "choice":
        return fx.value_ok(ref, "yesno", choices=col.choices)
    return fx.value_ok(ref, "text")


def _row_error_formula(lay: ListLayout, row: int, ctx: Context) -> str:
    """Number of problems on one data row (types, required-when-filled, row rules)."""
    cols = lay.sheet.columns
    refs = {c.key: xl_rowcol_to_cell(row, lay.cols[c.key]) for c in cols}
    filled = "OR(" + ",".join(f'{r}<>""' for r in refs.values()) + ")"
    terms = [fx.error_flag(refs[c.key], _ok_expr(c, refs[c.key], ctx)) for c in cols]
    terms += [f'IF(AND({filled},{refs[c.key]}=""),1,0)' for c in cols if c.required]
    for rule in lay.sheet.row_rules:
        need = ",".join(f'{refs[k]}=""' for k in rule.require)
        terms.append(f'IF(AND({refs[rule.when_column]}="{rule.when_equals}",OR({need})),1,0)')
    return "=" + "+".join(terms)


def _blocks(rows: list[int]) -> list[tuple[int, int]]:
    """Contiguous (first, last) runs of data rows (group rows break them)."""
    blocks: list[tuple[int, int]] = []
    for row in sorted(rows):
        if blocks and row == blocks[-1][1] + 1:
            blocks[-1] = (blocks[-1][0], row)
        else:
            blocks.append((row, row))
    return blocks


def _conditional_formats(ws: Worksheet, lay: ListLayout, ctx: Context) -> None:
    for first, last in _blocks([r for r, _ in lay.data_rows]):
        _block_formats(ws, lay, ctx, first, last)


def _block_formats(ws: Worksheet, lay: ListLayout, ctx: Context, first: int, last: int) -> None:
    cols = lay.sheet.columns
    anchor = {c.key: f"{xl_col_to_name(lay.cols[c.key])}{first + 1}" for c in cols}
    filled = "OR(" + ",".join(f'${xl_col_to_name(lay.cols[c.key])}{first + 1}<>""' for c in cols) + ")"
    for c in cols:
        col = lay.cols[c.key]
        bad = f"NOT({fx.error_flag(anchor[c.key], _ok_expr(c, anchor[c.key], ctx))}=0)"
        needs = [f'AND({filled},{anchor[c.key]}="")'] if c.required else []
        for rule in lay.sheet.row_rules:
            if c.key in rule.require:
                when = f"${xl_col_to_name(lay.cols[rule.when_column])}{first + 1}"
                needs.append(f'AND({when}="{rule.when_equals}",{anchor[c.key]}="")')
        criteria = f"=OR({bad},{','.join(needs)})" if needs else f"={bad}"
        ws.conditional_format(first, col, last, col,
                              {"type": "formula", "criteria": criteria, "format": ctx.styles.error_mark})


def _prefill_rows(lay: ListLayout, rows: list[dict[str, object]]) -> dict[int, dict[str, object]]:
    """Place prefilled list rows into the prepared rows of their group, in order."""
    free: dict[str, list[int]] = {}
    for row, group in lay.data_rows:
        free.setdefault(group, []).append(row)
    placed: dict[int, dict[str, object]] = {}
    for item in rows:
        group = str(item.get("group", "")) if lay.sheet.groups else ""
        if not free.get(group):
            raise ValueError(f"{lay.sheet.name}: không còn dòng trống cho nhóm '{group}'")
        placed[free[group].pop(0)] = item
    return placed


def write_list_sheet(ws: Worksheet, lay: ListLayout, ctx: Context) -> str:
    """Write a list sheet and return the reference of its status cell.

    Args:
        ws: the empty worksheet.
        lay: the compiled list layout.
        ctx: generation context.

    Returns:
        Absolute reference (with sheet) of the status cell.
    """
    st, sheet = ctx.styles, lay.sheet
    last_col = max(lay.cols.values())
    fit = RowFitter()
    fit.set_column(ws, lay.stt_col, lay.stt_col, 7)
    for c in sheet.columns:
        width = c.width or {"date": 14, "count": 12, "choice": 14}.get(c.type, 30)
        fit.set_column(ws, lay.cols[c.key], lay.cols[c.key], width)
    fit.set_column(ws, lay.code_col, lay.code_col, 9)
    fit.set_column(ws, lay.err_col, lay.err_col, 6, None, {"hidden": True})
    write_top_block(ws, ctx, fit, sheet.name, ctx.text(sheet.title), ctx.text(sheet.subtitle), last_col)
    formats = {"date": st.input_date, "count": st.input, "choice": st.input_center}
    prefill = _prefill_rows(lay, ctx.prefill.lists.get(sheet.id, []))
    for row, group in lay.data_rows:
        for c in sheet.columns:
            col = lay.cols[c.key]
            value = prefill.get(row, {}).get(c.key)
            ctx.write_input(ws, row, col, value, formats.get(c.type, st.input_text))
            if c.type == "text":
                fit.note_format(row, value, col, None, st.input_text)
            ctx.validate(ws, row, col, _validation(c, ctx))
        ws.write_string(row, lay.code_col, group, st.code)
        ws.write_formula(row, lay.err_col, _row_error_formula(lay, row, ctx), st.helper, 0)
    counters: dict[str, int] = {}
    stt_rule = dv.whole_number(1, None, "Số thứ tự của dòng; có thể đánh lại khi thêm dòng.")
    for row, group in lay.data_rows:
        counters[group] = counters.get(group, 0) + 1
        ws.write_number(row, lay.stt_col, counters[group], st.input_center)
        ctx.validate(ws, row, lay.stt_col, stt_rule)
    for group in sheet.groups:
        row = lay.group_rows[group.code]
        ws.write_string(row, lay.stt_col, group.code, st.heading_stt)
        first_col = lay.cols[sheet.columns[0].key]
        ws.write_string(row, first_col, group.label, st.heading)
        fit.note_format(row, group.label, first_col, None, st.heading)
        for c in sheet.columns[1:]:
            ws.write_blank(row, lay.cols[c.key], None, st.label)
        ws.write_string(row, lay.code_col, GROUP_PREFIX + group.code, st.code)
    headers = [STT_HEADER, *(c.label for c in sheet.columns), GROUP_HEADER]
    for col, text in enumerate(headers):
        fit.note_format(lay.header_row, text, col, None, st.header)
    ws.add_table(lay.header_row, 0, lay.last_row, lay.code_col, {
        "name": table_name(sheet.id), "autofilter": False, "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": st.header} for h in headers],
    })
    _conditional_formats(ws, lay, ctx)
    err = xl_col_to_name(lay.err_col)
    errors = f"SUM({err}{lay.header_row + 2}:{err}{lay.last_row + 1})"
    ws.write_string(lay.last_row + 2, lay.code_col, SIGNATURE_MARK, st.helper)
    return finish_sheet(ws, ctx, fit, sheet.id, (lay.header_row, lay.header_row), lay.last_row,
                        last_col, lay.code_col, errors, "0", insert_rows=True)
