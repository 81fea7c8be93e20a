"""The simulator package (``simulate/``): its rule evaluator stays independent of the validators.

``simulate.oracle`` is the oracle the validators are measured against (``test_bad_returns``,
``test_consolidate``); if it imported ``validators`` the two could share a mistake and no test
would notice. The check runs in a fresh interpreter so that modules other tests imported do
not hide an import.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import sys
import simulate
import simulate.oracle
print(sorted(m for m in sys.modules if m == "validators" or m.startswith("validators.")))
print(simulate.__file__)
"""


def test_the_simulator_never_imports_the_validators() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded, origin = done.stdout.splitlines()
    assert loaded == "[]"
    assert Path(origin).resolve() == ROOT / "simulate" / "__init__.py"  # this checkout's package, not another


def test_the_package_ships_the_simulator() -> None:
    """``cchc demo`` imports ``simulate``: the package list of pyproject.toml must include it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    shipped = set(find_packages(where=str(ROOT), include=include))
    assert {"simulate", "cchc", "cchc.commands", "workbooks"} <= shipped
