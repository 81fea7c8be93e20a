"""A registry opened and saved by a spreadsheet still matches (issue 12, item 2).

The Sở opens ``don_vi.csv`` in LibreOffice (or Excel) and saves it again: the CSV import reads
ward codes as numbers, so ``03646`` comes back as ``3646``. These tests make such files with
LibreOffice itself (its CSV import with default type detection, saved as .xlsx and as .csv), then
add a title row and blank rows with openpyxl as a person would, and check that every one of the
90 units of the Sơn La sample is read with its official code, that each restored code is said, and
that ``cchc units --check`` prints exactly that. Expected lines are built from the shipped CSV
with the csv module, not from the registry code.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
from pathlib import Path

import openpyxl
import pytest
from conftest import SOFFICE_TIMEOUT, lo_profile, require_soffice, run_cchc

from workbooks.registry import RegistryError, load_registry, nearest_codes

SONLA = Path(__file__).resolve().parents[1] / "workbooks" / "registries" / "sonla.csv"
VALID = "{name}: hợp lệ, 90 đơn vị (1 tinh, 14 so_nganh, 75 xa)."
NOTE = "[{name}, dòng {row}] Mã '{typed}' đã được hiểu là '{code}' (mã phường, xã có 5 chữ số)."
HEADING = "Cảnh báo: {count} chỗ trong tệp đã được tự hiểu lại khi đọc (danh sách vẫn dùng được):"
ZERO_LOST = "Chữ số 0 ở đầu bị mất khi tệp được mở và lưu lại bằng Excel hoặc LibreOffice."
ADVICE = ("Để hết cảnh báo: định dạng cột mã là Văn bản (Text) rồi nhập lại mã, hoặc lập lại tệp bằng "
          "lệnh cchc units --province.")
# LibreOffice's CSV import as its dialog opens a UTF-8 file: comma, double quote, UTF-8 (76), from
# line 1; no column types given, so every column gets the default type detection.
CSV_IMPORT = "CSV:44,34,76,1"


def _shipped_rows() -> list[list[str]]:
    with SONLA.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _ward_rows() -> list[tuple[int, str]]:
    """(spreadsheet row, code) of every commune of the shipped file, whose codes start with 0."""
    return [(i, row[0]) for i, row in enumerate(_shipped_rows(), start=1) if row[2] == "xa"]


def _lo_import(src: Path, fmt: str, outdir: Path) -> Path:
    """Open ``src`` with LibreOffice's CSV import (default type detection) and save it as ``fmt``."""
    binary = require_soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    out = outdir / f"{src.stem}.{fmt}"
    out.unlink(missing_ok=True)
    cmd = [binary, "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation={lo_profile().as_uri()}",
           f"--infilter={CSV_IMPORT}", "--convert-to", fmt, "--outdir", str(outdir), str(src)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=SOFFICE_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"soffice did not finish within {SOFFICE_TIMEOUT}s")
    assert proc.returncode == 0 and out.exists(), f"soffice failed: {stdout}\n{stderr}"
    return out


@pytest.fixture(scope="module")
def resaved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The Sơn La sample as LibreOffice saves it: .xlsx and .csv (both without leading zeros)."""
    base = tmp_path_factory.mktemp("resaved")
    src = base / "don_vi.csv"
    src.write_bytes(SONLA.read_bytes())
    return {fmt: _lo_import(src, fmt, base / fmt) for fmt in ("xlsx", "csv")}


def _expected_check(name: str) -> list[str]:
    """What ``cchc units --check`` prints for the re-saved Sơn La file ``name``."""
    notes = [NOTE.format(name=name, row=row, typed=code.lstrip("0"), code=code) for row, code in _ward_rows()]
    return [VALID.format(name=name), HEADING.format(count=len(notes)), *notes, ZERO_LOST, ADVICE]


def test_libreoffice_lost_the_zeros(resaved: dict[str, Path]) -> None:
    """The files under test really are damaged the way issue 12 describes."""
    with resaved["csv"].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[16][:3] == ["3646", "Phường Tô Hiệu", "xa"]
    book = openpyxl.load_workbook(resaved["xlsx"], read_only=True)
    cell = next(book.active.iter_rows(min_row=17, max_row=17, max_col=1, values_only=True))[0]
    book.close()
    assert cell == 3646  # a number cell, not the text "03646"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_resaved_registry_matches_all_units(resaved: dict[str, Path], fmt: str) -> None:
    shipped = load_registry(SONLA)
    registry = load_registry(resaved[fmt])
    assert registry.units == shipped.units
    assert len(registry.units) == 90
    assert [(n.row, n.id) for n in registry.notes] == [(row, "registry.note.code_width") for row, _ in _ward_rows()]
    assert str(registry.notes[0]) == NOTE.format(name=f"don_vi.{fmt}", row=17, typed="3646", code="03646")
    assert load_registry(SONLA).notes == []


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_units_check_warns_about_resaved_registry(resaved: dict[str, Path], fmt: str) -> None:
    result = run_cchc("units", "--check", resaved[fmt])
    assert (result.code, result.err) == (0, "")
    assert result.out.splitlines() == _expected_check(f"don_vi.{fmt}")


def test_title_and_blank_rows_ignored(resaved: dict[str, Path], tmp_path: Path) -> None:
    """A title row, a blank row above the header and blank rows between units, added in the sheet."""
    book = openpyxl.load_workbook(resaved["xlsx"])
    sheet = book.active
    sheet.insert_rows(1, amount=2)
    sheet["A1"] = "DANH SÁCH ĐƠN VỊ BÁO CÁO CCHC TỈNH SƠN LA"
    sheet.insert_rows(30)  # a blank row among the communes (spreadsheet row 30)
    path = tmp_path / "don_vi_tieu_de.xlsx"
    book.save(path)
    registry = load_registry(path)
    assert registry.units == load_registry(SONLA).units
    title_note = "[don_vi_tieu_de.xlsx, dòng 1] Bỏ qua 1 dòng phía trên dòng tiêu đề cột (dòng 3)."
    assert str(registry.notes[0]) == title_note
    result = run_cchc("units", "--check", path)
    assert (result.code, result.err) == (0, "")
    notes = [NOTE.format(name=path.name, row=row + 2 + (row + 2 >= 30), typed=code.lstrip("0"), code=code)
             for row, code in _ward_rows()]
    assert result.out.splitlines() == [
        VALID.format(name=path.name), HEADING.format(count=76), title_note, *notes,
        "Các dòng này không phải đơn vị (ví dụ tên bảng).", ZERO_LOST, ADVICE]


def test_csv_title_row_and_float_codes(tmp_path: Path) -> None:
    """A CSV written by another tool: a title row, codes as floats (3646.0), a parent without its zero."""
    path = tmp_path / "don_vi.csv"
    path.write_text("Danh sách đơn vị;;;;\n;;;;\ncode;name;level;parent_code;forms\n"
                    "P14;UBND tỉnh Sơn La;tinh;;\n3646.0;Phường Tô Hiệu;xa;P14;\n"
                    "3667;Phường Chiềng An;xa;3646;\n3670;Phường Chiềng Cơi;xa;3646.0;\n", encoding="utf-8")
    registry = load_registry(path)
    assert [(u.code, u.parent_code) for u in registry.units] == [("P14", None), ("03646", "P14"),
                                                                 ("03667", "03646"), ("03670", "03646")]
    assert [str(n) for n in registry.notes] == [
        "[don_vi.csv, dòng 1] Bỏ qua 1 dòng phía trên dòng tiêu đề cột (dòng 3).",
        "[don_vi.csv, dòng 5] Mã '3646.0' đã được hiểu là '03646' (mã phường, xã có 5 chữ số).",
        "[don_vi.csv, dòng 6] Mã '3667' đã được hiểu là '03667' (mã phường, xã có 5 chữ số).",
        "[don_vi.csv, dòng 6] Mã đơn vị cấp trên '3646' đã được hiểu là '03646' (mã của đơn vị ở dòng 5).",
        "[don_vi.csv, dòng 7] Mã '3670' đã được hiểu là '03670' (mã phường, xã có 5 chữ số).",
        "[don_vi.csv, dòng 7] Mã đơn vị cấp trên '3646.0' đã được hiểu là '03646' (mã của đơn vị ở dòng 5).",
    ]


def test_csv_title_typed_alone_above_a_semicolon_header(tmp_path: Path) -> None:
    path = tmp_path / "don_vi.csv"
    path.write_text("Danh sách đơn vị năm 2025\ncode;name;level\nP14;UBND tỉnh Sơn La, Việt Nam;tinh\n",
                    encoding="utf-8")
    registry = load_registry(path)
    assert [(u.code, u.name) for u in registry.units] == [("P14", "UBND tỉnh Sơn La, Việt Nam")]
    assert [n.id for n in registry.notes] == ["registry.note.title_rows"]


def test_number_cell_of_another_level_keeps_its_digits(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text("code,name,level\n14.0,UBND tỉnh,tinh\n0042,Xã Bốn Hai,xa\n", encoding="utf-8")
    registry = load_registry(path)
    assert [u.code for u in registry.units] == ["14", "0042"]  # typed with a zero: text, kept
    assert [str(n) for n in registry.notes] == ["[units.csv, dòng 2] Mã '14.0' (ô dạng số) đã được hiểu là '14'."]


def test_restored_code_that_repeats_another_is_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text("code,name,level\n03646,Phường Tô Hiệu,xa\n3646,Phường Tô Hiệu (bản sao),xa\n",
                    encoding="utf-8")
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    assert info.value.problems == ["units.csv, dòng 3, cột A (code): mã đơn vị '03646' bị trùng với dòng 2. "
                                   "Mỗi đơn vị cần một mã riêng."]


# --------------------------------------------------------------------------- nearest codes


@pytest.mark.parametrize(("code", "n", "expected"), [
    ("3646", 1, ["03646"]),                       # zero lost by a spreadsheet
    ("3646.0", 1, ["03646"]),
    ("4246", 1, ["04246"]),
    ("03466", 1, ["03646"]),                      # two digits swapped: one mistake
    ("03466", 3, ["03646", "03667", "03760"]),    # then two mistakes, in registry order
    ("03647", 2, ["03646", "03667"]),
    ("snv", 1, ["SNV"]),                          # case
    ("P41", 1, ["P14"]),
    ("SNV", 1, []),                               # known code: nothing to suggest
    ("XYZ123", 3, []),                            # nothing close
    ("3700", 1, []),
])
def test_nearest_codes(code: str, n: int, expected: list[str]) -> None:
    assert nearest_codes(load_registry(SONLA), code, n=n) == expected


def test_nearest_codes_accepts_plain_codes() -> None:
    assert nearest_codes(["03646", "03667"], "3667") == ["03667"]


def test_ward_code_width_is_that_of_vietnam_provinces() -> None:
    from vietnam_provinces import Ward

    from workbooks.registry import WARD_CODE_WIDTH

    widths = {len(str(int(w.code))) for w in Ward.iter_all()}
    assert max(widths) == WARD_CODE_WIDTH == 5
