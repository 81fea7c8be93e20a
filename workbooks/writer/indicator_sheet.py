"""Write one indicator sheet: printed layout, inputs with validation, formulas, checks."""

from __future__ import annotations

from collections import defaultdict

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from workbooks.catalog.kinds import kind as kind_of
from workbooks.catalog.layout import IndicatorLayout, Line
from workbooks.catalog.model import NO, YES, Indicator, ValueColumn
from workbooks.contract import CODE_HEADER, NOTE_HEADER, STT_HEADER
from workbooks.messages import say
from workbooks.writer import formulas as fx
from workbooks.writer import validation as dv
from workbooks.writer.context import Context
from workbooks.writer.row_heights import RowFitter
from workbooks.writer.sheet_common import finish_sheet, write_top_block

LABEL_WIDTH = 60
RESULT_HEADER = say("forms.sheet.results").text


def _merge(ws: Worksheet, fit: RowFitter, row: int, first: int, last: int, text: str, fmt,
           last_row: int | None = None) -> None:
    last_row = row if last_row is None else last_row
    if last > first or last_row > row:
        ws.merge_range(row, first, last_row, last, text, fmt)
    else:
        ws.write(row, first, text, fmt)
    fit.note_format(row, text, first, last, fmt, last_row)


def _headers(ws: Worksheet, lay: IndicatorLayout, ctx: Context, fit: RowFitter) -> None:
    st, sheet = ctx.styles, lay.sheet
    h1, h2 = lay.header_rows
    first_value, last_value = min(lay.value_cols.values()), max(lay.value_cols.values())
    label = "Nội dung" if not sheet.show_unit else "Chỉ tiêu thống kê"
    for col, text in ((lay.stt_col, STT_HEADER), (lay.label_col, label),
                      (lay.note_col, NOTE_HEADER), (lay.code_col, CODE_HEADER)):
        _merge(ws, fit, h1, col, col, text, st.header, h2)
    if sheet.show_unit:
        _merge(ws, fit, h1, lay.unit_col, last_value, "Kết quả thống kê", st.header)
        _merge(ws, fit, h2, lay.unit_col, lay.unit_col, "Đơn vị tính", st.header)
    groups: dict[str, list[int]] = defaultdict(list)
    for vc in sheet.columns:
        if vc.group:
            groups[ctx.text(vc.group)].append(lay.value_cols[vc.key])
    for text, cols in groups.items():
        _merge(ws, fit, h1, min(cols), max(cols), text, st.header)
    for vc in sheet.columns:
        _merge(ws, fit, h2, lay.value_cols[vc.key], lay.value_cols[vc.key], ctx.text(vc.label), st.header)
    if not sheet.show_unit and not groups:
        # the labels stay on the last header row (the reader finds columns there); above them
        # "Kết quả" unless that is the only column's own label ("Kết quả / Kết quả")
        labels = {ctx.text(vc.label) for vc in sheet.columns}
        text = "" if labels == {RESULT_HEADER} else RESULT_HEADER
        _merge(ws, fit, h1, first_value, last_value, text, st.header)


def _bounds(line: Line, ind: Indicator) -> tuple[float | None, float | None]:
    """Bounds of a value cell: the indicator's own, or the kinds table's for ratio inputs."""
    if line.role in {"num", "den"}:
        spec = kind_of(line.value_kind)
        return spec.min, spec.max
    return ind.min, ind.max


def _choice_codes(line: Line, ind: Indicator) -> tuple:
    return (YES, NO) if kind_of(line.value_kind).excel == "yesno" else tuple(c.code for c in ind.choices)


def _base_ok(line: Line, ref: str, ctx: Context) -> str:
    ind = line.indicator
    assert ind is not None
    excel = kind_of(line.value_kind).excel
    if excel in {"choice", "yesno"}:
        return fx.value_ok(ref, excel, choices=_choice_codes(line, ind))
    if excel == "date":
        return fx.value_ok(ref, excel, dates=ctx.date_window())
    return fx.value_ok(ref, excel, *_bounds(line, ind))


def _validation(line: Line, ind: Indicator, relations: list[str], ref: str, ctx: Context) -> dict:
    spec, hint = kind_of(line.value_kind), ind.help
    if relations:
        return dv.custom(
            fx.custom_validation(ref, _base_ok(line, ref, ctx), relations),
            f"Nhập số nguyên không âm. Số này không được lớn hơn số tổng/mẫu số tương ứng. {hint}".strip(),
            "Giá trị không hợp lệ: phải là số nguyên không âm và không lớn hơn số tổng (hoặc mẫu số) "
            "tương ứng. Kiểm tra lại các ô liên quan.",
        )
    writers = {
        "whole": lambda: dv.whole_number(*_bounds(line, ind), hint),
        "decimal": lambda: dv.decimal(*_bounds(line, ind), spec.percent, hint),
        "choice": lambda: dv.choice_list(ind.choices, hint),
        "yesno": lambda: dv.text_list((YES, NO), hint),
        "date": lambda: dv.date_between(*ctx.date_window(), hint),
        "text": lambda: dv.text_length(2000, hint),
    }
    return writers[spec.excel]()


def _input_format(kind: str, ctx: Context):
    return getattr(ctx.styles, kind_of(kind).style)


def _relations(ctx: Context, sheet_name: str) -> dict[tuple[str, str], list[str]]:
    """``<=`` relations (error rules) to enforce in each left-side cell's validation."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for inst in ctx.instances:
        rule = inst.rule
        if rule.op != "<=" or rule.severity != "error" or rule.factor != 1 or not inst.right:
            continue
        right = [ctx.ref(k, sheet_name, absolute=True) for k in inst.right]
        for key in inst.left:
            if ctx.cells[key].sheet != sheet_name:
                continue
            left = [ctx.ref(k, sheet_name, absolute=True) for k in inst.left]
            out[key].append(fx.relation(left, right))
    return out


def _violations(ctx: Context, sheet_name: str, severity: str) -> dict[tuple[str, str], list[str]]:
    """Violation expressions of the rule instances of ``severity``, grouped by anchor cell."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for inst in ctx.instances:
        if ctx.cells[inst.anchor].sheet != sheet_name or inst.rule.severity != severity:
            continue
        left = [ctx.ref(k, sheet_name) for k in inst.left]
        right = [ctx.ref(k, sheet_name) for k in inst.right]
        out[inst.anchor].append(fx.rule_violation(inst.rule, left, right))
    return out


def _write_value_cell(ws: Worksheet, lay: IndicatorLayout, line: Line, vc: ValueColumn,
                      ctx: Context, relations: dict, violations: dict, warnings: dict) -> None:
    row, col = line.row, lay.value_cols[vc.key]
    ref = xl_rowcol_to_cell(row, col)
    ind = line.indicator
    assert ind is not None
    if line.role == "rate":
        num = xl_rowcol_to_cell(row + 1, col)
        den = xl_rowcol_to_cell(row + 2, col)
        scale = 100 if ind.display == "percent" else 1
        ws.write_formula(row, col, fx.rate(num, den, scale, ind.decimals),
                         ctx.styles.computed_with(ind.decimals), "")
        return
    if vc.compute_ratio:
        num = xl_rowcol_to_cell(row, lay.value_cols[vc.compute_ratio[0]])
        den = xl_rowcol_to_cell(row, lay.value_cols[vc.compute_ratio[1]])
        ws.write_formula(row, col, fx.rate(num, den), ctx.styles.computed, "")
        return
    key = (line.code, vc.key)
    ctx.write_input(ws, row, col, ctx.prefill.cells.get(key), _input_format(line.value_kind, ctx))
    ctx.validate(ws, row, col, _validation(line, ind, relations.get(key, []), ref, ctx))
    checks = [fx.error_flag(ref, _base_ok(line, ref, ctx))] + violations.get(key, [])
    ws.write_formula(row, lay.err_cols[vc.key], "=" + "+".join(checks), ctx.styles.helper, 0)
    if ind.required_for(ctx.unit.level):
        ws.write_formula(row, lay.miss_cols[vc.key], f'=IF({ref}="",1,0)', ctx.styles.helper, 1)
    if key in warnings:
        ws.write_formula(row, lay.warn_cols[vc.key], "=" + "+".join(warnings[key]), ctx.styles.helper, 0)


def _write_line(ws: Worksheet, lay: IndicatorLayout, line: Line, ctx: Context, fit: RowFitter,
                relations: dict, violations: dict, warnings: dict) -> None:
    st = ctx.styles
    if line.role == "heading":
        ws.write(line.row, lay.stt_col, line.stt, st.heading_stt)
        ws.write(line.row, lay.label_col, line.label, st.heading)
        fit.note_format(line.row, line.stt, lay.stt_col, None, st.heading_stt)
        fit.note_format(line.row, line.label, lay.label_col, None, st.heading)
        for col in [*lay.value_cols.values(), lay.note_col, *([lay.unit_col] if lay.unit_col else [])]:
            ws.write_blank(line.row, col, None, st.label)
        ws.write_blank(line.row, lay.code_col, None, st.code)
        return
    ws.write(line.row, lay.stt_col, line.stt, st.label_center)
    ws.write(line.row, lay.label_col, line.label, st.label)
    fit.note_format(line.row, line.stt, lay.stt_col, None, st.label_center)
    fit.note_format(line.row, line.label, lay.label_col, None, st.label)
    if lay.unit_col is not None:
        ws.write(line.row, lay.unit_col, line.unit, st.label_center)
        fit.note_format(line.row, line.unit, lay.unit_col, None, st.label_center)
    for vc in lay.sheet.columns:
        if lay.applies(line, vc):
            _write_value_cell(ws, lay, line, vc, ctx, relations, violations, warnings)
        else:
            ws.write(line.row, lay.value_cols[vc.key], "", st.computed)
    ctx.write_input(ws, line.row, lay.note_col, ctx.prefill.notes.get(line.code), st.input_text)
    fit.note_format(line.row, ctx.prefill.notes.get(line.code), lay.note_col, None, st.input_text)
    ctx.validate(ws, line.row, lay.note_col, dv.text_length(2000))
    ws.write_string(line.row, lay.code_col, line.code, st.code)


def _conditional_formats(ws: Worksheet, lay: IndicatorLayout, ctx: Context) -> None:
    first, last = lay.first_row, lay.last_row
    for vc in lay.sheet.columns:
        col = lay.value_cols[vc.key]
        flag = f"${xl_col_to_name(lay.err_cols[vc.key])}{first + 1}"
        warn = f"${xl_col_to_name(lay.warn_cols[vc.key])}{first + 1}"
        ws.conditional_format(first, col, last, col, {
            "type": "formula", "criteria": f"={flag}>0", "format": ctx.styles.error_mark,
            "stop_if_true": True})
        ws.conditional_format(first, col, last, col, {
            "type": "formula", "criteria": f"={warn}>0", "format": ctx.styles.warning_mark})


def _column_widths(ws: Worksheet, lay: IndicatorLayout, fit: RowFitter) -> None:
    fit.set_column(ws, lay.stt_col, lay.stt_col, 8)
    fit.set_column(ws, lay.label_col, lay.label_col, LABEL_WIDTH)
    if lay.unit_col is not None:
        fit.set_column(ws, lay.unit_col, lay.unit_col, 18)
    for col in lay.value_cols.values():
        fit.set_column(ws, col, col, 14)
    fit.set_column(ws, lay.note_col, lay.note_col, 24)
    fit.set_column(ws, lay.code_col, lay.code_col, 11)
    helpers = [*lay.err_cols.values(), *lay.miss_cols.values(), *lay.warn_cols.values()]
    fit.set_column(ws, min(helpers), max(helpers), 6, None, {"hidden": True})


def write_indicator_sheet(ws: Worksheet, lay: IndicatorLayout, ctx: Context) -> str:
    """Write an indicator sheet and return the Excel reference of its status cell.

    Args:
        ws: the empty worksheet (already named).
        lay: the compiled layout for this unit's level.
        ctx: generation context.

    Returns:
        The absolute reference of the sheet's status cell (for the information sheet).
    """
    sheet_name = lay.sheet.name
    relations = _relations(ctx, sheet_name)
    violations = _violations(ctx, sheet_name, "error")
    warnings = _violations(ctx, sheet_name, "warning")
    fit = RowFitter()
    _column_widths(ws, lay, fit)
    last_col = lay.note_col
    write_top_block(ws, ctx, fit, lay.sheet.name, ctx.text(lay.sheet.title), ctx.text(lay.sheet.subtitle),
                    last_col)
    _headers(ws, lay, ctx, fit)
    for line in lay.lines:
        _write_line(ws, lay, line, ctx, fit, relations, violations, warnings)
    _conditional_formats(ws, lay, ctx)
    first, last = lay.first_row + 1, lay.last_row + 1
    errs = "+".join(f"SUM({xl_col_to_name(c)}{first}:{xl_col_to_name(c)}{last})" for c in lay.err_cols.values())
    miss = "+".join(f"SUM({xl_col_to_name(c)}{first}:{xl_col_to_name(c)}{last})" for c in lay.miss_cols.values())
    return finish_sheet(ws, ctx, fit, lay.sheet.id, lay.header_rows, lay.last_row, last_col, lay.code_col,
                        errs, miss, insert_rows=False)
