"""Numbers and values written the Vietnamese way (1.054; 99,9; dd/mm/yyyy), without pandas."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from workbooks.messages.safe import printable


def _is_number(x: Any) -> bool:
    if isinstance(x, str | bytes | bool):
        return False
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return True


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


def is_missing(x: Any) -> bool:
    """True for None, NaN and pandas' NA/NaT (recognised without importing pandas)."""
    if x is None or type(x).__name__ in {"NAType", "NaTType"}:
        return True
    try:
        return bool(x != x)  # NaN (Python's or numpy's) is the one value unequal to itself
    except (TypeError, ValueError):
        return False


def vi_value(x: Any) -> str:
    """Write a cell value for a message: numbers the Vietnamese way, dates dd/mm/yyyy.

    Args:
        x: the value (raw cell content or parsed number).

    Returns:
        The text shown between quotes or parentheses in a message.
    """
    if type(x).__name__ == "NaTType":
        return ""
    if isinstance(x, datetime | date):
        return f"{x:%d/%m/%Y}"
    if isinstance(x, str):
        return printable(x)  # a name or a typed value never brings control characters along
    if is_missing(x):
        return ""
    return vi_number(x)
