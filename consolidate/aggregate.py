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

from workbooks.catalog.compiled import compile_form
from workbooks.catalog.layout import IndicatorLayout
from workbooks.catalog.model import Form, IndicatorSheet, ListSheet
from workbooks.registry import Registry, known_levels

TOTAL_COLUMNS = ["scope", "scope_code", "scope_label", "sheet_id", "code", "column", "kind", "measure",
                 "value"]
LIST_COUNT_COLUMNS = ["scope", "scope_code", "sheet_id", "group", "column", "value", "rows"]
SCOPE_ALL, SCOPE_LEVEL, SCOPE_PARENT = "all", "level", "parent"
ALL_GROUPS = "*"
# How a kind's values are totalled (the kinds table's ``total`` field) -> the role of its cells.
TOTAL_ROLES = {"sum": "sum", "stats": "spread", "choice": "choice", "yesno": "yesno", "keep": "text"}


@dataclass(frozen=True)
class Cell:
    """One indicator cell of the form: a value code in a value column (or its note).

    ``role``: sum (counts, cumulative counts, numerators, denominators) · rate (ratio % rows and
    computed columns) · spread (percent, decimal) · choice · yesno · text (text, date, notes).
    ``num``/``den``: for rate cells, the cells of the numerator and the denominator.
    """

    sheet_id: str
    code: str
    column: str
    kind: str
    role: str
    num: tuple[str, str] | None = None
    den: tuple[str, str] | None = None
    choices: tuple[float, ...] = ()
    scale: float = 100.0  # rate cells: 100 for a percentage, 1 for a plain ratio (máy/người)


def form_cells(form: Form) -> list[Cell]:
    """List every indicator cell of the form (every level's rows), in printed order.

    Args:
        form: the form.

    Returns:
        One ``Cell`` per value code and value column, then the row's note cell.
    """
    cells: list[Cell] = []
    for layout in compile_form(form).layouts:
        if not isinstance(layout, IndicatorLayout):
            continue
        sheet = layout.sheet
        for line in layout.lines:
            ind = line.indicator
            if ind is None:
                continue
            for vc in sheet.columns:
                if ind.columns and vc.key not in ind.columns:
                    continue
                if vc.compute_ratio:
                    cells.append(Cell(sheet.id, line.code, vc.key, "rate", "rate",
                                      (line.code, vc.compute_ratio[0]), (line.code, vc.compute_ratio[1])))
                elif line.role == "rate":
                    cells.append(Cell(sheet.id, line.code, vc.key, "rate", "rate",
                                      (f"{ind.code}:num", vc.key), (f"{ind.code}:den", vc.key),
                                      scale=100.0 if ind.display == "percent" else 1.0))
                elif line.role in {"num", "den"}:
                    cells.append(Cell(sheet.id, line.code, vc.key, line.role, "sum"))
                else:
                    role = TOTAL_ROLES[ind.spec.total]
                    codes = tuple(float(c.code) for c in ind.choices if isinstance(c.code, int | float))
                    cells.append(Cell(sheet.id, line.code, vc.key, ind.kind, role, choices=codes))
            cells.append(Cell(sheet.id, line.code, "note", "text", "text"))
    return cells


def is_textual(cell: Cell) -> bool:
    """True when the cell's values are kept as text (text, dates, notes, yes/no answers)."""
    return cell.role in {"text", "yesno"}


@dataclass
class Matrix:
    """Indicator values of the returns used: units (rows) × form cells (columns).

    Attributes:
        return_ids: row order (one return per unit).
        cells: column order.
        numbers: float matrix (NaN: blank, not a number, or not applicable).
        texts: object matrix of texts for text/date/yes-no cells and notes (None elsewhere).
    """

    return_ids: list[str]
    cells: list[Cell]
    numbers: np.ndarray
    texts: np.ndarray

    def column(self, code: str, column: str) -> int:
        """Find the column of a cell.

        Args:
            code: value code.
            column: value column key (or ``note``).

        Returns:
            The column index (KeyError when the form has no such cell).
        """
        return self._index[(code, column)]

    def __post_init__(self) -> None:
        self._index = {(c.code, c.column): i for i, c in enumerate(self.cells)}


def build_matrix(values: pd.DataFrame, form: Form, return_ids: list[str]) -> Matrix:
    """Scatter the indicator values into a dense units × cells matrix (vectorised).

    Args:
        values: tidy values (``VALUE_COLUMNS``) of the returns used.
        form: the form.
        return_ids: the returns, in row order.

    Returns:
        The matrix (cells of other levels stay NaN / None).
    """
    cells = form_cells(form)
    numbers = np.full((len(return_ids), len(cells)), np.nan)
    texts = np.full((len(return_ids), len(cells)), None, dtype=object)
    indicator_ids = [s.id for s in form.sheets if isinstance(s, IndicatorSheet)]
    mask = (values["item"].to_numpy() == 0) & values["sheet_id"].isin(indicator_ids).to_numpy(dtype=bool)
    part = _rows(values, mask, ["return_id", "code", "column", "number", "text"])
    if len(part) and len(cells):
        rows = positions_in(part["return_id"], return_ids)
        cols = _cell_positions(part, cells)
        ok = (rows >= 0) & (cols >= 0)
        rows, cols = rows[ok], cols[ok]
        numbers[rows, cols] = part["number"].to_numpy(dtype=float)[ok]
        kinds = np.array([is_textual(c) for c in cells])
        textual = kinds[cols]
        at = np.flatnonzero(ok)[textual]
        if len(at):  # only the text cells' texts become Python strings
            texts[rows[textual], cols[textual]] = part["text"].take(at).to_numpy(dtype=object)
    return Matrix(list(return_ids), cells, numbers, texts)


def positions_in(keys: pd.Series, order: list[str]) -> np.ndarray:
    """Position in ``order`` of every key (-1 when absent).

    The keys are factorised first (in Arrow for text columns), so only the distinct ones are
    looked up: one per return instead of one per value.

    Args:
        keys: e.g. the ``return_id`` of every value.
        order: e.g. the return ids in matrix row order.

    Returns:
        An integer array as long as ``keys``.
    """
    codes, uniques = pd.factorize(keys)
    lookup = pd.Index(order).get_indexer(uniques)
    return lookup[codes] if len(codes) else np.zeros(0, dtype=np.intp)


def _rows(values: pd.DataFrame, mask: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """The rows of ``values`` where ``mask`` holds, only the columns needed (cheaper than a full filter)."""
    at = np.flatnonzero(mask)
    return pd.DataFrame({c: values[c].take(at).reset_index(drop=True) for c in columns})


def _cell_positions(part: pd.DataFrame, cells: list[Cell]) -> np.ndarray:
    """Column of the matrix for every value row (-1 when the form has no such cell).

    The (code, column) pairs are factorised first, so only the few hundred distinct pairs are
    looked up, not every value.
    """
    index = {(c.code, c.column): i for i, c in enumerate(cells)}
    code_of, codes = pd.factorize(part["code"])
    column_of, columns = pd.factorize(part["column"])
    width = max(len(columns), 1)
    pair_of, pairs = pd.factorize(code_of.astype(np.int64) * width + column_of)
    lookup = np.array([index.get((codes[p // width], columns[p % width]), -1) for p in pairs.tolist()],
                      dtype=np.intp)
    return lookup[pair_of] if len(pair_of) else np.zeros(0, dtype=np.intp)


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
                add(np.array([i]), rank, f"choice={_code_text(code)}", np.array([float((col == code).sum())]))
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


def _code_text(code: float) -> str:
    return str(int(code)) if float(code).is_integer() else str(code)


def _list_frames(values: pd.DataFrame, form: Form, units: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """List sheet id -> one row per list item, with the unit beside it (return order, then item)."""
    out: dict[str, pd.DataFrame] = {}
    order = pd.Index(units.index)
    for sheet in form.sheets:
        if not isinstance(sheet, ListSheet):
            continue
        keys = [c.key for c in sheet.columns]
        part = _rows(values, values["sheet_id"].eq(sheet.id).to_numpy(dtype=bool),
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


def _list_counts(lists: dict[str, pd.DataFrame], form: Form, units: pd.DataFrame,
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
    lists = _list_frames(values, form, units)
    return Aggregates(totals=totals, units=units, matrix=matrix, lists=lists,
                      list_counts=_list_counts(lists, form, units, groups))
