"""The check server (``cchc addin serve``) against hostile clients, over loopback (issue 11 item 7).

Each server here is a real ``python -m cchc addin serve`` process of this checkout on 127.0.0.1
(the per-request limits that have no command-line option are tested through Starlette's
TestClient on ``create_app``). Oracles: HTTP status codes, headers, byte counts, the Vietnamese
text of the catalogue, timings measured by the test; every request loop is bounded in count and
in time.
"""

from __future__ import annotations

import copy
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # xlwings PRO (remote engine), see docs

import httpx  # noqa: E402
import pytest  # noqa: E402
from conftest import ROOT, run_cchc  # noqa: E402
from payload import payload_from_xlsx  # noqa: E402

from addin import results  # noqa: E402
from addin.check_worker import Limits  # noqa: E402
from addin.server import ServerSettings, create_app  # noqa: E402
from simulate import add_mistakes, plausible_prefill  # noqa: E402
from workbooks.catalog.loader import get_form, known_levels  # noqa: E402
from workbooks.messages import text  # noqa: E402
from workbooks.writer import UnitInfo, generate_workbook  # noqa: E402

TOKEN = "tinh-son-la-Zx81_qP0w9LmT4vB2c"
JSON = {"Content-Type": "application/json"}
CHECK = "/xlwings/kiem-tra"
MANIFEST_NS = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1"}


# --------------------------------------------------------------------------- fixtures


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(*args: str) -> Iterator[str]:
    """``cchc addin serve ARGS`` as a process of this checkout on a free loopback port."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XLWINGS_LICENSE_KEY": "noncommercial",
           "PYTHONIOENCODING": "utf-8"}
    for name in ("CCHC_ADDIN_TOKEN", "CCHC_ADDIN_PUBLIC_URL", "CCHC_ADDIN_MAX_MB", "CCHC_ADDIN_JOBS"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "cchc", "addin", "serve", "--port", str(port), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"server exited: {proc.stdout.read().decode(errors='replace')}")
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not start within 90 s")
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the group we started: the server and its workers
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """Loopback server, no access code, no public URL, 30 MB bodies, 2 check workers."""
    yield from _serve("--max-mb", "30", "--jobs", "2")


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with the province's access code, a public URL and one allowed CORS origin."""
    token_file = tmp_path_factory.mktemp("token") / "ma_truy_cap.txt"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    yield from _serve("--token-file", str(token_file), "--public-url", "https://cchc.sonla.gov.vn",
                      "--cors-origin", "https://excel.sonla.gov.vn", "--jobs", "1")


@pytest.fixture(scope="module")
def returns_(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A filled Sơn La 2024 return of a district, and one with typical mistakes, as payloads."""
    out = tmp_path_factory.mktemp("returns")
    form = get_form("sonla-2024")
    unit = UnitInfo("H-MUONGLA", "UBND huyện Mường La", "huyen", known_levels()["huyen"])
    prefill = plausible_prefill(form, "huyen", random.Random(2024), 2024)
    filled = generate_workbook(form, out / "filled.xlsx", unit=unit, year=2024, prefill=prefill)
    bad = copy.deepcopy(prefill)
    add_mistakes(form, "huyen", bad, random.Random(7), ["thousands_dot", "dash", "part_gt_whole"])
    wrong = generate_workbook(form, out / "wrong.xlsx", unit=unit, year=2024, prefill=bad)
    return {"filled": payload_from_xlsx(filled), "wrong": payload_from_xlsx(wrong)}


def _post(base: str, body: bytes, headers: dict[str, str] | None = None, path: str = CHECK,
          timeout: float = 60) -> httpx.Response:
    return httpx.post(base + path, content=body, headers=headers if headers is not None else JSON, timeout=timeout)


def _vietnamese_error(response: httpx.Response, status: int, message_id: str, **params: Any) -> None:
    """The answer is ``status`` with the catalogue's Vietnamese message as JSON."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": text(message_id, **params)}


# --------------------------------------------------------------------------- content type


@pytest.mark.parametrize("content_type", [
    "text/plain; charset=json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
    "text/json", "application/jsonp", "application/json-patch+json", "application/json; charset=latin-1", "",
])
def test_only_exact_application_json_is_accepted(server: str, returns_: dict, content_type: str) -> None:
    body = json.dumps(returns_["filled"]).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    response = _post(server, body, headers)
    _vietnamese_error(response, 415, "server.content_type", content_type=content_type or "không có")


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "Application/JSON; charset=UTF-8"])
def test_application_json_is_checked(server: str, returns_: dict, content_type: str) -> None:
    response = _post(server, json.dumps(returns_["filled"]).encode(), {"Content-Type": content_type})
    assert response.status_code == 200
    assert response.json()["actions"][-1]["func"] == "alert"


# --------------------------------------------------------------------------- JSON limits, errors


def test_deep_json_is_a_vietnamese_400(server: str) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    _vietnamese_error(_post(server, deep), 400, "server.too_deep", limit=Limits().max_depth)
    nested = json.dumps({"client": "Office.js", "version": "1", "book": {"name": "a", "active_sheet_index": 0},
                         "names": [], "sheets": [{"name": "S", "values": [[""]]}],
                         "extra": json.loads("[" * 40 + "]" * 40)}).encode()
    _vietnamese_error(_post(server, nested), 400, "server.too_deep", limit=Limits().max_depth)
    assert httpx.get(server + "/healthz", timeout=5).json() == {"status": "ok"}


def test_too_many_cells_is_a_vietnamese_413(server: str, returns_: dict) -> None:
    payload = copy.deepcopy(returns_["filled"])
    payload["sheets"].append({"name": "Rác", "values": [[0] * 1000 for _ in range(2_100)]})
    cells = sum(len(r) for s in payload["sheets"] for r in s["values"])
    _vietnamese_error(_post(server, json.dumps(payload).encode()), 413, "server.too_many_cells",
                      cells=cells, limit=Limits().max_cells)


def test_body_over_the_size_limit_is_a_vietnamese_413(server: str) -> None:
    big = b'{"pad": "' + b"x" * (31 * 1_048_576) + b'"}'
    _vietnamese_error(_post(server, big), 413, "server.too_large", limit_mb=30.0)


@pytest.mark.parametrize(("method", "path", "status", "message_id", "params"), [
    ("GET", "/khong-co", 404, "server.not_found", {"path": "/khong-co"}),
    ("GET", CHECK, 404, "server.not_found", {"path": CHECK}),  # GET goes to the task pane's files
    ("PUT", CHECK, 405, "server.method_not_allowed", {"path": CHECK, "method": "PUT"}),
    ("OPTIONS", CHECK, 405, "server.method_not_allowed", {"path": CHECK, "method": "OPTIONS"}),
])
def test_other_http_errors_are_vietnamese_json(server: str, method: str, path: str, status: int,
                                               message_id: str, params: dict) -> None:
    response = httpx.request(method, server + path, timeout=10,
                             headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
                                      "Access-Control-Request-Headers": "content-type"})
    _vietnamese_error(response, status, message_id, **params)
    assert not any(h.lower().startswith("access-control-") for h in response.headers)  # CORS closed


def test_not_json_and_not_a_workbook(server: str) -> None:
    _vietnamese_error(_post(server, b'{"client": "Office.js", "sheets": ['), 400, "server.not_json")
    _vietnamese_error(_post(server, b"\xff\xfe not utf-8"), 400, "server.not_json")
    response = _post(server, b"[1, 2, 3]")
    assert response.status_code == 422 and response.json()["detail"].startswith(
        "Nội dung gửi lên không đúng dạng sổ Excel: Nội dung gửi lên phải là một đối tượng JSON")


# --------------------------------------------------------------------------- no block


def test_a_slow_big_request_does_not_block_a_small_one(server: str, returns_: dict) -> None:
    """While one client's 1.9-million-cell workbook is checked, another client is answered."""
    big = copy.deepcopy(returns_["filled"])
    big["sheets"].append({"name": "Rác", "values": [[1] * 1000 for _ in range(1_900)]})
    big_body = json.dumps(big).encode()
    small_body = json.dumps(returns_["wrong"]).encode()
    _post(server, small_body)  # both workers warm
    done: dict[str, float] = {}

    def send_big() -> None:
        start = time.monotonic()
        response = _post(server, big_body, timeout=120)
        done["big"] = time.monotonic() - start
        done["big_status"] = response.status_code

    thread = threading.Thread(target=send_big)
    started = time.monotonic()
    thread.start()
    time.sleep(0.3)  # the big body is on its way / being decoded
    pings: list[float] = []
    smalls: list[float] = []
    for _ in range(40):  # bounded: at most 40 rounds, and only while the big one runs
        if "big" in done or time.monotonic() - started > 60:
            break
        t = time.monotonic()
        assert httpx.get(server + "/healthz", timeout=10).status_code == 200
        pings.append(time.monotonic() - t)
        if len(smalls) < 2:
            t = time.monotonic()
            assert _post(server, small_body, timeout=30).status_code == 200
            smalls.append(time.monotonic() - t)
    thread.join(timeout=120)
    assert done.get("big_status") == 200
    assert smalls, f"the big request finished in {done.get('big'):.2f} s before any small one was sent"
    assert max(pings) < 1.0, pings
    assert max(smalls) < done["big"], (smalls, done["big"])


# --------------------------------------------------------------------------- bounded answers


def _forged_marks(payload: dict[str, Any], n: int) -> dict[str, Any]:
    """The payload with a "Kết quả kiểm tra" sheet listing ``n`` separate cells as marked."""
    forged = copy.deepcopy(payload)
    sheet = next(s["name"] for s in forged["sheets"] if s["name"].startswith("Phụ lục II"))
    refs = [f"'{sheet}'!B{2 * i + 1}" for i in range(n)]
    per_row = 500
    rows: list[list[Any]] = [[results.TITLE], [], [], [], [], [], [], list(results.HEADER)]
    for i in range(0, n, per_row):
        rows.append([len(rows), "", "", "", "", "", "", "; ".join(refs[i:i + per_row])])
    width = len(results.HEADER)
    forged["sheets"].append({"name": results.RESULT_SHEET,
                             "values": [r + [""] * (width - len(r)) for r in rows]})
    return forged


@pytest.mark.parametrize("path", [CHECK, "/xlwings/xoa-danh-dau"])
def test_a_forged_results_sheet_cannot_blow_up_the_answer(server: str, returns_: dict, path: str) -> None:
    n, cap = 40_000, Limits().max_marks
    body = json.dumps(_forged_marks(returns_["filled"], n), ensure_ascii=False).encode()
    response = _post(server, body, path=path)
    assert response.status_code == 200
    actions = response.json()["actions"]
    painted = [a for a in actions if a["func"] == "setRangeColor"]
    assert len(painted) == cap  # every restored cell is its own range: exactly the cap
    assert len(response.content) < 2 * len(body), (len(response.content), len(body))
    alert = actions[-1]
    assert alert["func"] == "alert"
    assert text("server.marks_capped", total=n, shown=cap) in alert["args"][0]


def test_findings_listed_and_marked_are_capped_with_an_alert(returns_: dict) -> None:
    """Through TestClient: a server whose cap (2 rows) is below the return's findings (3)."""
    from starlette.testclient import TestClient

    app = create_app(settings=ServerSettings(jobs=1, limits=Limits(max_rows=2)))
    with TestClient(app) as client:
        response = client.post(CHECK, content=json.dumps(returns_["wrong"]).encode(), headers=JSON)
    assert response.status_code == 200
    actions = response.json()["actions"]
    block = next(a for a in actions if a["func"] == "setValues" and a["values"][0] == [results.TITLE] + [""] * 7)
    listed = block["values"][results.HEADER_ROW:]
    assert len(listed) == 2 and [r[0] for r in listed] == [1, 2]
    total = int(block["values"][2][1]) + int(block["values"][3][1])
    assert total == 3
    assert text("server.rows_capped", total=3, shown=2) in actions[-1]["args"][0]
    assert len([a for a in actions if a["func"] == "addHyperlink"]) <= 2
    marked = {ref for row in listed for ref in row[-1].split("; ") if ref}
    painted = [a for a in actions if a["func"] == "setRangeColor"]
    assert 0 < len(painted) <= len(marked)  # only the listed findings' cells are coloured


def test_an_answer_over_the_byte_limit_is_replaced_by_an_alert(returns_: dict) -> None:
    from starlette.testclient import TestClient

    app = create_app(settings=ServerSettings(jobs=1, limits=Limits(max_answer_bytes=2_000)))
    with TestClient(app) as client:
        response = client.post(CHECK, content=json.dumps(returns_["wrong"]).encode(), headers=JSON)
    assert response.status_code == 200 and len(response.content) < 2_000
    (action,) = response.json()["actions"]
    assert action["func"] == "alert" and "quá lớn để gửi về" in action["args"][0]


def test_a_check_over_the_time_limit_is_a_vietnamese_504(returns_: dict) -> None:
    """Through TestClient: a 0.5-second limit and a 1.9-million-cell workbook (seconds to check)."""
    from starlette.testclient import TestClient

    big = copy.deepcopy(returns_["filled"])
    big["sheets"].append({"name": "Rác", "values": [[1] * 1000 for _ in range(1_900)]})
    app = create_app(settings=ServerSettings(jobs=1, timeout=0.5))
    with TestClient(app) as client:
        start = time.monotonic()
        response = client.post(CHECK, content=json.dumps(big).encode(), headers=JSON)
        elapsed = time.monotonic() - start
        assert client.get("/healthz").status_code == 200
    _vietnamese_error(response, 504, "server.timeout", seconds=0.5)
    assert "quá 0,5 giây" in response.json()["detail"]
    assert elapsed < 5, elapsed


def test_a_dead_worker_is_replaced(returns_: dict) -> None:
    """A check worker killed (out of memory, by an operator): one Vietnamese 500, then checks again."""
    import multiprocessing

    from starlette.testclient import TestClient

    body = json.dumps(returns_["filled"]).encode()
    app = create_app(settings=ServerSettings(jobs=1))
    with TestClient(app) as client:
        workers = multiprocessing.active_children()
        assert len(workers) == 1
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].join(timeout=10)
        broken = client.post(CHECK, content=body, headers=JSON)
        _vietnamese_error(broken, 500, "server.internal", error="BrokenProcessPool")
        statuses = [client.post(CHECK, content=body, headers=JSON).status_code for _ in range(2)]
    assert statuses == [200, 200]


# --------------------------------------------------------------------------- manifest, start-up


def _source(manifest: bytes) -> str:
    node = ElementTree.fromstring(manifest).find("o:DefaultSettings/o:SourceLocation", MANIFEST_NS)
    assert node is not None
    return node.get("DefaultValue", "")


def test_manifest_never_reflects_the_host_header(server: str, locked: str) -> None:
    port = server.rsplit(":", 1)[1]
    for host in ("evil.example", "evil.example:443", "127.0.0.1:1"):
        local = httpx.get(server + "/manifest.xml", headers={"Host": host}, timeout=5)
        assert local.status_code == 200 and "evil" not in local.text
        assert _source(local.content) == f"https://localhost:{port}/taskpane.html"
        public = httpx.get(locked + "/manifest.xml", headers={"Host": host}, timeout=5)
        assert _source(public.content) == "https://cchc.sonla.gov.vn/taskpane.html" and "evil" not in public.text


@pytest.mark.parametrize(("args", "message"), [
    (["--host", "0.0.0.0"], text("server.public_url_required", host="0.0.0.0")),
    (["--host", "192.168.1.20"], text("server.public_url_required", host="192.168.1.20")),
    (["--host", "0.0.0.0", "--public-url", "https://x/../a b"], text("server.public_url_invalid", url="https://x/../a b")),
    (["--cors-origin", "*"], text("server.cors_origin_invalid", origin="*")),
], ids=["any-address", "lan-address", "malformed-url", "wildcard-origin"])
def test_refuses_to_start_without_a_safe_configuration(args: list[str], message: str) -> None:
    result = run_cchc("addin", "serve", "--port", str(_free_port()), *args, timeout=60,
                      env={"XLWINGS_LICENSE_KEY": "noncommercial", "CCHC_ADDIN_PUBLIC_URL": ""})
    assert result.code == 2 and result.out == ""
    assert result.err == f"Lỗi: {message}\n"


def test_refuses_a_weak_or_missing_access_code(tmp_path: Path) -> None:
    weak = tmp_path / "weak.txt"
    weak.write_text("123456", encoding="utf-8")
    result = run_cchc("addin", "serve", "--port", str(_free_port()), "--token-file", weak, timeout=60,
                      env={"XLWINGS_LICENSE_KEY": "noncommercial"})
    assert result.code == 2 and result.err == f"Lỗi: {text('server.token_too_short', length=6, minimum=16)}\n"
    accented = tmp_path / "accented.txt"
    accented.write_text("mã-của-tỉnh-sơn-la-2024", encoding="utf-8")
    result = run_cchc("addin", "serve", "--port", str(_free_port()), "--token-file", accented, timeout=60,
                      env={"XLWINGS_LICENSE_KEY": "noncommercial"})
    assert result.code == 2 and result.err == f"Lỗi: {text('server.token_invalid')}\n"
    missing = tmp_path / "khong_co.txt"
    result = run_cchc("addin", "serve", "--port", str(_free_port()), "--token-file", missing, timeout=60,
                      env={"XLWINGS_LICENSE_KEY": "noncommercial"})
    assert result.code == 2 and result.err.startswith(f"Lỗi: Không đọc được tệp mã truy cập {missing}")


# --------------------------------------------------------------------------- access code, CORS


def test_access_code_is_checked_on_every_request(locked: str, returns_: dict) -> None:
    body = json.dumps(returns_["filled"]).encode()
    refused = [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer " + TOKEN[:-1]},
        {"Authorization": "Bearer " + TOKEN + "x"},
        {"Authorization": "Basic " + TOKEN},
        {"Authorization": TOKEN.upper()},
    ]
    for extra in refused:
        for path in (CHECK, "/xlwings/xoa-danh-dau"):
            response = _post(locked, body, {**JSON, **extra}, path=path)
            _vietnamese_error(response, 401, "server.unauthorized")
            assert response.headers["www-authenticate"] == "Bearer"
    for auth in ("Bearer " + TOKEN, "bearer " + TOKEN, TOKEN):  # xlwings' auth option sends it as given
        response = _post(locked, body, {**JSON, "Authorization": auth})
        assert response.status_code == 200 and response.json()["actions"][-1]["func"] == "alert"
    # an unknown address or a wrong method says nothing before the code is given
    _vietnamese_error(httpx.get(locked + "/khong-co", timeout=5), 401, "server.unauthorized")
    _vietnamese_error(httpx.get(locked + CHECK, timeout=5), 401, "server.unauthorized")
    # what Office loads itself stays public
    for path in ("/taskpane.html", "/taskpane.js", "/manifest.xml", "/icon-32.png", "/healthz"):
        assert httpx.get(locked + path, timeout=5).status_code == 200, path


def test_access_code_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch, returns_: dict) -> None:
    """Every protected request goes through hmac.compare_digest (TestClient, the same app)."""
    from starlette.testclient import TestClient

    from addin import server as server_module

    compared: list[tuple[bytes, bytes]] = []
    real = server_module.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(server_module.hmac, "compare_digest", spy)
    app = create_app(settings=ServerSettings(jobs=1, token=TOKEN))
    with TestClient(app) as client:
        assert client.post(CHECK, content=b"{}", headers={**JSON, "Authorization": "Bearer nope"}).status_code == 401
        assert client.get("/khong-co").status_code == 401
        ok = client.post(CHECK, content=json.dumps(returns_["filled"]).encode(),
                         headers={**JSON, "Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200
        assert client.get("/taskpane.html").status_code == 200
    assert compared == [(b"nope", TOKEN.encode()), (b"", TOKEN.encode()), (TOKEN.encode(), TOKEN.encode())]


def test_cors_only_for_the_configured_origin(locked: str, server: str) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,authorization"}
    allowed = httpx.options(locked + CHECK, headers={"Origin": "https://excel.sonla.gov.vn", **preflight}, timeout=5)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://excel.sonla.gov.vn"
    other = httpx.options(locked + CHECK, headers={"Origin": "https://evil.example", **preflight}, timeout=5)
    _vietnamese_error(other, 400, "server.cors_refused", origin="https://evil.example")
    assert "access-control-allow-origin" not in other.headers
    for base in (locked, server):
        simple = httpx.post(base + CHECK, content=b"{}", timeout=5,
                            headers={"Origin": "https://evil.example", "Content-Type": "text/plain; charset=json"})
        assert simple.status_code in {401, 415} and "access-control-allow-origin" not in simple.headers
