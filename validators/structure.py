"""Structural notices of the reader (renamed sheet, deleted row …) as findings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from validators.findings import Finding, findings_from_hits
from workbooks.reader.model import Notice

_BASE = ("rule_id", "template", "severity", "return_id", "unit_code", "form_id", "sheet", "cell",
         "value", "cells", "notice")


def notice_findings(form_id: str, notices_by_return: Mapping[str, Sequence[Notice]] | None,
                    meta: pd.DataFrame) -> list[Finding]:
    """One ``structure.<notice id>`` finding per notice.

    Args:
        form_id: the form (used when the return has no values).
        notices_by_return: return id -> the reader's notices.
        meta: ``unit_code``/``form_id`` per return id (see ``frame.return_meta``).

    Returns:
        The findings, messages from the ``structure.*`` templates.
    """
    records = [_record(form_id, rid, n, meta) for rid, notices in (notices_by_return or {}).items()
               for n in notices]
    return findings_from_hits(pd.DataFrame(records)) if records else []


def _record(form_id: str, return_id: str, notice: Notice, meta: pd.DataFrame) -> dict:
    known = return_id in meta.index
    params = {k: v for k, v in (notice.params or {}).items() if k not in _BASE}
    return {
        **params,
        "rule_id": f"structure.{notice.id}", "template": f"structure.{notice.id}",
        "severity": notice.severity if notice.severity in ("error", "warning") else "warning",
        "return_id": return_id, "unit_code": meta.at[return_id, "unit_code"] if known else "",
        "form_id": (meta.at[return_id, "form_id"] if known else "") or form_id,
        "sheet": notice.sheet, "cell": notice.cell, "value": notice.value,
        "cells": (notice.cell,) if notice.cell else (), "notice": notice.id,
    }
