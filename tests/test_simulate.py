"""Simulated returns (``simulate``) and the bad-return injectors (``tests/returns.py``).

1. Plausible values satisfy every rule instance of every shipped form and level (checked here by
   an evaluator independent of the simulator), read back clean, and — once the validators
   exist — produce no finding at all.
2. A simulated round accounts for every expected unit and writes exactly the files it claims.
3. Every injector changes the file the way its docstring says (the file is reopened).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import random
import unicodedata
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest
import python_calamine as calamine
import returns
from xlsxwriter.utility import xl_rowcol_to_cell

from simulate import (
    RULE_MISTAKES,
    SimulationTruth,
    UnsatisfiableRules,
    emailed_name,
    plausible_prefill,
    simulate_round,
)
from workbooks.catalog import Form, load_catalog
from workbooks.catalog.instances import CellKey, rule_instances
from workbooks.catalog.layout import (
    CODE_HEADER,
    IndicatorLayout,
    ListLayout,
    form_layouts,
    list_layout,
    period_bounds,
    value_cells,
)
from workbooks.catalog.model import NO, YES, Rule
from workbooks.reader import ReturnRejected, read_return
from workbooks.reader.parse import looks_legacy
from workbooks.writer import Prefill, UnitInfo
from workbooks.writer.metadata import META_SHEET
from workbooks.writer.names import data_name, table_name

if TYPE_CHECKING:
    from fixtures_returns import Filled

pytest_plugins = ["fixtures_returns"]  # session fixtures: filled returns, rounds, LibreOffice copies
BASE_FORM = "sonla-2024"  # the form of the ``base_return`` fixture

CATALOG = load_catalog()
UNIT_LEVELS = [(fid, level) for fid, form in sorted(CATALOG.items()) for level in form.levels]
ALL_LEVELS = [(fid, None) for fid in sorted(CATALOG)] + UNIT_LEVELS
SEEDS = range(4)
NUMERIC = {"count", "cumulative", "decimal", "percent", "choice"}


def _ids(cases: list[tuple[str, str | None]]) -> list[str]:
    return [f"{f}-{lv or 'template'}" for f, lv in cases]


# --------------------------------------------------------------------------- an independent evaluator


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _numbers(form: Form, level: str | None, cells: dict[CellKey, object]) -> dict[CellKey, float | None]:
    """Numbers of the input cells and the percentages the workbook computes from them."""
    nums = {k: _number(v) for k, v in cells.items()}
    for lay in form_layouts(form, level):
        if not isinstance(lay, IndicatorLayout):
            continue
        for line in lay.lines:
            for vc in lay.sheet.columns:
                if not lay.applies(line, vc):
                    continue
                if vc.compute_ratio:
                    num, den = (line.code, vc.compute_ratio[0]), (line.code, vc.compute_ratio[1])
                elif line.role == "rate":
                    num, den = (f"{line.code}:num", vc.key), (f"{line.code}:den", vc.key)
                else:
                    continue
                n, d = nums.get(num), nums.get(den)
                scale = 1 if line.indicator and line.indicator.display == "ratio" else 100  # máy/người
                nums[(line.code, vc.key)] = round(n / d * scale, 2) if n is not None and d and d > 0 else None
    return nums


def _broken_rules(form: Form, level: str | None, cells: dict[CellKey, object]) -> tuple[list[str], int]:
    """(ids of violated instances, number of instances checked)."""
    present = set(value_cells(form_layouts(form, level)))
    nums = _numbers(form, level, cells)
    broken, checked = [], 0
    for inst in rule_instances(form, present):
        values = [nums.get(k) for k in inst.left + inst.right]
        if any(v is None for v in values):
            continue
        checked += 1
        left = sum(nums[k] for k in inst.left)  # type: ignore[misc]
        right = sum(nums[k] for k in inst.right) * inst.rule.factor + inst.rule.constant  # type: ignore[misc]
        diff = round(left - right, 6)
        ok = {"<=": diff <= 0, "<": diff < 0, "=": diff == 0, ">=": diff >= 0, ">": diff > 0}[inst.rule.op]
        if not ok:
            broken.append(f"{inst.rule.id}@{inst.anchor}")
    return broken, checked


def _input_lines(form: Form, level: str | None):
    for lay in form_layouts(form, level):
        if isinstance(lay, IndicatorLayout):
            for line in lay.lines:
                for vc in lay.sheet.columns:
                    if lay.is_input(line, vc):
                        yield lay, line, vc


# --------------------------------------------------------------------------- 1. plausible values


@pytest.mark.parametrize(("form_id", "level"), ALL_LEVELS, ids=_ids(ALL_LEVELS))
def test_plausible_values_satisfy_every_rule(form_id: str, level: str | None) -> None:
    form = CATALOG[form_id]
    for seed in SEEDS:
        prefill = plausible_prefill(form, level, random.Random(seed))
        broken, checked = _broken_rules(form, level, prefill.cells)
        assert broken == [], f"seed {seed}: violated {broken}"
        present = set(value_cells(form_layouts(form, level)))
        all_inputs = [i for i in rule_instances(form, present)
                      if all(prefill.cells.get(k) is not None for k in i.left + i.right)]
        assert checked >= len(all_inputs), "every instance over input cells must be checked"


@pytest.mark.parametrize(("form_id", "level"), ALL_LEVELS, ids=_ids(ALL_LEVELS))
def test_plausible_values_fill_every_input_cell_validly(form_id: str, level: str | None) -> None:
    form = CATALOG[form_id]
    year = form.period.default_year
    lo_date, hi_date = period_bounds(form.period, year)
    prefill = plausible_prefill(form, level, random.Random(1), year)
    expected = set()
    for _, line, vc in _input_lines(form, level):
        key = (line.code, vc.key)
        expected.add(key)
        value = prefill.cells[key]
        ind = line.indicator
        assert ind is not None
        kind = line.value_kind
        if kind in {"count", "cumulative"}:
            assert isinstance(value, int) and not isinstance(value, bool) and value >= 0, (key, value)
            if line.role == "value":
                assert ind.min is None or value >= ind.min
                assert ind.max is None or value <= ind.max
        elif kind == "percent":
            assert isinstance(value, float) and 0 <= value <= 100, (key, value)
        elif kind == "decimal":
            assert isinstance(value, float) and value >= (ind.min or 0), (key, value)
        elif kind == "choice":
            assert value in {c.code for c in ind.choices}, (key, value)
        elif kind == "yesno":
            assert value in {YES, NO}, (key, value)
        elif kind == "date":
            assert lo_date <= value <= hi_date, (key, value)
        else:
            assert isinstance(value, str) and value.strip(), (key, value)
    assert set(prefill.cells) == expected
    assert 2 <= len(prefill.notes) <= 4
    assert {code for code, _ in expected} >= set(prefill.notes)
    info = prefill.info
    assert info["reporter"] and info["phone"] and "@" in str(info["email"])
    assert lo_date <= info["report_date"] <= hi_date
    _check_lists(form, level, prefill, lo_date, hi_date)


def _check_lists(form: Form, level: str | None, prefill: Prefill, lo: date, hi: date) -> None:
    sheets = [lay for lay in form_layouts(form, level) if isinstance(lay, ListLayout)]
    assert set(prefill.lists) == {lay.sheet.id for lay in sheets}
    for lay in sheets:
        sheet, rows = lay.sheet, prefill.lists[lay.sheet.id]
        groups = [g.code for g in sheet.groups] or [""]
        per_group = {g: [r for r in rows if r.get("group", "") == g] for g in groups}
        for group, items in per_group.items():
            assert 1 <= len(items) <= min(3, sheet.rows), (sheet.id, group, len(items))
        for row in rows:
            for col in sheet.columns:
                value = row.get(col.key)
                if col.required:
                    assert value not in (None, ""), (sheet.id, col.key, row)
                if value is None:
                    continue
                if col.type == "date":
                    assert lo <= value <= hi, (sheet.id, col.key, value)
                elif col.type == "choice":
                    assert value in col.choices
                elif col.type == "count":
                    assert isinstance(value, int) and value >= 0
            for rule in sheet.row_rules:
                if row.get(rule.when_column) == rule.when_equals:
                    assert all(row.get(k) not in (None, "") for k in rule.require), (rule.id, row)


def test_every_late_task_has_a_deadline() -> None:
    form = CATALOG["sonla-2024"]
    late = [row for seed in range(10)
            for row in plausible_prefill(form, "xa", random.Random(seed)).lists["pl1"]
            if row["status"] == "Quá hạn"]
    assert late, "ten seeds should produce some late tasks"
    assert all(isinstance(row.get("deadline"), date) for row in late)


def test_plausible_values_are_reproducible() -> None:
    form = CATALOG["sonla-2024"]
    first = plausible_prefill(form, "xa", random.Random(42))
    again = plausible_prefill(form, "xa", random.Random(42))
    assert first == again
    assert plausible_prefill(form, "xa", random.Random(43)).cells != first.cells


def test_year_columns_resemble_each_other() -> None:
    """This year's counts stay near last year's (no 10× jumps a plausibility warning would flag)."""
    form = CATALOG["sonla-2024"]
    cells = plausible_prefill(form, "so_nganh", random.Random(5)).cells
    pairs = [(v, cells[(code, "year")]) for (code, col), v in cells.items()
             if col == "prev_year" and isinstance(v, int) and not isinstance(v, bool) and v >= 20]
    assert pairs
    assert all(0.1 < new / old < 10 for old, new in pairs)


def test_texts_do_not_look_like_legacy_encodings() -> None:
    texts: list[str] = []
    for form_id, level in UNIT_LEVELS:
        prefill = plausible_prefill(CATALOG[form_id], level, random.Random(3))
        texts += [v for v in prefill.cells.values() if isinstance(v, str)]
        texts += list(prefill.notes.values()) + [str(prefill.info["reporter"])]
        texts += [v for rows in prefill.lists.values() for row in rows for v in row.values()
                  if isinstance(v, str)]
    suspects = [t for t in texts if looks_legacy(t)]
    assert suspects == []


def test_unsatisfiable_rules_fail_loudly() -> None:
    form = CATALOG["sonla-2022"]
    code = next(ind.code for ind in form.sheets[0].indicators if ind.kind == "count")  # type: ignore[union-attr]
    never = Rule(id="never", left=(code,), op="<", right=(code,), severity="error", message="x")
    broken_form = replace(form, all_rules=(*form.all_rules, never))
    with pytest.raises(UnsatisfiableRules, match="never"):
        plausible_prefill(broken_form, "huyen", random.Random(0))


# --------------------------------------------------------------------------- 1b. read back


def _records(path: Path):
    ret = read_return(path)
    return ret, {(r.sheet_id, r.code, r.column, r.item): r for r in ret.values.itertuples()}


@pytest.mark.parametrize(("form_id", "level"), UNIT_LEVELS, ids=_ids(UNIT_LEVELS))
def test_plausible_return_reads_back_clean(filled: dict[tuple[str, str], Filled], form_id: str,
                                           level: str) -> None:
    item = filled[(form_id, level)]
    ret, records = _records(item.path)
    assert ret.unit_code == item.unit.code and ret.form.id == form_id
    assert ret.notices == []
    for lay, line, vc in _input_lines(item.form, level):
        rec = records[(lay.sheet.id, line.code, vc.key, 0)]
        value = item.prefill.cells[(line.code, vc.key)]
        assert rec.parse == "", (line.code, vc.key, rec.raw, rec.parse)
        if line.value_kind in NUMERIC:
            assert rec.number == pytest.approx(float(value)), (line.code, vc.key)
        else:
            assert rec.text == str(value)
    rates = ret.values[ret.values.kind == "rate"]
    assert set(rates.parse) <= {"", "blank"}
    tags = set(ret.values.parse) - {""}
    assert tags <= {"blank"}, tags
    required = {(lay.sheet.id, c.key) for lay in form_layouts(item.form, level) if isinstance(lay, ListLayout)
                for c in lay.sheet.columns if c.required}
    blanks = ret.values[(ret.values.parse == "blank") & (ret.values.kind != "rate")]
    assert not any((s, c) in required for s, c in zip(blanks.sheet_id, blanks.column, strict=True))
    for sheet_id, rows in item.prefill.lists.items():
        assert ret.values[ret.values.sheet_id == sheet_id]["item"].max() == len(rows)


def _validators():
    try:
        import validators
    except ImportError:
        pytest.skip("validators are not written yet (rule instances are checked directly)")
    if not hasattr(validators, "validate_returns"):
        pytest.skip("validators.validate_returns is not written yet (rule instances are checked directly)")
    return validators


@pytest.mark.parametrize(("form_id", "level"), UNIT_LEVELS, ids=_ids(UNIT_LEVELS))
def test_plausible_return_has_no_findings(filled: dict[tuple[str, str], Filled], form_id: str,
                                          level: str) -> None:
    report = _validators().validate_return(read_return(filled[(form_id, level)].path))
    assert [(f.rule_id, f.severity, f.sheet, f.cell) for f in report.findings] == []


# --------------------------------------------------------------------------- 2. a simulated round


def _check_accounts(truth: SimulationTruth, expected: list[str], missing: int, late: int, mistakes: int,
                    duplicate: int, broken: int) -> None:
    assert list(truth.units) == expected
    groups = [set(truth.missing), set(truth.broken), set(truth.duplicated), set(truth.with_mistakes)]
    assert [len(g) for g in groups] == [missing, broken, duplicate, mistakes]
    for i, a in enumerate(groups):
        for b in groups[i + 1:]:
            assert not a & b
    assert len(truth.late) == late and not set(truth.late) & set(truth.missing)
    assert set(truth.written) | set(truth.missing) | set(truth.broken) == set(expected)
    on_disk = sorted(p.name for p in truth.out_dir.iterdir())
    assert on_disk == sorted(p.name for p in truth.files)
    assert len(on_disk) == len(expected) - missing + duplicate
    for code, unit in truth.units.items():
        if unit.status == "missing":
            assert unit.files == [] and unit.path is None and unit.prefill is None
            continue
        assert unit.path is not None and unit.path.exists() and unit.path == unit.files[-1]
        assert len(unit.files) == (2 if unit.duplicate else 1), code


def test_round_accounts_for_every_unit(small_round: SimulationTruth, tuangiao_registry) -> None:
    form = CATALOG["tuangiao-2024"]
    expected = [u.code for u in tuangiao_registry.expected_for(form.id, form.levels)]
    _check_accounts(small_round, expected, missing=3, late=2, mistakes=3, duplicate=1, broken=1)


def test_parallel_round_accounts_for_every_unit(parallel_round: SimulationTruth) -> None:
    _check_accounts(parallel_round, list(parallel_round.units), missing=2, late=3, mistakes=4, duplicate=2,
                    broken=1)
    assert len(parallel_round.units) == 30


def test_round_files_are_named_like_emailed_files(parallel_round: SimulationTruth) -> None:
    names = [p.name for p in parallel_round.files]
    assert len({n.casefold() for n in names}) == len(names)
    assert all(n.endswith(".xlsx") and not set('<>:"/\\|?*') & set(n) for n in names)
    assert any(" " in n for n in names)
    assert any(n != unicodedata.normalize("NFKD", n) for n in names), "some names keep their accents"
    assert any(n.isascii() for n in names), "some names lose their accents"


def test_emailed_name_variants() -> None:
    form = CATALOG["tuangiao-2024"]
    unit = UnitInfo("TG-QUAITO", "Xã Quài Tở", "xa")
    names = {emailed_name(form, unit, 2023, random.Random(i)) for i in range(60)}
    assert "Phu luc - xa Quai To (sua lan 2).xlsx" in names
    assert "Xã Quài Tở.xlsx" in names
    assert len(names) >= 8


def test_round_late_files_come_after_the_deadline(small_round: SimulationTruth) -> None:
    deadline = small_round.deadline.timestamp()
    for unit in small_round.units.values():
        if unit.path is None:
            continue
        mtime = os.path.getmtime(unit.path)
        assert (mtime > deadline) == unit.late, unit.code
        assert unit.submitted_at is not None and mtime == pytest.approx(unit.submitted_at.timestamp())


def test_round_duplicate_sends_older_and_corrected_newer(small_round: SimulationTruth) -> None:
    (code,) = small_round.duplicated
    unit = small_round.units[code]
    older, newer = unit.files
    assert os.path.getmtime(older) < os.path.getmtime(newer)
    assert unit.older_mistakes and not unit.mistakes and unit.violated == []
    assert read_return(older).unit_code == read_return(newer).unit_code == code
    assert newer.name.removesuffix(".xlsx").startswith(older.name.removesuffix(".xlsx"))


def test_round_broken_file_is_a_truncated_zip(small_round: SimulationTruth) -> None:
    (code,) = small_round.broken
    path = small_round.units[code].path
    assert path is not None and path.read_bytes()[:4] == b"PK\x03\x04"
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(path).testzip()
    with pytest.raises(ReturnRejected) as exc:
        read_return(path)
    assert exc.value.reason == "damaged"


_MISTAKE_TAGS = {"thousands_dot": "coerced:thousands_dot", "unit_word": "coerced:unit_word",
                 "dash": "invalid:not_number", "decimal_comma": "coerced:decimal_comma",
                 "percent_sign": "coerced:percent_sign", "part_gt_whole": "", "done_gt_planned": ""}


@pytest.mark.parametrize("which", ["small_round", "parallel_round"])
def test_round_truth_is_what_the_files_hold(request: pytest.FixtureRequest, which: str) -> None:
    truth: SimulationTruth = request.getfixturevalue(which)
    form = CATALOG[truth.form_id]
    for code in truth.written:
        unit = truth.units[code]
        assert unit.path is not None and unit.prefill is not None
        ret, records = _records(unit.path)
        assert ret.unit_code == code
        sheet_of = {(line.code, vc.key): lay.sheet.id for lay, line, vc in _input_lines(form, unit.level)}
        for key, number in unit.numbers.items():
            rec = records[(sheet_of[key], key[0], key[1], 0)]
            if number is None:
                assert math.isnan(rec.number), (code, key)
            else:
                assert rec.number == pytest.approx(number), (code, key, rec.raw)
        for mistake in unit.mistakes:
            rec = records[(sheet_of[mistake.cell], *mistake.cell, 0)]
            assert rec.parse == _MISTAKE_TAGS[mistake.kind], (code, mistake)
            assert rec.raw == mistake.written
            if mistake.kind in RULE_MISTAKES:
                assert mistake.rule_id in unit.violated
        if not unit.mistakes:
            assert unit.violated == [], code
        understood = {k: v for k, v in unit.numbers.items() if v is not None}
        assert sorted({b.split("@")[0] for b in _broken_rules(form, unit.level, understood)[0]}) == unit.violated


@pytest.mark.parametrize("which", ["small_round", "parallel_round"])
def test_round_findings_are_the_mistakes(request: pytest.FixtureRequest, which: str) -> None:
    """Returns without mistakes have no finding; each mistake is found at its cell (rules: by id)."""
    validators = _validators()
    truth: SimulationTruth = request.getfixturevalue(which)
    form = CATALOG[truth.form_id]
    read = {code: read_return(truth.units[code].path, return_id=code) for code in truth.written}  # type: ignore[arg-type]
    report = validators.validate_returns(read.values())  # one vectorised call for the whole round
    by_return: dict[str, list] = {code: [] for code in read}
    for finding in report.findings:
        by_return[finding.return_id].append(finding)
    for code, findings in by_return.items():
        unit = truth.units[code]
        if not unit.mistakes:
            assert [(f.rule_id, f.cell) for f in findings] == [], code
            continue
        errors = {f.rule_id.removeprefix("rule:") for f in findings if f.severity == "error"}
        assert set(unit.violated) <= errors, (code, unit.violated, errors)
        cells = value_cells(form_layouts(form, unit.level))
        flagged = {(f.sheet, f.cell) for f in findings}
        for mistake in unit.mistakes:
            pos = cells[mistake.cell]
            if mistake.kind not in RULE_MISTAKES:
                assert (pos.sheet, xl_rowcol_to_cell(pos.row, pos.col)) in flagged, (code, mistake)


def test_round_with_mistakes_carries_text_and_rule_mistakes(parallel_round: SimulationTruth) -> None:
    for code in parallel_round.with_mistakes:
        kinds = {m.kind for m in parallel_round.units[code].mistakes}
        assert kinds & set(RULE_MISTAKES) and kinds - set(RULE_MISTAKES), (code, kinds)


def test_round_is_reproducible(small_round: SimulationTruth, tuangiao_registry, tmp_path: Path) -> None:
    again = simulate_round(CATALOG["tuangiao-2024"], tuangiao_registry, tmp_path, rng_seed=small_round.seed,
                           jobs=1)
    assert [p.name for p in again.files] == [p.name for p in small_round.files]
    assert {c: u.numbers for c, u in again.units.items()} == {c: u.numbers for c, u in small_round.units.items()}


def test_round_refuses_more_groups_than_units(tuangiao_registry, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="không đủ đơn vị"):
        simulate_round(CATALOG["tuangiao-2024"], tuangiao_registry, tmp_path, missing=8, with_mistakes=3)


# --------------------------------------------------------------------------- 3. injections


def _load(path: Path, **kw: bool) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path, **kw)


def _sheet_name(sheet_id: str = "pl2") -> str:
    return CATALOG[BASE_FORM].sheet(sheet_id).name


def test_openpyxl_keeps_what_the_writer_wrote(base_return: Filled, injected_dir: Path) -> None:
    """What the injectors rely on: a load/save by openpyxl keeps names, metadata, tables, validation."""
    out = returns.roundtrip(base_return.path, injected_dir / "roundtrip.xlsx")
    before, after = _load(base_return.path), _load(out)
    assert set(after.defined_names) == set(before.defined_names) and data_name("pl2") in after.defined_names
    assert after[META_SHEET].sheet_state == "veryHidden"
    assert returns.metadata(after) == returns.metadata(before)
    assert {p.name for p in after.custom_doc_props.props} == {p.name for p in before.custom_doc_props.props}
    assert table_name("pl1") in after[_sheet_name("pl1")].tables
    for ws in before.worksheets:
        assert len(after[ws.title].data_validations.dataValidation) == len(ws.data_validations.dataValidation)
        assert after[ws.title].protection.sheet == ws.protection.sheet
    # ... but openpyxl writes formulas without their cached values.
    lay = returns.identify(out).indicator_layout()
    row = next(line.row for line in lay.lines if line.role == "value") + 1
    col = lay.err_cols["year"] + 1
    assert _load(base_return.path, data_only=True)[_sheet_name()].cell(row, col).value == 0
    assert _load(out, data_only=True)[_sheet_name()].cell(row, col).value is None


def test_type_into_formula_cell(base_return: Filled, injected_dir: Path) -> None:
    out = returns.type_into_formula_cell(base_return.path, injected_dir / "formula.xlsx", value=87.5)
    ident = returns.identify(out)
    key = returns.computed_keys(ident)[0]
    sheet, ref = ident.cell(key)
    assert str(_load(base_return.path)[sheet][ref].value).startswith("=")
    assert _load(out)[sheet][ref].value == 87.5


def test_type_into_rate_column(rate_column_return: Filled, injected_dir: Path) -> None:
    out = returns.type_into_formula_cell(rate_column_return.path, injected_dir / "rate_col.xlsx",
                                         value=101, key=("1", "y2_rate"))
    sheet, ref = returns.identify(out).cell(("1", "y2_rate"))
    assert _load(out)[sheet][ref].value == 101


def _codes_in_order(ws) -> list[str]:
    rows = returns._rows_of_codes(ws)
    return sorted(rows, key=rows.get)


def test_delete_indicator_row(base_return: Filled, injected_dir: Path) -> None:
    out = returns.delete_indicator_row(base_return.path, injected_dir / "delrow.xlsx", code="I.1.c")
    before, after = _load(base_return.path)[_sheet_name()], _load(out)[_sheet_name()]
    old, new = returns._rows_of_codes(before), returns._rows_of_codes(after)
    assert "I.1.c" not in new
    assert new["I.2.a"] == old["I.2.a"] - 1 and new["I.1.a"] == old["I.1.a"]
    assert after.max_row == before.max_row - 1


def test_insert_row_above_data(base_return: Filled, injected_dir: Path) -> None:
    out = returns.insert_row_above_data(base_return.path, injected_dir / "insrow.xlsx")
    lay = returns.identify(out).indicator_layout()
    before, after = _load(base_return.path)[_sheet_name()], _load(out)[_sheet_name()]
    assert after.cell(lay.first_row + 1, lay.label_col + 1).value == returns.INSERTED_TEXT
    old, new = returns._rows_of_codes(before), returns._rows_of_codes(after)
    assert all(new[c] == old[c] + 1 for c in old)
    assert after.cell(lay.header_rows[0] + 1, lay.code_col + 1).value == CODE_HEADER  # header stays


def test_rename_sheet(base_return: Filled, injected_dir: Path) -> None:
    out = returns.rename_sheet(base_return.path, injected_dir / "rename.xlsx", "pl2", "PL2 da sua")
    wb = _load(out)
    assert "PL2 da sua" in wb.sheetnames and _sheet_name() not in wb.sheetnames
    assert wb.defined_names[data_name("pl2")].attr_text.startswith("'PL2 da sua'!")
    info = wb.worksheets[0]
    formulas = [c.value for row in info.iter_rows() for c in row if isinstance(c.value, str) and "!" in c.value]
    assert any("'PL2 da sua'!" in f for f in formulas) and not any(_sheet_name() in f for f in formulas)
    assert returns.metadata(wb)["sheet:pl2"] == _sheet_name()  # the generator's record is unchanged


def test_remove_table(base_return: Filled, injected_dir: Path) -> None:
    out = returns.remove_table(base_return.path, injected_dir / "notable.xlsx")
    assert table_name("pl1") in _load(base_return.path)[_sheet_name("pl1")].tables
    ws = _load(out)[_sheet_name("pl1")]
    assert len(ws.tables) == 0
    assert ws.cell(7, 2).value == "Tên nhiệm vụ"  # the header row itself is still there


def test_hide_columns(base_return: Filled, injected_dir: Path) -> None:
    out = returns.hide_columns(base_return.path, injected_dir / "hide.xlsx")
    lay = returns.identify(out).indicator_layout()
    ws = _load(out)[_sheet_name()]

    def hidden(col: int) -> bool:
        return any(d.hidden and (d.min or 0) <= col + 1 <= (d.max or 0) for d in ws.column_dimensions.values())

    assert hidden(lay.value_cols["year"]) and not hidden(lay.value_cols["prev_year"])
    assert not hidden(lay.label_col) and hidden(lay.err_cols["year"])  # helpers stay hidden


def test_unprotect_and_restructure(base_return: Filled, injected_dir: Path) -> None:
    out = returns.unprotect_and_restructure(base_return.path, injected_dir / "moved.xlsx")
    lay = returns.identify(out).indicator_layout()
    before, after = _load(base_return.path)[_sheet_name()], _load(out)[_sheet_name()]
    assert before.protection.sheet and not after.protection.sheet
    row, col = lay.header_rows[0] + 1 + returns.MOVE_ROWS, lay.code_col + 1 + returns.MOVE_COLS
    assert before.cell(lay.header_rows[0] + 1, lay.code_col + 1).value == CODE_HEADER
    assert after.cell(row, col).value == CODE_HEADER
    assert after.cell(lay.header_rows[0] + 1, lay.code_col + 1).value != CODE_HEADER
    assert _codes_in_order(after) == _codes_in_order(before)


def test_blank_template(injected_dir: Path) -> None:
    out = returns.blank_template(BASE_FORM, injected_dir / "blank.xlsx")
    wb = _load(out)
    meta = returns.metadata(wb)
    assert meta["form_id"] == BASE_FORM and meta["unit_code"] == "" and meta["unit_level"] == ""
    ident = returns.identify(out)
    ws = wb[_sheet_name()]
    for key in ident.input_keys({"count", "percent", "choice"}):
        assert ws[ident.cell(key)[1]].value is None


def test_other_units_file(base_return: Filled, injected_dir: Path) -> None:
    out = returns.other_units_file(base_return.path, injected_dir / "other", "Xã Quài Tở")
    assert "Xã Quài Tở" in out.name
    meta = returns.metadata(_load(out))
    assert meta["unit_name"] == base_return.unit.name != "Xã Quài Tở"
    assert out.read_bytes() == base_return.path.read_bytes()


def test_damaged_zip(base_return: Filled, injected_dir: Path) -> None:
    out = returns.damaged_zip(base_return.path, injected_dir / "damaged.xlsx")
    assert out.stat().st_size == base_return.path.stat().st_size // 2
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(out)


def test_empty_file(injected_dir: Path) -> None:
    out = returns.empty_file(injected_dir / "empty.xlsx")
    assert out.exists() and out.stat().st_size == 0


def test_password_protected(base_return: Filled, injected_dir: Path) -> None:
    msoffcrypto = pytest.importorskip("msoffcrypto")
    out = returns.password_protected(base_return.path, injected_dir / "password.xlsx", "123456")
    assert out.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE container, not a zip
    plain = io.BytesIO()
    with out.open("rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        assert office.is_encrypted()
        office.load_key(password="123456")
        office.decrypt(plain)
    assert returns.metadata(openpyxl.load_workbook(plain)) == returns.metadata(_load(base_return.path))


@pytest.mark.parametrize("kind", ["docx", "pdf", "txt"])
def test_not_excel(injected_dir: Path, kind: str) -> None:
    out = returns.not_excel(injected_dir / f"not_excel_{kind}.xlsx", kind)
    data = out.read_bytes()
    if kind == "docx":
        names = zipfile.ZipFile(out).namelist()
        assert "word/document.xml" in names and "xl/workbook.xml" not in names
    elif kind == "pdf":
        assert data.startswith(b"%PDF-")
    else:
        assert "Sở Nội vụ" in data.decode("utf-8")
    with pytest.raises(Exception):  # noqa: B017 - openpyxl raises several kinds
        openpyxl.load_workbook(out)


def _calamine_cell(path: Path, sheet: str, ref: str) -> object:
    book = calamine.CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    row, col = openpyxl.utils.cell.coordinate_to_tuple(ref)
    return rows[row - 1][col - 1]


def test_libreoffice_resave(base_return: Filled, libreoffice_resaved: dict[str, Path]) -> None:
    xls, xlsx = libreoffice_resaved["xls"], libreoffice_resaved["xlsx"]
    assert xls.suffix == ".xls" and xls.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    assert b"LibreOffice" in zipfile.ZipFile(xlsx).read("docProps/app.xml")
    ident = returns.identify(base_return.path)
    key = ident.input_keys({"count"})[0]
    sheet, ref = ident.cell(key)
    for path in (xls, xlsx):
        assert _calamine_cell(path, sheet, ref) == base_return.prefill.cells[key]
    assert _load(xlsx)[META_SHEET].sheet_state == "hidden"  # LibreOffice: very hidden -> hidden


def test_formulas_to_values(base_return: Filled, rate_column_return: Filled, injected_dir: Path) -> None:
    for item, name in ((base_return, "values.xlsx"), (rate_column_return, "values_cols.xlsx")):
        out = returns.formulas_to_values(item.path, injected_dir / name)
        wb = _load(out)
        formulas = [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row
                    if isinstance(c.value, str) and c.value.startswith("=")]
        assert formulas == []
        ident = returns.identify(out)
        nums = _numbers(item.form, item.level, item.prefill.cells)
        for key in returns.computed_keys(ident):
            sheet, ref = ident.cell(key)
            assert wb[sheet][ref].value == nums[key], key


def test_drop_cached_values(base_return: Filled, injected_dir: Path) -> None:
    out = returns.drop_cached_values(base_return.path, injected_dir / "nocache.xlsx")
    sheet = _sheet_name()
    lay = returns.identify(out).indicator_layout()
    status = (5, 2)  # the status cell (row STATUS_ROW)
    assert _load(base_return.path, data_only=True)[sheet].cell(*status).value == "Chưa phát hiện lỗi"
    assert _load(out, data_only=True)[sheet].cell(*status).value is None
    assert _load(out)[sheet].cell(*status).value == _load(base_return.path)[sheet].cell(*status).value
    first_input = (lay.first_row + 2, lay.value_cols["year"] + 1)
    assert _load(out)[sheet].cell(*first_input).value == _load(base_return.path)[sheet].cell(*first_input).value


def test_decompose_text(base_return: Filled, injected_dir: Path) -> None:
    out = returns.decompose_text(base_return.path, injected_dir / "nfd.xlsx")
    before, after = _load(base_return.path), _load(out)
    changed = 0
    for ws in before.worksheets:
        for cell in returns.input_cells_of(ws):
            new = after[ws.title][cell.coordinate].value
            assert new == unicodedata.normalize("NFD", cell.value)
            changed += new != cell.value
    assert changed > 5
    lay = returns.identify(out).indicator_layout()
    label = after[_sheet_name()].cell(lay.first_row + 1, lay.label_col + 1).value  # printed labels stay NFC
    assert label and label == unicodedata.normalize("NFC", label)


@pytest.mark.parametrize(("text", "tcvn3", "vni"), [
    ("Phòng Nội vụ", "Phßng Néi vô", "Phoøng Noäi vuï"),
    ("Cộng hoà xã hội chủ nghĩa Việt Nam", "Céng hoµ x· héi chñ nghÜa ViÖt Nam",
     "Coäng hoaø xaõ hoäi chuû nghóa Vieät Nam"),
    ("Độc lập - Tự do - Hạnh phúc", "§éc lËp - Tù do - H¹nh phóc", "Ñoäc laäp - Töï do - Haïnh phuùc"),
    ("Sở Tư pháp", "Së T\u00ad ph¸p", "Sôû Tö phaùp"),
])
def test_legacy_encoders(text: str, tcvn3: str, vni: str) -> None:
    assert returns.to_tcvn3(text) == tcvn3
    assert returns.to_vni(text) == vni


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_legacy_text(base_return: Filled, injected_dir: Path, encoding: str) -> None:
    encode = {"tcvn3": returns.to_tcvn3, "vni": returns.to_vni}[encoding]
    out = returns.legacy_text(base_return.path, injected_dir / f"{encoding}.xlsx", encoding)
    before, after = _load(base_return.path), _load(out)
    lay = returns.identify(out).indicator_layout()
    first = next(line for line in lay.lines if line.role != "heading")
    note = after[_sheet_name()].cell(first.row + 1, lay.note_col + 1).value
    assert note == encode(returns.LEGACY_PHRASE) and note != returns.LEGACY_PHRASE
    tasks = list_layout(CATALOG[BASE_FORM].sheet("pl1")).cols["task"] + 1  # type: ignore[arg-type]
    ws_before, ws_after = before[_sheet_name("pl1")], after[_sheet_name("pl1")]
    typed = [(c.value, ws_after[c.coordinate].value) for c in returns.input_cells_of(ws_before)
             if c.column == tasks]
    assert typed and all(new == encode(old) and new != old for old, new in typed)


def test_numbers_as_text(base_return: Filled, injected_dir: Path) -> None:
    out = returns.numbers_as_text(base_return.path, injected_dir / "text_numbers.xlsx")
    ident = returns.identify(out)
    typed = returns.default_text_numbers(ident)
    assert sorted(typed.values()) == sorted(returns.NUMBERS_AS_TEXT + returns.PERCENTS_AS_TEXT)
    wb = _load(out)
    for key, text in typed.items():
        sheet, ref = ident.cell(key)
        assert wb[sheet][ref].value == text and wb[sheet][ref].data_type == "s", key
    percents = set(ident.input_keys({"percent"}))
    assert {k for k, t in typed.items() if t in returns.PERCENTS_AS_TEXT} <= percents


def test_paste_invalid(base_return: Filled, injected_dir: Path) -> None:
    out = returns.paste_invalid(base_return.path, injected_dir / "pasted.xlsx")
    ident = returns.identify(out)
    pasted = returns.default_invalid_pastes(ident)
    assert sorted(pasted.values()) == [-5, 2.5, 7, 150]
    wb = _load(out)
    for key, value in pasted.items():
        sheet, ref = ident.cell(key)
        assert wb[sheet][ref].value == value
        validations = [dv for dv in wb[sheet].data_validations.dataValidation if ref in dv.sqref]
        assert validations, f"{ref} keeps its data validation (the paste bypassed it)"


def test_injectors_never_touch_their_source(base_return: Filled) -> None:
    """Runs last in this module: every injector above wrote a copy, the source is byte for byte the same."""
    assert hashlib.sha256(base_return.path.read_bytes()).hexdigest() == base_return.digest
