"""Benchmark: read + check one return, and 1,000 returns read then checked stacked in one call.

Run: python benchmarks/bench_check.py [--n 1000]
Returns are plausible Sơn La 2024 returns (cấp xã) written by the simulator into a cache dir.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from simulate import plausible_prefill
from validators import validate_return, validate_values
from workbooks.catalog.loader import get_form
from workbooks.reader import read_return
from workbooks.writer import UnitInfo, generate_workbook

FORM, LEVEL = "sonla-2024", "xa"


def build(n: int, out: Path) -> list[Path]:
    """``n`` plausible returns (written once, reused)."""
    form = get_form(FORM)
    paths = []
    for i in range(n):
        path = out / f"ret_{i:05d}.xlsx"
        if not path.exists():
            unit = UnitInfo(f"{10000 + i:05d}", f"Xã thử {i}", LEVEL, "xa")
            prefill = plausible_prefill(form, LEVEL, random.Random(i), form.period.default_year)
            generate_workbook(form, path, unit, prefill=prefill)
        paths.append(path)
    return paths


def main() -> None:
    """Print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1, help="time the stacked check this many times (best)")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "cchc_bench_check"))
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    paths = build(args.n, cache)
    validate_return(read_return(paths[0]))  # warm-up: imports, catalog, schema

    singles = []
    for path in paths[:20]:
        start = time.perf_counter()
        validate_return(read_return(path))
        singles.append(time.perf_counter() - start)
    print(f"one return, read + check: median {statistics.median(singles) * 1000:.1f} ms")
    checks = []
    for ret in [read_return(p) for p in paths[:20]]:
        start = time.perf_counter()
        validate_return(ret)
        checks.append(time.perf_counter() - start)
    print(f"one return, check only: median {statistics.median(checks) * 1000:.1f} ms, "
          f"min {min(checks) * 1000:.1f} ms")

    start = time.perf_counter()
    rets = [read_return(p) for p in paths]
    read_s = time.perf_counter() - start
    form = rets[0].form
    notices = {r.return_id: r.notices for r in rets}
    levels = {r.return_id: r.level for r in rets}
    stacked = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        values = pd.concat([r.values for r in rets], ignore_index=True)
        report = validate_values(form, values, notices, levels=levels)
        stacked.append(time.perf_counter() - start)
    check_s = min(stacked)
    print(f"{len(rets)} returns: read {read_s:.2f} s ({read_s / len(rets) * 1000:.1f} ms/return, one core), "
          f"check stacked in one call {check_s:.2f} s (best of {' / '.join(f'{s:.2f}' for s in stacked)}) ({len(values):,} values, {len(report.findings)} findings)")


if __name__ == "__main__":
    main()
