"""The kinds table: every kind fills every entry; an unknown kind fails loudly in every layer;
a kind defined only in this test goes through the whole flow (catalog → workbook → reader →
checks → totals) without a line of product code changed.
"""

from __future__ import annotations

import math
from dataclasses import fields

import openpyxl
import pandas as pd
import pytest

from consolidate.aggregate import aggregate
from validators import validate_return
from workbooks.catalog import CatalogError
from workbooks.catalog.kinds import (
    EXCEL_FAMILIES,
    KINDS,
    PARSE_FAMILIES,
    SIMULATE_FAMILIES,
    STYLES,
    TOTAL_FAMILIES,
    Kind,
    UnknownKind,
    kind,
    register,
    unregister,
)
from workbooks.catalog.loader import load_form
from workbooks.reader.parse import parse_value
from workbooks.reader.read import read_return
from workbooks.registry import Registry, Unit
from workbooks.writer import UnitInfo, generate_workbook
from workbooks.writer import formulas as fx

SHIPPED = ["count", "cumulative", "decimal", "percent", "ratio", "choice", "yesno", "text", "date", "rate"]


def test_the_shipped_kinds_are_in_the_table():
    assert list(KINDS)[: len(SHIPPED)] == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_every_kind_fills_every_entry(name):
    entry = kind(name)
    for f in fields(Kind):
        value = getattr(entry, f.name)
        if f.name in {"min", "max"}:
            continue  # None is a meaning here: no bound
        assert value is not None and value != "", f"{name}.{f.name} is empty"
    assert entry.parse in PARSE_FAMILIES and entry.excel in EXCEL_FAMILIES
    assert entry.total in TOTAL_FAMILIES and entry.simulate in SIMULATE_FAMILIES and entry.style in STYLES
    if entry.numeric and entry.declarable:
        assert entry.max is not None and entry.max < 1e12, "every numeric kind has a sane maximum"


def test_an_unknown_kind_fails_loudly_in_every_layer(tmp_path):
    with pytest.raises(UnknownKind):
        kind("money")
    with pytest.raises(UnknownKind):
        parse_value("12", "money")
    with pytest.raises(ValueError):
        fx.value_ok("A1", "money")
    path = tmp_path / "f.yaml"
    path.write_text(FORM, encoding="utf-8")  # 'money' is not a shipped kind
    with pytest.raises(CatalogError, match="loại 'money' không hợp lệ"):
        load_form(path)


def test_a_family_outside_its_set_is_refused():
    bad = Kind("bad", "Sai", "number", "spreadsheet", "input", "sum", "count", True, True, 0, 10, "0", "x")
    with pytest.raises(ValueError, match="excel"):
        register(bad)
    assert "bad" not in KINDS


FORM = """\
id: money-test
version: 1
title: "Biểu thử kinh phí"
province: "Sơn La"
year: 2024
source: "thử"
period: {default_year: 2024}
levels: [xa]
sheets:
  - id: s1
    name: "Phụ lục"
    kind: indicators
    title: "Kinh phí cải cách hành chính"
    columns:
      - {key: value, label: "Số liệu"}
    rows:
      - {kind: money, code: A, label: "Kinh phí được giao", unit: "Triệu đồng"}
      - {kind: count, code: B, label: "Số nhiệm vụ", unit: "Nhiệm vụ"}
"""


@pytest.fixture
def money_kind():
    """A kind the product does not ship: amounts of money, decimals that are summed."""
    register(Kind("money", "Số tiền (triệu đồng)", "number", "decimal", "input_decimal", "sum", "decimal",
                  numeric=True, integer=False, min=0, max=1e9, number_format="#,##0.0",
                  method="Tổng cộng (triệu đồng)"))
    yield kind("money")
    unregister("money")


def _fill(path, values: dict[str, object]) -> None:
    """Type values beside their codes, as a unit would in Excel (openpyxl keeps the rest)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Phụ lục"]
    code_col = next(c.column for row in ws.iter_rows() for c in row if c.value == "Mã chỉ tiêu")
    value_col = next(c.column for row in ws.iter_rows() for c in row if c.value == "Số liệu")
    for row in ws.iter_rows():
        code = row[code_col - 1].value
        if code in values:
            ws.cell(row=row[0].row, column=value_col, value=values[code])
    wb.save(path)


def test_a_kind_defined_only_in_a_test_goes_through_the_whole_flow(money_kind, tmp_path):
    form_file = tmp_path / "money.yaml"
    form_file.write_text(FORM, encoding="utf-8")
    form = load_form(form_file)
    assert form.indicator("A").max == 1e9  # the kind's default bound
    units = [Unit("X1", "Xã Một", "xa"), Unit("X2", "Xã Hai", "xa")]
    typed = {"X1": {"A": 12.5, "B": 3}, "X2": {"A": "1.250,5", "B": 4}}  # a decimal comma typed as text
    returns = []
    for unit in units:
        path = generate_workbook(form, tmp_path / f"{unit.code}.xlsx",
                                 unit=UnitInfo(unit.code, unit.name, "xa", "Cấp xã"), year=2024)
        wb = openpyxl.load_workbook(path)
        ws = wb["Phụ lục"]
        dvs = [dv for dv in ws.data_validations.dataValidation if dv.type == "decimal"]
        assert len(dvs) == 1 and float(dvs[0].formula2) == 1e9  # Excel validation from the kinds table
        _fill(path, typed[unit.code])
        returns.append(read_return(path, catalog={form.id: form}))
    first, second = returns
    amounts = first.values.set_index("code").loc["A"]
    assert (amounts["kind"], amounts["number"]) == ("money", 12.5)
    assert second.values.set_index("code").loc["A", "number"] == 1250.5
    report = validate_return(first)
    assert report.valid and not [f for f in report.findings if f.severity == "error"]
    registry = Registry(units)
    values = pd.concat([r.values for r in returns], ignore_index=True)
    totals = aggregate(values, form, registry, {r.return_id: r.unit_code for r in returns}).totals
    province = totals[(totals["scope"] == "all") & (totals["measure"] == "sum")].set_index("code")["value"]
    assert math.isclose(province["A"], 12.5 + 1250.5) and province["B"] == 7


@pytest.mark.parametrize("typed", [1e308, 5e9])
def test_an_absurd_count_is_a_range_error_not_a_total(typed, tmp_path):
    form_file = tmp_path / "count.yaml"
    form_file.write_text(FORM.replace("{kind: money, code: A", "{kind: decimal, code: A"), encoding="utf-8")
    form = load_form(form_file)
    path = generate_workbook(form, tmp_path / "x.xlsx", unit=UnitInfo("X1", "Xã Một", "xa", "Cấp xã"), year=2024)
    _fill(path, {"A": 1.5, "B": typed})
    report = validate_return(read_return(path, catalog={form.id: form}))
    errors = [(f.rule_id, f.cell) for f in report.findings if f.severity == "error"]
    assert errors == [("range.count", "D10")], errors  # B: the second value row
