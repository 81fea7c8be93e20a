"""The parts of a zip package (.xlsx) read from the file's bytes, with ``zipfile`` as the fallback.

The reader needs a few small parts of every return (workbook.xml, the relationships, custom
and core properties, table definitions). ``zipfile`` spends more time building its objects
than inflating those parts; for the ordinary package written by Excel, LibreOffice or
xlsxwriter the central directory is walked here with ``struct`` and each part is inflated with
``zlib`` (CRC checked, as ``zipfile`` does). Anything unusual (ZIP64, encryption, another
compression method, data before the archive, an inconsistent directory) is left to ``zipfile``,
which also raises the errors a damaged file gives.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import Protocol

_END = b"PK\x05\x06"
_END_SIZE = 22
_ENTRY = b"PK\x01\x02"
# Central directory entry: signature, flags, method, CRC, compressed size, size, name / extra /
# comment lengths, local header offset (versions, times and attributes skipped).
_ENTRY_FORMAT = struct.Struct("<4s4xHH4xIIIHHH8xI")
_LOCAL = b"PK\x03\x04"
_STORED, _DEFLATED = 0, 8


class Package(Protocol):
    """What the reader needs of a zip package."""

    names: set[str]

    def read(self, name: str) -> bytes:
        """The uncompressed bytes of a part (KeyError when absent)."""
        ...

    def sizes(self) -> dict[str, tuple[int, int]]:
        """Part name -> (compressed size, inflated size), as the central directory declares them."""
        ...

    def head(self, name: str, length: int) -> bytes:
        """The first ``length`` inflated bytes of a part (at most), without inflating the rest."""
        ...


class _Parts:
    """A package whose central directory was read here: part name -> where its data lies."""

    def __init__(self, data: bytes, entries: dict[str, tuple[int, int, int, int, int]]) -> None:
        self._data = data
        self._entries = entries
        self.names = set(entries)
        self._sizes: dict[str, tuple[int, int]] | None = None

    def _raw(self, name: str) -> tuple[int, int, int, bytes]:
        """(method, CRC, inflated size, compressed bytes) of a part."""
        method, crc, size, length, offset = self._entries[name]
        data = self._data
        if data[offset:offset + 4] != _LOCAL:
            raise zipfile.BadZipFile(f"Bad local header for {name}")
        name_length, extra_length = struct.unpack_from("<HH", data, offset + 26)
        start = offset + 30 + name_length + extra_length
        return method, crc, length, data[start:start + size]

    def read(self, name: str) -> bytes:
        method, crc, length, raw = self._raw(name)
        try:
            # never more than the directory declares (the limits were checked against it)
            out = zlib.decompressobj(-15).decompress(raw, length + 1) if method == _DEFLATED else raw
        except zlib.error as exc:
            raise zipfile.BadZipFile(f"Damaged part {name}: {exc}") from exc
        if len(out) != length or zlib.crc32(out) != crc:
            raise zipfile.BadZipFile(f"Bad CRC-32 for {name}")
        return out

    def sizes(self) -> dict[str, tuple[int, int]]:
        if self._sizes is None:
            self._sizes = {name: (e[2], e[3]) for name, e in self._entries.items()}
        return self._sizes

    def head(self, name: str, length: int) -> bytes:
        method, _, _, raw = self._raw(name)
        if method != _DEFLATED:
            return raw[:length]
        try:
            return zlib.decompressobj(-15).decompress(raw, length)
        except zlib.error as exc:
            raise zipfile.BadZipFile(f"Damaged part {name}: {exc}") from exc


class _ZipParts:
    """A package read through ``zipfile``."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self._zf = zf
        self.names = set(zf.namelist())

    def read(self, name: str) -> bytes:
        return self._zf.read(name)

    def sizes(self) -> dict[str, tuple[int, int]]:
        return {i.filename: (i.compress_size, i.file_size) for i in self._zf.infolist()}

    def head(self, name: str, length: int) -> bytes:
        with self._zf.open(name) as part:
            return part.read(length)


def _directory(data: bytes) -> dict[str, tuple[int, int, int, int, int]] | None:
    """Part name -> (method, CRC, compressed size, size, local header offset), or None when
    the package is not the ordinary kind (then ``zipfile`` reads it)."""
    end = data.rfind(_END, max(0, len(data) - 65_557))
    if end < 0 or end + _END_SIZE > len(data):
        return None
    count, dir_size, dir_offset = struct.unpack_from("<8xHII", data, end + 2)
    if dir_offset + dir_size != end or count == 0xFFFF or dir_offset == 0xFFFFFFFF:
        return None  # ZIP64, or bytes before or after the archive
    entries: dict[str, tuple[int, int, int, int, int]] = {}
    at = dir_offset
    for _ in range(count):
        if at + 46 > end:
            return None
        sig, flags, method, crc, size, length, name_length, extra_length, comment_length, offset = (
            _ENTRY_FORMAT.unpack_from(data, at))
        if sig != _ENTRY or flags & 0x1 or method not in (_STORED, _DEFLATED) or 0xFFFFFFFF in (size, length,
                                                                                               offset):
            return None
        name = data[at + 46:at + 46 + name_length].decode("utf-8" if flags & 0x800 else "cp437")
        entries[name] = (method, crc, size, length, offset)
        at += 46 + name_length + extra_length + comment_length
    return entries if at == end else None


def open_package(data: bytes) -> Package:
    """Open a zip package for reading its parts.

    Args:
        data: the file's bytes (returns are small: read whole).

    Returns:
        The package.

    Raises:
        zipfile.BadZipFile: the bytes are not a readable zip package.
    """
    entries = _directory(data)
    if entries is not None:
        return _Parts(data, entries)
    return _ZipParts(zipfile.ZipFile(io.BytesIO(data)))
