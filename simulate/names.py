"""File names as units really send them back by e-mail (renamed, with or without accents)."""

from __future__ import annotations

import random
import re
from pathlib import Path

from workbooks.catalog.model import Form
from workbooks.writer.assembler import ascii_slug, workbook_filename
from workbooks.writer.context import UnitInfo

# How units name the file they send back (``{name}``: unit name, ``{plain}``: without accents).
_NAME_PATTERNS = (
    "Phu luc - {plain_casual} (sua lan 2)",
    "Phụ lục CCHC {year} - {name}",
    "{name} - báo cáo CCHC {year}",
    "BC CCHC {year}_{plain}",
    "PL kèm BC {name} năm {year}",
    "{generated} (1)",
    "Copy of {generated}",
    "{upper}",
    "phu luc {plain_lower}",
    "Biểu mẫu {form} - {name} - final",
    "{name}",
    "Phụ lục báo cáo CCHC {name}",
)
NEWER_SUFFIXES = (" (sua lan 2)", " - bản sửa", "_v2", " (đã sửa)", " - gui lai")
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')

# --------------------------------------------------------------------------- file names


def _safe(name: str) -> str:
    return re.sub(r"\s+", " ", _WINDOWS_FORBIDDEN.sub(" ", name)).strip(" .") or "phu luc"


def emailed_name(form: Form, unit: UnitInfo, year: int, rng: random.Random) -> str:
    """A file name as units really send them: renamed, with accents and spaces, or without.

    e.g. ``Phu luc - xa Quai To (sua lan 2).xlsx``, ``Phụ lục CCHC 2024 - Sở Tư pháp.xlsx``.
    """
    plain = ascii_slug(unit.name, 80).replace("_", " ")
    first, _, rest = plain.partition(" ")
    fields = {"name": unit.name, "plain": plain, "plain_lower": plain.lower(), "upper": unit.name.upper(),
              "plain_casual": f"{first.lower()} {rest}".strip(),
              "year": year, "form": form.id, "generated": Path(workbook_filename(form, unit)).stem}
    return _safe(rng.choice(_NAME_PATTERNS).format(**fields)) + ".xlsx"


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``(3)`` … when already in ``taken`` (case-folded); records it."""
    stem, suffix = name[: -len(".xlsx")], ".xlsx"
    candidate, n = name, 2
    while candidate.casefold() in taken:
        candidate = f"{stem} ({n}){suffix}"
        n += 1
    taken.add(candidate.casefold())
    return candidate


