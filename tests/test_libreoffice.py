"""Generated workbooks in LibreOffice: they open, convert, print, and their formulas compute.

All conversions run in a few batched ``soffice`` calls (session fixtures). Recalculation is
forced by the profile ``soffice_convert`` uses (``OOXMLRecalcMode`` = always); one test checks
that cached results written by the generator are really recomputed, not just reused.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

import openpyxl
import pytest

from workbooks.catalog.layout import IndicatorLayout, ListLayout, form_layouts, value_cells
from workbooks.writer.info_sheet import INFO_SHEET
from workbooks.writer.metadata import META_SHEET
from workbooks.writer.names import data_name, status_name

NO_ERRORS = "Chưa phát hiện lỗi"
ALL_REQUIRED = "Đã nhập đủ các ô bắt buộc"


def errors_text(n: int) -> str:
    return f"Còn {n} lỗi cần sửa"


def missing_text(n: int) -> str:
    return f"Còn {n} ô bắt buộc chưa nhập" if n else ALL_REQUIRED


def required_inputs(form, level) -> dict[str, set[tuple[int, int]]]:
    """Sheet name -> required input cells (0-based), from the layout."""
    out: dict[str, set[tuple[int, int]]] = {}
    for lay in form_layouts(form, level):
        cells: set[tuple[int, int]] = set()
        if isinstance(lay, IndicatorLayout):
            for line in lay.lines:
                for vc in lay.sheet.columns:
                    if lay.is_input(line, vc) and line.indicator.required_for(level):
                        cells.add((line.row, lay.value_cols[vc.key]))
        out[lay.sheet.name] = cells
    return out


def formula_errors(wb) -> list[str]:
    """Cells whose computed value is an error (#NAME?, #VALUE!, Err:502 …)."""
    return [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and (re.fullmatch(r"#[A-Z/0!?]+", c.value) or c.value.startswith("Err:"))]


def status(wb, sheet: str) -> tuple[str, str]:
    """(errors, missing) status texts of a sheet, as computed."""
    ws = wb[sheet]
    return ws["B5"].value, ws["C5"].value


# --------------------------------------------------------------------------- (a) conversions


@pytest.fixture(scope="session")
def converted(generated, soffice, tmp_path_factory):
    """Every generated workbook converted to xlsx and to pdf (two soffice runs)."""
    sources = [g.path for g in generated.values()]
    root = tmp_path_factory.mktemp("converted")
    xlsx = soffice(sources, "xlsx", root / "xlsx")
    pdf = soffice(sources, "pdf", root / "pdf")
    return {key: (x, p) for key, x, p in zip(generated, xlsx, pdf, strict=True)}


def test_pdf_export(generated_workbook, converted, opened):
    pdf = converted[(generated_workbook.form.id, generated_workbook.level)][1]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 5000
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    visible = [ws for ws in opened(generated_workbook.path) if ws.sheet_state == "visible"]
    assert pages >= len(visible), "every visible sheet printed, the metadata sheet not"


def test_xlsx_round_trip_keeps_structure_and_metadata(generated_workbook, converted, opened):
    out = converted[(generated_workbook.form.id, generated_workbook.level)][0]
    assert out.stat().st_size > 5000
    before, after = opened(generated_workbook.path), openpyxl.load_workbook(out)
    assert after.sheetnames == before.sheetnames
    # LibreOffice 7.x saves "very hidden" as "hidden"; the metadata stays out of sight and intact.
    assert after[META_SHEET].sheet_state in ("hidden", "veryHidden")
    def meta(wb) -> list[tuple[str, str]]:
        return [(k, v or "") for k, v in wb[META_SHEET].iter_rows(values_only=True)]

    assert meta(after) == meta(before)
    props = {p.name: p.value for p in before.custom_doc_props.props}
    assert {p.name: p.value for p in after.custom_doc_props.props} == props
    for lay in form_layouts(generated_workbook.form, generated_workbook.level):
        for name in (data_name(lay.sheet.id), status_name(lay.sheet.id)):
            assert list(after.defined_names[name].destinations) == list(before.defined_names[name].destinations)
        if isinstance(lay, ListLayout):
            assert list(after[lay.sheet.name].tables) == list(before[lay.sheet.name].tables)


def test_blank_workbook_status_after_recalculation(generated_workbook, converted):
    """Nothing typed yet: no errors, and the missing count equals the required inputs."""
    out = converted[(generated_workbook.form.id, generated_workbook.level)][0]
    wb = openpyxl.load_workbook(out, data_only=True)
    for sheet, cells in required_inputs(generated_workbook.form, generated_workbook.level).items():
        assert status(wb, sheet) == (NO_ERRORS, missing_text(len(cells))), sheet
    # the cover sheet says both: no error yet, and how many required cells are still blank
    statuses = sorted(c.value for c in wb[INFO_SHEET]["B"] if isinstance(c.value, str) and c.value.startswith(NO_ERRORS))
    required = required_inputs(generated_workbook.form, generated_workbook.level)
    assert statuses == sorted(f"{NO_ERRORS} — {missing_text(len(cells))}" for cells in required.values())
    assert not formula_errors(wb)


# --------------------------------------------------------------------------- (b) recalculation


def _fill(src: Path, dst: Path, form, level, values: dict, lists: dict | None = None) -> Path:
    """Type ``values`` ((code, column key) -> value) and list rows into a copy of ``src``."""
    cells = value_cells(form_layouts(form, level))
    wb = openpyxl.load_workbook(src)
    for key, value in values.items():
        pos = cells[key]
        wb[pos.sheet].cell(pos.row + 1, pos.col + 1).value = value
    for lay in form_layouts(form, level):
        if isinstance(lay, ListLayout):
            for i, row in enumerate((lists or {}).get(lay.sheet.id, [])):
                r = lay.data_rows[i][0]
                for k, v in row.items():
                    wb[lay.sheet.name].cell(r + 1, lay.cols[k] + 1).value = v
    wb.save(dst)
    return dst


def _clean_values(form, level) -> dict:
    """A complete, consistent fill of every input of Phụ lục II (sonla-2024)."""
    values: dict = {}
    for lay in form_layouts(form, level):
        if not isinstance(lay, IndicatorLayout):
            continue
        for line in lay.lines:
            for vc in lay.sheet.columns:
                if not lay.is_input(line, vc):
                    continue
                kind, ind = line.value_kind, line.indicator
                if kind == "choice":
                    values[(line.code, vc.key)] = ind.choices[-1].code
                else:
                    values[(line.code, vc.key)] = "Đã thực hiện" if kind == "text" else 0
    for col in ("prev_year", "year"):
        values[("II.2.4.a:num", col)] = 45
        values[("II.2.4.a:den", col)] = 50
        values[("II.2.4.b:den", col)] = 50  # rule: same total number of files on both rows
        values[("I.1.a", col)] = 7
        values[("I.1.b", col)] = 5
    return values


@pytest.fixture(scope="session")
def recalculated(generated, soffice, tmp_path_factory):
    """Filled copies of generated workbooks, recalculated by LibreOffice in one run."""
    work = tmp_path_factory.mktemp("filled")
    sonla = generated[("sonla-2024", "so_nganh")]
    tuangiao = generated[("tuangiao-2024", "xa")]
    f, lv = sonla.form, sonla.level
    files = {
        "errors": _fill(sonla.path, work / "errors.xlsx", f, lv, {
            ("II.2.4.a:num", "year"): 45, ("II.2.4.a:den", "year"): 50,
            ("I.1.a", "year"): 5, ("I.1.b", "year"): 7,  # completed > planned
            ("II.1.1", "year"): "12 hồ sơ",  # text in a count cell
        }, {"pl1": [{"task": "Ban hành kế hoạch", "status": "Quá hạn"}]}),  # overdue, no deadline
        "clean": _fill(sonla.path, work / "clean.xlsx", f, lv, _clean_values(f, lv),
                       {"pl1": [{"task": "Ban hành kế hoạch", "status": "Đúng hạn"}]}),
        "tuangiao": _fill(tuangiao.path, work / "tuangiao.xlsx", tuangiao.form, tuangiao.level, {
            ("1", "y1_total"): 40, ("1", "y1_ontime"): 30,
            ("1", "y2_total"): 10, ("1", "y2_ontime"): 12,  # on time > total
        }),
    }
    outs = soffice(list(files.values()), "xlsx", work / "out")
    return {k: openpyxl.load_workbook(o, data_only=True) for k, o in zip(files, outs, strict=True)}


def _value(wb, form, level, code: str, col: str):
    pos = value_cells(form_layouts(form, level))[(code, col)]
    return wb[pos.sheet].cell(pos.row + 1, pos.col + 1).value


def test_recalculated_without_formula_errors(recalculated):
    for name, wb in recalculated.items():
        assert not formula_errors(wb), name


def test_recalculated_rate_and_errors(recalculated, generated):
    g = generated[("sonla-2024", "so_nganh")]
    wb = recalculated["errors"]
    assert _value(wb, g.form, g.level, "II.2.4.a", "year") == pytest.approx(90.0)
    assert _value(wb, g.form, g.level, "II.2.4.a", "prev_year") in (None, "")  # not both given
    required = required_inputs(g.form, g.level)["Phụ lục II"]
    assert status(wb, "Phụ lục II") == (errors_text(2), missing_text(len(required) - 5))
    assert status(wb, "Phụ lục I") == (errors_text(1), ALL_REQUIRED)
    lay = form_layouts(g.form, g.level)[1]
    assert isinstance(lay, IndicatorLayout)
    ws = wb["Phụ lục II"]
    err = lay.err_cols["year"]
    flagged = {line.code for line in lay.lines
               if line.role != "heading" and ws.cell(line.row + 1, err + 1).value}
    assert flagged == {"I.1.b", "II.1.1"}
    mirrored = [c.value.split(" — ")[0] for c in wb[INFO_SHEET]["B"] if isinstance(c.value, str) and "lỗi" in c.value]
    assert mirrored == [errors_text(1), errors_text(2)], "info sheet shows each sheet's status"


def test_recalculated_clean_fill(recalculated, generated):
    g = generated[("sonla-2024", "so_nganh")]
    wb = recalculated["clean"]
    assert status(wb, "Phụ lục II") == (NO_ERRORS, ALL_REQUIRED)
    assert status(wb, "Phụ lục I") == (NO_ERRORS, ALL_REQUIRED)
    for col in ("prev_year", "year"):
        assert _value(wb, g.form, g.level, "II.2.4.a", col) == pytest.approx(90.0)
        assert _value(wb, g.form, g.level, "II.2.4.b", col) == pytest.approx(0.0)
        assert _value(wb, g.form, g.level, "II.2.3.c", col) in (None, "")  # 0/0: no rate


def test_recalculated_computed_columns(recalculated, generated):
    g = generated[("tuangiao-2024", "xa")]
    wb = recalculated["tuangiao"]
    assert _value(wb, g.form, g.level, "1", "y1_rate") == pytest.approx(75.0)
    assert _value(wb, g.form, g.level, "1", "y2_rate") == pytest.approx(120.0)
    assert _value(wb, g.form, g.level, "2", "y1_rate") in (None, "")
    required = required_inputs(g.form, g.level)["Phụ lục 03"]
    assert status(wb, "Phụ lục 03") == (errors_text(1), missing_text(len(required) - 4))


# --------------------------------------------------------------------------- cached results


def _sheet_xml(z: zipfile.ZipFile, sheet: str) -> str:
    """Path inside the package of the worksheet named ``sheet``."""
    book = z.read("xl/workbook.xml").decode()
    rid = re.search(rf'<sheet name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', book).group(1)
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return str(PurePosixPath("xl") / (target.group(1) or target.group(2)))


def _inject_numbers(src: Path, dst: Path, sheet: str, numbers: dict[str, int]) -> None:
    """Put numbers into blank cells at the XML level, keeping every cached formula result."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        part = _sheet_xml(zin, sheet)
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                xml = data.decode()
                for ref, number in numbers.items():
                    xml, n = re.subn(rf'<c r="{ref}"( s="\d+")?/>', rf'<c r="{ref}"\1><v>{number}</v></c>', xml)
                    assert n == 1, f"blank cell {ref} not found"
                data = xml.encode()
            zout.writestr(item, data)


def test_cached_results_are_recomputed(generated, soffice, tmp):
    """The generator stores "no error" as the cached status; LibreOffice must not trust it."""
    g = generated[("sonla-2024", "so_nganh")]
    cells = value_cells(form_layouts(g.form, g.level))

    def ref(code: str) -> str:
        pos = cells[(code, "year")]
        return openpyxl.utils.get_column_letter(pos.col + 1) + str(pos.row + 1)

    src = tmp / "cached.xlsx"
    _inject_numbers(g.path, src, "Phụ lục II", {ref("I.1.a"): 5, ref("I.1.b"): 7})
    cached = openpyxl.load_workbook(src, data_only=True)
    assert status(cached, "Phụ lục II")[0] == NO_ERRORS, "stale cached result before recalculation"
    assert cached["Phụ lục II"][ref("I.1.b")].value == 7
    out = soffice(src, "xlsx", tmp / "out")
    wb = openpyxl.load_workbook(out, data_only=True)
    required = required_inputs(g.form, g.level)["Phụ lục II"]
    assert status(wb, "Phụ lục II") == (errors_text(1), missing_text(len(required) - 2))
