"""The compiled form: a form for one unit level and one period year, compiled once per run.

``compile_form(form, level, year)`` is the one structure the writer, the reader, the validators,
the aggregation and the simulator take: the sheet layouts (where every cell lives), every value
cell with its kind (``kinds.kind(...)``), the computed cells and their inputs, the rule instances
over the cells that exist at this level, the period and the dates accepted. It is built once
per (form, level, year) and kept here; no layer keeps a per-form cache of its own. A layer that
derives heavier things (the validators' frames, the simulator's input cells) hangs them on the
compiled form with :meth:`CompiledForm.derived`, so they too are built once and live as long as
the compiled form.

``level`` None is the template: every row of every level (what the checks and the totals of a
batch of returns of mixed levels need).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from threading import Lock
from typing import Any, TypeVar

from workbooks.catalog.checks import indicator_codes
from workbooks.catalog.instances import CellKey, RuleInstance, rule_instances
from workbooks.catalog.kinds import Kind
from workbooks.catalog.kinds import kind as kind_of
from workbooks.catalog.layout import (
    CellPos,
    IndicatorLayout,
    ListLayout,
    computed_inputs,
    form_layouts,
    period_bounds,
    render,
    value_cells,
)
from workbooks.catalog.model import Form

T = TypeVar("T")
DATE_SLACK = timedelta(days=366)  # dates accepted: the period ± one year (Excel and the checks alike)
_CACHE_SIZE = 64


@dataclass(eq=False)
class CompiledForm:
    """One form compiled for one unit level (None: every level) and one period year."""

    form: Form
    level: str | None
    year: int
    layouts: list[IndicatorLayout | ListLayout]
    cells: dict[CellKey, CellPos]  # every value cell (input or computed) -> where it lives
    computed: dict[CellKey, tuple[CellKey, CellKey]]  # computed % cell -> (numerator, denominator)
    sheet_codes: dict[str, set[str]]  # sheet id -> indicator codes printed on it (every level)
    instances: list[RuleInstance]  # rules over the cells present at this level
    period: tuple[date, date]  # first and last day of the period
    rate_scales: dict[CellKey, float] = field(default_factory=dict)  # plain ratios (máy/người): 1, else 100
    rate_decimals: dict[CellKey, int] = field(default_factory=dict)  # plain ratios' decimals, else 2
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: Any = field(default_factory=Lock, repr=False)

    @property
    def date_window(self) -> tuple[date, date]:
        """Dates accepted in date cells: the period ± one year."""
        lo, hi = self.period
        return lo - DATE_SLACK, hi + DATE_SLACK

    def text(self, template: str) -> str:
        """A catalog text with the period year filled in (``{year}``, ``{year-1}`` …)."""
        return render(template, self.year)

    def rate_scale(self, key: CellKey) -> float:
        """What a computed cell multiplies num/den by: 100 for a percentage, 1 for a plain ratio."""
        return self.rate_scales.get(key, 100.0)

    def kind_of_cell(self, key: CellKey) -> Kind:
        """The kinds-table entry of a value cell (``rate`` for computed percentages)."""
        if key in self.computed:
            return kind_of("rate")
        code, _ = key
        base, _, role = code.partition(":")
        if role in {"num", "den"}:
            return kind_of("count")
        return self.form.indicator(base).spec

    def derived(self, name: str, build: Callable[[CompiledForm], T]) -> T:
        """What a layer derives from this compiled form, built on first use and kept with it.

        Args:
            name: a name unique to the deriving layer (e.g. ``"validators"``).
            build: makes the thing from the compiled form.

        Returns:
            The same object on every call for this compiled form.
        """
        with self._lock:
            if name not in self._derived:
                self._derived[name] = build(self)
            return self._derived[name]


_COMPILED: dict[tuple[int, str | None, int], CompiledForm] = {}
_LOCK = Lock()


def _compile(form: Form, level: str | None, year: int) -> CompiledForm:
    layouts = form_layouts(form, level)
    cells = value_cells(layouts)
    codes: dict[str, set[str]] = {}
    for code, sheet_id in indicator_codes(form).items():
        codes.setdefault(sheet_id, set()).add(code)
    computed = computed_inputs(layouts)
    plain = {ind.code: ind.decimals for lay in layouts if isinstance(lay, IndicatorLayout)
             for ind in lay.sheet.indicators if ind.spec.ratio and ind.display == "ratio"}
    return CompiledForm(form=form, level=level, year=year, layouts=layouts, cells=cells, computed=computed,
                        sheet_codes=codes, instances=rule_instances(form, set(cells)),
                        period=period_bounds(form.period, year),
                        rate_scales={key: 1.0 for key in computed if key[0] in plain},
                        rate_decimals={key: plain[key[0]] for key in computed if key[0] in plain})


def compile_form(form: Form, level: str | None = None, year: int | None = None) -> CompiledForm:
    """The form compiled for ``level`` and ``year`` (built once, then the same object).

    Args:
        form: the form (a form changed with ``dataclasses.replace`` is another form).
        level: the unit level; None for every row of every level (the template).
        year: the period year (the form's default year when None).

    Returns:
        The compiled form.
    """
    year = form.period.default_year if year is None else year
    key = (id(form), level, year)
    with _LOCK:
        hit = _COMPILED.get(key)
        if hit is not None and hit.form is form:  # the form is kept, so its id is not reused
            return hit
    compiled = _compile(form, level, year)
    with _LOCK:
        _COMPILED[key] = compiled
        while len(_COMPILED) > _CACHE_SIZE:
            _COMPILED.pop(next(iter(_COMPILED)))
    return compiled
