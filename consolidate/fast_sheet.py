"""A worksheet with a lean inner loop for the big data sheets of the output workbook.

xlsxwriter writes every cell through a general ``_write_cell`` (attribute lists, escaping,
class-name dispatch): about 4 µs per cell, half of the time spent writing the "Theo đơn vị"
and list sheets of a thousand returns. Plain numbers and shared strings with an explicit cell
format are written here directly in the same XML, a row at a time; every other cell (formulas,
blanks, rich strings, row/column formats, constant-memory mode) goes through xlsxwriter
unchanged. The row spans are computed from the cells present instead of every column of every
row, and ``write_numbers`` stores a row of numbers at once. ``tests/test_consolidate.py``
reopens the output with openpyxl and checks the values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import repeat
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import CellNumberTuple, CellStringTuple, Worksheet


class FastDataWorksheet(Worksheet):
    """``Worksheet`` whose cell writer takes a shortcut for formatted numbers and strings."""

    def write_numbers(self, row: int, cols: Sequence[int], numbers: Sequence[float], fmt: Format) -> None:
        """Write finite numbers in one row with one format (as ``write_number`` each, faster).

        Args:
            row: 0-based row.
            cols: 0-based columns, increasing.
            numbers: one finite number (int or float) per column.
            fmt: the cell format.
        """
        if not cols:
            return
        if self.constant_memory or any(map(math.isinf, numbers)) or not (
                self._check_dimensions(row, cols[0]) == 0 and self._check_dimensions(row, cols[-1]) == 0):
            for col, number in zip(cols, numbers, strict=True):
                self._write_number(row, col, number, fmt)
            return
        self.table[row].update(zip(cols, map(CellNumberTuple, numbers, repeat(fmt)), strict=True))

    def _calculate_spans(self) -> None:
        """The "spans" of every block of 16 rows, from the columns of the cells present."""
        if self.comments:
            super()._calculate_spans()
            return
        bounds: dict[int, tuple[int, int]] = {}
        for row, cells in self.table.items():
            if cells and self.dim_rowmin <= row <= self.dim_rowmax:
                block, lo, hi = row // 16, min(cells), max(cells)
                seen = bounds.get(block)
                bounds[block] = (lo, hi) if seen is None else (min(seen[0], lo), max(seen[1], hi))
        self.row_spans = {block: f"{lo + 1}:{hi + 1}" for block, (lo, hi) in bounds.items()}

    def _write_rows(self) -> None:
        """xlsxwriter's ``_write_rows`` visiting only the rows and cells present."""
        if self.comments or self.constant_memory:
            super()._write_rows()
            return
        self._calculate_spans()
        table, info, spans = self.table, self.row_info, self.row_spans
        rows = sorted({r for r, cells in table.items() if cells} | set(info))
        for row in rows:
            if not self.dim_rowmin <= row <= self.dim_rowmax:
                continue
            span = spans.get(row // 16)
            cells = table.get(row)
            if cells:
                self._write_row(row, span, info.get(row))
                self._write_cells(row, cells)
                self._xml_end_tag("row")
            else:
                self._write_empty_row(row, span, info[row])

    def _write_cells(self, row: int, cells: dict[int, Any]) -> None:
        """Write the cells of one row in column order (formatted numbers and strings directly)."""
        parts: list[str] = []
        suffix = str(row + 1)
        names = _COL_NAMES
        for col in sorted(cells):
            cell = cells[col]
            cls = cell.__class__
            fmt = cell.format
            if fmt is None or (cls is not CellNumberTuple and cls is not CellStringTuple):
                if parts:
                    self.fh.write("".join(parts))
                    parts.clear()
                super()._write_cell(row, col, cell)
                continue
            ref = (names.get(col) or _col_name(col)) + suffix
            if cls is CellNumberTuple:
                parts.append(f'<c r="{ref}" s="{fmt._get_xf_index()}"><v>{cell.number:.16G}</v></c>')
            else:
                parts.append(f'<c r="{ref}" s="{fmt._get_xf_index()}" t="s"><v>{cell.string}</v></c>')
        if parts:
            self.fh.write("".join(parts))


_COL_NAMES: dict[int, str] = {}


def _col_name(col: int) -> str:
    """Column letters of a 0-based column (cached)."""
    name = _COL_NAMES.get(col)
    if name is None:
        name = _COL_NAMES[col] = xl_col_to_name(col)
    return name
