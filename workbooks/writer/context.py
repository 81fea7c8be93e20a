"""What every sheet writer needs to know about the workbook being generated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook

from workbooks.catalog.instances import CellKey, RuleInstance, rule_instances
from workbooks.catalog.layout import (
    CellPos,
    IndicatorLayout,
    ListLayout,
    form_layouts,
    period_bounds,
    render,
    value_cells,
)
from workbooks.catalog.model import Form
from workbooks.writer.styles import Styles
from workbooks.writer.validation import ValidationBatch

DATE_SLACK = timedelta(days=366)


@dataclass(frozen=True)
class UnitInfo:
    """The unit a workbook is made for (None fields: the blank template)."""

    code: str = ""
    name: str = ""
    level: str | None = None
    level_label: str = ""
    parent_code: str = ""


@dataclass
class Prefill:
    """Values to write into the input cells (simulated or migrated returns).

    ``cells``: (value code, column key) -> value; ``notes``: code -> note text;
    ``lists``: sheet id -> rows (dicts of column key -> value, plus ``group`` for grouped lists);
    ``info``: reporter / phone / email / report_date on the information sheet.
    """

    cells: dict[CellKey, object] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    info: dict[str, object] = field(default_factory=dict)


@dataclass
class Context:
    """Generation context: form, unit, period, compiled layout and rule instances."""

    form: Form
    unit: UnitInfo
    year: int
    deadline: date | None
    wb: Workbook
    styles: Styles
    contact: str = ""
    prefill: Prefill = field(default_factory=Prefill)
    layouts: list[IndicatorLayout | ListLayout] = field(default_factory=list)
    cells: dict[CellKey, CellPos] = field(default_factory=dict)
    instances: list[RuleInstance] = field(default_factory=list)
    validations: dict[str, ValidationBatch] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.layouts = form_layouts(self.form, self.unit.level)
        self.cells = value_cells(self.layouts)
        self.instances = rule_instances(self.form, set(self.cells))

    def validate(self, ws, row: int, col: int, options: dict) -> None:
        """Queue a data validation for one cell (written in batches by ``flush_validations``)."""
        self.validations.setdefault(ws.get_name(), ValidationBatch()).add(row, col, options)

    def flush_validations(self, ws) -> None:
        """Write the queued validations of ``ws``."""
        batch = self.validations.pop(ws.get_name(), None)
        if batch:
            batch.write(ws)

    def write_input(self, ws, row: int, col: int, value: object, fmt) -> None:
        """Write a prefilled input value (or a blank) keeping the input format."""
        if value is None or value == "":
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            ws.write_string(row, col, value, fmt)
        elif isinstance(value, date):
            ws.write_datetime(row, col, datetime.combine(value, datetime.min.time()), fmt)
        else:
            ws.write(row, col, value, fmt)

    def text(self, template: str) -> str:
        """A catalog text with the period year filled in."""
        return render(template, self.year)

    def period_label(self) -> str:
        """The printed reporting period."""
        return self.text(self.form.period.label)

    def date_window(self) -> tuple[date, date]:
        """Dates accepted in date cells: the period, ± one year."""
        lo, hi = period_bounds(self.form.period, self.year)
        return lo - DATE_SLACK, hi + DATE_SLACK

    def ref(self, key: CellKey, from_sheet: str, absolute: bool = False) -> str:
        """Excel reference to a value cell, qualified when on another sheet."""
        pos = self.cells[key]
        cell = xl_rowcol_to_cell(pos.row, pos.col, row_abs=absolute, col_abs=absolute)
        return cell if pos.sheet == from_sheet else f"{quote_sheetname(pos.sheet)}!{cell}"
