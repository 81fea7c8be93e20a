"""Turn a workbook open in Excel (an ``xlwings.Book``, any engine) into a ``Grid``.

Only what every xlwings engine provides is used: sheet names, the values from A1 to the end of
each sheet's used range, book-scope defined names, and Excel Tables where the engine knows
them. Custom document properties and sheet visibility are not read (the Office.js payload has
neither); identification then relies on the metadata sheet ``_cchc`` when the client sent it,
else on the content (the reader's usual fallbacks).

Values are read with ``err_to_str=True`` so error cells arrive as ``"#DIV/0!"`` (the reader
flags them), empty cells as ``""`` and date cells as ``date`` (as python-calamine gives them for
files; timestamps that are not midnight stay ``datetime``). Clients that send dates as serial
numbers (Excel 2016/2019 via Office.js) give numbers; the reader coerces them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from workbooks.reader.grid import Grid, TableRef

# What the Office.js client makes of a date cell: ``new Date(...).toISOString()``.
_CLIENT_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def _day(value: datetime) -> datetime | date:
    """A timestamp at midnight is a date cell (python-calamine gives ``date`` for those too)."""
    return value.date() if value.time() == time() else value


def _payload_cell(value: Any) -> Any:
    if isinstance(value, str) and _CLIENT_DATE.match(value):
        return _day(datetime.fromisoformat(value[:-1]))
    return value


def _payload_values(sheet: Any) -> list[list[Any]] | None:
    """The values a remote client sent for ``sheet`` (None for desktop engines).

    xlwings' own conversion of remote values turns every text that looks like an ISO
    timestamp into a datetime and cuts its last character (``"2024-10-15T08:30:00"`` typed as
    text raises ``ValueError``), so for remote books the payload is converted here, the way
    the client meant it: ``...Z`` ISO strings (date cells) → datetime, everything else
    (``""`` for empty cells, error texts) unchanged.
    """
    api = getattr(sheet, "api", None)
    if not isinstance(api, dict) or "values" not in api:
        return None
    rows = api["values"] or [[]]
    width = max((len(r) for r in rows), default=0) or 1
    return [[_payload_cell(v) for v in row] + [""] * (width - len(row)) for row in rows]


def _sheet_values(sheet: Any) -> list[list[Any]]:
    """Values of ``sheet`` from A1 to the last cell of its used range (row-major)."""
    remote = _payload_values(sheet)
    if remote is not None:
        return remote
    last = sheet.used_range.last_cell
    rng = sheet.range((1, 1), (max(1, last.row), max(1, last.column)))
    values = rng.options(ndim=2, err_to_str=True).value or [[None]]
    return [["" if v is None else _day(v) if isinstance(v, datetime) else v for v in row] for row in values]


def _book_names(book: Any) -> dict[str, str]:
    """Book-scope defined names (upper case) → refers-to (``='Sheet'!$C$5``)."""
    names: dict[str, str] = {}
    for name in book.names:
        try:
            key, ref = name.name, name.refers_to
        except Exception:  # noqa: BLE001 - broken or non-range names: skipped, as files do
            continue
        if not key or "!" in key or not ref or key.startswith("_xlnm."):
            continue  # sheet-scope names ("Sheet!name") are ignored by the file reader too
        names[key.upper()] = ref.lstrip("=")  # as in the file: 'Sheet'!$C$5
    return names


def _sheet_tables(sheet: Any, values: list[list[Any]]) -> dict[str, TableRef]:
    """Excel Tables of ``sheet`` (empty when the engine has no table support)."""
    out: dict[str, TableRef] = {}
    try:
        tables = list(sheet.tables)
    except Exception:  # noqa: BLE001 - engines without tables (e.g. macOS without API)
        return out
    for table in tables:
        try:
            header = table.header_row_range
            body = table.data_body_range
            whole = table.range
        except Exception:  # noqa: BLE001 - one odd table must not stop the check
            continue
        first_col, last_col = whole.column - 1, whole.column + whole.shape[1] - 2
        if header is not None:
            header_row = header.row - 1
            row = values[header_row] if header_row < len(values) else []
            columns = ["" if v is None else str(v) for v in row[first_col:last_col + 1]]
        else:
            header_row, columns = whole.row - 2, []
        last_row = (body.row + body.shape[0] - 2) if body is not None else header_row
        out[table.name.lower()] = TableRef(sheet.name, header_row, first_col, last_col, last_row, columns)
    return out


def grid_from_book(book: Any) -> Grid:
    """Read an open workbook into a ``Grid`` (the same structure ``grid_from_file`` gives).

    Args:
        book: an ``xlwings.Book`` — desktop Excel, or ``xw.Book(json=payload)`` (Office.js,
            xlwings Lite).

    Returns:
        The grid: values of every sheet from A1, book-scope defined names, tables.
    """
    sheets: dict[str, list[list[Any]]] = {}
    tables: dict[str, TableRef] = {}
    for sheet in book.sheets:
        values = _sheet_values(sheet)
        sheets[sheet.name] = values
        tables.update(_sheet_tables(sheet, values))
    names = _book_names(book)
    return Grid(book.name, sheets, set(), names, {}, tables, has_structure=bool(names))
