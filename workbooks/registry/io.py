"""Reading and writing registry files: CSV (any Excel encoding and separator) and XLSX (first sheet).

Reading returns rows of text cells exactly as a spreadsheet user sees them; what the cells mean is
decided by :mod:`workbooks.registry.parse`.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from workbooks.registry.model import COLUMNS, Unit, file_error

CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def _decode(data: bytes, path: Path) -> str:
    """Decode CSV bytes: UTF-16 with BOM, UTF-8 (BOM or not), else Windows Vietnamese (cp1258)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise file_error(path, "registry.file.encoding")


def _sniff_delimiter(lines: Sequence[str]) -> str:
    """Pick the separator of the first line that has one (``,`` when no line has any).

    A title row above the header counts when a spreadsheet wrote it ("DANH SÁCH ĐƠN VỊ;;;;": every
    row gets the same number of separators); a title typed alone on its line is passed over.
    """
    for line in lines:
        counts = {d: line.count(d) for d in (",", ";", "\t")}
        best = max(counts, key=lambda d: counts[d])
        if counts[best]:
            return best
    return ","


def _read_csv(path: Path) -> list[list[str]]:
    """Read a CSV file as rows of text cells (row 1 first)."""
    text = _decode(path.read_bytes(), path)
    delimiter = _sniff_delimiter(text.split("\n", 5)[:5])
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def cell_text(value: object, number_format: str | None = None) -> str:
    """Turn a spreadsheet cell value into text as the user saw it.

    Whole numbers lose the ``.0`` a float carries (3646.0 -> "3646") and keep the leading zeros a
    ``00000`` number format showed ("03667").

    Args:
        value: the cell value.
        number_format: the cell's number format.

    Returns:
        The text ("" for an empty cell).
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        if number_format and re.fullmatch(r"0+", number_format):
            text = text.zfill(len(number_format))
        return text
    return str(value)


def _read_xlsx(path: Path) -> list[list[str]]:
    """Read the first sheet of an XLSX file as rows of text cells (row 1 first)."""
    import openpyxl  # imported here: it costs a tenth of a second

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (openpyxl.utils.exceptions.InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise file_error(path, "registry.file.excel_unreadable") from exc
    try:
        sheet = book.worksheets[0]
        return [[cell_text(c.value, getattr(c, "number_format", None)) for c in row]
                for row in sheet.iter_rows()]
    finally:
        book.close()


def read_rows(path: Path) -> list[list[str]]:
    """Read a registry file of any supported kind as rows of text cells.

    Args:
        path: a .csv/.txt or .xlsx/.xlsm file.

    Returns:
        Every row of the file (or of its first sheet), row 1 first, blank rows included.

    Raises:
        RegistryError: the file is missing, a folder, unreadable, or of another kind.
    """
    if path.is_dir():
        raise file_error(path, "registry.file.is_folder")
    if not path.is_file():
        raise file_error(path, "registry.file.missing")
    suffix = path.suffix.lower()
    if suffix not in XLSX_SUFFIXES + CSV_SUFFIXES:
        raise file_error(path, "registry.file.suffix", suffix=suffix)
    try:
        return _read_xlsx(path) if suffix in XLSX_SUFFIXES else _read_csv(path)
    except PermissionError as exc:
        raise file_error(path, "registry.file.unreadable") from exc


def unit_cells(unit: Unit) -> list[str]:
    """Cells of one registry row: code, name, level, parent_code, forms (joined with ``;``)."""
    return [unit.code, unit.name, unit.level, unit.parent_code or "", ";".join(unit.forms)]


def _write_xlsx(units: Sequence[Unit], path: Path) -> None:
    """Write units to an XLSX sheet with every cell stored as text (codes keep leading zeros)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Đơn vị"
    for row in [list(COLUMNS), *(unit_cells(u) for u in units)]:
        sheet.append(row)
    for column_cells in sheet.iter_cols():
        for cell in column_cells:
            cell.number_format = "@"
    for letter, width in zip("ABCDE", (12, 45, 12, 12, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    book.save(path)


def write_registry(units: Iterable[Unit], path: str | Path) -> Path:
    """Write a registry file: CSV in UTF-8 with BOM (Excel shows Vietnamese correctly), or XLSX.

    Args:
        units: the units, written in this order.
        path: the target; ``.xlsx`` writes a workbook with text cells, anything else a CSV.

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    units = list(units)
    if path.suffix.lower() == ".xlsx":
        _write_xlsx(units, path)
        return path
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        write_registry_csv(units, handle)
    return path


def write_registry_csv(units: Iterable[Unit], handle: TextIO) -> None:
    """Write a registry as CSV (header, then one row per unit) to an open text stream."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(unit_cells(u) for u in units)


def write_registry_stdout(units: Iterable[Unit]) -> None:
    """Print a registry as CSV on standard output (no BOM).

    Args:
        units: the units.
    """
    write_registry_csv(units, sys.stdout)
