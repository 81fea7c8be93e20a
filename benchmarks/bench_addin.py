"""Benchmark: one "Kiểm tra" of a filled Sơn La 2024 workbook through the HTTP endpoint.

Starts the add-in server (uvicorn) on loopback, posts the Office.js payload of a filled return
(a district, every sheet: the largest Sơn La 2024 return) to ``/xlwings/kiem-tra`` and prints
the round-trip time: JSON parsing, ``xw.Book(json=...)``, reader, validators, actions, answer.
Target: under 1 second.

Run: python benchmarks/bench_addin.py [--repeat K] [--mistakes]
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # xlwings PRO remote engine

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from addin.server import create_app  # noqa: E402
from simulate import add_mistakes, plausible_prefill  # noqa: E402
from workbooks.catalog.loader import get_form, known_levels  # noqa: E402
from workbooks.writer import UnitInfo, generate_workbook  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from payload import payload_from_xlsx  # noqa: E402  (the Office.js payload builder of the tests)

TARGET_SECONDS = 1.0


def _workbook(out: Path, mistakes: bool) -> Path:
    form = get_form("sonla-2024")
    unit = UnitInfo("H-MUONGLA", "UBND huyện Mường La", "huyen", known_levels()["huyen"])
    prefill = plausible_prefill(form, "huyen", random.Random(2024), 2024)
    if mistakes:
        prefill = copy.deepcopy(prefill)
        add_mistakes(form, "huyen", prefill, random.Random(7), ["thousands_dot", "dash", "part_gt_whole"])
    return generate_workbook(form, out / "sonla-2024-filled.xlsx", unit=unit, year=2024, prefill=prefill)


def _serve() -> tuple[uvicorn.Server, threading.Thread, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return server, thread, base
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def main() -> None:
    """Time ``repeat`` checks (after one warm-up) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--mistakes", action="store_true", help="inject typical mistakes (more findings)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        payload = payload_from_xlsx(_workbook(Path(tmp), args.mistakes))
    server, thread, base = _serve()
    try:
        with httpx.Client(timeout=60) as client:
            url = base + "/xlwings/kiem-tra"
            first = client.post(url, json=payload)
            first.raise_for_status()
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                response = client.post(url, json=payload)
                times.append(time.perf_counter() - start)
                response.raise_for_status()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    actions = first.json()["actions"]
    cells = sum(len(s["values"]) * max((len(r) for r in s["values"]), default=0) for s in payload["sheets"])
    best, median = min(times), statistics.median(times)
    verdict = "OK" if median < TARGET_SECONDS else "CHẬM HƠN MỤC TIÊU"
    print(f"sonla-2024 (huyện, {len(payload['sheets'])} sheet, {cells} ô, payload "
          f"{len(httpx.Request('POST', url, json=payload).content) // 1024} KB, {len(actions)} thao tác trả về)")
    print(f"POST /xlwings/kiem-tra: median {median * 1000:.0f} ms, best {best * 1000:.0f} ms, "
          f"first (cold) {first.elapsed.total_seconds() * 1000:.0f} ms — mục tiêu < {TARGET_SECONDS:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
