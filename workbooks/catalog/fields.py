"""Parsing of the optional catalog fields added for issue 13 (required per level, ratio display,
the source's deadline, the signature block). The loader calls these; errors name file and entry
through the loader's reader and use the texts of ``workbooks/messages/forms.yaml``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from workbooks.catalog.kinds import kind as kind_of
from workbooks.catalog.model import Signature
from workbooks.messages import text

if TYPE_CHECKING:
    from workbooks.catalog.yaml_reader import Reader

DISPLAYS = {"percent", "ratio"}
DAY = re.compile(r"\d{1,2}/\d{1,2}/(\d{4}|\{year([+-]\d+)?\})")
SIGNATURE_KEYS = {"preparer", "preparer_note", "head", "head_note", "place"}


def parse_required(r: Reader, d: dict, entry: str, kind: str) -> tuple[bool, tuple[str, ...]]:
    """``required``: true / false, or the levels a row is required for (``[so_nganh, huyen]``)."""
    raw = d.get("required", kind_of(kind).required)
    if isinstance(raw, bool):
        return raw, ()
    if not isinstance(raw, list) or not raw:
        raise r.fail(entry, text("forms.catalog.required"))
    levels = r.levels({"levels": raw}, entry)
    if d.get("levels") and not set(levels) <= set(d["levels"]):
        raise r.fail(entry, text("forms.catalog.required_outside", levels=sorted(set(levels) - set(d["levels"]))))
    return True, levels


def parse_display(r: Reader, d: dict, entry: str, kind: str) -> tuple[str, int]:
    """How a ratio's computed cell prints: a percentage, or a plain ratio with ``decimals``."""
    display, decimals = d.get("display", "percent"), d.get("decimals", 2)
    if ("display" in d or "decimals" in d) and not kind_of(kind).ratio:
        raise r.fail(entry, text("forms.catalog.display_kind"))
    if display not in DISPLAYS:
        raise r.fail(entry, text("forms.catalog.display", display=display))
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6:
        raise r.fail(entry, text("forms.catalog.decimals"))
    return display, decimals


def parse_deadline(r: Reader, d: dict) -> str:
    """The source's deadline as a ``dd/mm/yyyy`` template (``30/10/{year}``), or ""."""
    deadline = r.text(d, "deadline", "period.deadline")
    if deadline and not DAY.fullmatch(deadline):
        raise r.fail("period.deadline", text("forms.catalog.deadline"))
    return deadline


def parse_signature(r: Reader, raw: Any) -> Signature:
    """The signature block (defaults: Người lập biểu; Thủ trưởng cơ quan, đơn vị)."""
    if raw is None:
        return Signature()
    d = r.mapping(raw, "signature", SIGNATURE_KEYS, set())
    return Signature(**{k: r.text(d, k, "signature") for k in d})
