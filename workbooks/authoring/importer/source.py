"""Tables of an appendix as the Sở holds it: Word tables (python-docx) or Excel sheets (openpyxl).

Both give :class:`RawTable` objects: the text printed above the table (its title lines) and a grid
of cells where a merged cell repeats its text over every grid position it covers (python-docx does
so for Word; Excel merged ranges are filled here), with the bold flag of each cell.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from workbooks.messages import text as message_text


class AppendixUnreadable(Exception):
    """The appendix file cannot be opened (``reason`` says why, in the words of the library)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path.name}: {reason}")


@dataclass(frozen=True)
class Cell:
    """One grid cell: its text (spaces normalised, NFC) and whether it is printed bold."""

    text: str
    bold: bool = False


@dataclass
class RawTable:
    """One table with the title lines printed above it."""

    title: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    name: str = ""


def clean(text: object) -> str:
    """Cell text: NFC, single spaces, no leading/trailing blanks."""
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    return " ".join(unicodedata.normalize("NFC", str(text)).split())


def _docx_bold(cell) -> bool:
    runs = [r for p in cell.paragraphs for r in p.runs if r.text.strip()]
    return bool(runs) and all(bool(r.bold) or bool(p_bold(r)) for r in runs)


def p_bold(run) -> bool:
    """Bold set on the run's character style (Word's "Strong")."""
    style = getattr(run, "style", None)
    return bool(style is not None and style.font is not None and style.font.bold)


def read_docx(path: Path) -> list[RawTable]:
    """Every table of a Word document, each with the paragraphs printed just above it."""
    import docx  # python-docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise AppendixUnreadable(path, type(exc).__name__) from exc
    tables: list[RawTable] = []
    above: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = clean(Paragraph(block, document).text)
            if text:
                above = [*above[-5:], text]
        elif tag == "tbl":
            table = Table(block, document)
            rows = [[Cell(clean(c.text), _docx_bold(c)) for c in row.cells] for row in table.rows]
            tables.append(RawTable(title=above, rows=rows, name=message_text("authoring.import.word_table", number=len(tables) + 1)))
            above = []
    return tables


def read_xlsx(path: Path) -> list[RawTable]:
    """Every non-empty sheet of a workbook; merged title rows above the header become the title."""
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise AppendixUnreadable(path, type(exc).__name__) from exc
    tables = []
    for ws in book.worksheets:
        fill: dict[tuple[int, int], object] = {}
        for rng in ws.merged_cells.ranges:
            top = ws.cell(rng.min_row, rng.min_col)
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    fill[(r, c)] = top
        grid: list[list[Cell]] = []
        for r in range(1, ws.max_row + 1):
            row = []
            for c in range(1, ws.max_column + 1):
                cell = fill.get((r, c)) or ws.cell(r, c)
                row.append(Cell(clean(cell.value), bool(cell.font and cell.font.b)))
            grid.append(row)
        table = _split_title(grid)
        if table.rows:
            table.name = ws.title
            tables.append(table)
    book.close()
    return tables


_STT = re.compile(r"^(stt|tt|số tt|số thứ tự)$", re.IGNORECASE)


def _split_title(grid: list[list[Cell]]) -> RawTable:
    """Rows above the header row (the one with "STT") are title lines: one text per row."""
    for i, row in enumerate(grid):
        if any(_STT.match(c.text) for c in row):
            title = []
            for above in grid[:i]:
                texts = list(dict.fromkeys(c.text for c in above if c.text))
                title += texts
            return RawTable(title=title, rows=[r for r in grid[i:] if any(c.text for c in r)])
    return RawTable()


def read_tables(path: str | Path) -> list[RawTable]:
    """The tables of a ``.docx`` or ``.xlsx`` appendix.

    Raises:
        AppendixUnreadable: not a Word/Excel file, or damaged.
    """
    path = Path(path)
    if not path.is_file():
        raise AppendixUnreadable(path, "FileNotFoundError")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return read_docx(path)
    if suffix in {".xlsx", ".xlsm"}:
        return read_xlsx(path)
    raise AppendixUnreadable(path, suffix or "?")


def is_stt_header(text: str) -> bool:
    """True for the header of the row-number column."""
    return bool(_STT.match(text))
