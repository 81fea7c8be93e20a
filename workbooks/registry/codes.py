"""Unit codes as text: restoring what a spreadsheet did to them, and finding the nearest known code.

Excel and LibreOffice read a CSV column of digits as numbers: ``03646`` becomes ``3646`` (and
``3646.0`` when the value goes through a float). Ward, commune and special-zone codes are official
codes of a fixed width (:data:`WARD_CODE_WIDTH` digits, the width of every ward code in the package
vietnam-provinces), so a shorter code of a ``xa`` unit is padded back to that width.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbooks.registry.model import Registry

WARD_LEVEL = "xa"
WARD_CODE_WIDTH = 5
_WHOLE_FLOAT_RE = re.compile(r"^(\d+)\.0+$")


@dataclass(frozen=True)
class CodeReading:
    """How a typed code was understood.

    Attributes:
        code: the code used.
        note_id: None when the code was used as typed, else the message id saying what changed
            (``registry.note.code_width`` or ``registry.note.code_number``).
    """

    code: str
    note_id: str | None = None


def read_code(typed: str, level: str | None) -> CodeReading:
    """Understand a code cell as text, undoing what a spreadsheet did to it.

    Args:
        typed: the cell's text, already stripped ("3646", "3646.0", "SNV").
        level: the unit's level code, when known.

    Returns:
        "3646.0" -> "3646"; for a ``xa`` unit, digits shorter than the official width and not
        starting with 0 (a spreadsheet drops every leading zero) are padded with leading zeros
        ("3646" -> "03646"); anything else is kept as typed ("007" stays "007").
    """
    code, note_id = typed, None
    whole = _WHOLE_FLOAT_RE.match(code) if "." in code else None
    if whole:
        code, note_id = whole.group(1), "registry.note.code_number"
    if (level == WARD_LEVEL and code.isascii() and code.isdigit() and len(code) < WARD_CODE_WIDTH
            and not code.startswith("0")):  # a leading zero means text typed as such: kept as typed
        code, note_id = code.zfill(WARD_CODE_WIDTH), "registry.note.code_width"
    return CodeReading(code, note_id)


def same_number(a: str, b: str) -> bool:
    """Tell whether two codes are the same digits but for leading zeros ("3646" and "03646")."""
    return a.isascii() and b.isascii() and a.isdigit() and b.isdigit() and a.lstrip("0") == b.lstrip("0")


def edit_distance(a: str, b: str) -> int:
    """The number of single-character edits (insert, delete, replace, swap of neighbours) from a to b."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _distance(query: str, code: str) -> int:
    """How far a registry code is from a typed one: 0 for the same digits but for leading zeros."""
    if same_number(query, code):
        return 0
    return edit_distance(query.casefold(), code.casefold())


def nearest_codes(registry: Registry | Iterable[str], code: str, n: int = 1) -> list[str]:
    """The registry codes nearest to a code that is not in the registry.

    A code that differs only by lost leading zeros is nearest ("3646" -> "03646"); then codes
    within a few typing mistakes (edit distance, a swap of two neighbours counting once): at most 1
    for codes of up to 4 characters, 2 for longer ones. Letters are compared ignoring case.

    Args:
        registry: the registry (or its codes).
        code: the unknown code, as found in a return ("3646", "03466", "snv").
        n: how many codes to return at most.

    Returns:
        Up to ``n`` registry codes, nearest first (registry order among equals); empty when no
        code is close enough, or when ``code`` is itself in the registry.
    """
    codes = [u.code for u in registry.units] if hasattr(registry, "units") else list(registry)
    query = read_code(str(code).strip(), None).code
    if not query or query in codes or n <= 0:
        return []
    limit = 1 if len(query) <= 4 else 2
    scored = [(d, i, c) for i, c in enumerate(codes) if (d := _distance(query, c)) <= limit]
    return [c for _, _, c in sorted(scored)[:n]]
