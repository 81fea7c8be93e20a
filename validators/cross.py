"""Cross-field rules (catalog rules, parts, ratios, column rules), vectorised across returns.

Numbers are pivoted once to a numpy matrix with one row per return and one column per
``(code, column)`` cell; every ``RuleInstance`` (from ``workbooks.catalog.instances``) is then
one comparison of two column sums over all returns at once. A rule is checked only where all
its cells hold numbers. Cell addresses and messages are looked up only for failing returns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from validators.context import FormContext, form_context
from validators.findings import hits_frame
from validators.frame import first_positions, normalise, object_array
from validators.messages import check_cells
from validators.prepared import Prepared
from workbooks.catalog.instances import CellKey, RuleInstance
from workbooks.catalog.model import Form, Rule

REL_TOL = 1e-9
PAIRWISE_FROM = 8  # numpy sums 8 or more terms pairwise along a contiguous axis


class Grid:
    """Indicator cells of all returns side by side: one row per return, one column per cell."""

    def __init__(self, prep: Prepared) -> None:
        """Pivot the indicator rows (``item == 0``) of prepared values (first value of a cell wins).

        Args:
            prep: the prepared values.
        """
        self.prep = prep
        ind = np.flatnonzero(prep.item == 0)
        pair_codes, keys = prep.pairs
        row_codes, rids = pd.factorize(prep.rid_codes[ind])
        col_codes, pairs = pd.factorize(pair_codes[ind])
        flat = row_codes.astype(np.int64) * max(len(pairs), 1) + col_codes
        first = ~pd.Series(flat).duplicated().to_numpy() if len(flat) else np.zeros(0, dtype=bool)
        self.rids: np.ndarray = prep.rid_uniques[rids]
        self.keys: list[CellKey] = [keys[p] for p in pairs.tolist()]
        self.column = {key: j for j, key in enumerate(self.keys)}
        shape = (len(rids), len(pairs))
        self.numbers = np.full(shape, np.nan)
        self.numbers[row_codes[first], col_codes[first]] = prep.number[ind[first]]
        self.positions = np.full(shape, -1, dtype=np.intp)  # row of the values frame of each cell
        self.positions[row_codes[first], col_codes[first]] = ind[first]
        self.first_row = ind[first_positions(row_codes)]  # unit and form of a return: its first cell

    @property
    def empty(self) -> bool:
        """True without any indicator value."""
        return self.numbers.size == 0

    @property
    def present(self) -> set[CellKey]:
        """Cells found in at least one return."""
        return set(self.keys)

    def total(self, keys: tuple[CellKey, ...]) -> np.ndarray:
        """Sum of the cells ``keys`` per return (blank cells count 0), summed in pandas' order."""
        return row_sums(self.numbers[:, [self.column[k] for k in keys]])

    def refs(self, keys: tuple[CellKey, ...], rows: np.ndarray) -> list[list[str]]:
        """Addresses of ``keys`` in the returns ``rows`` (grid rows), anchor (first key) first.

        A cell on another sheet than the anchor's is written ``'Sheet'!A1``.
        """
        at = self.positions[np.ix_(rows, [self.column[k] for k in keys])]
        cells, sheets = self.prep.strings("cell", at).T.tolist(), self.prep.strings("sheet", at).T.tolist()
        return [[c if s == s0 else f"'{s}'!{c}" for c, s, s0 in zip(cells[j], sheets[j], sheets[0], strict=True)]
                for j in range(len(keys))]


def row_sums(x: np.ndarray) -> np.ndarray:
    """Row sums of a (returns × cells) block with NaN as 0, term for term as pandas'
    ``DataFrame.sum(axis=1)`` added them on the pivoted grid: pairwise along each row, except
    for 6 or more returns with a blank somewhere in the block (then cell after cell), so that
    sums of 8 or more decimals match to the last bit (fewer terms: both orders agree).

    Args:
        x: the block.

    Returns:
        One sum per row.
    """
    gaps = np.isnan(x)
    has_gaps = bool(gaps.any())
    filled = np.where(gaps, 0.0, x) if has_gaps else x
    if x.shape[1] >= PAIRWISE_FROM and len(x) >= 6 and has_gaps:
        return np.ascontiguousarray(filled.T).sum(axis=0)
    return np.ascontiguousarray(filled).sum(axis=1)


def holds(op: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Whether ``left op right`` holds, with a relative tolerance for decimals.

    Args:
        op: ``<=``, ``<``, ``=``, ``>=`` or ``>``.
        left: left sums.
        right: right sums.

    Returns:
        Boolean array.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        diff = left - right
        tol = REL_TOL * (1 + np.abs(left) + np.abs(right))
        results = {"<=": lambda: diff <= tol, "<": lambda: diff < -tol, "=": lambda: np.abs(diff) <= tol,
                   ">=": lambda: diff >= -tol, ">": lambda: diff > tol}
        return results[op]()


def rule_hits(form: Form, values: pd.DataFrame, *, prep: Prepared | None = None,
              ctx: FormContext | None = None) -> pd.DataFrame:
    """Hits of every rule instance of ``form`` for all returns of ``values``.

    Args:
        form: the form.
        values: prepared values (see ``frame.normalise``).
        prep: ``Prepared(values)`` when already made.
        ctx: the form context when already at hand (the rules do not depend on the year).

    Returns:
        A hits frame (see ``findings.HIT_COLUMNS``).
    """
    grid = Grid(prep or Prepared(normalise(values)))
    if grid.empty:
        return pd.DataFrame()
    ctx = ctx or form_context(form, form.period.default_year)
    parts = [_instance_hits(form, inst, grid) for inst in ctx.instances(grid.present)]
    parts = [p for p in parts if p is not None]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _instance_hits(form: Form, inst: RuleInstance, grid: Grid) -> pd.DataFrame | None:
    rule = inst.rule
    cols = [grid.column[k] for k in inst.cells]
    complete = ~np.isnan(grid.numbers[:, cols]).any(axis=1)
    left, right = grid.total(inst.left), rule.factor * grid.total(inst.right) + rule.constant
    bad = np.flatnonzero(complete & ~holds(rule.op, left, right))
    if not len(bad):
        return None
    refs = grid.refs(inst.cells, bad)
    cells = object_array(list(zip(*refs, strict=True)))
    anchor = grid.column[inst.anchor]
    first = grid.first_row[bad]
    rows = pd.DataFrame({
        "return_id": grid.rids[bad], "sheet": grid.prep.strings("sheet", grid.positions[bad, anchor]),
        "cell": grid.prep.strings("cell", grid.positions[bad, anchor]), "value": grid.numbers[bad, anchor],
        "left": left[bad], "right": right[bad],
        "left_expr": _expr(refs, inst, inst.left, 1.0), "right_expr": _right_expr(refs, inst, rule, len(bad)),
        "cells": pd.Series(cells, dtype=object), "check_cells": [check_cells(c) for c in cells],
        "unit_code": grid.prep.strings("unit_code", first), "form_id": grid.prep.strings("form_id", first),
    })
    return hits_frame(rows, **_rule_constants(form, rule, inst.anchor))


def _expr(refs: list[list[str]], inst: RuleInstance, keys: tuple[CellKey, ...], factor: float) -> list[str]:
    chosen = [refs[inst.cells.index(k)] for k in keys]
    texts = [" + ".join(parts) for parts in zip(*chosen, strict=True)]
    if len(chosen) > 1 and factor != 1:
        texts = [f"({text})" for text in texts]
    return texts if factor == 1 else [f"{_factor(factor)} × {text}" for text in texts]


def _right_expr(refs: list[list[str]], inst: RuleInstance, rule: Rule, n: int) -> list[str]:
    """The right side as written in a finding; a constant side prints as its number (100)."""
    constant = _factor(rule.constant)
    if not inst.right:
        return [constant] * n
    texts = _expr(refs, inst, inst.right, rule.factor)
    return [f"{text} + {constant}" for text in texts] if rule.constant else texts


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
