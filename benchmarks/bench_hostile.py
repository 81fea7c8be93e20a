"""Benchmark: hostile and odd files, per class, through ``cchc check`` and ``cchc consolidate``.

Run: ``python benchmarks/bench_hostile.py [--good 20] [--jobs 2]``

Builds 20 good Sơn La 2024 commune returns, LibreOffice's .ods and .xls of the first (when
LibreOffice is installed) and the hostile corpus of ``tests/hostile_files.py``; then, for each
class of hostile files, measures in a fresh process (as a user runs them):

* ``check``: ``cchc check`` of the class's files;
* ``consolidate``: ``cchc consolidate`` of the 20 good returns plus the class's files;

and prints the wall time and the peak memory of the whole process tree (sum of RSS of the command
and every process it started, sampled every 50 ms). The first row is the 20 good returns alone.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import hostile_files as hf  # noqa: E402 - the tests' generators

FORM_ID = "sonla-2024"


def good_returns(folder: Path, n: int) -> tuple[list[Path], Path]:
    """``n`` filled commune returns and their registry."""
    from simulate import plausible_prefill
    from workbooks.catalog.loader import get_form, known_levels
    from workbooks.registry import load_registry, write_registry
    from workbooks.writer import UnitInfo, generate_workbook

    form = get_form(FORM_ID)
    sample = load_registry(ROOT / "workbooks" / "registries" / "sonla.csv")
    communes = [u for u in sample if u.level == "xa"][:n]
    registry = write_registry([u for u in sample if u.level == "tinh"] + communes, folder / "units.csv")
    good = folder / "good"
    good.mkdir(parents=True)
    paths = [generate_workbook(form, good / f"tot_{i}.xlsx", UnitInfo(u.code, u.name, "xa", known_levels()["xa"]),
                               prefill=plausible_prefill(form, "xa", random.Random(i)))
             for i, u in enumerate(communes)]
    return paths, registry


def libreoffice_copies(src: Path, out: Path) -> dict[str, Path]:
    """LibreOffice's .ods and .xls of ``src`` (empty when LibreOffice is not installed)."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if not binary:
        return {}
    profile = Path(tempfile.mkdtemp(prefix="lo_bench_"))
    copies = {}
    for fmt in ("ods", "xls"):
        subprocess.run([binary, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                        "--convert-to", fmt, "--outdir", str(out), str(src)], capture_output=True, timeout=300,
                       check=False)
        if (out / f"{src.stem}.{fmt}").exists():
            copies[fmt] = out / f"{src.stem}.{fmt}"
    shutil.rmtree(profile, ignore_errors=True)
    return copies


def measure(args: list[str]) -> tuple[float, float, int]:
    """(seconds, peak MiB of the process tree, exit code) of ``python -m cchc ARGS``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sampler = hf.TreeSampler()
    start = time.perf_counter()
    with sampler:
        proc = subprocess.run([sys.executable, "-m", "cchc", *args], capture_output=True, text=True, env=env,
                              timeout=1800, check=False)
    if "Traceback" in proc.stdout + proc.stderr:
        print(proc.stderr[-2000:], file=sys.stderr)
    return time.perf_counter() - start, sampler.peak / 2**20, proc.returncode


def main() -> None:
    """Build the corpus, measure every class, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--good", type=int, default=20, help="good returns beside each class (default 20)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes of the consolidation")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cchc_bench_hostile_"))
    try:
        goods, registry = good_returns(work, args.good)
        sources = {"xlsx": goods[0], **libreoffice_copies(goods[0], work / "lo")}
        kinds = tuple(k for k in hf.KINDS if k.source in sources)
        built = hf.build(kinds, sources, work / "hostile")
        classes: dict[str, list[str]] = {}
        for name, kind in built.items():
            classes.setdefault(kind.cls, []).append(name)
        table = Table(title=f"Tệp độc hại theo loại: cchc check, và cchc consolidate {len(goods)} tệp tốt + loại đó")
        for col in ("loại", "số tệp", "check (s)", "check (MiB)", "consolidate (s)", "consolidate (MiB)", "mã thoát"):
            table.add_column(col, justify="right" if col != "loại" else "left")
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        rows = [("(chỉ tệp tốt)", [])] + sorted(classes.items())
        for cls, names in rows:
            folder = work / "run" / cls
            folder.mkdir(parents=True)
            for path in [*goods, *(work / "hostile" / n for n in names)]:
                (folder / path.name).write_bytes(path.read_bytes())
            check = measure(["check", *(str(work / "hostile" / n) for n in names)] if names
                            else ["check", *map(str, goods)])
            out = work / "out" / cls / "tong_hop.xlsx"
            cons = measure(["consolidate", str(folder), "--form", FORM_ID, "--registry", str(registry),
                            "--out", str(out), *jobs])
            table.add_row(cls, str(len(names)), f"{check[0]:.2f}", f"{check[1]:.0f}", f"{cons[0]:.2f}",
                          f"{cons[1]:.0f}", f"{check[2]}/{cons[2]}")
        Console(width=140).print(table)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
