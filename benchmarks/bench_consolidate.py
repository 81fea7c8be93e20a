"""Benchmark: ``cchc consolidate`` against a naive loop and against the reading floor.

Run: ``python benchmarks/bench_consolidate.py [--n 1000] [--sizes 250,500,1000,2000] [--jobs N] [--repeat 3]
[--naive-repeat 1]``

Builds N simulated Sơn La 2024 returns (a synthetic registry of N units: departments,
districts and communes under them; the usual missing / late / duplicate / broken / mistaken
files) once, in a cache folder reused by later runs, then measures in one run, each in a fresh
process so that peak memory is its own:

* ``consolidate``: the real thing (in-process call of ``consolidate.run.consolidate``, fresh
  store, workbook and Parquet written);
* ``naive``: pandas.read_excel (openpyxl engine) of every sheet of every file + one pandera
  validation per file (the project's cell checks) + concat: the same job done file by file;
* ``floor``: python-calamine reading every value of every sheet of every file, nothing else
  (single process; the same on all cores is shown for reference).

consolidate, floor and floor_parallel run ``--repeat`` times, interleaved, and the median run is
reported (this machine is shared: single runs vary by ±20 %); the naive loop runs
``--naive-repeat`` times (default once), in the same rounds.
Peak memory is the most the whole process tree held at once (sum of PSS, sampled every 0.1 s,
so pages a forked process still shares with its parent count once); ``ru_maxrss`` of the main
process plus the largest child is shown too (it counts those shared pages twice).
Then consolidate alone at every size of ``--sizes`` for linearity. Targets at N = 1,000:
consolidate <= 3x the floor, >= 15x faster than the naive loop, peak memory < 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

FORM_ID = "sonla-2024"
CACHE = Path(os.environ.get("CCHC_BENCH_CACHE", Path(tempfile.gettempdir()) / "cchc_bench_cache"))
TARGET_FLOOR_RATIO, TARGET_NAIVE_SPEEDUP, TARGET_PEAK_MB = 3.0, 15.0, 1024


# --------------------------------------------------------------------------- data


def build_registry(n: int, path: Path) -> Path:
    """A registry of ``n`` units expected to fill Sơn La 2024 (plus the province), written as CSV.

    Roughly 3 % departments, 4 % districts and the rest communes spread over the districts.
    """
    from workbooks.registry import Unit, write_registry

    rng = random.Random(n)
    n_dept = max(1, n * 3 // 100)
    n_dist = max(1, n * 4 // 100)
    units = [Unit("P14", "UBND tỉnh Sơn La", "tinh")]
    units += [Unit(f"S{i:03d}", f"Sở thử nghiệm {i}", "so_nganh", "P14") for i in range(1, n_dept + 1)]
    districts = [Unit(f"H{i:03d}", f"UBND huyện thử nghiệm {i}", "huyen", "P14") for i in range(1, n_dist + 1)]
    units += districts
    for i in range(1, n - n_dept - n_dist + 1):  # the form is for sở and districts: communes asked by name
        units.append(Unit(f"{10000 + i:05d}", f"Xã thử nghiệm {i}", "xa", rng.choice(districts).code, (FORM_ID,)))
    write_registry(units, path)
    return path


def returns_folder(n: int, jobs: int | None) -> tuple[Path, Path]:
    """(folder of about ``n`` returns, its registry), simulated once and cached."""
    from simulate import simulate_round
    from workbooks.catalog.loader import get_form
    from workbooks.registry import load_registry

    base = CACHE / f"{FORM_ID}_v{get_form(FORM_ID).version}_n{n}"  # returns of this version of the form
    folder, registry_path, done = base / "returns", base / "units.csv", base / "DONE"
    if done.exists():
        return folder, registry_path
    base.mkdir(parents=True, exist_ok=True)
    build_registry(n, registry_path)
    scale = max(1, n // 100)
    print(f"Đang tạo {n} tệp báo cáo mô phỏng trong {folder} (một lần, dùng lại cho các lần sau)…",
          file=sys.stderr)
    simulate_round(get_form(FORM_ID), load_registry(registry_path), folder, rng_seed=n, missing=2 * scale,
                   late=2 * scale, with_mistakes=3 * scale, duplicate=scale, broken=scale, jobs=jobs)
    done.write_text("ok")
    return folder, registry_path


# --------------------------------------------------------------------------- methods (run in a child)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in {".xlsx", ".xlsm", ".xls"})


def run_consolidate(folder: Path, registry: Path, jobs: int | None) -> dict:
    """The real consolidation with a fresh store, in a process tuned as ``cchc consolidate`` tunes it."""
    from cchc.commands.consolidate import tuned_process
    from consolidate.run import consolidate

    with tempfile.TemporaryDirectory() as tmp, tuned_process():
        result = consolidate(folder, FORM_ID, registry, Path(tmp) / "tong_hop.xlsx", jobs=jobs)
        return {"files": len(result.outcomes), "used": len(result.used),
                "timings": {k: round(v, 3) for k, v in result.timings.items()}}


def run_naive(folder: Path, registry: Path, jobs: int | None) -> dict:
    """pandas.read_excel(openpyxl) of every sheet + one pandera validation per file + concat.

    The validation is the project's own (``validators.validate_values``: the pandera cell
    schema and the cross-field rules) applied to the Phụ lục II values of each file, one call
    per file, as a script doing the same job file by file would; it skips files it cannot read.
    """
    import numpy as np
    import pandas as pd

    from validators import validate_values
    from workbooks.catalog.loader import get_form
    from workbooks.reader.model import VALUE_COLUMNS

    form = get_form(FORM_ID)
    frames, failed, problems = [], 0, 0
    for path in _files(folder):
        try:
            sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl", header=None)
            grid = sheets["Phụ lục II"]
            header = grid.index[grid.eq("Mã chỉ tiêu").any(axis=1)][0]
            code_col = grid.columns[grid.loc[header].eq("Mã chỉ tiêu")][0]
            data = grid.loc[header + 1:, [3, 4, code_col]]
            data.columns = ["prev_year", "year", "code"]
            tidy = data.dropna(subset=["code"]).melt(id_vars="code", var_name="column", value_name="raw")
            number = pd.to_numeric(tidy["raw"], errors="coerce")
            parse = np.where(tidy["raw"].isna(), "blank", np.where(number.isna(), "invalid:not_number", ""))
            tidy = tidy.assign(return_id=path.name, unit_code="", form_id=FORM_ID, sheet_id="pl2",
                               sheet="Phụ lục II", item=0, row=1, cell="", kind="count", number=number, text="",
                               parse=parse)
            problems += len(validate_values(form, tidy[VALUE_COLUMNS]).findings)  # one validation per file
            frames.append(tidy)
        except Exception:  # noqa: BLE001 - the naive loop skips what it cannot read
            failed += 1
    total = pd.concat(frames, ignore_index=True)
    return {"files": len(frames) + failed, "rows": len(total), "failed": failed, "problems": problems}


def _calamine_read(path: Path) -> int:
    import python_calamine as calamine

    n = 0
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001 - damaged files count as read
        return 0
    try:
        for name in book.sheet_names:
            n += sum(len(r) for r in book.get_sheet_by_name(name).to_python())
    except Exception:  # noqa: BLE001
        pass
    finally:
        book.close()
    return n


def run_floor(folder: Path, registry: Path, jobs: int | None) -> dict:
    """python-calamine reading every value of every file, one process, nothing else."""
    cells = sum(_calamine_read(p) for p in _files(folder))
    return {"files": len(_files(folder)), "cells": cells}


def run_floor_parallel(folder: Path, registry: Path, jobs: int | None) -> dict:
    """The floor on every core (for reference)."""
    from concurrent.futures import ProcessPoolExecutor

    files = _files(folder)
    with ProcessPoolExecutor(max_workers=jobs or os.cpu_count()) as pool:
        cells = sum(pool.map(_calamine_read, files, chunksize=max(1, len(files) // 64)))
    return {"files": len(files), "cells": cells}


METHODS = {"consolidate": run_consolidate, "naive": run_naive, "floor": run_floor,
           "floor_parallel": run_floor_parallel}


def compile_project() -> None:
    """Byte-compile the project's modules, as ``pip install`` does for an installed package.

    A source checkout run with ``PYTHONDONTWRITEBYTECODE`` (as on this machine) would otherwise
    compile every module again in every measured process (0.07 s each time).
    """
    import compileall

    root = Path(__file__).resolve().parent.parent
    for package in ("workbooks", "validators", "consolidate", "addin", "cchc"):
        compileall.compile_dir(root / package, quiet=1)


def _child(method: str, folder: str, registry: str, jobs: int | None) -> None:
    start = time.perf_counter()
    info = METHODS[method](Path(folder), Path(registry), jobs)
    seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"method": method, "seconds": seconds, "peak_mb": own, "worker_peak_mb": children,
                      **info}))


def _median_run(runs: list[dict]) -> dict:
    """The run with the median time (the slower middle one for an even count)."""
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


def _children(pid: int) -> list[int]:
    """Child processes of a process (from /proc/<pid>/task/<tid>/children)."""
    out: list[int] = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in threads:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as fh:
                out += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return out


def tree_pss_mb(root: int) -> float:
    """Memory of a process and all its descendants now: the sum of their PSS (shared pages,
    e.g. those a forked process still shares with its parent, counted once), in MB."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += _children(pid)
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
                match = re.search(r"^Pss:\s+(\d+) kB", fh.read(), re.M)
        except OSError:
            continue
        total += int(match.group(1)) if match else 0
    return total / 1024


def measure(method: str, folder: Path, registry: Path, jobs: int | None) -> dict:
    """Run one method in a fresh Python process; returns its JSON report.

    While it runs, the memory of its whole process tree is sampled every 100 ms
    (``tree_peak_mb``: the most the machine gave it at once, shared pages counted once).
    """
    cmd = [sys.executable, __file__, "--child", method, str(folder), str(registry)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True,
                                env={**os.environ, "PYTHONWARNINGS": "ignore"})
        peak = 0.0
        while proc.poll() is None:
            if os.path.exists("/proc/self/smaps_rollup"):
                peak = max(peak, tree_pss_mb(proc.pid))
            time.sleep(0.1)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{method} failed:\n{err.read()[-3000:]}")
        report = json.loads(out.read().strip().splitlines()[-1])
    report["tree_peak_mb"] = peak
    return report


# --------------------------------------------------------------------------- main


def main() -> None:
    """Build (or reuse) the return folders, measure, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="returns for the side-by-side comparison")
    parser.add_argument("--sizes", default="250,500,1000,2000", help="sizes for the linearity table ('' to skip)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--skip-naive", action="store_true", help="do not run the (slow) naive loop")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds of consolidate / floor / floor_parallel, interleaved (median reported)")
    parser.add_argument("--naive-repeat", type=int, default=1,
                        help="rounds of the naive loop (about 75 s each), interleaved with the others")
    parser.add_argument("--child", nargs=3, metavar=("METHOD", "FOLDER", "REGISTRY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child, args.jobs)
        return
    console = Console()
    compile_project()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()} | {args.n})
    folders = {n: returns_folder(n, args.jobs) for n in sizes}
    folder, registry = folders[args.n]
    n_files = len(_files(folder))

    methods = ["consolidate", "floor", "floor_parallel"] + ([] if args.skip_naive else ["naive"])
    runs: dict[str, list[dict]] = {m: [] for m in methods}
    for i in range(max(1, args.repeat, args.naive_repeat)):  # interleaved: a slow spell hits all alike
        for m in ("consolidate", "floor", "floor_parallel"):
            if i < max(1, args.repeat):
                runs[m].append(measure(m, folder, registry, args.jobs))
        if "naive" in runs and i < max(1, args.naive_repeat):
            runs["naive"].append(measure("naive", folder, registry, args.jobs))
    results = {m: _median_run(r) for m, r in runs.items()}
    floor = results["floor"]["seconds"]
    table = Table(title=f"{FORM_ID}: {n_files} tệp (N = {args.n}), {args.jobs or os.cpu_count()} lõi, "
                        f"trung vị của {max(1, args.repeat)} lần (naive: {max(1, args.naive_repeat)} lần)")
    for col in ("Cách làm", "Giây", "Nhanh nhất–chậm nhất", "Tệp/giây", "So với floor",
                "Bộ nhớ đỉnh MB (cả cây tiến trình)", "ru_maxrss MB (chính + con)"):
        table.add_column(col, justify="left" if col == "Cách làm" else "right")
    for m in methods:
        r, times = results[m], [x["seconds"] for x in runs[m]]
        table.add_row(m, f"{r['seconds']:.2f}", f"{min(times):.2f}–{max(times):.2f}", f"{n_files / r['seconds']:.0f}",
                      f"{r['seconds'] / floor:.2f}x", f"{r['tree_peak_mb']:.0f}",
                      f"{r['peak_mb']:.0f} + {r['worker_peak_mb']:.0f}")
    console.print(table)
    paired = sorted(c["seconds"] / f["seconds"] for c, f in zip(runs["consolidate"], runs["floor"], strict=True))
    console.print("consolidate / floor theo từng lượt: " + ", ".join(f"{x:.2f}x" for x in paired))
    if "naive" in runs:
        speedups = [n["seconds"] / c["seconds"] for n, c in zip(runs["naive"], runs["consolidate"], strict=False)]
        console.print("naive / consolidate theo từng lượt: " + ", ".join(f"{x:.1f}x" for x in speedups))
    steps = results["consolidate"]["timings"]
    console.print("consolidate theo bước (giây): " + ", ".join(f"{k} {v:.2f}" for k, v in steps.items()))
    if "naive" in results:
        console.print(f"naive: {results['naive']['failed']} tệp không đọc được bị bỏ qua (không báo lý do).")
    cons = results["consolidate"]["seconds"]
    verdict = [f"consolidate / floor = {cons / floor:.2f}x (mục tiêu <= {TARGET_FLOOR_RATIO:.0f}x)"]
    if "naive" in results:
        verdict.append(f"naive / consolidate = {results['naive']['seconds'] / cons:.1f}x "
                       f"(mục tiêu >= {TARGET_NAIVE_SPEEDUP:.0f}x)")
    peak = results["consolidate"]["tree_peak_mb"]
    verdict.append(f"bộ nhớ đỉnh consolidate {peak:.0f} MB (mục tiêu < {TARGET_PEAK_MB} MB; tổng PSS của mọi tiến "
                   "trình cùng lúc, đo mỗi 0,1 giây; ru_maxrss chính + con lớn nhất tính trùng các trang dùng chung "
                   "sau fork)")
    console.print("\n".join(verdict))

    if len(sizes) > 1:
        lin = Table(title="Tuyến tính theo N (consolidate, kho mới)")
        for col in ("N", "Tệp", "Giây", "ms/tệp", "Bộ nhớ đỉnh cả cây (MB)", "ru_maxrss chính + con (MB)"):
            lin.add_column(col, justify="right")
        for n in sizes:
            f, reg = folders[n]
            r = results["consolidate"] if n == args.n else measure("consolidate", f, reg, args.jobs)
            files = len(_files(f))
            lin.add_row(str(n), str(files), f"{r['seconds']:.2f}", f"{1000 * r['seconds'] / files:.2f}",
                        f"{r['tree_peak_mb']:.0f}", f"{r['peak_mb']:.0f} + {r['worker_peak_mb']:.0f}")
        console.print(lin)


if __name__ == "__main__":
    main()
