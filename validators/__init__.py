"""Rules a CCHC return must satisfy, checked on the reader's tidy values frame.

Public API::

    from validators import validate_values, Report, Finding
    report = validate_values(form, values, notices_by_return, period=2024)
    report = validate_return(ret)            # one workbooks.reader Return
    report = validate_returns(rets)          # many Returns: one vectorised call per form
    report.valid, report.n_errors, report.n_warnings, report.findings
    report.to_frame(), report.to_dict(), Report.merge(a, b)

One call validates one return or a thousand stacked returns: every check is a column
operation over all returns (the rule loop runs over rule instances, never over returns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from validators.context import form_context
from validators.cross import rule_hits
from validators.findings import Finding, findings_from_hits
from validators.frame import normalise, return_meta
from validators.lists import list_hits
from validators.messages import render, vi_number
from validators.prepared import Prepared
from validators.report import Report, sort_findings
from validators.schema import build_schema, cell_checks, schema_hits
from validators.spec import cell_spec, list_spec
from validators.structure import notice_findings
from workbooks.catalog.model import Form
from workbooks.reader.model import Notice, Return

__all__ = [
    "Finding", "Report", "build_schema", "cell_checks", "cell_spec", "list_spec", "render",
    "validate_return", "validate_returns", "validate_values", "vi_number",
]


def validate_values(
    form: Form,
    values: pd.DataFrame,
    notices_by_return: Mapping[str, Sequence[Notice]] | None = None,
    period: int | None = None,
    *,
    levels: Mapping[str, str | None] | None = None,
) -> Report:
    """Check the values of one or many returns of ``form`` in one vectorised pass.

    Bad data never raises: it becomes findings. A catalog mistake raises ``CatalogError``.

    Args:
        form: the form the returns were filled on.
        values: tidy values (``workbooks.reader.model.VALUE_COLUMNS``), returns stacked.
        notices_by_return: return id -> structural notices of the reader.
        period: the period year (default: the form's ``period.default_year``); dates are
            checked against the period ± one year.
        levels: return id -> unit level; level-restricted rows are required only for their
            levels (unknown level: not required).

    Returns:
        The report; findings ordered by return (as in ``values``), sheet, cell, rule.

    Raises:
        ValueError: ``values`` lacks columns of the contract (a reader bug).
        CatalogError: the catalog or the message catalogue is inconsistent.
    """
    year = period or form.period.default_year
    frame = normalise(values)
    hits: list[pd.DataFrame] = []
    if not frame.empty:
        prep, ctx = Prepared(frame), form_context(form, year)
        hits = [schema_hits(form, frame, year, levels, prep=prep, ctx=ctx),
                rule_hits(form, frame, prep=prep, ctx=ctx), list_hits(form, frame, year, prep=prep, ctx=ctx)]
    hits = [h for h in hits if not h.empty]
    findings = findings_from_hits(pd.concat(hits, ignore_index=True)) if hits else []
    meta = return_meta(frame)
    findings += notice_findings(form.id, notices_by_return, meta)
    order = {rid: i for i, rid in enumerate(dict.fromkeys([*meta.index, *(notices_by_return or {})]))}
    return Report(sort_findings(findings, order))


def validate_return(ret: Return) -> Report:
    """Check one return read by ``workbooks.reader`` (its form, period, level and notices).

    Args:
        ret: the return.

    Returns:
        The report.
    """
    return validate_returns([ret])


def validate_returns(returns: Iterable[Return]) -> Report:
    """Check many returns: stacked per form, one vectorised :func:`validate_values` call each.

    Returns of one form with different periods are checked per period (dates depend on it).

    Args:
        returns: returns read by ``workbooks.reader``.

    Returns:
        One report, findings grouped by form then by return (in the given order).
    """
    groups: dict[tuple[str, int], list[Return]] = {}
    for ret in returns:
        groups.setdefault((ret.form.id, ret.period), []).append(ret)
    reports = [
        validate_values(
            rets[0].form, pd.concat([r.values for r in rets], ignore_index=True),
            {r.return_id: r.notices for r in rets}, period,
            levels={r.return_id: r.level for r in rets},
        )
        for (_, period), rets in groups.items()
    ]
    return Report.merge(*reports) if reports else Report()
