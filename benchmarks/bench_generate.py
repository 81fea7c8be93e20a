"""Benchmark: workbooks per second for the Sơn La 2024 form over the sample registry.

Run: python benchmarks/bench_generate.py [--jobs N] [--repeat K]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from cchc.commands.demo import DEMO_FORM, SAMPLE_REGISTRY
from workbooks.catalog.loader import get_form
from workbooks.registry import load_registry
from workbooks.writer.batch import generate_all


def main() -> None:
    """Generate the sample registry's workbooks ``repeat`` times and print the rate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    form, registry = get_form(DEMO_FORM), load_registry(SAMPLE_REGISTRY)
    for jobs in sorted({1, args.jobs}):
        rates = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                paths = generate_all(form, registry, out, jobs=jobs)
                rates.append(len(paths) / (time.perf_counter() - start))
        print(f"{DEMO_FORM}: {len(paths)} workbooks, jobs={jobs}: "
              f"best {max(rates):.1f} workbooks/s, median {sorted(rates)[len(rates) // 2]:.1f} workbooks/s")


if __name__ == "__main__":
    main()
