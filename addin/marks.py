"""Cell marks: which cells get a fill, which fill they get back, and how it is written.

Decision on clearing (documented in ``addin/docs``): Excel's Office.js clients cannot set "no
fill" reliably (xlwings' remote engine would send ``color=None``, which the Office.js clients
do not implement), and no client sends the original fill of a cell. We only ever mark *value
cells of the return* (cells the reader reads values from), whose fill the writer chose, and
clearing paints them back with that fill: the input fill of the form (``INPUT_FILL``) for
input cells, the grey of computed cells for rates. Cells outside the return's value cells are
listed in the results sheet but never coloured.

Marks are written as ``range.color = "#RRGGBB"`` (the ``setRangeColor`` action); vertical runs
of cells with the same colour become one range, so a column of 40 blank required cells is one
action, not 40.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from workbooks.writer.styles import ERROR_FILL, INPUT_FILL  # noqa: F401 - re-exported

WARNING_FILL = "#FFEB9C"  # the writer's warning mark (styles.Styles.warning_mark)
COMPUTED_FILL = "#EDEDED"  # the writer's computed cells (styles.Styles.computed)
SEVERITY_FILL = {"error": ERROR_FILL, "warning": WARNING_FILL}

_REF = re.compile(r"^(?:'((?:[^']|'')+)'!|([^'!]+)!)?\$?([A-Za-z]{1,3})\$?(\d+)$")


@dataclass(frozen=True, order=True)
class CellRef:
    """A cell of the workbook: sheet name and A1 address (no ``$``)."""

    sheet: str
    cell: str

    def text(self, home: str = "") -> str:
        """``D14`` on ``home``, ``'Phụ lục II'!D14`` elsewhere."""
        return self.cell if self.sheet == home else f"{quote(self.sheet)}!{self.cell}"


def quote(sheet: str) -> str:
    """A sheet name as Excel writes it in references (always quoted, quotes doubled)."""
    return "'" + sheet.replace("'", "''") + "'"


def parse_ref(text: str, home: str) -> CellRef | None:
    """``D14`` (on ``home``) or ``'Sheet'!D14`` → ``CellRef``; None when not a cell."""
    match = _REF.match(text.strip())
    if not match:
        return None
    quoted, plain, col, row = match.groups()
    sheet = quoted.replace("''", "'") if quoted else (plain or home)
    return CellRef(sheet, f"{col.upper()}{int(row)}")


def parse_refs(text: Any, home: str) -> list[CellRef]:
    """Every cell of a ``"D14; 'Phụ lục I'!E20"`` list (unparsable parts are skipped)."""
    if not isinstance(text, str):
        return []
    return [ref for part in text.split(";") if (ref := parse_ref(part, home)) is not None]


def runs(cells: Iterable[CellRef]) -> list[tuple[str, str]]:
    """Group cells into (sheet, "D14:D20") ranges of vertically adjacent cells."""
    by_col: dict[tuple[str, int], list[int]] = {}
    for ref in set(cells):
        row, col = xl_cell_to_rowcol(ref.cell)
        by_col.setdefault((ref.sheet, col), []).append(row)
    out: list[tuple[str, str]] = []
    for (sheet, col), rows in sorted(by_col.items()):
        rows.sort()
        start = prev = rows[0]
        for row in [*rows[1:], None]:
            if row is not None and row == prev + 1:
                prev = row
                continue
            first, last = xl_rowcol_to_cell(start, col), xl_rowcol_to_cell(prev, col)
            out.append((sheet, first if first == last else f"{first}:{last}"))
            if row is not None:
                start = prev = row
    return out


def paint(book: Any, fills: dict[CellRef, str]) -> int:
    """Fill cells of ``book``; cells on sheets the book no longer has are skipped.

    Args:
        book: the xlwings book.
        fills: cell -> ``#RRGGBB``.

    Returns:
        The number of fill actions (ranges) written.
    """
    names = {s.name for s in book.sheets}
    by_color: dict[str, list[CellRef]] = {}
    for ref, color in fills.items():
        if ref.sheet in names:
            by_color.setdefault(color, []).append(ref)
    count = 0
    for color in sorted(by_color):
        for sheet, address in runs(by_color[color]):
            book.sheets[sheet].range(address).color = color
            count += 1
    return count
