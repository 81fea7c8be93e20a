"""Findings' texts: templates of the one message catalogue (``workbooks/messages``), filled.

The checking code never writes a sentence: it names a template key and hands over parameters;
:func:`render` picks the template (exact key, then ``<family>._default``, then ``_default``),
writes numbers the Vietnamese way (``1.054``; ``99,9``) and fills the placeholders.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from workbooks.catalog import CatalogError
from workbooks.messages import BLOCKS as _BLOCKS
from workbooks.messages import FOLDER, MISSING, MessageCatalogueError, _Params, vi_number, vi_value
from workbooks.messages import catalogue as shared_catalogue

MESSAGES_FILE = FOLDER / "findings.yaml"

__all__ = ["MISSING", "bounds", "catalogue", "check_cells", "place", "placeholders", "render", "template_key",
           "vi_number", "vi_value"]


def catalogue() -> dict[str, Any]:
    """The one message catalogue (``workbooks/messages/*.yaml``), checked and cached.

    Returns:
        Template key -> ``{"message": str, "fix": str}`` plus the building blocks.

    Raises:
        CatalogError: a malformed entry, an id in two files, or no ``_default`` entry.
    """
    try:
        data = shared_catalogue()
    except MessageCatalogueError as exc:
        raise CatalogError(MESSAGES_FILE, "messages", str(exc)) from exc
    if "_default" not in data:
        raise CatalogError(MESSAGES_FILE, "_default", "thiếu mẫu thông báo mặc định")
    return data


def template_key(key: str) -> str:
    """The catalogue entry used for ``key``: exact, else ``<family>._default``, else ``_default``.

    Args:
        key: a template key or rule id (``coerced.thousands``, ``structure.sheet_renamed``).

    Returns:
        A key present in the catalogue.
    """
    data = catalogue()
    if key in data and key not in _BLOCKS:
        return key
    family = key.split(":", 1)[0].split(".", 1)[0]
    return f"{family}._default" if f"{family}._default" in data else "_default"


def _formatted(params: Mapping[str, Any]) -> _Params:
    return _Params({k: vi_value(v) for k, v in params.items()})


def place(sheet: str, cell: str) -> str:
    """``[Phụ lục II, ô E14]``, ``[Phụ lục II]`` or ``""``.

    Args:
        sheet: sheet name as found in the file ("" when unknown).
        cell: cell address ("" when unknown).

    Returns:
        The bracketed place that starts every message.
    """
    blocks = catalogue()["_place"]
    key = "cell" if sheet and cell else "sheet" if sheet else "none"
    return blocks[key].format_map(_Params(sheet=sheet, cell=cell))


def check_cells(cells: Sequence[str]) -> str:
    """``Kiểm tra lại hai ô E13 và E14.`` for the cells of a rule (in the order given).

    Args:
        cells: cell addresses; duplicates and empty ones are dropped.

    Returns:
        The sentence, or ``""`` without cells.
    """
    shown = sorted({c for c in cells if c}, key=_cell_order)
    if not shown:
        return ""
    blocks = catalogue()["_cells"]
    key = "one" if len(shown) == 1 else "two" if len(shown) == 2 else "many"
    return blocks[key].format_map(_Params(first=", ".join(shown[:-1]), last=shown[-1]))


def _cell_order(cell: str) -> tuple[str, int, str]:
    sheet, _, ref = cell.rpartition("!")
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters):]
    return sheet, int(digits) if digits else 0, letters.rjust(3)


def bounds(lo: float | None, hi: float | None) -> str:
    """``từ 0 đến 100`` / ``từ 0 trở lên`` / ``không lớn hơn 10``.

    Args:
        lo: lower bound or None.
        hi: upper bound or None.

    Returns:
        The phrase (empty when both are None).
    """
    blocks = catalogue()["_bounds"]
    lo_ok = lo is not None and not (isinstance(lo, float) and math.isnan(lo))
    hi_ok = hi is not None and not (isinstance(hi, float) and math.isnan(hi))
    key = "both" if lo_ok and hi_ok else "min" if lo_ok else "max" if hi_ok else ""
    return blocks[key].format_map(_formatted({"min": lo, "max": hi})) if key else ""


@cache
def _fields(key: str) -> frozenset[str]:
    entry = catalogue()[key]
    parsed = [*string.Formatter().parse(entry["message"]), *string.Formatter().parse(entry.get("fix", ""))]
    return frozenset(name for _, name, _, _ in parsed if name)


@cache
def placeholders() -> frozenset[str]:
    """Every placeholder some template uses (the parameters worth handing to :func:`render`)."""
    keys = [k for k in catalogue() if k not in _BLOCKS]
    return frozenset().union(*(_fields(k) for k in keys)) | {"sheet", "cell", "place"}


def render(key: str, params: Mapping[str, Any]) -> tuple[str, str]:
    """Fill the template ``key`` with ``params``.

    Args:
        key: template key (falls back as described in :func:`template_key`).
        params: placeholder values; numbers are written the Vietnamese way; ``place`` is built
            from ``sheet``/``cell`` when not given.

    Returns:
        ``(message, fix)``, whitespace-trimmed.
    """
    chosen = template_key(key)
    entry = catalogue()[chosen]
    values = _Params({k: vi_value(params[k]) for k in _fields(chosen) if k in params})
    if "place" not in params:
        values["place"] = place(str(params.get("sheet") or ""), str(params.get("cell") or ""))
    message = entry["message"].format_map(values)
    fix = entry.get("fix", "").format_map(values)
    return message.strip(), fix.strip()
