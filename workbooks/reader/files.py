"""Turn a file on disk into a ``Grid`` (python-calamine), or reject it with a clear reason."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import python_calamine as calamine

from workbooks.reader.grid import Grid, TableRef
from workbooks.reader.model import ReturnRejected

MAX_BYTES = 50 * 1024 * 1024
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "cp": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
       "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"}


def _reject(path: Path, reason: str, message: str) -> ReturnRejected:
    return ReturnRejected(path.name, reason, message)


def _sniff(path: Path) -> str:
    """'zip', 'ole' — or raise ReturnRejected for empty, huge, encrypted, non-Excel files."""
    size = path.stat().st_size
    if size == 0:
        raise _reject(path, "empty", "Tệp rỗng (0 byte). Hãy gửi lại tệp Excel đã điền.")
    if size > MAX_BYTES:
        raise _reject(path, "too_large", f"Tệp quá lớn ({size // 1_048_576} MB). Hãy xóa các sheet, "
                      "hình ảnh không cần thiết rồi gửi lại.")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_ZIP):
        return "zip"
    if head == _OLE:
        data = path.read_bytes()
        if _ENCRYPTED_MARK in data:
            raise _reject(path, "encrypted", "Tệp được đặt mật khẩu nên không đọc được. Hãy gỡ mật khẩu "
                          "(Tệp > Thông tin > Bảo vệ sổ làm việc) rồi gửi lại.")
        return "ole"
    raise _reject(path, "not_excel", "Tệp không phải là tệp Excel (.xlsx, .xlsm, .xls). Hãy gửi đúng "
                  "tệp phụ lục đã điền.")


def _core_xml(zf: zipfile.ZipFile, names_in_zip: set[str]) -> bytes | None:
    """``docProps/core.xml`` of an open package; None when absent or unreadable."""
    if "docProps/core.xml" not in names_in_zip:
        return None
    try:
        return zf.read("docProps/core.xml")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError):
        return None


def _zip_parts(path: Path, core: list[bytes | None] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """Defined names and custom properties of an OOXML package.

    Args:
        path: the package.
        core: when given, ``docProps/core.xml`` (None when absent or unreadable) is appended
            to it, read in the same pass before anything can be rejected.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            names_in_zip = set(zf.namelist())
            if core is not None:
                core.append(_core_xml(zf, names_in_zip))
            if "xl/workbook.xml" not in names_in_zip:
                if "content.xml" in names_in_zip:  # OpenDocument: calamine reads it
                    return {}, {}
                raise _reject(path, "not_excel", "Tệp là tệp nén/Office nhưng không phải bảng tính Excel "
                              "(có thể là tệp Word đổi đuôi). Hãy gửi đúng tệp phụ lục.")
            workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
            custom = zf.read("docProps/custom.xml") if "docProps/custom.xml" in names_in_zip else b""
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, EOFError) as exc:
        raise _reject(path, "damaged", f"Tệp bị hỏng, không mở được ({exc.__class__.__name__}). "
                      "Hãy lưu lại tệp trong Excel rồi gửi lại.") from exc
    names = {}
    for node in workbook.iterfind(".//m:definedName", _NS):
        if node.get("localSheetId") is None and node.text:
            names[node.get("name", "").upper()] = node.text
    props = {}
    if custom:
        for prop in ElementTree.fromstring(custom).iterfind("cp:property", _NS):
            value = next(iter(prop), None)
            props[prop.get("name", "")] = value.text if value is not None and value.text else ""
    return names, props


def _tables(book: calamine.CalamineWorkbook) -> dict[str, TableRef]:
    out = {}
    for name in book.table_names:
        table = book.get_table_by_name(name)
        (r0, c0), (r1, c1) = table.start, table.end
        out[name.lower()] = TableRef(table.sheet, r0 - 1, c0, c1, r1, list(table.columns))
    return out


def _open(path: Path, kind: str) -> calamine.CalamineWorkbook:
    try:
        return calamine.CalamineWorkbook.from_path(str(path), load_tables=kind == "zip")
    except Exception as first:  # noqa: BLE001 - calamine raises several private error types
        if kind == "zip":
            try:  # tables are optional; some writers produce table parts calamine dislikes
                return calamine.CalamineWorkbook.from_path(str(path))
            except Exception:  # noqa: BLE001
                pass
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


def grid_and_core_from_file(path: str | Path) -> tuple[Grid, bytes | None]:
    """``grid_from_file`` plus the package's ``docProps/core.xml``, read in the same zip pass.

    Args:
        path: .xlsx, .xlsm, .xls (or .ods) file.

    Returns:
        (the grid, the bytes of ``docProps/core.xml``: None when the file is not a zip package
        or the part is absent or unreadable).

    Raises:
        ReturnRejected: as ``grid_from_file``.
    """
    path = Path(path)
    kind = _sniff(path)
    core: list[bytes | None] = []
    names, props = _zip_parts(path, core) if kind == "zip" else ({}, {})
    book = _open(path, kind)
    sheets, hidden = {}, set()
    try:
        for meta in book.sheets_metadata:
            if "WorkSheet" not in str(meta.typ):
                continue
            sheets[meta.name] = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            if str(meta.visible).rsplit(".", 1)[-1] != "Visible":
                hidden.add(meta.name)
        tables = _tables(book) if kind == "zip" else {}
    except Exception as exc:  # noqa: BLE001 - a broken part inside an otherwise valid zip
        raise _reject(path, "damaged", f"Tệp bị hỏng một phần, không đọc được ({str(exc)[:120]}). "
                      "Hãy mở bằng Excel, lưu lại rồi gửi lại.") from exc
    finally:
        book.close()
    grid = Grid(path.name, sheets, hidden, names, props, tables, has_structure=bool(names))
    return grid, core[0] if core else None
