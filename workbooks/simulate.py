"""Simulated returns: plausible values for any catalog form, and a whole simulated round.

``plausible_prefill`` draws values for every input cell a unit of a level fills (counts in
ranges that fit their unit of measure, percentages, choices, yes/no, texts, dates, list rows,
the reporter block) and repairs them against every rule instance of the form until none is
violated. A form whose rules cannot be satisfied is a catalog bug: ``UnsatisfiableRules``.

``simulate_round`` writes a folder of returns as Sở Nội vụ receives them by e-mail: renamed
files, a few units missing, some late, some with typical mistakes (numbers typed as text, a
part larger than its whole, more tasks done than planned), one unit sending two versions and
one damaged file. It returns the truth (what every unit's file holds) so the reader, the
validators and the consolidation can be measured against it.

Everything goes through the xlsxwriter writer (``generate_workbook`` with a ``Prefill``); no
file is opened again, so a round of hundreds of returns takes seconds.
"""

from __future__ import annotations

import math
import os
import random
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from workbooks.catalog.instances import CellKey, RuleInstance, rule_instances
from workbooks.catalog.layout import (
    IndicatorLayout,
    ListLayout,
    computed_inputs,
    form_layouts,
    period_bounds,
    render,
    value_cells,
)
from workbooks.catalog.loader import load_form
from workbooks.catalog.model import INTEGER_KINDS, NO, YES, Form, IndicatorSheet, ListColumn, ListSheet
from workbooks.registry import Registry, Unit
from workbooks.writer.assembler import ascii_slug, generate_workbook, workbook_filename
from workbooks.writer.batch import unit_info
from workbooks.writer.context import DATE_SLACK, Prefill, UnitInfo

__all__ = [
    "MISTAKE_KINDS", "RULE_MISTAKES", "TEXT_MISTAKES", "InputCell", "Mistake", "SimulationTruth", "UnitTruth",
    "UnsatisfiableRules", "add_mistakes", "computed_cells", "emailed_name", "evaluate", "input_cells",
    "numeric_view", "plausible_prefill", "rate", "simulate_round", "violations",
]

MAX_REPAIR_ROUNDS = 400
TOLERANCE_DIGITS = 6  # the workbook compares ROUND(left - right, 6), the validators the same

# Typical magnitudes per unit of measure for a department (sở, ngành); (keyword, low, high).
# The first keyword found in the (case-folded) unit text wins.
_MAGNITUDES: tuple[tuple[str, float, float], ...] = (
    ("hồ sơ", 300, 6000),
    ("người", 20, 250),
    ("cơ quan", 2, 25),
    ("đơn vị", 2, 25),
    ("thủ tục", 40, 400),
    ("tthc", 40, 400),
    ("dvc", 30, 300),
    ("dịch vụ", 30, 300),
    ("quy trình", 30, 300),
    ("dự thảo", 1, 15),
    ("quyết định", 1, 20),
    ("văn bản", 10, 300),
    ("nhiệm vụ", 5, 40),
    ("cuộc", 2, 30),
    ("tin", 10, 150),
    ("vấn đề", 2, 20),
    ("tài khoản", 20, 300),
    ("máy", 2, 10),
    ("tb", 1, 8),
    ("ý kiến", 2, 40),
    ("dự án", 1, 10),
)
_DEFAULT_MAGNITUDE = (1.0, 50.0)
# Size of a unit of each level relative to a department.
_LEVEL_SCALE = {"tinh": 3.0, "so_nganh": 1.0, "huyen": 1.5, "phong_huyen": 0.4, "xa": 0.3}

_NOTES = (
    "Số liệu tính đến ngày 30/9/{year}.",
    "Số liệu ước thực hiện đến hết năm {year}.",
    "Đã bao gồm các đơn vị trực thuộc.",
    "Theo số liệu của bộ phận một cửa.",
    "Số liệu lấy từ Hệ thống thông tin giải quyết TTHC của tỉnh.",
    "Tăng so với năm trước do sáp nhập đơn vị.",
)
_TEXTS = (
    "Đã triển khai theo kế hoạch",
    "Đã thực hiện đầy đủ",
    "Đang tiếp tục triển khai",
    "Thực hiện theo hướng dẫn của Sở Nội vụ",
)
_TASKS = (
    "Ban hành Kế hoạch cải cách hành chính năm {year}",
    "Ban hành Kế hoạch tuyên truyền cải cách hành chính năm {year}",
    "Kiểm tra công tác cải cách hành chính tại các đơn vị trực thuộc",
    "Rà soát, đơn giản hóa thủ tục hành chính",
    "Cập nhật, công khai thủ tục hành chính trên Cổng dịch vụ công",
    "Ban hành quy trình nội bộ giải quyết thủ tục hành chính",
    "Tổ chức đối thoại với doanh nghiệp về thủ tục hành chính",
    "Rà soát vị trí việc làm, cơ cấu ngạch công chức",
    "Triển khai chữ ký số cho lãnh đạo và công chức",
    "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    "Báo cáo kết quả thực hiện cải cách hành chính 6 tháng đầu năm",
)
_DOC_TYPES = ("KH", "QĐ", "BC", "CV", "TB", "HD")
_ISSUERS = ("UBND", "SNV", "VP", "PNV", "BCĐ")
_REPORTERS = (
    "Nguyễn Thị Huyền", "Lò Văn Pánh", "Cầm Thị Hoa", "Quàng Văn Hải", "Lê Thị Thu Trang",
    "Phạm Đức Anh", "Hoàng Thị Lan", "Trần Văn Minh", "Vì Thị Hương", "Đỗ Quang Trung",
)
# How units name the file they send back (``{name}``: unit name, ``{plain}``: without accents).
_NAME_PATTERNS = (
    "Phu luc - {plain_casual} (sua lan 2)",
    "Phụ lục CCHC {year} - {name}",
    "{name} - báo cáo CCHC {year}",
    "BC CCHC {year}_{plain}",
    "PL kèm BC {name} năm {year}",
    "{generated} (1)",
    "Copy of {generated}",
    "{upper}",
    "phu luc {plain_lower}",
    "Biểu mẫu {form} - {name} - final",
    "{name}",
    "Phụ lục báo cáo CCHC {name}",
)
_NEWER_SUFFIXES = (" (sua lan 2)", " - bản sửa", "_v2", " (đã sửa)", " - gui lai")
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')

MISTAKE_KINDS = ("thousands_dot", "unit_word", "dash", "decimal_comma", "percent_sign",
                 "part_gt_whole", "done_gt_planned")
TEXT_MISTAKES = ("thousands_dot", "unit_word", "dash", "decimal_comma", "percent_sign")
RULE_MISTAKES = ("part_gt_whole", "done_gt_planned")


class UnsatisfiableRules(RuntimeError):
    """The rules of a form cannot all hold at once (a catalog bug: report it)."""


# --------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class InputCell:
    """An indicator value cell a unit types into.

    Attributes:
        key: (value code, column key).
        kind: count, cumulative, decimal, percent, choice, yesno, text, date.
        unit: the printed unit of measure (of the numerator/denominator for ratio inputs).
        lo: lower bound (None: none).
        hi: upper bound (None: none).
        choices: codes of a choice cell.
        template: the column whose value this one resembles (last year's column), or None.
        label: the printed label of the row.
    """

    key: CellKey
    kind: str
    unit: str
    lo: float | None
    hi: float | None
    choices: tuple = ()
    template: str | None = None
    label: str = ""

    @property
    def integer(self) -> bool:
        """Whole numbers only."""
        return self.kind in INTEGER_KINDS

    @property
    def numeric(self) -> bool:
        """The cell holds a number the rules can compare (choices hold numeric codes)."""
        return self.kind in {"count", "cumulative", "decimal", "percent", "choice"}

    @property
    def adjustable(self) -> bool:
        """The repair may change the value (numbers, not coded choices)."""
        return self.kind in {"count", "cumulative", "decimal", "percent"}


def _templates(lay: IndicatorLayout) -> dict[str, str | None]:
    """For every input column, the earlier column it resembles (same label, or the first column)."""
    inputs = [vc for vc in lay.sheet.columns if not vc.is_computed]
    out: dict[str, str | None] = {}
    for i, vc in enumerate(inputs):
        earlier = inputs[:i]
        if vc.group is None:
            out[vc.key] = earlier[0].key if earlier else None
        else:
            same = [e for e in earlier if e.label == vc.label and e.group != vc.group]
            out[vc.key] = same[0].key if same else None
    return out


def input_cells(form: Form, level: str | None) -> dict[CellKey, InputCell]:
    """Every indicator input cell of a unit of ``level`` (every row when None), in sheet order."""
    cells: dict[CellKey, InputCell] = {}
    for lay in form_layouts(form, level):
        if not isinstance(lay, IndicatorLayout):
            continue
        templates = _templates(lay)
        for line in lay.lines:
            ind = line.indicator
            if ind is None:
                continue
            for vc in lay.sheet.columns:
                if not lay.is_input(line, vc):
                    continue
                kind = line.value_kind
                if line.role in {"num", "den"}:
                    lo, hi = 0.0, None
                else:
                    lo, hi = ind.min, ind.max
                    if kind == "percent":
                        lo, hi = (0.0 if lo is None else lo), (100.0 if hi is None else hi)
                    elif kind in {"count", "cumulative", "decimal"} and lo is None:
                        lo = 0.0
                choices = tuple(c.code for c in ind.choices)
                cells[(line.code, vc.key)] = InputCell((line.code, vc.key), kind, line.unit, lo, hi,
                                                       choices, templates.get(vc.key), line.label)
    return cells


def computed_cells(form: Form, level: str | None) -> dict[CellKey, tuple[CellKey, CellKey]]:
    """Every computed percentage cell -> its (numerator, denominator) input cells."""
    return computed_inputs(form_layouts(form, level))


@dataclass(frozen=True)
class _Compiled:
    """Everything the simulator needs about a form for one level, compiled once."""

    form: Form  # kept so that ``id(form)`` in the cache key cannot be reused by another object
    layouts: list[IndicatorLayout | ListLayout]
    cells: dict[CellKey, InputCell]
    computed: dict[CellKey, tuple[CellKey, CellKey]]
    instances: list[RuleInstance]


_COMPILED: dict[tuple[int, str | None], _Compiled] = {}


def _compiled(form: Form, level: str | None) -> _Compiled:
    key = (id(form), level)
    found = _COMPILED.get(key)
    if found is None or found.form is not form:
        layouts = form_layouts(form, level)
        found = _Compiled(form, layouts, input_cells(form, level), computed_cells(form, level),
                          rule_instances(form, set(value_cells(layouts))))
        _COMPILED[key] = found
    return found


def _as_number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if isinstance(value, float) and math.isnan(value) else float(value)


def rate(num: float | None, den: float | None, scale: float = 100) -> float | None:
    """The workbook's percentage: ROUND(num/den*100, 2) (``scale`` 1: a plain ratio such as
    máy/người), blank unless both are numbers and den > 0."""
    if num is None or den is None or den <= 0:
        return None
    return round(num / den * scale, 2)


def rate_scales(form: Form, computed: dict[CellKey, tuple[CellKey, CellKey]]) -> dict[CellKey, float]:
    """Computed cells that are plain ratios (``display: ratio``) -> 1; percentages are left out (100)."""
    plain = {ind.code for sheet in form.sheets if isinstance(sheet, IndicatorSheet)
             for ind in sheet.indicators if ind.kind == "ratio" and ind.display == "ratio"}
    return {key: 1.0 for key in computed if key[0] in plain}


def numeric_view(values: dict[CellKey, object], computed: dict[CellKey, tuple[CellKey, CellKey]],
                 scales: dict[CellKey, float] | None = None) -> dict[CellKey, float | None]:
    """Numbers of every input cell (None when blank or not a number) plus recomputed rates."""
    nums: dict[CellKey, float | None] = {k: _as_number(v) for k, v in values.items()}
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
    comp = _compiled(form, level)
    nums = numeric_view(cells, comp.computed, rate_scales(form, comp.computed))
    return [inst for inst in comp.instances
            if (severity is None or inst.rule.severity == severity) and evaluate(inst, nums) is False]


# --------------------------------------------------------------------------- drawing


def _magnitude(unit: str, label: str, level: str | None) -> tuple[float, float]:
    """Typical range of a count: by its unit of measure, else by the words of its label."""
    found = None
    for text in (unit.casefold(), label.casefold()):
        found = next(((lo, hi) for word, lo, hi in _MAGNITUDES if word in text), None)
        if found:
            break
    lo, hi = found or _DEFAULT_MAGNITUDE
    scale = _LEVEL_SCALE.get(level or "so_nganh", 1.0)
    return max(1.0, lo * scale), max(2.0, hi * scale)


def _clip(cell: InputCell, value: float) -> float:
    if cell.lo is not None:
        value = max(cell.lo, value)
    if cell.hi is not None:
        value = min(cell.hi, value)
    return float(value)


def _draw(cell: InputCell, level: str | None, rng: random.Random, period: tuple[date, date]) -> object:
    kind = cell.kind
    if kind in INTEGER_KINDS:
        lo, hi = _magnitude(cell.unit, cell.label, level)
        value = math.exp(rng.uniform(math.log(lo), math.log(hi)))
        return int(_clip(cell, round(value)))
    if kind == "percent":
        return round(_clip(cell, rng.uniform(40.0, 100.0)), 1)
    if kind == "decimal":
        lo, hi = (60.0, 95.0) if "điểm" in cell.unit.casefold() else (0.5, 3.0)
        return round(_clip(cell, rng.uniform(lo, hi)), 2)
    if kind == "choice":
        return rng.choice(cell.choices)
    if kind == "yesno":
        return YES if rng.random() < 0.8 else NO
    if kind == "date":
        return _date_in(period, rng)
    return rng.choice(_TEXTS)


def _resemble(cell: InputCell, base: object, growth: float, rng: random.Random, level: str | None,
              period: tuple[date, date]) -> object:
    """A value like last year's ``base`` (grown by ``growth``, with a little noise)."""
    number = _as_number(base)
    if cell.adjustable and number is not None:
        value = number * growth * rng.uniform(0.95, 1.05)
        if cell.integer:
            return int(_clip(cell, round(value)))
        return round(_clip(cell, value), 1 if cell.kind == "percent" else 2)
    if base is not None and rng.random() < 0.8 and not (cell.kind == "choice" and base not in cell.choices):
        return base
    return _draw(cell, level, rng, period)


def _date_in(period: tuple[date, date], rng: random.Random) -> date:
    lo, hi = period
    return lo + timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


_RARE = ("trễ hạn", "quá hạn", "tre han", "qua han")


def _shape(values: dict[CellKey, object], cells: dict[CellKey, InputCell], instances: list[RuleInstance],
           rng: random.Random) -> None:
    """Make "part <= whole" pairs look real before the repair: the part a share of its whole.

    For every ``<=`` instance between two whole-number input cells (a numerator and its
    denominator, tasks done and tasks planned …) the left cell becomes 60–100 % of the right
    one (0–8 % when its label speaks of late files), drawn once per left cell.
    """
    shaped: set[CellKey] = set()
    for inst in instances:
        if inst.rule.op != "<=" or len(inst.left) != 1 or len(inst.right) != 1 or inst.rule.factor != 1:
            continue
        (left,), (right,) = inst.left, inst.right
        lc, rc = cells.get(left), cells.get(right)
        if left in shaped or lc is None or rc is None or not (lc.integer and rc.integer):
            continue
        whole = _as_number(values.get(right))
        if whole is None:
            continue
        rare = any(word in lc.label.casefold() for word in _RARE)
        share = rng.uniform(0.0, 0.08) if rare else rng.uniform(0.6, 1.0)
        values[left] = int(_clip(lc, round(whole * share)))
        shaped.add(left)


# --------------------------------------------------------------------------- repair


class _Repair:
    """Lower (rarely raise) values until every rule instance holds.

    Repairs only ever lower the side that is too big ("=" lowers the larger side, "<=" the
    left), so they cannot undo each other; raising the other side is the fallback when the
    big side is already at its lower bounds.
    """

    def __init__(self, values: dict[CellKey, object], cells: dict[CellKey, InputCell],
                 computed: dict[CellKey, tuple[CellKey, CellKey]], rng: random.Random) -> None:
        self.values, self.cells, self.computed, self.rng = values, cells, computed, rng
        self.scales: dict[CellKey, float] = {}  # plain ratios (máy/người): 1; percentages: 100

    def number(self, key: CellKey) -> float | None:
        """The current number of a cell (computed percentages recomputed), None when not a number."""
        if key in self.computed:
            num, den = self.computed[key]
            return rate(self.number(num), self.number(den), self.scales.get(key, 100))
        return _as_number(self.values.get(key))

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
            self.values[key] = int(_clip(cell, math.floor(value + 1e-9)))
        else:
            digits = 1 if cell.kind == "percent" else 2
            scaled = round(value, digits) if exact else math.floor(value * 10**digits + 1e-9) / 10**digits
            self.values[key] = _clip(cell, scaled)


# --------------------------------------------------------------------------- prefill


def _list_text(col: ListColumn, rng: random.Random, year: int) -> str | None:
    label = f"{col.key} {col.label}".casefold()
    if "số văn bản" in label or "doc_no" in label or "số, ký hiệu" in label:
        return f"{rng.randint(1, 250)}/{rng.choice(_DOC_TYPES)}-{rng.choice(_ISSUERS)}"
    if "ghi chú" in label or "note" in label:
        return rng.choice(("", "", "Đã hoàn thành", "Lồng ghép với kế hoạch năm"))
    if "trích yếu" in label or "tên văn bản" in label:
        return render(rng.choice(_TASKS), year).replace("Ban hành ", "V/v ban hành ")
    return render(rng.choice(_TASKS), year)


def _list_rows(sheet: ListSheet, lay: ListLayout, rng: random.Random, year: int,
               period: tuple[date, date]) -> list[dict[str, object]]:
    """A few filled rows per group; every row a row rule concerns carries what it requires."""
    capacity: dict[str, int] = {}
    for _, group in lay.data_rows:
        capacity[group] = capacity.get(group, 0) + 1
    rows: list[dict[str, object]] = []
    for group in [g.code for g in sheet.groups] or [""]:
        for _ in range(rng.randint(min(1, capacity.get(group, 0)), min(3, capacity.get(group, 0)))):
            row: dict[str, object] = {"group": group} if sheet.groups else {}
            for col in sheet.columns:
                value: object
                if col.type == "choice":
                    weights = [0.75] + [0.25 / max(1, len(col.choices) - 1)] * (len(col.choices) - 1)
                    value = rng.choices(col.choices, weights=weights[: len(col.choices)])[0]
                elif col.type == "date":
                    value = _date_in(period, rng) if col.required or rng.random() < 0.85 else None
                elif col.type == "count":
                    value = rng.randint(1, 20)
                else:
                    value = _list_text(col, rng, year)
                if value not in (None, ""):
                    row[col.key] = value
            for rule in sheet.row_rules:
                if row.get(rule.when_column) == rule.when_equals:
                    for key in rule.require:
                        if row.get(key) in (None, ""):
                            col = next(c for c in sheet.columns if c.key == key)
                            row[key] = (_date_in(period, rng) if col.type == "date"
                                        else 1 if col.type == "count" else _list_text(col, rng, year)
                                        or "Đã ghi")
            rows.append(row)
    return rows


def _info(rng: random.Random, period: tuple[date, date]) -> dict[str, object]:
    name = rng.choice(_REPORTERS)
    lo, hi = period
    start = max(lo, hi - timedelta(days=75))
    phone = f"0{rng.choice((9, 8, 3))}{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
    return {"reporter": name, "phone": phone,
            "email": f"{ascii_slug(name).lower().replace('_', '.')}@gmail.com",
            "report_date": _date_in((start, hi), rng)}


def plausible_prefill(form: Form, level: str | None, rng: random.Random, year: int | None = None) -> Prefill:
    """Plausible values for every input cell a unit of ``level`` fills, satisfying every rule.

    Counts are drawn in ranges that fit their unit of measure and the unit's level; later
    value columns (this year) resemble the first (last year); then every rule instance
    (errors and warnings, from the catalog, parts, ratios and column rules) is repaired
    until none is violated. List sheets get one to three rows per group; the reporter
    block is filled; a few rows get a note.

    Args:
        form: the form.
        level: the unit's level (None: the template's rows of every level).
        rng: the random source (seed it for reproducible values).
        year: the period year (the form's default when None).

    Returns:
        The prefill for ``generate_workbook``.

    Raises:
        UnsatisfiableRules: the form's rules cannot all hold (a catalog bug).
    """
    year = year or form.period.default_year
    period = period_bounds(form.period, year)
    comp = _compiled(form, level)
    cells, computed, instances = comp.cells, comp.computed, comp.instances
    values: dict[CellKey, object] = {}
    base = [c for c in cells.values() if c.template is None]
    for cell in base:
        values[cell.key] = _draw(cell, level, rng, period)
    first = [i for i in instances if all(k in values or k in computed for k in i.left + i.right)]
    _shape(values, cells, first, rng)
    repair = _Repair(values, cells, computed, rng)
    repair.scales = rate_scales(form, computed)
    repair.run(first, form.id)
    growth: dict[str, float] = {}
    for cell in cells.values():
        if cell.template is None:
            continue
        g = growth.setdefault(cell.key[1], rng.uniform(0.9, 1.2))
        values[cell.key] = _resemble(cell, values.get((cell.key[0], cell.template)), g, rng, level, period)
    repair.run(instances, form.id)
    codes = sorted({k[0] for k in cells})
    notes = {code: render(rng.choice(_NOTES), year) for code in rng.sample(codes, min(len(codes), rng.randint(2, 4)))}
    lists = {lay.sheet.id: _list_rows(lay.sheet, lay, rng, year, period)
             for lay in comp.layouts if isinstance(lay, ListLayout)}
    return Prefill(cells=values, notes=notes, lists=lists, info=_info(rng, period))


# --------------------------------------------------------------------------- mistakes


@dataclass(frozen=True)
class Mistake:
    """One typical mistake written into a return.

    Attributes:
        kind: one of ``MISTAKE_KINDS``.
        cell: (value code, column key).
        written: what the cell holds (e.g. ``"1.054"``).
        number: the number the cell means (1054.0), None when it is not a number ("-").
        intended: the plausible value the unit meant.
        rule_id: the rule the mistake breaks (rule mistakes), else "".
    """

    kind: str
    cell: CellKey
    written: object
    number: float | None
    intended: object
    rule_id: str = ""


_FRIENDLY_UNITS = ("hồ sơ", "văn bản", "người", "nhiệm vụ", "thủ tục", "cuộc", "tthc")


def _text_mistake(kind: str, cells: dict[CellKey, InputCell], values: dict[CellKey, object],
                  used: set[CellKey], rng: random.Random) -> Mistake | None:
    def pick(pred: Callable[[InputCell, object], bool]) -> CellKey | None:
        keys = [k for k, c in cells.items() if k not in used and pred(c, values.get(k))]
        return rng.choice(keys) if keys else None

    def is_count(c: InputCell, v: object) -> bool:
        return c.integer and isinstance(v, int)

    if kind == "thousands_dot":
        key = pick(lambda c, v: is_count(c, v) and int(v) >= 1000)  # type: ignore[arg-type]
        if key is None:
            return None
        value = int(values[key])  # type: ignore[arg-type]
        return Mistake(kind, key, f"{value:,}".replace(",", "."), float(value), value)
    if kind == "unit_word":
        key = pick(lambda c, v: is_count(c, v) and any(u in c.unit.casefold() for u in _FRIENDLY_UNITS))
        if key is None:
            return None
        value = int(values[key])  # type: ignore[arg-type]
        return Mistake(kind, key, f"{value} {cells[key].unit.casefold()}", float(value), value)
    if kind == "dash":
        key = pick(is_count)
        return None if key is None else Mistake(kind, key, "-", None, 0)
    if kind in {"decimal_comma", "percent_sign"}:
        key = pick(lambda c, v: c.kind == "percent" and isinstance(v, int | float))
        if key is None:
            return None
        value = float(values[key])  # type: ignore[arg-type]
        if kind == "percent_sign":  # the unit types the rounded percentage with its sign: "87%"
            value = float(round(value))
            return Mistake(kind, key, f"{int(value)}%", value, value)
        if value.is_integer():  # make sure a decimal part shows: "86,9"
            value = value - 0.1 if value > 0 else 0.1
        value = round(value, 1)
        return Mistake(kind, key, f"{value:.1f}".replace(".", ","), value, value)
    return None


def _rule_mistake(kind: str, instances: list[RuleInstance], cells: dict[CellKey, InputCell],
                  values: dict[CellKey, object], used: set[CellKey], rng: random.Random) -> Mistake | None:
    def usable(inst: RuleInstance) -> bool:
        keys = inst.left + inst.right
        return (inst.rule.severity == "error" and inst.rule.op in {"<=", "="}
                and all(k in cells and cells[k].integer and isinstance(values.get(k), int) for k in keys)
                and not used & set(keys))

    if kind == "part_gt_whole":
        pool = [i for i in instances if i.rule.origin in {"parts", "ratio"} and usable(i)]
    else:
        pool = [i for i in instances if i.rule.origin in {"catalog", "column"} and i.rule.op == "<="
                and len(i.left) == 1 and len(i.right) == 1 and usable(i)]
    if not pool:
        return None
    inst = rng.choice(pool)
    whole = sum(int(values[k]) for k in inst.right)  # type: ignore[call-overload]
    key = inst.left[0]
    wrong = whole + rng.randint(1, max(1, whole // 5))  # the part alone exceeds the whole
    return Mistake(kind, key, wrong, float(wrong), values[key], inst.rule.id)


def add_mistakes(form: Form, level: str | None, prefill: Prefill, rng: random.Random,
                 kinds: Iterable[str]) -> list[Mistake]:
    """Write typical mistakes into ``prefill`` (in place), one per kind when the form allows it.

    Args:
        form: the form.
        level: the unit's level.
        prefill: a plausible prefill (changed in place).
        rng: the random source.
        kinds: kinds from ``MISTAKE_KINDS``; when the form has no cell for a kind, another kind
            of the same family (text / rule) is written instead, or none.

    Returns:
        The mistakes written.
    """
    comp = _compiled(form, level)
    cells, instances = comp.cells, comp.instances
    used: set[CellKey] = set()
    out: list[Mistake] = []
    wanted = list(kinds)
    for kind in wanted:
        family = RULE_MISTAKES if kind in RULE_MISTAKES else TEXT_MISTAKES
        # the kind first, then (when the form has no cell for it) another kind of the same family
        for attempt in [kind, *(k for k in family if k != kind and k not in wanted)]:
            if attempt in RULE_MISTAKES:
                mistake = _rule_mistake(attempt, instances, cells, prefill.cells, used, rng)
            else:
                mistake = _text_mistake(attempt, cells, prefill.cells, used, rng)
            if mistake is not None:
                used.add(mistake.cell)
                prefill.cells[mistake.cell] = mistake.written
                out.append(mistake)
                break
    return out


def _choose_mistakes(rng: random.Random) -> list[str]:
    kinds = [rng.choice(TEXT_MISTAKES[:3]), rng.choice(RULE_MISTAKES)]
    if rng.random() < 0.5:
        kinds.append(rng.choice([k for k in MISTAKE_KINDS if k not in kinds]))
    return kinds


# --------------------------------------------------------------------------- file names


def _safe(name: str) -> str:
    return re.sub(r"\s+", " ", _WINDOWS_FORBIDDEN.sub(" ", name)).strip(" .") or "phu luc"


def emailed_name(form: Form, unit: UnitInfo, year: int, rng: random.Random) -> str:
    """A file name as units really send them: renamed, with accents and spaces, or without.

    e.g. ``Phu luc - xa Quai To (sua lan 2).xlsx``, ``Phụ lục CCHC 2024 - Sở Tư pháp.xlsx``.
    """
    plain = ascii_slug(unit.name, 80).replace("_", " ")
    first, _, rest = plain.partition(" ")
    fields = {"name": unit.name, "plain": plain, "plain_lower": plain.lower(), "upper": unit.name.upper(),
              "plain_casual": f"{first.lower()} {rest}".strip(),
              "year": year, "form": form.id, "generated": Path(workbook_filename(form, unit)).stem}
    return _safe(rng.choice(_NAME_PATTERNS).format(**fields)) + ".xlsx"


def _unique(name: str, taken: set[str]) -> str:
    stem, suffix = name[: -len(".xlsx")], ".xlsx"
    candidate, n = name, 2
    while candidate.casefold() in taken:
        candidate = f"{stem} ({n}){suffix}"
        n += 1
    taken.add(candidate.casefold())
    return candidate


# --------------------------------------------------------------------------- the round


@dataclass
class UnitTruth:
    """What the simulation did for one expected unit.

    Attributes:
        code, name, level: the unit.
        status: ``written`` (a readable return), ``missing`` (nothing sent) or ``broken``
            (a damaged file was sent).
        path: the file that counts (the newer version for a duplicated unit); None when missing.
        files: every file written for the unit, oldest first.
        submitted_at: the file's modification time (None when missing).
        late: the file that counts (``path``) came after the deadline.
        duplicate: the unit sent two versions (``files`` holds both, ``path`` the newer).
        mistakes: the mistakes in ``path``.
        older_mistakes: the mistakes of the older version (duplicated unit).
        prefill: exactly what was written into ``path`` (None when missing).
        numbers: the number each numeric input cell of ``path`` means (None: blank or not a number).
        violated: ids of the rules the values of ``path`` break.
    """

    code: str
    name: str
    level: str
    status: str
    path: Path | None = None
    files: list[Path] = field(default_factory=list)
    submitted_at: datetime | None = None
    late: bool = False
    duplicate: bool = False
    mistakes: list[Mistake] = field(default_factory=list)
    older_mistakes: list[Mistake] = field(default_factory=list)
    prefill: Prefill | None = None
    numbers: dict[CellKey, float | None] = field(default_factory=dict)
    violated: list[str] = field(default_factory=list)


@dataclass
class SimulationTruth:
    """The truth of a simulated round: one ``UnitTruth`` per expected unit, in registry order."""

    form_id: str
    year: int
    deadline: datetime
    out_dir: Path
    seed: int
    units: dict[str, UnitTruth]

    def _codes(self, pred: Callable[[UnitTruth], bool]) -> list[str]:
        return [code for code, u in self.units.items() if pred(u)]

    @property
    def written(self) -> list[str]:
        """Units whose return is readable."""
        return self._codes(lambda u: u.status == "written")

    @property
    def missing(self) -> list[str]:
        """Units that sent nothing."""
        return self._codes(lambda u: u.status == "missing")

    @property
    def broken(self) -> list[str]:
        """Units that sent a damaged file."""
        return self._codes(lambda u: u.status == "broken")

    @property
    def late(self) -> list[str]:
        """Units whose file came after the deadline."""
        return self._codes(lambda u: u.late)

    @property
    def duplicated(self) -> list[str]:
        """Units that sent two versions."""
        return self._codes(lambda u: u.duplicate)

    @property
    def with_mistakes(self) -> list[str]:
        """Units whose counting file carries mistakes."""
        return self._codes(lambda u: bool(u.mistakes))

    @property
    def files(self) -> list[Path]:
        """Every file written into ``out_dir``."""
        return [p for u in self.units.values() for p in u.files]

    def by_file(self) -> dict[str, UnitTruth]:
        """File name -> the unit that sent it."""
        return {p.name: u for u in self.units.values() for p in u.files}


@dataclass(frozen=True)
class _Job:
    """One file to write (picklable: the form travels as its path)."""

    form_path: str
    unit: UnitInfo
    out: str
    year: int
    deadline: date
    contact: str
    generated_at: datetime
    prefill: Prefill
    mtime: float
    truncate: float | None = None


_FORMS: dict[str, Form] = {}


def _write(job: _Job) -> str:
    form = _FORMS.get(job.form_path) or _FORMS.setdefault(job.form_path, load_form(job.form_path))
    generate_workbook(form, job.out, job.unit, job.year, job.deadline, job.contact, job.generated_at,
                      job.prefill)
    if job.truncate is not None:
        size = os.path.getsize(job.out)
        with open(job.out, "r+b") as fh:
            fh.truncate(int(size * job.truncate))
    os.utime(job.out, (job.mtime, job.mtime))
    return job.out


def _numbers(form: Form, level: str, prefill: Prefill, mistakes: list[Mistake]) -> dict[CellKey, float | None]:
    cells = _compiled(form, level).cells
    meant = {m.cell: m.number for m in mistakes}
    out: dict[CellKey, float | None] = {}
    for key, cell in cells.items():
        if not cell.numeric:
            continue
        out[key] = meant[key] if key in meant else _as_number(prefill.cells.get(key))
    return out


def _deadline_at(deadline: date | datetime) -> datetime:
    if isinstance(deadline, datetime):
        return deadline
    return datetime.combine(deadline, time(23, 59, 59))


def _sample(pool: list[str], n: int, rng: random.Random, what: str) -> list[str]:
    if n > len(pool):
        raise ValueError(f"không đủ đơn vị để chọn {n} đơn vị {what} (còn {len(pool)})")
    return rng.sample(pool, n)


def simulate_round(form: Form, registry: Registry, out_dir: str | Path, year: int | None = None,
                   rng_seed: int = 2024, missing: int = 3, late: int = 2, with_mistakes: int = 3,
                   duplicate: int = 1, broken: int = 1, deadline: date | datetime | None = None,
                   contact: str = "", jobs: int | None = None,
                   progress: Callable[[int, int], None] | None = None) -> SimulationTruth:
    """Write a folder of returns as received by e-mail, and say what is in it.

    Every unit the registry expects for ``form`` sends one plausible return, except:
    ``missing`` units send nothing; ``broken`` units send a truncated (damaged) file;
    ``duplicate`` units send two versions (the older with a mistake, the newer corrected);
    ``with_mistakes`` units send a return with two or three typical mistakes; ``late`` units
    (any of those that sent a file) send it after the deadline (file modification time).
    The groups missing / broken / duplicate / with mistakes do not overlap.

    Args:
        form: the form.
        registry: the unit registry.
        out_dir: the folder to write (created).
        year: the period year (the form's default when None).
        rng_seed: seed of every random choice (same seed, same folder).
        missing: units that send nothing.
        late: units whose file comes after the deadline.
        with_mistakes: units whose return carries mistakes.
        duplicate: units that send two versions.
        broken: units that send a damaged file.
        deadline: the deadline (a date means the end of that day); 20 days after the period
            ends when None.
        contact: printed on the information sheets.
        jobs: worker processes (all cores when None; 1 writes in this process).
        progress: called with (done, total) after each file.

    Returns:
        The truth: per unit what was written, and which units are missing, late, duplicated,
        broken or with mistakes.

    Raises:
        ValueError: the registry has too few units for the requested groups.
        UnsatisfiableRules: the form's rules cannot all hold (a catalog bug).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    year = year or form.period.default_year
    rng = random.Random(rng_seed)
    period = period_bounds(form.period, year)
    due = _deadline_at(deadline or period[1] + timedelta(days=20))
    window = (period[0] - DATE_SLACK, period[1] + DATE_SLACK)
    generated_at = datetime.combine(due.date() - timedelta(days=30), time(8, 0))
    units: list[Unit] = registry.expected_for(form.id, form.levels)
    codes = [u.code for u in units]
    missing_set = set(_sample(codes, missing, rng, "chưa nộp"))
    rest = [c for c in codes if c not in missing_set]
    broken_set = set(_sample(rest, broken, rng, "gửi tệp hỏng"))
    rest = [c for c in rest if c not in broken_set]
    duplicate_set = set(_sample(rest, duplicate, rng, "gửi hai bản"))
    rest = [c for c in rest if c not in duplicate_set]
    mistake_set = set(_sample(rest, with_mistakes, rng, "có lỗi"))
    senders = [c for c in codes if c not in missing_set]
    late_set = set(_sample(senders, late, rng, "nộp muộn"))

    truth: dict[str, UnitTruth] = {}
    todo: list[_Job] = []
    taken: set[str] = set()
    for unit in units:
        info = unit_info(unit)
        ut = UnitTruth(unit.code, unit.name, unit.level, "missing")
        truth[unit.code] = ut
        unit_rng = random.Random(f"{rng_seed}:{form.id}:{unit.code}")
        prefill = plausible_prefill(form, unit.level, unit_rng, year)
        if unit.code in missing_set:
            continue
        if unit.code in late_set:
            sent = due + timedelta(days=unit_rng.randint(1, 10), hours=unit_rng.randint(0, 8))
        else:
            sent = due - timedelta(days=unit_rng.randint(0, 12), hours=unit_rng.randint(8, 20))
        report_day = sent.date() - timedelta(days=unit_rng.randint(0, 2))
        prefill.info["report_date"] = min(max(report_day, window[0]), window[1])
        name = _unique(emailed_name(form, info, year, unit_rng), taken)
        ut.status, ut.submitted_at, ut.late, ut.prefill = "written", sent, unit.code in late_set, prefill
        if unit.code in duplicate_set:
            older = Prefill(dict(prefill.cells), dict(prefill.notes), {k: list(v) for k, v in prefill.lists.items()},
                            {**prefill.info, "report_date": min(max(report_day - timedelta(days=3), window[0]),
                                                                 window[1])})
            ut.older_mistakes = add_mistakes(form, unit.level, older, unit_rng, ["done_gt_planned", "dash"])
            older_name = name
            name = _unique(name[: -len(".xlsx")] + unit_rng.choice(_NEWER_SUFFIXES) + ".xlsx", taken)
            older_sent = sent - timedelta(days=unit_rng.randint(2, 5))
            ut.files.append(out / older_name)
            todo.append(_Job(form.path, info, str(out / older_name), year, due.date(), contact, generated_at,
                             older, older_sent.timestamp()))
            ut.duplicate = True
        if unit.code in mistake_set:
            ut.mistakes = add_mistakes(form, unit.level, prefill, unit_rng, _choose_mistakes(unit_rng))
        truncate = None
        if unit.code in broken_set:
            ut.status, truncate = "broken", unit_rng.uniform(0.3, 0.7)
        ut.path = out / name
        ut.files.append(ut.path)
        if ut.status == "written":
            ut.numbers = _numbers(form, unit.level, prefill, ut.mistakes)
            values = {k: v for k, v in ut.numbers.items() if v is not None}
            ut.violated = sorted({i.rule.id for i in violations(form, unit.level, values)})
        todo.append(_Job(form.path, info, str(ut.path), year, due.date(), contact, generated_at, prefill,
                         sent.timestamp(), truncate))
    _run_jobs(todo, jobs, progress)
    return SimulationTruth(form.id, year, due, out, rng_seed, truth)


def _run_jobs(todo: list[_Job], jobs: int | None, progress: Callable[[int, int], None] | None) -> None:
    jobs = jobs or os.cpu_count() or 1
    if len(todo) < 16:
        jobs = 1
    done = 0
    with ExitStack() as stack:
        if jobs == 1:
            results: Iterable[str] = map(_write, todo)
        else:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=jobs))
            results = pool.map(_write, todo, chunksize=max(1, len(todo) // (jobs * 8)))
        for _ in results:
            done += 1
            if progress:
                progress(done, len(todo))

