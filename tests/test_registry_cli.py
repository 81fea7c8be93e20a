"""``cchc units`` and the 2025 province mergers; ``cchc forms`` piped (issue 12, item 7).

The merger table below is typed from Nghị quyết 202/2025/QH15 (63 provinces and cities became 34)
as the oracle; the shipped data file and the command's output are checked against it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cchc

from workbooks.catalog import load_catalog
from workbooks.registry import find_province, load_registry, province_registry
from workbooks.registry.mergers import load_mergers

# Today's province -> the provinces before the change that form it (first: the one keeping its name).
RESOLUTION_202: dict[str, list[str]] = {
    "Tuyên Quang": ["Tuyên Quang", "Hà Giang"], "Lào Cai": ["Lào Cai", "Yên Bái"],
    "Thái Nguyên": ["Thái Nguyên", "Bắc Kạn"], "Phú Thọ": ["Phú Thọ", "Vĩnh Phúc", "Hòa Bình"],
    "Bắc Ninh": ["Bắc Ninh", "Bắc Giang"], "Hưng Yên": ["Hưng Yên", "Thái Bình"],
    "Hải Phòng": ["Hải Phòng", "Hải Dương"], "Ninh Bình": ["Ninh Bình", "Hà Nam", "Nam Định"],
    "Quảng Trị": ["Quảng Trị", "Quảng Bình"], "Đà Nẵng": ["Đà Nẵng", "Quảng Nam"],
    "Quảng Ngãi": ["Quảng Ngãi", "Kon Tum"], "Gia Lai": ["Gia Lai", "Bình Định"],
    "Khánh Hòa": ["Khánh Hòa", "Ninh Thuận"], "Đắk Lắk": ["Đắk Lắk", "Phú Yên"],
    "Lâm Đồng": ["Lâm Đồng", "Đắk Nông", "Bình Thuận"], "Đồng Nai": ["Đồng Nai", "Bình Phước"],
    "Hồ Chí Minh": ["Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"], "Tây Ninh": ["Tây Ninh", "Long An"],
    "Đồng Tháp": ["Đồng Tháp", "Tiền Giang"], "Vĩnh Long": ["Vĩnh Long", "Bến Tre", "Trà Vinh"],
    "An Giang": ["An Giang", "Kiên Giang"], "Cần Thơ": ["Cần Thơ", "Sóc Trăng", "Hậu Giang"],
    "Cà Mau": ["Cà Mau", "Bạc Liêu"],
}
UNCHANGED = ["Hà Nội", "Cao Bằng", "Điện Biên", "Lai Châu", "Sơn La", "Lạng Sơn", "Quảng Ninh",
             "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Huế"]
# The 63 official province codes before 2025 (Tổng cục Thống kê).
OLD_CODES = {1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36,
             37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74,
             75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96}
CITIES = {"Hà Nội", "Hải Phòng", "Đà Nẵng", "Hồ Chí Minh", "Cần Thơ", "Huế"}


def _title(name: str, today: bool = True) -> str:
    city = name in CITIES if today else name in CITIES - {"Huế"}
    return f"{'thành phố' if city else 'tỉnh'} {name}"


def _members(names: list[str]) -> str:
    titles = [_title(n, today=False) for n in names]
    return ", ".join(titles[:-1]) + " và " + titles[-1]


# --------------------------------------------------------------------------- the data


def test_merger_data_is_resolution_202() -> None:
    table = load_mergers()
    assert (table.resolution, table.effective, table.before, table.after) == (
        "Nghị quyết 202/2025/QH15", "01/7/2025", 63, 34)
    merged = {m.name: [f.name for f in m.members] for m in table.provinces if m.merged}
    assert merged == RESOLUTION_202
    assert sorted(m.name for m in table.provinces if not m.merged) == sorted(UNCHANGED)
    old_codes = [f.code for m in table.provinces for f in m.members]
    assert sorted(old_codes) == sorted(OLD_CODES) and len(old_codes) == 63


def test_merger_data_matches_vietnam_provinces() -> None:
    from vietnam_provinces import Province

    today = {int(p.code): p.name.removeprefix("Thành phố ") for p in Province.iter_all()}
    assert {m.code: m.name for m in load_mergers().provinces} == today


@pytest.mark.parametrize(("old", "new_code"), [
    ("Ninh Thuận", "P56"), ("Bắc Giang", "P24"), ("tinh bac giang", "P24"), ("Hà Giang", "P08"),
    ("Bà Rịa - Vũng Tàu", "P79"), ("Ba Ria Vung Tau", "P79"), ("Kiên Giang", "P91"), ("Quảng Bình", "P44"),
    ("Thừa Thiên Huế", "P46"), ("Khánh Hòa", "P56"), ("Sơn La", "P14"),
])
def test_old_names_build_the_new_province(old: str, new_code: str) -> None:
    assert province_registry(old, include_departments=False)[0].code == new_code
    assert f"P{int(find_province(old).code):02d}" == new_code


# --------------------------------------------------------------------------- cchc units


@pytest.mark.parametrize(("old", "new", "members"), [
    ("Ninh Thuận", "Khánh Hòa", "tỉnh Khánh Hòa và tỉnh Ninh Thuận"),
    ("Bắc Giang", "Bắc Ninh", "tỉnh Bắc Ninh và tỉnh Bắc Giang"),
])
def test_units_old_province_name(tmp_path: Path, old: str, new: str, members: str) -> None:
    out, reference = tmp_path / "don_vi.csv", tmp_path / "moi.csv"
    result = run_cchc("units", "--province", old, "--out", out)
    assert (result.code, result.err) == (0, "")
    units = load_registry(out).units
    summary = f"1 tinh, 14 so_nganh, {len(units) - 15} xa"
    assert result.out.splitlines() == [
        f"Lưu ý: '{old}' được hiểu là tỉnh {new}: từ 01/7/2025, {members} đã hợp nhất thành tỉnh {new} "
        f"(Nghị quyết 202/2025/QH15). Danh sách đơn vị được lập cho tỉnh {new}, với mã phường, xã mới.",
        f"Đã ghi {len(units)} đơn vị ({summary}) vào {out}.",
    ]
    assert units[0].name == f"UBND tỉnh {new}"
    today = run_cchc("units", "--province", new, "--out", reference)
    assert today.out == f"Đã ghi {len(units)} đơn vị ({summary}) vào {reference}.\n"
    assert out.read_bytes() == reference.read_bytes()


def test_units_renamed_province(tmp_path: Path) -> None:
    result = run_cchc("units", "--province", "Thừa Thiên Huế", "--out", tmp_path / "hue.csv")
    assert result.code == 0
    assert result.out.splitlines()[0] == ("Lưu ý: 'Thừa Thiên Huế' là tên cũ; nay là thành phố Huế. "
                                          "Danh sách đơn vị được lập cho thành phố Huế.")
    assert load_registry(tmp_path / "hue.csv").units[0].name == "UBND thành phố Huế"


def test_units_misspelt_old_name_suggests_with_new_province(tmp_path: Path) -> None:
    result = run_cchc("units", "--province", "Bac Giangg", "--out", tmp_path / "x.csv")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "Không tìm thấy tỉnh, thành phố 'Bac Giangg'. Có phải: Bắc Giang (nay thuộc tỉnh Bắc Ninh), "
        "Hà Giang (nay thuộc tỉnh Tuyên Quang), An Giang, Hậu Giang (nay thuộc thành phố Cần Thơ)? "
        "(Từ 01/7/2025 cả nước có 34 tỉnh, thành phố; tỉnh đã hợp nhất được gọi theo tên mới.) "
        "Gõ tên tỉnh, thành phố hiện nay (có hoặc không dấu); xem danh sách bằng lệnh cchc units --mergers.\n")
    assert not (tmp_path / "x.csv").exists()


def test_units_mergers_explained() -> None:
    result = run_cchc("units", "--mergers")
    assert (result.code, result.err) == (0, "")
    lines = result.out.splitlines()
    assert lines[0] == ("Sắp xếp đơn vị hành chính cấp tỉnh năm 2025 (Nghị quyết 202/2025/QH15): 63 tỉnh, "
                        "thành phố thành 34; chính quyền các tỉnh mới hoạt động từ 01/7/2025.")
    # one line per merged province (in the order of today's official codes)
    assert sorted(lines[1:24]) == sorted(f"{_title(new)}: hợp nhất {_members(old)}"
                                         for new, old in RESOLUTION_202.items())
    assert lines[4] == "tỉnh Bắc Ninh: hợp nhất tỉnh Bắc Ninh và tỉnh Bắc Giang"
    unchanged = result.out.splitlines()[24]
    assert unchanged.startswith("Giữ nguyên (11): ")
    assert sorted(unchanged.removeprefix("Giữ nguyên (11): ").split(", ")) == sorted(_title(n) for n in UNCHANGED)
    assert result.out.splitlines()[25:] == [
        "Lệnh cchc units --province nhận cả tên tỉnh cũ và lập danh sách cho tỉnh mới."]


def test_units_without_an_action() -> None:
    result = run_cchc("units")
    assert (result.code, result.out) == (2, "")
    assert result.err == ("Lệnh cchc units cần biết việc cần làm. Dùng --province TỈNH để lập danh sách, "
                          "--check TỆP để kiểm tra một danh sách, hoặc --mergers để xem các tỉnh đã hợp nhất.\n")


def test_units_two_actions_at_once(tmp_path: Path) -> None:
    result = run_cchc("units", "--province", "Sơn La", "--check", tmp_path / "x.csv")
    assert (result.code, result.out) == (2, "")
    assert result.err == ("Lệnh cchc units chỉ làm một việc mỗi lần. Dùng một trong ba tùy chọn --province, "
                          "--check hoặc --mergers.\n")


@pytest.mark.parametrize(("content", "message"), [
    (None, "so_nganh.yaml: không đọc được danh sách sở, ngành (không có tệp, hoặc tệp không phải YAML UTF-8 "
           "hợp lệ). Kiểm tra đường dẫn, rồi sửa tệp theo mẫu registries/departments.yaml."),
    ("departments: [", "so_nganh.yaml: không đọc được danh sách sở, ngành (không có tệp, hoặc tệp không phải "
                       "YAML UTF-8 hợp lệ). Kiểm tra đường dẫn, rồi sửa tệp theo mẫu registries/departments.yaml."),
    ("departments:\n  - {code: snv, name: Sở Nội vụ}\n",
     "so_nganh.yaml, mục 1: cần 'code' (chữ in hoa A-Z) và 'name'. Sửa mục này theo mẫu registries/departments.yaml."),
])
def test_units_bad_departments_file(tmp_path: Path, content: str | None, message: str) -> None:
    departments = tmp_path / "so_nganh.yaml"
    if content is not None:
        departments.write_text(content, encoding="utf-8")
    result = run_cchc("units", "--province", "Sơn La", "--departments", departments, "--out", tmp_path / "x.csv")
    assert (result.code, result.out, result.err) == (2, "", message + "\n")


def test_units_check_missing_file(tmp_path: Path) -> None:
    result = run_cchc("units", "--check", tmp_path / "khong_co.csv")
    assert (result.code, result.out) == (1, "")
    assert result.err == "khong_co.csv: không tìm thấy tệp. Kiểm tra lại đường dẫn và tên tệp danh sách đơn vị.\n"


def test_units_unwritable_output(tmp_path: Path) -> None:
    folder = tmp_path / "la_thu_muc.csv"
    folder.mkdir()
    result = run_cchc("units", "--province", "Sơn La", "--out", folder)
    assert (result.code, result.out) == (2, "")
    assert result.err == (f"Lỗi: '{folder}' là một thư mục, nhưng ở đây cần một tệp.\nHãy ghi đường dẫn đến một "
                          f"tệp (ví dụ '{folder}/ten_tep.xlsx'), hoặc đổi tên thư mục đó.\n")


# --------------------------------------------------------------------------- cchc forms


@pytest.mark.parametrize("columns", ["80", "40"])
def test_forms_piped_shows_whole_ids(columns: str) -> None:
    """Piped output (not a terminal) of width 80 or 40: every id whole, nothing cut with "…"."""
    result = run_cchc("forms", env={"COLUMNS": columns})
    assert (result.code, result.err) == (0, "")
    rows = [line for line in result.out.splitlines() if line.startswith("│ ")]
    assert [row.split("│")[1].strip() for row in rows] == list(load_catalog())
    assert "…" not in result.out
    assert result.out.splitlines()[-1].startswith("Cấp đơn vị: tinh = ")
    assert result.out.splitlines()[-1].endswith("xa = UBND cấp xã, phường, thị trấn, đặc khu")
