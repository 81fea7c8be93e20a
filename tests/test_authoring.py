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
from workbooks.authoring import read_definition, write_definition
from workbooks.authoring.schema import kind_word, table_columns, unmapped_fields
from workbooks.catalog import Form, load_catalog, load_form
from workbooks.catalog.kinds import Kind, declarable, register, unregister
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


def _dropdowns(ws) -> dict[str, object]:
    """Header -> the list validation of its column (row 2 onwards)."""
    headers = {c.column_letter: c.value for c in ws[1]}
    out = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list":
            letter = str(dv.sqref).split(":")[0].rstrip("0123456789")
            out[headers[letter]] = dv
    return out


def test_kinds_dropdown_comes_from_the_kinds_table(tmp: Path) -> None:
    """A kind added to the kinds table appears in the dropdown with its label and builds."""
    minutes = Kind("minutes", "Số phút (thập phân)", "number", "decimal", "input_decimal", "stats", "decimal",
                   True, False, 0, 10_000, "#,##0.0#", "Trung vị")
    register(minutes)
    try:
        path = write_definition(load_catalog()["tuangiao-2024"], tmp / "tg.xlsx")
        book = openpyxl.load_workbook(path)
        kinds = _dropdowns(book["Chỉ tiêu"])["Loại"].formula1.strip('"').split(",")
        assert kinds == ["tiêu đề", *(kind_word(k) for k in declarable())]
        assert kinds[-1] == "Số phút (thập phân)" and "rate" not in declarable()
        ws = book["Chỉ tiêu"]
        ws.append(["pl03", "5", "5", "Thời gian giải quyết trung bình một hồ sơ", "Phút", "Số phút (thập phân)"])
        book.save(path)
        data, problems = read_definition(path)
    finally:
        unregister("minutes")
    assert problems == []
    row = next(r for r in data["sheets"][2]["rows"] if r.get("code") == "5")
    assert row["kind"] == "minutes"


def test_new_fields_have_dropdowns_and_a_constant_round_trips(tmp: Path) -> None:
    book_path = export("sonla-2024", tmp / "sl.xlsx")
    book = openpyxl.load_workbook(book_path)
    dropdowns = _dropdowns(book["Chỉ tiêu"])
    assert dropdowns["Hiển thị tỷ lệ"].formula1 == '"phần trăm,tỷ số"'
    levels = dropdowns["Bắt buộc với cấp"]  # several levels, comma-separated, pass after a note
    assert (levels.formula1, levels.errorStyle) == ('"tinh,so_nganh,huyen,phong_huyen,xa"', "information")
    ws = book["Chỉ tiêu"]
    shown = {h: ws.cell(row_of(ws, "II.6.8.a"), column(ws, h)).value for h in ("Hiển thị tỷ lệ", "Số chữ số thập phân")}
    assert shown == {"Hiển thị tỷ lệ": "tỷ số", "Số chữ số thập phân": 2}
    assert ws.cell(row_of(ws, "I.1.a"), column(ws, "Hiển thị tỷ lệ")).value is None  # a count: blank
    rules = book["Quy tắc"]
    r = row_of(rules, "pl2_van_ban_dien_tu_ty_le_le_100", "Mã quy tắc")
    assert (rules.cell(r, column(rules, "Vế phải")).value, rules.cell(r, column(rules, "Hằng số")).value) == (None, 100)
    settings = {row[0]: row[2] for row in book["Biểu mẫu"].iter_rows(min_row=2, values_only=True)}
    assert settings["period.deadline"] == "30/10/{year}"
    # a person adds "II.6.3.b + II.6.3.c ≤ 50" with the constant only, and moves the deadline
    rules.append(["", "thu_nghiem_le_50", "II.6.3.b, II.6.3.c", "<=", None, 50, "lỗi", "Quá 50.", None, None])
    settings_ws = book["Biểu mẫu"]
    settings_ws.cell(row_of(settings_ws, "period.deadline", "Khóa"), 3).value = "15/11/{year}"
    book.save(book_path)
    result = run_cchc("form", "build", book_path, "--out", tmp / "sl.yaml")
    assert result.code == 0, result.text
    form = load_form(tmp / "sl.yaml")
    added = next(rule for rule in form.rules if rule.id == "thu_nghiem_le_50")
    assert (added.left, added.op, added.right, added.constant) == (("II.6.3.b", "II.6.3.c"), "<=", (), 50.0)
    assert form.period.deadline == "15/11/{year}"


def column(ws, header: str) -> int:
    """1-based index of a header of row 1."""
    return next(c.column for c in ws[1] if c.value == header)


def row_of(ws, key: str, header: str = "Mã") -> int:
    """Sheet row whose ``header`` column holds ``key``."""
    col = column(ws, header)
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col).value == key)
