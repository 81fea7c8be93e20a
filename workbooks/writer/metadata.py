"""Metadata that survives re-saving: a very-hidden sheet plus document custom properties."""

from __future__ import annotations

from datetime import datetime

from xlsxwriter.worksheet import Worksheet

import workbooks
from workbooks.contract import META_SHEET, PROPERTY_PREFIX, SHEET_KEY_PREFIX
from workbooks.writer.context import Context

__all__ = ["META_SHEET", "PROPERTY_PREFIX", "metadata", "write_metadata"]


def metadata(ctx: Context, generated_at: datetime) -> dict[str, str]:
    """The key/value pairs a return carries (all text, so any engine keeps them)."""
    form = ctx.form
    meta = {
        "form_id": form.id,
        "form_version": str(form.version),
        "catalog_hash": form.digest,
        "unit_code": ctx.unit.code,
        "unit_name": ctx.unit.name,
        "unit_level": ctx.unit.level or "",
        "period": str(ctx.year),
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "tool_version": workbooks.__version__,
    }
    for sheet in form.sheets_for_level(ctx.unit.level):
        meta[f"{SHEET_KEY_PREFIX}{sheet.id}"] = sheet.name
    return meta


def write_metadata(ws: Worksheet, ctx: Context, generated_at: datetime) -> None:
    """Fill the (very hidden) metadata sheet and the custom document properties."""
    meta = metadata(ctx, generated_at)
    ws.write_row(0, 0, ["key", "value"])
    for i, (key, value) in enumerate(meta.items(), 1):
        ws.write_string(i, 0, key)
        ws.write_string(i, 1, value)
    ws.very_hidden()
    ws.protect()
    for key, value in meta.items():
        if not key.startswith(SHEET_KEY_PREFIX) and value:
            ctx.wb.set_custom_property(PROPERTY_PREFIX + key, value)
