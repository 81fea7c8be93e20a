"""Turn a file on disk into a ``Grid`` (python-calamine), or reject it with a clear reason."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from html import unescape  # XML's five entities and numeric references are a subset of HTML's
from pathlib import Path

import python_calamine as calamine
from xlsxwriter.utility import xl_cell_to_rowcol

from workbooks.reader.grid import Grid, TableRef
from workbooks.reader.model import ReturnRejected
from workbooks.reader.package import Package, open_package

MAX_BYTES = 50 * 1024 * 1024
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")


def _reject(path: Path, reason: str, message: str) -> ReturnRejected:
    return ReturnRejected(path.name, reason, message)


def _read(path: Path) -> bytes:
    """The file's bytes, or ReturnRejected for a file too large to be a return."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise _reject(path, "too_large", f"Tệp quá lớn ({size // 1_048_576} MB). Hãy xóa các sheet, "
                      "hình ảnh không cần thiết rồi gửi lại.")
    return path.read_bytes()


def _sniff(path: Path, data: bytes) -> str:
    """'zip', 'ole' — or raise ReturnRejected for empty, encrypted, non-Excel files."""
    if not data:
        raise _reject(path, "empty", "Tệp rỗng (0 byte). Hãy gửi lại tệp Excel đã điền.")
    head = data[:8]
    if head.startswith(_ZIP):
        return "zip"
    if head == _OLE:
        if _ENCRYPTED_MARK in data:
            raise _reject(path, "encrypted", "Tệp được đặt mật khẩu nên không đọc được. Hãy gỡ mật khẩu "
                          "(Tệp > Thông tin > Bảo vệ sổ làm việc) rồi gửi lại.")
        return "ole"
    raise _reject(path, "not_excel", "Tệp không phải là tệp Excel (.xlsx, .xlsm, .xls). Hãy gửi đúng "
                  "tệp phụ lục đã điền.")


def _core_xml(package: Package) -> bytes | None:
    """``docProps/core.xml`` of an open package; None when absent or unreadable."""
    if "docProps/core.xml" not in package.names:
        return None
    try:
        return package.read("docProps/core.xml")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, zlib.error):
        return None


def core_properties(data: bytes) -> bytes | None:
    """``docProps/core.xml`` of a zip package given as bytes.

    Args:
        data: the file's bytes.

    Returns:
        The part, or None when the bytes are not a readable package or the part is absent.
    """
    try:
        return _core_xml(open_package(data))
    except (zipfile.BadZipFile, ValueError):
        return None


_TAG_ATTRS = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')
_DEFINED_NAME = re.compile(r"<(?:\w+:)?definedName\b([^>]*)>([^<]*)</(?:\w+:)?definedName>")
_CUSTOM_PROPERTY = re.compile(r"<(?:\w+:)?property\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?property>)", re.S)
_ELEMENT_TEXT = re.compile(r">([^<]*)<")
_SHEET = re.compile(r"<(?:\w+:)?sheet\b([^>]*)/?>")
_RELATIONSHIP = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)/?>")
_TABLE = re.compile(r"<(?:\w+:)?table\b([^>]*)>")
_TABLE_COLUMN = re.compile(r"<(?:\w+:)?tableColumn\b([^>]*)/?>")
_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?")


def _attrs(text: str) -> dict[str, str]:
    """Attributes of one XML start tag (names with their prefix, values unescaped)."""
    return {k: unescape(v) for k, v in _TAG_ATTRS.findall(text)}


def _local(attrs: dict[str, str], name: str) -> str | None:
    """An attribute by local name, whatever its prefix (``r:id``, ``id``)."""
    for key, value in attrs.items():
        if key == name or key.endswith(":" + name):
            return value
    return None


def _col_index(letters: str) -> int:
    """0-based column of column letters ("A" -> 0)."""
    return xl_cell_to_rowcol(letters + "1")[1]


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


def _rels(package: Package, part: str) -> list[dict[str, str]]:
    """Relationships of a part (``xl/workbook.xml`` → ``xl/_rels/workbook.xml.rels``)."""
    folder, _, name = part.rpartition("/")
    rels = f"{folder}/_rels/{name}.rels"
    if rels not in package.names:
        return []
    return [_attrs(a) for a in _RELATIONSHIP.findall(package.read(rels).decode("utf-8", "replace"))]


def _table_ref(xml: str, sheet: str) -> tuple[str, TableRef] | None:
    """Name and position of an Excel Table from its part (``xl/tables/tableN.xml``)."""
    head = _TABLE.search(xml)
    if head is None:
        return None
    attrs = _attrs(head.group(1))
    name = attrs.get("displayName") or attrs.get("name")
    ref = _REF.fullmatch(attrs.get("ref", ""))
    if not name or ref is None or ref.group(3) is None:
        return None
    top, bottom = int(ref.group(2)) - 1, int(ref.group(4)) - 1
    header_rows = int(attrs.get("headerRowCount", "1") or 1)
    total_rows = int(attrs.get("totalsRowCount", "0") or 0)
    columns = [_attrs(c).get("name", "") for c in _TABLE_COLUMN.findall(xml)]
    data_top = top + header_rows
    return name, TableRef(sheet, data_top - 1, _col_index(ref.group(1)), _col_index(ref.group(3)),
                          bottom - total_rows, columns)


def _tables(package: Package, workbook: str) -> dict[str, TableRef]:
    """Excel Tables of the package: lower-case name -> position (sheet, header row, columns)."""
    targets = {r.get("Id"): r.get("Target", "") for r in _rels(package, "xl/workbook.xml")}
    out: dict[str, TableRef] = {}
    for sheet_tag in _SHEET.findall(workbook):
        attrs = _attrs(sheet_tag)
        target = targets.get(_local(attrs, "id"))
        if not target:
            continue
        sheet_part = _part_path("xl/workbook.xml", target)
        for rel in _rels(package, sheet_part):
            if not rel.get("Type", "").endswith("/table"):
                continue
            table_part = _part_path(sheet_part, rel.get("Target", ""))
            if table_part in package.names:
                found = _table_ref(package.read(table_part).decode("utf-8", "replace"), attrs.get("name", ""))
                if found:
                    out[found[0].lower()] = found[1]
    return out


def _zip_parts(path: Path, data: bytes, core: list[bytes | None] | None = None
               ) -> tuple[dict[str, str], dict[str, str], dict[str, TableRef]]:
    """Defined names, custom properties and Excel Tables of an OOXML package.

    Read with a few regular expressions over the small XML parts (a tenth of the time of an
    XML parser; the parts are machine-written).

    Args:
        path: the package (named in rejections).
        data: its bytes.
        core: when given, ``docProps/core.xml`` (None when absent or unreadable) is appended
            to it, read in the same pass before anything can be rejected.
    """
    try:
        package = open_package(data)
        if core is not None:
            core.append(_core_xml(package))
        if "xl/workbook.xml" not in package.names:
            if "content.xml" in package.names:  # OpenDocument: calamine reads it
                return {}, {}, {}
            raise _reject(path, "not_excel", "Tệp là tệp nén/Office nhưng không phải bảng tính Excel "
                          "(có thể là tệp Word đổi đuôi). Hãy gửi đúng tệp phụ lục.")
        workbook = package.read("xl/workbook.xml").decode("utf-8", "replace")
        custom = (package.read("docProps/custom.xml").decode("utf-8", "replace")
                  if "docProps/custom.xml" in package.names else "")
        tables = _tables(package, workbook)
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, ValueError, zlib.error) as exc:
        raise _reject(path, "damaged", f"Tệp bị hỏng, không mở được ({exc.__class__.__name__}). "
                      "Hãy lưu lại tệp trong Excel rồi gửi lại.") from exc
    names = {}
    for attrs, text in _DEFINED_NAME.findall(workbook):
        found = _attrs(attrs)
        if "localSheetId" not in found and text:
            names[found.get("name", "").upper()] = unescape(text)
    props = {}
    for attrs, inner in _CUSTOM_PROPERTY.findall(custom):
        value = _ELEMENT_TEXT.search(inner or "")
        props[_attrs(attrs).get("name", "")] = unescape(value.group(1)) if value else ""
    return names, props, tables


def _open(path: Path, data: bytes) -> calamine.CalamineWorkbook:
    try:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as first:  # noqa: BLE001 - calamine raises several private error types
        text = str(first)
        if re.search(r"password|encrypt", text, re.I):
            raise _reject(path, "encrypted", "Tệp được đặt mật khẩu nên không đọc được. Hãy gỡ mật khẩu "
                          "rồi gửi lại.") from first
        raise _reject(path, "damaged", f"Tệp bị hỏng, không mở được ({text[:120]}). Hãy mở tệp bằng Excel, "
                      "lưu lại rồi gửi lại.") from first


def grid_from_file(path: str | Path) -> Grid:
    """Read every sheet of an Excel file into a ``Grid``.

    Args:
        path: .xlsx, .xlsm, .xls (or .ods) file.

    Returns:
        The grid (values from A1 of every sheet, defined names, custom properties, tables).

    Raises:
        ReturnRejected: empty, too large, encrypted, damaged or not an Excel file.
    """
    return grid_and_core_from_file(path)[0]


def grid_and_core_from_file(path: str | Path, data: bytes | None = None) -> tuple[Grid, bytes | None]:
    """``grid_from_file`` plus the package's ``docProps/core.xml``, read in the same zip pass.

    Args:
        path: .xlsx, .xlsm, .xls (or .ods) file.
        data: its bytes when the caller has read them already (the file is read once).

    Returns:
        (the grid, the bytes of ``docProps/core.xml``: None when the file is not a zip package
        or the part is absent or unreadable).

    Raises:
        ReturnRejected: as ``grid_from_file``.
    """
    path = Path(path)
    data = _read(path) if data is None else data
    kind = _sniff(path, data)
    core: list[bytes | None] = []
    names, props, tables = _zip_parts(path, data, core) if kind == "zip" else ({}, {}, {})
    book = _open(path, data)
    sheets, hidden = {}, set()
    try:
        for meta in book.sheets_metadata:
            if "WorkSheet" not in str(meta.typ):
                continue
            sheets[meta.name] = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            if str(meta.visible).rsplit(".", 1)[-1] != "Visible":
                hidden.add(meta.name)
    except Exception as exc:  # noqa: BLE001 - a broken part inside an otherwise valid zip
        raise _reject(path, "damaged", f"Tệp bị hỏng một phần, không đọc được ({str(exc)[:120]}). "
                      "Hãy mở bằng Excel, lưu lại rồi gửi lại.") from exc
    finally:
        book.close()
    grid = Grid(path.name, sheets, hidden, names, props, tables, has_structure=bool(names))
    return grid, core[0] if core else None
