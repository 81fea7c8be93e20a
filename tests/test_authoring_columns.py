"""A column-oriented appendix (rows = lĩnh vực, columns = Tổng số and its parts) imports into a form
that generates, reads back (workbooks.reader) and checks (validators); forms built from imported
appendices pass the generator's own per-form tests.

The table is the national template for reporting how administrative procedures were handled
("Tình hình, kết quả giải quyết thủ tục hành chính", the VPCP/KSTT statistics form used by the
provinces' one-stop centres): STT | Lĩnh vực | Số hồ sơ nhận giải quyết (Tổng số; Trong đó: từ kỳ
trước, mới tiếp nhận) | Kết quả giải quyết: Số hồ sơ đã giải quyết (Tổng số, Trả trước hạn, Trả đúng
thời hạn, Trả quá hạn), Số hồ sơ đang giải quyết (Tổng số, Chưa đến hạn, Quá hạn).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

import tests.test_generator as generator_tests
from tests.conftest import GENERATED_AT, Generated, run_cchc, unit_for
from tests.test_authoring_import import ninhthuan_xlsx, sonla_docx
from validators import validate_return
from workbooks.authoring import build_form, write_definition
from workbooks.authoring.importer import import_appendix
from workbooks.catalog import load_form
from workbooks.catalog.layout import form_layouts, value_cells
from workbooks.catalog.model import Form, IndicatorSheet
from workbooks.reader import read_return
from workbooks.writer import generate_workbook, workbook_filename

HEADER = [
    ["STT", "Lĩnh vực, công việc giải quyết", "Số hồ sơ nhận giải quyết", None, None, "Kết quả giải quyết",
     None, None, None, None, None, None],
    [None, None, "Tổng số", "Trong đó", None, "Số hồ sơ đã giải quyết", None, None, None,
     "Số hồ sơ đang giải quyết", None, None],
    [None, None, None, "Số kỳ trước chuyển qua", "Số mới tiếp nhận", "Tổng số", "Trả trước hạn",
     "Trả đúng thời hạn", "Trả quá hạn", "Tổng số", "Chưa đến hạn", "Quá hạn"],
    ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)", "(10)", "(11)", "(12)"],
]
MERGES = ["A1:A3", "B1:B3", "C1:E1", "F1:L1", "C2:C3", "D2:E2", "F2:I2", "J2:L2"]
FIELDS = ["Đất đai", "Xây dựng", "Tư pháp - Hộ tịch", "Lao động - Thương binh và Xã hội", "Đăng ký kinh doanh"]


def tthc_xlsx(out: Path) -> Path:
    """The template as a Sở keeps it in Excel: merged title and header cells, bold header."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Biểu 06"
    ws["A1"] = "Biểu số 06"
    ws["A2"] = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH NĂM 2025"
    ws["A3"] = "(Kỳ báo cáo: từ ngày 01/01/2025 đến ngày 31/12/2025)"
    for r in (1, 2, 3):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=12)
        ws.cell(r, 1).font = Font(bold=r < 3)
    for r, row in enumerate(HEADER, start=5):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value).font = Font(bold=True)
    for rng in MERGES:
        first, last = rng.split(":")
        ws.merge_cells(f"{first[0]}{int(first[1:]) + 4}:{last[0]}{int(last[1:]) + 4}")
    for i, name in enumerate(FIELDS, start=1):
        ws.append([i, name])
    ws.append([None, "Tổng cộng"])
    wb.save(out)
    return out


@pytest.fixture(scope="module")
def tthc_form(tmp_path_factory: pytest.TempPathFactory) -> Form:
    tmp = tmp_path_factory.mktemp("tthc")
    source = tthc_xlsx(tmp / "Bieu 06 TTHC.xlsx")
    result = run_cchc("form", "import", source, "--id", "tthc-2025", "--province", "Sơn La",
                      "--out", tmp / "tthc.xlsx")
    assert result.code == 0, result.text
    built = run_cchc("form", "build", tmp / "tthc.xlsx", "--out", tmp / "tthc-2025.yaml")
    assert built.code == 0, built.text
    return load_form(tmp / "tthc-2025.yaml")


def test_columns_and_rules_of_the_imported_template(tthc_form: Form) -> None:
    (sheet,) = tthc_form.sheets
    assert isinstance(sheet, IndicatorSheet)
    assert [(c.group, c.label) for c in sheet.columns] == [
        ("Số hồ sơ nhận giải quyết", "Tổng số"),
        ("Số hồ sơ nhận giải quyết", "Số kỳ trước chuyển qua"),
        ("Số hồ sơ nhận giải quyết", "Số mới tiếp nhận"),
        ("Kết quả giải quyết", "Số hồ sơ đã giải quyết: Tổng số"),
        ("Kết quả giải quyết", "Số hồ sơ đã giải quyết: Trả trước hạn"),
        ("Kết quả giải quyết", "Số hồ sơ đã giải quyết: Trả đúng thời hạn"),
        ("Kết quả giải quyết", "Số hồ sơ đã giải quyết: Trả quá hạn"),
        ("Kết quả giải quyết", "Số hồ sơ đang giải quyết: Tổng số"),
        ("Kết quả giải quyết", "Số hồ sơ đang giải quyết: Chưa đến hạn"),
        ("Kết quả giải quyết", "Số hồ sơ đang giải quyết: Quá hạn"),
    ]
    label = {c.key: c.label for c in sheet.columns}
    rules = [([label[k] for k in r.left], r.op, label[r.right[0]]) for r in sheet.column_rules]
    assert rules == [
        (["Số kỳ trước chuyển qua", "Số mới tiếp nhận"], "=", "Tổng số"),
        (["Số hồ sơ đã giải quyết: Trả trước hạn", "Số hồ sơ đã giải quyết: Trả đúng thời hạn",
          "Số hồ sơ đã giải quyết: Trả quá hạn"], "=", "Số hồ sơ đã giải quyết: Tổng số"),
        (["Số hồ sơ đang giải quyết: Chưa đến hạn", "Số hồ sơ đang giải quyết: Quá hạn"], "=",
         "Số hồ sơ đang giải quyết: Tổng số"),
    ]
    assert [i.label for i in sheet.indicators] == FIELDS  # "Tổng cộng" is computed, not typed
    assert {i.kind for i in sheet.indicators} == {"count"}
    assert tthc_form.year == 2025 and tthc_form.title == "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH NĂM 2025"


def test_generate_fill_read_back_and_check(tthc_form: Form, tmp: Path) -> None:
    registry = Path(__file__).resolve().parents[1] / "workbooks" / "registries" / "tuangiao.csv"
    result = run_cchc("generate", tthc_form.path, "--registry", registry, "--out", tmp / "out", "--jobs", "1")
    assert result.code == 0, result.text
    assert "Đã tạo 7 tệp cho các đơn vị và 1 mẫu trống" in result.out  # the 7 communes of the registry
    blank = workbook_filename(tthc_form, unit_for(None))
    path = next(p for p in sorted((tmp / "out").glob("*.xlsx")) if p.name != blank)
    sheet = tthc_form.sheets[0]
    assert isinstance(sheet, IndicatorSheet)
    cells = value_cells(form_layouts(tthc_form, "xa"))
    good = [5, 1, 4, 5, 0, 5, 0, 0, 0, 0]
    figures = {"Đất đai": [120, 20, 100, 110, 30, 70, 10, 10, 8, 2],
               "Xây dựng": [9, 2, 6, 9, 1, 7, 1, 0, 0, 0]}  # 2 + 6 != 9: the one mistake
    wb = openpyxl.load_workbook(path)
    for ind in sheet.indicators:
        for col, value in zip(sheet.columns, figures.get(ind.label, good), strict=True):
            pos = cells[(ind.code, col.key)]
            wb[pos.sheet].cell(pos.row + 1, pos.col + 1, value)
    wb.save(path)
    ret = read_return(path, catalog={tthc_form.id: tthc_form})
    assert ret.form.id == "tthc-2025"
    report = validate_return(ret)
    errors = [(f.rule_id, f.code) for f in report.errors()]
    xay_dung = next(i.code for i in sheet.indicators if i.label == "Xây dựng")
    assert errors == [(f"rule:{sheet.column_rules[0].id}", xay_dung)], [f.message for f in report.findings]
    assert "Số hồ sơ nhận giải quyết" in report.errors()[0].message


CHECKS = [name for name in dir(generator_tests) if name.startswith("test_")
          and generator_tests.__dict__[name].__code__.co_varnames[:2] == ("generated_workbook", "opened")
          and generator_tests.__dict__[name].__code__.co_argcount == 2]


@pytest.fixture(scope="module")
def imported_forms(tthc_form: Form, seeds: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Form]:
    tmp = tmp_path_factory.mktemp("imported")
    forms = [tthc_form]
    for source, form_id in ((sonla_docx(seeds, tmp / "sl.docx"), "sonla-nhap"),
                            (ninhthuan_xlsx(seeds, tmp / "nt.xlsx"), "ninhthuan-nhap")):
        imported = import_appendix(source, form_id, "Sơn La")  # import -> definition -> build, as a Sở does
        definition = write_definition(imported.form, tmp / f"{form_id}.xlsx", imported.reviews)
        forms.append(build_form(definition, tmp / f"{form_id}.yaml").form)
    return forms


@pytest.fixture(scope="module")
def imported_workbooks(imported_forms: list[Form], tmp_path_factory: pytest.TempPathFactory) -> list[Generated]:
    """Every imported form's blank template and one workbook per level, generated once."""
    out = tmp_path_factory.mktemp("gen")
    books = []
    for form in imported_forms:
        for level in (None, *form.levels):
            unit = unit_for(level)
            path = generate_workbook(form, out / workbook_filename(form, unit), unit=unit,
                                     year=form.period.default_year, generated_at=GENERATED_AT)
            books.append(Generated(form, level, unit, form.period.default_year, path))
    return books


@pytest.mark.parametrize("check", CHECKS)
def test_imported_forms_pass_the_generator_tests(check: str, imported_workbooks: list[Generated]) -> None:
    books: dict[Path, openpyxl.Workbook] = {}

    def opened(path: Path) -> openpyxl.Workbook:
        if path not in books:
            books[path] = openpyxl.load_workbook(path)
        return books[path]

    for generated in imported_workbooks:
        getattr(generator_tests, check)(generated, opened)


def test_the_generator_checks_are_found() -> None:
    """The per-workbook checks of test_generator (13 today) are what the test above runs."""
    assert len(CHECKS) >= 10 and "test_every_input_is_unlocked_and_validated_once" in CHECKS
