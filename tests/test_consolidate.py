"""Consolidation (``consolidate/``, ``cchc consolidate``) against a simulated round's truth.

1. Totals equal a ground truth computed here from the simulator's truth (what every unit's file
   holds), not through the consolidation's code: sums, ratios as Σ num / Σ den, percentages
   given alone as min / median / max, choices per code, list rows per group and status —
   overall, per level and per parent unit.
2. Every kind of bad file (``tests/returns.py``) mixed into the folder: no crash, each file
   accounted for with its reason, the totals of the good returns unchanged.
3. Re-running reads nothing; a corrected return replaces the old one in the totals and the
   store keeps both.
4. The output workbook reopened: sheets, totals cells, charts, formula-like text kept as text.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import returns

from cchc.cli import main as cchc_main
from consolidate.aggregate import SCOPE_ALL, SCOPE_LEVEL, SCOPE_PARENT
from consolidate.model import Consolidation
from consolidate.output import (
    CHARTS_SHEET,
    EXPLAIN_SHEET,
    FILES_SHEET,
    FINDINGS_SHEET,
    MISSING_SHEET,
    PARENT_SHEET,
    STATUS_SHEET,
    SUMMARY_SHEET,
    UNITS_SHEET,
    UNUSABLE_SHEET,
    list_sheet_name,
)
from consolidate.run import consolidate
from consolidate.store import Store
from consolidate.summary_sheet import CODE_HEADER, MEASURE_HEADER
from simulate import SimulationTruth, UnitTruth, plausible_prefill, simulate_round
from workbooks.catalog.loader import get_form, known_levels, load_catalog
from workbooks.catalog.model import Form, IndicatorSheet
from workbooks.registry import Registry, Unit, load_registry, write_registry
from workbooks.writer import Prefill, UnitInfo, generate_workbook
from workbooks.writer.metadata import META_SHEET

ROOT = Path(__file__).resolve().parents[1]
FORM_ID = "sonla-2024"
SEED = 515
FORMULA_TEXTS = ("=SUM(A1:A9)", "+84 912 345 678", "-không có-", "@admin")
RESTRUCTURINGS = (returns.rename_sheet, returns.hide_columns, returns.formulas_to_values,
                  returns.drop_cached_values, returns.decompose_text, returns.insert_row_above_data,
                  returns.unprotect_and_restructure, returns.remove_table)


# --------------------------------------------------------------------------- fixtures


def _test_registry() -> list[Unit]:
    """Province, 6 departments, 2 districts and 24 communes: 12 under each district."""
    sample = load_registry(ROOT / "workbooks" / "registries" / "sonla.csv")
    units = [u for u in sample if u.level == "tinh"]
    units += [u for u in sample if u.level == "so_nganh"][:6]
    units += [Unit("H01", "UBND huyện Thử Một", "huyen", "P14"), Unit("H02", "UBND huyện Thử Hai", "huyen", "P14")]
    communes = [u for u in sample if u.level == "xa"][:24]
    # Sơn La 2024 is for sở and districts (issue 13); a province may still ask communes to fill
    # it: the registry says so by listing the form for them (24 communes keep the round large)
    units += [replace(u, parent_code="H01" if i % 2 else "H02", forms=(FORM_ID,)) for i, u in enumerate(communes)]
    return units


@pytest.fixture(scope="module")
def form() -> Form:
    """The Sơn La 2024 form: a grouped list, counts, ratios, percentages and choices."""
    return get_form(FORM_ID)


@pytest.fixture(scope="module")
def registry_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test registry as a CSV file."""
    return write_registry(_test_registry(), tmp_path_factory.mktemp("registry") / "units.csv")


@pytest.fixture(scope="module")
def registry(registry_path: Path) -> Registry:
    """The test registry."""
    return load_registry(registry_path)


@pytest.fixture(scope="module")
def sim(form: Form, registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> SimulationTruth:
    """A simulated round: 3 units missing, 2 late, 3 with mistakes, 1 sending two versions, 1 broken."""
    return simulate_round(form, registry, tmp_path_factory.mktemp("round") / "in", rng_seed=SEED, jobs=2)


@pytest.fixture(scope="module")
def run_all(sim: SimulationTruth, registry_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Consolidation:
    """The round consolidated with every return used (``--include-errors``), with the deadline."""
    out = tmp_path_factory.mktemp("out_all") / "tong_hop.xlsx"
    return consolidate(sim.out_dir, FORM_ID, registry_path, out, include_errors=True,
                       deadline=sim.deadline.date(), jobs=2)


@pytest.fixture(scope="module")
def run_default(sim: SimulationTruth, registry_path: Path, tmp_path_factory: pytest.TempPathFactory
                ) -> Consolidation:
    """The round consolidated with the defaults (returns with errors left out)."""
    out = tmp_path_factory.mktemp("out_default") / "tong_hop.xlsx"
    return consolidate(sim.out_dir, FORM_ID, registry_path, out, deadline=sim.deadline.date(), jobs=1)


# --------------------------------------------------------------------------- ground truth (independent)


def _kind_of(form: Form) -> dict[str, str]:
    """Value code -> how it is totalled, read from the catalog (ratio inputs count as sums)."""
    out = {}
    for sheet in form.sheets:
        if isinstance(sheet, IndicatorSheet):
            for ind in sheet.indicators:
                if ind.kind == "ratio":
                    out[f"{ind.code}:num"] = out[f"{ind.code}:den"] = "count"
                    out[ind.code] = "ratio"
                else:
                    out[ind.code] = ind.kind
    return out


def _close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def expected_totals(form: Form, units: list[UnitTruth]) -> dict[tuple[str, str, str], float]:
    """(code, column, measure) -> value, from what the simulator wrote into the files."""
    kinds = _kind_of(form)
    cells: dict[tuple[str, str], list[float]] = defaultdict(list)
    for u in units:
        for key, number in u.numbers.items():
            if number is not None:
                cells[key].append(number)
    out: dict[tuple[str, str, str], float] = {}
    for (code, col), numbers in cells.items():
        kind = kinds[code]
        if kind in {"count", "cumulative"}:
            out[(code, col, "sum")] = float(sum(numbers))
            out[(code, col, "n")] = float(len(numbers))
        elif kind in {"percent", "decimal"}:
            out[(code, col, "median")] = float(statistics.median(numbers))
            out[(code, col, "min")] = float(min(numbers))
            out[(code, col, "max")] = float(max(numbers))
            out[(code, col, "n")] = float(len(numbers))
        elif kind == "choice":
            for code_value, n in Counter(numbers).items():
                out[(code, col, f"choice={int(code_value)}")] = float(n)
            out[(code, col, "n")] = float(len(numbers))
    for code, kind in kinds.items():
        if kind != "ratio":
            continue
        for col in ("prev_year", "year"):
            pairs = [(u.numbers.get((f"{code}:num", col)), u.numbers.get((f"{code}:den", col))) for u in units]
            pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
            if pairs:
                den = sum(b for _, b in pairs)
                scale = 100 if form.indicator(code).display == "percent" else 1  # máy/người: a plain ratio
                out[(code, col, "rate")] = sum(a for a, _ in pairs) / den * scale if den else math.nan
                out[(code, col, "n")] = float(len(pairs))
    return out


def expected_list_counts(units: list[UnitTruth]) -> Counter:
    """(group, status) -> rows of Phụ lục I, plus (group, "") -> rows."""
    counts: Counter = Counter()
    for u in units:
        assert u.prefill is not None
        for row in u.prefill.lists.get("pl1", []):
            counts[(row["group"], row.get("status", ""))] += 1
            counts[(row["group"], "")] += 1
    return counts


def check_totals(result: Consolidation, form: Form, units: list[UnitTruth], scope: str = SCOPE_ALL,
                 scope_code: str = "") -> int:
    """Compare every expected total of one scope; returns how many were compared."""
    totals = result.aggregates.totals
    mine = totals[(totals["scope"] == scope) & (totals["scope_code"] == scope_code)]
    got = dict(zip(zip(mine["code"], mine["column"], mine["measure"], strict=True), mine["value"], strict=True))
    expected = expected_totals(form, units)
    wrong = {k: (v, got.get(k)) for k, v in expected.items() if not _close(v, got.get(k, math.nan))}
    assert not wrong, f"{scope}/{scope_code}: {len(wrong)} totals differ, e.g. {list(wrong.items())[:5]}"
    counts = expected_list_counts(units)
    lc = result.aggregates.list_counts
    lc = lc[(lc["scope"] == scope) & (lc["scope_code"] == scope_code) & (lc["sheet_id"] == "pl1")]
    for (group, status), n in counts.items():
        column = "status" if status else ""
        hit = lc[(lc["group"] == group) & (lc["column"] == column) & (lc["value"] == status)]
        assert hit["rows"].tolist() == [n], (scope_code, group, status)
    assert lc[(lc["group"] == "*") & (lc["column"] == "")]["rows"].tolist() == [
        sum(n for (g, s), n in counts.items() if not s)]
    return len(expected)


# --------------------------------------------------------------------------- 1. totals


def test_totals_equal_the_simulated_truth(run_all: Consolidation, sim: SimulationTruth, form: Form) -> None:
    """With every return used, each province total equals the one computed from the truth."""
    written = [sim.units[c] for c in sim.written]
    assert {o.unit_code for o in run_all.used} == set(sim.written)
    compared = check_totals(run_all, form, written)
    assert compared > 400


def test_ratios_are_recomputed_never_averaged(run_all: Consolidation, sim: SimulationTruth) -> None:
    """Σ numerators / Σ denominators, which differs from the mean of the units' percentages."""
    written = [sim.units[c] for c in sim.written]
    code, col = "II.2.4.a", "year"
    num = [u.numbers[(f"{code}:num", col)] for u in written]
    den = [u.numbers[(f"{code}:den", col)] for u in written]
    exact = sum(num) / sum(den) * 100
    mean_of_rates = statistics.mean(a / b * 100 for a, b in zip(num, den, strict=True))
    got = run_all.aggregates.value(code, col, "rate")
    assert got == pytest.approx(exact, rel=1e-12)
    assert abs(got - mean_of_rates) > 1e-6


def test_totals_per_level_and_per_parent(run_all: Consolidation, sim: SimulationTruth, form: Form,
                                         registry: Registry) -> None:
    """The same truth, restricted to the units of each level and of each parent."""
    written = [sim.units[c] for c in sim.written]
    for level in {u.level for u in written}:
        check_totals(run_all, form, [u for u in written if u.level == level], SCOPE_LEVEL, level)
    parent_of = {u.code: u.parent_code for u in registry}
    for parent in {parent_of[u.code] for u in written}:
        check_totals(run_all, form, [u for u in written if parent_of[u.code] == parent], SCOPE_PARENT, parent)


def test_errors_left_out_by_default(run_default: Consolidation, sim: SimulationTruth, form: Form) -> None:
    """Without --include-errors, returns breaking an error rule are left out and say so."""
    statuses = {o.unit_code: o.status for o in run_default.outcomes if o.status != "duplicate"}
    broke_rules = [c for c in sim.written if sim.units[c].violated]
    assert broke_rules
    for code in broke_rules:
        assert statuses[code] == "errors_excluded"
    used = {o.unit_code for o in run_default.used}
    assert used and used.isdisjoint(broke_rules)
    check_totals(run_default, form, [sim.units[c] for c in used])
    wb = openpyxl.load_workbook(run_default.out, read_only=True)
    assert "Không tính" in wb[SUMMARY_SHEET]["A3"].value  # the printed sheet names no command-line option …
    assert "--include-errors" not in wb[SUMMARY_SHEET]["A3"].value
    assert "--include-errors" in wb[EXPLAIN_SHEET]["A4"].value  # … its explanation does


def test_every_file_and_unit_accounted_for(run_all: Consolidation, sim: SimulationTruth) -> None:
    """One outcome per file; duplicate, broken, missing and late units reported as such."""
    files = sorted(p.name for p in sim.out_dir.iterdir())
    assert sorted(o.rel for o in run_all.outcomes) == files
    by_file = {o.rel: o for o in run_all.outcomes}
    for code in sim.duplicated:
        older, newer = sim.units[code].files
        assert by_file[older.name].status == "duplicate" and by_file[older.name].reason == "older_version"
        assert by_file[newer.name].status in {"used", "used_warnings", "errors_used"}
    for code in sim.broken:
        outcome = by_file[sim.units[code].path.name]
        assert outcome.status == "rejected" and outcome.reason == "damaged"
    status = {u.unit.code: u.status for u in run_all.units}
    assert {c for c, s in status.items() if s == "missing"} == set(sim.missing) | set(sim.broken)
    assert {c for c, s in status.items() if s == "late"} == set(sim.late) - set(sim.broken)


# --------------------------------------------------------------------------- 2. bad files


def _set_metadata(src: Path, dst: Path, **values: str) -> Path:
    """A copy of a return whose metadata sheet says something else (e.g. another form version)."""
    wb = openpyxl.load_workbook(src)
    ws = wb[META_SHEET]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    for key, value in values.items():
        name = f"cchc_{key}"
        for prop in wb.custom_doc_props.props:
            if prop.name == name:
                prop.value = value
    wb.save(dst)
    wb.close()
    return dst


def _filled(form: Form, unit: UnitInfo, dst: Path, year: int | None = None) -> Path:
    prefill = plausible_prefill(form, unit.level, random.Random(f"bad:{form.id}:{unit.code}"), year)
    return generate_workbook(form, dst, unit, year or form.period.default_year, prefill=prefill)


@pytest.fixture(scope="module")
def bad_folder(sim: SimulationTruth, tmp_path_factory: pytest.TempPathFactory, form: Form) -> tuple[Path, dict]:
    """The round's folder plus one file of every bad kind (file name -> expected (status, reason)).

    Unreadable or unusable files are added; restructured returns (renamed sheet, hidden columns,
    formulas pasted as values, no cached values, decomposed Unicode, inserted row, table moved,
    Excel table removed, re-saved as .xls) replace the unit's original file.
    """
    folder = tmp_path_factory.mktemp("bad") / "in"
    shutil.copytree(sim.out_dir, folder)
    good = sim.units[sim.written[0]].path
    expect: dict[str, tuple[str, str]] = {}

    def add(name: str, status: str, reason: str) -> Path:
        expect[name] = (status, reason)
        return folder / name

    returns.empty_file(add("rong.xlsx", "rejected", "empty"))
    returns.damaged_zip(good, add("tai_do_dang.xlsx", "rejected", "damaged"))
    returns.password_protected(good, add("co_mat_khau.xlsx", "rejected", "encrypted"))
    for kind in ("docx", "pdf", "txt"):
        returns.not_excel(add(f"doi_duoi_{kind}.xlsx", "rejected", "not_excel"), kind)
    returns.blank_template(form, add("mau_trong.xlsx", "rejected", "blank_template"))
    other = get_form("tuangiao-2024")
    _filled(other, UnitInfo("03646", "Phường Tô Hiệu", "xa", "xa"), add("bieu_khac.xlsx", "rejected", "other_form"))
    _filled(form, UnitInfo("ZZ999", "Xã không có trong danh sách", "xa", "xa"),
            add("don_vi_la.xlsx", "rejected", "unknown_unit"))
    _set_metadata(good, add("phien_ban_cu.xlsx", "rejected", "version_mismatch"),
                  form_version=str(form.version - 1))  # a return of the previous version
    _filled(form, UnitInfo("STP", "Sở Tư pháp", "so_nganh", "so_nganh"), add("nam_truoc.xlsx", "rejected",
                                                                             "other_period"), year=2023)
    (folder / "ghi_chu.txt").write_text("Danh sách đã nhận", encoding="utf-8")
    expect["ghi_chu.txt"] = ("not_excel_file", "other_extension")
    (folder / "~$dang_mo.xlsx").write_bytes(b"\x00" * 165)
    expect["~$dang_mo.xlsx"] = ("not_excel_file", "lock_file")
    sub = folder / "thu muc con"
    sub.mkdir()
    shutil.copy2(good, sub / "ban_sao_cung_noi_dung.xlsx")  # same content, same file time
    # returns restructured by their unit but still readable: used, with the same values
    clean = [sim.units[c].path.name for c in sim.written if not sim.units[c].mistakes
             and not sim.units[c].duplicate and sim.units[c].path != good]
    work = tmp_path_factory.mktemp("bad_work")
    for name, inject in zip(clean, RESTRUCTURINGS, strict=False):
        target = folder / name
        stat = target.stat()
        inject(target, work / name)
        os.replace(work / name, target)
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        expect[name] = ("used*", "")
    if returns.soffice_binary() is not None:  # re-saved as .xls by LibreOffice
        name = clean[len(RESTRUCTURINGS)]
        xls = returns.resave_libreoffice(folder / name, work / "xls", "xls")
        (folder / name).unlink()
        shutil.move(xls, folder / xls.name)
        expect[xls.name] = ("used*", "")
    return folder, expect


def bad_folder_good_name(folder: Path) -> str:
    """The good file that was copied into the subfolder (same bytes)."""
    copy = (folder / "thu muc con" / "ban_sao_cung_noi_dung.xlsx").read_bytes()
    return next(p.name for p in folder.iterdir() if p.is_file() and p.read_bytes() == copy)


def test_bad_files_accounted_for_and_good_totals_unchanged(bad_folder: tuple[Path, dict], run_all: Consolidation,
                                                           registry_path: Path, tmp_path: Path) -> None:
    """Every bad file listed with its reason; the totals equal those of the clean folder."""
    folder, expect = bad_folder
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}
    mtimes = {p: p.stat().st_mtime_ns for p in before}
    result = consolidate(folder, FORM_ID, registry_path, tmp_path / "tong_hop.xlsx", include_errors=True, jobs=2)
    by_file = {o.rel: o for o in result.outcomes}
    assert sorted(o.rel for o in result.outcomes) == sorted(p.relative_to(folder).as_posix() for p in before)
    for name, (status, reason) in expect.items():
        if status == "used*":
            assert by_file[name].status in {"used", "used_warnings"}, (name, by_file[name])
            continue
        assert (by_file[name].status, by_file[name].reason) == (status, reason), name
        assert by_file[name].message
    pair = [by_file["thu muc con/ban_sao_cung_noi_dung.xlsx"], by_file[bad_folder_good_name(folder)]]
    assert sorted(o.status for o in pair)[0] == "duplicate" and {o.reason for o in pair} >= {"same_content"}
    pd.testing.assert_frame_equal(result.aggregates.totals, run_all.aggregates.totals)
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before} == before  # inputs untouched
    assert {p: p.stat().st_mtime_ns for p in before} == mtimes
    unusable = openpyxl.load_workbook(result.out, read_only=True)[UNUSABLE_SHEET]
    listed = {row[0] for row in unusable.iter_rows(min_row=2, values_only=True)}
    assert {n for n, (status, _) in expect.items() if status != "used*"} <= listed


# --------------------------------------------------------------------------- 3. store


def test_rerun_reads_nothing_and_gives_the_same_totals(sim: SimulationTruth, registry_path: Path,
                                                       tmp_path: Path) -> None:
    """The second run on an unchanged folder reads 0 files and produces the same totals."""
    out = tmp_path / "tong_hop.xlsx"
    first = consolidate(sim.out_dir, FORM_ID, registry_path, out, jobs=1)
    second = consolidate(sim.out_dir, FORM_ID, registry_path, out, jobs=1)
    assert first.n_read == len(sim.files) and first.n_cached == 0
    assert second.n_read == 0 and second.n_cached == len(sim.files)
    pd.testing.assert_frame_equal(first.aggregates.totals, second.aggregates.totals)
    assert [(o.rel, o.status, o.reason) for o in first.outcomes] == [(o.rel, o.status, o.reason)
                                                                     for o in second.outcomes]
    assert len(first.report.findings) == len(second.report.findings)


def _corrected(truth: UnitTruth, form: Form, registry: Registry, dst: Path, code: str, col: str,
               delta: int) -> Path:
    """The unit's return again, with one count raised by ``delta`` (and its whole raised alike)."""
    assert truth.prefill is not None
    prefill = Prefill(dict(truth.prefill.cells), dict(truth.prefill.notes), dict(truth.prefill.lists),
                      dict(truth.prefill.info))
    prefill.cells[(code, col)] = int(prefill.cells[(code, col)]) + delta
    unit = registry.by_code(truth.code)
    assert unit is not None
    info = UnitInfo(unit.code, unit.name, unit.level, known_levels()[unit.level], unit.parent_code or "")
    return generate_workbook(form, dst, info, form.period.default_year, prefill=prefill)


def test_correction_replaces_the_old_return_and_history_keeps_both(sim: SimulationTruth, registry_path: Path,
                                                                    registry: Registry, form: Form,
                                                                    tmp_path: Path) -> None:
    """A unit re-sends its file (same name, new content): totals move by the change; both are stored."""
    folder = tmp_path / "in"
    shutil.copytree(sim.out_dir, folder)
    out = tmp_path / "tong_hop.xlsx"
    clean = [c for c in sim.written if not sim.units[c].violated and not sim.units[c].mistakes
             and not sim.units[c].duplicate]
    unit = sim.units[clean[0]]
    code, col = "I.3.c", "year"  # tin/bài tuyên truyền: a count without rules on it
    first = consolidate(folder, FORM_ID, registry_path, out, jobs=1)
    before = first.aggregates.value(code, col, "sum")
    target = folder / unit.path.name
    _corrected(unit, form, registry, target, code, col, 7)
    later = target.stat().st_mtime + 60
    os.utime(target, (later, later))
    second = consolidate(folder, FORM_ID, registry_path, out, jobs=1)
    assert second.n_read == 1
    assert second.aggregates.value(code, col, "sum") == before + 7
    with Store(out.with_suffix(".sqlite")) as store:
        history = store.history(FORM_ID, unit.code)
        assert len(history) == 2
        assert [h["latest_status"] for h in history] == [None, "used"]
        old = store.values_frame(history[0]["sha256"])
        old_value = old[(old["code"] == code) & (old["column"] == col)]["number"].iloc[0]
        assert old_value == unit.prefill.cells[(code, col)]


def test_newer_file_beside_the_old_one_wins(sim: SimulationTruth, registry_path: Path, registry: Registry,
                                            form: Form, tmp_path: Path) -> None:
    """A corrected copy saved next to the first file (later file time) is used; the first is a duplicate."""
    folder = tmp_path / "in"
    shutil.copytree(sim.out_dir, folder)
    clean = [c for c in sim.written if not sim.units[c].violated and not sim.units[c].duplicate]
    unit = sim.units[clean[1]]
    code, col = "I.3.c", "prev_year"
    base = consolidate(folder, FORM_ID, registry_path, tmp_path / "a.xlsx", jobs=1).aggregates.value(code, col, "sum")
    newer = _corrected(unit, form, registry, folder / "ban sua (2).xlsx", code, col, 3)
    later = unit.path.stat().st_mtime + 3600
    os.utime(newer, (later, later))
    result = consolidate(folder, FORM_ID, registry_path, tmp_path / "b.xlsx", jobs=1)
    by_file = {o.rel: o for o in result.outcomes}
    assert by_file["ban sua (2).xlsx"].status in {"used", "used_warnings"}
    assert by_file[unit.path.name].status == "duplicate"
    assert result.aggregates.value(code, col, "sum") == base + 3


# --------------------------------------------------------------------------- 4. the workbook


def _summary_rows(ws, explain) -> tuple[dict[tuple[str, str], list], dict[str, int]]:
    """Rows of the "Tổng hợp" sheet keyed by (code, measure) as "Giải thích số liệu" names them on the
    same row, and the header columns of the first table."""
    rows = list(ws.iter_rows(values_only=True))
    explained = list(explain.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(explained) if CODE_HEADER in r)
    header, sub = rows[header_at], rows[header_at + 1]
    code_col, measure_col = explained[header_at].index(CODE_HEADER), explained[header_at].index(MEASURE_HEADER)
    columns = {}
    current = None
    for i, (top, below) in enumerate(zip(header, sub, strict=False)):
        current = top or current
        if below:
            columns[f"{current}|{below}"] = i
    keyed = {}
    for r, e in zip(rows[header_at + 2:], explained[header_at + 2:], strict=False):
        if len(e) > measure_col and e[code_col] and e[measure_col]:
            keyed.setdefault((e[code_col], e[measure_col]), list(r))
    return keyed, columns


@pytest.fixture(scope="module")
def formula_round(sim: SimulationTruth, registry: Registry, registry_path: Path, form: Form,
                  tmp_path_factory: pytest.TempPathFactory) -> Consolidation:
    """The round with one unit's list rows and notes starting with '=', '+', '-', '@'."""
    folder = tmp_path_factory.mktemp("formula") / "in"
    shutil.copytree(sim.out_dir, folder)
    unit = sim.units[[c for c in sim.written if not sim.units[c].violated and not sim.units[c].duplicate][0]]
    assert unit.prefill is not None
    rows = [dict(r) for r in unit.prefill.lists["pl1"]]
    for row, text in zip(rows, FORMULA_TEXTS, strict=False):
        row["task"] = text
    first_code = next(iter(unit.prefill.notes), "I.1.a")
    prefill = Prefill(dict(unit.prefill.cells), {**unit.prefill.notes, first_code: "=1+1"}, {"pl1": rows},
                      dict(unit.prefill.info))
    info = UnitInfo(unit.code, unit.name, unit.level, known_levels()[unit.level])
    target = folder / unit.path.name
    generate_workbook(form, target, info, form.period.default_year, prefill=prefill)
    os.utime(target, (unit.path.stat().st_mtime,) * 2)
    out = tmp_path_factory.mktemp("formula_out") / "tong_hop.xlsx"
    return consolidate(folder, FORM_ID, registry_path, out, include_errors=True, deadline=sim.deadline.date(),
                       jobs=1)


def test_workbook_sheets_totals_and_charts(formula_round: Consolidation, form: Form) -> None:
    """Reopened with openpyxl: every sheet, the totals as computed, native charts in the package."""
    path = formula_round.out
    assert path is not None and path.exists()
    assert not list(path.parent.glob("*.cchc-tmp"))
    wb = openpyxl.load_workbook(path)
    expected = [SUMMARY_SHEET, UNITS_SHEET, list_sheet_name(form.sheet("pl1")), STATUS_SHEET, MISSING_SHEET,
                FINDINGS_SHEET, UNUSABLE_SHEET, FILES_SHEET, CHARTS_SHEET]
    for name in expected:
        assert name in wb.sheetnames
    assert PARENT_SHEET in wb.sheetnames  # the test registry has three parents (province, two districts)
    parent_keyed, parent_cols = _summary_rows(wb[PARENT_SHEET], wb[EXPLAIN_SHEET])
    h01 = parent_cols["Năm 2024|UBND huyện Thử Một"]
    assert parent_keyed[("I.1.a", "sum")][h01] == formula_round.aggregates.value("I.1.a", "year", "sum",
                                                                                 SCOPE_PARENT, "H01")
    keyed, columns = _summary_rows(wb[SUMMARY_SHEET], wb[EXPLAIN_SHEET])
    agg = formula_round.aggregates
    col_2024 = columns["Năm 2024|Toàn tỉnh"]
    col_2023 = columns["Năm 2023|Toàn tỉnh"]
    for (code, measure), col_key, col in [(("I.1.a", "sum"), "year", col_2024), (("II.2.4.a", "rate"), "year", col_2024),
                                          (("II.2.4.a:den", "sum"), "prev_year", col_2023),
                                          (("II.3.1.d", "median"), "year", col_2024)]:
        shown = round(agg.value(code, col_key, measure), 2) if measure == "median" else agg.value(code, col_key, measure)
        assert keyed[(code, measure)][col] == pytest.approx(shown, rel=1e-12)
    choice = next(ind for s in form.sheets if isinstance(s, IndicatorSheet) for ind in s.indicators
                  if ind.kind == "choice")
    for c in choice.choices:
        measure = f"choice={c.code}"
        assert keyed[(choice.code, measure)][col_2024] == agg.value(choice.code, "year", measure)
    level_col = columns[f"Năm 2024|{known_levels()['xa']}"]
    assert keyed[("I.1.a", "sum")][level_col] == agg.value("I.1.a", "year", "sum", SCOPE_LEVEL, "xa")
    units = list(wb[UNITS_SHEET].iter_rows(min_row=5, values_only=True))
    assert len(units) == len(formula_round.used)
    matrix = agg.matrix
    assert [row[0] for row in units] == agg.units["unit_code"].tolist()
    for i, row in enumerate(units):  # every value of the matrix in its cell, blanks left empty
        for j, cell in enumerate(matrix.cells):
            number, text = matrix.numbers[i, j], matrix.texts[i, j]
            textual = cell.role == "text" or cell.kind in {"text", "date", "yesno"}
            expected = (text or None) if textual else (None if math.isnan(number) else number)
            assert row[6 + j] == expected, (i, cell)
    assert len(list(wb[MISSING_SHEET].iter_rows(min_row=2, max_col=1, values_only=True))) >= 1
    with zipfile.ZipFile(path) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) >= 2
        chart_xml = zf.read(charts[0]).decode()
        assert "Biểu đồ" in chart_xml and "<c:ser>" in chart_xml


def test_unit_rows_rendered_as_xml_or_cell_by_cell(tmp_path: Path) -> None:
    """A "Theo đơn vị" row: numbers, texts (formula-like ones too) and blanks; infinite numbers are
    left blank; a row whose lead values are not all text is written cell by cell, the same."""
    import xlsxwriter

    from consolidate.cells import WORKBOOK_OPTIONS, Formats
    from consolidate.fast_sheet import FastDataWorksheet
    from consolidate.output import _unit_row_by_cell, _UnitRowXml

    path = tmp_path / "hang.xlsx"
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    ws = wb.add_worksheet("Theo đơn vị", worksheet_class=FastDataWorksheet)
    fmts = Formats(wb)
    rows = _UnitRowXml(ws, fmts, 2, [0, 2, 3], [1, 4])
    numbers = np.array([1.5, np.nan, np.inf, 7.0, np.nan])
    texts = np.array([None, "=1+1", None, None, "Có"], dtype=object)
    assert rows.write(0, ["U1", None], numbers, texts)
    assert not rows.write(1, ["U2", 3], numbers, texts)  # an int among the lead values
    _unit_row_by_cell(ws, fmts, 1, 2, ["U2", 3], numbers, texts, [1, 4])
    assert not rows.write(0, ["U1", ""], numbers, texts)  # the row is taken
    wb.close()
    sheet = openpyxl.load_workbook(path).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["U1", None, 1.5, "=1+1", None, 7, "Có"],
                                                                     ["U2", 3, 1.5, "=1+1", None, 7, "Có"]]
    assert sheet["D1"].data_type == sheet["D2"].data_type == "s"
    assert sheet["C1"].number_format == sheet["C2"].number_format == "#,##0.0#"


def test_formula_like_text_stays_text(formula_round: Consolidation, form: Form) -> None:
    """List cells and notes typed as '=…', '+…', '-…', '@…' are strings in the output, no formula anywhere."""
    path = formula_round.out
    wb = openpyxl.load_workbook(path)
    ws = wb[list_sheet_name(form.sheet("pl1"))]
    found = {c.value: c.data_type for row in ws.iter_rows() for c in row if c.value in FORMULA_TEXTS}
    assert set(found) == set(FORMULA_TEXTS)
    assert set(found.values()) == {"s"}
    notes = [c for row in wb[UNITS_SHEET].iter_rows() for c in row if c.value == "=1+1"]
    assert notes and all(c.data_type == "s" for c in notes)
    with zipfile.ZipFile(path) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not [n for n in sheets if "<f>" in zf.read(n).decode()]


def test_tidy_data_written(formula_round: Consolidation) -> None:
    """The tidy tables next to the workbook: values of the returns used, totals, files."""
    names = {p.stem for p in formula_round.data_files}
    assert {"values", "totals", "files", "units", "findings", "list_pl1"} <= names
    folder = formula_round.data_files[0].parent
    totals = pd.read_parquet(folder / "totals.parquet")
    assert len(totals) == len(formula_round.aggregates.totals)
    files = pd.read_parquet(folder / "files.parquet")
    assert len(files) == len(formula_round.outcomes)


# --------------------------------------------------------------------------- 5. the command


def test_command_exit_codes(sim: SimulationTruth, registry_path: Path, tmp_path: Path) -> None:
    """0 when written (even with a broken file in the folder), 2 for wrong arguments, 1 when not writable."""
    out = tmp_path / "kq" / "tong_hop.xlsx"
    args = ["consolidate", str(sim.out_dir), "--form", FORM_ID, "--registry", str(registry_path), "--jobs", "1"]
    assert cchc_main([*args, "--out", str(out), "--deadline",
                      (sim.deadline.date() + timedelta(days=0)).strftime("%d/%m/%Y")]) == 0
    assert out.exists() and (tmp_path / "kq" / "tong_hop_du_lieu" / "totals.parquet").exists()
    assert cchc_main(["consolidate", str(sim.out_dir), "--form", "khong-co", "--registry", str(registry_path),
                      "--out", str(out)]) == 2
    assert cchc_main(["consolidate", str(tmp_path / "khong_co"), "--form", FORM_ID, "--registry",
                      str(registry_path), "--out", str(out)]) == 2
    blocker = tmp_path / "la_thu_muc.xlsx"
    blocker.mkdir()
    assert cchc_main([*args, "--out", str(blocker), "--store", str(tmp_path / "kho.sqlite")]) == 1


@pytest.mark.parametrize("lz4", [True, False])
def test_values_blob_round_trip(monkeypatch, lz4):
    """The per-return blob (Arrow IPC, LZ4 or zlib) gives back every value with its type."""
    import consolidate.blob as blob

    monkeypatch.setattr(blob, "_LZ4", lz4)
    raws = [12, 3.5, None, float("nan"), "Có", True, datetime(2024, 5, 1), datetime(2024, 5, 1, 8, 30), "=1+1"]
    records = [("pl2", "Phụ lục II", f"I.{i}", "year", 0, i + 5, f"D{i + 5}", "count", raw, float(i), "", "")
               for i, raw in enumerate(raws)]
    packed = blob.encode_records(records)
    assert packed[:1] == (b"L" if lz4 else b"Z")
    columns = blob.decode_columns(packed)
    assert columns["raw"] == [12, 3.5, None, None, "Có", "TRUE", "2024-05-01", "2024-05-01T08:30:00", "=1+1"]
    assert [type(v) for v in columns["raw"][:2]] == [int, float]
    assert columns["code"] == [f"I.{i}" for i in range(len(raws))]
    assert columns["row"] == [i + 5 for i in range(len(raws))]
    frame = blob.stack_frames([blob.decode_table(packed)] * 2, [("a.xlsx", "U1", "f"), ("b.xlsx", "U2", "f")])
    assert frame["return_id"].tolist() == ["a.xlsx"] * len(raws) + ["b.xlsx"] * len(raws)
    assert frame["unit_code"].tolist()[-1] == "U2"
    assert blob.decode_columns(blob.encode_records([]))["raw"] == []


@pytest.mark.parametrize("texts", [["Ghi chú", "", None, "a\x00b", "Đắk Lắk ✓"], ["ASCII", "x"], ["\x00"], [None]])
def test_values_blob_keeps_every_text(texts):
    """Texts come back as written: accents, empty, missing (""), a NUL inside a text (old .xls)."""
    import consolidate.blob as blob

    records = [("pl2", "Phụ lục II", f"I.{i}", "note", 0, i + 5, f"F{i + 5}", "text", text, float("nan"),
                text or "", "") for i, text in enumerate(texts)]
    columns = blob.decode_columns(blob.encode_records(records))
    assert columns["text"] == [t or "" for t in texts]
    assert columns["raw"] == texts
    assert columns["sheet"] == ["Phụ lục II"] * len(texts)
    assert columns["cell"] == [f"F{i + 5}" for i in range(len(texts))]


@pytest.mark.parametrize("form_id", sorted(load_catalog()))
def test_warm_up_check_runs_on_every_form(form_id):
    """The made-up value the checks are warmed with while the workers read passes through the
    checks of every form (the run hides a failure there, which would only cost speed)."""
    from consolidate.warmup import check_one_value

    form = get_form(form_id)
    check_one_value(form, form.period.default_year)


def test_reading_process_does_not_import_pandas(tmp_path):
    """Reading a return and encoding its values needs neither pandas nor pandera.

    The reading processes are forked before the main process imports them; a reading process
    that imported pandas itself would spend a quarter of a second on it (pyarrow's ``pa.array``
    does, so the values are encoded from Arrow buffers).
    """
    form = get_form(FORM_ID)
    path = tmp_path / "don_vi.xlsx"
    generate_workbook(form, path, UnitInfo("H01", "UBND huyện Mường La", "huyen", known_levels()["huyen"]))
    code = ("import sys; from consolidate.ingest import ingest_file; "
            f"item = ingest_file({str(path)!r}); assert item.ret is not None, item.message; "
            "print(sorted(m for m in ('pandas', 'pandera') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# --------------------------------------------------------------------------- the fast row path = stock xlsxwriter

PLAIN_VALUES = ["texte", "", None, float("nan"), 0, -3, 12.5, 1e15, 2 ** 53, datetime(2024, 10, 15, 8, 30),
                datetime(2024, 10, 15).date(), "=SUM(A1)", "+84 912", "-không có-", "@admin", "x" * 40_000, "a\nb",
                "Đắk Lắk"]
ODD_VALUES = [float("inf"), float("-inf"), True, np.float64(2.25), np.int64(7), pd.NA]  # rows left to put()


def _cells(path: Path, sheet: str) -> list[list[tuple]]:
    """Every cell as (value, type, number format, bold, left border) — what a user opens."""
    wb = openpyxl.load_workbook(path)
    try:
        return [[(c.value, c.data_type, c.number_format, c.font.b, c.border.left.style) for c in row]
                for row in wb[sheet].iter_rows()]
    finally:
        wb.close()


def _write_both(tmp_path: Path, write) -> tuple[list, list]:
    """The same writing done on the fast worksheet and on xlsxwriter's own, read back."""
    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

    from consolidate.cells import WORKBOOK_OPTIONS, Formats
    from consolidate.fast_sheet import FastDataWorksheet

    out = []
    for name, cls in (("fast", FastDataWorksheet), ("stock", Worksheet)):
        path = tmp_path / f"{name}.xlsx"
        wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
        write(wb.add_worksheet("S", worksheet_class=cls), Formats(wb))
        wb.close()
        out.append(_cells(path, "S"))
    return out[0], out[1]


@pytest.mark.filterwarnings("ignore:Cell .* is marked as a date")
def test_fast_table_rows_equal_stock_xlsxwriter(tmp_path: Path) -> None:
    """Rows of odd values through the fast path and through stock xlsxwriter: the same cells, types, formats."""
    from consolidate.cells import put, table

    plain = [PLAIN_VALUES[i:] + PLAIN_VALUES[:i] for i in range(len(PLAIN_VALUES))]
    odd = [[*row[:-1], ODD_VALUES[i % len(ODD_VALUES)]] for i, row in enumerate(plain)]

    def write(ws, fmts) -> None:
        if hasattr(ws, "write_plain_rows"):
            assert ws.write_plain_rows(0, plain, fmts.cell, {1: fmts.date}) == []  # all on the fast path
        else:
            for r, row in enumerate(plain):
                for c, value in enumerate(row):
                    put(ws, r, c, value, fmts.cell, fmts.date if c == 1 else None)
        table(ws, len(plain), [f"C{i}" for i in range(len(PLAIN_VALUES))], plain + odd, fmts,
              num_fmts={1: fmts.date, 3: fmts.integer})

    fast, stock = _write_both(tmp_path, write)
    assert len(fast) == 3 * len(PLAIN_VALUES) + 1
    assert fast == stock
    texts = {c[0]: c[1] for row in fast for c in row if isinstance(c[0], str)}
    assert {texts[t] for t in ("=SUM(A1)", "+84 912", "-không có-", "@admin")} == {"s"}
    assert len(next(v for v in texts if v.startswith("xxx"))) == 32_767


def test_fast_unit_rows_equal_stock_xlsxwriter(tmp_path: Path) -> None:
    """A "Theo đơn vị" row rendered as XML equals the same values written cell by cell by stock xlsxwriter."""
    from consolidate.cells import put
    from consolidate.fast_sheet import FastDataWorksheet
    from consolidate.output import _UnitRowXml

    numbers = np.array([1.5, np.nan, np.inf, 7.0, np.nan, -3.0, 1e15])
    texts = np.array([None, "=1+1", None, None, "Có", None, None], dtype=object)
    text_cols, number_cols = [1, 4], [0, 2, 3, 5, 6]

    def write(ws, fmts) -> None:
        lead = ["U1", None, "Phường Tô Hiệu"]
        if isinstance(ws, FastDataWorksheet):
            assert _UnitRowXml(ws, fmts, 3, number_cols, text_cols).write(0, lead, numbers, texts)
            return
        for c, value in enumerate(lead):
            put(ws, 0, c, value, fmts.cell)
        for j in number_cols:  # whole numbers print as whole numbers, others with decimals
            if np.isfinite(numbers[j]):
                value = float(numbers[j])
                put(ws, 0, 3 + j, value, fmts.integer if value.is_integer() else fmts.decimal)
        for j in text_cols:
            if texts[j]:
                put(ws, 0, 3 + j, texts[j], fmts.text)

    fast, stock = _write_both(tmp_path, write)
    assert fast == stock
