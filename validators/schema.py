"""Cell checks: a pandera ``DataFrameSchema`` built from the catalog's cell spec.

The values are merged with the cell spec (kind, min, max, required, choices, levels of every
``(code, column)``), the schema runs with ``lazy=True`` and every failure case (its index is
the row of the values frame) becomes a hit, then a finding.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from validators.findings import hits_frame
from validators.frame import SEP, is_blank, tag, tag_detail
from validators.messages import bounds, vi_number
from validators.spec import cell_spec, date_window, list_spec
from workbooks.catalog.layout import NOTE_HEADER, period_bounds
from workbooks.catalog.model import INTEGER_KINDS, NUMERIC_KINDS, Form

KINDS = sorted(NUMERIC_KINDS | {"choice", "yesno", "text", "date", "rate"})
PARSE_TAG = r"^(|blank|(coerced|invalid|suspect):.+)$"
CHOICE_KINDS = ("choice", "yesno")


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


def merge_spec(form: Form, values: pd.DataFrame, year: int,
               levels: Mapping[str, str | None] | None = None) -> pd.DataFrame:
    """The values with the spec of their cell beside them (index = row of ``values``).

    Indicator rows (``item == 0``) merge on ``(code, column)``, list rows on
    ``(sheet_id, column)``. ``required`` becomes *required here*: the cell exists in the file,
    is not computed, and its row applies to the return's level (unknown level: level-restricted
    rows are not required).

    Args:
        form: the form.
        values: prepared values (see ``frame.normalise``).
        year: the period year.
        levels: return id -> unit level, when known.

    Returns:
        The merged frame.
    """
    spec = cell_spec(form, year)
    work = values.assign(pos=range(len(values)))
    ind = work[work["item"].eq(0)].merge(spec.drop(columns="sheet_id"), on=["code", "column"], how="left")
    lst = work[work["item"].gt(0)].merge(list_spec(form), on=["sheet_id", "column"], how="left")
    merged = pd.concat([ind, lst]).set_index("pos").sort_index()
    merged.index.name = None
    merged["spec_kind"] = merged["spec_kind"].fillna("").astype(str)
    note = NOTE_HEADER + " – " + merged["code"]
    merged["label"] = merged["label"].fillna(note.where(merged["column"].eq("note"), merged["code"])).astype(str)
    merged["required"] = (merged["required"].fillna(False).astype(bool) & merged["item"].eq(0)
                          & merged["row"].gt(0) & _applies(merged, spec, levels))
    for col in ("min", "max"):
        merged[col] = pd.to_numeric(merged[col], errors="coerce").astype("float64")
    return merged


def _applies(merged: pd.DataFrame, spec: pd.DataFrame, levels: Mapping[str, str | None] | None) -> pd.Series:
    restricted = spec[spec["levels"].map(len).gt(0)]
    pairs = {f"{c}{SEP}{lv}" for c, lvs in zip(restricted["code"], restricted["levels"], strict=True)
             for lv in lvs}
    level = merged["return_id"].map(dict(levels or {})).astype(object).fillna("").astype(str)
    return ~merged["code"].isin(set(restricted["code"])) | (merged["code"] + SEP + level).isin(pairs)


def _choice_key(frame: pd.DataFrame) -> pd.Series:
    """What a choice cell holds, comparable with the spec's codes: the whole-number code as
    text ("1"), else the text; yes/no cells: the text ("Có"), whatever number the reader gave."""
    num, text = frame["number"], frame["text"].str.strip()
    whole = num.notna() & num.abs().lt(1e15) & num.eq(num.round()) & frame["spec_kind"].ne("yesno")
    as_int = num.where(whole, 0).round().astype("int64").astype(str)
    return as_int.where(whole, text)


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
    lo, hi = date_window(form, year)

    def parsed(d: pd.DataFrame) -> pd.Series:
        return d["kind"].ne("rate") & d["spec_kind"].ne("rate")

    def numeric(d: pd.DataFrame) -> pd.Series:
        return d["spec_kind"].isin(NUMERIC_KINDS) & d["number"].abs().lt(math.inf)

    def not_number(d: pd.DataFrame) -> pd.Series:
        untagged_text = d["parse"].eq("") & d["number"].isna() & d["text"].ne("")
        return d["spec_kind"].isin(NUMERIC_KINDS) & (untagged_text | d["number"].abs().eq(math.inf))

    def fraction(d: pd.DataFrame) -> pd.Series:
        return numeric(d) & d["spec_kind"].isin(INTEGER_KINDS) & d["number"].ne(d["number"].round())

    def out_of_range(d: pd.DataFrame) -> pd.Series:
        return numeric(d) & (d["number"].lt(d["min"]) | d["number"].gt(d["max"]))

    def bad_choice(d: pd.DataFrame) -> pd.Series:
        key = d["code"] + SEP + _choice_key(d)
        return (d["spec_kind"].isin(CHOICE_KINDS) & ~is_blank(d) & ~tag(d, "invalid:")
                & ~key.isin(allowed))

    def day(d: pd.DataFrame) -> pd.Series:
        return pd.to_datetime(d["text"].where(d["spec_kind"].eq("date"), ""), format="%Y-%m-%d",
                              errors="coerce")

    def bad_date(d: pd.DataFrame) -> pd.Series:
        return day(d).lt(pd.Timestamp(lo)) | day(d).gt(pd.Timestamp(hi))

    def not_date(d: pd.DataFrame) -> pd.Series:
        return d["spec_kind"].eq("date") & d["parse"].eq("") & d["text"].ne("") & day(d).isna()

    return [
        CellCheck("parse.invalid", "error", lambda d: parsed(d) & tag(d, "invalid:"),
                  lambda d: "invalid." + tag_detail(d)),
        CellCheck("parse.not_number", "error", not_number, "invalid.not_number"),
        CellCheck("parse.not_date", "error", not_date, "invalid.not_date"),
        CellCheck("parse.coerced", "warning", lambda d: parsed(d) & tag(d, "coerced:"),
                  lambda d: "coerced." + tag_detail(d)),
        CellCheck("parse.suspect", "warning", lambda d: parsed(d) & tag(d, "suspect:"),
                  lambda d: "suspect." + tag_detail(d)),
        CellCheck("type.whole", "error", fraction, lambda d: "type." + d["spec_kind"]),
        CellCheck("range", "error", out_of_range, lambda d: "range." + d["spec_kind"]),
        CellCheck("range.date", "warning", bad_date, "range.date"),
        CellCheck("choice.invalid", "error", bad_choice, "choice.invalid"),
        CellCheck("required.blank", "error", lambda d: d["required"] & is_blank(d), "required.blank",
                  lambda d: "required.blank" + d["spec_kind"].isin(CHOICE_KINDS).map(
                      {True: "_choice", False: ""})),
    ]


def build_schema(checks: list[CellCheck]) -> pa.DataFrameSchema:
    """The pandera schema of the merged values frame: column types plus the cell checks.

    Args:
        checks: the cell checks (each becomes a dataframe-level ``pa.Check`` named after it).

    Returns:
        The schema (validate with ``lazy=True``).
    """
    columns = {
        "return_id": pa.Column(str), "code": pa.Column(str), "column": pa.Column(str),
        "item": pa.Column(int, pa.Check.ge(0)), "row": pa.Column(int, pa.Check.ge(0)),
        "number": pa.Column(float, nullable=True), "text": pa.Column(str),
        "kind": pa.Column(str, pa.Check.isin(KINDS)), "parse": pa.Column(str, pa.Check.str_matches(PARSE_TAG)),
        "spec_kind": pa.Column(str), "min": pa.Column(float, nullable=True),
        "max": pa.Column(float, nullable=True), "required": pa.Column(bool),
    }
    frame_checks = [pa.Check(lambda d, c=c: ~c.fails(d), name=c.name, ignore_na=False) for c in checks]
    return pa.DataFrameSchema(columns, checks=frame_checks, strict=False)


def failure_cases(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """Run the schema lazily and return its failure cases, one row per (check, column, row).

    Args:
        schema: the schema.
        frame: the merged frame (only the schema's columns are handed to pandera).

    Returns:
        pandera's ``failure_cases`` (empty when everything passes).

    Raises:
        RuntimeError: a check itself crashed (a bug of ours, not bad data).
    """
    try:
        schema.validate(frame[list(schema.columns)], lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        if cases["index"].isna().any():
            raise RuntimeError(f"a cell check failed to run:\n{cases[cases['index'].isna()]}") from exc
        return cases
    return pd.DataFrame(columns=["schema_context", "column", "check", "failure_case", "index"])


def schema_hits(form: Form, values: pd.DataFrame, year: int,
                levels: Mapping[str, str | None] | None = None) -> pd.DataFrame:
    """Hits of the cell checks for all returns of ``values`` at once.

    Args:
        form: the form.
        values: prepared values (see ``frame.normalise``).
        year: the period year.
        levels: return id -> unit level, when known.

    Returns:
        A hits frame (see ``findings.HIT_COLUMNS``).
    """
    if values.empty:
        return pd.DataFrame()
    merged = merge_spec(form, values, year, levels)
    checks = cell_checks(form, year)
    cases = failure_cases(build_schema(checks), merged)
    lo, hi = period_bounds(form.period, year)
    merged = merged.assign(lo=lo, hi=hi, plain=merged["number"].map(lambda x: vi_number(x, False)))
    by_name = {c.name: c for c in checks}
    parts = [_check_hits(by_name[name], merged.loc[sorted(set(grp["index"]))])
             for name, grp in cases[cases["schema_context"].eq("DataFrameSchema")].groupby("check")]
    parts.append(_frame_hits(merged, cases[cases["schema_context"].eq("Column")]))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _check_hits(check: CellCheck, rows: pd.DataFrame) -> pd.DataFrame:
    rule_id = check.rule_id(rows) if callable(check.rule_id) else check.rule_id
    template = check.template(rows) if callable(check.template) else (check.template or rule_id)
    shown = rows["raw"]
    if check.name == "range.date":  # the date as understood, written dd/mm/yyyy
        shown = pd.to_datetime(rows["text"], format="%Y-%m-%d", errors="coerce")
    hits = hits_frame(rows, rule_id=rule_id, template=template, severity=check.severity,
                      value=shown, cells=rows["cell"].map(lambda c: (c,) if c else ()))
    if check.name == "parse.coerced":  # dates the reader understood, written dd/mm/yyyy
        hits["date"] = pd.to_datetime(rows["text"], format="%Y-%m-%d", errors="coerce")
    if check.name == "range":
        hits["bounds"] = [bounds(a, b) for a, b in zip(rows["min"], rows["max"], strict=True)]
    hits["choices"] = rows["choices_text"]
    return hits


def _frame_hits(merged: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    if cases.empty:
        return pd.DataFrame()
    rows = merged.loc[cases["index"].astype("int64")].copy()
    rows["frame_column"] = cases["column"].to_numpy()
    rows["value"] = cases["failure_case"].to_numpy()
    return hits_frame(rows, rule_id="frame." + rows["frame_column"], template="frame._default",
                      severity="error", cells=rows["cell"].map(lambda c: (c,) if c else ()))

