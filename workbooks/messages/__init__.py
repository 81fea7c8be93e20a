"""The one Vietnamese message catalogue: every text a user reads, by stable id.

Each ``*.yaml`` file in this folder holds one family of messages (findings of the checks,
file rejections, registry and catalog errors, command-line errors, labels of the output …);
together they form one catalogue where an id appears once (a duplicate id fails loudly).
An entry is ``{message, fix}``: what is wrong (with where, through ``{place}`` or the
caller's parameters) and what to do. Code never writes a user-facing sentence: it names an id
and hands over parameters (pyxform's ``ErrorCode`` catalogue is the model).

Building blocks (``_place``, ``_cells``, ``_bounds``) are small phrases the findings reuse.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from workbooks.messages.numbers import vi_number, vi_value

__all__ = ["BLOCKS", "Message", "MessageCatalogueError", "catalogue", "fix", "say", "text",
           "vi_number", "vi_value"]

FOLDER = Path(__file__).parent
BLOCKS = ("_place", "_cells", "_bounds")
MISSING = "…"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class MessageCatalogueError(Exception):
    """A mistake in the message catalogue itself (ours: fails the tests, never a user's file)."""


class _Params(dict):
    """Template parameters: a placeholder nobody supplied prints as ``…`` instead of failing."""

    def __missing__(self, key: str) -> str:
        return MISSING


@dataclass(frozen=True)
class Message:
    """One rendered message: its stable id, what is wrong, what to do."""

    id: str
    text: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{self.text} {self.fix}".strip()


def _check_entry(source: str, key: str, entry: Any) -> None:
    if key in BLOCKS:
        texts = list(entry.values()) if isinstance(entry, dict) else [None]
    elif isinstance(entry, dict) and "message" in entry and set(entry) <= {"message", "fix"}:
        texts = [entry["message"], entry.get("fix", "")]
    else:
        raise MessageCatalogueError(f"{source}: {key}: mỗi mục cần khóa message (và fix nếu có)")
    for item in texts:
        if not isinstance(item, str):
            raise MessageCatalogueError(f"{source}: {key}: mẫu thông báo phải là chuỗi")
        try:
            list(string.Formatter().parse(item))
        except ValueError as exc:
            raise MessageCatalogueError(f"{source}: {key}: mẫu không hợp lệ: {exc}") from exc


@cache
def catalogue() -> dict[str, Any]:
    """Every entry of every ``*.yaml`` file of this folder, checked (cached).

    Raises:
        MessageCatalogueError: a malformed entry, or one id in two files.
    """
    merged: dict[str, Any] = {}
    where: dict[str, str] = {}
    for path in sorted(FOLDER.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}  # noqa: S506 - safe loader
        if not isinstance(data, dict):
            raise MessageCatalogueError(f"{path.name}: phải là một bảng id -> mục")
        for key, entry in data.items():
            if key in merged:
                raise MessageCatalogueError(f"{path.name}: {key}: id đã có trong {where[key]}")
            _check_entry(path.name, key, entry)
            merged[key], where[key] = entry, path.name
    return merged


@cache
def _fields(key: str) -> frozenset[str]:
    entry = catalogue()[key]
    texts = (entry["message"], entry.get("fix", ""))
    return frozenset(name for t in texts for _, name, _, _ in string.Formatter().parse(t) if name)


def say(message_id: str, **params: Any) -> Message:
    """The message ``message_id`` filled with ``params`` (numbers written the Vietnamese way).

    Raises:
        KeyError: no such id (a programming mistake: every id used is tested).
    """
    entry = catalogue()[message_id]
    values = _Params({k: vi_value(params[k]) for k in _fields(message_id) if k in params})
    return Message(message_id, entry["message"].format_map(values).strip(),
                   entry.get("fix", "").format_map(values).strip())


def text(message_id: str, **params: Any) -> str:
    """What is wrong and what to do, as one sentence pair (``say(...)`` as a string)."""
    return str(say(message_id, **params))


def fix(message_id: str, **params: Any) -> str:
    """Only the "what to do" part of ``message_id``."""
    return say(message_id, **params).fix


def fill(template: str, params: Mapping[str, Any]) -> str:
    """Fill a catalogue-style template (missing placeholders print as ``…``)."""
    return template.format_map(_Params({k: vi_value(v) for k, v in params.items()}))
