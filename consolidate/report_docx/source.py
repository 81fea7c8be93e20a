"""What a consolidation left beside tong_hop.xlsx, read back for the report (no figure recomputed).

The store (``tong_hop.sqlite``) says which run wrote the workbook: form, period, deadline, whether
returns with errors were used. The tidy data (``tong_hop_du_lieu/``) holds that run's totals and
the submission status of every expected unit, exactly as the workbook shows them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from consolidate.aggregate import SCOPE_ALL
from consolidate.model import default_data_dir, default_store
from consolidate.previous import read_tidy_table
from consolidate.summary_sheet import TotalsIndex, totals_index
from workbooks.catalog.loader import get_form
from workbooks.catalog.model import Form
from workbooks.messages import text


class ReportInputError(Exception):
    """The consolidation's results cannot be found or read (message in Vietnamese)."""


@dataclass
class RoundResults:
    """One consolidation run, as its outputs hold it.

    Attributes:
        form: the form consolidated.
        period: the period year.
        deadline: the deadline given to the run (None when none).
        include_errors: whether returns with errors were used.
        finished_at: when the run finished.
        totals: the run's totals (``Aggregates.totals``).
        units: the submission status of every expected unit (tidy ``units`` table).
        workbook: the tong_hop.xlsx.
    """

    form: Form
    period: int
    deadline: date | None
    include_errors: bool
    finished_at: datetime
    totals: pd.DataFrame
    units: pd.DataFrame
    workbook: Path

    def index(self) -> TotalsIndex:
        """The totals indexed as the summary sheet reads them."""
        return totals_index(self.totals)

    def province(self, code: str, column: str, measure: str) -> float:
        """One province total (NaN when absent).

        Args:
            code: value code.
            column: value column key.
            measure: sum, rate, median …

        Returns:
            The value.
        """
        value = self.index().get((SCOPE_ALL, "", code, column, measure))
        return float("nan") if value is None else float(value)

    def with_status(self, *statuses: str) -> pd.DataFrame:
        """The expected units whose submission status is one of ``statuses`` (registry order)."""
        return self.units[self.units["status"].isin(statuses)]

    def with_errors(self) -> pd.DataFrame:
        """The units whose chosen return breaks at least one error rule (used or left out)."""
        return self.units[self.units["n_errors"].fillna(0).astype(int) > 0]


def _read_table(folder: Path, stem: str) -> pd.DataFrame:
    found = read_tidy_table(folder, stem)
    if found is None:
        raise ReportInputError(text("report.no_data", path=folder))
    return found


def load_round(workbook: str | Path) -> RoundResults:
    """Read back the run that wrote ``workbook``.

    Args:
        workbook: the tong_hop.xlsx written by ``cchc consolidate``.

    Returns:
        The run's results.

    Raises:
        ReportInputError: the workbook, its store or its tidy data cannot be found.
    """
    path = Path(workbook).resolve()
    if not path.is_file():
        raise ReportInputError(text("report.no_workbook", path=workbook))
    store = default_store(path)
    row = None
    if store.is_file():
        con = sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT form_id, period, deadline, include_errors, finished_at FROM runs "
                              "WHERE out = ? AND finished_at IS NOT NULL ORDER BY run_id DESC LIMIT 1",
                              (str(path),)).fetchone()
        except sqlite3.DatabaseError:
            row = None
        finally:
            con.close()
    if row is None:
        raise ReportInputError(text("report.no_store", path=store, workbook=workbook))
    form_id, period, deadline, include_errors, finished_at = row
    data = default_data_dir(path)
    totals = _read_table(data, "totals")
    totals["scope_code"] = totals["scope_code"].fillna("")
    units = _read_table(data, "units")
    return RoundResults(get_form(form_id), int(period), date.fromisoformat(deadline) if deadline else None,
                        bool(include_errors), datetime.fromisoformat(finished_at), totals, units, path)
