"""The indicator values of the returns used, as a dense units × cells matrix.

``form_cells`` lists every indicator cell of a form (every level's rows) with how it is
totalled (its kind's ``total`` family in the kinds table); ``build_matrix`` scatters the stacked
values of the returns into numbers and texts, one row per return. Every total is then a NumPy
reduction over the rows of a scope (``consolidate.aggregate``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbooks.catalog.compiled import compile_form
from workbooks.catalog.layout import IndicatorLayout
from workbooks.catalog.model import Form, IndicatorSheet

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
    compiled = compile_form(form)
    for layout in compiled.layouts:
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
                                      scale=compiled.rate_scale((line.code, vc.key))))
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
    part = take_rows(values, mask, ["return_id", "code", "column", "number", "text"])
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


def take_rows(values: pd.DataFrame, mask: np.ndarray, columns: list[str]) -> pd.DataFrame:
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


def code_text(code: float) -> str:
    return str(int(code)) if float(code).is_integer() else str(code)
