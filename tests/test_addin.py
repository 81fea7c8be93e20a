"""The add-in: the core through xlwings' remote engine, the HTTP server, the .xlam, the task pane.

No Excel here: ``payload.payload_from_xlsx`` builds, from a real .xlsx, the body xlwings' Office.js
client would post; ``xw.Book(json=payload)`` runs the core exactly as the server does;
``payload.ClientBook`` applies the returned actions the way ``taskpane.js`` does, so a second
run sees the workbook after the first.
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import socket
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # xlwings PRO (remote engine), see docs

import httpx  # noqa: E402
import openpyxl  # noqa: E402
import pytest  # noqa: E402
import returns  # noqa: E402
import xlwings as xw  # noqa: E402
from conftest import IN_CI  # noqa: E402
from payload import ClientBook, payload_from_xlsx  # noqa: E402

from addin import results  # noqa: E402
from addin.core import check_book, clear_marks  # noqa: E402
from addin.marks import COMPUTED_FILL, INPUT_FILL, SEVERITY_FILL, parse_ref  # noqa: E402
from addin.xlam import BUTTONS, TEMPLATE, build  # noqa: E402
from simulate import add_mistakes, plausible_prefill  # noqa: E402
from workbooks.catalog.loader import get_form, known_levels  # noqa: E402
from workbooks.reader import ReturnRejected, grid_from_file, read_grid, read_return  # noqa: E402
from workbooks.reader.book import grid_from_book  # noqa: E402
from workbooks.writer import UnitInfo, generate_workbook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2024, 10, 20, 9, 15)
RED, YELLOW = SEVERITY_FILL["error"], SEVERITY_FILL["warning"]
MISTAKES = ["thousands_dot", "dash", "part_gt_whole", "done_gt_planned"]


# --------------------------------------------------------------------------- returns


def reference(path: Path) -> Any:
    """What ``cchc check`` reports for the file (reader on the file + validators)."""
    from cchc.commands.check import check_file

    result = check_file(path)
    assert result.report is not None, result.rejected
    return result.report


def key(finding: Any) -> tuple:
    """A finding as compared between the two paths."""
    return (finding.rule_id, finding.severity, finding.sheet, finding.cell, finding.message, finding.fix,
            tuple(finding.cells), finding.code, finding.column)


@pytest.fixture(scope="session")
def sonla(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Sơn La 2024 returns of a district: filled, with typical mistakes, pasted/typed mistakes, blank."""
    out = tmp_path_factory.mktemp("addin")
    form = get_form("sonla-2024")
    unit = UnitInfo("H-MUONGLA", "UBND huyện Mường La", "huyen", known_levels()["huyen"])
    prefill = plausible_prefill(form, "huyen", random.Random(2024), 2024)
    filled = generate_workbook(form, out / "filled.xlsx", unit=unit, year=2024, prefill=prefill)
    bad = copy.deepcopy(prefill)
    mistakes = add_mistakes(form, "huyen", bad, random.Random(7), MISTAKES)
    wrong = generate_workbook(form, out / "mistakes.xlsx", unit=unit, year=2024, prefill=bad)
    return {
        "form": form, "prefill": prefill, "mistakes": mistakes,
        "filled": filled, "wrong": wrong,
        "pasted": returns.paste_invalid(filled, out / "pasted.xlsx"),
        "text": returns.numbers_as_text(filled, out / "text.xlsx"),
        "renamed": returns.rename_sheet(wrong, out / "renamed.xlsx"),
        "blank": generate_workbook(form, out / "blank.xlsx"),
    }


@pytest.fixture(scope="session")
def resaved(sonla: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The return with mistakes opened and saved by LibreOffice (recalculated formulas)."""
    if returns.soffice_binary() is None:
        if IN_CI:
            pytest.fail("LibreOffice is required in CI")
        pytest.skip("LibreOffice (soffice) is not installed")
    return returns.resave_libreoffice(sonla["wrong"], tmp_path_factory.mktemp("lo"))


def remote(payload: dict[str, Any]) -> Any:
    """The payload opened as the server opens it."""
    return xw.Book(json=copy.deepcopy(payload))


def run_check(payload: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    """(report, actions) of one check through the remote engine."""
    book = remote(payload)
    try:
        report = check_book(book, now=NOW)
        return report, book.json()["actions"]
    finally:
        book.close()


def expected_fills(path: Path) -> dict[tuple[str, str], str]:
    """Cells ``cchc check``'s findings point at that are value cells → red (error) / yellow."""
    ret = read_return(path)
    value_cells = set(zip(ret.values["sheet"], ret.values["cell"], strict=True))
    out: dict[tuple[str, str], str] = {}
    for f in reference(path).findings:
        for text in list(f.cells) or ([f.cell] if f.cell else []):
            ref = parse_ref(text, f.sheet)
            if ref is not None and (ref.sheet, ref.cell) in value_cells and out.get((ref.sheet, ref.cell)) != RED:
                out[(ref.sheet, ref.cell)] = RED if f.severity == "error" else YELLOW
    return out


def mistake_cells(path: Path, mistakes: list) -> set[tuple[str, str]]:
    ident = returns.identify(path)
    return {ident.cell(m.cell) for m in mistakes}


# --------------------------------------------------------------------------- reading


def trimmed(sheets: dict[str, list[list[Any]]]) -> dict[str, list[list[Any]]]:
    """Sheets without trailing empty cells and rows (formatted empty cells widen Excel's used range)."""
    out = {}
    for name, rows in sheets.items():
        rows = [list(r) for r in rows]
        for row in rows:
            while row and row[-1] in ("", None):
                row.pop()
        while rows and not rows[-1]:
            rows.pop()
        out[name] = rows
    return out


def test_grid_from_payload_is_the_grid_from_the_file(sonla: dict[str, Any]) -> None:
    """The Office.js payload gives the reader exactly what the file gives it."""
    for name in ("filled", "wrong", "pasted", "text", "renamed", "blank"):
        path = sonla[name]
        book = remote(payload_from_xlsx(path))
        grid, direct = grid_from_book(book), grid_from_file(path)
        assert trimmed(grid.sheets) == trimmed(direct.sheets), name  # Excel's used range counts
        assert grid.names == direct.names, name
        assert grid.tables == direct.tables, name
        a, b = read_grid(grid), read_grid(direct)
        assert a.values.drop(columns="return_id").equals(b.values.drop(columns="return_id")), name
        assert a.notices == b.notices, name


def test_iso_text_is_not_taken_for_a_date() -> None:
    """Text that looks like a timestamp (the metadata's generated_at) stays text; date cells are dates."""
    payload = {"client": "Office.js", "version": xw.__version__,
               "book": {"name": "x.xlsx", "active_sheet_index": 0, "selection": "A1"}, "names": [],
               "sheets": [{"name": "S", "values": [["2024-10-15T08:30:00", "2024-05-01T00:00:00.000Z",
                                                    "2024-05-01T07:30:00.000Z", "#DIV/0!", ""]],
                           "pictures": [], "tables": []}]}
    row = grid_from_book(remote(payload)).sheets["S"][0]
    assert row[0] == "2024-10-15T08:30:00"
    assert str(row[1]) == "2024-05-01" and str(row[2]) == "2024-05-01 07:30:00"
    assert row[3:] == ["#DIV/0!", ""]


# --------------------------------------------------------------------------- the check


@pytest.mark.parametrize("name", ["wrong", "pasted", "text", "renamed", "blank", "filled"])
def test_check_marks_exactly_the_cells_of_the_findings(sonla: dict[str, Any], name: str) -> None:
    path = sonla[name]
    report, actions = run_check(payload_from_xlsx(path))
    client = ClientBook(payload_from_xlsx(path))
    client.apply(actions)
    marks = {cell: color for cell, color in client.fills.items() if cell[0] != results.RESULT_SHEET}
    assert marks == expected_fills(path)
    assert report.n_errors == len(reference(path).errors())
    if name == "wrong":  # the simulator's truth: every mistake is marked; those that are not numbers,
        # or break a rule, in red (a number written with its unit word is read, with a warning)
        assert mistake_cells(path, sonla["mistakes"]) <= set(marks)
        serious = [m for m in sonla["mistakes"] if m.kind in {"dash", "part_gt_whole", "done_gt_planned"}]
        assert serious and mistake_cells(path, serious) <= {c for c, color in marks.items() if color == RED}


def test_returns_let_the_addin_colour_cells(sonla: dict[str, Any]) -> None:
    """The sheets holding value cells are protected; Excel only lets the add-in fill cells when the
    protection allows formatting cells (``formatCells="0"`` in the sheet's XML)."""
    wb = openpyxl.load_workbook(sonla["wrong"])
    try:
        values = read_return(sonla["wrong"]).values
        for name in sorted(set(values["sheet"])):
            protection = wb[name].protection
            assert not protection.sheet or protection.formatCells is False, name
    finally:
        wb.close()


def test_check_never_writes_into_the_units_sheets(sonla: dict[str, Any]) -> None:
    payload = payload_from_xlsx(sonla["wrong"])
    _, actions = run_check(payload)
    names = [s["name"] for s in payload["sheets"]] + [results.RESULT_SHEET]
    allowed = {"setRangeColor", "addSheet", "sheetClear", "setValues", "setFontProperty", "addHyperlink",
               "activateSheet", "alert"}
    assert {a["func"] for a in actions} <= allowed
    for action in actions:
        if action["func"] in {"setValues", "sheetClear", "setFontProperty", "addHyperlink"}:
            assert names[action["sheet_position"]] == results.RESULT_SHEET, action
        if action["func"] == "setRangeColor":
            assert action["args"][0] in {RED, YELLOW}  # never None: Office.js cannot apply it


def test_results_sheet_lists_every_finding(sonla: dict[str, Any]) -> None:
    path = sonla["wrong"]
    report, actions = run_check(payload_from_xlsx(path))
    client = ClientBook(payload_from_xlsx(path))
    client.apply(actions)
    rows = client.sheet_values(results.RESULT_SHEET)
    assert rows[0][0] == results.TITLE
    assert rows[1][:2] == ["Thời điểm kiểm tra", "lúc 09:15 ngày 20/10/2024"]
    assert rows[2][:2] == ["Số lỗi", report.n_errors] and rows[3][:2] == ["Số cảnh báo", report.n_warnings]
    assert rows[4][1].startswith(f"Còn {report.n_errors} lỗi cần sửa trước khi gửi")
    assert rows[results.HEADER_ROW - 1] == results.HEADER
    body = rows[results.HEADER_ROW:]
    assert len(body) == len(report.findings) == len(reference(path).findings)
    for i, (row, f) in enumerate(zip(body, report.findings, strict=True), 1):
        assert row[:7] == [i, f.sheet, f.cell, results.SEVERITY_LABEL[f.severity], f.message, f.fix, f.rule_id]
        if f.cell:
            assert client.links[(results.RESULT_SHEET, f"C{results.HEADER_ROW + i}")] == f"#'{f.sheet}'!{f.cell}"
    noted = results.previous_marks(rows)
    assert {(r.sheet, r.cell) for r in noted} == set(expected_fills(path))
    assert client.alerts == [rows[4][1]]
    assert client.payload["book"]["active_sheet_index"] == len(client.sheets) - 1  # errors: results shown


@pytest.mark.parametrize("name", ["wrong", "pasted", "text", "renamed", "blank", "filled"])
def test_same_findings_as_cchc_check(sonla: dict[str, Any], name: str) -> None:
    report, _ = run_check(payload_from_xlsx(sonla[name]))
    assert [key(f) for f in report.findings] == [key(f) for f in reference(sonla[name]).findings]


def test_libreoffice_resaved_return(resaved: Path, sonla: dict[str, Any]) -> None:
    payload = payload_from_xlsx(resaved)
    report, actions = run_check(payload)
    assert [key(f) for f in report.findings] == [key(f) for f in reference(resaved).findings]
    client = ClientBook(payload_from_xlsx(resaved))
    client.apply(actions)
    assert {c: v for c, v in client.fills.items() if c[0] != results.RESULT_SHEET} == expected_fills(resaved)
    assert report.n_errors > 0


def test_excel_2016_sends_dates_as_serial_numbers(sonla: dict[str, Any]) -> None:
    """Without ExcelApi 1.12 the client sends serials; dates are still read as the same days."""
    iso = read_grid(grid_from_book(remote(payload_from_xlsx(sonla["filled"])))).values
    serial = read_grid(grid_from_book(remote(payload_from_xlsx(sonla["filled"], dates="serial")))).values
    dates = iso["kind"] == "date"
    assert dates.any()
    assert serial.loc[dates, "text"].tolist() == iso.loc[dates, "text"].tolist()
    # xlwings' own client on Excel 2016/2019 therefore adds one warning per date cell (our task
    # pane recognises date formats itself and sends ISO strings, see tests/js)
    report, _ = run_check(payload_from_xlsx(sonla["filled"], dates="serial"))
    extra = [f for f in report.findings if f.rule_id == "coerced.serial_date"]
    assert {key(f) for f in report.findings} - {key(f) for f in extra} == {
        key(f) for f in reference(sonla["filled"]).findings}
    assert all(f.severity == "warning" for f in extra) and len(extra) == int((dates & (iso["text"] != "")).sum())
    # a host without ExcelApi 1.4 sends no names: the reader still finds everything
    nameless = payload_from_xlsx(sonla["wrong"])
    nameless["names"] = []
    report, _ = run_check(nameless)
    assert [key(f) for f in report.findings] == [key(f) for f in reference(sonla["wrong"]).findings]


def test_no_error_alert_and_sheet_left_as_it_was(sonla: dict[str, Any]) -> None:
    payload = payload_from_xlsx(sonla["filled"])
    report, actions = run_check(payload)
    assert report.n_errors == 0
    client = ClientBook(payload)
    client.apply(actions)
    assert client.alerts[-1].startswith("Không phát hiện lỗi")
    assert client.payload["book"]["active_sheet_index"] == 0  # the sheet the unit was on
    rows = client.sheet_values(results.RESULT_SHEET)
    assert rows[2][1] == 0 and rows[4][1].startswith("Không phát hiện lỗi")


def fix_mistakes(client: ClientBook, path: Path, mistakes: list) -> set[tuple[str, str]]:
    """The unit types the intended values over its mistakes (in the payload)."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    ident = returns.identify(path)
    fixed = set()
    for m in mistakes:
        sheet, ref = ident.cell(m.cell)
        letters, row = coordinate_from_string(ref)
        client.sheet_values(sheet)[row - 1][column_index_from_string(letters) - 1] = m.intended
        fixed.add((sheet, ref))
    return fixed


def test_second_run_paints_fixed_cells_back(sonla: dict[str, Any]) -> None:
    path = sonla["wrong"]
    client = ClientBook(payload_from_xlsx(path))
    _, first = run_check(client.payload)
    client.apply(first)
    before = {c for c in client.fills if c[0] != results.RESULT_SHEET}
    fixed = fix_mistakes(client, path, sonla["mistakes"])
    assert fixed <= before
    report, second = run_check(client.payload)
    assert "addSheet" not in {a["func"] for a in second}  # the results sheet is reused …
    clears = [a for a in second if a["func"] == "sheetClear"]
    assert [client.sheets[a["sheet_position"]]["name"] for a in clears] == [results.RESULT_SHEET]  # … cleared
    client.apply(second)
    now = {c: v for c, v in client.fills.items() if c[0] != results.RESULT_SHEET}
    still = {c for c, v in now.items() if v in (RED, YELLOW)}
    for cell in fixed - still:
        assert now[cell] == INPUT_FILL  # painted back with the form's input fill
    restored = {c for c, v in now.items() if v in (INPUT_FILL, COMPUTED_FILL)}
    assert restored == before - still
    assert len(client.sheet_values(results.RESULT_SHEET)) == results.HEADER_ROW + len(report.findings)
    assert report.n_errors < len([c for c in before if client.fills.get(c) == RED]) + len(fixed)


def test_clear_marks_paints_everything_back_and_removes_the_sheet(sonla: dict[str, Any]) -> None:
    client = ClientBook(payload_from_xlsx(sonla["wrong"]))
    _, first = run_check(client.payload)
    client.apply(first)
    marked = {c for c in client.fills if c[0] != results.RESULT_SHEET}
    book = remote(client.payload)
    assert clear_marks(book) == len(marked)
    actions = book.json()["actions"]
    client.apply(actions)
    assert results.RESULT_SHEET not in [s["name"] for s in client.sheets]
    values = read_return(sonla["wrong"]).values
    kinds = dict(zip(zip(values["sheet"], values["cell"], strict=True), values["kind"], strict=True))
    assert {c: client.fills[c] for c in marked} == {
        c: COMPUTED_FILL if kinds[c] == "rate" else INPUT_FILL for c in marked}
    assert client.alerts[-1] == f"Đã xóa đánh dấu {len(marked)} ô."
    again = remote(client.payload)
    assert clear_marks(again) == 0
    assert [a["func"] for a in again.json()["actions"]] == ["alert"]


def test_unknown_form_only_alerts(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["Danh sách cán bộ", "Số lượng"])
    wb.active.append(["Phòng A", 5])
    wb.save(tmp_path / "khac.xlsx")
    book = remote(payload_from_xlsx(tmp_path / "khac.xlsx"))
    with pytest.raises(ReturnRejected):
        check_book(book)
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"]
    assert actions[0]["args"][0].startswith("Không kiểm tra được tệp này. Không nhận ra biểu mẫu")


def test_check_is_fast_enough(sonla: dict[str, Any]) -> None:
    payload = payload_from_xlsx(sonla["wrong"])
    run_check(payload)
    start = time.perf_counter()
    run_check(payload)
    assert time.perf_counter() - start < 3.0  # benchmarks/bench_addin.py measures the HTTP path


# --------------------------------------------------------------------------- HTTP


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The app served by uvicorn on loopback (limit 2 MB), stopped after the module."""
    import uvicorn

    from addin.server import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(max_bytes=2 * 1_048_576, public_url="https://cchc.example.gov.vn"),
                            host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    else:
        pytest.fail("server did not start")
    yield base
    srv.should_exit = True
    thread.join(timeout=10)


def test_http_check(server: str, sonla: dict[str, Any]) -> None:
    payload = payload_from_xlsx(sonla["wrong"])
    response = httpx.post(server + "/xlwings/kiem-tra", json=payload, timeout=30)
    assert response.status_code == 200
    actions = response.json()["actions"]
    _, direct = run_check(payload)
    strip = [a for a in direct if a["func"] != "setValues"]
    assert [a for a in actions if a["func"] != "setValues"] == strip  # same actions (time differs)
    client = ClientBook(payload)
    client.apply(actions)
    assert {c: v for c, v in client.fills.items() if c[0] != results.RESULT_SHEET} == expected_fills(sonla["wrong"])


def test_http_clear(server: str, sonla: dict[str, Any]) -> None:
    client = ClientBook(payload_from_xlsx(sonla["wrong"]))
    client.apply(httpx.post(server + "/xlwings/kiem-tra", json=client.payload, timeout=30).json()["actions"])
    response = httpx.post(server + "/xlwings/xoa-danh-dau", json=client.payload, timeout=30)
    assert response.status_code == 200
    client.apply(response.json()["actions"])
    assert results.RESULT_SHEET not in [s["name"] for s in client.sheets]


def test_http_unknown_form_is_an_alert(server: str, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Không phải biểu mẫu"
    wb.save(tmp_path / "x.xlsx")
    response = httpx.post(server + "/xlwings/kiem-tra", json=payload_from_xlsx(tmp_path / "x.xlsx"), timeout=30)
    assert response.status_code == 200
    (action,) = response.json()["actions"]
    assert action["func"] == "alert" and "Không nhận ra biểu mẫu" in action["args"][0]


@pytest.mark.parametrize(("body", "status", "words"), [
    (b'{"client": "Office.js", "sheets": [', 400, "không phải JSON hợp lệ"),
    (b"\xff\xfe not utf-8", 400, "không phải JSON hợp lệ"),
    (b"[1, 2, 3]", 422, "đối tượng JSON"),
    (b'{"client": "Office.js", "version": "1", "book": {"name": "a"}, "sheets": []}', 422, "không có sheet"),
    (json.dumps({"client": "Office.js", "version": "1", "book": {"name": "a", "active_sheet_index": 0},
                 "names": [], "sheets": [{"name": "S", "values": "abc"}]}).encode(), 422, "bảng giá trị"),
    (json.dumps({"client": "Office.js", "version": "1", "book": {"name": "a", "active_sheet_index": 0},
                 "names": [], "sheets": [{"name": "S", "values": [[{"x": 1}]]}]}).encode(), 422, "giá trị ô"),
    (json.dumps({"client": "Microsoft Office Scripts", "version": "0.0.1",
                 "book": {"name": "a", "active_sheet_index": 0}, "names": [],
                 "sheets": [{"name": "S", "values": [[""]]}]}).encode(), 422, "không tương thích"),
])
def test_http_malformed(server: str, body: bytes, status: int, words: str) -> None:
    response = httpx.post(server + "/xlwings/kiem-tra", content=body,
                          headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == status
    assert words in response.json()["detail"]


def test_http_oversized_and_wrong_type(server: str) -> None:
    big = b'{"client": "Office.js", "pad": "' + b"x" * (3 * 1_048_576) + b'"}'
    response = httpx.post(server + "/xlwings/kiem-tra", content=big,
                          headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 413 and "quá lớn" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while reading
        for _ in range(12):
            yield b"x" * 262_144

    response = httpx.post(server + "/xlwings/kiem-tra", content=chunks(),
                          headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 413
    response = httpx.post(server + "/xlwings/kiem-tra", content=b"a=1",
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)
    assert response.status_code == 415 and "JSON" in response.json()["detail"]
    assert httpx.get(server + "/healthz", timeout=5).json() == {"status": "ok"}  # still alive


def test_http_serves_task_pane_and_manifest(server: str) -> None:
    page = httpx.get(server + "/taskpane.html", timeout=5)
    assert page.status_code == 200 and "Xóa đánh dấu" in page.text and "taskpane.js" in page.text
    assert httpx.get(server + "/taskpane.js", timeout=5).status_code == 200
    assert httpx.get(server + "/icon-32.png", timeout=5).headers["content-type"] == "image/png"
    manifest = httpx.get(server + "/manifest.xml", timeout=5)
    root = ElementTree.fromstring(manifest.content)
    ns = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1"}
    source = root.find("o:DefaultSettings/o:SourceLocation", ns)
    assert source is not None and source.get("DefaultValue") == "https://cchc.example.gov.vn/taskpane.html"
    assert "localhost" not in manifest.text


# --------------------------------------------------------------------------- .xlam, Lite, CLI


def test_xlam_is_the_xlwings_template_with_a_vietnamese_ribbon(tmp_path: Path) -> None:
    paths = build(tmp_path)
    assert {p.name for p in paths} >= {"KiemTraCCHC.xlam", "XoaDanhDauCCHC.xlam", "KiemTraCCHC.py",
                                       "XoaDanhDauCCHC.py", "myaddin.conf", "HUONG_DAN_CAI_DAT.md"}
    with zipfile.ZipFile(TEMPLATE) as tpl:
        template_parts = {name: tpl.read(name) for name in tpl.namelist()}
    ns = {"ui": "http://schemas.microsoft.com/office/2006/01/customui"}
    labels = {}
    for button in BUTTONS:
        with zipfile.ZipFile(tmp_path / f"{button.name}.xlam") as zf:
            assert zf.testzip() is None
            assert sorted(zf.namelist()) == sorted(template_parts)
            for name, data in template_parts.items():
                if name != "customUI/customUI.xml":
                    assert zf.read(name) == data, name  # vbaProject.bin and the rest: byte-identical
            ui = ElementTree.fromstring(zf.read("customUI/customUI.xml"))
        tab = ui.find("ui:ribbon/ui:tabs/ui:tab", ns)
        assert tab is not None and tab.get("label") == "CCHC" and tab.get("idQ") == "cchc:tabCCHC"
        (btn,) = ui.iter(f"{{{ns['ui']}}}button")
        assert btn.get("onAction") == "RibbonMyAddin.RunMain"  # the template's only VBA callback
        labels[button.name] = btn.get("label")
        compile((tmp_path / f"{button.name}.py").read_text(encoding="utf-8"), button.name, "exec")
    assert labels == {"KiemTraCCHC": "Kiểm tra", "XoaDanhDauCCHC": "Xóa đánh dấu"}
    conf = (tmp_path / "myaddin.conf").read_text(encoding="utf-8")
    assert '"INTERPRETER_WIN","pythonw"' in conf


def test_ribbon_modules_and_lite_scripts_run_the_core(tmp_path: Path, sonla: dict[str, Any],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """KiemTraCCHC.main(), XoaDanhDauCCHC.main() and Lite's kiem_tra/xoa_danh_dau on a remote book."""
    import importlib.util

    import addin.desktop
    from addin.lite import build_lite

    build(tmp_path / "xlam")
    build_lite(tmp_path / "lite", "https://so.example/cchc.whl")
    assert (tmp_path / "lite" / "requirements.txt").read_text(encoding="utf-8").strip().endswith(
        "https://so.example/cchc.whl")

    def load(path: Path) -> Any:
        spec = importlib.util.spec_from_file_location(path.stem + "_under_test", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module

    client = ClientBook(payload_from_xlsx(sonla["wrong"]))
    book = remote(client.payload)
    monkeypatch.setattr(addin.desktop, "active_book", lambda: book)
    load(tmp_path / "xlam" / "KiemTraCCHC.py").main()
    client.apply(book.json()["actions"])
    assert RED in client.fills.values()
    book = remote(client.payload)
    monkeypatch.setattr(addin.desktop, "active_book", lambda: book)
    load(tmp_path / "xlam" / "XoaDanhDauCCHC.py").main()
    client.apply(book.json()["actions"])
    assert results.RESULT_SHEET not in [s["name"] for s in client.sheets]

    lite = load(tmp_path / "lite" / "main.py")
    book = remote(client.payload)
    lite.kiem_tra(book)
    assert book.json()["actions"][-1]["func"] == "alert"
    lite.xoa_danh_dau(remote(client.payload))


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from cchc.cli import main

    assert main(["addin", "build", "--out", str(tmp_path / "b"), "--python-win", r"C:\Python311\pythonw.exe"]) == 0
    assert r'"INTERPRETER_WIN","C:\Python311\pythonw.exe"' in (tmp_path / "b" / "myaddin.conf").read_text()
    assert main(["addin", "lite", "--out", str(tmp_path / "l")]) == 0
    assert (tmp_path / "l" / "main.py").exists()
    monkeypatch.delenv("XLWINGS_LICENSE_KEY")
    assert main(["addin", "serve"]) == 2
    assert "XLWINGS_LICENSE_KEY=noncommercial" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["addin", "serve", "--help"])
    assert exc.value.code == 0
    assert "--public-url" in capsys.readouterr().out


# --------------------------------------------------------------------------- task pane (node)


def test_taskpane_js(tmp_path: Path, sonla: dict[str, Any]) -> None:
    """``node --test tests/js``, fed with a real payload and the actions the server returns."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (the task pane's JS tests need Node.js >= 18)")
    payload = payload_from_xlsx(sonla["wrong"])
    _, actions = run_check(payload)
    client = ClientBook(payload_from_xlsx(sonla["wrong"]))
    client.apply(actions)
    fixture = {
        "payload": payload,
        "actions": actions,
        "fills": [[s, c, v] for (s, c), v in sorted(client.fills.items())],
        "links": [[s, c, v] for (s, c), v in sorted(client.links.items())],
        "iso": [[serial, payload_iso] for serial, payload_iso in _iso_samples()],
    }
    data = tmp_path / "actions.json"
    data.write_text(json.dumps(fixture, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run([node, "--test", str(ROOT / "tests" / "js")], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "CCHC_TASKPANE_FIXTURE": str(data)}, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "# fail 0" in proc.stdout and "# skipped 0" in proc.stdout, proc.stdout


def _iso_samples() -> list[tuple[float, str]]:
    from payload import _iso

    return [(s, _iso(s)) for s in (1.0, 367.5, 45292.0, 45658.999988426, 45500.25)]
