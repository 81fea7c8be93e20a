"""Reading the parts of a zip package: the quick path gives what ``zipfile`` gives, or hands over."""

import zipfile
from pathlib import Path

import pytest

from workbooks.reader.package import _Parts, _ZipParts, open_package

PARTS = {"xl/workbook.xml": "<workbook>Phụ lục II</workbook>" * 40, "docProps/core.xml": "<core/>",
         "[Content_Types].xml": "<Types/>"}


def _package(path: Path, compression: int = zipfile.ZIP_DEFLATED, prefix: bytes = b"") -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, text in PARTS.items():
            zf.writestr(name, text)
    if prefix:
        path.write_bytes(prefix + path.read_bytes())
    return path


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_ordinary_package_is_read_directly(tmp_path, compression):
    package = open_package(_package(tmp_path / "a.xlsx", compression).read_bytes())
    assert isinstance(package, _Parts)
    assert package.names == set(PARTS)
    assert {name: package.read(name).decode() for name in PARTS} == PARTS
    with pytest.raises(KeyError):
        package.read("xl/khong_co.xml")


def test_unusual_package_is_left_to_zipfile(tmp_path):
    """Bytes before the archive (a self-extracting file): zipfile copes, the quick path steps aside."""
    package = open_package(_package(tmp_path / "b.xlsx", prefix=b"MZ" + bytes(100)).read_bytes())
    assert isinstance(package, _ZipParts)
    assert package.read("docProps/core.xml") == b"<core/>"


def test_damaged_part_is_an_error_not_garbage(tmp_path):
    path = _package(tmp_path / "c.xlsx")
    data = bytearray(path.read_bytes())
    at = data.index(b"xl/workbook.xml") + len("xl/workbook.xml") + 20  # inside its compressed data
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    package = open_package(path.read_bytes())
    with pytest.raises(zipfile.BadZipFile):
        package.read("xl/workbook.xml")
    assert package.read("docProps/core.xml") == b"<core/>"


def test_not_a_zip(tmp_path):
    path = tmp_path / "d.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(50))
    with pytest.raises(zipfile.BadZipFile):
        open_package(path.read_bytes())
