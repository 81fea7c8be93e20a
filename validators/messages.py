"""The Vietnamese message catalogue (``messages.yaml``) and the Vietnamese way of writing numbers.

The checking code never writes a sentence: it names a template key and hands over parameters;
:func:`render` picks the template (exact key, then ``<family>._default``, then ``_default``),
writes numbers the Vietnamese way (``1.054``; ``99,9``) and fills the placeholders.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from workbooks.catalog import CatalogError
from workbooks.catalog.loader import load_yaml

MESSAGES_FILE = Path(__file__).with_name("messages.yaml")
MISSING = "…"
_BLOCKS = ("_place", "_cells", "_bounds")


class _Params(dict):
    """Template parameters: a placeholder nobody supplied prints as ``…`` instead of failing."""

    def __missing__(self, key: str) -> str:
        return MISSING


def vi_number(x: Any, thousands: bool = True) -> str:
    """Write a number the Vietnamese way.

    Args:
        x: a number (int, float, numpy scalar); anything else is returned as ``str``.
        thousands: group thousands with dots (``1.054``); False writes ``1054``.

    Returns:
        ``"1.054"``, ``"99,9"``, ``"0,25"``; ``""`` for NaN/None.
    """
    if x is None or isinstance(x, bool) or not _is_number(x):
        return "" if x is None else str(x)
    value = float(x)
    if math.isnan(value):
        return ""
    text = f"{value:,.2f}" if thousands else f"{value:.2f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _is_number(x: Any) -> bool:
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return not isinstance(x, str)


def vi_value(x: Any) -> str:
    """Write a cell value for a message: numbers the Vietnamese way, dates dd/mm/yyyy.

    Args:
        x: the value (raw cell content or parsed number).

    Returns:
        The text shown between quotes or parentheses in a message.
    """
    if x is pd.NaT:  # a date text that could not be read back (hand-made frames)
        return ""
    if isinstance(x, datetime | date):
        return f"{x:%d/%m/%Y}"
    if isinstance(x, str):
        return x
    if _is_missing(x):
        return ""
    return vi_number(x)


def _is_missing(x: Any) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


@cache
def catalogue() -> dict[str, Any]:
    """The parsed and checked ``messages.yaml`` (cached).

    Returns:
        Template key -> ``{"message": str, "fix": str}`` plus the building blocks.

    Raises:
        CatalogError: the file has an entry without message/fix or a malformed template.
    """
    data = load_yaml(MESSAGES_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "_default" not in data:
        raise CatalogError(MESSAGES_FILE, "_default", "thiếu mẫu thông báo mặc định")
    for key, entry in data.items():
        parts = entry.values() if key in _BLOCKS else _entry_texts(key, entry)
        for text in parts:
            _check_template(key, text)
    return data


def _entry_texts(key: str, entry: Any) -> list[str]:
    if not isinstance(entry, dict) or set(entry) != {"message", "fix"}:
        raise CatalogError(MESSAGES_FILE, key, "mỗi mẫu cần đúng hai khóa message và fix")
    return [entry["message"], entry["fix"]]


def _check_template(key: str, text: Any) -> None:
    if not isinstance(text, str):
        raise CatalogError(MESSAGES_FILE, key, "mẫu thông báo phải là chuỗi")
    try:
        list(string.Formatter().parse(text))
    except ValueError as exc:
        raise CatalogError(MESSAGES_FILE, key, f"mẫu không hợp lệ: {exc}") from exc


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
    parsed = [*string.Formatter().parse(entry["message"]), *string.Formatter().parse(entry["fix"])]
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
    fix = entry["fix"].format_map(values)
    return message.strip(), fix.strip()
