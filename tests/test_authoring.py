"""Form-definition workbooks: ``cchc form export`` → ``cchc form build`` gives back every shipped
form; the workbook has Vietnamese sheets, dropdowns, frozen headers and help; it survives an edit
with openpyxl and a re-save by LibreOffice; ``cchc generate`` accepts it."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import run_cchc
from workbooks.authoring.schema import table_columns, unmapped_fields
from workbooks.catalog import Form, load_catalog, load_form
from workbooks.catalog.layout import form_layouts
from workbooks.catalog.model import Indicator, IndicatorSheet

SHEETS = ["Hướng dẫn", "Biểu mẫu", "Phụ lục", "Cột số liệu", "Chỉ tiêu", "Lựa chọn", "Quy tắc",
          "Cột danh sách", "Nhóm danh sách", "Quy tắc dòng"]


def comparable(form: Form) -> Form:
    """The form without where it was loaded from."""
    return dataclasses.replace(form, path="", digest="")


def export(form_id: str, out: Path) -> Path:
    result = run_cchc("form", "export", form_id, "--out", out)
    assert result.code == 0, result.text
    assert result.out.strip() == (f"Đã ghi tệp định nghĩa biểu mẫu '{form_id}' vào {out}. "
                                  f"Sửa tệp trong Excel rồi chạy: cchc form build {out}")
    return out


@pytest.mark.parametrize("form_id", sorted(load_catalog()))
def test_export_then_build_gives_back_the_shipped_form(form_id: str, tmp: Path) -> None:
    original = load_catalog()[form_id]
    book = export(form_id, tmp / f"{form_id}.xlsx")
    result = run_cchc("form", "build", book, "--out", tmp / "rebuilt.yaml")
    assert result.code == 0, result.text
    rebuilt = load_form(tmp / "rebuilt.yaml")
    n_ind = sum(len(s.indicators) for s in original.sheets if isinstance(s, IndicatorSheet))
    assert result.out.startswith(f"Đã kiểm tra tệp định nghĩa: biểu mẫu '{form_id}' phiên bản "
                                 f"{original.version}, {len(original.sheets)} phụ lục, {n_ind} chỉ tiêu;")
    assert comparable(rebuilt) == comparable(original)
    assert rebuilt.all_rules == original.all_rules
    for level in (None, *original.levels):  # the compiled layouts (cells of every level) too
        assert form_layouts(rebuilt, level) == form_layouts(original, level)


def test_definition_workbook_is_vietnamese_with_dropdowns_and_frozen_headers(tmp: Path) -> None:
    book = openpyxl.load_workbook(export("ninhthuan-2021", tmp / "nt.xlsx"))
    assert book.sheetnames == SHEETS
    ws = book["Chỉ tiêu"]
    headers = [c.value for c in ws[1]]
    assert headers[:6] == ["Mã phụ lục", "STT", "Mã", "Nội dung", "Đơn vị tính", "Loại"]
    assert ws.freeze_panes == "A2"
    assert ws["C1"].comment is not None and "duy nhất" in ws["C1"].comment.text
    lists = {str(dv.sqref).rstrip("0123456789:").rstrip("0123456789")[0]: dv.formula1 for dv in ws.data_validations.dataValidation
             if dv.type == "list"}
    assert lists["F"] == '"tiêu đề,số đếm,lũy kế,số thập phân,tỷ lệ %,tỷ lệ tử/mẫu,lựa chọn,có/không,văn bản,ngày"'
    assert lists["G"] == '"Có,Không"'
    assert lists["A"] == "'Phụ lục'!$A$2:$A$41"
    custom = [dv for dv in ws.data_validations.dataValidation if dv.type == "custom"]
    assert [(dv.formula1, dv.error) for dv in custom] == [
        ("COUNTIF($C:$C,C2)<=1", "'Mã' này đã có ở một dòng khác của cột. Hãy đặt giá trị khác (không trùng).")]
    # the coded answers of 1.4.2 ("Trực tuyến = 0 …") sit in the sheet Lựa chọn, under the code
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[2] == "1.4.2")
    assert row[5] == "lựa chọn" and row[9] == "1.4.2"
    choices = [r for r in book["Lựa chọn"].iter_rows(min_row=2, values_only=True) if r[0] == "1.4.2"]
    assert choices == [("1.4.2", 0, "Trực tuyến"), ("1.4.2", 1, "Phát phiếu"), ("1.4.2", 2, "Kết hợp")]
    settings = {r[0]: r[2] for r in book["Biểu mẫu"].iter_rows(min_row=2, values_only=True)}
    assert settings["id"] == "ninhthuan-2021" and settings["period.default_year"] == 2021


def test_every_catalog_field_has_a_vietnamese_column() -> None:
    assert unmapped_fields() == {t: [] for t in unmapped_fields()}
    fields = {f.name for f in dataclasses.fields(Indicator)}
    shown = {c.attr_path.split(".")[0] for c in table_columns("indicators")}
    assert fields <= shown


def test_edit_with_openpyxl_then_build(tmp: Path) -> None:
    """A person edits the workbook: renames a label, adds an indicator with its parts."""
    book_path = export("tuangiao-2024", tmp / "tg.xlsx")
    book = openpyxl.load_workbook(book_path)
    ws = book["Chỉ tiêu"]
    ws["D2"] = "Tổng số hồ sơ TTHC tiếp nhận"
    ws.append(["pl03", "4", "4", "Hồ sơ TTHC lĩnh vực tư pháp", None, "số đếm"])
    ws["K2"] = "2, 3, 4"
    settings = book["Biểu mẫu"]
    for row in settings.iter_rows(min_row=2):
        if row[0].value == "version":
            row[2].value = 2
    book.save(book_path)
    result = run_cchc("form", "build", book_path, "--out", tmp / "tg.yaml")
    assert result.code == 0, result.text
    form = load_form(tmp / "tg.yaml")
    assert form.version == 2
    whole = form.indicator("1")
    assert whole.label == "Tổng số hồ sơ TTHC tiếp nhận"
    assert whole.parts is not None and whole.parts.codes == ("2", "3", "4")
    added = form.indicator("4")
    assert (added.kind, added.stt, added.required, added.min) == ("count", "4", True, 0)


def test_libreoffice_resave_builds_the_same_form(tmp: Path, soffice) -> None:
    book = export("bacgiang-2022", tmp / "bg.xlsx")
    resaved = soffice(book, "xlsx:Calc MS Excel 2007 XML", tmp / "lo")
    result = run_cchc("form", "build", resaved, "--out", tmp / "bg.yaml")
    assert result.code == 0, result.text
    assert comparable(load_form(tmp / "bg.yaml")) == comparable(load_catalog()["bacgiang-2022"])


def test_generate_accepts_a_definition_workbook(tmp: Path) -> None:
    book = export("tuangiao-2024", tmp / "tg.xlsx")
    registry = Path(__file__).resolve().parents[1] / "workbooks" / "registries" / "tuangiao.csv"
    result = run_cchc("generate", book, "--registry", registry, "--out", tmp / "out", "--jobs", "1")
    assert result.code == 0, result.text
    with registry.open(encoding="utf-8-sig") as f:
        units = [r for r in csv.DictReader(f) if r["level"] in {"huyen", "phong_huyen", "xa"}]
    written = sorted(p.name for p in (tmp / "out").glob("*.xlsx"))
    assert len(written) == len(units) + 1
    assert f"Đã tạo {len(units)} tệp cho các đơn vị và 1 mẫu trống" in result.out
    assert (tmp / "out" / "tuangiao-2024.yaml").is_file()


def test_build_of_a_file_that_is_not_a_workbook(tmp: Path) -> None:
    bad = tmp / "bieu.xlsx"
    bad.write_text("không phải Excel", encoding="utf-8")
    result = run_cchc("form", "build", bad)
    assert result.code == 2
    assert result.err.startswith("Không mở được tệp định nghĩa 'bieu.xlsx'")
    assert "Tệp định nghĩa 'bieu.xlsx' có 1 lỗi, chưa tạo biểu mẫu." in result.err


def test_export_of_an_unknown_form() -> None:
    result = run_cchc("form", "export", "khong-co")
    assert result.code == 2
    assert result.err.startswith("Không có biểu mẫu 'khong-co'. Các biểu mẫu có sẵn: bacgiang-2022,")
