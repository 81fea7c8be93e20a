"""``--previous``: last round side by side, tenfold jumps and restated previous-year figures.

Two simulated rounds of Sơn La 2024 (periods 2023 and 2024) where round 2 repeats round 1 exactly
(its "Năm 2023" column is what each unit reported for 2023, its "Năm 2024" column the same
figures again), except for injected changes: three counts at exactly 10× last round's, one at
10× − 1 (not flagged), one count jumping from a zero baseline (not flagged), and two restated
"Năm 2023" figures. ``cchc consolidate --previous`` must list exactly the 10× counts and the
restated figures, and nothing else.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cchc
from test_print import province_registry

from consolidate.summary_page import SUMMARY_SHEET
from simulate import SimulationTruth, simulate_round
from workbooks.catalog.loader import get_form
from workbooks.catalog.model import IndicatorSheet
from workbooks.messages import text
from workbooks.registry import load_registry
from workbooks.writer import Prefill, generate_workbook
from workbooks.writer.batch import unit_info

FORM_ID = "sonla-2024"
CLEAN = {"missing": 0, "late": 0, "with_mistakes": 0, "duplicate": 0, "broken": 0}


def free_counts() -> list[str]:
    """Counts of every level that no rule of the form mentions (changing one breaks no rule)."""
    form = get_form(FORM_ID)
    ruled = {code for rule in form.all_rules for code in (*rule.left, *rule.right)}
    return [i.code for s in form.sheets if isinstance(s, IndicatorSheet) for i in s.indicators
            if i.kind == "count" and not i.levels and i.code not in ruled]


def rewrite(truth: SimulationTruth, code: str, cells: dict, year: int) -> None:
    """Write one unit's return again with other cell values (same file, same modification time)."""
    unit = truth.units[code]
    assert unit.prefill is not None and unit.path is not None
    mtime = unit.path.stat().st_mtime
    prefill = Prefill(cells, dict(unit.prefill.notes), {k: list(v) for k, v in unit.prefill.lists.items()},
                      dict(unit.prefill.info))
    info = unit_info(next(u for u in truth_registry(truth) if u.code == code))
    generate_workbook(get_form(FORM_ID), unit.path, info, year, prefill=prefill)
    os.utime(unit.path, (mtime, mtime))
    unit.prefill = prefill


def truth_registry(truth: SimulationTruth):
    """The registry of the rounds (kept on the truth object by the fixture)."""
    return truth.registry  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Both rounds consolidated (round 2 with --previous round 1) and what was injected."""
    folder = tmp_path_factory.mktemp("previous")
    registry = load_registry(province_registry(24, folder))
    form = get_form(FORM_ID)
    rng = random.Random(2025)
    free = free_counts()

    first = simulate_round(form, registry, folder / "r1", year=2023, rng_seed=11, jobs=2, **CLEAN)
    first.registry = registry  # type: ignore[attr-defined]
    units = list(first.written)
    zero_unit, zero_code = units[0], free[0]
    cells = dict(first.units[zero_unit].prefill.cells)
    cells[(zero_code, "year")] = 0
    rewrite(first, zero_unit, cells, 2023)
    out1 = folder / "r1.xlsx"
    done = run_cchc("consolidate", folder / "r1", "--form", FORM_ID, "--registry", folder / "don_vi.csv",
                    "--out", out1, "--period", "2023", "--jobs", "2")
    assert done.code == 0, done.text

    second = simulate_round(form, registry, folder / "r2", year=2024, rng_seed=12, jobs=2, **CLEAN)
    second.registry = registry  # type: ignore[attr-defined]
    last = {code: first.units[code].prefill.cells for code in units}
    plan = {code: dict(second.units[code].prefill.cells) for code in units}
    for code, cells in plan.items():  # round 2 says again what round 1 said, for both years
        for key in cells:
            cells[key] = last[code][(key[0], "year")]
    candidates = [(u, c) for u in units[1:] for c in free if (last[u][(c, "year")] or 0) >= 2]
    rng.shuffle(candidates)
    picked: list[tuple[str, str]] = []
    for u, c in candidates:  # distinct units, so every injection is its own
        if u not in {p[0] for p in picked}:
            picked.append((u, c))
        if len(picked) == 6:
            break
    tenfold, near, restated = picked[:3], picked[3], picked[4:6]
    for u, c in tenfold:
        plan[u][(c, "year")] = 10 * last[u][(c, "year")]
    u, c = near
    plan[u][(c, "year")] = 10 * last[u][(c, "year")] - 1
    plan[zero_unit][(zero_code, "year")] = 50
    for u, c in restated:
        plan[u][(c, "prev_year")] = last[u][(c, "year")] + 3
    for code, cells in plan.items():
        rewrite(second, code, cells, 2024)
    out2 = folder / "r2.xlsx"
    done = run_cchc("consolidate", folder / "r2", "--form", FORM_ID, "--registry", folder / "don_vi.csv",
                    "--out", out2, "--jobs", "2", "--previous", out1)
    assert done.code == 0, done.text
    return {"out1": out1, "out2": out2, "console": done.out, "tenfold": tenfold, "restated": restated,
            "near": near, "zero": (zero_unit, zero_code), "units": units}


def test_previous_flags_exactly_the_injected_values(rounds: dict) -> None:
    """"So với kỳ trước" lists the three 10× counts and the two restated 2023 figures, nothing else."""
    ws = openpyxl.load_workbook(rounds["out2"])[text("previous.sheet")]
    listed = {(r[0], r[1], r[3], r[6]) for r in ws.iter_rows(min_row=5, values_only=True) if r[1]}
    expected = {(text("previous.tenfold"), u, c, "Năm 2024") for u, c in rounds["tenfold"]}
    expected |= {(text("previous.restated"), u, c, "Năm 2023") for u, c in rounds["restated"]}
    assert listed == expected
    assert int(ws.page_setup.paperSize) == 9 and ws.print_title_rows
    line = text("previous.console", period="2023", tenfold=3, restated=2, sheet=text("previous.sheet"))
    assert line in " ".join(rounds["console"].split())


def test_summary_shows_last_rounds_province_figure_and_the_change(rounds: dict) -> None:
    """"Tổng hợp" of round 2: beside each year's province figure, last round's and the change."""
    now = openpyxl.load_workbook(rounds["out2"])[SUMMARY_SHEET]
    before = openpyxl.load_workbook(rounds["out1"])[SUMMARY_SHEET]
    heads = [now.cell(9, c).value for c in range(1, now.max_column + 1)]
    year_col = next(c for c in range(4, now.max_column + 1) if now.cell(8, c).value == "Năm 2024")
    prev_col = heads.index(text("summary.previous_column"), year_col - 1) + 1
    change_col = prev_col + 1
    old_year_col = next(c for c in range(4, before.max_column + 1) if before.cell(8, c).value == "Năm 2023")
    rows = {now.cell(r, 2).value: r for r in range(now.max_row, 9, -1)}
    changed = {c for _u, c in rounds["tenfold"]} | {rounds["near"][1], rounds["zero"][1]}
    label_of = {i.code: i.label for s in get_form(FORM_ID).sheets if isinstance(s, IndicatorSheet)
                for i in s.indicators}
    restated = {c for _u, c in rounds["restated"]}
    old_col = next(c for c in range(4, now.max_column + 1) if now.cell(8, c).value == "Năm 2023")
    old_prev_col = heads.index(text("summary.previous_column"), old_col - 1) + 1
    for code in ["I.1.a", *sorted(changed | restated)]:
        r = rows[label_of[code]]
        assert before.cell(r, 2).value == label_of[code]
        # under "Năm 2024": last round's own year (2023) and the change
        assert now.cell(r, prev_col).value == before.cell(r, old_year_col).value
        assert now.cell(r, change_col).value == now.cell(r, year_col).value - now.cell(r, prev_col).value
        assert (now.cell(r, change_col).value != 0) == (code in changed), code
        # under "Năm 2023": what was reported for 2023 last round, and how far it was restated
        assert now.cell(r, old_prev_col).value == before.cell(r, old_year_col).value
        assert (now.cell(r, old_prev_col + 1).value != 0) == (code in restated), code


def test_previous_must_exist(tmp_path: Path) -> None:
    """A --previous that is not there: exit 2, the Vietnamese message, nothing written."""
    folder = tmp_path / "in"
    folder.mkdir()
    registry = province_registry(20, tmp_path)
    done = run_cchc("consolidate", folder, "--form", FORM_ID, "--registry", registry, "--out", tmp_path / "x.xlsx",
                    "--previous", tmp_path / "khong_co.xlsx")
    assert done.code == 2
    assert text("previous.not_found", path=tmp_path / "khong_co.xlsx") in " ".join(done.err.split())
    assert not (tmp_path / "x.xlsx").exists()
