"""Read the tables of a definition workbook: header lookup, cell -> value, located errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from workbooks.authoring.schema import (
    CHOICE_SEP,
    LIST_SEP,
    OPERATORS,
    SHEET_NAMES,
    Column,
    enum_code,
    enum_words,
    sheet_title,
    table_columns,
    yes_no,
)
from workbooks.messages import Message, say

_OP_ALIASES = {"≤": "<=", "≥": ">=", "==": "="}
# Columns holding ids, codes and keys ([A-Za-z0-9._-]): never a control character.
_ID_KEYS = {"id", "key", "code", "list", "ratio_num", "ratio_den", "when_column"}
_CONTROL = re.compile(r"[\x00-\x1f]")


def undo_control_escape(text: str) -> str:
    """Undo LibreOffice's reading of ``_xa_`` as a line break (it decodes ``_x<hex>_`` to a control
    character even when the hex is not four digits, e.g. in a rule id ``…_xa_le_…``)."""
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):x}_", text)


@dataclass
class Problems:
    """The located errors found while building (all of them, not only the first)."""

    items: list[Message] = field(default_factory=list)
    places: list[tuple[int, int]] = field(default_factory=list)

    def add(self, message_id: str, sheet: str | None = None, row: int | None = None, **params: Any) -> None:
        """Record one error at (sheet, row)."""
        place = ""
        if sheet is not None and row is not None:
            place = say("authoring.place.row", sheet=sheet, row=row).text
        elif sheet is not None:
            place = say("authoring.place.sheet", sheet=sheet).text
        self.items.append(say(message_id, place=place, sheet=sheet, row=row, **params))
        order = [sheet_title(t) for t in SHEET_NAMES]
        self.places.append((order.index(sheet) if sheet in order else -1, row or 0))

    def in_order(self) -> list[Message]:
        """The errors by sheet (workbook order), then row."""
        pairs = sorted(zip(self.places, range(len(self.items)), self.items, strict=True))
        return [message for _, _, message in pairs]

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class TableRow:
    """One non-blank row of a table: its sheet row number and the values by column key."""

    number: int
    values: dict[str, Any]
    invalid: set[str] = field(default_factory=set)  # columns whose cell was wrong (already reported)

    def get(self, key: str) -> Any:
        """The parsed value of a column (None when blank or not parsed)."""
        return self.values.get(key)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    out = str(value).strip()
    return out or None


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else value
    text = str(value).strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    number = float(text)
    return int(number) if number.is_integer() else number


def parse_cell(col: Column, raw: Any, problems: Problems, sheet: str, row: int) -> Any:
    """The value of one cell for ``col``; None when blank or wrong (wrong is recorded)."""
    text = _text(raw)
    if text is None:
        return None
    if col.key in _ID_KEYS or col.type in {"sheet", "list", "levels", "code"}:
        text = undo_control_escape(text)
    if col.type in {"int", "number"}:
        try:
            number = _number(raw)
        except ValueError:
            number = None
        if number is None or (col.type == "int" and not isinstance(number, int)):
            problems.add("authoring.error.not_number", sheet, row, column=col.header, value=text,
                         example="2024" if col.type == "int" else "0")
            return None
        return number
    if col.type == "bool":
        yes, no = yes_no()
        if text.lower() in {yes.lower(), "true", "x"}:
            return True
        if text.lower() in {no.lower(), "false"}:
            return False
        problems.add("authoring.error.unknown_value", sheet, row, column=col.header, value=text,
                     allowed=f"{yes}, {no}")
        return None
    if col.enum:
        code = enum_code(col.enum, text)
        if code is None:
            problems.add("authoring.error.unknown_value", sheet, row, column=col.header, value=text,
                         allowed=", ".join(enum_words(col.enum).values()))
        return code
    if col.type == "ops":
        op = _OP_ALIASES.get(text, text)
        if op not in OPERATORS:
            problems.add("authoring.error.unknown_value", sheet, row, column=col.header, value=text,
                         allowed=", ".join(OPERATORS))
            return None
        return op
    if col.type in {"list", "levels"}:
        return tuple(x.strip() for x in text.replace(CHOICE_SEP, LIST_SEP).split(LIST_SEP) if x.strip())
    if col.type == "code":
        return raw if isinstance(raw, int) and not isinstance(raw, bool) else text
    return text


def read_table(ws: Worksheet, table: str, problems: Problems) -> list[TableRow]:
    """The non-blank rows of one table sheet, parsed by column type."""
    name = sheet_title(table)
    rows = ws.iter_rows(values_only=True)
    header = next(rows, ())
    position: dict[str, int] = {}
    wanted = table_columns(table)
    for i, cell in enumerate(header):
        label = _text(cell)
        for col in wanted:
            if label is not None and label.lower() in {col.header.lower(), col.key.lower()}:
                position.setdefault(col.key, i)
    missing = [c for c in wanted if c.key not in position and c.message_id.startswith("authoring.col")
               and c.required]
    for col in missing:
        problems.add("authoring.error.missing_header", name, 1, column=col.header)
    out: list[TableRow] = []
    for number, raw in enumerate(rows, start=2):
        if not any(_text(v) for v in raw):
            continue
        row = TableRow(number, {})
        for col in wanted:
            i = position.get(col.key)
            if i is not None and i < len(raw):
                before = len(problems.items)
                row.values[col.key] = parse_cell(col, raw[i], problems, name, number)
                if len(problems.items) > before:
                    row.invalid.add(col.key)
        out.append(row)
    return out


def read_settings(ws: Worksheet, problems: Problems) -> dict[str, tuple[int, Any]]:
    """The vertical ``Biểu mẫu`` sheet: key -> (row number, parsed value)."""
    name = sheet_title("form")
    columns = {c.key: c for c in table_columns("form")}
    found: dict[str, tuple[int, Any]] = {}
    for number, raw in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        key = _text(raw[0]) if raw else None
        if key in columns:
            value = raw[2] if len(raw) > 2 else None
            found[key] = (number, parse_cell(columns[key], value, problems, name, number))
    for key, col in columns.items():
        if key not in found and col.required:
            problems.add("authoring.error.required", name, None, column=col.header)
    return found
