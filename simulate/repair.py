"""Constraint repair: change drawn values until every rule instance of the form holds.

A form whose rules cannot all be satisfied is a catalog bug: ``UnsatisfiableRules``.
"""

from __future__ import annotations

import math
import random

from simulate.cells import InputCell
from simulate.draw import clip
from simulate.oracle import TOLERANCE_DIGITS, as_number, evaluate, rate
from workbooks.catalog.instances import CellKey, RuleInstance

MAX_REPAIR_ROUNDS = 400

class UnsatisfiableRules(RuntimeError):
    """The rules of a form cannot all hold at once (a catalog bug: report it)."""


# --------------------------------------------------------------------------- repair


class Repair:
    """Lower (rarely raise) values until every rule instance holds.

    Repairs only ever lower the side that is too big ("=" lowers the larger side, "<=" the
    left), so they cannot undo each other; raising the other side is the fallback when the
    big side is already at its lower bounds.
    """

    def __init__(self, values: dict[CellKey, object], cells: dict[CellKey, InputCell],
                 computed: dict[CellKey, tuple[CellKey, CellKey]], rng: random.Random,
                 scales: dict[CellKey, float] | None = None) -> None:
        self.values, self.cells, self.computed, self.rng = values, cells, computed, rng
        self.scales = scales or {}  # plain ratios (máy/người): 1; percentages: 100

    def number(self, key: CellKey) -> float | None:
        """The current number of a cell (computed percentages recomputed), None when not a number."""
        if key in self.computed:
            num, den = self.computed[key]
            return rate(self.number(num), self.number(den), self.scales.get(key, 100))
        return as_number(self.values.get(key))

    def run(self, instances: list[RuleInstance], form_id: str) -> None:
        """Repair until no instance is violated; ``UnsatisfiableRules`` after ``MAX_REPAIR_ROUNDS``."""
        for _ in range(MAX_REPAIR_ROUNDS):
            changed = False
            for inst in instances:
                nums = {k: self.number(k) for k in inst.left + inst.right}
                if evaluate(inst, nums) is False:
                    self.fix(inst, nums)
                    changed = True
            if not changed:
                return
        still = [i.rule.id for i in instances
                 if evaluate(i, {k: self.number(k) for k in i.left + i.right}) is False]
        raise UnsatisfiableRules(f"{form_id}: không tìm được số liệu thỏa mãn mọi quy tắc sau "
                                 f"{MAX_REPAIR_ROUNDS} vòng; còn vi phạm: {sorted(set(still))}")

    def fix(self, inst: RuleInstance, nums: dict[CellKey, float | None]) -> None:
        """Repair one violated instance ("<=": lower the left to 70–100 % of what is allowed)."""
        rule = inst.rule
        left = sum(nums[k] or 0.0 for k in inst.left)
        right = sum(nums[k] or 0.0 for k in inst.right) * rule.factor + rule.constant
        if rule.op == "=":
            if left > right:
                self.lower_or_raise(inst.left, right, inst.right, 1.0, rule.factor, exact=True)
            elif rule.factor:
                self.lower_or_raise(inst.right, (left - rule.constant) / rule.factor, inst.left, rule.factor,
                                    1.0, exact=True)
            return
        if rule.op in {"<=", "<"}:
            big, small, big_coef, small_coef, target = inst.left, inst.right, 1.0, rule.factor, right
        else:
            big, small, big_coef, small_coef, target = inst.right, inst.left, rule.factor, 1.0, left
            target = (target - rule.constant) / rule.factor if rule.factor else 0.0
        if rule.op in {"<", ">"}:
            target -= 1.0 if all(self._integer(k) for k in big) else 0.01
        target *= self.rng.uniform(0.7, 1.0) if target > 0 else 1.0
        self.lower_or_raise(big, target, small, big_coef, small_coef, exact=False)

    def _integer(self, key: CellKey) -> bool:
        cell = self.cells.get(key)
        return cell is None or cell.integer  # rate cells: lowered through their integer numerator

    def lower_or_raise(self, big: tuple[CellKey, ...], target: float, small: tuple[CellKey, ...],
                       big_coef: float, small_coef: float, exact: bool) -> None:
        """Make ``sum(big)`` at most (``exact``: equal to) ``target``; else raise ``small``."""
        reached = self.lower(big, target, exact)
        if round(reached - target, TOLERANCE_DIGITS) > 0 and small_coef:
            # ``big`` is at its lower bounds: raise ``small`` so that small_coef*sum(small) >= reached.
            self.raise_side(small, reached * big_coef / small_coef)

    def lower(self, keys: tuple[CellKey, ...], target: float, exact: bool) -> float:
        """Scale the adjustable cells of ``keys`` down so their sum is ``target``; return the sum reached."""
        target = max(0.0, target)
        adjustable = [k for k in dict.fromkeys(keys) if self._adjustable(k)]
        fixed = sum((self.number(k) or 0.0) * keys.count(k) for k in dict.fromkeys(keys)
                    if k not in adjustable)
        current = {k: self.number(k) or 0.0 for k in adjustable}
        floors = {k: self._floor(k) for k in adjustable}
        mult = {k: keys.count(k) for k in adjustable}
        movable = sum((current[k] - floors[k]) * mult[k] for k in adjustable)
        need = target - fixed - sum(floors[k] * mult[k] for k in adjustable)
        if movable <= 0 or need < 0:
            for k in adjustable:
                self.set_value(k, floors[k])
            return fixed + sum(floors[k] * mult[k] for k in adjustable)
        share = min(1.0, need / movable)
        for k in adjustable:
            self.set_value(k, floors[k] + (current[k] - floors[k]) * share)
        reached = fixed + sum((self.number(k) or 0.0) * mult[k] for k in adjustable)
        if exact:
            reached = self._top_up(adjustable, current, mult, target - fixed) + fixed
        return reached

    def _top_up(self, keys: list[CellKey], before: dict[CellKey, float], mult: dict[CellKey, int],
                target: float) -> float:
        """After rounding down, add back the remainder so the sum hits ``target`` exactly."""
        total = sum((self.number(k) or 0.0) * mult[k] for k in keys)
        for k in keys:
            gap = round(target - total, TOLERANCE_DIGITS)
            if gap <= 0:
                break
            if k in self.computed:
                continue
            room = before[k] - (self.number(k) or 0.0)
            step = min(room, gap / mult[k])
            if self.cells[k].integer:
                step = math.floor(step + 1e-9)
            if step > 0:
                self.set_value(k, (self.number(k) or 0.0) + step, exact=True)
                total = sum((self.number(j) or 0.0) * mult[j] for j in keys)
        return total

    def raise_side(self, keys: tuple[CellKey, ...], target: float) -> None:
        """Raise one adjustable input cell of ``keys`` so the side's sum reaches ``target``."""
        current = sum(self.number(k) or 0.0 for k in keys)
        gap = target - current
        if gap <= 0:
            return
        for key in keys:
            cell = self.cells.get(key)
            if cell is None or not cell.adjustable:
                continue
            room = math.inf if cell.hi is None else cell.hi - (self.number(key) or 0.0)
            step = min(room, math.ceil(gap) if cell.integer else round(gap + 0.005, 2))
            if step > 0:
                self.set_value(key, (self.number(key) or 0.0) + step)
                gap -= step
            if gap <= 0:
                return

    def _adjustable(self, key: CellKey) -> bool:
        if key in self.computed:
            num = self.computed[key][0]
            return num in self.cells and self.cells[num].adjustable and self.number(key) is not None
        cell = self.cells.get(key)
        return cell is not None and cell.adjustable and self.number(key) is not None

    def _floor(self, key: CellKey) -> float:
        if key in self.computed:
            return 0.0
        return self.cells[key].lo or 0.0

    def set_value(self, key: CellKey, value: float, exact: bool = False) -> None:
        """Write a number rounded down (``exact``: to the nearest) to the cell's precision.

        Rates are set through their numerator.
        """
        if key in self.computed:
            num, den = self.computed[key]
            den_value = self.number(den) or 0.0
            target = math.floor(value * 100 + 1e-9) / 100
            self.set_value(num, math.floor(target * den_value / self.scales.get(key, 100) + 1e-9))
            return
        cell = self.cells[key]
        if cell.integer:
            self.values[key] = int(clip(cell, math.floor(value + 1e-9)))
        else:
            digits = 1 if cell.spec.percent else 2
            scaled = round(value, digits) if exact else math.floor(value * 10**digits + 1e-9) / 10**digits
            self.values[key] = clip(cell, scaled)

