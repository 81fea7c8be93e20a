"""Registries built from the package ``vietnam-provinces`` (the 34 provinces and their wards since 2025).

Codes of the units made here:

* the province (level ``tinh``): ``P`` + the two-digit official province code, e.g. ``P14`` for
  Sơn La, ``P01`` for Hà Nội;
* departments and agencies (level ``so_nganh``): the short codes of ``registries/departments.yaml``
  (``SNV``, ``STP``, ...), parent = the province;
* wards, communes and special zones (level ``xa``): the official five-digit code as text, e.g.
  ``03646`` for Phường Tô Hiệu, parent = the province.

A province is found by today's name or by its name before the 2025 mergers
(:mod:`workbooks.registry.mergers`), ignoring accents, case and words like "Tỉnh" or "UBND".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from workbooks.catalog.loader import load_yaml
from workbooks.messages import say, text
from workbooks.registry.codes import WARD_CODE_WIDTH
from workbooks.registry.mergers import FormerProvince, Merger, load_mergers, members_text
from workbooks.registry.model import Unit
from workbooks.registry.text import fold, normalize_name

if TYPE_CHECKING:  # imported where used: the ward list costs 0.15 s to import
    from vietnam_provinces import Province

PROVINCE_CODE_PREFIX = "P"
DEPARTMENTS_FILE = Path(str(resources.files("workbooks") / "registries" / "departments.yaml"))
_DEPARTMENT_CODE_RE = re.compile(r"^[A-Z]+$")
_PROVINCE_PREFIXES: tuple[str, ...] = ("uy ban nhan dan ", "ubnd ", "tinh ", "thanh pho ", "tp ")


class ProvinceNotFoundError(ValueError):
    """No province matches a name. ``suggestions`` holds the names of close matches.

    A suggestion is today's official name ("Sơn La"), or a name from before the 2025 mergers with
    the province it belongs to now ("Bắc Giang (nay thuộc tỉnh Bắc Ninh)").
    """

    def __init__(self, query: str, suggestions: Sequence[str]) -> None:
        self.query = query
        self.suggestions = list(suggestions)
        super().__init__(_province_error_text(query, self.suggestions))


def _province_error_text(query: str, suggestions: Sequence[str]) -> str:
    """The Vietnamese message of :class:`ProvinceNotFoundError`."""
    unknown = say("registry.province.unknown", query=query)
    parts = [unknown.text]
    if suggestions:
        parts.append(text("registry.province.suggest", names=", ".join(suggestions)))
    else:
        from vietnam_provinces import Province

        parts.append(text("registry.province.all", names=", ".join(p.name for p in Province.iter_all())))
    parts += [text("registry.province.since_2025"), unknown.fix]
    return " ".join(parts)


@dataclass(frozen=True)
class ProvinceMatch:
    """The province a typed name designates.

    Attributes:
        province: today's province.
        former: the province before 2025 the name designates, when it is not today's province
            (an old name: "Ninh Thuận" -> Khánh Hòa); None for today's name.
        former_name: an earlier name of the same province ("Thừa Thiên Huế"), or None.
    """

    province: Province
    former: FormerProvince | None = None
    former_name: str | None = None

    def note(self, query: str) -> str | None:
        """What to tell the user when the name was an old one (None for today's name)."""
        if self.former is None and self.former_name is None:
            return None
        title = province_title(self.province)
        merger = load_mergers().by_code(int(self.province.code))
        if self.former is not None:
            return text("registry.province.merged", query=query, new=title, members=members_text(merger),
                        since=load_mergers().effective, resolution=load_mergers().resolution)
        return text("registry.province.renamed", query=query, new=title)


def _province_key(name: str) -> str:
    """Fold a province name and drop leading words such as "UBND", "tỉnh", "thành phố", "TP"."""
    key = fold(name)
    changed = True
    while changed:
        changed = False
        for prefix in _PROVINCE_PREFIXES:
            if key.startswith(prefix):
                key, changed = key[len(prefix):], True
    return key


def _add_keys(keys: dict[str, ProvinceMatch], name: str, match: ProvinceMatch) -> None:
    """Map a name's key, the key without spaces and its initials ("hcm") to ``match`` (first wins)."""
    key = _province_key(name)
    candidates = [key, key.replace(" ", "")]
    if key.count(" ") >= 2:  # "Hồ Chí Minh" -> "hcm"
        candidates.append("".join(word[0] for word in key.split()))
    for candidate in candidates:
        keys.setdefault(candidate, match)


def _province_keys() -> dict[str, ProvinceMatch]:
    """Map every matching key (today's names and codenames, then names before 2025) to its match."""
    from vietnam_provinces import Province

    keys: dict[str, ProvinceMatch] = {}
    today = {int(p.code): p for p in Province.iter_all()}
    for province in today.values():
        for name in (province.name, province.codename.replace("_", " ")):
            _add_keys(keys, name, ProvinceMatch(province))
    for merger in load_mergers().provinces:
        province = today[merger.code]
        for former in merger.members:
            _add_keys(keys, former.name, ProvinceMatch(province, former))
        for name in merger.former_names:
            _add_keys(keys, name, ProvinceMatch(province, former_name=name))
    return keys


def _suggestion(match: ProvinceMatch) -> str:
    """How a close match is proposed: today's name, or "Bắc Giang (nay thuộc tỉnh Bắc Ninh)"."""
    old = match.former.name if match.former else match.former_name
    if old is None:
        return match.province.name
    return text("registry.province.old_name", old=old, new=province_title(match.province))


def match_province(name: str) -> ProvinceMatch:
    """Find the province a name designates: today's name, or a name from before the 2025 mergers.

    Args:
        name: e.g. "Sơn La", "son la", "Tỉnh Sơn La", "TP Hồ Chí Minh", "Ninh Thuận" (now Khánh Hòa).

    Returns:
        The match (today's province, and the old province when an old name was typed).

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
    names = dict.fromkeys(_suggestion(keys[k]) for k in close)
    raise ProvinceNotFoundError(name, list(names))


def find_province(name: str) -> Province:
    """Find today's province by name, ignoring accents, case and words like "Tỉnh" or "Thành phố".

    Args:
        name: e.g. "Sơn La", "son la", "Tỉnh Sơn La", "TP Hồ Chí Minh"; a name from before the 2025
            mergers gives the province it now belongs to ("Bắc Giang" -> Bắc Ninh).

    Returns:
        The province.

    Raises:
        ProvinceNotFoundError: no province matches; the message lists close matches.
    """
    return match_province(name).province


def province_unit_code(province: Province) -> str:
    """The unit code of a province: "P" + two-digit official code ("P14")."""
    return f"{PROVINCE_CODE_PREFIX}{int(province.code):02d}"


def _province_parts(province: Province) -> tuple[str, str]:
    """Split a province name into its kind and bare name: ("tỉnh", "Sơn La"), ("thành phố", "Hà Nội")."""
    from vietnam_provinces import VietNamDivisionType

    if province.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG:
        return text("registry.kind.city"), re.sub(r"^Thành phố\s+", "", province.name)
    return text("registry.kind.province"), province.name


def province_title(province: Province) -> str:
    """The province as a sentence names it: "tỉnh Khánh Hòa", "thành phố Hải Phòng"."""
    return " ".join(_province_parts(province))


def merger_lines() -> list[str]:
    """Explain the 2025 mergers: a heading, one line per merged province, the unchanged ones, a hint."""
    from vietnam_provinces import Province

    table = load_mergers()
    today = {int(p.code): p for p in Province.iter_all()}
    lines = [text("registry.mergers.heading", resolution=table.resolution, before=table.before,
                  after=table.after, since=table.effective)]
    merged: list[Merger] = [m for m in table.provinces if m.merged]
    lines += [text("registry.mergers.merged", new=province_title(today[m.code]), members=members_text(m))
              for m in merged]
    unchanged = [province_title(today[m.code]) for m in table.provinces if not m.merged]
    lines.append(text("registry.mergers.unchanged", count=len(unchanged), names=", ".join(unchanged)))
    lines.append(text("registry.mergers.hint"))
    return lines


def load_departments(path: str | Path | None = None) -> list[dict]:
    """Read and check the list of standard departments.

    Args:
        path: a YAML file like ``registries/departments.yaml`` (the default).

    Returns:
        The entries (dicts with ``code``, ``name`` and optional ``provinces``, ``note``).

    Raises:
        ValueError: the file is missing, unreadable or malformed (message in Vietnamese).
    """
    path = Path(path) if path else DEPARTMENTS_FILE
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValueError(text("registry.departments.unreadable", file=path.name)) from exc
    entries = data.get("departments") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(text("registry.departments.missing", file=path.name))
    seen: set[str] = set()
    for i, entry in enumerate(entries, start=1):
        code = str(entry.get("code", "")) if isinstance(entry, dict) else ""
        if not _DEPARTMENT_CODE_RE.match(code) or not str(entry.get("name", "")).strip():
            raise ValueError(text("registry.departments.bad_entry", file=path.name, item=str(i)))
        if code in seen:
            raise ValueError(text("registry.departments.duplicate", file=path.name, item=str(i), code=code))
        seen.add(code)
    return entries


def _department_units(province: Province, parent: str, path: str | Path | None) -> list[Unit]:
    """One ``so_nganh`` unit per department of the departments file that exists in this province."""
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
    """One ``xa`` unit per ward, commune or special zone (official five-digit code), by code."""
    from vietnam_provinces import Ward

    wards = sorted(Ward.iter_by_province(province.code), key=lambda w: int(w.code))
    return [Unit(code=f"{int(w.code):0{WARD_CODE_WIDTH}d}", name=normalize_name(w.name), level="xa",
                 parent_code=parent) for w in wards]


def province_registry(province_name: str, include_departments: bool = True,
                      departments_file: str | Path | None = None) -> list[Unit]:
    """Build the registry of a province (2025 two-level government) from ``vietnam-provinces``.

    Args:
        province_name: the province, matched ignoring accents, case and "Tỉnh"/"Thành phố"; a name
            from before the 2025 mergers builds the province it now belongs to.
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
    units = [Unit(code=code, name=text("registry.province.unit_name", kind=kind, name=bare), level="tinh")]
    if include_departments:
        units += _department_units(province, code, departments_file)
    return units + _ward_units(province, code)
