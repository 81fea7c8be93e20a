"""The registry's model: units, the registry, and the problems and notes found reading a file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from workbooks.messages import say, text

COLUMNS: tuple[str, ...] = ("code", "name", "level", "parent_code", "forms")
REQUIRED_COLUMNS: tuple[str, ...] = ("code", "name", "level")


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
    """One problem found in a registry file (row and column as a spreadsheet user sees them).

    Attributes:
        file: the file's name.
        message: what is wrong and what to do, in Vietnamese (from the message catalogue).
        row: the spreadsheet row (header = its own row number), or None for the whole file.
        column: the column as "A (code)", or None.
        id: the message id in ``workbooks/messages/registry.yaml``.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    id: str = ""

    def __str__(self) -> str:
        if self.row is None:
            where = text("registry.place.file", file=self.file)
        elif self.column:
            where = text("registry.place.cell", file=self.file, row=str(self.row), column=self.column)
        else:
            where = text("registry.place.row", file=self.file, row=str(self.row))
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class RegistryNote:
    """Something the reader normalised in a usable registry (a leading zero restored, a title row skipped).

    Attributes:
        id: the message id (``registry.note.*``).
        file: the file's name.
        row: the spreadsheet row.
        message: what was understood, in Vietnamese.
        fix: why it happened or what to do about it.
    """

    id: str
    file: str
    row: int
    message: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{say('registry.place.note', file=self.file, row=str(self.row)).text} {self.message}"


class RegistryError(ValueError):
    """A registry file cannot be used. ``problems`` lists every problem found, in Vietnamese.

    Attributes:
        problems: one message per problem, e.g.
            "units.csv, dòng 7, cột A (code): mã đơn vị '26734' bị trùng với dòng 3. …"
        details: the same problems as :class:`RegistryProblem` (file, row, column, message).
    """

    def __init__(self, details: Sequence[RegistryProblem]) -> None:
        self.details: list[RegistryProblem] = list(details)
        self.problems: list[str] = [str(p) for p in self.details]
        super().__init__(_error_text(self.details))


def _error_text(details: Sequence[RegistryProblem]) -> str:
    """The message of a :class:`RegistryError`: one line for one problem, else a heading and bullets."""
    if len(details) == 1:
        return str(details[0])
    if not details:
        return text("registry.errors.none")
    head = text("registry.errors.heading", file=details[0].file, count=len(details))
    return "\n".join([head, *(f"- {p}" for p in details)])


def problem(file: str, message_id: str, row: int | None = None, cell_label: str | None = None,
            **params: object) -> RegistryProblem:
    """A problem whose text is the catalogue entry ``message_id`` filled with ``params``.

    ``cell_label`` names the column in the place ("A (code)"); a template's own ``{column}`` is a
    parameter like any other.
    """
    return RegistryProblem(file, text(message_id, **params), row, cell_label, message_id)


def file_error(path: Path, message_id: str, row: int | None = None, **params: object) -> RegistryError:
    """A one-problem error about a whole file (or one row of it), to be raised by the caller."""
    return RegistryError([problem(path.name, message_id, row, **params)])


class Registry:
    """The units of one registry, in file order.

    Attributes:
        units: all units.
        source: the file it was read from, if any.
        notes: what was normalised while reading the file (empty for a clean file).
    """

    def __init__(self, units: Iterable[Unit], source: Path | None = None,
                 notes: Iterable[RegistryNote] = ()) -> None:
        self.units = list(units)
        self.source = source
        self.notes = list(notes)
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
