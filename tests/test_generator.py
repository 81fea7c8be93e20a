"""The generated workbooks, reopened with openpyxl, for every shipped form and level.

The expectations come from the catalog layout (``form_layouts``) — the same place the reader
looks for values — and, for what the layout itself decides (which rows a level gets), from the
catalog model directly.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.datetime import from_excel

import workbooks
from workbooks.catalog.layout import (
    CODE_HEADER,
    GROUP_HEADER,
    STT_HEADER,
    IndicatorLayout,
    ListLayout,
    form_layouts,
    parse_day,
    period_bounds,
    render,
)
from workbooks.catalog.model import NO, YES, IndicatorSheet
from workbooks.writer import UnitInfo, generate_workbook, workbook_filename
from workbooks.writer.info_sheet import INFO_SHEET
from workbooks.writer.metadata import META_SHEET, PROPERTY_PREFIX
from workbooks.writer.names import INFO_NAMES, data_name, status_name, table_name
from workbooks.writer.sheet_common import SIGNATURE_ROWS
from workbooks.writer.validation import MAX_COUNT

if TYPE_CHECKING:
    from conftest import Generated

# Data-validation types (as openpyxl reports them) accepted for each kind of input.
INDICATOR_DV = {
    "count": {"whole", "custom"}, "cumulative": {"whole", "custom"},
    "percent": {"decimal"}, "decimal": {"decimal"},
    "choice": {"list"}, "yesno": {"list"}, "date": {"date"}, "text": {"textLength"},
}
LIST_DV = {"text": {"textLength"}, "date": {"date"}, "count": {"whole"}, "choice": {"list"}}
Pos = tuple[str, int, int]  # sheet name, 0-based row, 0-based column


def at(ws, row: int, col: int):
    """The openpyxl cell at 0-based (row, col)."""
    return ws.cell(row=row + 1, column=col + 1)


def a1(row: int, col: int) -> str:
    return f"{get_column_letter(col + 1)}{row + 1}"


def is_formula(cell) -> bool:
    return isinstance(cell.value, str) and cell.value.startswith("=")


def validations(ws) -> dict[tuple[int, int], list]:
    """0-based (row, col) -> data validations covering the cell."""
    out: dict[tuple[int, int], list] = defaultdict(list)
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    out[(row - 1, col - 1)].append(dv)
    return out


def resolve(wb, name: str) -> tuple[str, tuple[int, int, int, int]]:
    """Sheet and 0-based (first row, first col, last row, last col) of a defined name."""
    (sheet, ref), = list(wb.defined_names[name].destinations)
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    return sheet, (min_row - 1, min_col - 1, max_row - 1, max_col - 1)


def expected_inputs(g: Generated) -> dict[Pos, tuple[set[str], object]]:
    """Every cell a unit types in -> (accepted validation types, what it is)."""
    out: dict[Pos, tuple[set[str], object]] = {}
    for lay in form_layouts(g.form, g.level):
        name = lay.sheet.name
        if isinstance(lay, IndicatorLayout):
            for line in lay.lines:
                if line.role == "heading":
                    continue
                out[(name, line.row, lay.note_col)] = ({"textLength"}, "note")
                for vc in lay.sheet.columns:
                    if lay.is_input(line, vc):
                        out[(name, line.row, lay.value_cols[vc.key])] = (INDICATOR_DV[line.value_kind], line)
        else:
            for row, _group in lay.data_rows:
                for col in lay.sheet.columns:
                    out[(name, row, lay.cols[col.key])] = (LIST_DV[col.type], col)
    return out


def stt_cells(g: Generated, sheet_name: str) -> set[tuple[int, int]]:
    """The STT cells of the prepared rows of a list sheet (empty for other sheets)."""
    for lay in form_layouts(g.form, g.level):
        if lay.sheet.name == sheet_name and not isinstance(lay, IndicatorLayout):
            return {(row, lay.stt_col) for row, _ in lay.data_rows}
    return set()


def expected_codes(g: Generated, sheet: IndicatorSheet) -> list[str | None]:
    """The code column of a sheet, straight from the catalog (headings have none)."""
    codes: list[str | None] = []
    for item in sheet.rows:
        code = getattr(item, "code", None)
        if code is None:
            codes.append(None)
        elif g.level is None or not item.levels or g.level in item.levels:
            codes += [code, f"{code}:num", f"{code}:den"] if item.kind == "ratio" else [code]
    return codes


# --------------------------------------------------------------------------- structure


def test_sheets_of_the_level_only(generated_workbook, opened):
    wb = opened(generated_workbook.path)
    mine = [s.name for s in generated_workbook.form.sheets
            if generated_workbook.level is None or not s.levels or generated_workbook.level in s.levels]
    assert wb.sheetnames == [INFO_SHEET, *mine, META_SHEET]
    assert wb.active.title == INFO_SHEET


def test_code_column_holds_the_levels_rows(generated_workbook, opened):
    """Rows of other levels are absent; the layout row of every code holds that code."""
    wb = opened(generated_workbook.path)
    for lay in form_layouts(generated_workbook.form, generated_workbook.level):
        if not isinstance(lay, IndicatorLayout):
            continue
        ws = wb[lay.sheet.name]
        found = [at(ws, r, lay.code_col).value for r in range(lay.first_row, lay.last_row + 1)]
        assert found == expected_codes(generated_workbook, lay.sheet)
        for line in lay.lines:
            assert at(ws, line.row, lay.code_col).value == (line.code or None)
            assert at(ws, line.row, lay.label_col).value == line.label
            if line.stt:
                assert at(ws, line.row, lay.stt_col).value == line.stt


def test_sonla_2024_district_rows_only_in_district_workbooks(generated, opened):
    for level, present in ((None, True), ("huyen", True), ("so_nganh", False)):
        wb = opened(generated[("sonla-2024", level)].path)
        ws = wb["Phụ lục II"]
        codes = {c.value for c in ws["G"] if c.value}
        for code in ("II.2.4.g", "II.2.4.g:num", "II.2.4.g:den", "II.2.4.h", "II.6.4.a"):
            assert (code in codes) == present, (level, code)
        assert ("II.6.8.a" in codes) == (level in (None, "huyen"))
        assert "II.2.4.a" in codes


def test_bacgiang_commune_block_in_district_workbooks(generated, opened):
    """Block b (ICT of the communes) is reported by the district (issue 13); sở do not get it."""
    wb = opened(generated[("bacgiang-2022", "huyen")].path)
    assert wb.sheetnames == [INFO_SHEET, "CNTT Sở-Huyện", "CNTT cấp xã", "Một cửa", "ISO 9001", META_SHEET]
    wb = opened(generated[("bacgiang-2022", "so_nganh")].path)
    assert "CNTT cấp xã" not in wb.sheetnames


# --------------------------------------------------------------------------- inputs and formulas


def _check_dv(dv, kinds: set[str], what, g: Generated, ref: str) -> None:
    assert dv.type in kinds, (ref, dv.type, kinds)
    assert dv.showErrorMessage and dv.errorStyle in (None, "stop"), ref
    assert dv.showInputMessage and dv.prompt, ref
    assert len(dv.prompt) <= 255 and len(dv.error or "") <= 255 and len(dv.promptTitle or "") <= 32
    assert dv.allow_blank, ref
    ind = getattr(what, "indicator", None)
    kind = getattr(what, "value_kind", None) or getattr(what, "type", None)
    if dv.type == "custom":  # relations (part <= whole, num <= den) keep the whole-number check
        assert dv.formula1.startswith(f"AND(ISNUMBER({ref})"), dv.formula1
        assert f"{ref}=INT({ref})" in dv.formula1 and f"{ref}>=0" in dv.formula1
        assert "<=" in dv.formula1.split(f"{ref}=INT({ref})", 1)[1]
    elif dv.type == "whole":  # the indicator's bounds; ratio inputs and list counts: 0..MAX_COUNT
        own = ind is not None and getattr(what, "role", "") == "value"
        lo, hi = (ind.min, ind.max) if own else (0, None)
        assert (dv.formula1, dv.formula2) == (str(int(lo or 0)), str(int(hi or MAX_COUNT))), ref
    elif dv.type == "decimal":
        assert float(dv.formula1) == (ind.min or 0)
        assert float(dv.formula2) == (ind.max if ind.max is not None else MAX_COUNT)
        if kind == "percent":
            assert 0 <= ind.min < ind.max <= 100
    elif dv.type == "list":
        if kind == "choice" and ind is not None:
            assert dv.formula1 == '"' + ",".join(str(c.code) for c in ind.choices) + '"'
        elif kind == "yesno":
            assert dv.formula1 == f'"{YES},{NO}"'
        else:
            assert dv.formula1 == '"' + ",".join(what.choices) + '"'
    elif dv.type == "date":
        lo, hi = period_bounds(g.form.period, g.year)
        if getattr(what, "dates_from", ""):  # documents issued before the period (Tuần Giáo Phụ lục 01)
            lo = parse_day(what.dates_from, g.year) + timedelta(days=366)
        assert dv.operator in (None, "between")
        assert from_excel(int(dv.formula1)).date() <= lo and hi <= from_excel(int(dv.formula2)).date()
        assert hi - lo < from_excel(int(dv.formula2)).date() - from_excel(int(dv.formula1)).date() \
            <= hi - lo + timedelta(days=2 * 366)
    elif dv.type == "textLength":
        assert dv.operator == "lessThanOrEqual" and int(dv.formula1) >= 200


def test_every_input_is_unlocked_and_validated_once(generated_workbook, opened):
    wb = opened(generated_workbook.path)
    inputs = expected_inputs(generated_workbook)
    by_sheet: dict[str, dict] = defaultdict(dict)
    for (sheet, row, col), exp in inputs.items():
        by_sheet[sheet][(row, col)] = exp
    for name, cells in by_sheet.items():
        ws = wb[name]
        dvs = validations(ws)
        for (row, col), (kinds, what) in cells.items():
            cell = at(ws, row, col)
            assert cell.protection.locked is False, f"{name}!{cell.coordinate} is locked"
            assert cell.value is None, f"{name}!{cell.coordinate} is not blank"
            assert len(dvs[(row, col)]) == 1, f"{name}!{cell.coordinate}: {len(dvs[(row, col)])} validations"
            _check_dv(dvs[(row, col)][0], kinds, what, generated_workbook, cell.coordinate)
        stt = stt_cells(generated_workbook, name)
        for row, col in stt:  # prefilled row numbers a unit may renumber: whole numbers >= 1
            assert at(ws, row, col).protection.locked is False
            assert [dv.type for dv in dvs[(row, col)]] == ["whole"]
        extra = set(dvs) - set(cells) - stt
        assert not extra, f"{name}: validations on non-input cells {sorted(extra)[:5]}"


def test_info_sheet_contact_inputs(generated_workbook, opened):
    wb = opened(generated_workbook.path)
    ws = wb[INFO_SHEET]
    dvs = validations(ws)
    inputs = {"reporter": "textLength", "phone": "textLength", "email": "textLength",
              "report_number": "textLength", "report_date": "date"}
    for key, kind in inputs.items():
        sheet, (row, col, row2, col2) = resolve(wb, INFO_NAMES[key])
        assert sheet == INFO_SHEET and (row, col) == (row2, col2)
        cell = at(ws, row, col)
        assert cell.protection.locked is False, key
        assert [d.type for d in dvs[(row, col)]] == [kind], key
        _check_dv(dvs[(row, col)][0], {kind}, None, generated_workbook, cell.coordinate)
    assert sorted(dvs) == sorted(resolve(wb, INFO_NAMES[k])[1][:2] for k in inputs)


def test_no_other_cell_is_unlocked(generated_workbook, opened):
    """Everything besides the inputs is locked (list sheets also let units renumber STT)."""
    wb = opened(generated_workbook.path)
    inputs = set(expected_inputs(generated_workbook))
    inputs |= {(INFO_SHEET, *resolve(wb, INFO_NAMES[k])[1][:2])
               for k in ("reporter", "phone", "email", "report_number", "report_date")}
    stt = {(lay.sheet.name, r, lay.stt_col) for lay in form_layouts(generated_workbook.form, generated_workbook.level)
           if isinstance(lay, ListLayout) for r, _ in lay.data_rows}
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                pos = (ws.title, cell.row - 1, cell.column - 1)
                if cell.protection.locked is False:
                    assert pos in inputs or pos in stt, f"{ws.title}!{cell.coordinate} unlocked"


def test_every_formula_is_locked_and_where_the_layout_says(generated_workbook, opened):
    wb = opened(generated_workbook.path)
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                if is_formula(cell):
                    assert cell.protection.locked is not False, f"{ws.title}!{cell.coordinate}"
    for lay in form_layouts(generated_workbook.form, generated_workbook.level):
        ws = wb[lay.sheet.name]
        for col in (1, 2):  # status cells: errors, missing required cells
            assert is_formula(at(ws, 4, col)) and at(ws, 4, col).protection.locked is not False
        if isinstance(lay, ListLayout):
            for r, _ in lay.data_rows:
                assert is_formula(at(ws, r, lay.err_col)), a1(r, lay.err_col)
            continue
        for line in lay.lines:
            for vc in lay.sheet.columns:
                cell = at(ws, line.row, lay.value_cols[vc.key])
                if not lay.applies(line, vc):
                    assert cell.value is None and cell.protection.locked is not False
                elif line.role == "rate" or vc.is_computed:
                    assert is_formula(cell) and "ROUND(" in cell.value, cell.coordinate
                    assert cell.protection.locked is not False
                else:
                    assert is_formula(at(ws, line.row, lay.err_cols[vc.key]))
                    required = line.indicator.required_for(generated_workbook.level)
                    assert is_formula(at(ws, line.row, lay.miss_cols[vc.key])) == required
            if line.role == "rate":  # the rate reads the two rows below it
                col = get_column_letter(lay.value_cols[lay.sheet.columns[0].key] + 1)
                formula = at(ws, line.row, lay.value_cols[lay.sheet.columns[0].key]).value
                assert f"{col}{line.row + 2}" in formula and f"{col}{line.row + 3}" in formula
        for vc in lay.sheet.columns:
            if vc.compute_ratio:
                num, den = (get_column_letter(lay.value_cols[k] + 1) for k in vc.compute_ratio)
                line = lay.lines[0]
                formula = at(ws, line.row, lay.value_cols[vc.key]).value
                assert f"{num}{line.row + 1}/{den}{line.row + 1}" in formula


def test_helper_columns_hidden(generated_workbook, opened):
    wb = opened(generated_workbook.path)
    for lay in form_layouts(generated_workbook.form, generated_workbook.level):
        ws = wb[lay.sheet.name]
        helpers = ([lay.err_col] if isinstance(lay, ListLayout)
                   else [*lay.err_cols.values(), *lay.miss_cols.values(), *lay.warn_cols.values()])
        dims = list(ws.column_dimensions.values())
        for col in helpers:
            assert any(d.min <= col + 1 <= d.max and d.hidden for d in dims), (lay.sheet.name, col)
        shown = [lay.code_col, *([lay.note_col] if isinstance(lay, IndicatorLayout) else [])]
        for col in shown:
            assert not any(d.min <= col + 1 <= d.max and d.hidden for d in dims)


def test_sheets_protected(generated_workbook, opened):
    wb = opened(generated_workbook.path)
    for ws in wb:
        assert ws.protection.sheet, ws.title
    for lay in form_layouts(generated_workbook.form, generated_workbook.level):
        prot = wb[lay.sheet.name].protection
        lists = isinstance(lay, ListLayout)
        # units may add rows to lists, never to indicator tables (codes sit at fixed rows)
        assert prot.insertRows is (not lists) and prot.deleteRows is (not lists)
        assert prot.formatColumns is False  # widening a column stays possible


def test_sonla_2024_relations_enforced_while_typing(generated, opened):
    """Completed tasks (I.1.b) <= planned (I.1.a): a custom validation on the completed cell."""
    g = generated[("sonla-2024", "so_nganh")]
    ws = opened(g.path)["Phụ lục II"]
    lay = form_layouts(g.form, g.level)[1]
    assert isinstance(lay, IndicatorLayout)
    col = lay.value_cols["year"]
    planned, done = lay.line("I.1.a").row, lay.line("I.1.b").row
    (dv,) = validations(ws)[(done, col)]
    assert dv.type == "custom"
    letter = get_column_letter(col + 1)
    assert f"(${letter}${done + 1})<=(${letter}${planned + 1})" in dv.formula1
    (dv,) = validations(ws)[(planned, col)]
    assert dv.type == "whole"


# --------------------------------------------------------------------------- names, tables


def test_defined_names_resolve_to_the_layout(generated_workbook, opened):
    wb = opened(generated_workbook.path)
    for lay in form_layouts(generated_workbook.form, generated_workbook.level):
        ws = wb[lay.sheet.name]
        sheet, (r0, c0, r1, c1) = resolve(wb, data_name(lay.sheet.id))
        assert sheet == lay.sheet.name
        assert (c0, c1) == (0, lay.code_col)
        if isinstance(lay, IndicatorLayout):
            assert (r0, r1) == (lay.header_rows[1], lay.last_row)
            labels = [at(ws, r0, lay.value_cols[vc.key]).value for vc in lay.sheet.columns]
            assert labels == [render(vc.label, generated_workbook.year) for vc in lay.sheet.columns]
            top = at(ws, lay.header_rows[0], lay.code_col)
            assert top.value == CODE_HEADER
            merged = [m for m in ws.merged_cells.ranges if top.coordinate in m]
            assert merged and merged[0].max_row == r0 + 1, "code header spans the name's first row"
            codes = [at(ws, r, lay.code_col).value for r in range(r0 + 1, r1 + 1)]
            assert codes == [line.code or None for line in lay.lines]
        else:
            assert (r0, r1) == (lay.header_row, lay.last_row)
            header = [at(ws, r0, c).value for c in range(c0, c1 + 1)]
            assert header == [STT_HEADER, *(c.label for c in lay.sheet.columns), GROUP_HEADER]
            groups = {r: f"nhom:{code}" for code, r in lay.group_rows.items()}
            groups |= {r: g for r, g in lay.data_rows}
            assert {r: at(ws, r, lay.code_col).value or "" for r in range(r0 + 1, r1 + 1)} == groups
        sheet, (row, col, row2, col2) = resolve(wb, status_name(lay.sheet.id))
        assert (sheet, row, col) == (lay.sheet.name, 4, 1) and (row, col) == (row2, col2)
        assert "lỗi cần sửa" in at(ws, row, col).value
    info = wb[INFO_SHEET]
    refs = {c.value for c in info["B"] if is_formula(c)}
    for lay in form_layouts(generated_workbook.form, generated_workbook.level):
        sheet = lay.sheet.name
        quoted = f"'{sheet}'" if any(not ch.isalnum() for ch in sheet) else sheet
        expected = f'={quoted}!$B$5&" — "&{quoted}!$C$5'  # the errors, then the blank required cells
        assert expected in refs, "info sheet mirrors the status"
    unit = generated_workbook.unit
    sheet, (row, col, _, _) = resolve(wb, INFO_NAMES["unit_code"])
    assert sheet == INFO_SHEET and at(info, row, col).value == (unit.code or None)
    sheet, (row, col, _, _) = resolve(wb, INFO_NAMES["unit_name"])
    name = at(info, row, col).value
    assert name == unit.name if unit.code else "mẫu trống" in name
    sheet, (row, col, _, _) = resolve(wb, INFO_NAMES["period"])
    assert at(info, row, col).value == render(generated_workbook.form.period.label, generated_workbook.year)


def test_unit_code_keeps_leading_zeros(generated, opened):
    g = generated[("tuangiao-2024", "xa")]
    wb = opened(g.path)
    _, (row, col, _, _) = resolve(wb, INFO_NAMES["unit_code"])
    assert at(wb[INFO_SHEET], row, col).value == "03646"


def test_list_sheets_are_excel_tables(generated_workbook, opened):
    wb = opened(generated_workbook.path)
    for lay in form_layouts(generated_workbook.form, generated_workbook.level):
        ws = wb[lay.sheet.name]
        if isinstance(lay, IndicatorLayout):
            assert not ws.tables
            continue
        assert list(ws.tables) == [table_name(lay.sheet.id)]
        table = ws.tables[table_name(lay.sheet.id)]
        assert table.ref == f"A{lay.header_row + 1}:{a1(lay.last_row, lay.code_col)}"
        assert [c.name for c in table.tableColumns] == [
            STT_HEADER, *(c.label for c in lay.sheet.columns), GROUP_HEADER]
        assert len(lay.data_rows) == lay.sheet.rows * max(1, len(lay.sheet.groups))


# --------------------------------------------------------------------------- metadata


def test_metadata_sheet_and_properties(generated_workbook, opened):
    wb = opened(generated_workbook.path)
    ws = wb[META_SHEET]
    assert ws.sheet_state == "veryHidden"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("key", "value")
    meta = {k: v or "" for k, v in rows[1:]}
    form, unit = generated_workbook.form, generated_workbook.unit
    assert meta["form_id"] == form.id
    assert meta["form_version"] == str(form.version)
    assert meta["catalog_hash"] == form.digest
    assert meta["unit_code"] == unit.code
    assert meta["unit_level"] == (unit.level or "")
    assert meta["period"] == str(generated_workbook.year)
    assert datetime.fromisoformat(meta["generated_at"]) == generated_workbook.generated_at
    assert meta["tool_version"] == workbooks.__version__
    sheets = {k.split(":", 1)[1]: v for k, v in meta.items() if k.startswith("sheet:")}
    assert sheets == {s.id: s.name for s in form.sheets_for_level(generated_workbook.level)}
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    expected = {PROPERTY_PREFIX + k: v for k, v in meta.items() if v and not k.startswith("sheet:")}
    assert props == expected
    required = {"form_id", "form_version", "catalog_hash", "period", "generated_at", "tool_version"}
    assert {PROPERTY_PREFIX + k for k in required} <= set(props)
    assert (PROPERTY_PREFIX + "unit_code" in props) == bool(unit.code)


def test_generated_for_another_year(catalog, tmp):
    """Templates follow the requested period: headers, metadata, date window."""
    form = catalog["sonla-2024"]
    unit = UnitInfo("SNV", "Sở Nội vụ", "so_nganh", "Sở")
    path = generate_workbook(form, tmp / "x.xlsx", unit=unit, year=2025)
    assert [p.name for p in tmp.iterdir()] == ["x.xlsx"], "written through a temp file, renamed"
    wb = openpyxl.load_workbook(path)
    ws = wb["Phụ lục II"]
    assert [ws["D8"].value, ws["E8"].value] == ["Năm 2024", "Năm 2025"]
    assert "01/01/2024" in ws["A4"].value  # "Từ ngày 01/01/{year-1} đến thời điểm kiểm tra"
    meta = dict(wb[META_SHEET].iter_rows(min_row=2, values_only=True))
    assert meta["period"] == "2025"
    (dv,) = validations(wb[INFO_SHEET])[resolve(wb, INFO_NAMES["report_date"])[1][:2]]
    assert from_excel(int(dv.formula1)).date() < date(2025, 1, 1) < from_excel(int(dv.formula2)).date()
    assert from_excel(int(dv.formula1)).date() > date(2022, 12, 1)  # period from 01/01/2024, ± 1 year


# --------------------------------------------------------------------------- look and print


def test_conditional_formats_on_value_columns(generated_workbook, opened):
    wb = opened(generated_workbook.path)
    for lay in form_layouts(generated_workbook.form, generated_workbook.level):
        ws = wb[lay.sheet.name]
        ranges: dict[int, set[int]] = defaultdict(set)
        formulas: dict[int, list[str]] = defaultdict(list)
        for cf in ws.conditional_formatting:
            for rng in cf.sqref.ranges:
                for col in range(rng.min_col - 1, rng.max_col):
                    ranges[col] |= set(range(rng.min_row - 1, rng.max_row))
                    formulas[col] += [f for rule in cf.rules for f in rule.formula]
        if isinstance(lay, IndicatorLayout):
            for vc in lay.sheet.columns:
                col = lay.value_cols[vc.key]
                assert ranges[col] >= set(range(lay.first_row, lay.last_row + 1)), vc.key
                err = f"${get_column_letter(lay.err_cols[vc.key] + 1)}{lay.first_row + 1}>0"
                assert err in formulas[col], (vc.key, formulas[col])
        else:
            for c in lay.sheet.columns:
                col = lay.cols[c.key]
                assert ranges[col] >= {r for r, _ in lay.data_rows}, c.key


def test_print_setup(generated_workbook, opened):
    wb = opened(generated_workbook.path)
    for lay in form_layouts(generated_workbook.form, generated_workbook.level):
        ws = wb[lay.sheet.name]
        assert ws.page_setup.orientation == "landscape"
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 == "9"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1) and int(ws.page_setup.fitToHeight) == 0
        first, last = (lay.header_rows if isinstance(lay, IndicatorLayout)
                       else (lay.header_row, lay.header_row))
        assert ws.print_title_rows == f"${first + 1}:${last + 1}"
        end = lay.last_row + 1 + SIGNATURE_ROWS  # the signature block under the table is printed
        assert re.search(rf"\$A\$1:\$[A-Z]+\${end}$", ws.print_area), ws.print_area
        if isinstance(lay, IndicatorLayout):
            assert ws.freeze_panes == a1(lay.first_row, 2)
    info = wb[INFO_SHEET]
    assert info.page_setup.orientation == "landscape"
    assert str(info.page_setup.paperSize) == info.PAPERSIZE_A4


# --------------------------------------------------------------------------- file names

SAFE = re.compile(r"^[A-Za-z0-9._-]+\.xlsx$")
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def _windows_safe(name: str) -> bool:
    stem = name.rsplit(".", 1)[0]
    return (bool(SAFE.match(name)) and len(name) <= 120 and stem.upper() not in RESERVED
            and not stem.endswith((".", " ")))


def test_generated_file_names_are_windows_safe(generated):
    names = [g.path.name for g in generated.values()]
    assert len(set(names)) == len(names)
    for g in generated.values():
        assert _windows_safe(g.path.name), g.path.name
        assert g.path.name.startswith(g.form.id + "_")
        assert g.path.exists()
    assert not list(next(iter(generated.values())).path.parent.glob("*.tmp"))
    assert generated[("tuangiao-2024", "xa")].path.name == "tuangiao-2024_03646_Phuong_To_Hieu.xlsx"
    assert generated[("sonla-2024", None)].path.name == "sonla-2024_mau_trong.xlsx"


@pytest.mark.parametrize(("code", "name"), [
    ("03646", "Phường Tô Hiệu"),
    ("H/01", 'UBND huyện "Mường La": Phòng <Nội vụ>?*|'),
    ("CON", "CON"),
    ("X1", "Đặc khu Côn Đảo."),
    ("X2", "   "),
    ("X3", "Xã " + "Đồng Tâm " * 30),
    ("X4", "Thị trấn Tuần Giáo\\..\\..\\windows"),
])
def test_workbook_filename_is_windows_safe(catalog, code, name):
    form = catalog["tuangiao-2024"]
    fname = workbook_filename(form, UnitInfo(code, name, "xa", "Xã"))
    assert _windows_safe(fname), fname
    assert fname.startswith(f"tuangiao-2024_{code.replace('/', '_')}_")


def test_workbook_filenames_of_registry_units_distinct(catalog):
    from workbooks.registry import load_registry

    registries = sorted((workbooks.catalog.loader.FORMS_DIR.parent / "registries").glob("*.csv"))
    assert registries
    names = []
    for path in registries:
        for unit in load_registry(path):
            names.append(workbook_filename(catalog["sonla-2024"], UnitInfo(unit.code, unit.name, unit.level)))
    assert len(set(names)) == len(names)
    assert all(_windows_safe(n) for n in names)
