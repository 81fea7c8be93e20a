"""A definition workbook with mistakes: every mistake gives one Vietnamese error naming the sheet
and the row and saying what to do (a test table, as pyxform's tests are written).

Each case edits the exported definition of ``ninhthuan-2021`` with openpyxl, the way a person
edits it in Excel; the expected text is written out in full.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import run_cchc
from workbooks.authoring import read_definition, write_definition
from workbooks.catalog import load_catalog

Edit = Callable[[openpyxl.Workbook], None]
KINDS = "tiêu đề, số đếm, lũy kế, số thập phân, tỷ lệ %, tỷ lệ tử/mẫu, lựa chọn, có/không, văn bản, ngày"
LEVELS = "tinh, so_nganh, huyen, phong_huyen, xa"


def column(ws, header: str) -> int:
    """1-based index of a header of row 1."""
    return next(c.column for c in ws[1] if c.value == header)


def row_of(ws, code: str, header: str = "Mã") -> int:
    """Sheet row whose ``header`` column holds ``code``."""
    col = column(ws, header)
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col).value == code)


def put(sheet: str, code: str, header: str, value, key: str = "Mã") -> Edit:
    def edit(book: openpyxl.Workbook) -> None:
        ws = book[sheet]
        ws.cell(row_of(ws, code, key), column(ws, header)).value = value
    return edit


def append(sheet: str, values: list) -> Edit:
    return lambda book: book[sheet].append(values)


def setting(key: str, value) -> Edit:
    def edit(book: openpyxl.Workbook) -> None:
        ws = book["Biểu mẫu"]
        ws.cell(row_of(ws, key, "Khóa"), 3).value = value
    return edit


# (name, edit, sheet, code or key whose row the error names (None: a new last row), header of
#  that key, expected text after "[sheet, dòng N] ")
CASES = [
    ("duplicate code", put("Chỉ tiêu", "1.1.3", "Mã", "1.1.1"), "Chỉ tiêu", "1.1.1#2", "Mã",
     "Mã '1.1.1' đã dùng ở dòng {first}. Hãy đặt mã khác."),
    ("unknown kind", put("Chỉ tiêu", "1.1.2", "Loại", "số lượng"), "Chỉ tiêu", "1.1.2", "Mã",
     f"'Loại' là 'số lượng', không có trong danh sách. Chọn một trong: {KINDS}."),
    ("missing label", put("Chỉ tiêu", "1.2.1", "Nội dung", None), "Chỉ tiêu", "1.2.1", "Mã",
     "Chưa điền 'Nội dung'. Điền 'Nội dung' cho dòng này."),
    ("part that does not exist", put("Chỉ tiêu", "3.1.3", "Trong đó (mã)", "3.1.3.a, 3.1.3.d"),
     "Chỉ tiêu", "3.1.3", "Mã",
     "'Trong đó' của chỉ tiêu '3.1.3' nhắc mã '3.1.3.d' không có trong biểu mẫu. "
     "Sửa mã cho đúng mã một dòng ở sheet Chỉ tiêu, cách nhau dấu phẩy."),
    ("ratio without its sides", put("Chỉ tiêu", "1.4.1", "Loại", "tỷ lệ tử/mẫu"), "Chỉ tiêu", "1.4.1", "Mã",
     "Chỉ tiêu '1.4.1' loại 'tỷ lệ tử/mẫu' chưa có Tử số, Mẫu số. "
     "Điền cột Tử số và cột Mẫu số (nội dung dòng tử số, mẫu số)."),
    ("min over max", lambda b: (put("Chỉ tiêu", "1.1.1", "Nhỏ nhất", 10)(b),
                                put("Chỉ tiêu", "1.1.1", "Lớn nhất", 5)(b)),
     "Chỉ tiêu", "1.1.1", "Mã", "Nhỏ nhất (10) lớn hơn Lớn nhất (5). Sửa lại một trong hai ô."),
    ("unknown level", put("Chỉ tiêu", "1.2.2", "Cấp đơn vị", "huyện"), "Chỉ tiêu", "1.2.2", "Mã",
     f"Cấp đơn vị 'huyện' không có. Dùng các mã cấp: {LEVELS} (cách nhau dấu phẩy)."),
    ("choice without a list", put("Chỉ tiêu", "1.4.2", "Danh sách chọn", "hinh_thuc"), "Chỉ tiêu", "1.4.2", "Mã",
     "Chỉ tiêu '1.4.2' loại 'lựa chọn' nhưng danh sách chọn 'hinh_thuc' không có trong sheet Lựa chọn. "
     "Điền tên danh sách ở cột Danh sách chọn và thêm các dòng mã = nhãn vào sheet Lựa chọn."),
    ("rule naming an unknown code", put("Quy tắc", "ke_hoach_hoan_thanh_le_de_ra", "Vế phải", "1.1.9",
                                        "Mã quy tắc"),
     "Quy tắc", "ke_hoach_hoan_thanh_le_de_ra", "Mã quy tắc",
     "Quy tắc 'ke_hoach_hoan_thanh_le_de_ra' nhắc mã '1.1.9' không có trong biểu mẫu. Sửa mã cho đúng mã "
     "một chỉ tiêu ở sheet Chỉ tiêu (tỷ lệ tử/mẫu: thêm :num hoặc :den)."),
    ("sheet name Excel refuses", put("Phụ lục", "phu_luc", "Tên sheet", "Phụ lục 1/2021", "Mã phụ lục"),
     "Phụ lục", "phu_luc", "Mã phụ lục",
     "Tên sheet 'Phụ lục 1/2021' không dùng được trong Excel. Đặt tên từ 1 đến 31 ký tự, không có "
     "[ ] : * ? / \\ và không bắt đầu bằng dấu nháy."),
    ("row of an unknown sheet", append("Chỉ tiêu", ["pl9", "8", "8.1", "Số sáng kiến", "Sáng kiến", "số đếm"]),
     "Chỉ tiêu", "8.1", "Mã",
     "Mã phụ lục 'pl9' không có trong sheet Phụ lục (chỉ tiêu). Chọn mã phụ lục có trong sheet Phụ lục: phu_luc."),
    ("text in a number column", put("Chỉ tiêu", "1.1.2", "Lớn nhất", "một trăm"), "Chỉ tiêu", "1.1.2", "Mã",
     "'Lớn nhất' là 'một trăm', không phải là số. Nhập một số (ví dụ 0), hoặc để trống."),
    ("form id with spaces", setting("id", "Ninh Thuận 2022"), "Biểu mẫu", "id", "Khóa",
     "'Mã biểu mẫu' là 'Ninh Thuận 2022': chỉ được dùng chữ thường không dấu, số, gạch ngang. "
     "Sửa lại, ví dụ 'sonla-2025'."),
    ("duplicate choice code", append("Lựa chọn", ["1.4.2", 1, "Qua Zalo"]), "Lựa chọn", None, None,
     "Mã '1' đã dùng ở dòng {first}. Hãy đặt mã khác."),
    ("column not in the sheet", put("Chỉ tiêu", "1.1.1", "Chỉ các cột", "nam_truoc"), "Chỉ tiêu", "1.1.1", "Mã",
     "Cột 'nam_truoc' không có trong phụ lục 'phu_luc'. Dùng khóa cột có trong phụ lục: value."),
    # the fields added with issue 13
    ("ratio display on a count", put("Chỉ tiêu", "2.1", "Hiển thị tỷ lệ", "tỷ số"), "Chỉ tiêu", "2.1", "Mã",
     "Chỉ tiêu '2.1' loại 'số đếm' có Hiển thị tỷ lệ. Các cột này chỉ dùng cho loại 'tỷ lệ tử/mẫu': "
     "xóa ô hoặc đổi Loại thành 'tỷ lệ tử/mẫu'."),
    ("required for a level that does not fill the row",
     lambda b: (put("Chỉ tiêu", "3.1.3.a", "Bắt buộc", "Có")(b), put("Chỉ tiêu", "3.1.3.a", "Bắt buộc với cấp", "tinh, huyen")(b)),
     "Chỉ tiêu", "3.1.3.a", "Mã",
     "'Bắt buộc với cấp' của chỉ tiêu '3.1.3.a' có cấp huyen không điền dòng này. "
     "Chỉ ghi các cấp điền dòng này: tinh; hoặc thêm cấp vào cột Cấp đơn vị."),
    ("required levels on a row that is not required", put("Chỉ tiêu", "4.1.1", "Bắt buộc với cấp", "tinh"),
     "Chỉ tiêu", "4.1.1", "Mã",
     "Chỉ tiêu '4.1.1' có 'Bắt buộc với cấp' nhưng 'Bắt buộc' là Không. "
     "Đặt 'Bắt buộc' là Có, hoặc xóa ô 'Bắt buộc với cấp'."),
    ("rule without a right side", put("Quy tắc", "kiem_tra_xu_ly_le_phat_hien", "Vế phải", None, "Mã quy tắc"),
     "Quy tắc", "kiem_tra_xu_ly_le_phat_hien", "Mã quy tắc",
     "Quy tắc 'kiem_tra_xu_ly_le_phat_hien' chưa có vế phải. "
     "Điền 'Vế phải' (mã chỉ tiêu) hoặc 'Hằng số' (một số), hoặc cả hai."),
    ("deadline that is not a day", setting("period.deadline", "cuối tháng 10"), "Biểu mẫu", "period.deadline", "Khóa",
     "'Hạn gửi báo cáo' là 'cuối tháng 10', không phải ngày/tháng/năm. Nhập dạng ngày/tháng/năm, ví dụ 30/10/{{year}}."),
    ("province totals from a level outside the form", setting("summary_levels", "xa"), "Biểu mẫu", "summary_levels",
     "Khóa", "'Cấp nộp số liệu toàn tỉnh' có cấp xa không có trong 'Cấp đơn vị'. "
     "Chỉ ghi cấp có trong 'Cấp đơn vị', hoặc thêm cấp vào 'Cấp đơn vị'."),
]


@pytest.fixture(scope="module")
def definition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("def") / "ninhthuan.xlsx"
    return write_definition(load_catalog()["ninhthuan-2021"], path)


def _expected_row(book: openpyxl.Workbook, sheet: str, key: str | None, header: str | None) -> int:
    ws = book[sheet]
    if key is None:
        return ws.max_row
    if key.endswith("#2"):  # the second row holding this code (after the edit)
        col = column(ws, header)
        return [r for r in range(2, ws.max_row + 1) if ws.cell(r, col).value == key[:-2]][1]
    return row_of(ws, key, header)


def _first_row(book: openpyxl.Workbook, case: tuple) -> int:
    name, _, sheet, key, header, _ = case
    ws = book[sheet]
    if sheet == "Lựa chọn":
        return next(r for r in range(2, ws.max_row + 1)
                    if ws.cell(r, 1).value == "1.4.2" and ws.cell(r, 2).value == 1)
    return row_of(ws, "1.1.1", "Mã")


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_one_mistake_one_located_error(case: tuple, definition: Path, tmp: Path) -> None:
    name, edit, sheet, key, header, expected = case
    book = openpyxl.load_workbook(definition)
    edit(book)
    path = tmp / "edited.xlsx"
    book.save(path)
    data, problems = read_definition(path)
    assert data is None
    row = _expected_row(book, sheet, key, header)
    first = _first_row(book, case) if "{first}" in expected else None
    assert [str(p) for p in problems] == [f"[{sheet}, dòng {row}] " + expected.format(first=first)]


def test_ten_kinds_of_mistake_in_one_workbook(definition: Path, tmp: Path) -> None:
    """All mistakes at once: ``cchc form build`` lists every one (sheet, row) and writes nothing."""
    book = openpyxl.load_workbook(definition)
    for case in CASES:
        case[1](book)
    path = tmp / "many.xlsx"
    book.save(path)
    result = run_cchc("form", "build", path, "--out", tmp / "form.yaml")
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert lines[-1] == (f"Tệp định nghĩa 'many.xlsx' có {len(CASES)} lỗi, chưa tạo biểu mẫu. "
                         "Sửa các lỗi trên (sheet, dòng) rồi chạy lại cchc form build.")
    located = [line for line in lines[:-1] if line.startswith(("[Chỉ tiêu, dòng", "[Quy tắc, dòng",
                                                                "[Phụ lục, dòng", "[Biểu mẫu, dòng",
                                                                "[Lựa chọn, dòng"))]
    assert len(located) == len(lines) - 1 == len(CASES)
    assert not (tmp / "form.yaml").exists()


def list_column(sheet_id: str, key: str, header: str, value) -> Edit:
    """Set one cell of the list column ``key`` of list sheet ``sheet_id``."""
    def edit(book: openpyxl.Workbook) -> None:
        ws = book["Cột danh sách"]
        row = next(r for r in range(2, ws.max_row + 1)
                   if ws.cell(r, 1).value == sheet_id and ws.cell(r, column(ws, "Khóa cột")).value == key)
        ws.cell(row, column(ws, header)).value = value
    return edit


# Tuần Giáo 2024: list sheets (dates accepted from 01/01/2000) and column rules.
TUANGIAO_CASES = [
    ("first day on a text column", list_column("pl02", "ghi_chu", "Nhận ngày từ", "01/01/2000"),
     "Cột danh sách", lambda ws: next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "pl02"
                                      and ws.cell(r, column(ws, "Khóa cột")).value == "ghi_chu"),
     "'Nhận ngày từ' chỉ dùng cho cột loại 'ngày', cột này loại 'văn bản'. "
     "Xóa ô 'Nhận ngày từ' hoặc đổi loại cột thành 'ngày'."),
    ("first day that is not a day", list_column("pl01", "ngay", "Nhận ngày từ", "năm 2000"),
     "Cột danh sách", lambda ws: next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "pl01"
                                      and ws.cell(r, column(ws, "Khóa cột")).value == "ngay"),
     "'Nhận ngày từ' là 'năm 2000', không phải ngày/tháng/năm. Nhập dạng ngày/tháng/năm, ví dụ 01/01/2000."),
    ("constant on a column rule", put("Quy tắc", "pl03_dung_han_le_tong_y1", "Hằng số", 100, "Mã quy tắc"),
     "Quy tắc", lambda ws: row_of(ws, "pl03_dung_han_le_tong_y1", "Mã quy tắc"),
     "Quy tắc 'pl03_dung_han_le_tong_y1' so sánh các cột của một phụ lục nhưng có 'Hằng số'. "
     "Hằng số chỉ dùng cho quy tắc giữa các chỉ tiêu: xóa ô 'Hằng số' hoặc để trống 'Mã phụ lục'."),
]


@pytest.mark.parametrize("case", TUANGIAO_CASES, ids=[c[0] for c in TUANGIAO_CASES])
def test_new_fields_of_list_sheets_and_column_rules(case: tuple, tmp: Path) -> None:
    name, edit, sheet, row_in, expected = case
    path = write_definition(load_catalog()["tuangiao-2024"], tmp / "tg.xlsx")
    book = openpyxl.load_workbook(path)
    edit(book)
    book.save(tmp / "edited.xlsx")
    data, problems = read_definition(tmp / "edited.xlsx")
    assert data is None
    assert [str(p) for p in problems] == [f"[{sheet}, dòng {row_in(book[sheet])}] {expected}"]


def test_decimals_out_of_range_on_a_ratio_row(tmp: Path) -> None:
    path = write_definition(load_catalog()["sonla-2024"], tmp / "sl.xlsx")
    book = openpyxl.load_workbook(path)
    put("Chỉ tiêu", "II.6.8.a", "Số chữ số thập phân", 9)(book)
    book.save(tmp / "edited.xlsx")
    data, problems = read_definition(tmp / "edited.xlsx")
    row = row_of(book["Chỉ tiêu"], "II.6.8.a")
    assert data is None
    assert [str(p) for p in problems] == [
        f"[Chỉ tiêu, dòng {row}] 'Số chữ số thập phân' là 9, ngoài khoảng 0 đến 6. "
        "Nhập số nguyên từ 0 đến 6, hoặc để trống (2)."]
