"""What every sheet writer needs to know about the workbook being generated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook

from workbooks.catalog.compiled import CompiledForm, compile_form
from workbooks.catalog.instances import CellKey, RuleInstance
from workbooks.catalog.layout import CellPos, IndicatorLayout, ListLayout
from workbooks.catalog.model import Form
from workbooks.writer.styles import Styles
from workbooks.writer.validation import ValidationBatch


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
    """Generation context: the compiled form (layouts, cells, rule instances), the unit, the workbook."""

    form: Form
    unit: UnitInfo
    year: int
    deadline: date | None
    wb: Workbook
    styles: Styles
    contact: str = ""
    prefill: Prefill = field(default_factory=Prefill)
    compiled: CompiledForm | None = None
    validations: dict[str, ValidationBatch] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.compiled is None:
            self.compiled = compile_form(self.form, self.unit.level, self.year)

    @property
    def layouts(self) -> list[IndicatorLayout | ListLayout]:
        """Layouts of the sheets this unit fills."""
        return self.compiled.layouts

    @property
    def cells(self) -> dict[CellKey, CellPos]:
        """Every value cell of this unit's workbook -> where it lives."""
        return self.compiled.cells

    @property
    def instances(self) -> list[RuleInstance]:
        """Rule instances over this unit's cells."""
        return self.compiled.instances

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
        return self.compiled.text(template)

    def period_label(self) -> str:
        """The printed reporting period."""
        return self.text(self.form.period.label)

    def date_window(self) -> tuple[date, date]:
        """Dates accepted in date cells: the period, ± one year."""
        return self.compiled.date_window

    def ref(self, key: CellKey, from_sheet: str, absolute: bool = False) -> str:
        """Excel reference to a value cell, qualified when on another sheet."""
        pos = self.cells[key]
        cell = xl_rowcol_to_cell(pos.row, pos.col, row_abs=absolute, col_abs=absolute)
        return cell if pos.sheet == from_sheet else f"{quote_sheetname(pos.sheet)}!{cell}"
