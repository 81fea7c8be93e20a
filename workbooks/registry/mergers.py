"""The 2025 province mergers (Nghị quyết 202/2025/QH15: 63 provinces and cities became 34), as data.

The table is ``workbooks/registries/mergers_2025.yaml``: for each province of today, the provinces
before the change that form it. It lets ``cchc units`` accept an old province name (mapped to the
province it now belongs to, with a note) and explain the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from workbooks.catalog.loader import load_yaml
from workbooks.messages import text

MERGERS_FILE = Path(str(resources.files("workbooks") / "registries" / "mergers_2025.yaml"))


@dataclass(frozen=True)
class FormerProvince:
    """A province as it was before the 2025 change.

    Attributes:
        name: its name without "tỉnh"/"thành phố" ("Ninh Thuận").
        code: its official two-digit code before the change (58).
        city: True for a centrally-run city (thành phố).
    """

    name: str
    code: int
    city: bool = False

    @property
    def title(self) -> str:
        """The name with its kind, as a sentence names it ("tỉnh Ninh Thuận", "thành phố Cần Thơ")."""
        return f"{text('registry.kind.city' if self.city else 'registry.kind.province')} {self.name}"


@dataclass(frozen=True)
class Merger:
    """One province of today and the provinces that form it.

    Attributes:
        name: today's name without "tỉnh"/"thành phố" ("Khánh Hòa").
        code: today's official code, as in vietnam-provinces (56).
        members: the provinces before the change (one, itself, when it did not change).
        former_names: earlier names of the same province ("Thừa Thiên Huế").
    """

    name: str
    code: int
    members: tuple[FormerProvince, ...]
    former_names: tuple[str, ...] = ()

    @property
    def merged(self) -> bool:
        """True when two or more provinces were joined into this one."""
        return len(self.members) > 1


@dataclass(frozen=True)
class MergerTable:
    """The whole 2025 change: the resolution, its date, and one :class:`Merger` per province of today."""

    resolution: str
    effective: str
    before: int
    after: int
    provinces: tuple[Merger, ...]

    def by_code(self, code: int) -> Merger:
        """The entry of today's province with this official code (KeyError when there is none)."""
        for merger in self.provinces:
            if merger.code == int(code):
                return merger
        raise KeyError(code)


def _former(entry: dict) -> FormerProvince:
    return FormerProvince(str(entry["name"]), int(entry["code"]), bool(entry.get("city", False)))


@cache
def load_mergers(path: Path = MERGERS_FILE) -> MergerTable:
    """Read the merger table (cached).

    Args:
        path: the YAML file (default: the shipped ``registries/mergers_2025.yaml``).

    Returns:
        The table, provinces in the file's order.
    """
    data = load_yaml(path.read_text(encoding="utf-8"))
    provinces = tuple(
        Merger(str(p["name"]), int(p["code"]), tuple(_former(m) for m in p["members"]),
               tuple(str(n) for n in p.get("former_names", ())))
        for p in data["provinces"])
    return MergerTable(str(data["resolution"]), str(data["effective"]), int(data["before"]),
                       int(data["after"]), provinces)


def join_names(names: list[str]) -> str:
    """Join names the Vietnamese way: "A", "A và B", "A, B và C"."""
    if len(names) <= 1:
        return "".join(names)
    return text("registry.join.and", first=", ".join(names[:-1]), last=names[-1])


def members_text(merger: Merger) -> str:
    """The provinces that form ``merger``, as a sentence names them ("tỉnh Khánh Hòa và tỉnh Ninh Thuận")."""
    return join_names([m.title for m in merger.members])
