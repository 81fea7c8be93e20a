"""Cell checks: a pandera ``DataFrameSchema`` built from the catalog's cell spec.

The values get the spec of their cell beside them (kind, min, max, required of every
``(code, column)``, by integer lookup into the cached spec), the schema (cached per form and
year, see ``context.py``) runs with ``lazy=True`` and every failure case (its index is the row
of the values frame) becomes a hit, then a finding. Labels, choices and the other message
parameters are looked up only for the failing rows.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from validators.context import FormContext, form_context
from validators.findings import hits_frame
from validators.messages import bounds, vi_number
from validators.prepared import Prepared
from validators.schema_checks import PARSE_TAG, CellCheck, build_schema, cell_checks, choice_kinds
from workbooks.catalog.layout import NOTE_HEADER
from workbooks.catalog.model import Form

__all__ = ["PARSE_TAG", "choice_kinds", "CellCheck", "build_schema", "cell_checks", "failure_cases",
           "schema_frame", "schema_hits"]

SCHEMA_COLUMNS = ["return_id", "code", "column", "item", "row", "number", "text", "kind", "parse",
                  "spec_kind", "min", "max", "required"]


def spec_rows(ctx: FormContext, prep: Prepared) -> np.ndarray:
    """Row of the cell spec of every value (``len(spec)``: none, e.g. list rows, unknown cells).

    Args:
        ctx: the form context.
        prep: the prepared values.

    Returns:
        Integer array aligned with the values.
    """
    key = ("spec_rows", id(ctx))
    if key not in prep.memo:
        none = len(ctx.spec)
        pair_codes, keys = prep.pairs
        lookup = np.array([ctx.spec_index.get(k, none) for k in keys] or [none], dtype=np.intp)
        prep.memo[key] = np.where(prep.item == 0, lookup[pair_codes] if prep.n else none, none)
    return prep.memo[key]


def _applies(ctx: FormContext, prep: Prepared, levels: Mapping[str, str | None] | None) -> np.ndarray:
    """Whether the row of each value applies to its return's level (unknown level: restricted
    rows do not apply)."""
    restricted = np.array([c in ctx.restricted for c in prep.code_uniques], dtype=bool)
    if not restricted.any():
        return np.ones(prep.n, dtype=bool)
    level = pd.Series(prep.rid_uniques, dtype=object).map(dict(levels or {})).astype(object).fillna("").astype(str)
    level_codes, level_uniques = pd.factorize(level)
    allowed = np.zeros((len(prep.code_uniques), len(level_uniques)), dtype=bool)
    for i in np.flatnonzero(restricted):
        allowed[i] = [lv in ctx.restricted[prep.code_uniques[i]] for lv in level_uniques]
    row_level = level_codes[prep.rid_codes]
    return ~restricted[prep.code_codes] | allowed[prep.code_codes, row_level]


def schema_frame(ctx: FormContext, prep: Prepared, levels: Mapping[str, str | None] | None = None) -> pd.DataFrame:
    """The values with the spec of their cell beside them, as the schema sees them.

    ``required`` is *required here*: the cell exists in the file, is not computed, and its row
    applies to the return's level. Rows with a negative ``item`` are left out (they are
    neither indicator nor list rows); the index is the row of the values frame.

    Args:
        ctx: the form context.
        prep: the prepared values.
        levels: return id -> unit level, when known.

    Returns:
        A frame with ``SCHEMA_COLUMNS``.
    """
    frame, rows = prep.frame, spec_rows(ctx, prep)
    lo, hi = ctx.spec_bounds
    required = ctx.spec_required[rows] & (prep.item == 0) & (prep.row > 0) & _applies(ctx, prep, levels)
    data = {c: frame[c] for c in SCHEMA_COLUMNS[:9]}
    data |= {"spec_kind": pd.Series(ctx.spec_kind.take(rows), index=frame.index),
             "min": pd.Series(lo[rows], index=frame.index), "max": pd.Series(hi[rows], index=frame.index),
             "required": pd.Series(required, index=frame.index)}
    out = pd.DataFrame(data, copy=False)
    return out if (prep.item >= 0).all() else out[prep.item >= 0]


def failure_cases(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """Run the schema lazily and return its failure cases, one row per (check, column, row).

    Args:
        schema: the schema.
        frame: the schema frame (only the schema's columns are handed to pandera).

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
                levels: Mapping[str, str | None] | None = None, *, prep: Prepared | None = None,
                ctx: FormContext | None = None) -> pd.DataFrame:
    """Hits of the cell checks for all returns of ``values`` at once.

    Args:
        form: the form.
        values: prepared values (see ``frame.normalise``).
        year: the period year.
        levels: return id -> unit level, when known.
        prep: ``Prepared(values)`` when already made.
        ctx: ``form_context(form, year)`` when already at hand.

    Returns:
        A hits frame (see ``findings.HIT_COLUMNS``).
    """
    if values.empty:
        return pd.DataFrame()
    ctx = ctx or form_context(form, year)
    prep = prep or Prepared(values)
    cases = failure_cases(ctx.schema, schema_frame(ctx, prep, levels))
    if cases.empty:
        return pd.DataFrame()
    by_name = {c.name: c for c in ctx.checks}
    parts = [_check_hits(by_name[name], hit_rows(ctx, prep, sorted(set(grp["index"]))))
             for name, grp in cases[cases["schema_context"].eq("DataFrameSchema")].groupby("check")]
    parts.append(_frame_hits(ctx, prep, cases[cases["schema_context"].eq("Column")]))
    return pd.concat(parts, ignore_index=True)


def hit_rows(ctx: FormContext, prep: Prepared, positions: list[int] | np.ndarray) -> pd.DataFrame:
    """The values at ``positions`` with what their messages need: the spec of the cell
    (indicator rows: cell spec; list rows: list spec), the period and the number as written.

    Args:
        ctx: the form context.
        prep: the prepared values.
        positions: rows of the values frame (repeats allowed).

    Returns:
        A frame indexed by the positions.
    """
    pos = np.asarray(positions, dtype=np.intp)
    rows = prep.frame.iloc[pos]
    spec_at = spec_rows(ctx, prep)[pos]
    no_list = len(ctx.lists)
    keys = zip(rows["item"].tolist(), rows["sheet_id"].tolist(), rows["column"].tolist(), strict=True)
    list_at = np.array([ctx.list_index.get((s, c), no_list) if i > 0 else no_list for i, s, c in keys],
                       dtype=np.intp)
    from_spec = spec_at < len(ctx.spec)
    fields = {c: pd.Series(np.where(from_spec, ctx.spec_objects[c][spec_at], ctx.list_objects[c][list_at]),
                           index=rows.index, dtype=object) for c in ctx.spec_objects}
    note = NOTE_HEADER + " – " + rows["code"]
    fields["spec_kind"] = fields["spec_kind"].fillna("").astype(str)
    fields["label"] = fields["label"].fillna(note.where(rows["column"].eq("note"), rows["code"])).astype(str)
    lo, hi = ctx.spec_bounds
    first, last = ctx.period
    return rows.assign(**fields, min=lo[spec_at], max=hi[spec_at], lo=first, hi=last,
                       plain=[vi_number(x, False) for x in rows["number"].tolist()])


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


def _frame_hits(ctx: FormContext, prep: Prepared, cases: pd.DataFrame) -> pd.DataFrame:
    if cases.empty:
        return pd.DataFrame()
    rows = hit_rows(ctx, prep, cases["index"].astype("int64").to_numpy())
    rows["frame_column"] = cases["column"].to_numpy()
    rows["value"] = cases["failure_case"].to_numpy()
    return hits_frame(rows, rule_id="frame." + rows["frame_column"], template="frame._default",
                      severity="error", cells=rows["cell"].map(lambda c: (c,) if c else ()))
