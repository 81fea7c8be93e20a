"""Print set-up of every sheet of the output workbook: A4, orientation, repeated headers, page numbers.

A sheet fits the width of the page only where it is narrow enough to stay readable (the sheet's
columns are sized for that); the very wide per-unit sheet prints across pages instead, at a
fixed scale, with the unit columns repeated on every page.
"""

from __future__ import annotations

from collections.abc import Sequence

from xlsxwriter.worksheet import Worksheet

from workbooks.messages import text

A4 = 9  # xlsxwriter / Excel paper code
READABLE_SCALE = 80  # percent: the scale of sheets printed across pages


def print_setup(ws: Worksheet, *, landscape: bool, header_rows: tuple[int, int] | None = None,
                fit_width: bool = True, repeat_columns: tuple[int, int] | None = None) -> None:
    """Set A4 paper, orientation, repeated header rows, page numbers and the scale of one sheet.

    Args:
        ws: the worksheet.
        landscape: landscape (wide tables) or portrait.
        header_rows: first and last 0-based rows repeated at the top of every page.
        fit_width: fit the width of one page (the height runs on); False prints at
            ``READABLE_SCALE`` across as many pages as needed.
        repeat_columns: first and last columns repeated at the left of every page.
    """
    ws.set_paper(A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    if repeat_columns is not None:
        ws.repeat_columns(*repeat_columns)
    ws.set_header("&L&8" + text("print.header", title=ws.get_name()).replace("&", "&&"))
    ws.set_footer("&C&9" + text("print.footer"))
    if fit_width:
        ws.fit_to_pages(1, 0)
    else:
        ws.set_print_scale(READABLE_SCALE)


LINE_HEIGHT = 15.0  # points per line of Times New Roman 11
CHARS_PER_UNIT = 1.4  # characters of Times New Roman 11 per unit of Excel column width (measured on LibreOffice PDFs)
MAX_LINES = 8


def lines_needed(value: object, width: float) -> int:
    """Lines a wrapped text needs in a column of ``width`` (1 for numbers, blanks and short texts).

    Args:
        value: the cell value.
        width: the column width (Excel units).

    Returns:
        1 to ``MAX_LINES``.
    """
    limit = max(1, int(width * CHARS_PER_UNIT))
    if type(value) is not str or len(value) <= limit:
        return 1
    return _lines(value, limit)


def _lines(value: str, limit: int) -> int:
    lines = sum(max(1, -(-len(part) // limit)) for part in value.split("\n"))
    return min(MAX_LINES, lines)


def fit_rows(ws: Worksheet, first_row: int, rows: Sequence[Sequence[object]], widths: Sequence[float]) -> None:
    """Give every data row the height its wrapped texts need.

    LibreOffice (headless) keeps the default height of rows written without one, so wrapped
    texts would overlap on paper; Excel would fit them only when the row is edited.

    Args:
        ws: the worksheet.
        first_row: 0-based row of ``rows[0]``.
        rows: the values written, from column 0.
        widths: the column widths.
    """
    limits = [max(1, int(w * CHARS_PER_UNIT)) for w in widths]
    for i, row in enumerate(rows):
        lines = 1
        for value, limit in zip(row, limits, strict=False):
            if type(value) is str and len(value) > limit:
                lines = max(lines, _lines(value, limit))
        if lines > 1:
            ws.set_row(first_row + i, LINE_HEIGHT * lines)
