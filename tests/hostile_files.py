"""Generators of hostile and odd files: what an attacker, or an unlucky Sở, puts in a folder of returns.

Every generator builds its file from a good return (or from scratch) with the standard library
only, so the corpus is made by the tests themselves. ``KINDS`` lists them by class, each with the
outcomes the reader may give it: rejection reason ids, or ``""`` when the file is still a
readable return (then it carries the good return's own values, so the totals cannot move).

``TreeSampler`` measures the memory the whole process tree of a command holds (sum of RSS of
the process and every descendant, sampled), for the "under 1 GiB" bound.
"""

from __future__ import annotations

import io
import os
import random
import struct
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024
SHEET = "xl/worksheets/sheet2.xml"  # Phụ lục II of a Sơn La 2024 return (an indicator sheet)


# --------------------------------------------------------------------------- zip building blocks


def parts_of(path: Path) -> dict[str, bytes]:
    """Every part of a zip package, in order."""
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_zip(dst: Path, parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A zip package of ``parts`` (the order kept)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (2024, 10, 15, 8, 30, 0)), data, compress_type=compression)
    dst.write_bytes(buf.getvalue())
    return dst


def with_parts(good: Path, dst: Path, changes: dict[str, bytes | None]) -> Path:
    """The good return with some parts replaced, added, or removed (None)."""
    parts = parts_of(good)
    for name, data in changes.items():
        if data is None:
            parts.pop(name, None)
        else:
            parts[name] = data
    return write_zip(dst, parts)


def before_last_close(xml: bytes, insert: bytes) -> bytes:
    """``insert`` placed just before the root element's end tag."""
    at = xml.rindex(b"</")
    return xml[:at] + insert + xml[at:]


def comment_of(repeated: bytes, size: int) -> bytes:
    """A comment of about ``size`` bytes that repeats ``repeated`` (well-formed: no ``--`` inside)."""
    return b"<!--" + repeated * max(1, size // len(repeated)) + b"-->"


def declare_sizes(data: bytes, sizes: dict[str, int]) -> bytes:
    """The zip with the inflated sizes its central directory declares for some parts changed."""
    out = bytearray(data)
    at = out.rfind(b"PK\x05\x06")
    count, _, offset = struct.unpack_from("<HII", out, at + 10)
    for _ in range(count):
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", out, offset + 28)
        name = bytes(out[offset + 46:offset + 46 + name_len]).decode()
        if name in sizes:
            struct.pack_into("<I", out, offset + 24, sizes[name])
            local = struct.unpack_from("<I", out, offset + 42)[0]
            struct.pack_into("<I", out, local + 22, sizes[name])
        offset += 46 + name_len + extra_len + comment_len
    return bytes(out)


def set_flag(data: bytes, flag: int) -> bytes:
    """Every entry of the zip with a general-purpose flag bit set (e.g. 0x1: encrypted)."""
    out = bytearray(data)
    for sig, pos in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
        at = out.find(sig)
        while at >= 0:
            struct.pack_into("<H", out, at + pos, struct.unpack_from("<H", out, at + pos)[0] | flag)
            at = out.find(sig, at + 4)
    return bytes(out)


# --------------------------------------------------------------------------- generators


def _quadratic(part: str, repeated: bytes, size: int) -> Callable[[Path, Path], Path]:
    def make(good: Path, dst: Path) -> Path:
        xml = parts_of(good)[part]
        return with_parts(good, dst, {part: before_last_close(xml, comment_of(repeated, size))})
    return make


def _entities(part: str, kind: str) -> Callable[[Path, Path], Path]:
    """A DTD in a part: external entity (XXE), billion laughs, or a parameter entity."""
    dtds = {
        "xxe": b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        "laughs": b'<!DOCTYPE r [<!ENTITY a "hahahahahahahahahaha">' + b"".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9)) + b"]>",
        "network": b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">',
    }
    ref = {"xxe": b"&x;", "laughs": b"&j;", "network": b""}[kind]

    def make(good: Path, dst: Path) -> Path:
        xml = parts_of(good)[part]
        head_end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
        xml = xml[:head_end] + dtds[kind] + xml[head_end:]
        if ref:
            xml = before_last_close(xml, b"<extra>" + ref + b"</extra>")
        return with_parts(good, dst, {part: xml})
    return make


def deep_nesting(part: str, depth: int) -> Callable[[Path, Path], Path]:
    def make(good: Path, dst: Path) -> Path:
        xml = parts_of(good)[part]
        return with_parts(good, dst, {part: before_last_close(xml, b"<a>" * depth + b"</a>" * depth)})
    return make


def _sheet_edit(edit: Callable[[bytes], bytes], part: str = SHEET) -> Callable[[Path, Path], Path]:
    def make(good: Path, dst: Path) -> Path:
        return with_parts(good, dst, {part: edit(parts_of(good)[part])})
    return make


def _dimension(ref: bytes) -> Callable[[bytes], bytes]:
    def edit(xml: bytes) -> bytes:
        start = xml.index(b"<dimension")
        end = xml.index(b">", start) + 1
        return xml[:start] + b'<dimension ref="' + ref + b'"/>' + xml[end:]
    return edit


def _first_row_cell(ref: bytes) -> Callable[[bytes], bytes]:
    def edit(xml: bytes) -> bytes:
        at = xml.index(b"</row>")
        return xml[:at] + b'<c r="' + ref + b'"><v>1</v></c>' + xml[at:]
    return edit


def _late_far_cell(xml: bytes) -> bytes:
    """No dimension; the far cell only at the end of the sheet (past the bytes read ahead)."""
    start = xml.index(b"<dimension")
    xml = xml[:start] + xml[xml.index(b">", start) + 1:]
    at = xml.rindex(b"</sheetData>")
    return xml[:at] + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>' + xml[at:]


def _far_row(xml: bytes) -> bytes:
    at = xml.index(b"<row ")
    return xml[:at] + b'<row r="900000"><c r="A900000"><v>1</v></c></row>' + xml[at:]


def zeros_part(name: str, size: int) -> Callable[[Path, Path], Path]:
    """A part of ``size`` bytes of one repeated XML text (compresses a thousandfold)."""
    def make(good: Path, dst: Path) -> Path:
        body = b'<?xml version="1.0"?><x>' + b"0" * size + b"</x>"
        return with_parts(good, dst, {name: body})
    return make


def declared_total(good: Path, dst: Path) -> Path:
    """60 small extra parts whose directory declares 3.9 MB each (234 MB in all, none suspicious alone)."""
    extra = {f"xl/media/extra{i}.bin": b"x" * 100 for i in range(60)}
    path = with_parts(good, dst, dict(extra))
    path.write_bytes(declare_sizes(path.read_bytes(), {n: 3_900_000 for n in extra}))
    return path


def lying_sheet(good: Path, dst: Path) -> Path:
    """A sheet whose directory declares 2 KB but inflates to 60 MB (the limits trust the directory)."""
    xml = parts_of(good)[SHEET]
    filler = b"<!--" + b"0" * (60 * MIB) + b"-->"
    path = with_parts(good, dst, {SHEET: before_last_close(xml, filler)})
    path.write_bytes(declare_sizes(path.read_bytes(), {SHEET: 2048}))
    return path


def many_parts(count: int) -> Callable[[Path, Path], Path]:
    def make(good: Path, dst: Path) -> Path:
        return with_parts(good, dst, {f"customXml/item{i}.xml": b"<a/>" for i in range(count)})
    return make


def huge_shared_strings(count: int, length: int) -> Callable[[Path, Path], Path]:
    """Extra shared strings nobody uses: ``count`` random texts of ``length`` characters."""
    def make(good: Path, dst: Path) -> Path:
        parts = parts_of(good)
        rng = random.Random(count)
        alphabet = "abcdefghijklmnopqrstuvwxyzàáạảãăắằẳẵặâấầẩẫậ"
        extra = "".join(f"<si><t>{''.join(rng.choices(alphabet, k=length))}</t></si>" for _ in range(count))
        sst = parts.get("xl/sharedStrings.xml")
        if sst is None:
            return with_parts(good, dst, {})
        return with_parts(good, dst, {"xl/sharedStrings.xml": before_last_close(sst, extra.encode())})
    return make


def one_huge_string(size: int) -> Callable[[Path, Path], Path]:
    def make(good: Path, dst: Path) -> Path:
        sst = parts_of(good)["xl/sharedStrings.xml"]
        return with_parts(good, dst, {"xl/sharedStrings.xml": before_last_close(sst, b"<si><t>" + b"A" * size
                                                                                 + b"</t></si>")})
    return make


def damaged_crc(good: Path, dst: Path) -> Path:
    data = bytearray(good.read_bytes())
    at = data.index(SHEET.encode()) + len(SHEET) + 200  # inside the sheet's compressed data
    data[at] ^= 0xFF
    dst.write_bytes(bytes(data))
    return dst


def truncated(fraction: float) -> Callable[[Path, Path], Path]:
    def make(good: Path, dst: Path) -> Path:
        data = good.read_bytes()
        dst.write_bytes(data[:max(1, int(len(data) * fraction))])
        return dst
    return make


def no_central_directory(good: Path, dst: Path) -> Path:
    data = good.read_bytes()
    dst.write_bytes(data[:data.rfind(b"PK\x01\x02")])
    return dst


def zip_encrypted_flag(good: Path, dst: Path) -> Path:
    dst.write_bytes(set_flag(good.read_bytes(), 0x1))
    return dst


def office_encrypted(good: Path, dst: Path) -> Path:
    """An OLE container with an EncryptionInfo stream name (what Excel writes for a password)."""
    dst.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptionInfo".encode("utf-16-le")
                    + bytes(2048))
    return dst


def ole_garbage(good: Path, dst: Path) -> Path:
    rng = random.Random(7)
    dst.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + rng.randbytes(20_000))
    return dst


def random_bytes(good: Path, dst: Path) -> Path:
    dst.write_bytes(random.Random(3).randbytes(30_000))
    return dst


def empty(good: Path, dst: Path) -> Path:
    dst.write_bytes(b"")
    return dst


def zip_not_office(good: Path, dst: Path) -> Path:
    return write_zip(dst, {"readme.txt": "Báo cáo".encode(), "data/a.csv": b"1,2,3\n"})


def no_workbook_part(good: Path, dst: Path) -> Path:
    return with_parts(good, dst, {"xl/workbook.xml": None})


def nul_in_workbook(good: Path, dst: Path) -> Path:
    xml = parts_of(good)["xl/workbook.xml"]
    return with_parts(good, dst, {"xl/workbook.xml": before_last_close(xml, b"<x>\x00\x00</x>")})


def wrong_encoding(good: Path, dst: Path) -> Path:
    xml = parts_of(good)["xl/workbook.xml"].replace(b'encoding="UTF-8"', b'encoding="UTF-16"', 1)
    return with_parts(good, dst, {"xl/workbook.xml": xml})


def path_traversal(good: Path, dst: Path) -> Path:
    return with_parts(good, dst, {"../../../tmp/cchc_evil.txt": b"evil", "/etc/cchc_evil": b"evil"})


def rels_outside(good: Path, dst: Path) -> Path:
    rels = parts_of(good)["xl/_rels/workbook.xml.rels"].replace(b'Target="worksheets/sheet2.xml"',
                                                                 b'Target="../../../../etc/passwd"')
    return with_parts(good, dst, {"xl/_rels/workbook.xml.rels": rels})


def prefixed(good: Path, dst: Path) -> Path:
    dst.write_bytes(b"MZ" + bytes(4096) + good.read_bytes())
    return dst


def stored_uncompressed(good: Path, dst: Path) -> Path:
    return write_zip(dst, parts_of(good), zipfile.ZIP_STORED)


def styles_bomb(good: Path, dst: Path) -> Path:
    styles = parts_of(good)["xl/styles.xml"]
    return with_parts(good, dst, {"xl/styles.xml": before_last_close(styles, comment_of(b"<xf/>", 30 * MIB))})


def huge_row_text(good: Path, dst: Path) -> Path:
    """One inline-string cell of 2 MB of letters in the first row (beside the form's columns)."""
    text = "".join(random.Random(5).choices("abcdefghijklmnopqrstuvwxyz ", k=2 * MIB)).encode()

    def edit(xml: bytes) -> bytes:
        at = xml.index(b"</row>")
        return xml[:at] + b'<c r="Z1" t="inlineStr"><is><t>' + text + b"</t></is></c>" + xml[at:]
    return _sheet_edit(edit)(good, dst)


def duplicate_entries(good: Path, dst: Path) -> Path:
    """Two entries named xl/workbook.xml (the second one empty)."""
    buf = io.BytesIO(good.read_bytes())
    with zipfile.ZipFile(buf, "a") as zf, __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore")
        zf.writestr("xl/workbook.xml", b"<workbook/>")
    dst.write_bytes(buf.getvalue())
    return dst


def not_excel_pdf(good: Path, dst: Path) -> Path:
    dst.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    return dst


def text_file(good: Path, dst: Path) -> Path:
    dst.write_text("Kính gửi Sở Nội vụ\n", encoding="utf-8")
    return dst


# OpenDocument and .xls variants (``good`` is then a LibreOffice .ods / .xls of the good return)

def write_ods(dst: Path, parts: dict[str, bytes]) -> Path:
    """An OpenDocument package: ``mimetype`` first and stored, the rest deflated."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in parts.items():
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            zf.writestr(zipfile.ZipInfo(name, (2024, 10, 15, 8, 30, 0)), data, compress_type=method)
    dst.write_bytes(buf.getvalue())
    return dst


def ods_content(edit: Callable[[bytes], bytes]) -> Callable[[Path, Path], Path]:
    def make(good: Path, dst: Path) -> Path:
        parts = parts_of(good)
        parts["content.xml"] = edit(parts["content.xml"])
        return write_ods(dst, parts)
    return make


def _ods_laughs(xml: bytes) -> bytes:
    head_end = xml.index(b"?>") + 2
    dtd = b'<!DOCTYPE r [<!ENTITY a "haha">' + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9)) + b"]>"
    return xml[:head_end] + dtd + xml[head_end:]


def _ods_far_cells(xml: bytes) -> bytes:
    """A value repeated over 16,384 columns of 1,048,576 rows (what calamine would expand)."""
    at = xml.index(b"</table:table>")
    row = (b'<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
           b'table:number-columns-repeated="16000" office:value-type="float" office:value="1">'
           b"<text:p>1</text:p></table:table-cell></table:table-row>")
    return xml[:at] + row + xml[at:]


def ods_bomb(good: Path, dst: Path) -> Path:
    parts = parts_of(good)
    parts["content.xml"] = before_last_close(parts["content.xml"], comment_of(b"0", 110 * MIB))
    return write_ods(dst, parts)


def ods_mimetype_only(good: Path, dst: Path) -> Path:
    return write_ods(dst, {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})


def copy_as_is(good: Path, dst: Path) -> Path:
    dst.write_bytes(good.read_bytes())
    return dst


def ole_truncated(good: Path, dst: Path) -> Path:
    data = good.read_bytes()
    dst.write_bytes(data[:len(data) // 3])
    return dst


def ole_zeroed_middle(good: Path, dst: Path) -> Path:
    data = bytearray(good.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 4096] = bytes(min(4096, len(data) - mid))
    dst.write_bytes(bytes(data))
    return dst


@dataclass(frozen=True)
class Kind:
    """One kind of hostile or odd file.

    Attributes:
        name: the file name stem (also the test id).
        cls: the class it belongs to (for the benchmark table).
        make: (good file, destination) -> the file written.
        outcomes: reasons the reader may give ("" = read as a return, with the good values).
        source: which good file it is made from: "xlsx", "ods" or "xls".
        suffix: the file's suffix.
    """

    name: str
    cls: str
    make: Callable[[Path, Path], Path]
    outcomes: frozenset[str]
    source: str = "xlsx"
    suffix: str = ".xlsx"


def _k(name: str, cls: str, make: Callable[[Path, Path], Path], *outcomes: str, source: str = "xlsx",
       suffix: str = ".xlsx") -> Kind:
    return Kind(name, cls, make, frozenset(outcomes), source, suffix)


_SAFE_XML = ("unsafe_xml",)
_READ = ("",)
KINDS: tuple[Kind, ...] = (
    # quadratic for regular expressions, linear for an XML parser: read as the good return
    _k("quadratic_workbook_46k", "xml_quadratic", _quadratic("xl/workbook.xml", b"<definedName ", 46_000), *_READ),
    _k("quadratic_workbook_127k", "xml_quadratic", _quadratic("xl/workbook.xml", b"<definedName ", 127_000), *_READ),
    _k("quadratic_workbook_254k", "xml_quadratic", _quadratic("xl/workbook.xml", b"<definedName ", 254_000), *_READ),
    _k("quadratic_workbook_508k", "xml_quadratic", _quadratic("xl/workbook.xml", b"<definedName ", 508_000), *_READ),
    _k("quadratic_custom_254k", "xml_quadratic", _quadratic("docProps/custom.xml", b"<property>", 254_000), *_READ),
    _k("quadratic_core_254k", "xml_quadratic", _quadratic("docProps/core.xml", b"<dcterms:modified ", 254_000),
       *_READ),
    _k("quadratic_rels_254k", "xml_quadratic", _quadratic("xl/_rels/workbook.xml.rels", b"<Relationship ", 254_000),
       *_READ),
    # entities and DTDs: refused, never expanded or fetched
    _k("xxe_workbook", "xml_entities", _entities("xl/workbook.xml", "xxe"), *_SAFE_XML),
    _k("laughs_workbook", "xml_entities", _entities("xl/workbook.xml", "laughs"), *_SAFE_XML),
    _k("laughs_custom", "xml_entities", _entities("docProps/custom.xml", "laughs"), *_SAFE_XML),
    _k("dtd_network_rels", "xml_entities", _entities("xl/_rels/workbook.xml.rels", "network"), *_SAFE_XML),
    _k("laughs_core", "xml_entities", _entities("docProps/core.xml", "laughs"), *_READ),  # no saved time, still read
    _k("laughs_sheet", "xml_entities", _entities(SHEET, "laughs"), *_SAFE_XML),
    _k("deep_nesting_workbook", "xml_deep", deep_nesting("xl/workbook.xml", 100_000), *_SAFE_XML),
    _k("deep_nesting_custom", "xml_deep", deep_nesting("docProps/custom.xml", 50_000), *_SAFE_XML),
    _k("nul_in_workbook", "xml_malformed", nul_in_workbook, *_SAFE_XML),
    _k("wrong_encoding_workbook", "xml_malformed", wrong_encoding, *_SAFE_XML),
    # zip bombs
    _k("bomb_part_110mb", "zip_bomb", zeros_part("xl/media/image1.xml", 110 * MIB), "part_too_large"),
    _k("bomb_ratio_sheet", "zip_bomb", zeros_part("xl/worksheets/sheet9.xml", 40 * MIB), "compression_ratio"),
    _k("bomb_declared_total", "zip_bomb", declared_total, "inflated_too_large"),
    _k("bomb_styles", "zip_bomb", styles_bomb, "compression_ratio"),
    _k("bomb_lying_sheet", "zip_bomb", lying_sheet, "damaged", "damaged_sheet", "memory", "timeout", "crashed"),
    _k("many_parts_5000", "many_parts", many_parts(5000), "too_many_parts"),
    _k("many_parts_1500", "many_parts", many_parts(1500), *_READ),
    # cells far away
    _k("far_dimension", "far_cells", _sheet_edit(_dimension(b"A1:XFD1048576")), "far_cells"),
    _k("far_cell_first_row", "far_cells", _sheet_edit(_first_row_cell(b"XFD1")), "far_cells"),
    _k("far_row_first", "far_cells", _sheet_edit(_far_row), "far_cells"),
    _k("far_cell_late_no_dimension", "far_cells", _sheet_edit(_late_far_cell), "memory", "crashed", "timeout",
       "damaged_sheet"),
    # big texts
    _k("shared_strings_50k", "huge_strings", huge_shared_strings(50_000, 40), *_READ),
    _k("one_string_60mb", "huge_strings", one_huge_string(60 * MIB), "compression_ratio"),
    _k("inline_text_row", "huge_strings", huge_row_text, *_READ),
    # damaged packages
    _k("damaged_crc", "damaged_zip", damaged_crc, "damaged", "damaged_sheet"),
    _k("truncated_half", "damaged_zip", truncated(0.5), "damaged"),
    _k("truncated_100_bytes", "damaged_zip", truncated(100 / 40_000), "damaged"),
    _k("no_central_directory", "damaged_zip", no_central_directory, "damaged"),
    _k("zip_encrypted_flag", "damaged_zip", zip_encrypted_flag, "encrypted"),
    _k("duplicate_entries", "damaged_zip", duplicate_entries, "", "damaged", "unknown_form"),
    _k("prefixed_archive", "damaged_zip", prefixed, "not_excel"),  # a self-extracting program
    _k("stored_uncompressed", "damaged_zip", stored_uncompressed, *_READ),
    _k("path_traversal_names", "damaged_zip", path_traversal, *_READ),
    _k("rels_outside_package", "damaged_zip", rels_outside, "damaged", "damaged_sheet", "unknown_form", ""),
    # not a return at all
    _k("empty", "not_a_return", empty, "empty"),
    _k("random_bytes", "not_a_return", random_bytes, "not_excel"),
    _k("pdf_renamed", "not_a_return", not_excel_pdf, "not_excel"),
    _k("text_renamed", "not_a_return", text_file, "not_excel"),
    _k("zip_not_office", "not_a_return", zip_not_office, "not_excel"),
    _k("no_workbook_part", "not_a_return", no_workbook_part, "not_excel"),
    _k("office_encrypted", "not_a_return", office_encrypted, "encrypted"),
    _k("ole_garbage", "not_a_return", ole_garbage, "damaged"),
    # OpenDocument variants (made from LibreOffice's .ods of the good return)
    _k("ods_as_saved", "ods", copy_as_is, *_READ, source="ods", suffix=".ods"),
    _k("ods_renamed_xlsx", "ods", copy_as_is, *_READ, source="ods", suffix=".xlsx"),
    _k("ods_truncated", "ods", truncated(0.6), "damaged", source="ods", suffix=".ods"),
    _k("ods_laughs", "ods", ods_content(_ods_laughs), "unsafe_xml", source="ods", suffix=".ods"),
    _k("ods_bomb", "ods", ods_bomb, "part_too_large", "compression_ratio", source="ods", suffix=".ods"),
    # python-calamine refuses more than 10^8 OpenDocument cells itself (an error at opening: "damaged")
    _k("ods_far_cells", "ods", ods_content(_ods_far_cells), "damaged", "memory", "crashed", "timeout",
       "damaged_sheet", source="ods", suffix=".ods"),
    _k("ods_mimetype_only", "ods", ods_mimetype_only, "damaged", "not_excel", source="ods", suffix=".ods"),
    # .xls variants (made from LibreOffice's .xls of the good return)
    _k("xls_as_saved", "xls", copy_as_is, *_READ, source="xls", suffix=".xls"),
    _k("xls_renamed_xlsx", "xls", copy_as_is, *_READ, source="xls", suffix=".xlsx"),
    _k("xls_truncated", "xls", ole_truncated, "damaged", "damaged_sheet", source="xls", suffix=".xls"),
    _k("xls_zeroed_middle", "xls", ole_zeroed_middle, "damaged", "damaged_sheet", "unknown_form", "",
       source="xls", suffix=".xls"),
)


def build(kinds: tuple[Kind, ...], goods: dict[str, Path], folder: Path) -> dict[str, Kind]:
    """Write every kind into ``folder``; file name -> kind."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Kind] = {}
    for kind in kinds:
        name = f"hostile_{kind.name}{kind.suffix}"
        kind.make(goods[kind.source], folder / name)
        out[name] = kind
    return out


# --------------------------------------------------------------------------- measuring a command


def _tree_rss(root: int) -> int:
    """Bytes of resident memory held by ``root`` and every descendant process now."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21]) * page
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += [child for child, parent in parents.items() if parent == pid]
    return total


class TreeSampler:
    """The most memory the process tree under this process held while the block ran (bytes)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._base = 0

    def __enter__(self) -> TreeSampler:
        self._base = _tree_rss(os.getpid())
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(os.getpid()) - self._base)
            time.sleep(self.interval)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """File -> (mtime_ns, SHA-256 of its bytes) of every file under ``folder``."""
    import hashlib

    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            out[str(path.relative_to(folder))] = (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
    return out


__all__ = ["KINDS", "Kind", "TreeSampler", "build", "snapshot"]
