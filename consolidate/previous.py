"""Last round side by side (``--previous``): province figures, tenfold jumps, restated previous years.

Last round is read from its own outputs: the store (which returns each unit had used, with their
values) and the tidy totals beside its tong_hop.xlsx. Per unit used in both rounds:

- **tenfold**: a count of this period's columns at least ``FACTOR`` times what the unit reported in
  the same column last round (DOMAIN.md section 5); a zero baseline is skipped;
- **restated**: a column of this round that names last round's period ("Năm 2023" in Sơn La 2024)
  holds a figure different from the one the unit reported for that year last round.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from xlsxwriter.worksheet import Worksheet

from consolidate.blob import decode_columns
from consolidate.cells import Formats, put, table
from consolidate.model import IN_TOTALS
from consolidate.print_setup import fit_rows, print_setup
from consolidate.summary_sheet import TotalsIndex, column_label, totals_index
from workbooks.catalog.layout import indicator_layout
from workbooks.catalog.model import Form, IndicatorSheet
from workbooks.messages import text

if TYPE_CHECKING:
    from consolidate.model import Consolidation

FACTOR = 10.0
TENFOLD, RESTATED = "tenfold", "restated"
TENFOLD_ROLES = frozenset({"sum"})  # counts, cumulative counts, numerators and denominators
RESTATED_ROLES = frozenset({"sum", "spread", "choice"})  # every figure a unit types (not computed rates)


class PreviousError(Exception):
    """Last round's results cannot be found or read (message in Vietnamese)."""


@dataclass
class PreviousRound:
    """Last round, as its outputs hold it.

    Attributes:
        form: its form.
        period: its period year.
        finished_at: when its run finished.
        totals: its totals (``totals_index``; empty when its tidy data is gone).
        values: unit code -> (value code, column) -> number, for the returns it used.
        totals_found: whether its tidy totals were found.
    """

    form: Form
    period: int
    finished_at: datetime
    totals: TotalsIndex
    values: dict[str, dict[tuple[str, str], float]] = field(default_factory=dict)
    totals_found: bool = True


@dataclass(frozen=True)
class Comparison:
    """One figure of one unit worth a look."""

    kind: str  # TENFOLD | RESTATED
    unit_code: str
    unit_name: str
    code: str
    column: str  # this round's value column
    now: float
    before: float


def read_tidy_table(folder: Path, stem: str) -> pd.DataFrame | None:
    """A tidy table written by the consolidation (Parquet or CSV), None when absent.

    Args:
        folder: the tidy-data folder.
        stem: ``totals``, ``units`` …

    Returns:
        The table.
    """
    parquet, csv = folder / f"{stem}.parquet", folder / f"{stem}.csv"
    if parquet.exists():
        return pd.read_parquet(parquet)
    if csv.exists():
        return pd.read_csv(csv, dtype={"unit_code": str, "parent_code": str, "scope_code": str, "code": str},
                           keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    return None


def _run(con: sqlite3.Connection, workbook: Path | None) -> tuple | None:
    sql = "SELECT run_id, form_id, period, finished_at, out FROM runs WHERE finished_at IS NOT NULL"
    args: tuple = ()
    if workbook is not None:
        sql, args = sql + " AND out = ?", (str(workbook),)
    return con.execute(sql + " ORDER BY run_id DESC LIMIT 1", args).fetchone()


def load_previous(path: str | Path) -> PreviousRound:
    """Read last round from its tong_hop.xlsx (its store beside it) or from its store.

    Args:
        path: last round's tong_hop.xlsx or .sqlite.

    Returns:
        Last round.

    Raises:
        PreviousError: nothing usable there.
    """
    from consolidate.model import default_data_dir, default_store
    from workbooks.catalog.loader import get_form

    given = Path(path).resolve()
    if not given.is_file():
        raise PreviousError(text("previous.not_found", path=path))
    workbook = None if given.suffix.lower() in {".sqlite", ".db", ".sqlite3"} else given
    store = default_store(given) if workbook is not None else given
    if not store.is_file():
        raise PreviousError(text("previous.no_run", path=store, what=""))
    con = sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True)
    try:
        run = _run(con, workbook)
        if run is None:
            raise PreviousError(text("previous.no_run", path=store, what=f" ghi ra {workbook.name}" if workbook else ""))
        run_id, form_id, period, finished_at, out = run
        rows = con.execute("SELECT rf.unit_code, r.values_blob FROM run_files rf JOIN returns r ON r.sha256 = rf.sha256 "
                           f"WHERE rf.run_id = ? AND rf.status IN ({','.join('?' * len(IN_TOTALS))})",
                           (run_id, *sorted(IN_TOTALS))).fetchall()
    except sqlite3.DatabaseError as exc:
        raise PreviousError(text("previous.not_found", path=path) + f" ({exc})") from exc
    finally:
        con.close()
    try:
        form = get_form(form_id)
    except KeyError as exc:
        raise PreviousError(text("previous.unknown_form", form=form_id)) from exc
    values: dict[str, dict[tuple[str, str], float]] = {}
    for unit_code, blob in rows:
        cols = decode_columns(blob)
        mine = values.setdefault(unit_code, {})
        for code, column, number, item in zip(cols["code"], cols["column"], cols["number"], cols["item"], strict=True):
            if item == 0 and number is not None and number == number:
                mine[(code, column)] = float(number)
    totals = read_tidy_table(default_data_dir(Path(out)), "totals") if out else None
    index: TotalsIndex = {}
    if totals is not None:
        totals["scope_code"] = totals["scope_code"].fillna("")
        index = totals_index(totals)
    return PreviousRound(form, int(period), datetime.fromisoformat(finished_at), index, values, totals is not None)


def _column_pairs(form: Form, period: int, previous: PreviousRound) -> tuple[dict[str, str], dict[str, str]]:
    """(this column → last round's column of the same year: restated), (this → same key: tenfold)."""
    restated: dict[str, str] = {}
    same: dict[str, str] = {}
    for sheet in form.sheets:
        if not isinstance(sheet, IndicatorSheet):
            continue
        before = next((s for s in previous.form.sheets if s.id == sheet.id and isinstance(s, IndicatorSheet)), None)
        if before is None:
            continue
        labels_before = {column_label(vc, previous.period): vc.key for vc in before.columns}
        keys_before = {vc.key for vc in before.columns}
        for vc in sheet.columns:
            match = labels_before.get(column_label(vc, period))
            if match and period != previous.period:
                restated[vc.key] = match
            elif vc.key in keys_before:
                same[vc.key] = vc.key
    return restated, same


def totals_for(result: Consolidation, previous: PreviousRound) -> TotalsIndex:
    """Last round's totals keyed by this round's value columns, for "Tổng hợp".

    A column naming last round's period ("Năm 2023") gets last round's figure for that year;
    the other columns the figure of the same column last round (this year's count beside last
    year's).

    Args:
        result: this round.
        previous: last round.

    Returns:
        (scope, scope code, code, this round's column, measure) -> last round's value.
    """
    restated, same = _column_pairs(result.form, result.period, previous)
    source = {**same, **restated}
    by_column: dict[str, list[str]] = {}
    for mine, theirs in source.items():
        by_column.setdefault(theirs, []).append(mine)
    out: TotalsIndex = {}
    for (scope, scope_code, code, column, measure), value in previous.totals.items():
        for mine in by_column.get(column, ()):
            out[(scope, scope_code, code, mine, measure)] = value
    return out


def compare(result: Consolidation, previous: PreviousRound) -> list[Comparison]:
    """Every tenfold jump and every restated previous-year figure of the units used in both rounds.

    Args:
        result: this round.
        previous: last round.

    Returns:
        The comparisons, unit by unit in this round's order, cells in the form's order.
    """
    restated, same = _column_pairs(result.form, result.period, previous)
    matrix = result.aggregates.matrix
    units = result.aggregates.units
    found: list[Comparison] = []
    for i, (code, name) in enumerate(zip(units["unit_code"].tolist(), units["unit_name"].tolist(), strict=True)):
        before = previous.values.get(code)
        if not before:
            continue
        row = matrix.numbers[i]
        for j, cell in enumerate(matrix.cells):
            now = float(row[j])
            if np.isnan(now):
                continue
            if cell.role in RESTATED_ROLES and cell.column in restated:
                old = before.get((cell.code, restated[cell.column]))
                if old is not None and abs(now - old) > 1e-9:
                    found.append(Comparison(RESTATED, code, name, cell.code, cell.column, now, old))
            elif cell.role in TENFOLD_ROLES and cell.column in same:
                old = before.get((cell.code, same[cell.column]))
                if old is not None and old > 0 and now >= FACTOR * old:
                    found.append(Comparison(TENFOLD, code, name, cell.code, cell.column, now, old))
    return found


def _labels(form: Form, period: int) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    rows: dict[str, tuple[str, str]] = {}
    columns: dict[str, str] = {}
    for sheet in form.sheets:
        if isinstance(sheet, IndicatorSheet):
            columns.update({vc.key: column_label(vc, period) for vc in sheet.columns})
            for line in indicator_layout(sheet, None).lines:
                if line.code:
                    rows.setdefault(line.code, (line.stt, line.label))
    return rows, columns


def write_previous_sheet(ws: Worksheet, result: Consolidation, previous: PreviousRound, fmts: Formats) -> None:
    """Write "So với kỳ trước": the tenfold jumps and the restated figures, one row each.

    Args:
        ws: the sheet.
        result: this round.
        previous: last round.
        fmts: the formats.
    """
    found = compare(result, previous)
    rows_of, columns_of = _labels(result.form, result.period)
    ws.merge_range(0, 0, 0, 9, text("previous.title", period=str(previous.period),
                                     time=previous.finished_at.strftime("%d/%m/%Y %H:%M")), fmts.title)
    ws.merge_range(1, 0, 1, 9, text("previous.note"), fmts.note)
    ws.set_row(1, 45)
    note_row = 2
    if not previous.totals_found:
        ws.merge_range(note_row, 0, note_row, 9, text("previous.no_totals", path="tong_hop.xlsx"), fmts.note)
    headers = [text("previous.col_kind"), text("previous.col_unit_code"), text("previous.col_unit_name"),
               text("previous.col_code"), text("doc.col_stt"), text("previous.col_label"),
               text("previous.col_column"), text("previous.col_now"), text("previous.col_before"),
               text("previous.col_ratio")]
    rows = []
    for c in found:
        stt, label = rows_of.get(c.code, ("", c.code))
        ratio = c.now / c.before if c.kind == TENFOLD else c.now - c.before
        rows.append([text(f"previous.{c.kind}"), c.unit_code, c.unit_name, c.code, stt, label,
                     columns_of.get(c.column, c.column), c.now, c.before, round(ratio, 2)])
    head = 3
    widths = [16, 9, 24, 9, 5, 40, 11, 10, 10, 9]
    table(ws, head, headers, rows, fmts, widths, {7: fmts.decimal, 8: fmts.decimal, 9: fmts.decimal})
    fit_rows(ws, head, [headers, *rows], widths)
    if not rows:
        put(ws, head + 1, 0, text("previous.none"), fmts.note)
    print_setup(ws, landscape=True, header_rows=(head, head))


def previous_summary(result: Consolidation) -> str | None:
    """The console line about last round (None without ``--previous``).

    Args:
        result: this round.

    Returns:
        One Vietnamese sentence.
    """
    if result.previous is None:
        return None
    found = compare(result, result.previous)
    return text("previous.console", period=str(result.previous.period),
                tenfold=sum(c.kind == TENFOLD for c in found), restated=sum(c.kind == RESTATED for c in found),
                sheet=text("previous.sheet"))
