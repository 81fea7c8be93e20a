"""Build, from a real .xlsx, the JSON body xlwings' Office.js client posts to the server.

This mirrors ``getBookData()`` of the xlwings Office.js client (xlwings Server,
``static/js/custom-scripts/index.js``; the same shape the add-in's ``taskpane.js`` sends):

- ``client`` = ``"Office.js"``, ``version``, ``book`` = ``{name, active_sheet_index, selection}``;
- ``names``: named items of type *Range* only, book scope first, then sheet scope, each
  ``{name, sheet_index, address, scope_sheet_name, scope_sheet_index, book_scope}``; the
  address is the range address without the sheet (``"C5"``, Office.js writes no ``$``);
  names spanning several areas get ``sheet_index``/``address`` = null;
- ``sheets``: every worksheet in tab order (hidden and very hidden ones included, Office.js
  does not filter them), each ``{name, values, pictures, tables}``:
  ``values`` is ``A1:<last cell of the used range>`` as ``Range.values`` gives them — the
  computed (cached) value of formulas, ``""`` for empty cells, booleans as booleans, error
  values as their text (``"#DIV/0!"``) and numbers formatted as dates or times converted to
  ISO strings (``new Date(Math.round((serial - 25569) * 86400000)).toISOString()``, what the
  client does when ExcelApi 1.12 is available; ``dates="serial"`` imitates Excel 2016/2019,
  which send the serial number);
  the used range counts formatted cells too, as Excel's ``getUsedRange()`` does;
  ``pictures`` is empty (the returns carry none); ``tables`` lists the Excel Tables.

openpyxl reads the cached values: a file written by xlsxwriter carries the cached results the
writer chose, a file re-saved by Excel or LibreOffice carries recalculated ones.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import xlwings
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

_EPOCH = datetime(1899, 12, 30)


def _iso(serial: float) -> str:
    """The client's ``new Date(Math.round((v - 25569) * 86400 * 1000)).toISOString()``."""
    millis = round((serial - 25569) * 86400 * 1000)
    moment = datetime(1970, 1, 1) + timedelta(milliseconds=millis)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _serial(value: datetime | date | time | timedelta) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return (value - _EPOCH).total_seconds() / 86400


def cell_value(value: Any, dates: str = "iso") -> Any:
    """One cell as ``Range.values`` delivers it to the client (JSON types only)."""
    if value is None:
        return ""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, datetime | date | time | timedelta):
        serial = _serial(value)
        return _iso(serial) if dates == "iso" else serial
    if isinstance(value, int | float):
        return value
    return str(value)  # openpyxl error values are already strings; anything else as text


def _values(ws: Worksheet, dates: str) -> list[list[Any]]:
    rows = max(ws.max_row, 1)
    cols = max(ws.max_column, 1)
    grid = [["" for _ in range(cols)] for _ in range(rows)]
    for row in ws.iter_rows(min_row=1, max_row=rows, max_col=cols):
        for cell in row:
            if cell.value is not None:
                grid[cell.row - 1][cell.column - 1] = cell_value(cell.value, dates)
    return grid


def _strip(address: str) -> str:
    return address.replace("$", "")


def _tables(ws: Worksheet) -> list[dict[str, Any]]:
    out = []
    for table in ws.tables.values():
        c0, r0, c1, r1 = range_boundaries(table.ref)
        headers = (table.headerRowCount if table.headerRowCount is not None else 1) > 0
        totals = bool(table.totalsRowCount)
        first_data = r0 + 1 if headers else r0
        last_data = r1 - 1 if totals else r1

        def span(top: int, bottom: int, c0: int = c0, c1: int = c1) -> str:
            return ws.cell(top, c0).coordinate + ":" + ws.cell(bottom, c1).coordinate

        out.append({
            "name": table.displayName or table.name,
            "range_address": span(r0, r1),
            "header_row_range_address": span(r0, r0) if headers else None,
            "data_body_range_address": span(first_data, max(first_data, last_data)),
            "total_row_range_address": span(r1, r1) if totals else None,
            "show_headers": headers,
            "show_totals": totals,
            "table_style": table.tableStyleInfo.name if table.tableStyleInfo else None,
            "show_autofilter": table.autoFilter is not None,
        })
    return out


def _name_target(defined: Any, positions: dict[str, int]) -> tuple[int | None, str | None]:
    """(sheet index, address) of a single-area range name; (None, None) otherwise."""
    destinations = list(defined.destinations) if defined.type == "RANGE" else []
    if len(destinations) != 1:
        return None, None
    sheet, address = destinations[0]
    if sheet not in positions or "," in address:
        return None, None
    return positions[sheet], _strip(address)


def _is_range(defined: Any) -> bool:
    try:
        return defined.type == "RANGE" and not defined.name.startswith("_xlnm.")
    except Exception:  # noqa: BLE001 - openpyxl raises on odd definitions
        return False


def _names(wb: openpyxl.Workbook) -> list[dict[str, Any]]:
    positions = {ws.title: i for i, ws in enumerate(wb.worksheets)}
    out = []
    for defined in wb.defined_names.values():
        if _is_range(defined):
            index, address = _name_target(defined, positions)
            out.append({"name": defined.name, "sheet_index": index, "address": address,
                        "scope_sheet_name": None, "scope_sheet_index": None, "book_scope": True})
    for i, ws in enumerate(wb.worksheets):
        for defined in ws.defined_names.values():
            if _is_range(defined):
                index, address = _name_target(defined, positions)
                out.append({"name": defined.name, "sheet_index": index, "address": address,
                            "scope_sheet_name": ws.title, "scope_sheet_index": i, "book_scope": False})
    return out


def _selection(ws: Worksheet) -> str:
    try:
        sqref = str(ws.sheet_view.selection[0].sqref or "A1")
    except (IndexError, AttributeError):
        sqref = "A1"
    return sqref.split()[0]


def payload_from_xlsx(path: str | Path, dates: str = "iso", name: str | None = None) -> dict[str, Any]:
    """The Office.js request body for the workbook at ``path``.

    Args:
        path: an .xlsx/.xlsm file.
        dates: ``"iso"`` (Excel 2021/365: date cells as ISO strings) or ``"serial"``
            (Excel 2016/2019: no ``numberFormatCategories``, dates stay serial numbers).
        name: the workbook name Excel shows (the file name by default).

    Returns:
        A JSON-able dict, exactly what ``JSON.stringify(payload)`` would produce.
    """
    path = Path(path)
    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        sheets = wb.worksheets
        active = wb.active if wb.active in sheets else sheets[0]
        payload = {
            "client": "Office.js",
            "version": xlwings.__version__,
            "book": {"name": name or path.name, "active_sheet_index": sheets.index(active),
                     "selection": _selection(active)},
            "names": _names(wb),
            "sheets": [{"name": ws.title, "values": _values(ws, dates), "pictures": [],
                        "tables": _tables(ws)} for ws in sheets],
        }
    finally:
        wb.close()
    return json.loads(json.dumps(payload))  # exactly the JSON types the client sends


class ClientBook:
    """What the Office.js client does with the server's answer, on the payload itself.

    Applies the actions ``addin.core`` emits (the same set ``addin/static/taskpane.js``
    implements) so a test can run a second check on "the workbook after the first one":
    values and sheets change in ``payload``, fills and hyperlinks are kept aside (the payload
    has no formatting). Unknown actions raise, as the task pane does.
    """

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.fills: dict[tuple[str, str], str] = {}
        self.links: dict[tuple[str, str], str] = {}
        self.bold: set[tuple[str, str]] = set()
        self.alerts: list[str] = []

    @property
    def sheets(self) -> list[dict[str, Any]]:
        return self.payload["sheets"]

    def _cells(self, action: dict[str, Any]) -> list[tuple[str, str]]:
        from openpyxl.utils import get_column_letter

        name = self.sheets[action["sheet_position"]]["name"]
        return [(name, f"{get_column_letter(c + 1)}{r + 1}")
                for r in range(action["start_row"], action["start_row"] + action["row_count"])
                for c in range(action["start_column"], action["start_column"] + action["column_count"])]

    def _write(self, action: dict[str, Any]) -> None:
        values = self.sheets[action["sheet_position"]]["values"]
        r0, c0 = action["start_row"], action["start_column"]
        for i, row in enumerate(action["values"]):
            while len(values) <= r0 + i:
                values.append([""] * len(values[0]))
            for j, value in enumerate(row):
                for line in values:
                    line.extend([""] * (c0 + j + 1 - len(line)))
                values[r0 + i][c0 + j] = "" if value is None else value

    def apply(self, actions: list[dict[str, Any]]) -> None:
        """Apply the actions in order."""
        for action in actions:
            func, args = action["func"], action["args"]
            if func == "setValues":
                self._write(action)
            elif func == "setRangeColor":
                for cell in self._cells(action):
                    self.fills[cell] = args[0]
            elif func == "setFontProperty":
                self.bold.update(self._cells(action))
            elif func == "addHyperlink":
                for cell in self._cells(action):
                    self.links[cell] = args[0]
            elif func == "addSheet":
                self.sheets.insert(args[0], {"name": args[1], "values": [[""]], "pictures": [], "tables": []})
            elif func == "sheetClear":
                name = self.sheets[action["sheet_position"]]["name"]
                self.sheets[action["sheet_position"]]["values"] = [[""]]
                for store in (self.fills, self.links):
                    for key in [k for k in store if k[0] == name]:
                        del store[key]
            elif func == "sheetDelete":
                del self.sheets[action["sheet_position"]]
            elif func == "activateSheet":
                self.payload["book"]["active_sheet_index"] = args[0]
            elif func == "alert":
                self.alerts.append(args[0])
            else:
                raise AssertionError(f"action the client does not implement: {func}")

    def sheet_values(self, name: str) -> list[list[Any]]:
        """Values of a sheet by name."""
        return next(s["values"] for s in self.sheets if s["name"] == name)
