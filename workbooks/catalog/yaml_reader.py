"""Reading a form file: YAML parsed safely, one mapping at a time with strict keys.

``Reader`` checks each mapping of a form file (allowed and required keys, texts, levels); every
error is a ``CatalogError`` that names the file and the entry, with its text from the message
catalogue. A catalog mistake is ours: a test loads every shipped form.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from workbooks.messages import text

LEVELS_FILE = Path(str(resources.files("workbooks") / "levels.yaml"))

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
KEY_PATTERN = re.compile(r"^[a-z0-9_]+$")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SHEET_FORBIDDEN = set("[]:*?/\\")
LIST_TYPES = {"text", "date", "count", "choice"}
OPERATORS = {"<=", "<", "=", ">=", ">"}


class CatalogError(ValueError):
    """A mistake in a form file: names the file and the entry."""

    def __init__(self, path: str | Path, entry: str, message: str) -> None:
        self.path, self.entry = str(path), entry
        super().__init__(f"{Path(path).name}: {entry}: {message}")


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Parse YAML safely, with libyaml when installed (ten times faster than pure Python).

    Args:
        text: the document.

    Returns:
        The data.

    Raises:
        yaml.YAMLError: not valid YAML (the message says where).
    """
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader, C or Python


@cache
def known_levels() -> dict[str, str]:
    """Level code -> Vietnamese label, from ``levels.yaml``."""
    data = load_yaml(LEVELS_FILE.read_text(encoding="utf-8"))
    return {item["code"]: item["label"] for item in data["levels"]}


class Reader:
    """Reads one YAML mapping with strict keys; every error names file and entry."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, entry: str, message: str) -> CatalogError:
        return CatalogError(self.path, entry, message)

    def mapping(self, data: Any, entry: str, allowed: set[str], required: set[str]) -> dict:
        if not isinstance(data, dict):
            raise self.fail(entry, text("catalog.mapping"))
        unknown = set(data) - allowed
        if unknown:
            raise self.fail(entry, text("catalog.unknown_keys", keys=sorted(unknown), allowed=sorted(allowed)))
        missing = required - set(data)
        if missing:
            raise self.fail(entry, text("catalog.missing_keys", keys=sorted(missing)))
        return data

    def text(self, data: dict, key: str, entry: str, default: str = "") -> str:
        value = data.get(key, default)
        if value is None:
            return ""
        if not isinstance(value, str | int | float):
            raise self.fail(entry, text("catalog.not_text", key=key))
        return str(value).strip()

    def levels(self, data: dict, entry: str) -> tuple[str, ...]:
        levels = tuple(data.get("levels") or ())
        unknown = [lv for lv in levels if lv not in known_levels()]
        if unknown:
            raise self.fail(entry, text("catalog.unknown_levels", levels=unknown, known=sorted(known_levels())))
        return levels


def no_duplicates(r: Reader, items: list[str], entry: str, what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise r.fail(entry, text("catalog.duplicate", what=what, item=item))
        seen.add(item)
