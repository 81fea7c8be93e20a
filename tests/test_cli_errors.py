"""Every subcommand, given what users really get wrong, answers in Vietnamese — never a traceback.

Each case runs ``cchc …`` as a fresh process (``run_cchc``) with wrong arguments, missing paths,
locked paths (``chmod 000``), read-only paths, folders where a file is expected (and files where
a folder is expected), and asserts the exit code, the Vietnamese sentence that says what to do,
and that neither "Traceback" nor the operating system's English text (errno) reaches the user.

Locked and read-only paths: ``root`` ignores file modes, so when the tests run as root the
command runs under ``setpriv`` without the capabilities that bypass them (CAP_DAC_OVERRIDE,
CAP_DAC_READ_SEARCH): the kernel then refuses exactly as it refuses an ordinary user.
"""

from __future__ import annotations

import csv
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, CommandResult, run_cchc

from workbooks.catalog.loader import get_form

REGISTRY = ROOT / "workbooks" / "registries" / "tuangiao.csv"  # 10 units: fast to generate
SONLA_REGISTRY = ROOT / "workbooks" / "registries" / "sonla.csv"
FORM = "tuangiao-2024"
TEMPLATE = f"{FORM}_mau_trong.xlsx"

# What must never reach a user: Python's traceback, the OS's English errno texts, argparse's English.
ENGLISH = ("Traceback", "Errno", "No such file or directory", "Is a directory", "Not a directory",
           "Operation not permitted", "Permission denied", "File exists", "Read-only file system",
           "error:", "usage:", "argument ", "invalid ", "required", "unrecognized", "expected one",
           "PermissionError", "FileNotFoundError", "IsADirectoryError", "OSError")
VIETNAMESE = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
CLOSE_IN_EXCEL = "trong Excel rồi chạy lại"

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
SETPRIV = shutil.which("setpriv")


def assert_told(result: CommandResult, code: int, *expected: str) -> None:
    """Exit code ``code``; every ``expected`` fragment shown; Vietnamese; no English, no traceback."""
    text = " ".join(result.text.split())  # as read: the console may wrap a long line anywhere
    assert result.code == code, result.text
    for fragment in expected:
        assert " ".join(fragment.split()) in text, f"{fragment!r} not in:\n{result.text}"
    for english in ENGLISH:
        assert english not in text, f"{english!r} reached the user:\n{text}"
    assert VIETNAMESE & set(text.casefold()), text


def run_without_override(*args: str | os.PathLike, cwd: Path | None = None) -> CommandResult:
    """``run_cchc``, but file modes are enforced even when the tests run as root (see module doc)."""
    if not IS_ROOT:
        return run_cchc(*args, cwd=cwd)
    if SETPRIV is None:
        pytest.skip("chạy bằng root mà không có setpriv: không thể kiểm tra quyền truy cập tệp")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([SETPRIV, "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-m",
                           "cchc", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300,
                          env=env)
    return CommandResult(proc.returncode, proc.stdout, proc.stderr)


@contextmanager
def mode(path: Path, bits: int) -> Iterator[Path]:
    """``chmod bits path`` for the block (restored after, so that pytest can clean up)."""
    before = stat.S_IMODE(path.stat().st_mode)
    path.chmod(bits)
    try:
        yield path
    finally:
        path.chmod(before)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of workbooks made by ``cchc generate`` (a real return to lock, a real template)."""
    out = tmp_path_factory.mktemp("bieu_mau")
    result = run_cchc("generate", FORM, "--registry", REGISTRY, "--out", out, "--jobs", "1")
    assert result.code == 0, result.text
    return out


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    """An ordinary file, where a folder is expected."""
    path = tmp_path / "ghi_chu.txt"
    path.write_text("không phải thư mục", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- 1. wrong arguments

WRONG_ARGUMENTS = [
    (["lam-gi-do"], "không có lựa chọn 'lam-gi-do'; hãy chọn một trong: 'demo', 'forms'", "cchc --help"),
    (["--khong-co"], "không hiểu tham số: --khong-co", "cchc --help"),
    (["demo", "--jobs", "x"], "tham số --jobs: số tiến trình 'x' không hợp lệ", "cchc demo --help"),
    (["demo", "--jobs", "0"], "số tiến trình '0' không hợp lệ: ghi một số nguyên từ 1 trở lên", "cchc demo --help"),
    (["demo", "--out"], "tham số --out: cần ghi một giá trị ngay sau tham số", "cchc demo --help"),
    (["forms", "thua"], "không hiểu tham số: thua", "cchc --help"),
    (["units", "--province"], "tham số --province: cần ghi một giá trị", "cchc units --help"),
    (["units", "--tinh", "Sơn La"], "không hiểu tham số: --tinh", "cchc --help"),
    (["generate"], "thiếu tham số bắt buộc: MÃ_BIỂU_MẪU, --registry", "cchc generate --help"),
    (["generate", FORM, "--registry", REGISTRY, "--period", "24"],
     "tham số --period: năm báo cáo '24' không hợp lệ: ghi năm đủ bốn chữ số, từ 2000 đến 2100, ví dụ 2024",
     "cchc generate --help"),
    (["generate", FORM, "--registry", REGISTRY, "--period", "1999"], "năm báo cáo '1999' không hợp lệ", ""),
    (["generate", FORM, "--registry", REGISTRY, "--period", "2101"], "năm báo cáo '2101' không hợp lệ", ""),
    (["generate", FORM, "--registry", REGISTRY, "--period", "2024.5"], "năm báo cáo '2024.5' không hợp lệ", ""),
    (["generate", FORM, "--registry", REGISTRY, "--period", "năm nay"], "năm báo cáo 'năm nay' không hợp lệ", ""),
    (["generate", FORM, "--registry", REGISTRY, "--deadline", "31/02/2024"],
     "tham số --deadline: ngày '31/02/2024' không hợp lệ: dùng dạng ngày/tháng/năm, ví dụ 20/04/2024", ""),
    (["generate", FORM, "--registry", REGISTRY, "--jobs", "-2"], "số tiến trình '-2' không hợp lệ", ""),
    (["check"], "thiếu tham số bắt buộc: TỆP", "cchc check --help"),
    (["check", "--jon", "a.xlsx"], "không hiểu tham số: --jon", ""),
    (["consolidate", "tep_gui_ve"], "thiếu tham số bắt buộc: --form, --registry", "cchc consolidate --help"),
    (["consolidate", "tep_gui_ve", "--form", FORM, "--registry", REGISTRY, "--period", "24"],
     "tham số --period: năm báo cáo '24' không hợp lệ", "cchc consolidate --help"),
    (["consolidate", "tep_gui_ve", "--form", FORM, "--registry", REGISTRY, "--jobs", "hai"],
     "tham số --jobs: số tiến trình 'hai' không hợp lệ: ghi một số nguyên từ 1 trở lên", ""),
    (["consolidate", "tep_gui_ve", "--form", FORM, "--registry", REGISTRY, "--data-format", "xml"],
     "tham số --data-format: không có lựa chọn 'xml'; hãy chọn một trong: 'parquet', 'csv', 'none'", ""),
    (["addin", "khong-co"], "không có lựa chọn 'khong-co'", "cchc addin --help"),
    (["addin", "build"], "thiếu tham số bắt buộc: --out", "cchc addin build --help"),
    (["addin", "serve", "--port", "x"], "tham số --port: cổng 'x' không hợp lệ: ghi một số nguyên từ 1 đến 65535",
     "cchc addin serve --help"),
    (["addin", "serve", "--port", "70000"], "cổng '70000' không hợp lệ", ""),
    (["addin", "serve", "--max-mb", "-1"], "tham số --max-mb: '-1' không phải là số lớn hơn 0", ""),
    (["addin", "lite", "--out"], "tham số --out: cần ghi một giá trị", "cchc addin lite --help"),
]


@pytest.mark.parametrize(("args", "said", "help_hint"), WRONG_ARGUMENTS, ids=lambda v: None)
def test_wrong_arguments_are_explained(args: list, said: str, help_hint: str, tmp_path: Path) -> None:
    result = run_cchc(*args, cwd=tmp_path)
    assert_told(result, 2, "Lỗi trong lệnh: ", said, "Cách dùng: cchc", help_hint)
    assert list(tmp_path.iterdir()) == []  # nothing written on a wrong command line


def test_period_24_is_refused_and_2024_accepted(tmp_path: Path) -> None:
    """``--period 24`` used to print "Năm 23 / Năm 24"; a real year makes the two columns of the form."""
    assert_told(run_cchc("generate", "sonla-2024", "--registry", SONLA_REGISTRY, "--period", "24",
                         "--out", tmp_path / "a"), 2, "năm báo cáo '24' không hợp lệ")
    assert not (tmp_path / "a").exists()
    result = run_cchc("generate", FORM, "--registry", REGISTRY, "--period", "2025", "--out", tmp_path / "b",
                      "--jobs", "1")
    assert result.code == 0, result.text
    book = openpyxl.load_workbook(tmp_path / "b" / TEMPLATE)
    headers = {str(c.value) for ws in book.worksheets for row in ws.iter_rows(max_row=12) for c in row if c.value}
    assert any("2025" in h for h in headers) and not any("Năm 25" in h for h in headers)


def test_version_and_help() -> None:
    version = run_cchc("--version")
    assert version.code == 0 and version.out.startswith("cchc phiên bản "), version.text
    assert version.out.split()[-1][0].isdigit()
    helped = run_cchc("--help")
    assert helped.code == 0
    for command in ("demo", "forms", "units", "generate", "check", "consolidate", "addin"):
        assert f"    {command}" in helped.out
    assert "--version" in helped.out and "In số phiên bản rồi thoát" in helped.out
    assert "show this help" not in helped.out and "usage:" not in helped.out


def test_unknown_form_says_which_forms_exist(tmp_path: Path) -> None:
    result = run_cchc("generate", "khong-co", "--registry", REGISTRY, "--out", tmp_path / "o")
    assert_told(result, 2, "Lỗi: Không có biểu mẫu 'khong-co'. Các biểu mẫu có sẵn: bacgiang-2022,",
                "Hãy ghi đúng mã biểu mẫu (xem lệnh cchc forms).")
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- 2. missing paths


def test_missing_paths(tmp_path: Path) -> None:
    missing = tmp_path / "khong_co"
    assert_told(run_cchc("check", missing / "phu_luc.xlsx"), 2,
                "phu_luc.xlsx: không đọc được — Không mở được tệp phu_luc.xlsx (không tìm thấy tệp).",
                "Hãy kiểm tra tệp còn trong thư mục và được phép đọc, rồi chạy lại.")
    # the registry's own messages (its module's wording): exit code 1, the file named
    assert_told(run_cchc("generate", FORM, "--registry", missing / "don_vi.csv", "--out", tmp_path / "o"), 1,
                "don_vi.csv")
    assert_told(run_cchc("units", "--check", missing / "don_vi.csv"), 1, "don_vi.csv")
    assert_told(run_cchc("consolidate", missing, "--form", FORM, "--registry", REGISTRY, "--out",
                         tmp_path / "th.xlsx"), 2, "Không tìm thấy thư mục")
    assert not (tmp_path / "o").exists() and not (tmp_path / "th.xlsx").exists()


# --------------------------------------------------------------------------- 3. wrong-type paths


def test_a_folder_where_a_file_is_expected(tmp_path: Path, generated: Path) -> None:
    folder = tmp_path / "thu_muc.xlsx"  # (``cchc check FOLDER`` is meant to check every return in it)
    folder.mkdir()
    assert_told(run_cchc("units", "--province", "Sơn La", "--out", folder), 2,
                f"'{folder}' là một thư mục, nhưng ở đây cần một tệp", "Hãy ghi đường dẫn đến một tệp")
    registry_dir = tmp_path / "don_vi"
    registry_dir.mkdir()
    assert_told(run_cchc("generate", FORM, "--registry", registry_dir, "--out", tmp_path / "o"), 1, "don_vi")
    assert_told(run_cchc("units", "--check", registry_dir), 1, "don_vi")
    out = tmp_path / "bieu_mau"
    (out / TEMPLATE).mkdir(parents=True)  # a folder named like the blank template
    assert_told(run_cchc("generate", FORM, "--registry", REGISTRY, "--out", out), 2,
                f"'{out / TEMPLATE}' là một thư mục, nhưng ở đây cần một tệp")
    assert sorted(p.name for p in out.iterdir()) == [TEMPLATE]  # checked before writing anything


def test_a_file_where_a_folder_is_expected(tmp_path: Path, a_file: Path) -> None:
    for args in (["generate", FORM, "--registry", REGISTRY, "--out", a_file],
                 ["addin", "build", "--out", a_file], ["addin", "lite", "--out", a_file]):
        assert_told(run_cchc(*args), 2, f"'{a_file}' đã có và là một tệp, nhưng ở đây cần một thư mục",
                    "Hãy chọn một tên thư mục khác")
    assert_told(run_cchc("demo", "--out", a_file / "sub", "--jobs", "1"), 2,
                "không dùng được làm thư mục: đã có một tệp trùng tên trên đường dẫn")
    assert_told(run_cchc("consolidate", a_file, "--form", FORM, "--registry", REGISTRY), 2, "ghi_chu.txt")
    assert a_file.read_text(encoding="utf-8") == "không phải thư mục"


def test_a_file_of_the_wrong_kind(tmp_path: Path, generated: Path) -> None:
    text = tmp_path / "bao_cao.xlsx"
    text.write_text("Đây là văn bản, không phải bảng tính", encoding="utf-8")
    assert_told(run_cchc("check", text), 2, "Tệp bao_cao.xlsx không phải là tệp bảng tính (.xlsx, .xlsm, .xls, "
                ".ods): có thể là tệp Word, PDF hay văn bản đã đổi đuôi. Hãy gửi đúng tệp phụ lục đã điền.")
    # a workbook given where the unit registry is expected: the registry's own message, exit code 1
    assert_told(run_cchc("generate", FORM, "--registry", generated / TEMPLATE, "--out", tmp_path / "o"), 1,
                f"{TEMPLATE}: danh sách đơn vị có")
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- 4. locked and read-only


def test_locked_files_cannot_be_read(tmp_path: Path, generated: Path) -> None:
    workbook = tmp_path / "phu_luc.xlsx"
    shutil.copy(generated / TEMPLATE, workbook)
    registry = tmp_path / "don_vi.csv"
    shutil.copy(REGISTRY, registry)
    with mode(workbook, 0), mode(registry, 0):
        assert_told(run_without_override("check", workbook), 2,
                    "Không mở được tệp phu_luc.xlsx (không có quyền đọc tệp).",
                    "Hãy kiểm tra tệp còn trong thư mục và được phép đọc, rồi chạy lại.")
        locked = ("don_vi.csv: không đọc được tệp (không có quyền đọc hoặc tệp đang bị khóa). Hãy đóng tệp trong "
                  "Excel hoặc kiểm tra quyền truy cập rồi chạy lại.")  # the registry's own message: exit code 1
        assert_told(run_without_override("generate", FORM, "--registry", registry, "--out", tmp_path / "o"), 1,
                    locked)
        assert_told(run_without_override("units", "--check", registry), 1, locked)
        assert_told(run_without_override("consolidate", tmp_path, "--form", FORM, "--registry", registry,
                                         "--out", tmp_path / "th.xlsx"), 2, "don_vi.csv")


def test_a_read_only_output_file_is_named_with_what_to_do(tmp_path: Path, generated: Path) -> None:
    out = tmp_path / "bieu_mau"
    shutil.copytree(generated, out)
    before = (out / TEMPLATE).read_bytes()
    with mode(out / TEMPLATE, 0o444):
        result = run_without_override("generate", FORM, "--registry", REGISTRY, "--out", out)
    assert_told(result, 2, f"Không ghi được '{out / TEMPLATE}'",
                f"Hãy đóng tệp {TEMPLATE} {CLOSE_IN_EXCEL}; nếu tệp không mở, hãy bỏ thuộc tính chỉ đọc")
    assert (out / TEMPLATE).read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in generated.iterdir())  # no .tmp

    units_out = tmp_path / "don_vi.csv"
    units_out.write_text("code,name,level\n", encoding="utf-8")
    with mode(units_out, 0o444):
        result = run_without_override("units", "--province", "Sơn La", "--out", units_out)
    assert_told(result, 2, f"Hãy đóng tệp don_vi.csv {CLOSE_IN_EXCEL}")
    assert units_out.read_text(encoding="utf-8") == "code,name,level\n"


def test_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "chi_doc"
    folder.mkdir()
    with mode(folder, 0o555):
        for args in (["generate", FORM, "--registry", REGISTRY, "--out", folder],
                     ["generate", FORM, "--registry", REGISTRY, "--out", folder / "con"]):
            assert_told(run_without_override(*args), 2, "Không ghi được vào thư mục",
                        "Hãy chọn một thư mục khác (--out)")
        assert_told(run_without_override("demo", "--out", folder, "--jobs", "1"), 2,
                    f"Không ghi được vào thư mục '{folder}'")
        for sub in ("build", "lite"):
            assert_told(run_without_override("addin", sub, "--out", folder / "x"), 2,
                        f"Không ghi được vào thư mục '{folder}'")
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(not IS_ROOT, reason="chattr +i cần quyền root")
def test_an_immutable_output_file_says_operation_not_permitted_in_vietnamese(tmp_path: Path,
                                                                             generated: Path) -> None:
    """EPERM ("Operation not permitted"), as a file locked by another program on some systems."""
    out = tmp_path / "bieu_mau"
    shutil.copytree(generated, out)
    if subprocess.run(["chattr", "+i", out / TEMPLATE], capture_output=True).returncode != 0:
        pytest.skip("hệ thống tệp không hỗ trợ chattr +i")
    try:
        result = run_cchc("generate", FORM, "--registry", REGISTRY, "--out", out)
    finally:
        subprocess.run(["chattr", "-i", out / TEMPLATE], check=True)
    assert_told(result, 2, f"Không ghi được '{out / TEMPLATE}'", f"Hãy đóng tệp {TEMPLATE} {CLOSE_IN_EXCEL}")
    assert not list(out.glob("*.tmp"))


def test_a_write_that_fails_midway_leaves_no_tmp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Past the up-front checks (a file locked in between), the writer's ``.tmp`` files are removed."""
    import cchc.commands.generate as generate
    from cchc.cli import main

    monkeypatch.setattr(generate, "check_writable", lambda out_dir, paths: out_dir.mkdir(exist_ok=True))
    out = tmp_path / "bieu_mau"
    (out / TEMPLATE).mkdir(parents=True)  # renaming the template's .tmp onto it fails
    code = main(["generate", FORM, "--registry", str(REGISTRY), "--out", str(out), "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"'{out / TEMPLATE}' là một thư mục" in err and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == [TEMPLATE]


# --------------------------------------------------------------------------- 5. nothing skipped silently


def sonla_units_by_level() -> dict[str, list[dict[str, str]]]:
    """The sample Sơn La registry's rows (read with the csv module), by level."""
    with SONLA_REGISTRY.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_level: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_level.setdefault(row["level"], []).append(row)
    return by_level


def test_generate_says_why_the_province_unit_gets_no_file(tmp_path: Path) -> None:
    result = run_cchc("generate", "sonla-2024", "--registry", SONLA_REGISTRY, "--out", tmp_path, "--jobs", "2")
    assert result.code == 0, result.text
    levels = get_form("sonla-2024").levels
    by_level = sonla_units_by_level()
    expected = [row for level in levels for row in by_level.get(level, [])]
    skipped = sum(len(rows) for level, rows in by_level.items() if level not in levels)
    written = sorted(tmp_path.glob("*.xlsx"))
    assert len(written) == len(expected) + 1  # + the blank template
    assert f"Đã tạo {len(expected)} tệp cho các đơn vị và 1 mẫu trống" in result.out
    assert (f"Không tạo tệp cho {skipped} đơn vị trong danh sách vì biểu mẫu sonla-2024 không áp dụng cho các "
            "đơn vị này:\n  - UBND tỉnh Sơn La (P14, cấp UBND tỉnh / cơ quan cấp tỉnh tổng hợp): biểu mẫu chỉ "
            "dành cho ") in result.out
    assert result.out.count("\n  - ") == skipped  # every unit without a file, named with why


# --------------------------------------------------------------------------- 6. a bug, and --debug


def test_a_programming_bug_is_reported_without_traceback_unless_debug(monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import cchc.commands.forms as forms
    from cchc.cli import main

    def broken(args: object) -> int:
        return 1 // 0

    monkeypatch.setattr(forms, "run", broken)
    assert main(["forms"]) == 3
    err = capsys.readouterr().err
    assert "Lỗi: Chương trình gặp lỗi không mong đợi (ZeroDivisionError)" in err
    assert "cchc --debug" in err and "Traceback" not in err
    with pytest.raises(ZeroDivisionError):
        main(["--debug", "forms"])


# --------------------------------------------------------------------------- 7. the README's first command


def test_demo_still_runs(tmp_path: Path) -> None:
    """``cchc demo`` exactly as the README's first command (default folder ``cchc_demo``)."""
    result = run_cchc("demo", cwd=tmp_path)
    assert result.code == 0, result.text
    assert "Traceback" not in result.text
    demo = tmp_path / "cchc_demo"
    returned = sorted((demo / "tep_don_vi_gui_ve").iterdir())
    assert f"Bước 2: {len(returned)} tệp gửi về" in " ".join(result.out.split())
    levels = get_form("sonla-2024").levels
    expected = sum(len(rows) for level, rows in sonla_units_by_level().items() if level in levels)
    assert len(list((demo / "bieu_mau").glob("*.xlsx"))) == expected + 1  # + the template
    assert f"Bước 1: đã sinh {expected} tệp Excel" in " ".join(result.out.split())
    book = openpyxl.load_workbook(demo / "tong_hop.xlsx", read_only=True)
    assert len(book.sheetnames) > 3
