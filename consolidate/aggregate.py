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

from workbooks.catalog.layout import indicator_layout
from workbooks.catalog.model import Form, IndicatorSheet, ListSheet
from workbooks.registry import Registry, known_levels

TOTAL_COLUMNS = ["scope", "scope_code", "scope_label", "sheet_id", "code", "column", "kind", "measure",
                 "value"]
LIST_COUNT_COLUMNS = ["scope", "scope_code", "sheet_id", "group", "column", "value", "rows"]
SCOPE_ALL, SCOPE_LEVEL, SCOPE_PARENT = "all", "level", "parent"
ALL_GROUPS = "*"
TEXT_KINDS = frozenset({"text", "date", "yesno"})


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


def form_cells(form: Form) -> list[Cell]:
    """List every indicator cell of the form (every level's rows), in printed order.

    Args:
        form: the form.

    Returns:
        One ``Cell`` per value code and value column, then the row's note cell.
    """
    cells: list[Cell] = []
    for sheet in form.sheets:
        if not isinstance(sheet, IndicatorSheet):
            continue
        for line in indicator_layout(sheet, None).lines:
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
                                      (f"{ind.code}:num", vc.key), (f"{ind.code}:den", vc.key)))
                elif line.role in {"num", "den"}:
                    cells.append(Cell(sheet.id, line.code, vc.key, line.role, "sum"))
                else:
                    role = {"count": "sum", "cumulative": "sum", "percent": "spread", "decimal": "spread",
                            "choice": "choice", "yesno": "yesno"}.get(ind.kind, "text")
                    codes = tuple(float(c.code) for c in ind.choices if isinstance(c.code, int | float))
                    cells.append(Cell(sheet.id, line.code, vc.key, ind.kind, role, choices=codes))
            cells.append(Cell(sheet.id, line.code, "note", "text", "text"))
    return cells


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
        rows = pd.Index(return_ids).get_indexer(part["return_id"])
        cols = _cell_positions(part, cells)
        ok = (rows >= 0) & (cols >= 0)
        rows, cols = rows[ok], cols[ok]
        numbers[rows, cols] = part["number"].to_numpy(dtype=float)[ok]
        kinds = np.array([c.role == "text" or c.kind in TEXT_KINDS for c in cells])
        textual = kinds[cols]
        at = np.flatnonzero(ok)[textual]
        texts[rows[textual], cols[textual]] = part["text"].to_numpy(dtype=object)[at] if len(at) else None
    return Matrix(list(return_ids), cells, numbers, texts)


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


def scope_groups(units: pd.DataFrame, registry: Registry) -> list[tuple[str, str, str, np.ndarray]]:
    """Group the units for the totals: overall, per level, per parent.

    Args:
        units: the units used (``unit_table``), in matrix row order.
        registry: the unit registry (parent names).

    Returns:
        (scope, scope code, label, row positions) tuples.
    """
    levels = known_levels()
    out: list[tuple[str, str, str, np.ndarray]] = [(SCOPE_ALL, "", "Toàn tỉnh", np.arange(len(units)))]
    level = units["level"].to_numpy(dtype=object)
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
    """Every measure of every cell for every scope, as a tidy frame (``TOTAL_COLUMNS``)."""
    cells = matrix.cells
    nums = matrix.numbers
    filled_text = (matrix.texts != None) & (matrix.texts != "")  # noqa: E711 - elementwise on objects
    rate_pairs = [(i, matrix.column(*c.num), matrix.column(*c.den)) for i, c in enumerate(cells)
                  if c.role == "rate" and c.num and c.den and c.num in matrix._index and c.den in matrix._index]
    records: list[tuple] = []
    for scope, scope_code, label, rows in groups:
        block = nums[rows]
        stats = _stats(block) if len(rows) else None
        rates: dict[int, tuple[float, float]] = {}
        for i, ni, di in rate_pairs:
            num, den = block[:, ni], block[:, di]
            both = ~np.isnan(num) & ~np.isnan(den)
            den_sum = den[both].sum()
            rates[i] = ((num[both].sum() / den_sum * 100) if den_sum > 0 else np.nan, float(both.sum()))
        texts_n = filled_text[rows].sum(axis=0) if len(rows) else np.zeros(len(cells))
        for i, c in enumerate(cells):
            base = (scope, scope_code, label, c.sheet_id, c.code, c.column, c.kind)
            if c.role == "text":
                records.append((*base, "n", float(texts_n[i])))
                continue
            if c.role == "rate":
                rate, n = rates.get(i, (np.nan, 0.0))
                records += [(*base, "rate", rate), (*base, "n", n)]
                continue
            n = float(stats["n"][i]) if stats else 0.0
            if c.role == "sum":
                records += [(*base, "sum", float(stats["sum"][i]) if stats else np.nan), (*base, "n", n)]
            elif c.role == "spread":
                records.append((*base, "n", n))
                for m in ("min", "median", "max"):
                    records.append((*base, m, float(stats[m][i]) if stats else np.nan))
            elif c.role == "choice":
                col = block[:, i]
                records.append((*base, "n", n))
                seen = set()
                for code in c.choices:
                    seen.add(code)
                    records.append((*base, f"choice={_code_text(code)}", float((col == code).sum())))
                for code in sorted(set(col[~np.isnan(col)]) - seen):
                    records.append((*base, f"choice={_code_text(code)}", float((col == code).sum())))
            elif c.role == "yesno":
                col = block[:, i]
                records += [(*base, "yes", float((col == 1).sum())), (*base, "answered", n)]
    return pd.DataFrame.from_records(records, columns=TOTAL_COLUMNS)


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
        pos = order.get_indexer(part["return_id"])
        item = part["item"].to_numpy()
        row_key = pos.astype(np.int64) * 1_000_000 + item
        uniq, row_of = np.unique(row_key, return_inverse=True)
        col_of = pd.Index(keys).get_indexer(part["column"])
        shown = np.where(part["kind"].to_numpy() == "count", part["number"].to_numpy(dtype=object),
                         part["text"].to_numpy(dtype=object))
        grid = np.full((len(uniq), len(keys)), None, dtype=object)
        ok = col_of >= 0
        grid[row_of[ok], col_of[ok]] = shown[ok]
        first = np.full(len(uniq), -1)
        first[row_of[::-1]] = np.arange(len(part))[::-1]  # first record of every row
        frame = pd.DataFrame(grid, columns=keys)
        frame.insert(0, "return_id", part["return_id"].to_numpy(dtype=object)[first])
        frame.insert(1, "group", part["code"].to_numpy(dtype=object)[first])
        frame.insert(2, "item", item[first])
        rows = pd.Series(part["row"].to_numpy()).groupby(row_of).min().to_numpy()
        frame.insert(3, "row", rows)
        frame = frame.join(units, on="return_id")
        out[sheet.id] = frame[lead + keys].reset_index(drop=True)
    return out


def _list_counts(lists: dict[str, pd.DataFrame], form: Form, units: pd.DataFrame,
                 groups: list[tuple[str, str, str, np.ndarray]]) -> pd.DataFrame:
    """Rows per group (and all groups: ``*``) and per value of every choice column, per scope."""
    records: list[tuple] = []
    pos_of = {rid: i for i, rid in enumerate(units.index)}
    for sheet_id, frame in lists.items():
        sheet = form.sheet(sheet_id)
        assert isinstance(sheet, ListSheet)
        codes = [g.code for g in sheet.groups] or [""]
        pos = frame["return_id"].map(pos_of).to_numpy()
        group = frame["group"].fillna("").astype(str).to_numpy()
        choice_cols = [c for c in sheet.columns if c.type == "choice"]
        picked = {c.key: frame[c.key].fillna("").astype(str).to_numpy() for c in choice_cols}
        for scope, scope_code, _label, rows in groups:
            inside = np.isin(pos, rows)
            for code in [*codes, ALL_GROUPS]:
                sel = inside & ((group == code) if code != ALL_GROUPS else True)
                records.append((scope, scope_code, sheet_id, code, "", "", float(sel.sum())))
                for col in choice_cols:
                    values = picked[col.key][sel]
                    for choice in col.choices:
                        records.append((scope, scope_code, sheet_id, code, col.key, choice,
                                        float((values == choice).sum())))
                    known = np.isin(values, list(col.choices)) | (values == "")
                    records.append((scope, scope_code, sheet_id, code, col.key, "(khác)", float((~known).sum())))
                    records.append((scope, scope_code, sheet_id, code, col.key, "(trống)",
                                    float((values == "").sum())))
    return pd.DataFrame.from_records(records, columns=LIST_COUNT_COLUMNS)


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
    groups = scope_groups(units, registry)
    totals = _totals(matrix, groups)
    lists = _list_frames(values, form, units)
    return Aggregates(totals=totals, units=units, matrix=matrix, lists=lists,
                      list_counts=_list_counts(lists, form, units, groups))
