"""``cchc consolidate`` on a folder holding every file-system oddity beside good returns (issue 11 item 3).

The folder is built here: names that are not UTF-8 (what unzipping a Windows zip gives), names
with console markup, terminal escapes, a newline or a direction override, a named pipe, a socket,
a device, dangling and looping links, links out of the folder (to a real return of another unit
and to a folder of returns), links to a folder and to a pipe inside, an empty file, an Excel lock
file, look-alikes of the tool's temporary files, and the tool's own leftover temporary file.
Oracles: the exit code, the console text, the output workbook read with openpyxl, the SQLite
store read with sqlite3, a byte-and-metadata snapshot of the inputs, and the totals of a run
over the good returns alone.
"""

from __future__ import annotations

import hashlib
import os
import random
import socket
import sqlite3
import stat
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import run_cchc

from consolidate.labels import REASON_LABELS
from simulate import plausible_prefill
from workbooks.catalog.loader import get_form, known_levels
from workbooks.messages import say
from workbooks.registry import Unit, load_registry, write_registry
from workbooks.writer import UnitInfo, generate_workbook, workbook_filename

ROOT = Path(__file__).resolve().parents[1]
FORM_ID = "sonla-2024"
JUNK = b"khong phai tep Excel"


def _units() -> list[Unit]:
    sample = load_registry(ROOT / "workbooks" / "registries" / "sonla.csv")
    return [u for u in sample if u.level == "tinh"] + [u for u in sample if u.level == "so_nganh"][:5]


def _write_return(unit: Unit, folder: Path, seed: int) -> Path:
    form = get_form(FORM_ID)
    info = UnitInfo(unit.code, unit.name, unit.level, known_levels()[unit.level])
    prefill = plausible_prefill(form, unit.level, random.Random(seed), form.period.default_year)
    return generate_workbook(form, folder / workbook_filename(form, info), info, form.period.default_year,
                             prefill=prefill)


def _snapshot(folder: Path) -> dict[bytes, tuple[Any, ...]]:
    """Every entry under ``folder`` (never following links, never opening anything but files)."""
    shot: dict[bytes, tuple[Any, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(os.fsencode(folder)):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            extra: Any = None
            if stat.S_ISLNK(st.st_mode):
                extra = os.readlink(path)
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as handle:
                    extra = hashlib.sha256(handle.read()).hexdigest()
            shot[path] = (st.st_mode, st.st_size, st.st_mtime_ns, extra)
    return shot


def _sheet(path: Path, title: str) -> list[tuple[Any, ...]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in wb[title].iter_rows(values_only=True)]
    finally:
        wb.close()


def _label(reason_id: str) -> str:
    """The "Lý do" of a file never opened: the catalogue's ``scan.*`` text, or the two older labels."""
    return REASON_LABELS.get(reason_id) or say(reason_id).text


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A clean folder of 3 good returns and the same returns among every oddity; both consolidated."""
    base = tmp_path_factory.mktemp("oddities")
    units = _units()
    registry = write_registry(units, base / "units.csv")
    clean, odd, outside = base / "clean", base / "odd", base / "outside"
    for folder in (clean, odd, outside, outside / "returns"):
        folder.mkdir()
    for i, unit in enumerate(units[1:4]):
        _write_return(unit, clean, i)
        _write_return(unit, odd, i)
    foreign = _write_return(units[4], outside, 99)  # a real return of a 4th unit, outside the folder
    _write_return(units[5], outside / "returns", 98)

    expected: dict[str, str] = {}  # printable name -> reason label shown to the Sở ("" = rejected by the reader)

    def junk(name: str | bytes, content: bytes = JUNK, where: Path = odd) -> None:
        with open(os.path.join(os.fsencode(where), os.fsencode(name) if isinstance(name, str) else name), "wb") as f:
            f.write(content)

    junk(b"B\xe1o c\xe1o x\xe3 Qu\xe0i T\xf4.xlsx")  # cp1258 bytes, as an old zip stores them
    expected["B\\xe1o c\\xe1o x\\xe3 Qu\\xe0i T\\xf4.xlsx"] = _label("scan.name_not_utf8")
    os.mkdir(os.path.join(os.fsencode(odd), b"Th\xf9 m\xf9c"))
    junk(b"Th\xf9 m\xf9c/phu_luc.xlsx")
    expected["Th\\xf9 m\\xf9c/phu_luc.xlsx"] = _label("scan.name_not_utf8")
    (odd / "bao cao [").mkdir()
    junk("bao cao [/] [bold]xa.xlsx")
    expected["bao cao [/] [bold]xa.xlsx"] = ""
    junk("[bold red]Phường [link=mailto:x@x.vn]Tô Hiệu.xlsx")
    expected["[bold red]Phường [link=mailto:x@x.vn]Tô Hiệu.xlsx"] = ""
    junk("xa \x1b[31mdo\x1b[0m\x1b]0;owned\x07.xlsx")
    expected["xa \\x1b[31mdo\\x1b[0m\\x1b]0;owned\\x07.xlsx"] = ""
    junk("dong\nmoi.xlsx")
    expected["dong\\x0amoi.xlsx"] = ""
    junk("bao cao\u202eslx.exe.xlsx")
    expected["bao cao\\u202eslx.exe.xlsx"] = ""
    os.mkfifo(odd / "ong_dan.xlsx")
    expected["ong_dan.xlsx"] = _label("scan.fifo")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(odd / "socket.xlsx"))
    expected["socket.xlsx"] = _label("scan.socket")
    try:
        os.mknod(odd / "thiet_bi.xlsx", stat.S_IFCHR | 0o644, os.makedev(1, 3))
        expected["thiet_bi.xlsx"] = _label("scan.device")
    except PermissionError:
        pass  # unprivileged: the device kind is not built
    (odd / "mat_dich.xlsx").symlink_to(odd / "khong_con.xlsx")
    expected["mat_dich.xlsx"] = _label("scan.dangling_link")
    (odd / "vong.xlsx").symlink_to(odd / "vong.xlsx")
    expected["vong.xlsx"] = _label("scan.link_loop")
    (odd / "ngoai.xlsx").symlink_to(foreign)
    expected["ngoai.xlsx"] = _label("scan.link_outside")
    (odd / "thu_muc_ngoai").symlink_to(outside / "returns")
    expected["thu_muc_ngoai"] = _label("scan.link_outside")
    (odd / "thu_muc_trong").symlink_to(odd / "bao cao [")
    expected["thu_muc_trong"] = _label("scan.link_to_folder")
    (odd / "toi_ong_dan.xlsx").symlink_to(odd / "ong_dan.xlsx")
    expected["toi_ong_dan.xlsx"] = _label("scan.link_to_special")
    junk("rong.xlsx", b"")
    expected["rong.xlsx"] = ""
    junk("~$khoa.xlsx", b"lock")
    expected["~$khoa.xlsx"] = _label("lock_file")
    junk("ghi_chu.cchc-tmp")
    expected["ghi_chu.cchc-tmp"] = _label("other_extension")
    junk(".khac.xlsx.cchc-tmp")
    expected[".khac.xlsx.cchc-tmp"] = _label("other_extension")
    junk(".an.xlsx")
    expected[".an.xlsx"] = ""
    junk("x" * 240 + ".xlsx")
    expected["x" * 240 + ".xlsx"] = ""
    if os.geteuid() != 0:  # root reads any folder: the kind only exists for ordinary users
        (odd / "khoa_quyen").mkdir()
        junk("khoa_quyen/a.xlsx")
        os.chmod(odd / "khoa_quyen", 0)
        expected["khoa_quyen"] = _label("scan.folder_unreadable")
    out = odd / "tong_hop.xlsx"
    junk(".tong_hop.xlsx.cchc-tmp", b"leftover of a killed run")  # the tool's own: skipped, not listed

    before = _snapshot(odd)
    result = run_cchc("consolidate", "--form", FORM_ID, "--registry", registry, "--out", out, odd, timeout=240)
    after = _snapshot(odd)
    clean_result = run_cchc("consolidate", "--form", FORM_ID, "--registry", registry,
                            "--out", base / "clean_out.xlsx", clean, timeout=240)
    sock.close()
    os.chmod(odd / "khoa_quyen", 0o755) if (odd / "khoa_quyen").exists() else None
    good = sorted(p.name for p in clean.iterdir())
    return {"result": result, "clean": clean_result, "out": out, "clean_out": base / "clean_out.xlsx",
            "expected": expected, "good": good, "before": before, "after": after, "odd": odd,
            "foreign_unit": units[4].code}


def test_exit_0_and_no_traceback(rounds: dict[str, Any]) -> None:
    result = rounds["result"]
    assert result.code == 0, result.text[-3000:]
    assert "Traceback" not in result.text and rounds["clean"].code == 0
    assert "\x1b" not in result.text and "\u202e" not in result.text and "\x07" not in result.text
    assert "bao cao [/] [bold]xa.xlsx" in result.out  # markup printed as text
    assert f"Kết quả đọc {len(rounds['expected']) + len(rounds['good'])} tệp" in result.out


def test_every_entry_accounted_for_with_a_vietnamese_reason(rounds: dict[str, Any]) -> None:
    header, *rows = _sheet(rounds["out"], "Tệp đã nhận")
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    expected = rounds["expected"]
    assert set(by_name) == set(expected) | set(rounds["good"])
    for name in rounds["good"]:
        assert by_name[name]["Dùng để tổng hợp"] == "Có", by_name[name]
    for name, label in expected.items():
        row = by_name[name]
        assert row["Dùng để tổng hợp"] == "Không", row
        assert row["Lý do"], row
        if label:
            assert row["Lý do"] == label, row
    assert ".tong_hop.xlsx.cchc-tmp" not in by_name  # only the tool's own temporary file is left out
    unusable = {r[0]: r for r in _sheet(rounds["out"], "Tệp không dùng được")[1:]}
    assert set(unusable) == set(expected)
    assert all(r[2] for r in unusable.values())  # a detail (what it is, what to do) for each


def test_output_workbook_holds_no_control_character(rounds: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(rounds["out"], read_only=True)
    try:
        texts = [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
                 if isinstance(c, str)]
    finally:
        wb.close()
    assert texts and not [t for t in texts if any(ch in t for ch in ("\x1b", "\x07", "\u202e"))]


def test_links_out_of_the_folder_are_not_followed(rounds: dict[str, Any]) -> None:
    missing = _sheet(rounds["out"], "Chưa nộp")
    assert any(rounds["foreign_unit"] in (c for c in row if isinstance(c, str)) for row in missing)


def test_store_holds_printable_names(rounds: dict[str, Any]) -> None:
    """What the store shows (rel, message) is printable; ``path`` keeps the true name to find the file."""
    store = rounds["out"].with_suffix(".sqlite")
    con = sqlite3.connect(store)
    try:
        rows = list(con.execute("select rel, message, path from run_files"))
    finally:
        con.close()
    assert {r[0] for r in rows} == set(rounds["expected"]) | set(rounds["good"])
    shown = [t for rel, message, _ in rows for t in (rel, message or "")]
    assert not any(c in t for t in shown for c in ("\x1b", "\n", "\u202e", "\x07"))
    paths = {path for _, _, path in rows}
    assert str(rounds["odd"] / "dong\nmoi.xlsx") in paths  # read under its real name
    assert all(path.encode("utf-8") for path in paths)  # undecodable names stored as printable text


def test_totals_of_the_good_returns_unchanged(rounds: dict[str, Any]) -> None:
    def totals(path: Path) -> list[tuple[Any, ...]]:  # without the line naming the folder and time
        return [r for r in _sheet(path, "Tổng hợp") if not str(r[0] or "").startswith("Tổng hợp lúc")]

    odd, clean = totals(rounds["out"]), totals(rounds["clean_out"])
    assert len(odd) > 20 and odd == clean


def test_inputs_unchanged(rounds: dict[str, Any]) -> None:
    before, after = rounds["before"], rounds["after"]
    own = {os.path.join(os.fsencode(rounds["odd"]), name) for name in
           (b".tong_hop.xlsx.cchc-tmp", b"tong_hop.xlsx", b"tong_hop.sqlite", b"tong_hop_du_lieu")}
    assert {k: v for k, v in before.items() if k not in own} == {
        k: v for k, v in after.items() if k not in own and not k.startswith(tuple(o + b"/" for o in own))}
