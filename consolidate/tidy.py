"""Tidy data for further analysis (pandas, Power BI, R …): Parquet or CSV files in one folder.

Files: ``values`` (every value of the returns used, with unit name, level and parent),
``totals`` (every total: scope × cell × measure), ``list_<sheet id>`` (stacked list rows),
``list_counts``, ``findings``, ``files`` (what became of every file), ``units`` (submission
status of every expected unit).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from consolidate.labels import STATUS_LABELS, SUBMISSION_LABELS

if TYPE_CHECKING:
    from consolidate.model import Consolidation

FORMATS = ("parquet", "csv")
#: What a spreadsheet may take for the start of a formula in a CSV cell (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame for a CSV file: every text starting like a formula gets a leading apostrophe.

    Excel and LibreOffice open a CSV by evaluating cells such as ``=HYPERLINK(...)`` or
    ``@SUM(1)``; an apostrophe in front makes them plain text (OWASP CSV-injection guidance).
    Numbers are untouched; the Parquet files keep the raw text.

    Args:
        frame: a tidy table.

    Returns:
        A copy with the text cells neutralised (the frame itself when no cell needs it).
    """
    out = frame
    for column in frame.columns:
        series = frame[column]
        if series.dtype.kind not in "OSU" and str(series.dtype) != "string":
            continue
        texts = series.where(series.map(lambda v: isinstance(v, str)), "")
        risky = texts.astype(str).str.startswith(FORMULA_STARTS).to_numpy(dtype=bool)
        if risky.any():
            if out is frame:
                out = frame.copy()
            out[column] = series.astype(object).where(~risky, "'" + texts.astype(str))
    return out


def frames(result: Consolidation) -> dict[str, pd.DataFrame]:
    """Build the tidy tables.

    Args:
        result: the consolidation.

    Returns:
        File stem -> table.
    """
    units = result.aggregates.units
    values = result.values
    at = units.index.get_indexer(values["return_id"])  # each row's unit (every return used is in units)
    described = {c: units[c].to_numpy(dtype=object)[at] for c in ("unit_name", "level", "parent_code")}
    values = values.assign(raw=values["raw"].astype("str").where(values["raw"].notna(), None), **described)
    out = {"values": values, "totals": result.aggregates.totals, "list_counts": result.aggregates.list_counts}
    for sheet_id, frame in result.aggregates.lists.items():
        out[f"list_{sheet_id}"] = frame.astype(object).where(frame.notna(), None).astype(str).replace("None", "")
    findings = result.report.to_frame()
    if "value" in findings:
        findings["value"] = findings["value"].map(lambda v: None if v is None else str(v))
    if "cells" in findings:
        findings["cells"] = findings["cells"].map(lambda c: ", ".join(c))
    out["findings"] = findings
    out["files"] = pd.DataFrame([{
        "file": o.rel, "status": o.status, "status_label": STATUS_LABELS.get(o.status, o.status),
        "reason": o.reason, "message": o.message, "unit_code": o.unit_code, "unit_name": o.unit_name,
        "level": o.level, "sha256": o.sha256, "n_errors": o.n_errors, "n_warnings": o.n_warnings,
        "submitted_at": o.submitted_at, "time_source": o.time_source, "late": o.late,
        "values_left_out": o.values_left_out} for o in result.outcomes],
        columns=["file", "status", "status_label", "reason", "message", "unit_code", "unit_name", "level",
                 "sha256", "n_errors", "n_warnings", "submitted_at", "time_source", "late", "values_left_out"])
    out["units"] = pd.DataFrame([{
        "unit_code": u.unit.code, "unit_name": u.unit.name, "level": u.unit.level,
        "parent_code": u.unit.parent_code or "", "status": u.status,
        "status_label": SUBMISSION_LABELS[u.status], "file": u.file, "submitted_at": u.submitted_at,
        "time_source": u.time_source, "n_errors": u.n_errors, "n_warnings": u.n_warnings} for u in result.units],
        columns=["unit_code", "unit_name", "level", "parent_code", "status", "status_label", "file",
                 "submitted_at", "time_source", "n_errors", "n_warnings"])
    return out


def write_data(result: Consolidation, folder: str | Path, fmt: str = "parquet") -> list[Path]:
    """Write every tidy table (each file written to a temporary name, then renamed).

    Args:
        result: the consolidation.
        folder: the folder (created).
        fmt: ``parquet`` or ``csv`` (UTF-8 with BOM, so Excel opens the accents right); CSV
            when pyarrow is not installed.

    Returns:
        The files written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"định dạng '{fmt}' không hỗ trợ; chọn một trong {', '.join(FORMATS)}")
    if fmt == "parquet" and importlib.util.find_spec("pyarrow") is None:
        fmt = "csv"  # Parquet needs pyarrow; CSV needs nothing
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, frame in frames(result).items():
        path = folder / f"{stem}.{fmt}"
        tmp = folder / f".{stem}.{fmt}.cchc-tmp"
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            neutralised(frame).to_csv(tmp, index=False, encoding="utf-8-sig")
        os.replace(tmp, path)
        written.append(path)
    return written
