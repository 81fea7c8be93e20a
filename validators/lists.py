"""List sheets (documents, tasks): required columns, choices, dates, counts and row rules.

List values (``item > 0``) are pivoted to one row per ``(return_id, item)`` of a sheet and one
column per list column; every check is then a column operation over all returns at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from validators.findings import hits_frame
from validators.frame import col_letters, is_blank, tag
from validators.messages import check_cells
from validators.spec import date_window
from workbooks.catalog.layout import list_layout, period_bounds
from workbooks.catalog.model import Form, ListColumn, ListSheet, RowRule

FIELDS = ["text", "parse", "number", "cell", "raw", "row", "sheet", "code", "unit_code", "form_id"]
ROW_FIELDS = ["sheet", "code", "unit_code", "form_id"]


class ListTable:
    """One list sheet of all returns, one row per ``(return_id, item)``."""

    def __init__(self, sheet: ListSheet, values: pd.DataFrame) -> None:
        """Pivot the rows of ``sheet`` in prepared values.

        Args:
            sheet: the list sheet.
            values: prepared values, already restricted to this sheet's list rows.
        """
        self.sheet = sheet
        keys = [c.key for c in sheet.columns]
        wide = (values.drop_duplicates(["return_id", "item", "column"])
                .set_index(["return_id", "item", "column"])[FIELDS].unstack("column"))
        self.field = {f: wide[f].reindex(columns=keys) for f in FIELDS}
        self.field["text"] = self.field["text"].fillna("").astype(str)
        self.field["parse"] = self.field["parse"].fillna("blank").astype(str)
        self.row_info = pd.DataFrame({f: self.field[f].bfill(axis=1).iloc[:, 0] for f in ROW_FIELDS})
        self.row_info["row"] = self.field["row"].max(axis=1).fillna(0).astype("int64")
        self.blank = self._blank(keys)
        self.cells = self._cells(keys)
        self.filled = ~self.blank.all(axis=1)

    def _blank(self, keys: list[str]) -> pd.DataFrame:
        return pd.DataFrame({k: is_blank(pd.DataFrame({f: self.field[f][k] for f in ("parse", "number", "text")}))
                             for k in keys})

    def _cells(self, keys: list[str]) -> pd.DataFrame:
        """Addresses of every cell, computed from the row and the template column when absent."""
        cols = list_layout(self.sheet).cols
        row = self.row_info["row"]
        out = {}
        for k in keys:
            made = (col_letters(cols[k]) + row.astype(str)).where(row.gt(0), "")
            out[k] = self.field["cell"][k].fillna(made).astype(str)
        return pd.DataFrame(out)

    def invalid(self, key: str) -> pd.Series:
        """True where the reader tagged the cell ``invalid:`` (reported by the cell checks)."""
        return tag(pd.DataFrame({"parse": self.field["parse"][key]}), "invalid:")

    def hits(self, mask: pd.Series, column: ListColumn, cells: pd.Series | None = None,
             value: pd.Series | None = None, **constants: object) -> pd.DataFrame:
        """Hits on the cells of ``column`` in the rows of ``mask``.

        Args:
            mask: boolean per row.
            column: the anchor column.
            cells: per row tuple of involved cells (default: the anchor only).
            value: per row value shown (default: the anchor's raw content).
            **constants: rule id, template, severity and template parameters.

        Returns:
            A hits frame.
        """
        if not mask.any():
            return pd.DataFrame()
        key = column.key
        rows = self.row_info.loc[mask].assign(
            cell=self.cells.loc[mask, key], value=(self.field["raw"][key] if value is None else value).loc[mask],
            number=self.field["number"].loc[mask, key], column=key, label=column.label,
            choices=" / ".join(column.choices),
        )
        rows["cells"] = cells.loc[mask] if cells is not None else rows["cell"].map(lambda c: (c,) if c else ())
        return hits_frame(rows.reset_index(), **constants)


def list_hits(form: Form, values: pd.DataFrame, year: int) -> pd.DataFrame:
    """Hits of the list-sheet checks for all returns of ``values``.

    Args:
        form: the form.
        values: prepared values (see ``frame.normalise``).
        year: the period year (date window).

    Returns:
        A hits frame (see ``findings.HIT_COLUMNS``).
    """
    rows = values[values["item"].gt(0)]
    parts: list[pd.DataFrame] = []
    for sheet in form.sheets:
        own = rows[rows["sheet_id"].eq(sheet.id)]
        if isinstance(sheet, ListSheet) and not own.empty:
            parts += _sheet_hits(form, ListTable(sheet, own), year)
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _sheet_hits(form: Form, table: ListTable, year: int) -> list[pd.DataFrame]:
    out: list[pd.DataFrame] = []
    for column in table.sheet.columns:
        out += _column_hits(form, table, column, year)
    out += [_row_rule_hits(table, rule) for rule in table.sheet.row_rules]
    return out


def _column_hits(form: Form, table: ListTable, column: ListColumn, year: int) -> list[pd.DataFrame]:
    key = column.key
    blank, invalid = table.blank[key], table.invalid(key)
    given = ~blank & ~invalid
    text, number = table.field["text"][key], table.field["number"][key]
    out = []
    if column.required:
        out.append(table.hits(table.filled & blank, column, rule_id="list.required", severity="error"))
    if column.type == "choice":
        known = text.str.strip().str.casefold().isin({c.casefold() for c in column.choices})
        out.append(table.hits(given & ~known, column, rule_id="list.choice", severity="error"))
    if column.type == "date":
        out += _date_hits(form, table, column, given, year)
    if column.type == "count":
        bad = number.notna() & (number.lt(0) | number.ne(number.round()))
        out.append(table.hits(given & bad, column, rule_id="list.count", severity="error"))
        untagged = table.field["parse"][key].eq("") & number.isna()
        out.append(table.hits(given & untagged, column, rule_id="invalid.not_number", severity="error"))
    return out


def _date_hits(form: Form, table: ListTable, column: ListColumn, given: pd.Series,
               year: int) -> list[pd.DataFrame]:
    lo, hi = date_window(form, year)
    first, last = period_bounds(form.period, year)
    text = table.field["text"][column.key]
    day = pd.to_datetime(text.where(given, ""), format="%Y-%m-%d", errors="coerce")
    outside = day.notna() & (day.lt(pd.Timestamp(lo)) | day.gt(pd.Timestamp(hi)))
    untagged = table.field["parse"][column.key].eq("") & day.isna()
    return [
        table.hits(given & outside, column, value=day, rule_id="list.date_outside_period",
                   severity="warning", lo=first, hi=last),
        table.hits(given & untagged, column, rule_id="invalid.not_date", severity="error"),
    ]


def _row_rule_hits(table: ListTable, rule: RowRule) -> pd.DataFrame:
    when = table.field["text"][rule.when_column].str.strip().str.casefold()
    applies = when.eq(rule.when_equals.strip().casefold())
    missing = table.blank[list(rule.require)]
    mask = applies & missing.any(axis=1)
    if not mask.any():
        return pd.DataFrame()
    first = missing[mask].idxmax(axis=1)  # the first required column left blank
    cells_here = table.cells.loc[mask]
    anchor = np.select([first.eq(k) for k in rule.require], [cells_here[k] for k in rule.require], "")
    others = [cells_here[k] for k in (*rule.require, rule.when_column)]
    cells = pd.Series([tuple(dict.fromkeys(c for c in (a, *rest) if c))
                       for a, *rest in zip(anchor, *others, strict=True)], index=first.index)
    column = next(c for c in table.sheet.columns if c.key == rule.require[0])
    hits = table.hits(mask, column, cells=cells.reindex(mask.index), rule_id=f"list.row_rule:{rule.id}", template="list.row_rule",
                      severity=rule.severity, rule_text=rule.message.strip().rstrip("."), rule_fix=rule.fix)
    hits["cell"] = [c[0] for c in hits["cells"]]
    hits["column"] = first.to_numpy()
    hits["label"] = [_label(table.sheet, k) for k in hits["column"]]
    hits["check_cells"] = hits["cells"].map(check_cells)
    return hits


def _label(sheet: ListSheet, key: str) -> str:
    return next(c.label for c in sheet.columns if c.key == key)
