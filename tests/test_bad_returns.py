"""Every kind of bad return (DOMAIN.md §6), checked end to end: file → reader → rules.

Each case damages a plausible Sơn La 2024 return (cấp huyện) in one way and states what
`cchc check` must say: the exact findings (rule id + sheet + cell) or the exact rejection.
Cross-field findings expected after a value change are computed with the simulator's own
rule evaluator (``simulate.violations``), not with the validators under test.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import returns

from cchc.commands.check import EXIT_ERRORS, EXIT_OK, EXIT_UNREADABLE, check_file
from simulate import violations
from workbooks.catalog.instances import rule_instances
from workbooks.catalog.layout import form_layouts, value_cells
from workbooks.reader import read_return
from workbooks.reader.parse import parse_value

pytest_plugins = ["fixtures_returns"]

Finding = tuple[str, str, str]  # (rule id, sheet, cell)


def findings_of(path: Path) -> set[Finding]:
    """What `cchc check` reports for a file, as (rule id, sheet, cell)."""
    result = check_file(path)
    assert result.rejected is None, result.rejected
    return {(f.rule_id, f.sheet, f.cell) for f in result.report.findings}


def rule_findings(base, cells: dict) -> set[Finding]:
    """Cross-field findings the values ``cells`` must raise (independent evaluator)."""
    ident = returns.identify(base.path)
    out = set()
    for inst in violations(base.form, base.level, cells):
        rule_id = inst.rule.id if inst.rule.origin in {"parts", "ratio"} else f"rule:{inst.rule.id}"
        out.add((rule_id, *ident.cell(inst.anchor)))
    return out


def meaning(text: str, kind: str) -> float | None:
    """What a typed text means once read (None when it is not a number)."""
    number = parse_value(text, kind)[0]
    return None if math.isnan(number) else number


@pytest.fixture(scope="module")
def base(base_return):
    """The plausible return every case damages; it must be clean to start with."""
    assert findings_of(base_return.path) == set()
    return base_return


# --------------------------------------------------------------------------- values typed

TYPED_AS_TEXT = {
    # typed          rule id of the finding on that cell
    "1.054": "coerced.thousands_dot",
    " 12 ": "coerced.whitespace",
    "12 hồ sơ": "coerced.unit_word",
    "-": "invalid.not_number",
    "x": "invalid.not_number",
    "không": "invalid.not_number",
    "99,9": "coerced.decimal_comma",
    "95%": "coerced.percent_sign",
}


def test_numbers_typed_as_text(base, tmp_path):
    ident = returns.identify(base.path)
    typed = returns.default_text_numbers(ident)
    path = returns.numbers_as_text(base.path, tmp_path / "text.xlsx", typed)
    cells = dict(base.prefill.cells)
    expected = set()
    for key, text in typed.items():
        kind = "percent" if text in returns.PERCENTS_AS_TEXT else "count"
        cells[key] = meaning(text, kind)
        expected.add((TYPED_AS_TEXT[text], *ident.cell(key)))
    expected |= rule_findings(base, cells)
    assert findings_of(path) == expected


PASTED = [
    # pasted into          value   rule id
    ("count", -5, "range.count"),
    ("count", 2.5, "type.count"),
    ("percent", 150, "range.percent"),
    ("choice", 7, "choice.invalid"),
]


def test_pasted_values_bypassing_validation(base, tmp_path):
    ident = returns.identify(base.path)
    used: set = set()
    values, expected = {}, set()
    for kind, value, rule_id in PASTED:
        key = next(k for k in ident.input_keys({kind}) if k not in used)
        used.add(key)
        values[key] = value
        expected.add((rule_id, *ident.cell(key)))
    path = returns.paste_invalid(base.path, tmp_path / "pasted.xlsx", values)
    cells = {**base.prefill.cells, **values}
    expected |= rule_findings(base, cells)
    assert findings_of(path) == expected


def test_value_typed_over_a_formula(base, tmp_path):
    ident = returns.identify(base.path)
    key = returns.computed_keys(ident)[0]
    path = returns.type_into_formula_cell(base.path, tmp_path / "formula.xlsx", 87.5, key)
    assert findings_of(path) == {("structure.formula_overwritten", *ident.cell(key))}


def test_completed_above_planned_fires_on_the_left_cell(base, tmp_path):
    ident = returns.identify(base.path)
    # "completed <= planned" style rule: the first catalog "<=" rule with a single left cell
    present = set(value_cells(form_layouts(base.form, base.level)))
    inst = next(i for i in rule_instances(base.form, present)
                if i.rule.origin == "catalog" and i.rule.op == "<=" and len(i.left) == 1)
    right = base.prefill.cells[inst.right[0]]
    values = {inst.left[0]: right + 5}
    path = returns.paste_invalid(base.path, tmp_path / "rule.xlsx", values)
    found = findings_of(path)
    assert (f"rule:{inst.rule.id}", *ident.cell(inst.anchor)) in found
    assert found == rule_findings(base, {**base.prefill.cells, **values})


# --------------------------------------------------------------------------- structure changed

def test_deleted_row_is_reported_and_other_values_still_found(base, tmp_path):
    ident = returns.identify(base.path)
    lay = ident.indicator_layout()
    code = [line.code for line in lay.lines if line.role == "value"][2]
    path = returns.delete_indicator_row(base.path, tmp_path / "deleted.xlsx", code)
    found = findings_of(path)
    assert ("structure.row_missing", lay.sheet.name, "") in found
    others = found - {("structure.row_missing", lay.sheet.name, "")}
    # the rules that needed the deleted row are skipped, nothing else is reported
    assert others == set()


def _numbers(path: Path) -> dict:
    values = read_return(path).values
    inputs = values[(values.item == 0) & (values.kind != "rate") & (values.column != "note")]
    numbers = [None if math.isnan(n) else n for n in inputs.number]
    return dict(zip(zip(inputs.code, inputs.column, strict=True), numbers, strict=True))


def test_inserted_row_changes_nothing(base, tmp_path):
    path = returns.insert_row_above_data(base.path, tmp_path / "inserted.xlsx")
    assert findings_of(path) == set()
    assert _numbers(path) == _numbers(base.path)


def test_renamed_sheet_is_found_and_reported(base, tmp_path):
    ident = returns.identify(base.path)
    sheet = ident.indicator_layout().sheet
    path = returns.rename_sheet(base.path, tmp_path / "renamed.xlsx", sheet.id, "PL2 da sua")
    assert findings_of(path) == {("structure.sheet_renamed", "PL2 da sua", "")}
    assert _numbers(path) == _numbers(base.path)


def test_removed_table_is_reported(base, tmp_path):
    ident = returns.identify(base.path)
    lay = ident.list_layout()
    path = returns.remove_table(base.path, tmp_path / "no_table.xlsx", lay.sheet.id)
    assert findings_of(path) == {("structure.table_missing", lay.sheet.name, "")}


@pytest.mark.parametrize("damage", [
    returns.hide_columns,
    returns.unprotect_and_restructure,
    returns.formulas_to_values,
    returns.drop_cached_values,
    returns.roundtrip,
])
def test_harmless_changes_give_no_findings(base, tmp_path, damage):
    path = damage(base.path, tmp_path / f"{damage.__name__}.xlsx")
    assert findings_of(path) == set()
    assert _numbers(path) == _numbers(base.path)


def test_decomposed_unicode_reads_as_composed(base, tmp_path):
    path = returns.decompose_text(base.path, tmp_path / "nfd.xlsx", everywhere=True)
    assert findings_of(path) == set()
    original = read_return(base.path).values
    again = read_return(path).values
    assert list(again.text) == list(original.text)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_legacy_font_text_is_a_warning(base, tmp_path, encoding):
    path = returns.legacy_text(base.path, tmp_path / f"{encoding}.xlsx", encoding)
    result = check_file(path)
    legacy = [f for f in result.report.findings if f.rule_id == "suspect.legacy_encoding"]
    others = [f for f in result.report.findings if f.rule_id != "suspect.legacy_encoding"]
    assert legacy and all(f.severity == "warning" for f in legacy)
    # garbled dropdown answers ("Đúng hạn" typed with an old font) are no longer valid choices
    status = returns.identify(base.path).list_layout()
    assert {f.rule_id for f in others} <= {"list.choice"}
    assert all(f.sheet == status.sheet.name for f in others)
    assert result.exit_code == (EXIT_ERRORS if others else EXIT_OK)


# --------------------------------------------------------------------------- whole files

def test_blank_template_sent_back(tmp_path):
    path = returns.blank_template("sonla-2024", tmp_path / "mau_trong.xlsx")
    result = check_file(path)
    ids = {f.rule_id for f in result.report.findings}
    assert "structure.unit_missing" in ids and "required.blank" in ids
    assert ids <= {"structure.unit_missing", "required.blank"}
    assert result.exit_code == EXIT_ERRORS


def test_another_units_file_is_read_as_the_unit_it_belongs_to(base, tmp_path):
    path = returns.other_units_file(base.path, tmp_path, "xa Quai To")
    result = check_file(path)
    assert result.unit_code == base.unit.code  # the metadata, not the file name
    assert result.report.findings == []


@pytest.mark.parametrize(("make", "reason"), [
    (lambda src, dst: returns.damaged_zip(src, dst), "damaged"),
    (lambda src, dst: returns.empty_file(dst), "empty"),
    (lambda src, dst: returns.password_protected(src, dst), "encrypted"),
    (lambda src, dst: returns.not_excel(dst, "docx"), "not_excel"),
    (lambda src, dst: returns.not_excel(dst, "pdf"), "not_excel"),
    (lambda src, dst: returns.not_excel(dst, "txt"), "not_excel"),
], ids=["damaged-zip", "empty", "password", "docx", "pdf", "txt"])
def test_unreadable_files_are_rejected_with_a_reason(base, tmp_path, make, reason):
    path = make(base.path, tmp_path / "bad.xlsx")
    result = check_file(path)
    assert result.rejected is not None and result.rejected.reason == reason
    assert result.exit_code == EXIT_UNREADABLE
    assert "bad.xlsx" in str(result.rejected)
    assert Path(path).exists()  # never touched


# --------------------------------------------------------------------------- LibreOffice

@pytest.fixture(scope="module")
def mistaken(base, tmp_path_factory):
    """A return with typed-text and rule mistakes, for the re-save comparisons."""
    out = tmp_path_factory.mktemp("mistaken")
    ident = returns.identify(base.path)
    typed = returns.default_text_numbers(ident)
    return returns.numbers_as_text(base.path, out / "mistaken.xlsx", typed)


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_libreoffice_resave_gives_the_same_findings(mistaken, tmp_path, fmt):
    if returns.soffice_binary() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    resaved = returns.resave_libreoffice(mistaken, tmp_path, fmt)
    assert resaved.suffix == f".{fmt}"
    assert findings_of(resaved) == findings_of(mistaken)
    assert _numbers(resaved) == _numbers(mistaken)
