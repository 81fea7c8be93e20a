"""Values never counted, even with ``--include-errors``: those that fail their own cell check.

A return with errors may be used (``--include-errors``), but a value that is not what its
cell allows — 12.5 in a whole-number cell, −3 or 101.5 % outside the range, a choice code
that does not exist — is neither summed nor counted; the return's other values are. A list
row whose date lies outside the period is not counted at all (its whole row is left out).
Text that is not a number already has no number: it is left out the same way, and said so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from validators import Report

#: Rule id prefixes of the checks a single cell fails on its own (type, range, choice, not a number).
OWN_CELL_RULES = ("type.", "range.", "choice.", "invalid.", "list.choice", "list.count")
#: Rule ids that leave a whole list row out.
ROW_RULES = ("list.date_outside_period",)


def _is_own_cell(rule_id: str) -> bool:
    return rule_id.startswith(OWN_CELL_RULES) and rule_id != "range.date"


def _row_of(cell: str) -> int:
    digits = "".join(ch for ch in cell if ch.isdigit())
    return int(digits) if digits else -1


def left_out(values: pd.DataFrame, report: Report, return_ids: set[str]) -> tuple[np.ndarray, list[tuple]]:
    """Which values of the returns used fail their own check (or lie in a list row out of the period).

    Args:
        values: the stacked values (``VALUE_COLUMNS``).
        report: the findings of the checks.
        return_ids: the returns used.

    Returns:
        (boolean mask over ``values``: True = leave out, one (return id, sheet, cell, rule id) per
        finding that left values out).
    """
    cells: set[tuple[str, str, str]] = set()
    rows: set[tuple[str, str, int]] = set()
    where: list[tuple] = []
    for f in report.findings:
        if f.return_id not in return_ids or not f.cell:
            continue
        if f.rule_id in ROW_RULES:
            rows.add((f.return_id, f.sheet, _row_of(f.cell)))
            where.append((f.return_id, f.sheet, f.cell, f.rule_id))
        elif _is_own_cell(f.rule_id):
            cells.add((f.return_id, f.sheet, f.cell))
            where.append((f.return_id, f.sheet, f.cell, f.rule_id))
    mask = np.zeros(len(values), dtype=bool)
    if not where:
        return mask, []
    affected = np.flatnonzero(values["return_id"].isin({w[0] for w in where}).to_numpy(dtype=bool))
    rid = values["return_id"].take(affected).to_numpy(dtype=object)
    sheet = values["sheet"].take(affected).to_numpy(dtype=object)
    cell = values["cell"].take(affected).to_numpy(dtype=object)
    for i, (r, s, c) in enumerate(zip(rid, sheet, cell, strict=True)):
        if (r, s, c) in cells or (r, s, _row_of(str(c))) in rows:
            mask[affected[i]] = True
    return mask, where
