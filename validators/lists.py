"""List sheets (documents, tasks): required columns, choices, dates, counts and row rules.

List values (``item > 0``) are pivoted to one row per ``(return_id, item)`` of a sheet and one
column per list column (numpy matrices of positions and numbers); every check is then a
column operation over all returns at once. Texts are read only for the columns and rows a
check needs, and hits are built only for failing rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from validators.context import FormContext, form_context
from validators.findings import hits_frame
from validators.frame import STR, col_letters, normalise, object_array
from validators.messages import check_cells
from validators.prepared import Prepared
from workbooks.catalog.layout import parse_day
from workbooks.catalog.model import Form, ListColumn, ListSheet, RowRule

ROW_FIELDS = ["sheet", "code", "unit_code", "form_id"]
DATE_FORMAT = "%Y-%m-%d"


class ListTable:
    """One list sheet of all returns, one row per ``(return_id, item)`` (in that order)."""

    def __init__(self, sheet: ListSheet, prep: Prepared, own: np.ndarray, cols: dict[str, int]) -> None:
        """Pivot the rows of ``sheet``.

        Args:
            sheet: the list sheet.
            prep: the prepared values.
            own: positions of this sheet's list rows, in frame order.
            cols: column key -> 0-based template column (``list_layout(sheet).cols``).
        """
        self.sheet, self.prep = sheet, prep
        self.keys = [c.key for c in sheet.columns]
        rid, item = prep.rid_codes[own], prep.item[own]
        order = np.lexsort((item, rid))
        new = np.r_[True, (np.diff(rid[order]) != 0) | (np.diff(item[order]) != 0)]
        row_of = np.empty(len(own), dtype=np.intp)
        row_of[order] = np.cumsum(new) - 1
        first = order[new]  # the first value (in frame order, stable sort) of every list row
        self.return_ids = prep.rid_uniques[rid[first]]
        self.items = item[first]
        self.row_info = {f: prep.strings(f, own[first]) for f in ROW_FIELDS}
        key_at = {k: j for j, k in enumerate(self.keys)}
        key_of = np.array([key_at.get(c, -1) for c in prep.column_uniques] or [-1], dtype=np.intp)
        key = key_of[prep.column_codes[own]] if len(own) else np.zeros(0, dtype=np.intp)
        known = np.flatnonzero(key >= 0)
        flat = row_of[known] * len(self.keys) + key[known]
        known = known[~pd.Series(flat).duplicated().to_numpy()] if len(flat) else known
        self.positions = np.full((len(first), len(self.keys)), -1, dtype=np.intp)
        self.positions[row_of[known], key[known]] = own[known]
        found = self.positions >= 0
        self.number = np.where(found, prep.number[self.positions], np.nan)
        lowest = np.iinfo(np.int64).min
        rows = np.where(found, prep.row[self.positions], lowest)
        self.row = np.where(found.any(axis=1), rows.max(axis=1, initial=lowest), 0)  # 0: no cell read
        self.text = self._field("text", "")
        self.parse = self._field("parse", "blank")
        untagged_empty = (self.parse == "") & np.isnan(self.number) & (self.text == "")
        self.blank = (self.parse == "blank") | untagged_empty  # as frame.is_blank
        self.cells = self._cells(cols)
        self.filled = ~self.blank.all(axis=1)

    def _field(self, column: str, missing: str) -> np.ndarray:
        """A string field per list row and column (``missing`` where the cell was not read)."""
        found = self.positions >= 0
        out = np.full(self.positions.shape, missing, dtype=object)
        out[found] = self.prep.strings(column, self.positions[found])
        return out

    def _cells(self, cols: dict[str, int]) -> np.ndarray:
        """Addresses of every cell, computed from the row and the template column when absent."""
        out = self._field("cell", "")
        found = self.positions >= 0
        for j, k in enumerate(self.keys):
            for i in np.flatnonzero(~found[:, j]):
                out[i, j] = f"{col_letters(cols[k])}{self.row[i]}" if self.row[i] > 0 else ""
        return out

    def j(self, key: str) -> int:
        """Column index of a column key."""
        return self.keys.index(key)

    def invalid(self, key: str) -> np.ndarray:
        """True where the reader tagged the cell ``invalid:`` (reported by the cell checks)."""
        return np.array([p.startswith("invalid:") for p in self.parse[:, self.j(key)]], dtype=bool)

    def hits(self, mask: np.ndarray, column: ListColumn, cells: list | None = None,
             value: pd.Series | None = None, **constants: object) -> pd.DataFrame | None:
        """Hits on the cells of ``column`` in the rows of ``mask``.

        Args:
            mask: boolean per row.
            column: the anchor column.
            cells: per failing row tuple of involved cells (default: the anchor only).
            value: per failing row value shown (default: the anchor's raw content).
            **constants: rule id, template, severity and template parameters.

        Returns:
            A hits frame, or None without a failing row.
        """
        rows = np.flatnonzero(mask)
        if not len(rows):
            return None
        j = self.j(column.key)
        at = self.positions[rows, j]
        raw = object_array([np.nan] * len(rows))
        raw[at >= 0] = self.prep.strings("raw", at[at >= 0])
        cell = self.cells[rows, j].tolist()
        frame = pd.DataFrame({
            "return_id": self.return_ids[rows], "item": self.items[rows],
            **{f: self.row_info[f][rows] for f in ROW_FIELDS}, "row": self.row[rows], "cell": cell,
            "value": pd.Series(raw, dtype=object) if value is None else value.reset_index(drop=True),
            "number": self.number[rows, j], "column": column.key, "label": column.label,
            "choices": " / ".join(column.choices),
            "cells": pd.Series(object_array([(c,) if c else () for c in cell] if cells is None else cells),
                               dtype=object),
        })
        return hits_frame(frame, **constants)


def list_hits(form: Form, values: pd.DataFrame, year: int, *, prep: Prepared | None = None,
              ctx: FormContext | None = None) -> pd.DataFrame:
    """Hits of the list-sheet checks for all returns of ``values``.

    Args:
        form: the form.
        values: prepared values (see ``frame.normalise``).
        year: the period year (date window).
        prep: ``Prepared(values)`` when already made.
        ctx: ``form_context(form, year)`` when already at hand.

    Returns:
        A hits frame (see ``findings.HIT_COLUMNS``).
    """
    prep = prep or Prepared(normalise(values))
    lists = np.flatnonzero(prep.item > 0)
    if not len(lists):
        return pd.DataFrame()
    ctx = ctx or form_context(form, year)
    sheet_codes, sheet_ids = pd.factorize(prep.frame["sheet_id"].iloc[lists])
    parts: list[pd.DataFrame | None] = []
    for sheet in form.sheets:
        if isinstance(sheet, ListSheet) and sheet.id in sheet_ids:
            own = lists[sheet_codes == sheet_ids.get_loc(sheet.id)]
            parts += _sheet_hits(ctx, ListTable(sheet, prep, own, ctx.list_cols[sheet.id]))
    frames = [p for p in parts if p is not None]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _sheet_hits(ctx: FormContext, table: ListTable) -> list[pd.DataFrame | None]:
    out: list[pd.DataFrame | None] = []
    for column in table.sheet.columns:
        out += _column_hits(ctx, table, column)
    out += [_row_rule_hits(table, rule) for rule in table.sheet.row_rules]
    return out


def _texts(values: np.ndarray) -> pd.Series:
    """Texts as a string-dtype Series (the string operations pandas applies to text columns)."""
    return pd.Series(values, dtype=STR)


def _column_hits(ctx: FormContext, table: ListTable, column: ListColumn) -> list[pd.DataFrame | None]:
    j = table.j(column.key)
    blank = table.blank[:, j]
    given = ~blank & ~table.invalid(column.key)
    text, number, parse = table.text[:, j], table.number[:, j], table.parse[:, j]
    out = []
    if column.required:
        out.append(table.hits(table.filled & blank, column, rule_id="list.required", severity="error"))
    if column.type == "choice":
        known = {c.casefold() for c in column.choices}
        rows = np.flatnonzero(given)
        bad = np.zeros(len(given), dtype=bool)
        bad[rows] = ~_texts(text[rows]).str.strip().str.casefold().isin(known).to_numpy(dtype=bool)
        out.append(table.hits(bad, column, rule_id="list.choice", severity="error"))
    if column.type == "date":
        out += _date_hits(ctx, table, column, given)
    if column.type == "count":
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(number) & ((number < 0) | (number != np.round(number)))
        out.append(table.hits(given & bad, column, rule_id="list.count", severity="error"))
        untagged = (parse == "") & np.isnan(number)
        out.append(table.hits(given & untagged, column, rule_id="invalid.not_number", severity="error"))
    return out


def _date_hits(ctx: FormContext, table: ListTable, column: ListColumn,
               given: np.ndarray) -> list[pd.DataFrame | None]:
    lo, hi = (pd.Timestamp(x) for x in ctx.window)
    first, last = ctx.period
    if column.dates_from:  # e.g. documents implemented in the period but issued years before
        first = parse_day(column.dates_from, ctx.year)
        lo = pd.Timestamp(first)
    j = table.j(column.key)
    rows = np.flatnonzero(given)
    day = pd.to_datetime(_texts(table.text[rows, j]), format=DATE_FORMAT, errors="coerce")
    outside, untagged = np.zeros(len(given), dtype=bool), np.zeros(len(given), dtype=bool)
    outside[rows] = (day.notna() & (day.lt(lo) | day.gt(hi))).to_numpy(dtype=bool)
    untagged[rows] = (table.parse[rows, j] == "") & day.isna().to_numpy(dtype=bool)
    return [
        table.hits(outside, column, value=day[outside[rows]], rule_id="list.date_outside_period",
                   severity="error", lo=first, hi=last),  # the workbook's validation refuses it too
        table.hits(untagged, column, rule_id="invalid.not_date", severity="error"),
    ]


def _row_rule_hits(table: ListTable, rule: RowRule) -> pd.DataFrame | None:
    when = _texts(table.text[:, table.j(rule.when_column)]).str.strip().str.casefold()
    applies = when.eq(rule.when_equals.strip().casefold()).to_numpy(dtype=bool)
    require = [table.j(k) for k in rule.require]
    missing = table.blank[:, require]
    mask = applies & missing.any(axis=1)
    if not mask.any():
        return None
    rows = np.flatnonzero(mask)
    first = missing[rows].argmax(axis=1)  # the first required column left blank
    cells_here = table.cells[rows]
    anchor = cells_here[np.arange(len(rows)), np.asarray(require)[first]]
    others = cells_here[:, [*require, table.j(rule.when_column)]]
    cells = [tuple(dict.fromkeys(c for c in (a, *rest) if c)) for a, rest in zip(anchor, others.tolist(), strict=True)]
    column = next(c for c in table.sheet.columns if c.key == rule.require[0])
    hits = table.hits(mask, column, cells=cells, rule_id=f"list.row_rule:{rule.id}", template="list.row_rule",
                      severity=rule.severity, rule_text=rule.message.strip().rstrip("."), rule_fix=rule.fix)
    assert hits is not None
    hits["cell"] = [c[0] for c in hits["cells"]]
    hits["column"] = [rule.require[f] for f in first]
    hits["label"] = [_label(table.sheet, k) for k in hits["column"]]
    hits["check_cells"] = hits["cells"].map(check_cells)
    return hits


def _label(sheet: ListSheet, key: str) -> str:
    return next(c.label for c in sheet.columns if c.key == key)
