"""The cell checks and the pandera ``DataFrameSchema`` they form (built once per form and year).

Each check is a vectorised function of the schema frame (values with the spec of their cell
beside them, see ``schema.schema_frame``) returning the failing rows. The checks read the
string columns with a few whole-column comparisons and restrict the costly work (choice keys,
date parsing) to the rows of the kinds concerned, so one check costs about the same for one
return as for a thousand stacked.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from validators.frame import SEP, is_blank, tag, tag_detail
from validators.spec import cell_spec, date_window
from workbooks.catalog.kinds import KINDS as KINDS_TABLE
from workbooks.catalog.kinds import kinds_where
from workbooks.catalog.model import Form

PARSE_TAG = r"^(|blank|(coerced|invalid|suspect):.+)$"
DATE_FORMAT = "%Y-%m-%d"


def numeric_kinds() -> frozenset[str]:
    """Kinds of single number cells (type and range checks), from the kinds table."""
    return kinds_where(numeric=True, ratio=False, declarable=True)


def integer_kinds() -> frozenset[str]:
    """Kinds whose numbers must be whole, from the kinds table."""
    return kinds_where(integer=True, ratio=False, declarable=True)


def choice_kinds() -> frozenset[str]:
    """Kinds answered with a code from a list (choice, yes/no), from the kinds table."""
    return kinds_where(parse="choice") | kinds_where(parse="yesno")


@dataclass(frozen=True)
class CellCheck:
    """One vectorised cell check: which rows fail, and how their findings are named.

    ``rule_id`` and ``template`` are either fixed strings or functions of the failing rows.
    """

    name: str
    severity: str
    fails: Callable[[pd.DataFrame], pd.Series]
    rule_id: str | Callable[[pd.DataFrame], pd.Series]
    template: str | Callable[[pd.DataFrame], pd.Series] | None = None


def _eq(d: pd.DataFrame, column: str, value: str) -> np.ndarray:
    return d[column].eq(value).to_numpy(dtype=bool)


def _tag(d: pd.DataFrame, prefix: str) -> np.ndarray:
    return tag(d, prefix).to_numpy(dtype=bool)


def _is_blank(d: pd.DataFrame) -> np.ndarray:
    return is_blank(d).to_numpy(dtype=bool)


def _kind_in(d: pd.DataFrame, kinds: frozenset[str] | tuple[str, ...]) -> np.ndarray:
    return d["spec_kind"].isin(list(kinds)).to_numpy(dtype=bool)


def _series(d: pd.DataFrame, mask: np.ndarray) -> pd.Series:
    return pd.Series(mask, index=d.index, dtype=bool)


def _choice_key(frame: pd.DataFrame) -> pd.Series:
    """What a choice cell holds, comparable with the spec's codes: the whole-number code as
    text ("1"), else the text; yes/no cells: the text ("Có"), whatever number the reader gave."""
    num, text = frame["number"], frame["text"].str.strip()
    whole = num.notna() & num.abs().lt(1e15) & num.eq(num.round()) & frame["spec_kind"].ne("yesno")
    as_int = num.where(whole, 0).round().astype("int64").astype(str)
    return as_int.where(whole, text)


def _days(d: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
    """Rows of date cells and their text read as ``yyyy-mm-dd`` dates (NaT when not a date)."""
    rows = np.flatnonzero(_eq(d, "spec_kind", "date"))
    text = d["text"].iloc[rows]
    return rows, pd.to_datetime(text, format=DATE_FORMAT, errors="coerce")


def cell_checks(form: Form, year: int) -> list[CellCheck]:
    """The cell checks of ``form``, in reporting order.

    Args:
        form: the form (its choices feed the choice check).
        year: the period year (date window).

    Returns:
        The checks; the schema gets one ``pa.Check`` per entry.
    """
    spec = cell_spec(form, year)
    allowed = {f"{c}{SEP}{k}" for c, ks in zip(spec["code"], spec["choices"], strict=True) for k in ks}
    lo, hi = (pd.Timestamp(x) for x in date_window(form, year))
    numeric_set, integer_set, choice_set = numeric_kinds(), integer_kinds(), choice_kinds()

    def parsed(d: pd.DataFrame) -> np.ndarray:
        return ~_eq(d, "kind", "rate") & ~_eq(d, "spec_kind", "rate")

    def numeric(d: pd.DataFrame) -> np.ndarray:
        return _kind_in(d, numeric_set) & (np.abs(d["number"].to_numpy()) < math.inf)

    def tagged(prefix: str) -> Callable[[pd.DataFrame], pd.Series]:
        return lambda d: _series(d, parsed(d) & _tag(d, prefix))

    def not_number(d: pd.DataFrame) -> pd.Series:
        number = d["number"].to_numpy()
        untagged_text = _eq(d, "parse", "") & np.isnan(number) & ~_eq(d, "text", "")
        return _series(d, _kind_in(d, numeric_set) & (untagged_text | (np.abs(number) == math.inf)))

    def fraction(d: pd.DataFrame) -> pd.Series:
        number = d["number"].to_numpy()
        return _series(d, numeric(d) & _kind_in(d, integer_set) & (number != np.round(number)))

    def out_of_range(d: pd.DataFrame) -> pd.Series:
        number = d["number"].to_numpy()
        below, above = number < d["min"].to_numpy(), number > d["max"].to_numpy()
        return _series(d, numeric(d) & (below | above))

    def bad_choice(d: pd.DataFrame) -> pd.Series:
        rows = np.flatnonzero(_kind_in(d, choice_set) & ~_is_blank(d) & ~_tag(d, "invalid:"))
        out = np.zeros(len(d), dtype=bool)
        if len(rows):
            sub = d[["code", "number", "text", "spec_kind"]].iloc[rows]
            out[rows] = ~(sub["code"] + SEP + _choice_key(sub)).isin(allowed).to_numpy(dtype=bool)
        return _series(d, out)

    def bad_date(d: pd.DataFrame) -> pd.Series:
        rows, day = _days(d)
        out = np.zeros(len(d), dtype=bool)
        out[rows] = (day.lt(lo) | day.gt(hi)).to_numpy(dtype=bool)
        return _series(d, out)

    def not_date(d: pd.DataFrame) -> pd.Series:
        rows, day = _days(d)
        out = np.zeros(len(d), dtype=bool)
        out[rows] = day.isna().to_numpy(dtype=bool)
        return _series(d, out & _eq(d, "parse", "") & ~_eq(d, "text", ""))

    def required_blank(d: pd.DataFrame) -> pd.Series:
        return _series(d, d["required"].to_numpy(dtype=bool) & _is_blank(d))

    return [
        CellCheck("parse.invalid", "error", tagged("invalid:"), lambda d: "invalid." + tag_detail(d)),
        CellCheck("parse.not_number", "error", not_number, "invalid.not_number"),
        CellCheck("parse.not_date", "error", not_date, "invalid.not_date"),
        CellCheck("parse.coerced", "warning", tagged("coerced:"), lambda d: "coerced." + tag_detail(d)),
        CellCheck("parse.suspect", "warning", tagged("suspect:"), lambda d: "suspect." + tag_detail(d)),
        CellCheck("type.whole", "error", fraction, lambda d: "type." + d["spec_kind"]),
        CellCheck("range", "error", out_of_range, lambda d: "range." + d["spec_kind"]),
        CellCheck("range.date", "error", bad_date, "range.date"),  # Excel refuses it too (stop)
        CellCheck("choice.invalid", "error", bad_choice, "choice.invalid"),
        CellCheck("required.blank", "error", required_blank, "required.blank",
                  lambda d: "required.blank" + d["spec_kind"].isin(list(choice_set)).map(
                      {True: "_choice", False: ""})),
    ]


def build_schema(checks: list[CellCheck]) -> pa.DataFrameSchema:
    """The pandera schema of the schema frame: column types plus the cell checks.

    Args:
        checks: the cell checks (each becomes a dataframe-level ``pa.Check`` named after it).

    Returns:
        The schema (validate with ``lazy=True``).
    """
    columns = {
        "return_id": pa.Column(str), "code": pa.Column(str), "column": pa.Column(str),
        "item": pa.Column(int, pa.Check.ge(0)), "row": pa.Column(int, pa.Check.ge(0)),
        "number": pa.Column(float, nullable=True), "text": pa.Column(str),
        "kind": pa.Column(str, pa.Check.isin(sorted(KINDS_TABLE))), "parse": pa.Column(str, pa.Check.str_matches(PARSE_TAG)),
        "spec_kind": pa.Column(str), "min": pa.Column(float, nullable=True),
        "max": pa.Column(float, nullable=True), "required": pa.Column(bool),
    }
    frame_checks = [pa.Check(lambda d, c=c: ~c.fails(d), name=c.name, ignore_na=False) for c in checks]
    return pa.DataFrameSchema(columns, checks=frame_checks, strict=False)
