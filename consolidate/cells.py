"""Writing cells safely: text from returns is always text, never a formula, number or link."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

#: Workbook options: no automatic conversion of strings to formulas, numbers or links.
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
                    "nan_inf_to_errors": False}
MAX_TEXT = 32_767  # Excel's limit for one cell


class Formats:
    """The handful of cell formats of the output workbook."""

    def __init__(self, wb: Workbook) -> None:
        base = {"font_name": "Times New Roman", "font_size": 11, "valign": "top"}
        self.text = wb.add_format({**base})
        self.wrap = wb.add_format({**base, "text_wrap": True})
        self.bold = wb.add_format({**base, "bold": True})
        self.bold_wrap = wb.add_format({**base, "bold": True, "text_wrap": True})
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.subtitle = wb.add_format({**base, "italic": True})
        self.header = wb.add_format({**base, "bold": True, "text_wrap": True, "align": "center",
                                     "valign": "vcenter", "border": 1, "bg_color": "#DDEBF7"})
        self.cell = wb.add_format({**base, "border": 1, "text_wrap": True})
        self.cell_bold = wb.add_format({**base, "border": 1, "text_wrap": True, "bold": True})
        self.heading_row = wb.add_format({**base, "border": 1, "bold": True, "bg_color": "#F2F2F2",
                                          "text_wrap": True})
        self.integer = wb.add_format({**base, "border": 1, "num_format": "#,##0"})
        self.integer_bold = wb.add_format({**base, "border": 1, "num_format": "#,##0", "bold": True})
        self.decimal = wb.add_format({**base, "border": 1, "num_format": "#,##0.0#"})
        self.percent = wb.add_format({**base, "border": 1, "num_format": "0.00"})
        self.datetime = wb.add_format({**base, "border": 1, "num_format": "dd/mm/yyyy hh:mm"})
        self.date = wb.add_format({**base, "border": 1, "num_format": "dd/mm/yyyy"})
        self.error = wb.add_format({**base, "border": 1, "font_color": "#C00000", "bold": True})
        self.warning = wb.add_format({**base, "border": 1, "font_color": "#9C5700"})
        self.good = wb.add_format({**base, "border": 1, "font_color": "#006100"})
        self.note = wb.add_format({**base, "italic": True, "font_color": "#595959", "text_wrap": True})


def is_blank(value: Any) -> bool:
    """Tell whether a value is empty.

    Args:
        value: anything.

    Returns:
        True for None, NaN, NaT, pd.NA and empty text.
    """
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return value == ""
    try:
        return bool(value != value)  # NaT / pd.NA
    except (TypeError, ValueError):
        return False


def put(ws: Worksheet, row: int, col: int, value: Any, fmt: Any = None, num_fmt: Any = None) -> None:
    """Write one value with the right ``write_*`` call; text is always ``write_string``.

    Args:
        ws: the worksheet.
        row: 0-based row.
        col: 0-based column.
        value: the value (None/NaN → blank; text starting with "=", "+", "-", "@" stays text).
        fmt: format for text and blanks.
        num_fmt: format for numbers (``fmt`` when None).
    """
    kind = type(value)
    if kind is str:
        if value:
            ws.write_string(row, col, value[:MAX_TEXT], fmt)
        else:
            ws.write_blank(row, col, None, fmt)
    elif kind is float or kind is int:
        if value != value or value in (math.inf, -math.inf):
            ws.write_blank(row, col, None, fmt)
        else:
            ws.write_number(row, col, value, num_fmt or fmt)
    elif value is None or is_blank(value):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        ws.write_string(row, col, str(value)[:MAX_TEXT], fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "TRUE" if value else "FALSE", fmt)
    elif isinstance(value, int | float):
        put(ws, row, col, float(value), fmt, num_fmt)
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value, num_fmt or fmt)
    elif isinstance(value, date):
        ws.write_datetime(row, col, datetime.combine(value, datetime.min.time()), num_fmt or fmt)
    elif hasattr(value, "item"):  # numpy scalar
        put(ws, row, col, value.item(), fmt, num_fmt)
    else:
        ws.write_string(row, col, str(value)[:MAX_TEXT], fmt)


def table(ws: Worksheet, first_row: int, headers: list[str], rows: list[list[Any]], fmts: Formats,
          widths: list[float] | None = None, num_fmts: dict[int, Any] | None = None, *,
          restyled: bool = False) -> int:
    """Write a header row then data rows (bordered), with an autofilter and frozen header.

    Args:
        ws: the worksheet.
        first_row: 0-based row of the header.
        headers: column titles.
        rows: the data rows.
        fmts: the formats.
        widths: column widths.
        num_fmts: column index -> number format.
        restyled: the caller writes some of these cells again afterwards (e.g. with a colour):
            write cell by cell instead of whole rows at once.

    Returns:
        The next free row.
    """
    for c, head in enumerate(headers):
        ws.write_string(first_row, c, head, fmts.header)
    for c, width in enumerate(widths or []):
        ws.set_column(c, c, width)
    num_fmts = num_fmts or {}
    # Two ways only, giving the same cells (tests/test_consolidate.py compares them): whole rows
    # rendered at once by the fast worksheet, or ``put`` cell by cell (any worksheet).
    plain_rows = getattr(ws, "write_plain_rows", None)
    todo = range(len(rows)) if restyled or plain_rows is None else plain_rows(first_row + 1, rows, fmts.cell,
                                                                                 num_fmts)
    for i in todo:
        for c, value in enumerate(rows[i]):
            put(ws, first_row + 1 + i, c, value, fmts.cell, num_fmts.get(c))
    last = first_row + len(rows)
    ws.autofilter(first_row, 0, max(first_row, last), max(0, len(headers) - 1))
    ws.freeze_panes(first_row + 1, 0)
    return last + 1
