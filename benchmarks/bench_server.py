"""Hostile clients against the check server (``cchc addin serve``), over loopback.

Starts ``python -m cchc addin serve`` of a checkout (this one, or ``--root`` another, e.g. an
export of main, to compare), then prints:

- how long another client's ``/healthz`` waits while a workbook of N million cells is posted;
- the answer to 100,000-deep JSON (status, content type);
- request and answer sizes for a forged "Kết quả kiểm tra" sheet listing 40,000 marked cells.

Usage: ``python benchmarks/bench_server.py [--root CHECKOUT] [--cells 10000000] [--max-mb 60]``
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import httpx  # noqa: E402
from payload import payload_from_xlsx  # noqa: E402

from addin import results  # noqa: E402
from workbooks.catalog.loader import get_form, known_levels  # noqa: E402
from workbooks.writer import UnitInfo, generate_workbook  # noqa: E402

try:  # the simulator's package (moved out of workbooks/ on main)
    from simulate import plausible_prefill
except ImportError:
    from simulate import plausible_prefill


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(root: Path, max_mb: float) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(root), "XLWINGS_LICENSE_KEY": "noncommercial"}
    proc = subprocess.Popen([sys.executable, "-m", "cchc", "addin", "serve", "--port", str(port),
                             "--max-mb", str(max_mb)], cwd=root, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("server did not start")


def _payload() -> dict:
    form = get_form("sonla-2024")
    unit = UnitInfo("H-MUONGLA", "UBND huyện Mường La", "huyen", known_levels()["huyen"])
    prefill = plausible_prefill(form, "huyen", random.Random(2024), 2024)
    with tempfile.TemporaryDirectory() as tmp:
        return payload_from_xlsx(generate_workbook(form, Path(tmp) / "f.xlsx", unit=unit, year=2024, prefill=prefill))


def _forged(payload: dict, n: int) -> dict:
    forged = copy.deepcopy(payload)
    sheet = next(s["name"] for s in forged["sheets"] if s["name"].startswith("Phụ lục II"))
    refs = [f"'{sheet}'!B{2 * i + 1}" for i in range(n)]
    rows = [[results.TITLE], [], [], [], [], [], [], list(results.HEADER)]
    rows += [[0, "", "", "", "", "", "", "; ".join(refs[i:i + 500])] for i in range(0, n, 500)]
    forged["sheets"].append({"name": results.RESULT_SHEET,
                             "values": [r + [""] * (len(results.HEADER) - len(r)) for r in rows]})
    return forged


def main() -> None:
    """Run the three measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--cells", type=int, default=10_000_000)
    parser.add_argument("--max-mb", type=float, default=60.0)
    args = parser.parse_args()
    payload = _payload()
    proc, base = _start(args.root.resolve(), args.max_mb)
    try:
        headers = {"Content-Type": "application/json"}
        httpx.post(base + "/xlwings/kiem-tra", json=payload, timeout=60)  # warm
        big = copy.deepcopy(payload)
        width = 1000
        big["sheets"].append({"name": "Rác", "values": [[0] * width for _ in range(args.cells // width)]})
        body = json.dumps(big, separators=(",", ":")).encode()
        done: dict[str, object] = {}

        def post_big() -> None:
            t = time.monotonic()
            r = httpx.post(base + "/xlwings/kiem-tra", content=body, headers=headers, timeout=600)
            done["big"] = (r.status_code, time.monotonic() - t)

        thread = threading.Thread(target=post_big)
        thread.start()
        pings: list[float] = []
        while "big" not in done and len(pings) < 2000:
            t = time.monotonic()
            httpx.get(base + "/healthz", timeout=600)
            pings.append(time.monotonic() - t)
            time.sleep(0.02)
        thread.join()
        status, seconds = done["big"]  # type: ignore[misc]
        print(f"{args.cells:,} cells ({len(body) / 1e6:.1f} MB): answer {status} in {seconds:.1f} s; "
              f"another client's /healthz: {len(pings)} pings, max {max(pings):.2f} s, "
              f"median {sorted(pings)[len(pings) // 2]:.3f} s")
        deep = httpx.post(base + "/xlwings/kiem-tra", content=b"[" * 100_000 + b"]" * 100_000, headers=headers,
                          timeout=60)
        print(f"100,000-deep JSON: {deep.status_code} {deep.headers.get('content-type')} {deep.text[:90]!r}")
        forged = json.dumps(_forged(payload, 40_000), ensure_ascii=False).encode()
        answer = httpx.post(base + "/xlwings/kiem-tra", content=forged, headers=headers, timeout=120)
        print(f"forged results sheet (40,000 marks): request {len(forged) / 1e6:.2f} MB -> answer "
              f"{answer.status_code}, {len(answer.content) / 1e6:.2f} MB")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
