"""The unit registry: which reporting units exist and which forms each one must send back.

A registry is a CSV (UTF-8, with or without BOM; ``,`` ``;`` or tab separated) or an XLSX file
(first sheet) with the header row ``code,name,level,parent_code,forms``:

* ``code``: the unit's stable code, kept as text (leading zeros matter: ward ``03646``);
* ``name``: the unit's name as users know it (normalised to Unicode NFC);
* ``level``: one of the level codes of ``levels.yaml`` (``tinh``, ``so_nganh``, ``huyen``,
  ``phong_huyen``, ``xa``);
* ``parent_code`` (optional column): code of the parent unit, which must be in the same registry;
* ``forms`` (optional column): form ids separated by ``;``. Empty means "every form whose levels
  include the unit's level".

Registries made from ``vietnam-provinces`` (:func:`province_registry`) use these codes:

* the province (level ``tinh``): ``P`` + the two-digit official province code, e.g. ``P14`` for
  Sơn La, ``P01`` for Hà Nội;
* departments and agencies (level ``so_nganh``): the short codes of ``registries/departments.yaml``
  (``SNV``, ``STP``, ...), parent = the province;
* wards, communes and special zones (level ``xa``): the official five-digit code as text, e.g.
  ``03646`` for Phường Tô Hiệu, parent = the province.

Command line (reproduces the shipped samples)::

    python -m workbooks.registry --province "Sơn La" --out workbooks/registries/sonla.csv
    python -m workbooks.registry --check my_units.xlsx
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import re
import sys
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from xlsxwriter.utility import xl_col_to_name

from workbooks.catalog.loader import load_yaml

if TYPE_CHECKING:  # imported where used: openpyxl and the ward list cost 0.15 s to import
    from vietnam_provinces import Province

COLUMNS: tuple[str, ...] = ("code", "name", "level", "parent_code", "forms")
REQUIRED_COLUMNS: tuple[str, ...] = ("code", "name", "level")
PROVINCE_CODE_PREFIX = "P"
LEVELS_FILE = Path(str(resources.files("workbooks") / "levels.yaml"))
DEPARTMENTS_FILE = Path(str(resources.files("workbooks") / "registries" / "departments.yaml"))

# Header spellings accepted besides the canonical names (compared after removing accents).
_HEADER_ALIASES: dict[str, str] = {
    "ma": "code", "ma don vi": "code", "ma dv": "code",
    "ten": "name", "ten don vi": "name", "don vi": "name",
    "cap": "level", "cap don vi": "level",
    "parent": "parent_code", "parent code": "parent_code", "ma cap tren": "parent_code",
    "ma don vi cap tren": "parent_code",
    "bieu mau": "forms", "phu luc": "forms", "form": "forms",
}
_FORM_ID_RE = re.compile(r"^[a-z0-9-]+$")
_DEPARTMENT_CODE_RE = re.compile(r"^[A-Z]+$")
_PROVINCE_PREFIXES: tuple[str, ...] = ("uy ban nhan dan ", "ubnd ", "tinh ", "thanh pho ", "tp ")


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Unit:
    """One reporting unit.

    Attributes:
        code: stable code, text (leading zeros kept).
        name: name, Unicode NFC.
        level: level code from ``levels.yaml``.
        parent_code: code of the parent unit, or None.
        forms: form ids this unit fills; empty = every form of its level.
    """

    code: str
    name: str
    level: str
    parent_code: str | None = None
    forms: tuple[str, ...] = ()

    def fills(self, form_id: str, form_levels: Iterable[str]) -> bool:
        """Tell whether this unit must send back a form.

        Args:
            form_id: the form's id.
            form_levels: the levels the form is meant for.

        Returns:
            True when ``forms`` lists the form, or ``forms`` is empty and the level matches.
        """
        if self.forms:
            return form_id in self.forms
        return self.level in set(form_levels)


@dataclass(frozen=True)
class RegistryProblem:
    """One problem found in a registry file (row and column as a spreadsheet user sees them)."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", dòng {self.row}"
        if self.column:
            where += f", cột {self.column}"
        return f"{where}: {self.message}"


class RegistryError(ValueError):
    """A registry file cannot be used. ``problems`` lists every problem found, in Vietnamese.

    Attributes:
        problems: one message per problem, e.g.
            "units.csv, dòng 7, cột A (code): mã đơn vị '26734' bị trùng với dòng 3."
        details: the same problems as :class:`RegistryProblem` (file, row, column, message).
    """

    def __init__(self, details: Sequence[RegistryProblem]) -> None:
        self.details: list[RegistryProblem] = list(details)
        self.problems: list[str] = [str(p) for p in self.details]
        super().__init__(_error_text(self.details))


def _error_text(details: Sequence[RegistryProblem]) -> str:
    """Build the message of a :class:`RegistryError`.

    Args:
        details: the problems.

    Returns:
        One line for a single problem, else a heading and one bullet per problem.
    """
    if len(details) == 1:
        return str(details[0])
    if not details:
        return "Danh sách đơn vị có lỗi."
    head = f"{details[0].file}: danh sách đơn vị có {len(details)} lỗi:"
    return "\n".join([head, *(f"- {p}" for p in details)])


class Registry:
    """The units of one registry, in file order.

    Attributes:
        units: all units.
        source: the file it was read from, if any.
    """

    def __init__(self, units: Iterable[Unit], source: Path | None = None) -> None:
        self.units: list[Unit] = list(units)
        self.source = source
        self._by_code: dict[str, Unit] = {u.code: u for u in self.units}

    def __len__(self) -> int:
        return len(self.units)

    def __iter__(self) -> Iterator[Unit]:
        return iter(self.units)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code.strip() in self._by_code

    def by_code(self, code: str) -> Unit | None:
        """Find a unit.

        Args:
            code: the unit code (surrounding spaces ignored).

        Returns:
            The unit, or None when no unit has this code.
        """
        return self._by_code.get(str(code).strip())

    def expected_for(self, form_id: str, form_levels: Iterable[str]) -> list[Unit]:
        """List the units that must send back a form.

        Args:
            form_id: the form's id.
            form_levels: the levels the form is meant for.

        Returns:
            Units whose ``forms`` lists the form, or whose ``forms`` is empty and whose level is in
            ``form_levels``; in registry order.
        """
        levels = set(form_levels)
        return [u for u in self.units if u.fills(form_id, levels)]

    @property
    def parents(self) -> dict[str, list[Unit]]:
        """Children grouped by parent.

        Returns:
            Parent code -> its child units (registry order), for every unit that has children.
        """
        groups: dict[str, list[Unit]] = {}
        for unit in self.units:
            if unit.parent_code:
                groups.setdefault(unit.parent_code, []).append(unit)
        return groups

    def children(self, code: str) -> list[Unit]:
        """List the direct children of a unit.

        Args:
            code: the parent's code.

        Returns:
            The units whose ``parent_code`` is ``code``.
        """
        return self.parents.get(code, [])


# --------------------------------------------------------------------------- levels and text


def known_levels() -> dict[str, str]:
    """Read the level codes.

    Returns:
        Level code -> Vietnamese label, from ``levels.yaml``, in file order.
    """
    data = load_yaml(LEVELS_FILE.read_text(encoding="utf-8"))
    return {item["code"]: item["label"] for item in data["levels"]}


def normalize_name(text: str) -> str:
    """Normalise a name: Unicode NFC, no-break spaces to spaces, single spaces, stripped.

    Args:
        text: raw text.

    Returns:
        The normalised text.
    """
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return " ".join(text.split())


def fold(text: str) -> str:
    """Reduce text to lower-case ASCII words, for accent- and case-insensitive matching.

    Args:
        text: any text ("Tỉnh Sơn La").

    Returns:
        The folded text ("tinh son la").
    """
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# --------------------------------------------------------------------------- reading files


def _fail(path: Path, message: str, row: int | None = None) -> RegistryError:
    """Make a one-problem error about a whole file.

    Args:
        path: the file.
        message: what is wrong, in Vietnamese.
        row: the row, if one row is to blame.

    Returns:
        The error, to be raised by the caller.
    """
    return RegistryError([RegistryProblem(path.name, message, row)])


def _decode(data: bytes, path: Path) -> str:
    """Decode CSV bytes: UTF-16 with BOM, UTF-8 (BOM or not), else Windows Vietnamese (cp1258).

    Args:
        data: the file's bytes.
        path: the file, for messages.

    Returns:
        The text.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _fail(path, "không đọc được bảng mã của tệp; hãy lưu lại dạng 'CSV UTF-8'.")


def _sniff_delimiter(header_line: str) -> str:
    """Pick the separator used in the header line.

    Args:
        header_line: the first line of the file.

    Returns:
        ``,``, ``;`` or a tab (``,`` when none occurs).
    """
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(path: Path) -> list[list[str]]:
    """Read a CSV file as rows of text cells.

    Args:
        path: the file.

    Returns:
        The rows, header first.
    """
    text = _decode(path.read_bytes(), path)
    delimiter = _sniff_delimiter(text.split("\n", 1)[0])
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _cell_text(value: object, number_format: str | None) -> str:
    """Turn an XLSX cell value into text; whole numbers lose no leading zeros shown by a "000" format.

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
    """Read the first sheet of an XLSX file as rows of text cells.

    Args:
        path: the file.

    Returns:
        The rows, header first.
    """
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (openpyxl.utils.exceptions.InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise _fail(path, f"không mở được tệp Excel ({exc}).") from exc
    try:
        sheet = book.worksheets[0]
        return [[_cell_text(c.value, getattr(c, "number_format", None)) for c in row]
                for row in sheet.iter_rows()]
    finally:
        book.close()


def _read_rows(path: Path) -> list[list[str]]:
    """Read a registry file of any supported kind.

    Args:
        path: a .csv/.txt or .xlsx/.xlsm file.

    Returns:
        The rows, header first.
    """
    if not path.is_file():
        raise _fail(path, "không tìm thấy tệp.")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt"):
        return _read_csv(path)
    raise _fail(path, f"không đọc được tệp '{suffix}'; hãy lưu danh sách dạng .csv (UTF-8) hoặc .xlsx.")


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Header:
    """Where each known column is, and how to name it in messages."""

    index: dict[str, int]
    labels: dict[str, str]

    def cell(self, row: Sequence[str], column: str) -> str:
        """Get a cell of a row as text ("" when the column or cell is absent)."""
        i = self.index.get(column)
        if i is None or i >= len(row):
            return ""
        return row[i] or ""


def _canonical_column(text: str) -> str | None:
    """Map a header cell to a column name.

    Args:
        text: the header cell.

    Returns:
        One of :data:`COLUMNS`, or None for a column the registry does not use.
    """
    key = fold(text)
    if key.replace(" ", "_") in COLUMNS:
        return key.replace(" ", "_")
    return _HEADER_ALIASES.get(key)


def _parse_header(header: Sequence[str], path: Path) -> _Header:
    """Find the columns in the header row (row 1).

    Args:
        header: the first row.
        path: the file, for messages.

    Returns:
        The column positions.
    """
    index: dict[str, int] = {}
    labels: dict[str, str] = {}
    problems: list[RegistryProblem] = []
    for i, text in enumerate(header):
        column = _canonical_column(text or "")
        if column is None:
            continue
        letter = xl_col_to_name(i)
        if column in index:
            message = f"cột '{column}' xuất hiện hai lần (cột {labels[column]} và cột {letter})."
            problems.append(RegistryProblem(path.name, message, 1, letter))
            continue
        index[column] = i
        labels[column] = f"{letter} ({text.strip()})"
    for column in REQUIRED_COLUMNS:
        if column not in index:
            message = f"thiếu cột bắt buộc '{column}'. Dòng tiêu đề cần có các cột: {', '.join(COLUMNS)}."
            problems.append(RegistryProblem(path.name, message, 1))
    if problems:
        raise RegistryError(problems)
    return _Header(index, labels)


def _split_forms(text: str) -> tuple[str, ...]:
    """Split a forms cell ("sonla-2024; tuangiao-2024") into distinct lower-case ids.

    Args:
        text: the cell.

    Returns:
        The ids, in order, without repeats.
    """
    ids = [part.strip().lower() for part in re.split(r"[;,\s]+", text) if part.strip()]
    return tuple(dict.fromkeys(ids))


def _levels_hint(levels: dict[str, str]) -> str:
    """List the allowed levels with their labels, for messages.

    Args:
        levels: level code -> label.

    Returns:
        e.g. "tinh (UBND tỉnh ...), so_nganh (Sở, ban, ngành cấp tỉnh), ...".
    """
    return ", ".join(f"{code} ({label})" for code, label in levels.items())


class _RowParser:
    """Turns data rows into units, collecting problems instead of stopping at the first."""

    def __init__(self, path: Path, header: _Header, levels: dict[str, str]) -> None:
        self.path = path
        self.header = header
        self.levels = levels
        self.problems: list[RegistryProblem] = []
        self.seen: dict[str, int] = {}
        self.parent_refs: list[tuple[int, str, str]] = []

    def problem(self, row: int, column: str | None, message: str) -> None:
        """Record a problem in a cell."""
        label = self.header.labels.get(column) if column else None
        self.problems.append(RegistryProblem(self.path.name, message, row, label))

    def parse(self, row_no: int, row: Sequence[str]) -> Unit | None:
        """Check one data row.

        Args:
            row_no: the spreadsheet row number (header = 1).
            row: the cells.

        Returns:
            The unit, or None when the row has problems (they are recorded).
        """
        before = len(self.problems)
        code = self._code(row_no, row)
        name = normalize_name(self.header.cell(row, "name"))
        if not name:
            self.problem(row_no, "name", "tên đơn vị để trống.")
        level = self._level(row_no, row)
        parent = normalize_name(self.header.cell(row, "parent_code")) or None
        if parent is not None:
            self.parent_refs.append((row_no, code or "", parent))
        forms = self._forms(row_no, row)
        if len(self.problems) > before or code is None or level is None:
            return None
        return Unit(code=code, name=name, level=level, parent_code=parent, forms=forms)

    def _code(self, row_no: int, row: Sequence[str]) -> str | None:
        code = normalize_name(self.header.cell(row, "code"))
        if not code:
            self.problem(row_no, "code", "mã đơn vị để trống.")
            return None
        if " " in code:
            self.problem(row_no, "code", f"mã đơn vị '{code}' có khoảng trắng; mã phải viết liền.")
        key = code.casefold()
        if key in self.seen:
            self.problem(row_no, "code", f"mã đơn vị '{code}' bị trùng với dòng {self.seen[key]}.")
        else:
            self.seen[key] = row_no
        return code

    def _level(self, row_no: int, row: Sequence[str]) -> str | None:
        level = normalize_name(self.header.cell(row, "level")).lower()
        key = fold(level).replace(" ", "_")  # "Xã", "huyện", "sở ngành" are accepted too
        if key in self.levels:
            return key
        hint = f"Các cấp được dùng: {_levels_hint(self.levels)}."
        if not level:
            self.problem(row_no, "level", f"cấp đơn vị để trống. {hint}")
        else:
            self.problem(row_no, "level", f"cấp đơn vị '{level}' không hợp lệ. {hint}")
        return None

    def _forms(self, row_no: int, row: Sequence[str]) -> tuple[str, ...]:
        forms = _split_forms(self.header.cell(row, "forms"))
        for form_id in forms:
            if not _FORM_ID_RE.match(form_id):
                self.problem(row_no, "forms",
                             f"mã biểu mẫu '{form_id}' không hợp lệ (chỉ gồm chữ thường a-z, số và dấu '-').")
        return forms


def _check_parents(parser: _RowParser) -> None:
    """Check that every parent code names a unit of the registry (other than the unit itself).

    Args:
        parser: the row parser after all rows (its ``seen`` codes and ``parent_refs``; problems are
            added to it).
    """
    for row_no, code, parent in parser.parent_refs:
        if parent.casefold() == code.casefold():
            parser.problem(row_no, "parent_code", f"đơn vị '{code}' không thể là cấp trên của chính nó.")
        elif parent.casefold() not in parser.seen:
            parser.problem(row_no, "parent_code",
                           f"mã đơn vị cấp trên '{parent}' không có trong danh sách đơn vị.")


def _is_blank(row: Sequence[str]) -> bool:
    """Tell whether every cell of a row is empty or spaces."""
    return not any((cell or "").strip() for cell in row)


def parse_rows(rows: Sequence[Sequence[str]], path: Path) -> list[Unit]:
    """Check registry rows (header first) and build the units.

    Args:
        rows: cells as text; row 1 is the header; blank rows are skipped.
        path: the file they came from, for messages.

    Returns:
        The units, in row order.

    Raises:
        RegistryError: listing every problem found.
    """
    if not rows or _is_blank(rows[0]):
        raise _fail(path, f"tệp trống hoặc dòng 1 không phải dòng tiêu đề ({', '.join(COLUMNS)}).", 1)
    parser = _RowParser(path, _parse_header(rows[0], path), known_levels())
    parsed: list[tuple[int, Unit]] = []
    for row_no, row in enumerate(rows[1:], start=2):
        if _is_blank(row):
            continue
        unit = parser.parse(row_no, row)
        if unit is not None:
            parsed.append((row_no, unit))
    _check_parents(parser)
    if parser.problems:
        raise RegistryError(sorted(parser.problems, key=lambda p: p.row or 0))
    if not parsed:
        raise _fail(path, "danh sách không có đơn vị nào.")
    return _canonical_parents([unit for _, unit in parsed])


def _canonical_parents(units: list[Unit]) -> list[Unit]:
    """Spell each parent code exactly as its unit's code ("p14" -> "P14"); codes match ignoring case.

    Args:
        units: checked units (every parent exists).

    Returns:
        The units with parent codes respelled.
    """
    spelling = {u.code.casefold(): u.code for u in units}
    return [replace(u, parent_code=spelling[u.parent_code.casefold()]) if u.parent_code else u for u in units]


def load_registry(path: str | Path) -> Registry:
    """Read and check a registry file.

    Args:
        path: a CSV (UTF-8 with or without BOM, ``,`` ``;`` or tab separated) or XLSX file.

    Returns:
        The registry.

    Raises:
        RegistryError: the file cannot be read, or has problems (all listed in ``problems``).
    """
    path = Path(path)
    return Registry(parse_rows(_read_rows(path), path), source=path)


# --------------------------------------------------------------------------- writing


def _unit_cells(unit: Unit) -> list[str]:
    """Cells of one registry row.

    Args:
        unit: the unit.

    Returns:
        code, name, level, parent_code, forms (joined with ``;``).
    """
    return [unit.code, unit.name, unit.level, unit.parent_code or "", ";".join(unit.forms)]


def _write_xlsx(units: Sequence[Unit], path: Path) -> None:
    """Write units to an XLSX sheet with every cell stored as text (codes keep leading zeros).

    Args:
        units: the units.
        path: the target file.
    """
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Đơn vị"
    for row in [list(COLUMNS), *(_unit_cells(u) for u in units)]:
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
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(_unit_cells(u) for u in units)
    return path


# --------------------------------------------------------------------------- vietnam-provinces


class ProvinceNotFoundError(ValueError):
    """No province matches a name. ``suggestions`` holds the official names of close matches."""

    def __init__(self, query: str, suggestions: Sequence[str]) -> None:
        self.query = query
        self.suggestions = list(suggestions)
        super().__init__(_province_error_text(query, self.suggestions))


def _province_error_text(query: str, suggestions: Sequence[str]) -> str:
    """Build the Vietnamese message of :class:`ProvinceNotFoundError`.

    Args:
        query: what the user typed.
        suggestions: close matches (official names).

    Returns:
        The message.
    """
    text = f"Không tìm thấy tỉnh, thành phố '{query}'."
    if suggestions:
        text += f" Có phải: {', '.join(suggestions)}?"
    else:
        from vietnam_provinces import Province

        text += " Các tỉnh, thành phố hiện có: " + ", ".join(p.name for p in Province.iter_all()) + "."
    return text + " (Từ 01/7/2025 cả nước có 34 tỉnh, thành phố; tỉnh đã hợp nhất được gọi theo tên mới.)"


def _province_key(text: str) -> str:
    """Fold a province name and drop leading words such as "UBND", "tỉnh", "thành phố", "TP".

    Args:
        text: a province name as typed.

    Returns:
        The key used for matching ("son la").
    """
    key = fold(text)
    changed = True
    while changed:
        changed = False
        for prefix in _PROVINCE_PREFIXES:
            if key.startswith(prefix):
                key, changed = key[len(prefix):], True
    return key


def _province_keys() -> dict[str, Province]:
    """Map every matching key (name, codename, both without spaces) to its province.

    Returns:
        Key -> province.
    """
    from vietnam_provinces import Province

    keys: dict[str, Province] = {}
    for province in Province.iter_all():
        for text in (province.name, province.codename.replace("_", " ")):
            key = _province_key(text)
            keys[key] = province
            keys[key.replace(" ", "")] = province
            if key.count(" ") >= 2:  # "Hồ Chí Minh" -> "hcm"
                keys["".join(word[0] for word in key.split())] = province
    return keys


def find_province(name: str) -> Province:
    """Find a province by name, ignoring accents, case and words like "Tỉnh" or "Thành phố".

    Args:
        name: e.g. "Sơn La", "son la", "Tỉnh Sơn La", "TP Hồ Chí Minh".

    Returns:
        The province.

    Raises:
        ProvinceNotFoundError: no province matches; the message lists close matches.
    """
    keys = _province_keys()
    key = _province_key(name)
    for candidate in (key, key.replace(" ", "")):
        if candidate in keys:
            return keys[candidate]
    close = difflib.get_close_matches(key, list(keys), n=6, cutoff=0.6)
    if len(key) >= 3:
        close += [k for k in keys if key in k or (len(k) >= 3 and k in key)]
    names = dict.fromkeys(keys[k].name for k in close)
    raise ProvinceNotFoundError(name, list(names))


def province_unit_code(province: Province) -> str:
    """The unit code of a province: "P" + two-digit official code ("P14").

    Args:
        province: the province.

    Returns:
        The code.
    """
    return f"{PROVINCE_CODE_PREFIX}{int(province.code):02d}"


def _province_parts(province: Province) -> tuple[str, str]:
    """Split a province name into its kind and bare name.

    Args:
        province: the province.

    Returns:
        ("tỉnh", "Sơn La") or ("thành phố", "Hà Nội").
    """
    from vietnam_provinces import VietNamDivisionType

    if province.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG:
        return "thành phố", re.sub(r"^Thành phố\s+", "", province.name)
    return "tỉnh", province.name


def load_departments(path: str | Path | None = None) -> list[dict]:
    """Read and check the list of standard departments.

    Args:
        path: a YAML file like ``registries/departments.yaml`` (the default).

    Returns:
        The entries (dicts with ``code``, ``name`` and optional ``provinces``, ``note``).

    Raises:
        ValueError: the file is malformed (message in Vietnamese).
    """
    path = Path(path) if path else DEPARTMENTS_FILE
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    entries = data.get("departments") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path.name}: thiếu danh sách 'departments'.")
    seen: set[str] = set()
    for i, entry in enumerate(entries, start=1):
        code = str(entry.get("code", "")) if isinstance(entry, dict) else ""
        if not _DEPARTMENT_CODE_RE.match(code) or not str(entry.get("name", "")).strip():
            raise ValueError(f"{path.name}, mục {i}: cần 'code' (chữ in hoa A-Z) và 'name'.")
        if code in seen:
            raise ValueError(f"{path.name}, mục {i}: mã '{code}' bị trùng.")
        seen.add(code)
    return entries


def _department_units(province: Province, parent: str, path: str | Path | None) -> list[Unit]:
    """Make the department units of a province.

    Args:
        province: the province.
        parent: the province unit's code.
        path: the departments YAML file (None = the shipped one).

    Returns:
        One ``so_nganh`` unit per department that exists in this province.
    """
    kind, _ = _province_parts(province)
    units = []
    for entry in load_departments(path):
        only = entry.get("provinces")
        if only and int(province.code) not in {int(p) for p in only}:
            continue
        name = normalize_name(str(entry["name"]).replace("{cap}", kind))
        units.append(Unit(code=entry["code"], name=name, level="so_nganh", parent_code=parent))
    return units


def _ward_units(province: Province, parent: str) -> list[Unit]:
    """Make the ward/commune units of a province, sorted by official code.

    Args:
        province: the province.
        parent: the province unit's code.

    Returns:
        One ``xa`` unit per ward, commune or special zone; code = five-digit official code.
    """
    from vietnam_provinces import Ward

    wards = sorted(Ward.iter_by_province(province.code), key=lambda w: int(w.code))
    return [Unit(code=f"{int(w.code):05d}", name=normalize_name(w.name), level="xa", parent_code=parent)
            for w in wards]


def province_registry(province_name: str, include_departments: bool = True,
                      departments_file: str | Path | None = None) -> list[Unit]:
    """Build the registry of a province (2025 two-level government) from ``vietnam-provinces``.

    Args:
        province_name: the province, matched ignoring accents, case and "Tỉnh"/"Thành phố".
        include_departments: add the departments of ``registries/departments.yaml``.
        departments_file: another departments YAML file to use instead.

    Returns:
        The province unit (level ``tinh``, code "P14"), then the departments (``so_nganh``,
        codes "SNV", ...), then every ward/commune (``xa``, official five-digit codes); all but the
        province have the province as parent.

    Raises:
        ProvinceNotFoundError: unknown province (a ValueError listing close matches).
    """
    province = find_province(province_name)
    code = province_unit_code(province)
    kind, bare = _province_parts(province)
    units = [Unit(code=code, name=f"UBND {kind} {bare}", level="tinh")]
    if include_departments:
        units += _department_units(province, code, departments_file)
    return units + _ward_units(province, code)


# --------------------------------------------------------------------------- command line


def _summary(units: Sequence[Unit]) -> str:
    """Count units per level, for messages.

    Args:
        units: the units.

    Returns:
        e.g. "1 tinh, 14 so_nganh, 75 xa".
    """
    counts: dict[str, int] = {}
    for unit in units:
        counts[unit.level] = counts.get(unit.level, 0) + 1
    return ", ".join(f"{n} {level}" for level, n in counts.items())


def _build_parser() -> argparse.ArgumentParser:
    """Build the command-line parser.

    Returns:
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="python -m workbooks.registry",
        description="Tạo hoặc kiểm tra danh sách đơn vị báo cáo (registry).")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--province", help="tên tỉnh, thành phố (ví dụ \"Sơn La\")")
    action.add_argument("--check", metavar="TỆP", help="kiểm tra một tệp danh sách .csv/.xlsx")
    parser.add_argument("--out", metavar="TỆP", help="tệp kết quả .csv (UTF-8 có BOM) hoặc .xlsx")
    parser.add_argument("--no-departments", action="store_true", help="không thêm các sở, ban, ngành")
    parser.add_argument("--departments", metavar="YAML", help="danh sách sở, ban, ngành riêng")
    return parser


def write_registry_stdout(units: Iterable[Unit]) -> None:
    """Print a registry as CSV on standard output (no BOM).

    Args:
        units: the units.
    """
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_unit_cells(u) for u in units)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: arguments (default: ``sys.argv[1:]``).

    Returns:
        0 on success, 1 when a checked file has problems, 2 on a usage error.
    """
    args = _build_parser().parse_args(argv)
    try:
        if args.check:
            registry = load_registry(args.check)
            print(f"{Path(args.check).name}: hợp lệ, {len(registry)} đơn vị ({_summary(registry.units)}).")
            return 0
        units = province_registry(args.province, not args.no_departments, args.departments)
    except RegistryError as exc:
        print(exc, file=sys.stderr)
        return 1
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not args.out:
        write_registry_stdout(units)
        return 0
    path = write_registry(units, args.out)
    print(f"Đã ghi {len(units)} đơn vị ({_summary(units)}) vào {path}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
