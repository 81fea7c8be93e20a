"""Tests of the unit registry (the package workbooks/registry/) and its shipped samples."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cchc

from workbooks.registry import (
    ProvinceNotFoundError,
    Registry,
    RegistryError,
    Unit,
    load_registry,
    province_registry,
    write_registry,
)

REGISTRIES = Path(__file__).resolve().parents[1] / "workbooks" / "registries"
HEADER = "code,name,level,parent_code,forms"
GOOD_ROWS = [
    "P14,UBND tỉnh Sơn La,tinh,,",
    "SNV,Sở Nội vụ,so_nganh,P14,",
    "03646,Phường Tô Hiệu,xa,P14,sonla-2024;bacgiang-2022",
]


_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _cp1258(text: str) -> bytes:
    """Encode like Excel on Vietnamese Windows: base letters of cp1258 plus separate tone marks."""
    out = b""
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
        out += (base + "".join(c for c in parts if c in _TONE_MARKS)).encode("cp1258")
    return out


def _csv(tmp_path: Path, lines: list[str], *, encoding: str = "utf-8", sep: str = ",",
         name: str = "units.csv") -> Path:
    """Write registry lines (comma-separated in the test) to a CSV file with the given encoding/separator."""
    path = tmp_path / name
    text = "\n".join(line.replace(",", sep) for line in lines)
    path.write_bytes(_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


# --------------------------------------------------------------------------- good files


def test_good_csv_loads(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "  Phường Tô Hiệu ")
    rows = [HEADER, *GOOD_ROWS[:2], f"03646,{decomposed},xa,P14,sonla-2024; bacgiang-2022", ",,,,"]
    registry = load_registry(_csv(tmp_path, rows))
    assert [u.code for u in registry.units] == ["P14", "SNV", "03646"]
    ward = registry.by_code("03646")
    assert ward == Unit("03646", "Phường Tô Hiệu", "xa", "P14", ("sonla-2024", "bacgiang-2022"))
    assert unicodedata.is_normalized("NFC", ward.name)
    assert registry.by_code("P14").parent_code is None
    assert registry.by_code("nope") is None
    assert "SNV" in registry and len(registry) == 3
    assert [u.code for u in registry.parents["P14"]] == ["SNV", "03646"]


def test_parent_code_matched_ignoring_case(tmp_path: Path) -> None:
    registry = load_registry(_csv(tmp_path, [HEADER, GOOD_ROWS[0], "SNV,Sở Nội vụ,so_nganh,p14,"]))
    assert registry.by_code("SNV").parent_code == "P14"
    assert registry.children("P14") == [registry.by_code("SNV")]


@pytest.mark.parametrize(("encoding", "sep"), [
    ("utf-8", ","),
    ("utf-8-sig", ","),
    ("utf-8-sig", ";"),
    ("utf-8", ";"),
    ("utf-8", "\t"),
    ("utf-16", "\t"),      # Excel "Unicode Text"
    ("cp1258", ","),       # Excel "CSV" on Vietnamese Windows
])
def test_encodings_and_separators(tmp_path: Path, encoding: str, sep: str) -> None:
    rows = [HEADER, *GOOD_ROWS[:2], "03646,Phường Tô Hiệu,xa,P14,"]
    registry = load_registry(_csv(tmp_path, rows, encoding=encoding, sep=sep))
    assert registry.units[0].code == "P14"  # no BOM glued to the first header or cell
    assert registry.by_code("03646").name == "Phường Tô Hiệu"


def test_semicolon_file_with_quoted_forms(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    text = 'code;name;level;parent_code;forms\nP14;UBND tỉnh;tinh;;"a-1;b-2"\n'
    path.write_text(text, encoding="utf-8-sig")
    assert load_registry(path).units[0].forms == ("a-1", "b-2")


@pytest.mark.parametrize("code", ["03646", "00004", "007", "0"])
def test_leading_zeros_kept(tmp_path: Path, code: str) -> None:
    registry = load_registry(_csv(tmp_path, [HEADER, GOOD_ROWS[0], f"{code},Phường X,xa,P14,"]))
    assert registry.units[1].code == code


def test_vietnamese_headers_and_extra_columns(tmp_path: Path) -> None:
    rows = ["Mã,Tên đơn vị,Cấp,Ghi chú", "P14,UBND tỉnh Sơn La,TINH,ghi chú bất kỳ"]
    unit = load_registry(_csv(tmp_path, rows)).units[0]
    assert (unit.code, unit.level, unit.parent_code, unit.forms) == ("P14", "tinh", None, ())


def test_xlsx_registry_loads(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["P14", "UBND tỉnh Sơn La", "tinh", None, None])
    sheet.append(["03646", "Phường Tô Hiệu", "xa", "P14", "sonla-2024"])
    sheet.append([3667, "Phường Chiềng An", "xa", "P14", None])
    sheet["A4"].number_format = "00000"  # Excel showed 03667: keep what the user saw
    sheet.append([None] * 5)
    sheet.append([123.0, "Xã số", "xa", "P14", None])
    path = tmp_path / "units.xlsx"
    book.save(path)
    registry = load_registry(path)
    # 123.0 is a number cell of a commune: read as text, padded to the official width of ward codes
    assert [u.code for u in registry.units] == ["P14", "03646", "03667", "00123"]
    assert registry.by_code("03646").forms == ("sonla-2024",)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_write_then_load_round_trip(tmp_path: Path, suffix: str) -> None:
    units = load_registry(_csv(tmp_path, [HEADER, *GOOD_ROWS])).units
    path = write_registry(units, tmp_path / f"out{suffix}")
    assert load_registry(path).units == units
    if suffix == ".csv":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf" + HEADER.encode())


# --------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(("rows", "row", "column", "fragment"), [
    ([GOOD_ROWS[0], "SNV,Sở Nội vụ,so_nganh,P14,", "SNV,Sở Tư pháp,so_nganh,P14,"],
     4, "code", "mã đơn vị 'SNV' bị trùng với dòng 3"),
    ([GOOD_ROWS[0], "03646,Phường Tô Hiệu,phường,P14,"], 3, "level", "cấp đơn vị 'phường' không hợp lệ"),
    ([GOOD_ROWS[0], "03646,Phường Tô Hiệu,,P14,"], 3, "level", "cấp đơn vị để trống"),
    ([GOOD_ROWS[0], "03646,  ,xa,P14,"], 3, "name", "tên đơn vị để trống"),
    ([GOOD_ROWS[0], ",Phường Tô Hiệu,xa,P14,"], 3, "code", "mã đơn vị để trống"),
    ([GOOD_ROWS[0], "03646,Phường Tô Hiệu,xa,P99,"], 3, "parent_code", "cấp trên 'P99' không có"),
    ([GOOD_ROWS[0], "03646,Phường Tô Hiệu,xa,03646,"], 3, "parent_code", "chính nó"),
    ([GOOD_ROWS[0], "03646,Phường Tô Hiệu,xa,P14,Sơn La 2024"], 3, "forms", "mã biểu mẫu 'sơn' không hợp lệ"),
])
def test_bad_row_names_row_and_column(tmp_path: Path, rows: list[str], row: int, column: str,
                                      fragment: str) -> None:
    with pytest.raises(RegistryError) as info:
        load_registry(_csv(tmp_path, [HEADER, *rows]))
    (problem,) = info.value.problems
    assert problem.startswith(f"units.csv, dòng {row}, cột ")
    assert f"({column})" in problem
    assert fragment in problem
    assert info.value.details[0].row == row


@pytest.mark.parametrize(("typed", "level"), [("xa", "xa"), ("Xã", "xa"), ("huyện", "huyen"),
                                             ("Sở ngành", "so_nganh"), ("PHONG_HUYEN", "phong_huyen")])
def test_level_spellings(tmp_path: Path, typed: str, level: str) -> None:
    registry = load_registry(_csv(tmp_path, [HEADER, f"U1,Đơn vị,{typed},,"]))
    assert registry.units[0].level == level


def test_unknown_level_lists_allowed_levels(tmp_path: Path) -> None:
    with pytest.raises(RegistryError) as info:
        load_registry(_csv(tmp_path, [HEADER, "X1,Đơn vị X,district,,"]))
    message = str(info.value)
    for code in ("tinh", "so_nganh", "huyen", "phong_huyen", "xa"):
        assert f"{code} (" in message
    assert "UBND cấp huyện" in message


def test_all_problems_collected(tmp_path: Path) -> None:
    rows = [HEADER, GOOD_ROWS[0], "A,Đơn vị A,xa,P14,", "A,Đơn vị A2,xa,P14,", "B,,xa,ZZZ,",
            "C,Đơn vị C,foo,,"]
    with pytest.raises(RegistryError) as info:
        load_registry(_csv(tmp_path, rows))
    rows_named = [p.split(",")[1].strip() for p in info.value.problems]
    assert rows_named == ["dòng 4", "dòng 5", "dòng 5", "dòng 6"]
    assert "4 lỗi" in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(("header", "fragment"), [
    ("code,name,parent_code", "thiếu cột bắt buộc 'level'"),
    ("name,level", "thiếu cột bắt buộc 'code'"),
    ("code,name,level,code", "xuất hiện hai lần"),
])
def test_header_problems(tmp_path: Path, header: str, fragment: str) -> None:
    with pytest.raises(RegistryError) as info:
        load_registry(_csv(tmp_path, [header, "P14,UBND tỉnh,tinh"]))
    assert info.value.problems[0].startswith("units.csv, dòng 1")
    assert fragment in str(info.value)


@pytest.mark.parametrize(("name", "content", "fragment"), [
    ("units.csv", b"", "tệp trống"),
    ("units.csv", HEADER.encode() + b"\n\n", "không có đơn vị nào"),
    ("units.xls", b"\xd0\xcf\x11\xe0", ".xlsx"),
    ("units.xlsx", b"not a zip", "không mở được tệp Excel"),
])
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, fragment: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RegistryError, match=fragment):
        load_registry(path)


# --------------------------------------------------------------------------- expected units


@pytest.mark.parametrize(("form_id", "levels", "expected"), [
    ("sonla-2024", ["xa"], ["03646", "X2"]),          # listed explicitly / level match
    ("bacgiang-2022", ["so_nganh"], ["SNV", "03646"]),  # 03646 lists it although level differs
    ("other", ["xa"], ["X2"]),                         # 03646 lists forms, not this one
    ("other", ["tinh", "so_nganh"], ["P14", "SNV"]),
    ("other", [], []),
])
def test_expected_for(form_id: str, levels: list[str], expected: list[str]) -> None:
    registry = Registry([
        Unit("P14", "UBND tỉnh", "tinh"),
        Unit("SNV", "Sở Nội vụ", "so_nganh", "P14"),
        Unit("03646", "Phường Tô Hiệu", "xa", "P14", ("sonla-2024", "bacgiang-2022")),
        Unit("X2", "Xã Hai", "xa", "P14"),
    ])
    assert [u.code for u in registry.expected_for(form_id, levels)] == expected


# --------------------------------------------------------------------------- vietnam-provinces


DEPARTMENT_CODES = {"VPUBND", "SNV", "STP", "STC", "SCT", "SNNMT", "SXD", "SGDDT", "SYT", "SKHCN",
                    "SVHTTDL", "TTR", "SDTTG", "BQLKCN"}


def test_province_registry_son_la() -> None:
    units = province_registry("son la")
    wards = [u for u in units if u.level == "xa"]
    assert units[0] == Unit("P14", "UBND tỉnh Sơn La", "tinh")
    assert len(wards) > 50
    assert all(len(u.code) == 5 and u.code.isdigit() and u.parent_code == "P14" for u in wards)
    assert Unit("03646", "Phường Tô Hiệu", "xa", "P14") in wards
    departments = {u.code: u for u in units if u.level == "so_nganh"}
    assert set(departments) == DEPARTMENT_CODES
    assert departments["SNV"].name == "Sở Nội vụ"
    assert departments["VPUBND"].name == "Văn phòng UBND tỉnh"
    assert len({u.code for u in units}) == len(units)


def test_province_registry_without_departments() -> None:
    levels = {u.level for u in province_registry("Sơn La", include_departments=False)}
    assert levels == {"tinh", "xa"}


@pytest.mark.parametrize("name", ["Sơn La", "son la", "Tỉnh Sơn La", "  SƠN   LA ", "UBND tỉnh Sơn La",
                                  "sonla", unicodedata.normalize("NFD", "Sơn La")])
def test_province_name_variants(name: str) -> None:
    assert province_registry(name, include_departments=False)[0].code == "P14"


@pytest.mark.parametrize(("name", "code", "unit_name"), [
    ("Hà Nội", "P01", "UBND thành phố Hà Nội"),
    ("TP Hồ Chí Minh", "P79", "UBND thành phố Hồ Chí Minh"),
    ("Đà Nẵng", "P48", "UBND thành phố Đà Nẵng"),
    ("dien bien", "P11", "UBND tỉnh Điện Biên"),
])
def test_cities_and_provinces(name: str, code: str, unit_name: str) -> None:
    province = province_registry(name)[0]
    assert (province.code, province.name) == (code, unit_name)


@pytest.mark.parametrize(("name", "suggestion"), [
    ("Son Lax", "Sơn La"),
    ("Dien Bienn", "Điện Biên"),
    ("Lai Chau tinh", "Lai Châu"),
])
def test_unknown_province_suggests(name: str, suggestion: str) -> None:
    with pytest.raises(ValueError, match="Không tìm thấy tỉnh, thành phố") as info:
        province_registry(name)
    assert isinstance(info.value, ProvinceNotFoundError)
    assert suggestion in info.value.suggestions
    assert f"Có phải: {suggestion}" in str(info.value) or suggestion in str(info.value)


def test_unknown_province_without_close_match_lists_all() -> None:
    with pytest.raises(ProvinceNotFoundError) as info:
        province_registry("Atlantis")
    assert info.value.suggestions == []
    assert "Sơn La" in str(info.value) and "Cà Mau" in str(info.value)


# --------------------------------------------------------------------------- shipped samples


def test_shipped_sonla_matches_vietnam_provinces() -> None:
    shipped = load_registry(REGISTRIES / "sonla.csv")
    assert set(shipped.units) == set(province_registry("Sơn La"))
    assert len(shipped.units) == len(province_registry("Sơn La"))


def test_shipped_tuangiao() -> None:
    registry = load_registry(REGISTRIES / "tuangiao.csv")
    names = {u.name: u for u in registry.units}
    assert names["UBND huyện Tuần Giáo"].level == "huyen"
    assert names["Phòng Nội vụ huyện Tuần Giáo"].level == "phong_huyen"
    communes = ["Thị trấn Tuần Giáo", "Xã Quài Tở", "Xã Quài Cang", "Xã Quài Nưa", "Xã Quài Nà Tông",
                "Xã Phình Sáng", "Xã Ta Ma"]
    assert [u.name for u in registry.units if u.level == "xa"] == communes
    huyen = names["UBND huyện Tuần Giáo"].code
    assert all(u.parent_code == huyen for u in registry.units if u.code != huyen)
    assert len(registry.expected_for("tuangiao-2024", ["huyen", "phong_huyen", "xa"])) == 9


def test_cli_reproduces_sample(tmp_path: Path) -> None:
    out = tmp_path / "sonla.csv"
    result = run_cchc("units", "--province", "Sơn La", "--out", out)
    assert (result.code, result.err) == (0, "")
    assert result.out == f"Đã ghi 90 đơn vị (1 tinh, 14 so_nganh, 75 xa) vào {out}.\n"
    assert out.read_bytes() == (REGISTRIES / "sonla.csv").read_bytes()
    result = run_cchc("units", "--check", out)
    assert (result.code, result.out, result.err) == (0, "sonla.csv: hợp lệ, 90 đơn vị (1 tinh, 14 so_nganh, 75 xa).\n", "")


def test_cli_errors(tmp_path: Path) -> None:
    result = run_cchc("units", "--province", "Son Lax", "--out", tmp_path / "x.csv")
    assert result.code == 2 and "Sơn La" in result.err and "Traceback" not in result.text
    assert not (tmp_path / "x.csv").exists()
    bad = _csv(tmp_path, [HEADER, "A,,xa,,"])
    result = run_cchc("units", "--check", bad)
    assert result.code == 1
    assert result.err == "units.csv, dòng 2, cột B (name): tên đơn vị để trống. Nhập tên đơn vị.\n"
