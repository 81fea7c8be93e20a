"""Cross-field rules (catalog rules, parts, ratios, column rules), vectorised across returns.

Numbers are pivoted to one row per return and one column per ``(code, column)`` cell; every
``RuleInstance`` (from ``workbooks.catalog.instances``) is then one comparison of two column
sums over all returns at once. A rule is checked only where all its cells hold numbers.
"""

from __future__ import annotations

import pandas as pd

from validators.findings import hits_frame
from validators.frame import return_meta
from validators.messages import check_cells
from workbooks.catalog.instances import CellKey, RuleInstance, rule_instances
from workbooks.catalog.model import Form, Rule

REL_TOL = 1e-9


class Grid:
    """Indicator cells of all returns side by side: one row per return, one column per cell."""

    def __init__(self, values: pd.DataFrame) -> None:
        """Pivot the indicator rows (``item == 0``) of prepared values.

        Args:
            values: prepared values (see ``frame.normalise``).
        """
        ind = values[values["item"].eq(0)].drop_duplicates(["return_id", "code", "column"])
        wide = ind.set_index(["return_id", "code", "column"])[["number", "cell", "sheet"]]
        wide = wide.unstack(["code", "column"])
        self.numbers: pd.DataFrame = wide["number"] if len(wide) else pd.DataFrame()
        self.cells: pd.DataFrame = wide["cell"] if len(wide) else pd.DataFrame()
        self.sheets: pd.DataFrame = wide["sheet"] if len(wide) else pd.DataFrame()
        self.meta = return_meta(ind)

    @property
    def present(self) -> set[CellKey]:
        """Cells found in at least one return."""
        return set(self.numbers.columns)

    def total(self, keys: tuple[CellKey, ...]) -> pd.Series:
        """Sum of the cells ``keys`` per return."""
        return self.numbers[list(keys)].sum(axis=1)

    def refs(self, keys: tuple[CellKey, ...], rows: pd.Series) -> list[pd.Series]:
        """Addresses of ``keys`` in the returns ``rows`` (boolean mask), anchor (first key) first.

        A cell on another sheet than the anchor's is written ``'Sheet'!A1``.
        """
        anchor_sheet = self.sheets.loc[rows, keys[0]]
        out = []
        for key in keys:
            cell, sheet = self.cells.loc[rows, key].fillna(""), self.sheets.loc[rows, key].fillna("")
            out.append(cell.where(sheet.eq(anchor_sheet), "'" + sheet + "'!" + cell))
        return out


def holds(op: str, left: pd.Series, right: pd.Series) -> pd.Series:
    """Whether ``left op right`` holds, with a relative tolerance for decimals.

    Args:
        op: ``<=``, ``<``, ``=``, ``>=`` or ``>``.
        left: left sums.
        right: right sums.

    Returns:
        Boolean Series.
    """
    diff = left - right
    tol = REL_TOL * (1 + left.abs() + right.abs())
    results = {"<=": diff <= tol, "<": diff < -tol, "=": diff.abs() <= tol,
               ">=": diff >= -tol, ">": diff > tol}
    return results[op]


def rule_hits(form: Form, values: pd.DataFrame) -> pd.DataFrame:
    """Hits of every rule instance of ``form`` for all returns of ``values``.

    Args:
        form: the form.
        values: prepared values (see ``frame.normalise``).

    Returns:
        A hits frame (see ``findings.HIT_COLUMNS``).
    """
    grid = Grid(values)
    if grid.numbers.empty:
        return pd.DataFrame()
    parts = [_instance_hits(form, inst, grid) for inst in rule_instances(form, grid.present)]
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _instance_hits(form: Form, inst: RuleInstance, grid: Grid) -> pd.DataFrame:
    rule = inst.rule
    complete = grid.numbers[list(inst.cells)].notna().all(axis=1)
    left, right = grid.total(inst.left), rule.factor * grid.total(inst.right)
    bad = complete & ~holds(rule.op, left, right)
    if not bad.any():
        return pd.DataFrame()
    sheet = grid.sheets.loc[bad, inst.anchor]
    refs = grid.refs(inst.cells, bad)
    cells = pd.Series(list(zip(*refs, strict=True)), index=sheet.index)
    rows = pd.DataFrame({
        "return_id": sheet.index, "sheet": sheet, "cell": grid.cells.loc[bad, inst.anchor],
        "value": grid.numbers.loc[bad, inst.anchor], "left": left[bad], "right": right[bad],
        "left_expr": _expr(refs, inst, inst.left, 1.0), "right_expr": _expr(refs, inst, inst.right, rule.factor),
        "cells": cells, "check_cells": cells.map(check_cells),
    }).reset_index(drop=True).join(grid.meta, on="return_id")
    return hits_frame(rows, **_rule_constants(form, rule, inst.anchor))


def _expr(refs: list[pd.Series], inst: RuleInstance, keys: tuple[CellKey, ...], factor: float) -> pd.Series:
    chosen = [refs[inst.cells.index(k)] for k in keys]
    text = chosen[0]
    for ref in chosen[1:]:
        text = text + " + " + ref
    if len(chosen) > 1 and factor != 1:
        text = "(" + text + ")"
    return text if factor == 1 else f"{_factor(factor)} × " + text


def _factor(factor: float) -> str:
    return str(int(factor)) if float(factor).is_integer() else str(factor).replace(".", ",")


def _rule_constants(form: Form, rule: Rule, anchor: CellKey) -> dict:
    """Rule id, template, severity and the texts a rule's message needs."""
    out = {"code": anchor[0], "column": anchor[1], "severity": rule.severity,
           "rule_text": rule.message.strip().rstrip("."), "rule_fix": rule.fix}
    if rule.origin == "parts":
        whole = form.indicator(rule.right[0])
        return {**out, "rule_id": rule.id, "whole": whole.label,
                "template": "parts.sum" if rule.op == "=" else "parts.at_most"}
    if rule.origin == "ratio":
        ind = form.indicator(rule.left[0].split(":")[0])
        num = ind.numerator.label if ind.numerator else rule.left[0]
        den = ind.denominator.label if ind.denominator else rule.right[0]
        return {**out, "rule_id": rule.id, "template": "ratio", "num": num, "den": den}
    return {**out, "rule_id": f"rule:{rule.id}", "template": "rule"}

