"""Turn a file's bytes into a ``Grid`` (python-calamine), or reject it with a clear reason.

Nothing is parsed before the limits are checked (``limits``): the file's size, then the zip's
central directory, then each worksheet's first bytes. The package's small XML parts (workbook,
relationships, properties, tables) are parsed by the hardened parser of ``xmlparts``.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import python_calamine as calamine
from xlsxwriter.utility import xl_cell_to_rowcol

from workbooks.reader import xmlparts
from workbooks.reader.grid import Grid, TableRef
from workbooks.reader.limits import (
    Limits,
    check_ods_content,
    check_package,
    check_sheet_extent,
    check_size,
    resolved,
    xml_part,
)
from workbooks.reader.package import Package, open_package
from workbooks.reader.rejections import not_regular_kind, reject

ACCEPTED_SUFFIXES: frozenset[str] = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
T = TypeVar("T")
_DAMAGED = (zipfile.BadZipFile, KeyError, EOFError, OSError, ValueError, zlib.error, IndexError)


@dataclass(frozen=True)
class SavedTimes:
    """When the workbook says it was created and last saved (ISO texts as written; "" when absent)."""

    created: str = ""
    modified: str = ""


def _sniff(source: str, data: bytes) -> str:
    """'zip', 'ole' — or raise ReturnRejected for empty, encrypted, non-Excel files."""
    if not data:
        raise reject(source, "empty")
    head = data[:8]
    if head.startswith(_ZIP):
        return "zip"
    if head == _OLE:
        if _ENCRYPTED_MARK in data:
            raise reject(source, "encrypted")
        return "ole"
    raise reject(source, "not_excel")


def _saved_times(package: Package, limits: Limits, source: str) -> SavedTimes:
    """Created and last-saved times: ``docProps/core.xml`` (OOXML) or ``meta.xml`` (OpenDocument).

    An absent or unreadable part gives no times (the file may still be a good return).
    """
    for part in ("docProps/core.xml", "meta.xml"):
        if part in package.names:
            try:
                return SavedTimes(*xmlparts.core_times(xml_part(source, package, part, limits)))
            except (*_DAMAGED, xmlparts.UnsafeXml):
                return SavedTimes()
    return SavedTimes()


def _part_path(base: str, target: str) -> str:
    """A relationship target resolved against the folder of the part that holds it."""
    if target.startswith("/"):
        return target[1:]
    parts = base.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


class _Parts:
    """The package of one file with the limits that apply to its parts."""

    def __init__(self, source: str, package: Package, limits: Limits) -> None:
        self.source, self.package, self.limits = source, package, limits

    def parsed(self, name: str, parse: Callable[[bytes], T]) -> T:
        """``parse`` of a small XML part; unsafe XML rejected naming the part."""
        try:
            return parse(xml_part(self.source, self.package, name, self.limits))
        except xmlparts.UnsafeXml as exc:
            raise reject(self.source, "unsafe_xml", part=name, detail=str(exc)[:80]) from exc

    def rels(self, part: str) -> list[dict[str, str]]:
        """Relationships of a part (``xl/workbook.xml`` → ``xl/_rels/workbook.xml.rels``)."""
        folder, _, name = part.rpartition("/")
        rels = f"{folder}/_rels/{name}.rels"
        return self.parsed(rels, xmlparts.relationships) if rels in self.package.names else []


def _table_ref(data: bytes, sheet: str) -> tuple[str, TableRef] | None:
    """Name and position of an Excel Table from its part (``xl/tables/tableN.xml``)."""
    found = xmlparts.table(data)
    if found is None:
        return None
    attrs, columns = found
    name = attrs.get("displayName") or attrs.get("name")
    first, _, last = attrs.get("ref", "").replace("$", "").partition(":")
    try:
        (top, left), (bottom, right) = xl_cell_to_rowcol(first), xl_cell_to_rowcol(last)
    except (ValueError, AttributeError, TypeError):
        return None
    if not name or not last or min(top, left, bottom, right) < 0:
        return None
    header_rows = int(attrs.get("headerRowCount", "1") or 1)
    total_rows = int(attrs.get("totalsRowCount", "0") or 0)
    return name, TableRef(sheet, top + header_rows - 1, left, right, bottom - total_rows, columns)


def _sheets_and_tables(parts: _Parts, sheets: list[tuple[str, str]]) -> dict[str, TableRef]:
    """Check every worksheet's extent; return the Excel Tables (lower-case name -> position)."""
    targets = {r["Id"]: r["Target"] for r in parts.rels("xl/workbook.xml")}
    names = parts.package.names
    out: dict[str, TableRef] = {}
    for sheet, rel_id in sheets:
        target = targets.get(rel_id)
        if not target:
            continue
        sheet_part = _part_path("xl/workbook.xml", target)
        if sheet_part not in names:
            continue
        check_sheet_extent(parts.source, sheet, parts.package, sheet_part, parts.limits)
        for rel in parts.rels(sheet_part):
            if not rel["Type"].endswith("/table"):
                continue
            table_part = _part_path(sheet_part, rel["Target"])
            if table_part in names:
                found = parts.parsed(table_part, lambda data, name=sheet: _table_ref(data, name))
                if found:
                    out[found[0].lower()] = found[1]
    return out


@dataclass
class _ZipFacts:
    names: dict[str, str]
    properties: dict[str, str]
    tables: dict[str, TableRef]
    saved: SavedTimes


def _zip_parts(source: str, data: bytes, limits: Limits) -> _ZipFacts:
    """Limits, defined names, custom properties, Excel Tables and saved times of a zip package.

    Raises:
        ReturnRejected: over a limit, not a spreadsheet package, damaged, or unsafe XML.
    """
    try:
        package = open_package(data)
        check_package(source, package, limits)
        saved = _saved_times(package, limits, source)
        if "xl/workbook.xml" not in package.names:
            if "content.xml" in package.names:  # OpenDocument: calamine reads it, after a look at its start
                check_ods_content(source, package)
                return _ZipFacts({}, {}, {}, saved)
            raise reject(source, "not_excel")
        parts = _Parts(source, package, limits)
        names, sheets = parts.parsed("xl/workbook.xml", xmlparts.workbook_parts)
        custom = ("docProps/custom.xml" in package.names
                  and parts.parsed("docProps/custom.xml", xmlparts.custom_properties)) or {}
        tables = _sheets_and_tables(parts, sheets)
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required for extraction"
        reason = "encrypted" if "encrypt" in str(exc).lower() else "damaged"
        raise reject(source, reason, detail=exc.__class__.__name__) from exc
    except _DAMAGED as exc:
        raise reject(source, "damaged", detail=exc.__class__.__name__) from exc
    return _ZipFacts(names, custom, tables, saved)


def _open(source: str, data: bytes) -> calamine.CalamineWorkbook:
    try:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as first:  # noqa: BLE001 - calamine raises several private error types
        text = str(first)
        if "password" in text.lower() or "encrypt" in text.lower():
            raise reject(source, "encrypted") from first
        raise reject(source, "damaged", detail=text[:120]) from first


def grid_from_bytes(source: str, data: bytes, limits: Limits | None = None) -> tuple[Grid, SavedTimes]:
    """Read every sheet of a workbook given as bytes, within ``limits``.

    Args:
        source: the file name (named in rejections and kept as the grid's source).
        data: the file's bytes (.xlsx, .xlsm, .xls or .ods).
        limits: what the file may weigh and span (the catalog's defaults when None).

    Returns:
        (the grid: values from A1 of every sheet, defined names, custom properties, tables;
        when the workbook says it was created and last saved).

    Raises:
        ReturnRejected: empty, over a limit, encrypted, damaged, unsafe or not a spreadsheet.
    """
    limits = resolved(limits)
    check_size(source, len(data), limits)
    kind = _sniff(source, data)
    facts = _zip_parts(source, data, limits) if kind == "zip" else _ZipFacts({}, {}, {}, SavedTimes())
    book = _open(source, data)
    sheets, hidden = {}, set()
    try:
        for meta in book.sheets_metadata:
            if "WorkSheet" not in str(meta.typ):
                continue
            sheets[meta.name] = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            if str(meta.visible).rsplit(".", 1)[-1] != "Visible":
                hidden.add(meta.name)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken part inside an otherwise valid zip
        raise reject(source, "damaged_sheet", detail=str(exc)[:120]) from exc
    finally:
        book.close()
    grid = Grid(source, sheets, hidden, facts.names, facts.properties, facts.tables,
                has_structure=bool(facts.names))
    return grid, facts.saved


def grid_from_file(path: str | Path, limits: Limits | None = None) -> Grid:
    """Read every sheet of a spreadsheet file into a ``Grid`` (see ``grid_from_bytes``).

    Raises:
        ReturnRejected: as ``grid_from_bytes``; also a file larger than the limits, or not a
            regular file (neither is read).
    """
    path = Path(path)
    limits = resolved(limits)
    st = path.stat()
    kind = not_regular_kind(st.st_mode)
    if kind:  # a named pipe would block a read for ever: never opened
        raise reject(path.name, "not_regular_file", kind=kind)
    check_size(path.name, st.st_size, limits)
    return grid_from_bytes(path.name, path.read_bytes(), limits)[0]
