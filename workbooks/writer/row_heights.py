"""Row heights computed from the text, the column width and Times New Roman's metrics.

xlsxwriter cannot autofit rows and Excel does not refit wrapped rows of a generated file, so a
label longer than its column prints cut unless the row is given the height its text needs.
This module lays text out like a spreadsheet does (words wrapped greedily at the column's inner
width) with the advance widths of Times New Roman. Liberation Serif (Debian's fonts-liberation)
is metric-compatible with it: the widths are read from whichever of the two is installed, with
fontTools. Without either, a conservative average width is used (rows then come out taller).

A sheet writer notes every text it writes with :meth:`RowFitter.note` and calls
:meth:`RowFitter.apply` once at the end: each row gets the largest height its cells need.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from xlsxwriter.worksheet import Worksheet

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/liberation-serif"),
    Path("/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
FONT_FILES = {  # (bold, italic) -> file names, Liberation Serif first then Times New Roman
    (False, False): ("LiberationSerif-Regular.ttf", "times.ttf", "Times New Roman.ttf"),
    (True, False): ("LiberationSerif-Bold.ttf", "timesbd.ttf", "Times New Roman Bold.ttf"),
    (False, True): ("LiberationSerif-Italic.ttf", "timesi.ttf", "Times New Roman Italic.ttf"),
    (True, True): ("LiberationSerif-BoldItalic.ttf", "timesbi.ttf", "Times New Roman Bold Italic.ttf"),
}
FALLBACK_EM = 0.56  # average advance of a Vietnamese word's letters when no font file is found
LINE_EM = 1.3125  # line pitch of Times New Roman in Excel (15.75 pt a line at 12 pt; LibreOffice: less)
WIDTH_SLACK = 1.03  # screen rendering rounds each letter's advance to whole pixels
MAX_DIGIT_PX = 7  # the workbook's default font (Calibri 11): a column of width w is 7w + 5 pixels
CELL_PADDING_PX = 8  # left and right cell margins together, plus rounding of the layout
ROW_PADDING_PT = 0.5  # above and below the lines
DEFAULT_HEIGHT_PT = 15.75  # one line of Times New Roman 12
MAX_HEIGHT_PT = 409.0  # Excel's largest row height
_WORDS = re.compile(r"\S+|\n")


@dataclass(frozen=True)
class Metric:
    """Advance widths of one face, in ems."""

    widths: dict[int, float]
    default: float

    def width(self, text: str) -> float:
        """Width of ``text`` in ems."""
        get = self.widths.get
        return sum(get(ord(ch), self.default) for ch in text) * WIDTH_SLACK


def _font_file(bold: bool, italic: bool) -> Path | None:
    for name in FONT_FILES[(bold, italic)]:
        for folder in FONT_DIRS:
            if (folder / name).is_file():
                return folder / name
    return None


@cache
def font_metric(bold: bool = False, italic: bool = False) -> Metric:
    """Times New Roman's (or Liberation Serif's) advance widths for a face, read once.

    Args:
        bold: the bold face.
        italic: the italic face.

    Returns:
        The metric (a fallback average width when neither font is installed).
    """
    path = _font_file(bold, italic)
    if path is None:
        return Metric({}, FALLBACK_EM + (0.04 if bold else 0.0))
    from fontTools.ttLib import TTFont  # only when a font file is there to read

    font = TTFont(str(path), lazy=True)
    em = font["head"].unitsPerEm
    hmtx = font["hmtx"].metrics
    widths = {code: hmtx[glyph][0] / em for code, glyph in font.getBestCmap().items() if glyph in hmtx}
    font.close()
    return Metric(widths, FALLBACK_EM)


def column_points(width_chars: float) -> float:
    """Width in points of a column whose Excel width is ``width_chars`` (default font Calibri 11)."""
    pixels = int(width_chars * MAX_DIGIT_PX + 0.5) + 5 if width_chars > 0 else 0
    return pixels * 0.75


def wrapped_lines(text: str, width_pt: float, size_pt: float, bold: bool = False,
                  italic: bool = False) -> int:
    """How many lines ``text`` takes when wrapped at word boundaries into ``width_pt``.

    A word longer than the line is broken across lines, as spreadsheets do.

    Args:
        text: the text (explicit line breaks are kept).
        width_pt: the cell's width in points (all columns of a merged range).
        size_pt: the font size.
        bold: bold face.
        italic: italic face.

    Returns:
        At least 1.
    """
    metric = font_metric(bold, italic)
    inner = max(width_pt - CELL_PADDING_PX * 0.75, size_pt)
    space = metric.width(" ") * size_pt
    lines, used = 1, 0.0
    for token in _WORDS.findall(text):
        if token == "\n":
            lines, used = lines + 1, 0.0
            continue
        word = metric.width(token) * size_pt
        if used and used + space + word <= inner:
            used += space + word
            continue
        if used:
            lines += 1
        extra = max(0, math.ceil(word / inner) - 1)  # a word wider than the cell is broken
        lines += extra
        used = word - extra * inner
    return lines


def text_height(text: str, width_pt: float, size_pt: float = 12, bold: bool = False,
                italic: bool = False, wrap: bool = True) -> float:
    """Row height in points that shows ``text`` whole in a cell ``width_pt`` wide."""
    lines = wrapped_lines(text, width_pt, size_pt, bold, italic) if wrap else text.count("\n") + 1
    return lines * size_pt * LINE_EM + ROW_PADDING_PT


@dataclass
class RowFitter:
    """Collects the texts of a sheet with their widths; sets each row to the height they need.

    ``widths`` holds the column widths (Excel characters) as the writer sets them.
    """

    widths: dict[int, float] = field(default_factory=dict)
    needs: dict[int, float] = field(default_factory=dict)
    blocks: list[tuple[int, int, float]] = field(default_factory=list)  # rows merged vertically

    def set_column(self, ws: Worksheet, first: int, last: int, width: float, fmt=None,
                   options: dict | None = None) -> None:
        """``ws.set_column`` that also remembers the width."""
        ws.set_column(first, last, width, fmt, options or {})
        for col in range(first, last + 1):
            self.widths[col] = 0 if options and options.get("hidden") else width

    def span_points(self, first: int, last: int) -> float:
        """Width in points of columns ``first``..``last`` (a merged range)."""
        return sum(column_points(self.widths.get(c, 8.43)) for c in range(first, last + 1))

    def note(self, row: int, text: object, first: int, last: int | None = None, size_pt: float = 12,
             bold: bool = False, italic: bool = False) -> None:
        """Record a text written in ``row`` across columns ``first``..``last``."""
        if text is None or text == "":
            return
        width = self.span_points(first, first if last is None else last)
        need = text_height(str(text), width, size_pt, bold, italic)
        self.needs[row] = max(self.needs.get(row, 0.0), need)

    def note_format(self, row: int, text: object, first: int, last: int | None, fmt,
                    last_row: int | None = None) -> None:
        """As :meth:`note`, taking size and face from an xlsxwriter format.

        With ``last_row``, the text sits in a range merged down to that row: the rows together
        must give the height it needs.
        """
        if last_row is None or last_row == row:
            self.note(row, text, first, last, float(fmt.font_size or 11), bool(fmt.bold), bool(fmt.italic))
            return
        if text is None or text == "":
            return
        width = self.span_points(first, first if last is None else last)
        need = text_height(str(text), width, float(fmt.font_size or 11), bool(fmt.bold), bool(fmt.italic))
        self.blocks.append((row, last_row, need))

    def reserve(self, row: int, height: float) -> None:
        """Ask for at least ``height`` points in ``row`` (e.g. space left for a signature)."""
        self.needs[row] = max(self.needs.get(row, 0.0), height)

    def apply(self, ws: Worksheet, rows: Iterable[int] | None = None) -> None:
        """Set every noted row to the height its texts need (at least one line)."""
        heights = {row: max(need, DEFAULT_HEIGHT_PT) for row, need in self.needs.items()}
        for first, last, need in self.blocks:
            spanned = [heights.get(r, DEFAULT_HEIGHT_PT) for r in range(first, last + 1)]
            if sum(spanned) < need:
                heights[last] = spanned[-1] + need - sum(spanned)
        for row in sorted(heights if rows is None else rows):
            ws.set_row(row, min(MAX_HEIGHT_PT, math.ceil(heights[row] * 4) / 4))
