"""The simulator's rule evaluator: an independent oracle for the validators.

Tests measure the validators (``validators/``) against what this module says a set of values
violates, and the simulator repairs its values with it. It is therefore written from the rule
instances of the catalog alone (``left op factor * right``, compared as the workbook does with
``ROUND(left - right - constant, 6)``; percentages recomputed as ``ROUND(num/den*100, 2)``,
plain ratios as ``ROUND(num/den, 2)``).

This module must never import ``validators`` (nor anything that does): an oracle that shares
code with what it checks cannot catch that code's mistakes.
"""

from __future__ import annotations

import math

from simulate.cells import compiled_for
from workbooks.catalog.instances import CellKey, RuleInstance
from workbooks.catalog.model import Form

TOLERANCE_DIGITS = 6  # the workbook compares ROUND(left - right, 6), the validators the same

def as_number(value: object) -> float | None:
    """The number a written value means for the rules; None for blanks, text, booleans and NaN."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if isinstance(value, float) and math.isnan(value) else float(value)


def rate(num: float | None, den: float | None, scale: float = 100) -> float | None:
    """The workbook's percentage: ROUND(num/den*100, 2) (``scale`` 1: a plain ratio such as
    máy/người), blank unless both are numbers and den > 0."""
    if num is None or den is None or den <= 0:
        return None
    return round(num / den * scale, 2)


def numeric_view(values: dict[CellKey, object], computed: dict[CellKey, tuple[CellKey, CellKey]],
                 scales: dict[CellKey, float] | None = None) -> dict[CellKey, float | None]:
    """Numbers of every input cell (None when blank or not a number) plus recomputed rates."""
    nums: dict[CellKey, float | None] = {k: as_number(v) for k, v in values.items()}
    for key, (num, den) in computed.items():
        nums[key] = rate(nums.get(num), nums.get(den), (scales or {}).get(key, 100))
    return nums


def _holds(op: str, diff: float) -> bool:
    diff = round(diff, TOLERANCE_DIGITS)
    return {"<=": diff <= 0, "<": diff < 0, "=": diff == 0, ">=": diff >= 0, ">": diff > 0}[op]


def evaluate(inst: RuleInstance, nums: dict[CellKey, float | None]) -> bool | None:
    """True when the instance holds, False when violated, None when not checked (a cell not a number)."""
    cells = [nums.get(k) for k in inst.left + inst.right]
    if any(v is None for v in cells):
        return None
    left = sum(nums[k] or 0.0 for k in inst.left)
    right = sum(nums[k] or 0.0 for k in inst.right)
    return _holds(inst.rule.op, left - inst.rule.factor * right - inst.rule.constant)


def violations(form: Form, level: str | None, cells: dict[CellKey, object],
               severity: str | None = None) -> list[RuleInstance]:
    """Rule instances of ``form`` for ``level`` that the indicator values ``cells`` violate.

    Args:
        form: the form.
        level: the unit's level (None: the template, every row).
        cells: (value code, column key) -> value as written (numbers; text counts as not a number).
        severity: only rules of this severity (both when None).

    Returns:
        The violated instances, in rule order.
    """
    comp = compiled_for(form, level)
    nums = numeric_view(cells, comp.computed, comp.scales)
    return [inst for inst in comp.instances
            if (severity is None or inst.rule.severity == severity) and evaluate(inst, nums) is False]

