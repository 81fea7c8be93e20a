"""Session fixtures for ``test_simulate.py``: plausible returns, a base return to damage, rounds.

A test module loads them with ``pytest_plugins = ["fixtures_returns"]`` (and must not import this
module itself before, or pytest cannot rewrite its asserts); they build on ``conftest.py``'s
``catalog`` fixture.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import returns

from simulate import SimulationTruth, plausible_prefill, simulate_round
from workbooks.catalog import Form
from workbooks.catalog.loader import known_levels
from workbooks.registry import Registry, load_registry
from workbooks.writer import Prefill, UnitInfo, generate_workbook, workbook_filename

ROOT = Path(__file__).resolve().parents[1]
REGISTRIES = ROOT / "workbooks" / "registries"
SEED = 20240
ROUND_SEED = 7

# One unit per level (names with accents: file names and metadata must keep them).
UNITS = {
    "tinh": ("P14", "UBND tỉnh Sơn La"),
    "so_nganh": ("STP", "Sở Tư pháp"),
    "huyen": ("H-MUONGLA", "UBND huyện Mường La"),
    "phong_huyen": ("TG-PNV", "Phòng Nội vụ huyện Tuần Giáo"),
    "xa": ("TG-QUAITO", "Xã Quài Tở"),
}
BASE_FORM, BASE_LEVEL = "sonla-2024", "huyen"  # every sheet kind: list, ratios, choices, percents


def level_cases(catalog: dict[str, Form], with_template: bool = False) -> list[tuple[str, str | None]]:
    """(form id, level) for every shipped form and level it lists (and None: the template rows)."""
    return [(fid, level) for fid, form in sorted(catalog.items())
            for level in ((None,) if with_template else ()) + form.levels]


def unit_of(level: str) -> UnitInfo:
    """The test unit of ``level``."""
    code, name = UNITS[level]
    return UnitInfo(code, name, level, known_levels()[level])


@dataclass(frozen=True)
class Filled:
    """A plausible return written by the session fixture."""

    form: Form
    level: str
    unit: UnitInfo
    year: int
    prefill: Prefill
    path: Path
    digest: str  # sha256 of the file as written (injectors must never change it)


@pytest.fixture(scope="session")
def filled(catalog: dict[str, Form], tmp_path_factory: pytest.TempPathFactory
           ) -> dict[tuple[str, str], Filled]:
    """One plausible return per shipped form and level (seeded, written once per session)."""
    out = tmp_path_factory.mktemp("filled")
    result: dict[tuple[str, str], Filled] = {}
    for form_id, level in level_cases(catalog):
        form = catalog[form_id]
        assert level is not None
        unit = unit_of(level)
        year = form.period.default_year
        prefill = plausible_prefill(form, level, random.Random(f"{SEED}:{form_id}:{level}"), year)
        path = generate_workbook(form, out / workbook_filename(form, unit), unit, year, prefill=prefill)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        result[(form_id, level)] = Filled(form, level, unit, year, prefill, path, digest)
    return result


@pytest.fixture(scope="session")
def base_return(filled: dict[tuple[str, str], Filled]) -> Filled:
    """The return the injection tests damage (Sơn La 2024, cấp huyện: every kind of sheet and cell)."""
    return filled[(BASE_FORM, BASE_LEVEL)]


@pytest.fixture(scope="session")
def rate_column_return(filled: dict[tuple[str, str], Filled]) -> Filled:
    """A return with computed rate *columns* (Tuần Giáo Phụ lục 03)."""
    return filled[("tuangiao-2024", "xa")]


@pytest.fixture(scope="session")
def injected_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder for damaged copies."""
    return tmp_path_factory.mktemp("injected")


@pytest.fixture(scope="session")
def libreoffice_resaved(base_return: Filled, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The base return re-saved by LibreOffice as .xls and as .xlsx (skips without LibreOffice)."""
    if returns.soffice_binary() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path_factory.mktemp("libreoffice")
    return {fmt: returns.resave_libreoffice(base_return.path, out / fmt, fmt) for fmt in ("xls", "xlsx")}


@pytest.fixture(scope="session")
def tuangiao_registry() -> Registry:
    """The shipped Tuần Giáo registry (9 units: district, offices, communes)."""
    return load_registry(REGISTRIES / "tuangiao.csv")


@pytest.fixture(scope="session")
def small_round(catalog: dict[str, Form], tuangiao_registry: Registry,
                tmp_path_factory: pytest.TempPathFactory) -> SimulationTruth:
    """A simulated round over the Tuần Giáo registry with the default groups (written in-process)."""
    out = tmp_path_factory.mktemp("round")
    return simulate_round(catalog["tuangiao-2024"], tuangiao_registry, out, rng_seed=ROUND_SEED, jobs=1)


@pytest.fixture(scope="session")
def parallel_round(catalog: dict[str, Form], tmp_path_factory: pytest.TempPathFactory) -> SimulationTruth:
    """A simulated round over 30 units of the Sơn La registry, written by two worker processes."""
    registry = load_registry(REGISTRIES / "sonla.csv")
    form = catalog["sonla-2024"]
    # Sơn La 2024 is for sở and districts (issue 13); the sample registry's communes are asked to
    # fill it as well (listed in their forms) so that the round keeps 30 units
    units = [replace(u, forms=(form.id,)) if u.level == "xa" else u for u in registry.units]
    subset = Registry(Registry(units).expected_for(form.id, form.levels)[:30])
    out = tmp_path_factory.mktemp("round_parallel")
    return simulate_round(form, subset, out, rng_seed=ROUND_SEED, missing=2, late=3, with_mistakes=4,
                          duplicate=2, broken=1, jobs=2)
