"""The cases of issue 12 item 7 the first round of command-line errors left open, played as a user would.

``cchc consolidate`` with a folder it may not open, a ``--store`` that is a folder or cannot be
written, a ``--registry`` that is a folder, missing or of another kind (an ``.ods`` saved by
LibreOffice); ``cchc units`` with nothing to do; ``cchc generate`` without a usable registry;
``cchc addin serve`` on a port in use or without its licence key; ``cchc check`` on a missing
file, a folder without a spreadsheet, a named pipe and a folder it may not open. Each runs
``cchc …`` as a fresh process and asserts the exit code, the exact Vietnamese text (with what to
do), and that no traceback and no English system text reaches the user (``assert_told``).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, run_cchc
from test_cli_errors import FORM, REGISTRY, TEMPLATE, assert_told, mode, run_without_override

from workbooks.messages import catalogue

MISSING_UNITS = "chưa nộp: 9"  # what a run that read nothing says (tuangiao: 9 units must report)


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of real workbooks (``cchc generate``), as if the units had sent them back."""
    out = tmp_path_factory.mktemp("tep_gui_ve")
    result = run_cchc("generate", FORM, "--registry", REGISTRY, "--out", out, "--jobs", "1")
    assert result.code == 0, result.text
    return out


def consolidate(folder: Path, out: Path, *extra: str | os.PathLike, registry: Path = REGISTRY,
                locked: bool = False):  # noqa: ANN201 - CommandResult
    """``cchc consolidate FOLDER`` of the test form, one process; ``locked``: file modes enforced."""
    args = ("consolidate", folder, "--form", FORM, "--registry", registry, "--out", out, "--jobs", "1", *extra)
    return run_without_override(*args) if locked else run_cchc(*args)


# --------------------------------------------------------------------------- 1. cchc consolidate


def test_consolidate_folder_it_may_not_read_is_an_error_not_every_unit_missing(tmp_path: Path,
                                                                               returns: Path) -> None:
    folder = tmp_path / "tep_gui_ve"
    shutil.copytree(returns, folder)
    out = tmp_path / "tong_hop.xlsx"
    with mode(folder, 0):
        result = consolidate(folder, out, locked=True)
    assert_told(result, 2, f"Lỗi: Không mở được thư mục '{folder}': không có quyền truy cập.",
                "Hãy chép các tệp sang một thư mục của mình, hoặc nhờ quản trị máy cấp quyền đọc thư mục "
                "này, rồi chạy lại.")
    assert MISSING_UNITS not in result.text
    assert not out.exists() and not out.with_suffix(".sqlite").exists()
    readable = consolidate(folder, out)  # the same folder, readable again: every return is read
    assert readable.code == 0, readable.text
    assert "có số liệu được tổng hợp: 0; chưa nộp: 9" not in " ".join(readable.out.split())


def test_consolidate_store_that_is_a_folder(tmp_path: Path, returns: Path) -> None:
    store = tmp_path / "kho"
    store.mkdir()
    out = tmp_path / "tong_hop.xlsx"
    assert_told(consolidate(returns, out, "--store", store), 2,
                f"Lỗi: Kho dữ liệu --store '{store}' là một thư mục, nhưng kho dữ liệu là một tệp.",
                f"Hãy ghi tên tệp kho, ví dụ --store \"{store}/tong_hop.sqlite\", hoặc bỏ --store để dùng kho "
                "cạnh tệp kết quả (--out).")
    assert not out.exists() and list(store.iterdir()) == []


STORE_UNWRITABLE = ("Hãy đóng chương trình đang mở tệp kho, hoặc chọn kho ở một thư mục ghi được (ví dụ --store "
                    "tong_hop.sqlite trong thư mục đang đứng), hoặc bỏ --store để dùng kho cạnh tệp kết quả "
                    "(--out), rồi chạy lại.")


def test_consolidate_store_in_a_read_only_folder(tmp_path: Path, returns: Path) -> None:
    folder = tmp_path / "chi_doc"
    folder.mkdir()
    out = tmp_path / "tong_hop.xlsx"
    for store in (folder / "kho.sqlite", folder / "con" / "kho.sqlite"):  # its folder, or a folder to create
        with mode(folder, 0o555):
            result = consolidate(returns, out, "--store", store, locked=True)
        assert_told(result, 1, f"Lỗi: Không ghi được kho dữ liệu --store '{store}': thư mục không cho ghi, "
                    "hoặc tệp chỉ cho phép đọc hay đang được chương trình khác mở.", STORE_UNWRITABLE)
        assert "unable to open" not in result.text
    assert list(folder.iterdir()) == [] and not out.exists()


def test_consolidate_read_only_store_file(tmp_path: Path, returns: Path) -> None:
    store = tmp_path / "kho.sqlite"
    first = consolidate(returns, tmp_path / "lan1.xlsx", "--store", store)
    assert first.code == 0, first.text
    before = store.read_bytes()
    with mode(store, 0o444):
        result = consolidate(returns, tmp_path / "lan2.xlsx", "--store", store, locked=True)
    assert_told(result, 1, f"Không ghi được kho dữ liệu --store '{store}'", STORE_UNWRITABLE)
    assert store.read_bytes() == before and not (tmp_path / "lan2.xlsx").exists()


def test_consolidate_registry_folder_missing_or_of_another_kind(tmp_path: Path, returns: Path, soffice) -> None:
    out = tmp_path / "tong_hop.xlsx"
    folder = tmp_path / "don_vi"
    folder.mkdir()
    assert_told(consolidate(returns, out, registry=folder), 2,
                "Lỗi: don_vi: đây là một thư mục, không phải tệp danh sách. Hãy chỉ ra tệp .csv hoặc .xlsx nằm "
                "trong thư mục đó (ví dụ --registry don_vi.csv).")
    assert_told(consolidate(returns, out, registry=tmp_path / "khong_co.csv"), 2,
                "Lỗi: khong_co.csv: không tìm thấy tệp. Kiểm tra lại đường dẫn và tên tệp danh sách đơn vị.")
    ods = soffice(REGISTRY, "ods", tmp_path / "lo")  # the registry saved by LibreOffice in its own format
    assert_told(consolidate(returns, out, registry=ods), 2,
                f"Lỗi: {ods.name}: không đọc được tệp '.ods'. Hãy mở tệp bằng Excel hoặc LibreOffice và lưu lại "
                "dạng .csv (UTF-8) hoặc .xlsx, hoặc lập danh sách bằng lệnh cchc units --province TỈNH.")
    assert not out.exists()


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--period", "24", "tham số --period: năm báo cáo '24' không hợp lệ: ghi năm đủ bốn chữ số, từ 2000 đến "
                       "2100, ví dụ 2024"),
    ("--period", "2024 ", None),  # a year typed with a blank is still the year
    ("--jobs", "0", "tham số --jobs: số tiến trình '0' không hợp lệ: ghi một số nguyên từ 1 trở lên, ví dụ 2 "
                    "(bỏ --jobs để dùng mọi lõi CPU)"),
    ("--jobs", "-1", "tham số --jobs: số tiến trình '-1' không hợp lệ: ghi một số nguyên từ 1 trở lên, ví dụ 2 "
                     "(bỏ --jobs để dùng mọi lõi CPU)"),
])
def test_consolidate_period_and_jobs_use_the_shared_types(option: str, value: str, said: str | None,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "tong_hop.xlsx"
    result = run_cchc("consolidate", tmp_path, "--form", FORM, "--registry", REGISTRY, "--out", out, option, value)
    if said is None:
        assert result.code == 0, result.text
        return
    assert_told(result, 2, f"Lỗi trong lệnh: {said}.", "Xem cách dùng: cchc consolidate --help")
    assert not out.exists()


# --------------------------------------------------------------------------- 2. units, 3. generate


def test_units_without_arguments_says_what_to_give() -> None:
    result = run_cchc("units")
    assert_told(result, 2, "Lệnh cchc units cần biết việc cần làm.",
                "Dùng --province TỈNH để lập danh sách, --check TỆP để kiểm tra một danh sách, hoặc --mergers "
                "để xem các tỉnh đã hợp nhất.")
    assert result.out == ""


REGISTRY_ERRORS = re.compile(r"registry\.(file|header|code|name|level|forms|parent|departments|errors)\.|"
                             r"registry\.province\.unknown$|units\.(write_failed|action_missing|one_action)$")


def test_every_registry_error_says_what_to_do() -> None:
    entries = {key: entry for key, entry in catalogue().items() if REGISTRY_ERRORS.match(key)}
    assert len(entries) >= 25
    without = sorted(key for key, entry in entries.items() if not entry.get("fix", "").strip())
    assert without == []


def test_generate_without_a_usable_registry(tmp_path: Path) -> None:
    folder = tmp_path / "don_vi"
    folder.mkdir()
    out = tmp_path / "bieu_mau"
    assert_told(run_cchc("generate", FORM, "--registry", folder, "--out", out), 1,
                "don_vi: đây là một thư mục, không phải tệp danh sách. Hãy chỉ ra tệp .csv hoặc .xlsx nằm trong "
                "thư mục đó (ví dụ --registry don_vi.csv).")
    assert_told(run_cchc("generate", FORM, "--registry", tmp_path / "don_vi.csv", "--out", out), 1,
                "don_vi.csv: không tìm thấy tệp. Kiểm tra lại đường dẫn và tên tệp danh sách đơn vị.")
    assert not out.exists()


# --------------------------------------------------------------------------- 4. addin


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port of this machine another program listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_addin_serve_on_a_port_in_use(busy_port: int) -> None:
    pytest.importorskip("uvicorn")
    result = run_cchc("addin", "serve", "--port", str(busy_port), env={"XLWINGS_LICENSE_KEY": "noncommercial"},
                      timeout=60)
    assert_told(result, 2, f"Lỗi: Cổng {busy_port} trên 127.0.0.1 đang được một chương trình khác dùng (có thể là "
                "một máy chủ cchc đang chạy).",
                "Hãy dừng chương trình đang dùng cổng này, hoặc chọn cổng khác, ví dụ --port 8001.")
    assert "Máy chủ kiểm tra CCHC" not in result.text


def test_addin_serve_without_licence_key(busy_port: int) -> None:
    result = run_cchc("addin", "serve", "--port", str(busy_port), env={"XLWINGS_LICENSE_KEY": ""}, timeout=60)
    assert_told(result, 2, "Lỗi: Chưa đặt biến môi trường XLWINGS_LICENSE_KEY.",
                "Hãy đặt biến môi trường XLWINGS_LICENSE_KEY=noncommercial rồi chạy lại (xem "
                "addin/docs/may_chu.md).")


def test_addin_lite_says_what_it_wrote(tmp_path: Path) -> None:
    out = tmp_path / "lite"
    result = run_cchc("addin", "lite", "--out", out)
    assert result.code == 0, result.text
    said = re.fullmatch(r"Đã tạo (.+) trong (.+)\.\n", result.out)
    assert said is not None, result.out
    assert said[2] == str(out)
    assert sorted(said[1].split(", ")) == sorted(p.name for p in out.iterdir())  # every file written, named
    assert {"main.py", "requirements.txt"} <= set(said[1].split(", "))


# --------------------------------------------------------------------------- 5. check


def test_check_missing_file(tmp_path: Path) -> None:
    assert_told(run_cchc("check", tmp_path / "phu_luc.xlsx"), 2,
                "phu_luc.xlsx: không đọc được — Không mở được tệp phu_luc.xlsx (không tìm thấy tệp). Hãy kiểm tra "
                "tệp còn trong thư mục và được phép đọc, rồi chạy lại.")


def test_check_folder_without_a_spreadsheet(tmp_path: Path) -> None:
    folder = tmp_path / "thu_gui_ve"
    folder.mkdir()
    (folder / "ghi_chu.txt").write_text("Đơn vị gửi kèm công văn.", encoding="utf-8")
    assert_told(run_cchc("check", folder), 2,
                f"Không có tệp bảng tính (.xlsx, .xlsm, .xls, .ods) nào để kiểm tra trong {folder}.",
                "Hãy chỉ đúng tệp phụ lục hoặc thư mục chứa các tệp phụ lục.")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="hệ điều hành không có đường ống có tên")
def test_check_named_pipe_is_never_opened(tmp_path: Path) -> None:
    pipe = tmp_path / "phu_luc.xlsx"
    os.mkfifo(pipe)
    result = run_cchc("check", pipe, timeout=60)  # opening it would wait for a writer forever
    assert_told(result, 2, "phu_luc.xlsx: không đọc được — phu_luc.xlsx không phải là tệp thông thường (đường "
                "ống có tên (FIFO)) nên không được mở. Hãy chép tệp phụ lục thật vào thư mục rồi chạy lại.")


def test_check_folder_it_may_not_open(tmp_path: Path, returns: Path) -> None:
    folder = tmp_path / "tep_gui_ve"
    (folder / "xa").mkdir(parents=True)
    shutil.copy(returns / TEMPLATE, folder / "xa" / TEMPLATE)
    for refused in (folder, folder / "xa"):  # the folder named, or one inside it
        with mode(refused, 0):
            result = run_without_override("check", folder)
        assert_told(result, 2, f"Lỗi: Không mở được thư mục '{refused}': không có quyền truy cập.",
                    "nhờ quản trị máy cấp quyền đọc thư mục này")
        assert "Không có tệp bảng tính" not in result.text


# --------------------------------------------------------------------------- 6. README


def test_readme_quick_guide() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("```bash\npip install . && cchc demo\npip install '.[test]' && python -m pytest -q\n")
    guide = readme.split("## Hướng dẫn nhanh cho Sở Nội vụ", 1)[1].split("\n## ", 1)[0]
    for said in ("cchc units --check don_vi.csv", "--received", "cchc check tep_gui_ve", "Tệp chưa được điền"):
        assert said in guide, said


def test_readme_received_list_and_blank_return_as_described(tmp_path: Path, returns: Path) -> None:
    """What the quick guide promises: a mailbox list with ``tep`` and ``thoi_diem_nhan`` sets the received
    time (and says so); a unit's file sent back unfilled is one line in ``cchc check`` and is not counted."""
    unit_file = next(p.name for p in sorted(returns.glob("*.xlsx")) if "mau_trong" not in p.name)
    received = tmp_path / "nhan.csv"
    received.write_text(f"tep,thoi_diem_nhan\n{unit_file},15/01/2025 08:30\n", encoding="utf-8")
    out = tmp_path / "tong_hop.xlsx"
    result = consolidate(returns, out, "--received", received, "--deadline", "20/01/2025")
    assert result.code == 0, result.text
    sheet = openpyxl.load_workbook(out, read_only=True)["Tình trạng nộp"]
    rows = [[v for v in row if v is not None] for row in sheet.iter_rows(values_only=True)]
    row = next(r for r in rows if unit_file in r)
    assert "15/01/2025 08:30" in row and "danh sách thời điểm nhận (--received)" in row
    assert "Nộp nhưng có lỗi (không tính)" in row
    checked = run_cchc("check", returns / unit_file)
    assert checked.code == 1
    assert " ".join(checked.out.split()) == (f"{unit_file}: Tệp chưa được điền: chưa có ô số liệu nào được nhập. Hãy "
                                             "nhập số liệu vào các ô của biểu mẫu, lưu lại rồi kiểm tra lại.")
