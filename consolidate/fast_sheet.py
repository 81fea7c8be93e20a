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
from datetime import date, datetime
from itertools import repeat
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import CellNumberTuple, CellStringTuple, Worksheet

from consolidate.cells import MAX_TEXT

_EPOCH = datetime(1899, 12, 30)


class FastDataWorksheet(Worksheet):
    """``Worksheet`` whose cell writer takes a shortcut for formatted numbers and strings."""

    def __init__(self) -> None:
        super().__init__()
        self._raw_rows: dict[int, tuple[str, int, int]] = {}  # row -> (cells XML, first col, last col)

    def write_plain_rows(self, first_row: int, rows: Sequence[Sequence[Any]], fmt: Format,
                         num_fmts: dict[int, Format] | None = None) -> list[int]:
        """Write rows of plain values at once, each row rendered to XML right away.

        Text (cut to Excel's 32,767 characters) is always a string cell, never a formula;
        finite numbers are numbers; dates are date serials; None, NaN and "" are blank cells
        that keep the format (borders). Rows holding anything else are left to the caller.

        Args:
            first_row: 0-based row of ``rows[0]``.
            rows: the rows, values from column 0.
            fmt: format of every cell.
            num_fmts: column -> format for numbers and dates (``fmt`` when absent).

        Returns:
            Positions in ``rows`` of the rows not written (other kinds of values).
        """
        if self.constant_memory or not rows:
            return list(range(len(rows)))
        num_fmts = num_fmts or {}
        width = max(len(r) for r in rows)
        if self._check_dimensions(first_row, 0) or self._check_dimensions(first_row + len(rows) - 1,
                                                                          max(0, width - 1)):
            return list(range(len(rows)))
        xf = fmt._get_xf_index()
        num_xf = {c: f._get_xf_index() for c, f in num_fmts.items()}
        shared = self.str_table._get_shared_string_index
        names = [_COL_NAMES.get(c) or _col_name(c) for c in range(width)]
        left = []
        for i, values in enumerate(rows):
            row = first_row + i
            if self.table.get(row):
                left.append(i)
                continue
            suffix = str(row + 1)
            parts = []
            for c, value in enumerate(values):
                kind = type(value)
                ref = names[c] + suffix
                if kind is str:
                    if value:
                        parts.append(f'<c r="{ref}" s="{xf}" t="s"><v>{shared(value[:MAX_TEXT])}</v></c>')
                    else:
                        parts.append(f'<c r="{ref}" s="{xf}"/>')
                elif kind is float or kind is int:
                    if value != value:
                        parts.append(f'<c r="{ref}" s="{xf}"/>')
                    elif abs(value) == math.inf:
                        break
                    else:
                        parts.append(f'<c r="{ref}" s="{num_xf.get(c, xf)}"><v>{value:.16G}</v></c>')
                elif value is None:
                    parts.append(f'<c r="{ref}" s="{xf}"/>')
                elif kind is datetime or kind is date:
                    serial = _serial(value)
                    parts.append(f'<c r="{ref}" s="{num_xf.get(c, xf)}"><v>{serial:.16G}</v></c>')
                else:
                    break
            else:
                if parts:
                    self._raw_rows[row] = ("".join(parts), 0, len(values) - 1)
                continue
            left.append(i)
        return left

    def write_row_xml(self, row: int, last_col: int, cells_xml: str) -> bool:
        """Store a row whose cells are already rendered (``<c>`` elements; ``string_cell_xml`` for text).

        For wide rows of many values (the "Theo đơn vị" sheet): one string per row instead of a
        cell object per value.

        Args:
            row: 0-based row.
            last_col: the last column the row may hold (for Excel's row spans).
            cells_xml: the ``<c>`` elements of the row, in column order, from column 0 on.

        Returns:
            False when nothing was stored (constant-memory mode, cells already written in the
            row, or beyond Excel's limits): write the row cell by cell instead.
        """
        if self.constant_memory or self.table.get(row) or row in self._raw_rows or (
                self._check_dimensions(row, 0) or self._check_dimensions(row, last_col)):
            return False
        self._raw_rows[row] = (cells_xml, 0, last_col)
        return True

    def string_cell_xml(self, ref: str, xf: int, text: str) -> str:
        """A text cell (shared string, cut to Excel's limit) as XML, for ``write_row_xml``.

        Args:
            ref: the cell ("AB12").
            xf: the cell format's index (``Format._get_xf_index()``).
            text: the text (always text: never a formula, number or link).

        Returns:
            The ``<c>`` element.
        """
        return f'<c r="{ref}" s="{xf}" t="s"><v>{self.str_table._get_shared_string_index(text[:MAX_TEXT])}</v></c>'

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
        extents = [(row, min(cells), max(cells)) for row, cells in self.table.items() if cells]
        extents += [(row, lo, hi) for row, (_, lo, hi) in self._raw_rows.items()]
        for row, lo, hi in extents:
            if self.dim_rowmin <= row <= self.dim_rowmax:
                block = row // 16
                seen = bounds.get(block)
                bounds[block] = (lo, hi) if seen is None else (min(seen[0], lo), max(seen[1], hi))
        self.row_spans = {block: f"{lo + 1}:{hi + 1}" for block, (lo, hi) in bounds.items()}

    def _write_rows(self) -> None:
        """xlsxwriter's ``_write_rows`` visiting only the rows and cells present."""
        if self.comments or self.constant_memory:
            super()._write_rows()
            return
        self._calculate_spans()
        table, info, spans, raw = self.table, self.row_info, self.row_spans, self._raw_rows
        rows = sorted({r for r, cells in table.items() if cells} | set(info) | set(raw))
        for row in rows:
            if not self.dim_rowmin <= row <= self.dim_rowmax:
                continue
            span = spans.get(row // 16)
            cells = table.get(row)
            if row in raw:
                self._write_row(row, span, info.get(row))
                self.fh.write(raw[row][0])
                if cells:
                    if min(cells) <= raw[row][2]:
                        raise RuntimeError(f"row {row + 1}: a cell was written over a row of plain values")
                    self._write_cells(row, cells)
                self._xml_end_tag("row")
            elif cells:
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


def column_names(count: int) -> list[str]:
    """Column letters of the first ``count`` columns ("A", "B", …).

    Args:
        count: how many.

    Returns:
        The letters, by 0-based column.
    """
    return [_col_name(c) for c in range(count)]


def _serial(value: date) -> float:
    """Excel's date serial of a date or datetime (1900 date system, dates after February 1900)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    serial = (value - _EPOCH).total_seconds() / 86400
    return serial - 1 if serial < 61 else serial  # Excel counts a 29 February 1900 that never was


def _col_name(col: int) -> str:
    """Column letters of a 0-based column (cached)."""
    name = _COL_NAMES.get(col)
    if name is None:
        name = _COL_NAMES[col] = xl_col_to_name(col)
    return name
