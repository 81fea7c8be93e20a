"""``Finding``: one problem in one return, pointing at a cell, with a Vietnamese message.

The checks produce *hits* frames (one row per problem, vectorised); :func:`findings_from_hits`
turns each row into a :class:`Finding`, taking the text from the message catalogue.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import pandas as pd

from validators.messages import placeholders, render

Severity = Literal["error", "warning"]

#: Columns every hits frame carries (extra columns are template parameters).
HIT_COLUMNS = [
    "rule_id", "template", "severity", "return_id", "unit_code", "form_id", "sheet", "cell",
    "value", "code", "column", "cells",
]


@dataclass(frozen=True)
class Finding:
    """One problem found in a return.

    Attributes:
        rule_id: stable id (``range.percent``, ``rule:<id>``, ``parts:<code>``, ``structure.<id>`` …).
        severity: ``error`` (the return is not valid) or ``warning``.
        form_id: the form.
        return_id: the return inside the batch.
        unit_code: the unit ("" when unknown).
        sheet: sheet name as found in the file ("" for the whole file).
        cell: anchor cell address ("E14"; "" when none).
        value: the anchor cell's value (raw content, or the number for rules).
        message: Vietnamese, ``[sheet, ô cell] what is wrong (values).``
        fix: Vietnamese, how to correct it.
        cells: every cell involved, anchor first (other sheets as ``'Sheet'!A1``).
        code: indicator code (list sheets: group code) of the anchor.
        column: value column key (list sheets: column key) of the anchor.
    """

    rule_id: str
    severity: Severity
    form_id: str
    return_id: str
    unit_code: str
    sheet: str
    cell: str
    value: Any
    message: str
    fix: str
    cells: tuple[str, ...] = field(default=())
    code: str = ""
    column: str = ""

    @property
    def is_error(self) -> bool:
        """True for errors (the return is not valid)."""
        return self.severity == "error"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (numpy scalars, NaN and dates converted).

        Returns:
            Field name -> plain Python value; ``cells`` as a list.
        """
        out = asdict(self)
        out["cells"] = list(self.cells)
        out["value"] = jsonable(self.value)
        return out


def jsonable(value: Any) -> Any:
    """Convert a cell value into something ``json.dumps`` accepts.

    Args:
        value: raw cell content, numpy scalar, NaN, date …

    Returns:
        None, bool, int, float, or str.
    """
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def hits_frame(rows: pd.DataFrame, **constants: Any) -> pd.DataFrame:
    """Add constant columns (rule id, template, severity …) to selected rows of a frame.

    Args:
        rows: rows of the working frame that failed a check.
        **constants: column name -> value for every row.

    Returns:
        A copy with the constants assigned.
    """
    out = rows.copy()
    for name, value in constants.items():
        out[name] = value
    return out


def findings_from_hits(hits: pd.DataFrame) -> list[Finding]:
    """Render every hit row into a :class:`Finding` (one template call per finding).

    Args:
        hits: frame with at least ``HIT_COLUMNS``; other columns are template parameters.

    Returns:
        Findings in the frame's order.
    """
    if hits.empty:
        return []
    wanted = [c for c in hits.columns if c in HIT_COLUMNS or c in placeholders()]
    columns = [_values(hits[c]) for c in wanted]
    return [_finding(dict(zip(wanted, row, strict=True))) for row in zip(*columns, strict=True)]


def _values(column: pd.Series) -> list[Any]:
    """The column as Python objects (string columns in one conversion, not element by element)."""
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.na_value is not pd.NA:
        return column.to_numpy(dtype=object).tolist()
    return column.tolist()


def _finding(rec: dict[str, Any]) -> Finding:
    message, fix = render(_text(rec.get("template")) or str(rec["rule_id"]), rec)
    cells = tuple(rec.get("cells") or ((rec["cell"],) if rec.get("cell") else ()))
    return Finding(
        rule_id=str(rec["rule_id"]), severity=rec["severity"], form_id=str(rec["form_id"]),
        return_id=str(rec["return_id"]), unit_code=_text(rec.get("unit_code")),
        sheet=_text(rec.get("sheet")), cell=_text(rec.get("cell")), value=rec.get("value"),
        message=message, fix=fix, cells=cells, code=_text(rec.get("code")),
        column=_text(rec.get("column")),
    )


def _text(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return str(x)
