"""Typical mistakes written into a plausible return: numbers typed as text, parts above their whole."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from simulate.cells import InputCell, compiled_for
from workbooks.catalog.instances import CellKey, RuleInstance
from workbooks.catalog.model import Form
from workbooks.writer.context import Prefill

MISTAKE_KINDS = ("thousands_dot", "unit_word", "dash", "decimal_comma", "percent_sign",
                 "part_gt_whole", "done_gt_planned")
TEXT_MISTAKES = ("thousands_dot", "unit_word", "dash", "decimal_comma", "percent_sign")
RULE_MISTAKES = ("part_gt_whole", "done_gt_planned")


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
        key = pick(lambda c, v: c.spec.percent and isinstance(v, int | float))
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
    comp = compiled_for(form, level)
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


def choose_mistakes(rng: random.Random) -> list[str]:
    """The mistake kinds of a unit with mistakes: one text mistake, one rule mistake, sometimes a third."""
    kinds = [rng.choice(TEXT_MISTAKES[:3]), rng.choice(RULE_MISTAKES)]
    if rng.random() < 0.5:
        kinds.append(rng.choice([k for k in MISTAKE_KINDS if k not in kinds]))
    return kinds

