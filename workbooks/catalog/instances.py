"""Expand rules into instances over concrete value cells ``(code, column key)``.

A form rule ``A <= B`` becomes one instance per value column both sides have; a column
rule ``ontime <= total`` one instance per row. The writer turns instances into Excel
formulas, the validators into vectorised checks: both see the same expansion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from workbooks.catalog.model import Form, IndicatorSheet, Rule

CellKey = tuple[str, str]  # (value code, column key)


@dataclass(frozen=True)
class RuleInstance:
    """One rule applied to concrete cells."""

    rule: Rule
    left: tuple[CellKey, ...]
    right: tuple[CellKey, ...]
    anchor: CellKey

    @property
    def cells(self) -> tuple[CellKey, ...]:
        """Every cell the instance reads, anchor first."""
        rest = [c for c in self.left + self.right if c != self.anchor]
        return (self.anchor, *rest)


def _sheet_columns(form: Form) -> list[str]:
    """Input value-column keys of every indicator sheet (computed rate columns excluded)."""
    keys: list[str] = []
    for sheet in form.sheets:
        if isinstance(sheet, IndicatorSheet):
            keys += [c.key for c in sheet.columns if c.key not in keys and not c.is_computed]
    return keys


def _row_instances(rule: Rule, present: set[CellKey], columns: list[str]) -> Iterable[RuleInstance]:
    for col in columns:
        left = tuple((code, col) for code in rule.left)
        right = tuple((code, col) for code in rule.right)
        if all(c in present for c in left + right):
            anchor = (rule.anchor, col)
            yield RuleInstance(rule, left, right, anchor)


def _column_instances(rule: Rule, form: Form, present: set[CellKey]) -> Iterable[RuleInstance]:
    sheet = form.sheet(rule.sheet or "")
    assert isinstance(sheet, IndicatorSheet)
    for ind in sheet.indicators:
        codes = [f"{ind.code}:num", f"{ind.code}:den"] if ind.spec.ratio else [ind.code]
        for code in codes:
            left = tuple((code, k) for k in rule.left)
            right = tuple((code, k) for k in rule.right)
            if all(c in present for c in left + right):
                yield RuleInstance(rule, left, right, (code, rule.anchor))


def rule_instances(form: Form, present: set[CellKey]) -> list[RuleInstance]:
    """Every instance of every rule (catalog and derived) whose cells are all present.

    Args:
        form: the form.
        present: the value cells that exist for this unit (rows of other levels are absent).

    Returns:
        Instances in rule order.
    """
    columns = _sheet_columns(form)
    out: list[RuleInstance] = []
    for rule in form.all_rules:
        if rule.scope == "columns":
            out += _column_instances(rule, form, present)
        else:
            out += _row_instances(rule, present, columns)
    return out
