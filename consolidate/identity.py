"""Does a return really belong to the unit it claims? Everything else the file says is compared.

A return names its unit by a code (metadata, information sheet). The same file also records
the unit's name and level (written by the generator beside the code), and it has a file name
the unit chose when sending it. Two ways one unit's file ends up speaking for another:

* the code was changed (metadata edited, a copied file) while the recorded name and level
  still say the real unit: the recorded name or level disagrees with the registry's entry of
  the code (``identity_recorded``);
* a unit filled another unit's workbook and sent it under its own name: everything inside says
  the other unit, only the file name names the sender (``identity_file_name``). Only a file
  name that names another registry unit — and not the claimed one — counts; a file name that
  names no unit says nothing.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from consolidate.model import FoundFile, ReturnData
from workbooks.messages import text
from workbooks.registry import Registry, Unit, fold, known_levels

#: Words that say what kind of unit a name is, not which one ("UBND xã Mường Cơi" -> "muong coi").
KIND_WORDS = frozenset({"ubnd", "uy", "ban", "nhan", "dan", "xa", "phuong", "thi", "tran", "dac", "khu",
                        "huyen", "thanh", "pho", "tinh", "so", "phong", "cap", "quan"})
MAX_WORDS = 6  # longest distinctive name looked for in a file name


def core_name(name: str) -> str:
    """The words of a unit name that tell which unit it is (leading kind words dropped).

    Args:
        name: e.g. "UBND xã Mường Cơi".

    Returns:
        e.g. "muong coi" ("" when nothing distinctive is left).
    """
    words = fold(name).split()
    while words and words[0] in KIND_WORDS:
        words.pop(0)
    return " ".join(words)


class IdentityCheck:
    """Compares a return's claimed unit with the name, level and file name it carries.

    Args:
        registry: the unit registry.
    """

    def __init__(self, registry: Registry) -> None:
        self.levels = known_levels()
        self.by_core: dict[str, list[Unit]] = {}
        for unit in registry.units:
            core = core_name(unit.name)
            if len(core.split()) >= 2:  # one word ("Sở Y tế" -> "te") is too common to be evidence
                self.by_core.setdefault(core, []).append(unit)

    def _named_in(self, file_name: str) -> list[Unit]:
        """Registry units whose distinctive name appears, as whole words, in a file name."""
        words = fold(PurePosixPath(file_name).stem).split()
        found: list[Unit] = []
        for size in range(MAX_WORDS, 1, -1):
            for start in range(len(words) - size + 1):
                found += self.by_core.get(" ".join(words[start:start + size]), [])
        return found

    def doubt(self, found: FoundFile, ret: ReturnData, unit: Unit) -> tuple[str, str, str] | None:
        """Why the file may not be ``unit``'s, or None.

        Args:
            found: the file.
            ret: the return read from it.
            unit: the registry unit its code names.

        Returns:
            (reason id, Vietnamese message, code of the unit it may belong to or "").
        """
        level = self.levels.get(unit.level, unit.level)
        recorded = fold(ret.unit_name)
        if (recorded and recorded != fold(unit.name)) or (ret.level and ret.level != unit.level):
            return ("identity_recorded", text(
                "consolidate.identity_recorded", code=unit.code, registry_name=unit.name, registry_level=level,
                recorded_name=ret.unit_name or unit.name, recorded_level=self.levels.get(ret.level or "", level)),
                "")
        named = self._named_in(found.rel)
        if not named or any(u.code == unit.code for u in named):
            return None
        other = max(named, key=lambda u: len(core_name(u.name)))
        return ("identity_file_name", text(
            "consolidate.identity_file_name", code=unit.code, registry_name=unit.name,
            file=PurePosixPath(found.rel).name, other_name=other.name, other_code=other.code), other.code)
