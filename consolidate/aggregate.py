"""Province totals from the values of the returns used (DOMAIN.md section 4).

=====================  ==============================================================
kind                   measures (per value column, overall / per level / per parent)
=====================  ==============================================================
count, cumulative      ``sum`` and ``n`` (units with a number)
ratio (num, den rows)  ``sum`` of numerators and of denominators, ``n``
ratio (% row),         ``rate`` = Σ numerators / Σ denominators × 100 over the units that
computed column        gave both (never the mean of the units' percentages); ``n`` = those units
percent, decimal       not summable: ``n``, ``min``, ``median``, ``max``
choice                 ``n`` (units answering) and ``choice=<code>`` (units per code, zeros too)
yesno                  ``yes`` (units answering "Có") and ``answered``
text, date, notes      ``n`` (units answering); the texts stay per unit (``Matrix.texts``)
list rows              stacked with the unit beside each row; rows counted per group and per
                       value of every choice column (e.g. on time / late)
=====================  ==============================================================

The indicator values are first scattered into a dense units × cells matrix (``Matrix``); every
total is then a NumPy reduction over the rows of a scope.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from consolidate.list_rows import ALL_GROUPS, LIST_COUNT_COLUMNS, list_counts, list_frames  # noqa: F401 - re-exported
from consolidate.matrix import (  # noqa: F401 - re-exported
    TOTAL_ROLES,
    Cell,
    Matrix,
    build_matrix,
    code_text,
    form_cells,
    is_textual,
    positions_in,
)
from workbooks.catalog.model import Form
from workbooks.registry import Registry, known_levels

TOTAL_COLUMNS = ["scope", "scope_code", "scope_label", "sheet_id", "code", "column", "kind", "measure",
                 "value"]
SCOPE_ALL, SCOPE_LEVEL, SCOPE_PARENT = "all", "level", "parent"


@dataclass
class Aggregates:
    """Everything the output needs.

    Attributes:
        totals: tidy totals, columns ``TOTAL_COLUMNS`` (one row per scope × cell × measure).
        units: the units used, indexed by return id (unit_code, unit_name, level, parent_code).
        matrix: the units × cells values (the "Theo đơn vị" sheet).
        lists: list sheet id -> stacked rows (unit columns, group, item, row, one column per list column).
        list_counts: tidy counts of list rows (``LIST_COUNT_COLUMNS``).
    """

    totals: pd.DataFrame
    units: pd.DataFrame
    matrix: Matrix
    lists: dict[str, pd.DataFrame] = field(default_factory=dict)
    list_counts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LIST_COUNT_COLUMNS))

    def value(self, code: str, column: str, measure: str, scope: str = SCOPE_ALL,
              scope_code: str = "") -> float:
        """Look up one total, e.g. ``value("II.2.4.a", "year", "rate")``.

        Args:
            code: value code.
            column: value column key.
            measure: sum, n, rate, min, median, max, yes, answered, ``choice=<code>``.
            scope: all, level or parent.
            scope_code: the level or parent code ("" for all).

        Returns:
            The value (NaN when absent).
        """
        t = self.totals
        hit = t[(t["scope"] == scope) & (t["scope_code"] == scope_code) & (t["code"] == code)
                & (t["column"] == column) & (t["measure"] == measure)]
        return float(hit["value"].iloc[0]) if len(hit) else float("nan")


def unit_table(return_units: dict[str, str], registry: Registry) -> pd.DataFrame:
    """Describe the units of the returns used (names, levels and parents from the registry).

    Args:
        return_units: return id -> unit code, in output order.
        registry: the unit registry.

    Returns:
        A frame indexed by return id: unit_code, unit_name, level, parent_code.
    """
    rows = []
    for rid, code in return_units.items():
        unit = registry.by_code(code)
        rows.append((rid, code, unit.name if unit else "", unit.level if unit else "",
                     (unit.parent_code or "") if unit else ""))
    frame = pd.DataFrame(rows, columns=["return_id", "unit_code", "unit_name", "level", "parent_code"],
                         dtype=object)
    return frame.set_index("return_id")


def scope_groups(units: pd.DataFrame, registry: Registry,
                 summary_levels: tuple[str, ...] = ()) -> list[tuple[str, str, str, np.ndarray]]:
    """Group the units for the totals: overall, per level, per parent.

    Args:
        units: the units used (``unit_table``), in matrix row order.
        registry: the unit registry (parent names).
        summary_levels: levels whose returns already hold the province's totals (the form's
            ``summary_levels``): shown in their own level group, never added into the overall one.

    Returns:
        (scope, scope code, label, row positions) tuples.
    """
    levels = known_levels()
    level = units["level"].to_numpy(dtype=object)
    overall = np.flatnonzero(~np.isin(level, list(summary_levels))) if summary_levels else np.arange(len(units))
    out: list[tuple[str, str, str, np.ndarray]] = [(SCOPE_ALL, "", "Toàn tỉnh", overall)]
    for code in [c for c in levels if c in set(level)] + sorted(set(level) - set(levels)):
        out.append((SCOPE_LEVEL, code, levels.get(code, code), np.flatnonzero(level == code)))
    parent = units["parent_code"].to_numpy(dtype=object)
    for code in dict.fromkeys(p for p in parent if p):
        unit = registry.by_code(code)
        out.append((SCOPE_PARENT, code, unit.name if unit else code, np.flatnonzero(parent == code)))
    return out


def _stats(block: np.ndarray) -> dict[str, np.ndarray]:
    """Column statistics of a units × cells block (NaN ignored)."""
    present = ~np.isnan(block)
    n = present.sum(axis=0).astype(float)
    total = np.where(present, block, 0.0).sum(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, mid, hi = np.nanmin(block, axis=0), np.nanmedian(block, axis=0), np.nanmax(block, axis=0)
    return {"n": n, "sum": np.where(n > 0, total, np.nan), "min": lo, "median": mid, "max": hi}


def _totals(matrix: Matrix, groups: list[tuple[str, str, str, np.ndarray]]) -> pd.DataFrame:
    """Every measure of every cell for every scope, as a tidy frame (``TOTAL_COLUMNS``).

    Measures are computed per scope as whole arrays over the cells, then laid out in one go:
    no Python loop over scope × cell (a province with a hundred districts stays linear).
    """
    cells = matrix.cells
    nums = matrix.numbers
    filled_text = (matrix.texts != None) & (matrix.texts != "")  # noqa: E711 - elementwise on objects
    role = np.array([c.role for c in cells], dtype=object)
    by_role = {r: np.flatnonzero(role == r) for r in ("text", "rate", "sum", "spread", "choice", "yesno")}
    rate_cells = [i for i in by_role["rate"]
                  if cells[i].num in matrix._index and cells[i].den in matrix._index]
    num_at = np.array([matrix.column(*cells[i].num) for i in rate_cells], dtype=np.intp)
    den_at = np.array([matrix.column(*cells[i].den) for i in rate_cells], dtype=np.intp)
    scales = np.array([cells[i].scale for i in rate_cells], dtype=float)
    parts: list[tuple[np.ndarray, np.ndarray, int, list[str] | str, np.ndarray]] = []
    # (scope positions, cell positions, measure rank, measure name(s), values)
    for s, (_, _, _, rows) in enumerate(groups):
        block = nums[rows]
        stats = _stats(block) if len(rows) else None

        def add(idx: np.ndarray, rank: int, measure: str, values: np.ndarray, s: int = s) -> None:
            parts.append((np.full(len(idx), s), np.asarray(idx, dtype=np.intp), rank, measure,
                          np.asarray(values, dtype=float)))

        texts_n = filled_text[rows].sum(axis=0) if len(rows) else np.zeros(len(cells))
        add(by_role["text"], 0, "n", texts_n[by_role["text"]])
        rate, rate_n = _rates(block, num_at, den_at, scales)
        rated = np.array(rate_cells, dtype=np.intp)
        add(rated, 0, "rate", rate)
        add(rated, 1, "n", rate_n)
        unrated = np.setdiff1d(by_role["rate"], rated)
        add(unrated, 0, "rate", np.full(len(unrated), np.nan))
        add(unrated, 1, "n", np.zeros(len(unrated)))
        n = stats["n"] if stats else np.zeros(len(cells))
        idx = by_role["sum"]
        add(idx, 0, "sum", stats["sum"][idx] if stats else np.full(len(idx), np.nan))
        add(idx, 1, "n", n[idx])
        idx = by_role["spread"]
        add(idx, 0, "n", n[idx])
        for rank, m in enumerate(("min", "median", "max"), 1):
            add(idx, rank, m, stats[m][idx] if stats else np.full(len(idx), np.nan))
        idx = by_role["yesno"]
        add(idx, 0, "yes", (block[:, idx] == 1).sum(axis=0) if len(rows) else np.zeros(len(idx)))
        add(idx, 1, "answered", n[idx])
        for i in by_role["choice"]:
            col = block[:, i]
            add(np.array([i]), 0, "n", np.array([n[i]]))
            codes = list(cells[i].choices)
            codes += sorted(set(col[~np.isnan(col)].tolist()) - set(codes))
            for rank, code in enumerate(codes, 1):
                add(np.array([i]), rank, f"choice={code_text(code)}", np.array([float((col == code).sum())]))
    return _totals_frame(parts, cells, groups)


def _rates(block: np.ndarray, num_at: np.ndarray, den_at: np.ndarray,
           scales: np.ndarray | float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    """Σ numerators / Σ denominators × scale (100, or 1 for a plain ratio) over the units giving
    both, and how many units did."""
    if not len(num_at):
        return np.zeros(0), np.zeros(0)
    num, den = block[:, num_at], block[:, den_at]
    both = ~np.isnan(num) & ~np.isnan(den)
    num_sum = np.where(both, num, 0.0).sum(axis=0)
    den_sum = np.where(both, den, 0.0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(den_sum > 0, num_sum / np.where(den_sum > 0, den_sum, 1.0) * scales, np.nan)
    return rate, both.sum(axis=0).astype(float)


def _totals_frame(parts: list, cells: list[Cell], groups: list[tuple[str, str, str, np.ndarray]]) -> pd.DataFrame:
    """Lay the measures out as ``TOTAL_COLUMNS``, ordered by scope, cell, then measure."""
    if not parts:
        return pd.DataFrame(columns=TOTAL_COLUMNS)
    scope_at = np.concatenate([p[0] for p in parts])
    cell_at = np.concatenate([p[1] for p in parts])
    rank = np.concatenate([np.full(len(p[1]), p[2]) for p in parts])
    measure = np.concatenate([np.full(len(p[1]), p[3], dtype=object) for p in parts])
    value = np.concatenate([p[4] for p in parts])
    order = np.lexsort((rank, cell_at, scope_at))
    scope_at, cell_at = scope_at[order], cell_at[order]

    def per_scope(k: int) -> np.ndarray:
        return np.array([g[k] for g in groups], dtype=object)[scope_at]

    def per_cell(attr: str) -> np.ndarray:
        return np.array([getattr(c, attr) for c in cells], dtype=object)[cell_at]

    return pd.DataFrame({"scope": per_scope(0), "scope_code": per_scope(1), "scope_label": per_scope(2),
                         "sheet_id": per_cell("sheet_id"), "code": per_cell("code"),
                         "column": per_cell("column"), "kind": per_cell("kind"), "measure": measure[order],
                         "value": value[order]}, columns=TOTAL_COLUMNS)


def aggregate(values: pd.DataFrame, form: Form, registry: Registry, return_units: dict[str, str]) -> Aggregates:
    """Compute every total from the stacked values of the returns used.

    Args:
        values: tidy values of the returns used (``VALUE_COLUMNS``), stacked.
        form: the form.
        registry: the unit registry (levels, parents, names).
        return_units: return id -> unit code, in output order (one return per unit).

    Returns:
        The totals, the units × cells matrix, stacked lists and list counts.
    """
    units = unit_table(return_units, registry)
    matrix = build_matrix(values, form, list(units.index))
    groups = scope_groups(units, registry, form.summary_levels)
    totals = _totals(matrix, groups)
    lists = list_frames(values, form, units)
    return Aggregates(totals=totals, units=units, matrix=matrix, lists=lists,
                      list_counts=list_counts(lists, form, units, groups))
