"""Drawing one plausible value per input cell: magnitudes by unit of measure and level.

``draw`` gives a first value (counts on a log scale in a range fitting their unit of measure,
percentages, choices, yes/no, dates, texts); ``resemble`` a later column like the earlier one;
``shape_parts`` makes "part <= whole" pairs look real before the repair.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from simulate.cells import InputCell
from simulate.oracle import as_number
from workbooks.catalog.instances import CellKey, RuleInstance
from workbooks.catalog.model import NO, YES

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

_TEXTS = (
    "Đã triển khai theo kế hoạch",
    "Đã thực hiện đầy đủ",
    "Đang tiếp tục triển khai",
    "Thực hiện theo hướng dẫn của Sở Nội vụ",
)

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


def clip(cell: InputCell, value: float) -> float:
    """``value`` moved inside the bounds of ``cell``."""
    if cell.lo is not None:
        value = max(cell.lo, value)
    if cell.hi is not None:
        value = min(cell.hi, value)
    return float(value)


def draw(cell: InputCell, level: str | None, rng: random.Random, period: tuple[date, date]) -> object:
    """A first plausible value for ``cell`` of a unit of ``level`` (dates inside ``period``)."""
    family = cell.spec.simulate  # the kinds table says how a value of this kind is drawn
    if family == "count":
        lo, hi = _magnitude(cell.unit, cell.label, level)
        value = math.exp(rng.uniform(math.log(lo), math.log(hi)))
        return int(clip(cell, round(value)))
    if family == "percent":
        return round(clip(cell, rng.uniform(40.0, 100.0)), 1)
    if family == "decimal":
        lo, hi = (60.0, 95.0) if "điểm" in cell.unit.casefold() else (0.5, 3.0)
        return round(clip(cell, rng.uniform(lo, hi)), 2)
    if family == "choice":
        return rng.choice(cell.choices)
    if family == "yesno":
        return YES if rng.random() < 0.8 else NO
    if family == "date":
        return date_in(period, rng)
    return rng.choice(_TEXTS)


def resemble(cell: InputCell, base: object, growth: float, rng: random.Random, level: str | None,
              period: tuple[date, date]) -> object:
    """A value like last year's ``base`` (grown by ``growth``, with a little noise)."""
    number = as_number(base)
    if cell.adjustable and number is not None:
        value = number * growth * rng.uniform(0.95, 1.05)
        if cell.integer:
            return int(clip(cell, round(value)))
        return round(clip(cell, value), 1 if cell.spec.percent else 2)
    if base is not None and rng.random() < 0.8 and not (cell.spec.parse == "choice" and base not in cell.choices):
        return base
    return draw(cell, level, rng, period)


def date_in(period: tuple[date, date], rng: random.Random) -> date:
    """A random day of ``period`` (both ends included)."""
    lo, hi = period
    return lo + timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


_RARE = ("trễ hạn", "quá hạn", "tre han", "qua han")


def shape_parts(values: dict[CellKey, object], cells: dict[CellKey, InputCell], instances: list[RuleInstance],
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
        whole = as_number(values.get(right))
        if whole is None:
            continue
        rare = any(word in lc.label.casefold() for word in _RARE)
        share = rng.uniform(0.0, 0.08) if rare else rng.uniform(0.6, 1.0)
        values[left] = int(clip(lc, round(whole * share)))
        shaped.add(left)

