"""Check the shape of the JSON body an Office.js client posts before xlwings sees it.

The body is what xlwings' Office.js client (and our ``static/taskpane.js``) builds:
``{client, version, book: {name, active_sheet_index, selection}, names: [...],
sheets: [{name, values, pictures, tables}]}``. A body that does not have this shape gets a
Vietnamese explanation instead of a Python traceback deep inside xlwings.
"""

from __future__ import annotations

import json
from typing import Any

_CELL_TYPES = (str, int, float, bool, type(None))


class PayloadError(ValueError):
    """The body is JSON but not a workbook payload; ``str(exc)`` is Vietnamese."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PayloadError(message)


def _check_sheet(i: int, sheet: Any) -> None:
    where = f"sheets[{i}]"
    _require(isinstance(sheet, dict), f"{where} phải là một đối tượng (tên sheet và giá trị).")
    _require(isinstance(sheet.get("name"), str) and sheet["name"] != "", f"{where} thiếu tên sheet (name).")
    values = sheet.get("values")
    _require(isinstance(values, list) and all(isinstance(r, list) for r in values),
             f"Sheet '{sheet['name']}': 'values' phải là bảng giá trị (danh sách các dòng).")
    for r, row in enumerate(values):
        for c, cell in enumerate(row):
            _require(isinstance(cell, _CELL_TYPES),
                     f"Sheet '{sheet['name']}', dòng {r + 1}, cột {c + 1}: giá trị ô không hợp lệ.")
    for key in ("tables", "pictures"):
        _require(isinstance(sheet.setdefault(key, []), list), f"Sheet '{sheet['name']}': '{key}' phải là danh sách.")
    for table in sheet["tables"]:
        _require(isinstance(table, dict) and isinstance(table.get("name"), str),
                 f"Sheet '{sheet['name']}': bảng (table) không hợp lệ.")


def check_payload(body: Any) -> dict[str, Any]:
    """Validate (and complete with empty lists) a workbook payload.

    Args:
        body: the decoded JSON body.

    Returns:
        The same dict, ``tables``/``pictures`` defaulted to ``[]``.

    Raises:
        PayloadError: a missing or mistyped part, named in Vietnamese.
    """
    _require(isinstance(body, dict), "Nội dung gửi lên phải là một đối tượng JSON mô tả sổ Excel.")
    for key in ("client", "version"):
        _require(isinstance(body.get(key), str), f"Thiếu trường '{key}' (chuỗi) trong nội dung gửi lên.")
    book = body.get("book")
    _require(isinstance(book, dict) and isinstance(book.get("name"), str),
             "Thiếu thông tin sổ (book.name) trong nội dung gửi lên.")
    sheets = body.get("sheets")
    _require(isinstance(sheets, list) and len(sheets) > 0, "Nội dung gửi lên không có sheet nào.")
    index = book.get("active_sheet_index")
    _require(isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(sheets),
             "book.active_sheet_index không hợp lệ.")
    _require(isinstance(body.setdefault("names", []), list), "'names' phải là danh sách.")
    for name in body["names"]:
        _require(isinstance(name, dict) and isinstance(name.get("name"), str) and "book_scope" in name,
                 "Một tên (names) không hợp lệ.")
        name.setdefault("scope_sheet_name", None)
        name.setdefault("scope_sheet_index", None)
    for i, sheet in enumerate(sheets):
        _check_sheet(i, sheet)
    return body


class BodyError(ValueError):
    """The body cannot be taken at all; ``message_id``/``params`` name the catalogue message."""

    def __init__(self, status: int, message_id: str, **params: Any) -> None:
        super().__init__(message_id)
        self.status, self.message_id, self.params = status, message_id, params


def nesting_depth(value: Any, limit: int) -> int:
    """How deeply lists and objects nest in ``value`` (iterative; stops once past ``limit``).

    Sheets' ``values`` are walked like everything else, so the cost is one pass over the body.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, dict | list))
    return deepest


def count_cells(body: dict[str, Any]) -> int:
    """Number of cells in every sheet's ``values`` (rows that are not lists count as one)."""
    sheets = body.get("sheets")
    if not isinstance(sheets, list):
        return 0
    total = 0
    for sheet in sheets:
        values = sheet.get("values") if isinstance(sheet, dict) else None
        if isinstance(values, list):
            total += sum(len(row) if isinstance(row, list) else 1 for row in values)
    return total


def parse_body(raw: bytes, max_depth: int, max_cells: int) -> dict[str, Any]:
    """Decode, bound and check a posted workbook payload.

    Args:
        raw: the request body (its size was bounded while it was read).
        max_depth: deepest nesting accepted (a workbook payload nests 5 deep).
        max_cells: most cells accepted over all sheets.

    Returns:
        The payload, checked by :func:`check_payload`.

    Raises:
        BodyError: not JSON (400), nested too deep (400), too many cells (413).
        PayloadError: JSON but not a workbook payload (422).
    """
    try:
        body = json.loads(raw)
    except RecursionError as exc:  # deeper than the interpreter can decode: far past max_depth
        raise BodyError(400, "server.too_deep", limit=max_depth) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise BodyError(400, "server.not_json") from exc
    if isinstance(body, dict) and (cells := count_cells(body)) > max_cells:  # cheap: before the walk
        raise BodyError(413, "server.too_many_cells", cells=cells, limit=max_cells)
    if nesting_depth(body, max_depth) > max_depth:
        raise BodyError(400, "server.too_deep", limit=max_depth)
    return check_payload(body)
