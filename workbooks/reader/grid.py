"""A workbook as plain values: what every source (file, xlwings book) is turned into.

The locating and extraction steps only ever see a ``Grid``, so the same code reads a file
from disk (python-calamine) and a workbook open in Excel (xlwings, any engine).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TableRef:
    """An Excel Table: its sheet, header row and column span (0-based, inclusive)."""

    sheet: str
    header_row: int
    first_col: int
    last_col: int
    last_row: int
    columns: list[str] = field(default_factory=list)


@dataclass
class Grid:
    """Values of every sheet from A1 (row-major, 0-based), plus names and properties."""

    source: str
    sheets: dict[str, list[list[Any]]]
    hidden: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)  # defined name (upper) -> refers-to
    properties: dict[str, str] = field(default_factory=dict)  # custom document properties
    tables: dict[str, TableRef] = field(default_factory=dict)  # table name (lower) -> ref
    has_structure: bool = True  # False for formats without tables/defined names (.xls, .ods)

    def cell(self, sheet: str, row: int, col: int) -> Any:
        """Value at (row, col) of ``sheet``; None outside the used area."""
        rows = self.sheets.get(sheet, [])
        if 0 <= row < len(rows):
            values = rows[row]
            if 0 <= col < len(values):
                return values[col]
        return None

    def name_sheet(self, name: str) -> str | None:
        """The sheet a defined name points to (None when absent or broken)."""
        ref = self.names.get(name.upper())
        if not ref or "!" not in ref:
            return None
        sheet = ref.lstrip("=").rsplit("!", 1)[0]
        if sheet.startswith("'") and sheet.endswith("'"):
            sheet = sheet[1:-1].replace("''", "'")
        return sheet if sheet in self.sheets else None
