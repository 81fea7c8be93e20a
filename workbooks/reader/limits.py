"""Limits a file must keep before it is read, checked from what it declares about itself.

A return is a few hundred kilobytes that inflate to a few megabytes, with cells where the form
put them (plus rows a unit inserted). Before anything is parsed, the zip's central directory
gives every part's declared sizes (total and per part inflated size, compression ratio, number
of parts) and each worksheet's first bytes give its extent (``<dimension ref>``, the first
rows); a file over a limit is rejected with a Vietnamese reason, never read.

What slips past these checks (a part lying about its size, a far cell with no dimension) is
caught by the safety net of ``guard``: each read runs under a time limit and a memory cap.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

from workbooks.reader.model import ReturnRejected
from workbooks.reader.package import Package
from workbooks.reader.rejections import reject
from workbooks.reader.xmlparts import UnsafeXml, sheet_head

MIB = 1024 * 1024
SHEET_HEAD_BYTES = 2 * 1024  # how much of a worksheet part is inflated to read its extent
ROW_MARGIN = 20_000  # rows a unit may insert into a list sheet beyond the form's own
COL_MARGIN = 50  # columns a unit may add (notes, own calculations) beyond the form's own


@dataclass(frozen=True)
class Limits:
    """What a return may weigh and span (defaults fit every shipped form with a wide margin).

    Attributes:
        max_file_bytes: size of the file on disk.
        max_inflated_bytes: the parts' declared sizes, added up.
        max_part_bytes: any one part's declared size.
        max_xml_part_bytes: any one of the small parts parsed whole (workbook, properties,
            relationships, tables).
        max_ratio: inflated / compressed size of a part larger than ``ratio_floor_bytes``.
        ratio_floor_bytes: parts smaller than this are not held to ``max_ratio``.
        max_parts: number of parts in the package.
        max_rows: last row a worksheet may declare (1-based).
        max_cols: last column a worksheet may declare (1-based).
        seconds: time one file may take to read (the safety net).
        memory_bytes: memory one read may add to its process (the safety net).
    """

    max_file_bytes: int = 50 * MIB
    max_inflated_bytes: int = 200 * MIB
    max_part_bytes: int = 100 * MIB
    max_xml_part_bytes: int = 8 * MIB
    max_ratio: float = 250.0
    ratio_floor_bytes: int = 4 * MIB
    max_parts: int = 2_000
    max_rows: int = 0  # 0: the catalog's extent plus ROW_MARGIN (see ``default_limits``)
    max_cols: int = 0
    seconds: float = 60.0
    memory_bytes: int = 768 * MIB


@cache
def catalog_extent() -> tuple[int, int]:
    """(last row, last column), 1-based, any layout of any shipped form reaches at any level."""
    from workbooks.catalog.layout import IndicatorLayout, form_layouts
    from workbooks.catalog.loader import load_catalog

    rows, cols = 60, 20  # the information and metadata sheets
    for form in load_catalog().values():
        for level in (None, *form.levels):
            for lay in form_layouts(form, level):
                if isinstance(lay, IndicatorLayout):
                    rows = max(rows, *(line.row + 1 for line in lay.lines), lay.header_rows[1] + 1)
                    used = [*lay.value_cols.values(), *lay.err_cols.values(), *lay.miss_cols.values(),
                            *lay.warn_cols.values(), lay.note_col, lay.code_col]
                else:
                    rows = max(rows, lay.header_row + 1, *(r + 1 for r, _ in lay.data_rows))
                    used = [*lay.cols.values(), lay.err_col, lay.code_col]
                cols = max(cols, *(c + 1 for c in used))
    return rows, cols


def default_limits() -> Limits:
    """The limits ``read_file`` applies when given none: the shipped catalog's extent plus margins."""
    rows, cols = catalog_extent()
    return replace(Limits(), max_rows=rows + ROW_MARGIN, max_cols=cols + COL_MARGIN)


def resolved(limits: Limits | None) -> Limits:
    """``limits`` with the extent filled in from the catalog where left at 0."""
    if limits is None:
        return default_limits()
    if limits.max_rows and limits.max_cols:
        return limits
    rows, cols = catalog_extent()
    return replace(limits, max_rows=limits.max_rows or rows + ROW_MARGIN,
                   max_cols=limits.max_cols or cols + COL_MARGIN)


def check_size(source: str, size: int, limits: Limits) -> None:
    """Reject a file larger on disk than any return (before its bytes are read)."""
    if size > limits.max_file_bytes:
        raise reject(source, "too_large", size_mb=size / MIB, limit_mb=limits.max_file_bytes / MIB)


def check_package(source: str, package: Package, limits: Limits) -> None:
    """Reject a package whose central directory declares more than a return can weigh.

    Raises:
        ReturnRejected: too many parts, too much inflated data in all or in one part, or a
            compression ratio only a zip bomb has.
    """
    sizes = package.sizes()
    if len(sizes) > limits.max_parts:
        raise reject(source, "too_many_parts", count=len(sizes), limit=limits.max_parts)
    total = 0
    for name, (packed, inflated) in sizes.items():
        total += inflated
        if inflated > limits.max_part_bytes:
            raise reject(source, "part_too_large", part=name, size_mb=inflated / MIB,
                         limit_mb=limits.max_part_bytes / MIB)
        if inflated > limits.ratio_floor_bytes and inflated > limits.max_ratio * max(packed, 1):
            raise reject(source, "compression_ratio", part=name, ratio=round(inflated / max(packed, 1)),
                         limit=round(limits.max_ratio))
    if total > limits.max_inflated_bytes:
        raise reject(source, "inflated_too_large", size_mb=total / MIB,
                     limit_mb=limits.max_inflated_bytes / MIB)


def xml_part(source: str, package: Package, name: str, limits: Limits) -> bytes:
    """A small XML part's bytes, refused when it declares more than such a part ever holds."""
    declared = package.sizes().get(name, (0, 0))[1]
    if declared > limits.max_xml_part_bytes:
        raise reject(source, "part_too_large", part=name, size_mb=declared / MIB,
                     limit_mb=limits.max_xml_part_bytes / MIB)
    return package.read(name)


def _row_col(ref: str) -> tuple[int, int] | None:
    """(row, column), 1-based, of a cell reference like ``XFD1048576`` (None when not one)."""
    ref = ref.replace("$", "").upper()
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters):]
    if not letters or not digits or len(letters) > 3 or not letters.isalpha() or not letters.isascii():
        return None
    col = 0
    for letter in letters:
        col = col * 26 + ord(letter) - 64
    return int(digits), col


def _far(ref: str, limits: Limits) -> bool:
    """True for a cell reference beyond ``max_rows`` / ``max_cols``."""
    found = _row_col(ref)
    return found is not None and (found[0] > limits.max_rows or found[1] > limits.max_cols)


def check_sheet_extent(source: str, sheet: str, package: Package, part: str, limits: Limits) -> None:
    """Reject a worksheet whose first bytes put cells far outside what the form can hold.

    Reads the ``<dimension ref>`` and the first rows and cells from the part's first
    ``SHEET_HEAD_BYTES`` (the rest is not inflated here).

    Raises:
        ReturnRejected: a cell (declared or present) beyond ``max_rows`` / ``max_cols``, or a
            part that is not XML.
    """
    head = package.head(part, SHEET_HEAD_BYTES)
    data_start = head.find(b"sheetData")
    rows_end = head.rfind(b"row>", data_start) if data_start >= 0 else -1
    if rows_end > 0:  # the bytes up to the last complete row in hand are all that is parsed
        head = head[:rows_end + 4]
    try:
        dimension, refs = sheet_head(head)
    except UnsafeXml as exc:
        raise reject(source, "unsafe_xml", part=part, detail=str(exc)[:80]) from exc
    cells = [c for c in (dimension or "").split(":") if c]
    for ref in refs:
        if ref.startswith("row:"):
            row = ref[4:]
            if row.isdigit() and int(row) > limits.max_rows:
                raise reject(source, "far_cells", sheet=sheet, cell=f"hàng {int(row):,}".replace(",", "."),
                             rows=limits.max_rows, cols=limits.max_cols)
        else:
            cells.append(ref)
    for ref in cells:
        if _far(ref, limits):
            raise reject(source, "far_cells", sheet=sheet, cell=ref.replace("$", ""),
                         rows=limits.max_rows, cols=limits.max_cols)


def check_ods_content(source: str, package: Package) -> None:
    """Reject an OpenDocument spreadsheet whose ``content.xml`` declares a document type (entities).

    Only the first bytes are looked at; python-calamine reads the rest (and expands no entity).
    """
    try:
        sheet_head(package.head("content.xml", SHEET_HEAD_BYTES), rows=1)
    except UnsafeXml as exc:
        raise reject(source, "unsafe_xml", part="content.xml", detail=str(exc)[:80]) from exc


__all__ = ["Limits", "ReturnRejected", "check_ods_content", "check_package", "check_sheet_extent", "check_size", "default_limits",
           "resolved", "xml_part"]
