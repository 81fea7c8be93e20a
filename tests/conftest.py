"""Shared fixtures: the catalog, workbooks generated once per session, LibreOffice conversion.

``generated`` writes, for every shipped form, the blank template and one workbook per level the
form lists. Tests that take a ``generated_workbook`` argument are parametrized over all of them
(see ``pytest_generate_tests``).

``soffice_convert`` runs LibreOffice headless in a private profile whose configuration forces a
full recalculation of xlsx formulas on load (``OOXMLRecalcMode`` = 0, "always"): by default
LibreOffice trusts the cached results stored in the file, and headless it never asks.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from workbooks.catalog import Form, load_catalog
from workbooks.catalog.loader import known_levels
from workbooks.writer import UnitInfo, generate_workbook, workbook_filename

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
IN_CI = bool(os.environ.get("CI"))
GENERATED_AT = datetime(2024, 10, 15, 8, 30, 0)
SOFFICE_TIMEOUT = 240

# One plausible unit per level (Vietnamese names exercise the Windows-safe file names).
UNITS = {
    "tinh": ("P14", "UBND tỉnh Sơn La"),
    "so_nganh": ("SNV", "Sở Nội vụ"),
    "huyen": ("H-MUONGLA", "UBND huyện Mường La"),
    "phong_huyen": ("H-MUONGLA-PNV", "Phòng Nội vụ huyện Mường La"),
    "xa": ("03646", "Phường Tô Hiệu"),
}


def _catalog_cases() -> list[tuple[str, str | None]]:
    return [(fid, level) for fid, form in load_catalog().items() for level in (None, *form.levels)]


def case_id(form_id: str, level: str | None) -> str:
    """Test id of a generated workbook: ``sonla-2024-huyen``, ``sonla-2024-blank``."""
    return f"{form_id}-{level or 'blank'}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``generated_workbook``: parametrized over every (form, level) workbook."""
    if "generated_workbook" in metafunc.fixturenames:
        cases = _catalog_cases()
        metafunc.parametrize("generated_workbook", cases, indirect=True,
                             ids=[case_id(*c) for c in cases])


@dataclass(frozen=True)
class Generated:
    """One workbook written by the session fixture."""

    form: Form
    level: str | None
    unit: UnitInfo
    year: int
    path: Path
    generated_at: datetime = GENERATED_AT


def unit_for(level: str | None) -> UnitInfo:
    """The test unit of ``level`` (the blank template's empty unit for None)."""
    if level is None:
        return UnitInfo()
    code, name = UNITS[level]
    return UnitInfo(code, name, level, known_levels()[level])


@pytest.fixture(scope="session")
def catalog() -> dict[str, Form]:
    """Every shipped form, keyed by id."""
    return load_catalog()


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    """A fresh temporary directory for one test."""
    return tmp_path


@pytest.fixture(scope="session")
def session_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary directory shared by the whole session."""
    return tmp_path_factory.mktemp("session")


@pytest.fixture(scope="session")
def generated(catalog: dict[str, Form], tmp_path_factory: pytest.TempPathFactory
              ) -> dict[tuple[str, str | None], Generated]:
    """Generate once: for every form the blank template and one workbook per level it lists."""
    out = tmp_path_factory.mktemp("generated")
    result: dict[tuple[str, str | None], Generated] = {}
    for form_id, level in _catalog_cases():
        form = catalog[form_id]
        unit = unit_for(level)
        year = form.period.default_year
        path = generate_workbook(form, out / workbook_filename(form, unit), unit=unit, year=year,
                                 generated_at=GENERATED_AT)
        result[(form_id, level)] = Generated(form, level, unit, year, path)
    return result


@pytest.fixture
def generated_workbook(request: pytest.FixtureRequest, generated: dict) -> Generated:
    """One generated workbook (parametrized over every form and level)."""
    return generated[request.param]


@pytest.fixture(scope="session")
def opened() -> Iterator:
    """openpyxl workbooks, loaded once per session on first use (read only by convention)."""
    cache: dict[Path, openpyxl.Workbook] = {}

    def load(path: Path) -> openpyxl.Workbook:
        if path not in cache:
            cache[path] = openpyxl.load_workbook(path)
        return cache[path]

    yield load
    for wb in cache.values():
        wb.close()


@pytest.fixture(scope="session")
def seeds() -> Path:
    """The published source documents (``../shared/seeds``, present for developers and CI)."""
    if not SEEDS.is_dir():
        message = f"source documents not found at {SEEDS}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return SEEDS


# --------------------------------------------------------------------------- LibreOffice

RECALC_CONFIG = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


def soffice_binary() -> str | None:
    """Path of LibreOffice's ``soffice`` (None when not installed)."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice",
                      "/Applications/LibreOffice.app/Contents/MacOS/soffice",
                      r"C:\Program Files\LibreOffice\program\soffice.exe"):
        if Path(candidate).exists():
            return candidate
    return None


def require_soffice() -> str:
    """The ``soffice`` path; skips the test without LibreOffice (fails in CI, which installs it)."""
    binary = soffice_binary()
    if binary is None:
        if IN_CI:
            pytest.fail("LibreOffice (soffice) is required in CI but is not installed")
        pytest.skip("LibreOffice (soffice) is not installed; install libreoffice-calc to run this test")
    return binary


def lo_profile() -> Path:
    """This process's LibreOffice profile, configured to recalculate every formula on load."""
    profile = Path(f"/tmp/lo_profile_{os.getpid()}")
    config = profile / "user" / "registrymodifications.xcu"
    if not config.exists():
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(RECALC_CONFIG, encoding="utf-8")
    return profile


def soffice_convert(src: Path | Sequence[Path], fmt: str, outdir: Path,
                    timeout: float = SOFFICE_TIMEOUT) -> Path | list[Path]:
    """Convert one file (or many, in one LibreOffice run) with ``soffice --convert-to``.

    Args:
        src: a file or a list of files.
        fmt: target, e.g. ``"pdf"``, ``"xlsx"`` or ``"xlsx:Calc MS Excel 2007 XML"``.
        outdir: output folder (must differ from the sources' folder for same-format conversions).
        timeout: seconds before LibreOffice is killed and the test fails.

    Returns:
        The output path (a list of paths when ``src`` is a list), each checked to exist.
    """
    binary = require_soffice()
    sources = [Path(src)] if isinstance(src, str | Path) else [Path(s) for s in src]
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = [binary, "--headless", "--norestore", "--nolockcheck",
           f"-env:UserInstallation={lo_profile().as_uri()}",
           "--convert-to", fmt, "--outdir", str(outdir), *map(str, sources)]
    ext = fmt.split(":", 1)[0]
    outputs = [outdir / f"{s.stem}.{ext}" for s in sources]
    for out in outputs:  # an old output must not pass for a new one
        out.unlink(missing_ok=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the group we started: soffice and its children
        proc.communicate()
        pytest.fail(f"soffice did not finish within {timeout}s: {' '.join(cmd)}")
    missing = [o.name for o in outputs if not o.exists()]
    errors = [line for line in (stdout + stderr).splitlines() if line.lower().startswith("error")]
    assert proc.returncode == 0 and not missing and not errors, (
        f"soffice failed (exit {proc.returncode}); missing {missing}\nstdout: {stdout}\nstderr: {stderr}")
    return outputs[0] if isinstance(src, str | Path) else outputs


@pytest.fixture(scope="session")
def soffice() -> Iterator:
    """``soffice_convert`` (skips without LibreOffice); the private profile is removed afterwards."""
    require_soffice()
    yield soffice_convert
    shutil.rmtree(lo_profile(), ignore_errors=True)


# --------------------------------------------------------------------------- the command line

@dataclass(frozen=True)
class CommandResult:
    """What a user sees of one ``cchc`` run: exit code and the two streams."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        """Both streams, as a terminal shows them."""
        return self.out + self.err


def run_cchc(*args: str | os.PathLike, cwd: Path | None = None, timeout: float = 300,
             env: dict[str, str] | None = None, stdin: str | None = None) -> CommandResult:
    """Run ``cchc ARGS…`` as a user would: a fresh process of this checkout's code.

    The command runs as ``python -m cchc`` with this checkout first on ``PYTHONPATH``, so the
    code under test is the code beside this file (not another installed copy).
    """
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1",
                "PYTHONIOENCODING": "utf-8", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "cchc", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout, env=full_env, input=stdin)
    return CommandResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cchc() -> object:
    """``run_cchc``, as a fixture."""
    return run_cchc
