"""List rows (documents, tasks) of the returns used: stacked with the unit beside each row, and
counted per group and per value of every choice column, for every scope."""

from __future__ import annotations

import numpy as np
import pandas as pd

from consolidate.matrix import positions_in, take_rows
from workbooks.catalog.model import Form, ListSheet

LIST_COUNT_COLUMNS = ["scope", "scope_code", "sheet_id", "group", "column", "value", "rows"]
ALL_GROUPS = "*"


def list_frames(values: pd.DataFrame, form: Form, units: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """List sheet id -> one row per list item, with the unit beside it (return order, then item)."""
    out: dict[str, pd.DataFrame] = {}
    order = pd.Index(units.index)
    for sheet in form.sheets:
        if not isinstance(sheet, ListSheet):
            continue
        keys = [c.key for c in sheet.columns]
        part = take_rows(values, values["sheet_id"].eq(sheet.id).to_numpy(dtype=bool),
                     ["return_id", "code", "column", "item", "row", "kind", "number", "text"])
        lead = ["unit_code", "unit_name", "level", "parent_code", "return_id", "group", "item", "row"]
        if part.empty:
            out[sheet.id] = pd.DataFrame(columns=lead + keys)
            continue
        pos = positions_in(part["return_id"], list(order))
        item = part["item"].to_numpy()
        row_key = pos.astype(np.int64) * 1_000_000 + item
        uniq, row_of = np.unique(row_key, return_inverse=True)
        col_of = positions_in(part["column"], keys)
        shown = np.where(part["kind"].eq("count").to_numpy(dtype=bool), part["number"].to_numpy(dtype=object),
                         part["text"].to_numpy(dtype=object))
        grid = np.full((len(uniq), len(keys)), None, dtype=object)
        ok = col_of >= 0
        grid[row_of[ok], col_of[ok]] = shown[ok]
        first = np.full(len(uniq), -1)
        first[row_of[::-1]] = np.arange(len(part))[::-1]  # first record of every row
        frame = pd.DataFrame(grid, columns=keys)
        frame.insert(0, "return_id", part["return_id"].take(first).to_numpy(dtype=object))
        frame.insert(1, "group", part["code"].take(first).to_numpy(dtype=object))
        frame.insert(2, "item", item[first])
        rows = pd.Series(part["row"].to_numpy()).groupby(row_of).min().to_numpy()
        frame.insert(3, "row", rows)
        frame = frame.join(units, on="return_id")
        out[sheet.id] = frame[lead + keys].reset_index(drop=True)
    return out


def list_counts(lists: dict[str, pd.DataFrame], form: Form, units: pd.DataFrame,
                 groups: list[tuple[str, str, str, np.ndarray]]) -> pd.DataFrame:
    """Rows per group (and all groups: ``*``) and per value of every choice column, per scope.

    Counted for every scope at once: a scope × row membership matrix times one-hot matrices
    of the rows' groups and values (linear in rows and scopes, no loop over scopes).
    """
    records: list[tuple] = []
    pos_of = {rid: i for i, rid in enumerate(units.index)}
    member_units = np.zeros((len(groups), len(units)), dtype=bool)
    for s, (_, _, _, rows) in enumerate(groups):
        member_units[s, rows] = True
    for sheet_id, frame in lists.items():
        sheet = form.sheet(sheet_id)
        assert isinstance(sheet, ListSheet)
        codes = [g.code for g in sheet.groups] or [""]
        pos = frame["return_id"].map(pos_of).to_numpy(dtype=float)
        known = ~np.isnan(pos)
        member = np.zeros((len(groups), len(frame)))
        member[:, known] = member_units[:, pos[known].astype(np.intp)]
        group = frame["group"].fillna("").astype(str).to_numpy(dtype=object)
        by_group = _one_hot(group, codes)  # rows × (codes + all)
        counts = member @ by_group  # scopes × (codes + all)
        choice_cols = [c for c in sheet.columns if c.type == "choice"]
        per_col = {}
        for col in choice_cols:
            values = frame[col.key].fillna("").astype(str).to_numpy(dtype=object)
            labels = [*col.choices, "(khác)", "(trống)"]
            kinds = np.where(values == "", len(labels) - 1,
                             pd.Index(list(col.choices)).get_indexer(values))
            kinds = np.where(kinds < 0, len(labels) - 2, kinds)
            by_kind = np.eye(len(labels))[kinds] if len(kinds) else np.zeros((0, len(labels)))
            # (no list row at all is fine: a 0 × k matrix, never reshape(0, -1))
            joint = (by_group[:, :, None] * by_kind[:, None, :]).reshape(len(frame), by_group.shape[1] * len(labels))
            per_col[col.key] = (labels, (member @ joint).reshape(len(groups), by_group.shape[1], len(labels)))
        for s, (scope, scope_code, _label, _rows) in enumerate(groups):
            for g, code in enumerate([*codes, ALL_GROUPS]):
                records.append((scope, scope_code, sheet_id, code, "", "", float(counts[s, g])))
                for col in choice_cols:
                    labels, table = per_col[col.key]
                    for k, value in enumerate(labels):
                        records.append((scope, scope_code, sheet_id, code, col.key, value, float(table[s, g, k])))
    return pd.DataFrame.from_records(records, columns=LIST_COUNT_COLUMNS)


def _one_hot(group: np.ndarray, codes: list[str]) -> np.ndarray:
    """Rows × (codes, all): 1 where the row is in the group; the last column is every row."""
    out = np.zeros((len(group), len(codes) + 1))
    at = pd.Index(codes).get_indexer(group) if len(group) else np.zeros(0, dtype=np.intp)
    hit = at >= 0
    out[np.flatnonzero(hit), at[hit]] = 1.0
    out[:, -1] = 1.0
    return out
