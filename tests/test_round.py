"""A real round as the Sở runs it, played through ``cchc consolidate`` (a fresh process each time).

Returns are generated for a small registry, then changed the way real returns change: the
last-saved time written into docProps/core.xml as Excel writes it on save, a LibreOffice
re-save, openpyxl edits of the metadata, values typed outside their cell's rules, a folder
copied with new file times. Outcomes are read back from what a user gets: the exit code, the
console text, the output workbook (openpyxl) and the tidy CSV files (the ``csv`` module).
"""

from __future__ import annotations

import csv
import hashlib
import os
import random
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import run_cchc

from simulate import plausible_prefill
from workbooks.catalog.loader import get_form, known_levels
from workbooks.writer import Prefill, UnitInfo, generate_workbook
from workbooks.writer.metadata import META_SHEET

FORM_ID = "sonla-2024"
YEAR = 2024
GENERATED = datetime(2024, 10, 1, 8, 0, 0)
DEADLINE = "31/10/2024"
ENV = {"TZ": "UTC"}  # core.xml times are UTC ("Z"); the tool shows local time
REGISTRY = """code,name,level,parent_code,forms
P14,UBND tỉnh Sơn La,tinh,,
SNV,Sở Nội vụ,so_nganh,P14,
03646,Phường Tô Hiệu,xa,P14,sonla-2024
03667,Phường Chiềng An,xa,P14,sonla-2024
03688,Xã Mường Chiên,xa,P14,sonla-2024
"""  # the form is for sở and districts; these communes are asked for it in the forms column
EXPECTED = ["SNV", "03646", "03667", "03688"]
NAMES = {"SNV": "Sở Nội vụ", "03646": "Phường Tô Hiệu", "03667": "Phường Chiềng An", "03688": "Xã Mường Chiên"}
LEVELS = {"SNV": "so_nganh", "03646": "xa", "03667": "xa", "03688": "xa"}


# --------------------------------------------------------------------------- making returns


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """The round's registry (CSV as the Sở keeps it)."""
    path = tmp_path / "don_vi.csv"
    path.write_text(REGISTRY, encoding="utf-8")
    return path


def prefill_of(code: str) -> Prefill:
    """Plausible values of a unit (the same every time for the same unit)."""
    return plausible_prefill(get_form(FORM_ID), LEVELS[code], random.Random(f"round:{code}"), YEAR)


def make_return(code: str, path: Path, prefill: Prefill | None = None, saved: datetime | None = None,
                mtime: datetime | None = None) -> Path:
    """Unit ``code``'s return at ``path``; ``saved``: the last-saved time its core.xml says."""
    level = LEVELS[code]
    unit = UnitInfo(code, NAMES[code], level, known_levels()[level], "P14")
    path.parent.mkdir(parents=True, exist_ok=True)
    generate_workbook(get_form(FORM_ID), path, unit, YEAR, generated_at=GENERATED,
                      prefill=prefill if prefill is not None else prefill_of(code))
    if saved is not None:
        set_saved_time(path, saved)
    if mtime is not None:
        os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


def set_saved_time(path: Path, moment: datetime) -> None:
    """Write ``moment`` as the workbook's last-saved time, as Excel does on save (core.xml "modified").

    Its creation time is set to when the Sở generated it (``GENERATED``), as in a real round.
    """
    with zipfile.ZipFile(path) as zf:
        parts = [(info, zf.read(info.filename)) for info in zf.infolist()]
    stamps = {b"modified": moment, b"created": GENERATED}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                for tag, when in stamps.items():
                    data = re.sub(rb"(<dcterms:" + tag + rb"[^>]*>)[^<]*(</dcterms:" + tag + rb">)",
                                  rb"\g<1>" + when.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", data)
            zf.writestr(info, data)


def consolidate(folder: Path, registry: Path, out: Path, *extra: str):
    """``cchc consolidate`` as a user types it (tidy data as CSV, one reading process)."""
    return run_cchc("consolidate", folder, "--form", FORM_ID, "--registry", registry, "--out", out,
                    "--data-format", "csv", "--jobs", "1", *extra, env=ENV)


def tidy(out: Path, name: str) -> list[dict[str, str]]:
    """Rows of one tidy CSV file written beside the output."""
    with open(out.with_name(out.stem + "_du_lieu") / f"{name}.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def sheet_rows(out: Path, sheet: str) -> list[tuple]:
    """Values of a sheet of the output workbook, row by row."""
    wb = openpyxl.load_workbook(out, read_only=True)
    try:
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def by_unit(out: Path) -> dict[str, dict[str, str]]:
    """Unit code -> its row in the tidy ``units`` table."""
    return {row["unit_code"]: row for row in tidy(out, "units")}


def total(out: Path, code: str, column: str, measure: str) -> float:
    """A province total from the tidy ``totals`` table (NaN when absent or blank)."""
    for row in tidy(out, "totals"):
        if (row["scope"], row["code"], row["column"], row["measure"]) == ("all", code, column, measure):
            return float(row["value"]) if row["value"] else float("nan")
    return float("nan")


def assert_clean(result) -> None:
    """No Python traceback and no English system text reached the user."""
    assert "Traceback" not in result.text
    assert "Operation not permitted" not in result.text and "Errno" not in result.text


# --------------------------------------------------------------------------- 1. any folder


def missing_units(out: Path) -> list[str]:
    """Unit codes listed on the "Chưa nộp" sheet."""
    return [r[0] for r in sheet_rows(out, "Chưa nộp")[1:] if r[0] and not str(r[0]).startswith("Tổng số")]


@pytest.mark.parametrize("case", ["empty", "only_rejected", "other_period", "no_list_rows"])
def test_any_folder_gives_a_workbook_with_every_unit_not_submitted(case: str, tmp_path: Path,
                                                                    registry: Path) -> None:
    """Empty folder, only rejected files, another period, returns without list rows: exit 0, full output."""
    folder, out = tmp_path / "in", tmp_path / "kq" / "tong_hop.xlsx"
    folder.mkdir()
    extra: tuple[str, ...] = ()
    if case == "only_rejected":
        (folder / "ghi chu.txt").write_text("không phải báo cáo", encoding="utf-8")
        good = make_return("03646", tmp_path / "src.xlsx")
        data = good.read_bytes()
        (folder / "Phuong To Hieu.xlsx").write_bytes(data[: len(data) // 2])
    elif case == "other_period":
        make_return("03646", folder / "Phuong To Hieu.xlsx")
        extra = ("--period", "2023")
    elif case == "no_list_rows":
        for code in ("03646", "03667"):
            prefill = prefill_of(code)
            prefill.lists.clear()
            make_return(code, folder / f"BC {NAMES[code]}.xlsx", prefill)
    result = consolidate(folder, registry, out, *extra)
    assert_clean(result)
    assert result.code == 0, result.text
    assert out.exists()
    submitted = {"no_list_rows": {"03646", "03667"}}.get(case, set())
    assert missing_units(out) == [c for c in EXPECTED if c not in submitted]
    assert {c: r["status"] for c, r in by_unit(out).items()} == {
        c: "submitted" if c in submitted else "missing" for c in EXPECTED}
    if case == "other_period":
        assert [r["reason"] for r in tidy(out, "files")] == ["other_period"]
    if case == "no_list_rows":
        counts = [r for r in tidy(out, "list_counts") if r["scope"] == "all" and r["group"] == "*" and not r["column"]]
        assert [float(r["rows"]) for r in counts] == [0.0]


# --------------------------------------------------------------------------- 3. received time


def test_lateness_comes_from_the_saved_time_and_survives_a_copy(tmp_path: Path, registry: Path) -> None:
    """File times contradicting the saved times are ignored; after ``cp -r`` lateness is the same."""
    folder, out = tmp_path / "in", tmp_path / "tong_hop.xlsx"
    make_return("03646", folder / "Phuong To Hieu.xlsx", saved=datetime(2024, 10, 20, 9, 0),
                mtime=datetime(2024, 11, 20, 9, 0))
    make_return("03667", folder / "Phuong Chieng An.xlsx", saved=datetime(2024, 11, 5, 14, 30),
                mtime=datetime(2024, 10, 1, 9, 0))
    make_return("03688", folder / "Xa Muong Chien.xlsx", mtime=datetime(2024, 10, 25, 7, 0))  # never re-saved
    expected = {"SNV": ("missing", "", ""), "03646": ("on_time", "2024-10-20 09:00:00", "saved"),
                "03667": ("late", "2024-11-05 14:30:00", "saved"), "03688": ("on_time", "2024-10-25 07:00:00", "file")}

    def outcome(run_out: Path) -> dict[str, tuple[str, str, str]]:
        def seconds(text: str) -> str:
            return str(datetime.fromisoformat(text).replace(microsecond=0)) if text else ""

        return {c: (r["status"], seconds(r["submitted_at"]), r["time_source"]) for c, r in by_unit(run_out).items()}

    result = consolidate(folder, registry, out, "--deadline", DEADLINE)
    assert result.code == 0, result.text
    assert outcome(out) == expected
    status = {r[0]: r for r in sheet_rows(out, "Tình trạng nộp")[1:]}
    assert status["03646"][6:8] == ("20/10/2024 09:00", "thời điểm lưu ghi trong tệp")
    assert status["03688"][7] == "thời gian ghi tệp trên máy (tệp không ghi thời điểm lưu)"

    copy = tmp_path / "ban_sao"
    subprocess.run(["cp", "-r", str(folder), str(copy)], check=True)  # new file times, as a download gives
    now = datetime.now().timestamp()
    for path in copy.iterdir():
        os.utime(path, (now, now))
    out2 = tmp_path / "tong_hop_2.xlsx"
    result = consolidate(copy, registry, out2, "--deadline", DEADLINE)
    assert result.code == 0, result.text
    again = outcome(out2)
    assert {c: v for c, v in again.items() if c != "03688"} == {c: v for c, v in expected.items() if c != "03688"}
    assert again["03688"][2] == "file"  # the one file that carries no saved time moved with the copy


def test_received_list_overrides_and_is_named(tmp_path: Path, registry: Path) -> None:
    """``--received`` (file name or SHA-256 -> time) wins over the saved time; the source is shown."""
    folder, out = tmp_path / "in", tmp_path / "tong_hop.xlsx"
    make_return("03646", folder / "Phuong To Hieu.xlsx", saved=datetime(2024, 10, 20, 9, 0))
    chieng_an = make_return("03667", folder / "Phuong Chieng An.xlsx", saved=datetime(2024, 10, 21, 9, 0))
    sha = hashlib.sha256(chieng_an.read_bytes()).hexdigest()
    listing = tmp_path / "nhan.csv"
    listing.write_text("tep;sha256;thoi_diem_nhan\nPhuong To Hieu.xlsx;;02/11/2024 08:15\n"
                       f";{sha.upper()};30/10/2024 16:00\n", encoding="utf-8-sig")
    result = consolidate(folder, registry, out, "--deadline", DEADLINE, "--received", listing)
    assert result.code == 0, result.text
    units = by_unit(out)
    assert (units["03646"]["status"], units["03646"]["submitted_at"], units["03646"]["time_source"]) == (
        "late", "2024-11-02 08:15:00", "received")
    assert (units["03667"]["status"], units["03667"]["time_source"]) == ("on_time", "received")
    status = {r[0]: r for r in sheet_rows(out, "Tình trạng nộp")[1:]}
    assert status["03646"][7] == "danh sách thời điểm nhận (--received)"

    listing.write_text("tep,thoi_diem_nhan\nPhuong To Hieu.xlsx,hôm qua\n", encoding="utf-8")
    bad = consolidate(folder, registry, tmp_path / "x.xlsx", "--received", listing)
    assert_clean(bad)
    assert bad.code == 2
    assert "dòng 2: 'hôm qua' không phải ngày giờ" in bad.err
    assert "ví dụ 15/10/2024 08:30" in bad.err


@pytest.mark.parametrize("clean_name", ["BC Phuong To Hieu (ban 2).xlsx", "BC Phuong To Hieu.xlsx"])
def test_versions_saved_at_the_same_time_are_settled_by_the_stated_rule(clean_name: str, tmp_path: Path,
                                                                        registry: Path) -> None:
    """Two versions with equal times: the one without errors is used, whatever the file names; both say so."""
    folder, out = tmp_path / "in", tmp_path / "tong_hop.xlsx"
    moment = datetime(2024, 10, 20, 9, 0)
    wrong = prefill_of("03646")
    wrong.cells[("I.3.b", "year")] = int(wrong.cells[("I.3.a", "year")]) + 5  # done > planned: an error
    other_name = ({"BC Phuong To Hieu (ban 2).xlsx", "BC Phuong To Hieu.xlsx"} - {clean_name}).pop()
    make_return("03646", folder / other_name, wrong, saved=moment, mtime=datetime(2024, 10, 22))
    make_return("03646", folder / clean_name, saved=moment, mtime=datetime(2024, 10, 21))
    result = consolidate(folder, registry, out)
    assert result.code == 0, result.text
    files = {r["file"]: r for r in tidy(out, "files")}
    assert files[clean_name]["status"] == "used"
    assert files[other_name]["status"] == "duplicate"
    assert files[other_name]["reason"] == "tied_version"
    assert files[other_name]["message"].startswith(
        "Hai bản của Phường Tô Hiệu nhận cùng thời điểm 20/10/2024 09:00:00, không biết bản nào mới hơn; "
        f"đã dùng {clean_name} theo quy tắc: bản ít lỗi hơn")
    assert "Được chọn trong 2 bản nhận cùng thời điểm 20/10/2024 09:00:00" in files[clean_name]["message"]
    unusable = {r[0]: r for r in sheet_rows(out, "Tệp không dùng được")[1:]}
    assert unusable[other_name][1] == "Cùng thời điểm nhận với bản khác (không dùng theo quy tắc)"
    assert tidy(out, "findings") == []  # the version not used is not reported as the unit's errors


def test_a_libreoffice_saved_copy_keeps_the_workbook_time(tmp_path: Path, registry: Path, soffice) -> None:
    """A return saved again by LibreOffice Calc keeps the last-saved time it carries; its file time is ignored."""
    source = make_return("03646", tmp_path / "src" / "Phuong To Hieu.xlsx", saved=datetime(2024, 11, 5, 14, 30))
    saved = soffice(source, "xlsx:Calc MS Excel 2007 XML", tmp_path / "in")
    os.utime(saved, (datetime(2024, 10, 2).timestamp(),) * 2)  # a file time before the deadline
    with zipfile.ZipFile(saved) as zf:  # LibreOffice really wrote this file (its own core.xml)
        assert b"<dc:language>" in zf.read("docProps/core.xml")
    out = tmp_path / "tong_hop.xlsx"
    result = consolidate(tmp_path / "in", registry, out, "--deadline", DEADLINE)
    assert result.code == 0, result.text
    unit = by_unit(out)["03646"]
    assert (unit["status"], unit["time_source"]) == ("late", "saved")
    assert datetime.fromisoformat(unit["submitted_at"]) == datetime(2024, 11, 5, 14, 30)


# --------------------------------------------------------------------------- 5. values failing their own check


def test_include_errors_never_counts_values_failing_their_own_check(tmp_path: Path, registry: Path) -> None:
    """12.5 in a whole-number cell, −3, a choice code that does not exist and 101.5 % are left out, said so."""
    folder, out = tmp_path / "in", tmp_path / "tong_hop.xlsx"
    good, bad = prefill_of("03646"), prefill_of("03667")
    bad.cells[("I.3.c", "year")] = 12.5
    bad.cells[("I.3.c", "prev_year")] = -3
    bad.cells[("II.2.4.e", "year")] = 2
    bad.cells[("II.6.6.c", "year")] = 101.5
    good.cells[("II.2.4.e", "year")] = 1
    good.cells[("II.6.6.c", "year")] = 40.0
    make_return("03646", folder / "Phuong To Hieu.xlsx", good)
    make_return("03667", folder / "Phuong Chieng An.xlsx", bad)
    result = consolidate(folder, registry, out, "--include-errors")
    assert result.code == 0, result.text
    assert total(out, "I.3.c", "year", "sum") == good.cells[("I.3.c", "year")]
    assert total(out, "I.3.c", "prev_year", "sum") == good.cells[("I.3.c", "prev_year")]
    assert total(out, "I.3.c", "year", "n") == 1
    assert total(out, "II.2.4.e", "year", "n") == 1
    assert total(out, "II.2.4.e", "year", "choice=2") == 0 or pd.isna(total(out, "II.2.4.e", "year", "choice=2"))
    assert total(out, "II.6.6.c", "year", "max") == 40.0
    assert total(out, "I.1.c", "year", "sum") == good.cells[("I.1.c", "year")] + bad.cells[("I.1.c", "year")]
    assert ("Không tính 4 giá trị sai kiểu, ngoài khoảng cho phép, không có trong danh sách lựa chọn hoặc dòng "
            "danh sách có ngày ngoài kỳ báo cáo, trong 1 báo cáo.") in " ".join(result.out.split())
    files = {r["file"]: r for r in tidy(out, "files")}
    assert files["Phuong Chieng An.xlsx"]["status"] == "errors_used"
    assert files["Phuong Chieng An.xlsx"]["values_left_out"] == "4"
    assert "nhưng không tính 4 giá trị sai kiểu, ngoài khoảng cho phép hoặc không có trong danh sách lựa chọn" in (
        files["Phuong Chieng An.xlsx"]["message"])
    assert sheet_rows(out, "Tổng hợp")[2][0].endswith(
        "Không tính 4 giá trị sai kiểu, ngoài khoảng cho phép, không có trong danh sách lựa chọn hoặc dòng danh "
        "sách có ngày ngoài kỳ báo cáo, trong 1 báo cáo. Xem từng ô ở sheet 'Lỗi và cảnh báo'.")


def test_a_list_row_dated_outside_the_period_is_not_counted(tmp_path: Path, registry: Path) -> None:
    """The row with a 2019 date is left out of the stacked list and of the counts; the others stay."""
    folder, out = tmp_path / "in", tmp_path / "tong_hop.xlsx"
    prefill = prefill_of("03646")
    rows = prefill.lists["pl1"]
    rows[0] = {**rows[0], "deadline": date(2019, 3, 1)}
    make_return("03646", folder / "Phuong To Hieu.xlsx", prefill)
    result = consolidate(folder, registry, out, "--include-errors")
    assert result.code == 0, result.text
    listed = tidy(out, "list_pl1")
    assert len(listed) == len(rows) - 1
    assert "2019-03-01" not in {r["deadline"] for r in listed}
    counts = [r for r in tidy(out, "list_counts") if r["scope"] == "all" and r["group"] == "*" and not r["column"]]
    assert [float(r["rows"]) for r in counts] == [len(rows) - 1]


# --------------------------------------------------------------------------- 7. a locked output


def test_a_locked_output_says_close_it_in_excel(tmp_path: Path, registry: Path) -> None:
    """The output cannot be replaced (as when Excel holds it open): a Vietnamese "close it" message, exit 1."""
    folder, out = tmp_path / "in", tmp_path / "tong_hop.xlsx"
    make_return("03646", folder / "Phuong To Hieu.xlsx")
    assert consolidate(folder, registry, out).code == 0
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(out)]).returncode != 0:
        pytest.skip("chattr +i is not available here to lock the output")
    try:
        result = consolidate(folder, registry, out)
    finally:
        subprocess.run(["chattr", "-i", str(out)], check=True)
    assert_clean(result)
    assert result.code == 1
    assert result.err.strip().splitlines()[-1] == (
        f"Lỗi: Không ghi được tệp kết quả {out}: tệp đang được mở (hoặc bị khóa) trong một chương trình khác. "
        "Hãy đóng tệp tong_hop.xlsx trong Excel rồi chạy lại (hoặc chọn tên khác bằng --out).")
    assert not list(tmp_path.glob("*.cchc-tmp"))


# --------------------------------------------------------------------------- issue 11: identity


def set_metadata(path: Path, **values: str) -> None:
    """Change what the metadata sheet and the custom properties say (openpyxl), e.g. the unit code."""
    wb = openpyxl.load_workbook(path)
    for row in wb[META_SHEET].iter_rows(min_row=2):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    for prop in wb.custom_doc_props.props:
        if prop.name.startswith("cchc_") and prop.name[5:] in values:
            prop.value = values[prop.name[5:]]
    wb.save(path)
    wb.close()


def test_a_file_claiming_another_unit_never_replaces_its_return(tmp_path: Path, registry: Path) -> None:
    """Forged code (recorded name/level still the sender's) and another unit's workbook sent under one's own name."""
    folder, out = tmp_path / "in", tmp_path / "tong_hop.xlsx"
    real = make_return("03667", folder / "Phu luc Phuong Chieng An.xlsx", saved=datetime(2024, 10, 20, 9, 0))
    forged = make_return("03646", folder / "BC CCHC 2024.xlsx")
    set_metadata(forged, unit_code="03667")
    set_saved_time(forged, datetime(2024, 10, 25, 9, 0))  # newer than the real return
    make_return("03667", folder / "Phu luc - xa Muong Chien.xlsx", saved=datetime(2024, 10, 26, 9, 0))
    result = consolidate(folder, registry, out)
    assert_clean(result)
    assert result.code == 0, result.text
    files = {r["file"]: r for r in tidy(out, "files")}
    assert files[real.name]["status"] == "used"
    assert (files["BC CCHC 2024.xlsx"]["status"], files["BC CCHC 2024.xlsx"]["reason"]) == (
        "conflict", "identity_recorded")
    assert files["BC CCHC 2024.xlsx"]["message"] == (
        "Tệp có thể là của đơn vị khác: tệp ghi mã 03667 (Phường Chiềng An, UBND cấp xã, phường, thị trấn, đặc khu) "
        "nhưng tên, cấp ghi trong tệp là 'Phường Tô Hiệu' (UBND cấp xã, phường, thị trấn, đặc khu). Không dùng tệp "
        "này thay cho báo cáo của Phường Chiềng An. Sở Nội vụ xác minh với đơn vị: nếu đúng của Phường Chiềng An, "
        "sửa mã/tên trong tệp cho khớp rồi chạy lại; nếu của đơn vị khác, đề nghị đơn vị gửi lại đúng tệp của mình.")
    sent = files["Phu luc - xa Muong Chien.xlsx"]
    assert (sent["status"], sent["reason"]) == ("conflict", "identity_file_name")
    assert sent["message"].startswith(
        "Tệp có thể là của đơn vị khác: nội dung tệp ghi Phường Chiềng An (03667) nhưng tên tệp "
        "'Phu luc - xa Muong Chien.xlsx' mang tên Xã Mường Chiên (03688)")
    units = by_unit(out)
    assert units["03667"]["file"] == real.name
    assert units["03646"]["status"] == units["03688"]["status"] == "missing"
    unusable = {r[0]: r for r in sheet_rows(out, "Tệp không dùng được")[1:]}
    assert unusable["BC CCHC 2024.xlsx"][4] == "Cần Sở quyết định (có thể của đơn vị khác, không dùng)"
    assert "Phu luc - xa Muong Chien.xlsx" in result.out


def test_ordinary_file_names_raise_no_doubt(tmp_path: Path, registry: Path) -> None:
    """Names as units send them (accents or not, with their own name or none) are not conflicts."""
    folder, out = tmp_path / "in", tmp_path / "tong_hop.xlsx"
    make_return("03646", folder / "Phụ lục CCHC 2024 - Phường Tô Hiệu.xlsx")
    make_return("03667", folder / "phu luc phuong chieng an (sua lan 2).xlsx")
    make_return("03688", folder / "BC CCHC 2024_final.xlsx")
    make_return("SNV", folder / "PL kèm BC Sở Nội vụ năm 2024.xlsx")
    result = consolidate(folder, registry, out)
    assert result.code == 0, result.text
    assert sorted(r["status"] for r in tidy(out, "files")) == ["used"] * 4


# --------------------------------------------------------------------------- issue 11: exports


FORMULA_NOTE = '=HYPERLINK("http://vi-du.invalid","bấm")'


def test_csv_export_neutralises_formula_text_parquet_and_xlsx_keep_it(tmp_path: Path, registry: Path) -> None:
    """CSV cells starting with = + - @ tab or CR get an apostrophe; Parquet keeps raw text; xlsx writes text."""
    folder = tmp_path / "in"
    prefill = prefill_of("03646")
    prefill.notes["I.3.c"] = FORMULA_NOTE
    row = prefill.lists["pl1"][0]
    prefill.lists["pl1"][0] = {**row, "task": "@SUM(1)", "note": "-không có-"}
    make_return("03646", folder / "Phuong To Hieu.xlsx", prefill)
    out = tmp_path / "csv" / "tong_hop.xlsx"
    assert consolidate(folder, registry, out).code == 0
    data = out.with_name("tong_hop_du_lieu")
    for csv_file in data.glob("*.csv"):
        with open(csv_file, encoding="utf-8-sig", newline="") as fh:
            for cells in csv.reader(fh):
                assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], csv_file.name
    notes = [r["text"] for r in tidy(out, "values") if r["code"] == "I.3.c" and r["column"] == "note"]
    assert notes == ["'" + FORMULA_NOTE]
    listed = tidy(out, "list_pl1")
    assert ("'@SUM(1)", "'-không có-") in {(r["task"], r["note"]) for r in listed}

    parquet_out = tmp_path / "pq" / "tong_hop.xlsx"
    result = run_cchc("consolidate", folder, "--form", FORM_ID, "--registry", registry, "--out", parquet_out,
                      "--jobs", "1", env=ENV)
    assert result.code == 0, result.text
    values = pd.read_parquet(parquet_out.with_name("tong_hop_du_lieu") / "values.parquet")
    assert values.loc[(values["code"] == "I.3.c") & (values["column"] == "note"), "text"].tolist() == [FORMULA_NOTE]
    wb = openpyxl.load_workbook(parquet_out)
    try:
        hits = [c for r in wb["Theo đơn vị"].iter_rows() for c in r if c.value == FORMULA_NOTE]
        assert hits and all(c.data_type == "s" for c in hits)
    finally:
        wb.close()


@pytest.mark.parametrize("case", ["folder_missing", "out_is_folder"])
def test_wrong_paths_say_what_to_do(case: str, tmp_path: Path, registry: Path) -> None:
    """A folder that does not exist (exit 2) or an output that is a folder (exit 1): Vietnamese, no traceback."""
    folder, out = tmp_path / "in", tmp_path / "tong_hop.xlsx"
    if case == "folder_missing":
        result = consolidate(tmp_path / "khong_co", registry, out)
        expected = (2, f"Lỗi: Không tìm thấy thư mục '{tmp_path / 'khong_co'}'. Kiểm tra lại đường dẫn thư mục chứa "
                       "các tệp báo cáo rồi chạy lại.")
    else:
        folder.mkdir()
        out.mkdir()
        result = consolidate(folder, registry, out)
        expected = (1, f"Lỗi: Không ghi được tệp kết quả {out}: đã có một thư mục trùng tên. Chọn tên tệp khác "
                       "bằng --out, ví dụ --out tong_hop.xlsx, rồi chạy lại.")
    assert_clean(result)
    assert (result.code, result.err.strip().splitlines()[-1]) == expected
    assert "Is a directory" not in result.text and "No such file" not in result.text
