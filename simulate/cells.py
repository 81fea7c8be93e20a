"""The input cells a unit of a level fills, derived once from the compiled form.

``input_cells`` lists every indicator value cell a unit types into (kind, unit of measure,
bounds, choices, the earlier column it resembles); ``compiled_for`` gives the compiled form's
layouts, computed percentages and rule instances with those input cells, kept on the compiled
form (``CompiledForm.derived``): the simulator keeps no cache of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbooks.catalog.compiled import CompiledForm, compile_form
from workbooks.catalog.instances import CellKey, RuleInstance
from workbooks.catalog.kinds import Kind
from workbooks.catalog.kinds import kind as kind_of
from workbooks.catalog.layout import IndicatorLayout, ListLayout
from workbooks.catalog.model import Form


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
    def spec(self) -> Kind:
        """The kinds-table entry of this cell."""
        return kind_of(self.kind)

    @property
    def integer(self) -> bool:
        """Whole numbers only."""
        return self.spec.integer

    @property
    def numeric(self) -> bool:
        """The cell holds a number the rules can compare (choices hold numeric codes)."""
        return self.spec.numeric or self.spec.parse == "choice"

    @property
    def adjustable(self) -> bool:
        """The repair may change the value (numbers, not coded choices)."""
        return self.spec.numeric


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
    return compiled_for(form, level).cells


def _input_cells(compiled: CompiledForm) -> dict[CellKey, InputCell]:
    cells: dict[CellKey, InputCell] = {}
    for lay in compiled.layouts:
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
                if line.role in {"num", "den"}:  # ratio inputs: the bounds of their kind
                    lo, hi = kind_of(kind).min, kind_of(kind).max
                else:  # the indicator's own (the loader gave it its kind's defaults)
                    lo, hi = ind.min, ind.max
                choices = tuple(c.code for c in ind.choices)
                cells[(line.code, vc.key)] = InputCell((line.code, vc.key), kind, line.unit, lo, hi,
                                                       choices, templates.get(vc.key), line.label)
    return cells


def computed_cells(form: Form, level: str | None) -> dict[CellKey, tuple[CellKey, CellKey]]:
    """Every computed percentage cell -> its (numerator, denominator) input cells."""
    return compile_form(form, level).computed


@dataclass(frozen=True)
class Compiled:
    """Everything the simulator needs about a form for one level."""

    form: Form
    layouts: list[IndicatorLayout | ListLayout]
    cells: dict[CellKey, InputCell]
    computed: dict[CellKey, tuple[CellKey, CellKey]]
    instances: list[RuleInstance]
    scales: dict[CellKey, float]  # computed cells that are plain ratios (máy/người) -> 1


def _simulation_view(compiled: CompiledForm) -> Compiled:
    return Compiled(compiled.form, compiled.layouts, _input_cells(compiled), compiled.computed,
                    compiled.instances, compiled.rate_scales)


def compiled_for(form: Form, level: str | None) -> Compiled:
    """The simulator's view of ``form`` compiled for ``level`` (built once, kept on the compiled form)."""
    return compile_form(form, level).derived("simulate", _simulation_view)
