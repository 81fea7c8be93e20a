"""Compile a form into a cell layout: which row and column every value lives in.

The writer places cells with it; the reader uses it as the *expected* position (it still
locates values by their codes). Rows and columns are 0-based, as in xlsxwriter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from workbooks.catalog.model import (
    Form,
    Heading,
    Indicator,
    IndicatorSheet,
    ListSheet,
    Period,
    ValueColumn,
)
from workbooks.contract import CODE_HEADER, GROUP_HEADER, NOTE_HEADER, STT_HEADER  # noqa: F401 - re-exported

TOP_ROWS = 6  # title block above the header rows (sheet label, title, subtitle, unit, status)
STATUS_ROW = 4


def render(template: str, year: int) -> str:
    """Replace ``{year}``, ``{year-1}``, ``{year+1}`` … in a catalog text."""

    def sub(match: re.Match[str]) -> str:
        offset = int(match.group(1) or 0)
        return str(year + offset)

    return re.sub(r"\{year([+-]\d+)?\}", sub, template)


def parse_day(template: str, year: int) -> date:
    """A ``dd/mm/yyyy`` catalog date (templates allowed: ``01/01/{year-1}``)."""
    d, m, y = (int(x) for x in render(template, year).split("/"))
    return date(y, m, d)


def period_bounds(period: Period, year: int) -> tuple[date, date]:
    """The first and last day of the reporting period for ``year``."""

    def parse(text: str) -> date:
        d, m, y = (int(x) for x in render(text, year).split("/"))
        return date(y, m, d)

    return parse(period.start), parse(period.end)


@dataclass(frozen=True)
class Line:
    """One printed row of an indicator sheet.

    ``role``: heading | value | num | den | rate. ``code`` is the value code
    (``X``, ``X:num``, ``X:den``); headings have no code.
    """

    row: int
    role: str
    label: str
    stt: str = ""
    unit: str = ""
    code: str = ""
    indicator: Indicator | None = None

    @property
    def value_kind(self) -> str:
        """The kind of the value cells of this line (``count`` for ratio inputs)."""
        if self.role in {"num", "den"}:
            return "count"
        if self.role == "rate":
            return "rate"
        return self.indicator.kind if self.indicator else ""


@dataclass
class IndicatorLayout:
    """Where everything of one indicator sheet lives."""

    sheet: IndicatorSheet
    header_rows: tuple[int, int]
    lines: list[Line]
    value_cols: dict[str, int]
    stt_col: int = 0
    label_col: int = 1
    unit_col: int | None = 2
    note_col: int = 0
    code_col: int = 0
    err_cols: dict[str, int] = field(default_factory=dict)
    miss_cols: dict[str, int] = field(default_factory=dict)
    warn_cols: dict[str, int] = field(default_factory=dict)

    @property
    def first_row(self) -> int:
        """First data row (below the headers)."""
        return self.header_rows[1] + 1

    @property
    def last_row(self) -> int:
        """Last data row."""
        return self.lines[-1].row if self.lines else self.first_row

    def line(self, code: str) -> Line:
        """The line holding value code ``code`` (KeyError when absent)."""
        for line in self.lines:
            if line.code == code:
                return line
        raise KeyError(code)

    def applies(self, line: Line, column: ValueColumn) -> bool:
        """True when ``line`` has a value in ``column`` (input or computed)."""
        if line.role == "heading":
            return False
        ind = line.indicator
        return not (ind and ind.columns and column.key not in ind.columns)

    def is_input(self, line: Line, column: ValueColumn) -> bool:
        """True when the unit types a value here (not a heading, not a formula)."""
        return self.applies(line, column) and line.role != "rate" and not column.is_computed


@dataclass
class ListLayout:
    """Where everything of one list sheet lives."""

    sheet: ListSheet
    header_row: int
    cols: dict[str, int]
    group_rows: dict[str, int]
    data_rows: list[tuple[int, str]]  # (row, group code or "")
    stt_col: int = 0
    code_col: int = 0
    err_col: int = 0

    @property
    def last_row(self) -> int:
        """Last row of the table (data or group row)."""
        rows = [r for r, _ in self.data_rows] + list(self.group_rows.values())
        return max(rows) if rows else self.header_row


def _lines(sheet: IndicatorSheet, level: str | None, first: int) -> list[Line]:
    lines: list[Line] = []
    row = first
    for item in sheet.rows:
        if isinstance(item, Heading):
            lines.append(Line(row, "heading", item.label, item.stt))
            row += 1
            continue
        if level is not None and item.levels and level not in item.levels:
            continue
        if item.spec.ratio:
            num, den = item.numerator, item.denominator
            assert num is not None and den is not None
            lines.append(Line(row, "rate", item.label, item.stt, item.rate_unit, item.code, item))
            lines.append(Line(row + 1, "num", f"- {num.label}", "", num.unit, f"{item.code}:num", item))
            lines.append(Line(row + 2, "den", f"- {den.label}", "", den.unit, f"{item.code}:den", item))
            row += 3
        else:
            lines.append(Line(row, "value", item.label, item.stt, item.unit, item.code, item))
            row += 1
    return lines


def indicator_layout(sheet: IndicatorSheet, level: str | None = None) -> IndicatorLayout:
    """Compile an indicator sheet for a unit of ``level`` (None: every row, the template)."""
    header = (TOP_ROWS, TOP_ROWS + 1)
    col = 2 if sheet.show_unit else 1
    unit_col = 2 if sheet.show_unit else None
    value_cols = {}
    for vc in sheet.columns:
        col += 1
        value_cols[vc.key] = col
    note_col, code_col = col + 1, col + 2
    err_cols = {vc.key: code_col + 1 + i for i, vc in enumerate(sheet.columns)}
    n = len(sheet.columns)
    miss_cols = {vc.key: code_col + 1 + n + i for i, vc in enumerate(sheet.columns)}
    warn_cols = {vc.key: code_col + 1 + 2 * n + i for i, vc in enumerate(sheet.columns)}
    return IndicatorLayout(
        sheet=sheet, header_rows=header, lines=_lines(sheet, level, header[1] + 1),
        value_cols=value_cols, unit_col=unit_col, note_col=note_col, code_col=code_col,
        err_cols=err_cols, miss_cols=miss_cols, warn_cols=warn_cols,
    )


def list_layout(sheet: ListSheet) -> ListLayout:
    """Compile a list sheet: header row, group rows and the prepared blank rows."""
    header = TOP_ROWS
    cols = {c.key: i + 1 for i, c in enumerate(sheet.columns)}
    code_col = len(sheet.columns) + 1
    row = header + 1
    group_rows: dict[str, int] = {}
    data_rows: list[tuple[int, str]] = []
    for group in sheet.groups or (None,):
        if group is not None:
            group_rows[group.code] = row
            row += 1
        for _ in range(sheet.rows):
            data_rows.append((row, group.code if group else ""))
            row += 1
    return ListLayout(sheet=sheet, header_row=header, cols=cols, group_rows=group_rows,
                      data_rows=data_rows, code_col=code_col, err_col=code_col + 1)


def sheet_layout(sheet: IndicatorSheet | ListSheet, level: str | None = None):
    """Layout of any sheet (indicator or list)."""
    if isinstance(sheet, IndicatorSheet):
        return indicator_layout(sheet, level)
    return list_layout(sheet)


def form_layouts(form: Form, level: str | None = None) -> list[IndicatorLayout | ListLayout]:
    """Layouts of the sheets a unit of ``level`` fills, in form order."""
    return [sheet_layout(s, level) for s in form.sheets_for_level(level)]


@dataclass(frozen=True)
class CellPos:
    """Where one value cell lives: sheet name, 0-based row and column."""

    sheet: str
    row: int
    col: int


def value_cells(layouts: list[IndicatorLayout | ListLayout]) -> dict[tuple[str, str], CellPos]:
    """(value code, column key) -> position, for every applicable indicator value cell."""
    cells: dict[tuple[str, str], CellPos] = {}
    for lay in layouts:
        if not isinstance(lay, IndicatorLayout):
            continue
        for line in lay.lines:
            for vc in lay.sheet.columns:
                if lay.applies(line, vc):
                    cells[(line.code, vc.key)] = CellPos(lay.sheet.name, line.row, lay.value_cols[vc.key])
    return cells


def computed_inputs(layouts: list[IndicatorLayout | ListLayout]) -> dict[tuple[str, str], tuple[tuple[str, str], tuple[str, str]]]:
    """Every computed percentage cell -> its (numerator, denominator) input cells.

    Rate rows of ratio indicators use ``X:num`` / ``X:den`` in the same column; computed
    columns use the two columns they name, in the same row.
    """
    out = {}
    for lay in layouts:
        if not isinstance(lay, IndicatorLayout):
            continue
        for line in lay.lines:
            for vc in lay.sheet.columns:
                if not lay.applies(line, vc):
                    continue
                if vc.compute_ratio:
                    num, den = vc.compute_ratio
                    out[(line.code, vc.key)] = ((line.code, num), (line.code, den))
                elif line.role == "rate":
                    out[(line.code, vc.key)] = ((f"{line.code}:num", vc.key), (f"{line.code}:den", vc.key))
    return out
