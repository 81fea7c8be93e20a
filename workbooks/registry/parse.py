"""Turning registry rows into units: the header row, every row checked, every problem collected.

A file saved by Excel or LibreOffice still matches: blank rows and title rows above the header are
skipped, numeric cells are read as codes and leading zeros of ward codes restored
(:mod:`workbooks.registry.codes`); each of these is reported as a :class:`RegistryNote`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from xlsxwriter.utility import xl_col_to_name

from workbooks.catalog.loader import known_levels
from workbooks.messages import say
from workbooks.registry.codes import WARD_CODE_WIDTH, read_code, same_number
from workbooks.registry.io import read_rows
from workbooks.registry.model import (
    COLUMNS,
    REQUIRED_COLUMNS,
    Registry,
    RegistryError,
    RegistryNote,
    RegistryProblem,
    Unit,
    file_error,
    problem,
)
from workbooks.registry.text import fold, normalize_name

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
HEADER_SEARCH_ROWS = 10  # a header below row 10 is not looked for: row 1 is then taken as the header


@dataclass(frozen=True)
class _Header:
    """Where each known column is, and how to name it in messages."""

    row: int
    index: dict[str, int]
    labels: dict[str, str]

    def cell(self, row: Sequence[str], column: str) -> str:
        """Get a cell of a row as text ("" when the column or cell is absent)."""
        i = self.index.get(column)
        if i is None or i >= len(row):
            return ""
        return row[i] or ""


def _canonical_column(text: str) -> str | None:
    """Map a header cell to one of :data:`COLUMNS`, or None for a column the registry does not use."""
    key = fold(text)
    if key.replace(" ", "_") in COLUMNS:
        return key.replace(" ", "_")
    return _HEADER_ALIASES.get(key)


def _is_blank(row: Sequence[str]) -> bool:
    """Tell whether every cell of a row is empty or spaces."""
    return not any((cell or "").strip() for cell in row)


def _header_row(rows: Sequence[Sequence[str]]) -> int:
    """The index of the header row: the first of the top rows naming two registry columns.

    Rows above it (blank, or a title such as "DANH SÁCH ĐƠN VỊ BÁO CÁO") are skipped. When no top
    row names two columns, the first non-blank row is the header (its problems are reported).
    """
    first = next((i for i, row in enumerate(rows) if not _is_blank(row)), None)
    if first is None:
        return 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if len({c for cell in row if (c := _canonical_column(cell or ""))}) >= 2:
            return i
    return first


def _parse_header(header: Sequence[str], row_no: int, path: Path) -> _Header:
    """Find the columns in the header row; every missing or repeated column is a problem."""
    index: dict[str, int] = {}
    labels: dict[str, str] = {}
    problems: list[RegistryProblem] = []
    for i, text in enumerate(header):
        column = _canonical_column(text or "")
        if column is None:
            continue
        letter = xl_col_to_name(i)
        if column in index:
            problems.append(problem(path.name, "registry.header.duplicate", row_no, letter,
                                    column=column, first=labels[column], second=letter))
            continue
        index[column] = i
        labels[column] = f"{letter} ({text.strip()})"
    for column in REQUIRED_COLUMNS:
        if column not in index:
            problems.append(problem(path.name, "registry.header.missing", row_no, column=column,
                                    columns=", ".join(COLUMNS)))
    if problems:
        raise RegistryError(problems)
    return _Header(row_no, index, labels)


def _split_forms(text: str) -> tuple[str, ...]:
    """Split a forms cell ("sonla-2024; tuangiao-2024") into distinct lower-case ids."""
    ids = [part.strip().lower() for part in re.split(r"[;,\s]+", text) if part.strip()]
    return tuple(dict.fromkeys(ids))


def _levels_hint(levels: dict[str, str]) -> str:
    """List the allowed levels with their labels: "tinh (UBND tỉnh ...), so_nganh (...), ..."."""
    return ", ".join(f"{code} ({label})" for code, label in levels.items())


class _RowParser:
    """Turns data rows into units, collecting problems (and notes) instead of stopping at the first."""

    def __init__(self, path: Path, header: _Header, levels: dict[str, str]) -> None:
        self.path = path
        self.header = header
        self.levels = levels
        self.problems: list[RegistryProblem] = []
        self.notes: list[RegistryNote] = []
        self.seen: dict[str, int] = {}
        self.parent_refs: list[tuple[int, str, str, str]] = []  # row, code, parent code, as typed

    def problem(self, row: int, column: str | None, message_id: str, **params: object) -> None:
        """Record a problem in a cell."""
        label = self.header.labels.get(column) if column else None
        self.problems.append(problem(self.path.name, message_id, row, label, **params))

    def note(self, row: int, message_id: str, **params: object) -> None:
        """Record something normalised in a row."""
        message = say(message_id, **params)
        self.notes.append(RegistryNote(message_id, self.path.name, row, message.text, message.fix))

    def parse(self, row_no: int, row: Sequence[str]) -> Unit | None:
        """Check one data row.

        Args:
            row_no: the spreadsheet row number.
            row: the cells.

        Returns:
            The unit, or None when the row has problems (they are recorded).
        """
        before = len(self.problems)
        level = self._level(row_no, row)
        code = self._code(row_no, row, level)
        name = normalize_name(self.header.cell(row, "name"))
        if not name:
            self.problem(row_no, "name", "registry.name.blank")
        typed_parent = normalize_name(self.header.cell(row, "parent_code"))
        parent = read_code(typed_parent, None).code if typed_parent else None
        if parent is not None:
            self.parent_refs.append((row_no, code or "", parent, typed_parent))
        forms = self._forms(row_no, row)
        if len(self.problems) > before or code is None or level is None:
            return None
        return Unit(code=code, name=name, level=level, parent_code=parent, forms=forms)

    def _code(self, row_no: int, row: Sequence[str], level: str | None) -> str | None:
        typed = normalize_name(self.header.cell(row, "code"))
        if not typed:
            self.problem(row_no, "code", "registry.code.blank")
            return None
        reading = read_code(typed, level)
        code = reading.code
        if reading.note_id:
            self.note(row_no, reading.note_id, typed=typed, code=code, width=str(WARD_CODE_WIDTH))
        if " " in code:
            self.problem(row_no, "code", "registry.code.space", code=code)
        key = code.casefold()
        if key in self.seen:
            self.problem(row_no, "code", "registry.code.duplicate", code=code, other=str(self.seen[key]))
        else:
            self.seen[key] = row_no
        return code

    def _level(self, row_no: int, row: Sequence[str]) -> str | None:
        level = normalize_name(self.header.cell(row, "level")).lower()
        key = fold(level).replace(" ", "_")  # "Xã", "huyện", "sở ngành" are accepted too
        if key in self.levels:
            return key
        hint = _levels_hint(self.levels)
        if not level:
            self.problem(row_no, "level", "registry.level.blank", levels=hint)
        else:
            self.problem(row_no, "level", "registry.level.unknown", level=level, levels=hint)
        return None

    def _forms(self, row_no: int, row: Sequence[str]) -> tuple[str, ...]:
        forms = _split_forms(self.header.cell(row, "forms"))
        for form_id in forms:
            if not _FORM_ID_RE.match(form_id):
                self.problem(row_no, "forms", "registry.forms.bad_id", form_id=form_id)
        return forms

    def resolve_parents(self) -> dict[str, str]:
        """Check that every parent code names another unit of the registry.

        A parent typed without its leading zeros ("3646" for the unit "03646") is matched, with a note.

        Returns:
            Parent code as typed (case-folded) -> the code of the unit it names.
        """
        spelled: dict[str, str] = {}
        for row_no, code, parent, typed in self.parent_refs:
            key = parent.casefold()
            target = key if key in self.seen else next((c for c in self.seen if same_number(key, c)), None)
            if target is not None and (target != key or typed != parent):
                self.note(row_no, "registry.note.parent", typed=typed, code=target,
                          unit_row=str(self.seen[target]))
            if target is not None and target == code.casefold():
                self.problem(row_no, "parent_code", "registry.parent.self", code=code)
            elif target is None:
                self.problem(row_no, "parent_code", "registry.parent.unknown", parent=parent)
            else:
                spelled[key] = target
        return spelled


def parse_rows(rows: Sequence[Sequence[str]], path: Path) -> list[Unit]:
    """Check registry rows and build the units (see :func:`parse_registry` for the notes too).

    Args:
        rows: cells as text, row 1 first; blank rows and title rows above the header are skipped.
        path: the file they came from, for messages.

    Returns:
        The units, in row order.

    Raises:
        RegistryError: listing every problem found.
    """
    return parse_registry(rows, path).units


def parse_registry(rows: Sequence[Sequence[str]], path: Path) -> Registry:
    """Check registry rows and build the registry, with a note for everything normalised.

    Args:
        rows: cells as text, row 1 first.
        path: the file they came from, for messages.

    Returns:
        The registry (its ``notes`` say which codes were restored and which rows were skipped).

    Raises:
        RegistryError: listing every problem found.
    """
    start = _header_row(rows)
    if not rows or _is_blank(rows[start]):
        raise file_error(path, "registry.file.empty", 1, columns=", ".join(COLUMNS))
    parser = _RowParser(path, _parse_header(rows[start], start + 1, path), known_levels())
    skipped = [i for i, row in enumerate(rows[:start], start=1) if not _is_blank(row)]
    if skipped:
        parser.note(skipped[0], "registry.note.title_rows", count=len(skipped), header_row=str(start + 1))
    parsed: list[Unit] = []
    for row_no, row in enumerate(rows[start + 1:], start=start + 2):
        if not _is_blank(row):
            unit = parser.parse(row_no, row)
            if unit is not None:
                parsed.append(unit)
    spelled = parser.resolve_parents()
    if parser.problems:
        raise RegistryError(sorted(parser.problems, key=lambda p: p.row or 0))
    if not parsed:
        raise file_error(path, "registry.file.no_units")
    notes = sorted(parser.notes, key=lambda n: n.row)
    return Registry(_canonical_parents(parsed, spelled), source=path, notes=notes)


def _canonical_parents(units: list[Unit], spelled: dict[str, str]) -> list[Unit]:
    """Spell each parent code exactly as its unit's code ("p14" -> "P14", "3646" -> "03646")."""
    spelling = {u.code.casefold(): u.code for u in units}
    respelled = []
    for unit in units:
        parent = spelling[spelled[unit.parent_code.casefold()]] if unit.parent_code else None
        respelled.append(replace(unit, parent_code=parent) if parent != unit.parent_code else unit)
    return respelled


def load_registry(path: str | Path) -> Registry:
    """Read and check a registry file.

    Args:
        path: a CSV (UTF-8 with or without BOM, ``,`` ``;`` or tab separated) or XLSX file.

    Returns:
        The registry; its ``notes`` list what was normalised (empty for a clean file).

    Raises:
        RegistryError: the file cannot be read, or has problems (all listed in ``problems``).
    """
    path = Path(path)
    return parse_registry(read_rows(path), path)
