"""The input cells a unit of a level fills, and the per-form compilation the simulator reuses.

``input_cells`` lists every indicator value cell a unit types into (kind, unit of measure,
bounds, choices, the earlier column it resembles); ``compiled_for`` caches, per form object and
level, the layouts, input cells, computed percentages and rule instances.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbooks.catalog.instances import CellKey, RuleInstance, rule_instances
from workbooks.catalog.layout import IndicatorLayout, ListLayout, computed_inputs, form_layouts, value_cells
from workbooks.catalog.model import INTEGER_KINDS, Form


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
class Compiled:
    """Everything the simulator needs about a form for one level, compiled once."""

    form: Form  # kept so that ``id(form)`` in the cache key cannot be reused by another object
    layouts: list[IndicatorLayout | ListLayout]
    cells: dict[CellKey, InputCell]
    computed: dict[CellKey, tuple[CellKey, CellKey]]
    instances: list[RuleInstance]


_COMPILED: dict[tuple[int, str | None], Compiled] = {}


def compiled_for(form: Form, level: str | None) -> Compiled:
    """The compilation of ``form`` for ``level``, built once per form object and level."""
    key = (id(form), level)
    found = _COMPILED.get(key)
    if found is None or found.form is not form:
        layouts = form_layouts(form, level)
        found = Compiled(form, layouts, input_cells(form, level), computed_cells(form, level),
                          rule_instances(form, set(value_cells(layouts))))
        _COMPILED[key] = found
    return found

