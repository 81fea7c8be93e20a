"""The printed summary sheets: "Tổng hợp" (with "Giải thích số liệu" beside it) and "Theo cấp trên".

"Tổng hợp" is the appendix itself with the province figures and one column per level; the
statements above it say which returns the figures come from. "Giải thích số liệu" carries,
on the same row numbers, how each figure was made. "Theo cấp trên" repeats the appendix for
at most ``PARENTS_PER_PART`` parent units at a time, so it stays as narrow as "Tổng hợp".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from xlsxwriter.worksheet import Worksheet

from consolidate.aggregate import SCOPE_ALL, SCOPE_LEVEL, SCOPE_PARENT
from consolidate.cells import Formats
from consolidate.print_setup import print_setup
from consolidate.summary_sheet import (
    Explain,
    Scope,
    TotalsIndex,
    totals_index,
    write_indicator_block,
    write_list_block,
)
from workbooks.catalog.layout import render
from workbooks.catalog.model import IndicatorSheet, ListSheet
from workbooks.messages import fix, text
from workbooks.registry import known_levels

if TYPE_CHECKING:
    from consolidate.model import Consolidation

SUMMARY_SHEET = "Tổng hợp"
EXPLAIN_SHEET = "Giải thích số liệu"
PARENT_SHEET = "Theo cấp trên"
FILES_SHEET = "Tệp đã nhận"
PARENTS_PER_PART = 5
FIRST_TABLE_ROW = 6


def used_statement(result: Consolidation) -> str:
    """Say which returns the figures come from (and whether returns with errors count).

    Args:
        result: the consolidation.

    Returns:
        Vietnamese sentences, no command-line option named.
    """
    used = result.used
    excluded = [o for o in result.outcomes if o.status == "errors_excluded"]
    with_errors = [o for o in used if o.status == "errors_used"]
    statement = text("summary.used", used=len(used), expected=result.expected)
    if result.include_errors:
        statement = f"{statement} {text('summary.used_with_errors', n=len(with_errors))}"
    else:
        statement = f"{statement} {text('summary.used_without_errors', n=len(excluded), sheet=FILES_SHEET)}"
    if result.left_out:  # values failing their own check, left out even with the errors included
        statement += " " + text("consolidate.values_left_out_total", left=len(result.left_out),
                                files=len({w[0] for w in result.left_out}))
    return statement


def status_line(result: Consolidation) -> str:
    """Count the expected units per submission status (and against the deadline).

    Args:
        result: the consolidation.

    Returns:
        One or two Vietnamese sentences.
    """
    statuses = [u.status for u in result.units]
    line = text("summary.status_line", expected=len(statuses), submitted=len(statuses) - statuses.count("missing"),
                missing=statuses.count("missing"), excluded=statuses.count("errors_excluded"))
    if result.deadline:
        line += " " + text("summary.status_deadline", deadline=result.deadline, on_time=statuses.count("on_time"),
                           late=statuses.count("late"))
    return line


def summary_scopes(result: Consolidation) -> tuple[list[Scope], list[Scope]]:
    """(overall + levels, parents) among the units expected to report (no parents when only one).

    Args:
        result: the consolidation.

    Returns:
        The scopes of "Tổng hợp" and of "Theo cấp trên".
    """
    levels = known_levels()
    present = {u.unit.level for u in result.units}
    by_level: list[Scope] = [(SCOPE_ALL, "", "Toàn tỉnh")]
    by_level += [(SCOPE_LEVEL, code, label) for code, label in levels.items() if code in present]
    parents: list[Scope] = []
    for status in result.units:
        code = status.unit.parent_code or ""
        if code and code not in [p[1] for p in parents]:
            parent = result.registry.by_code(code)
            parents.append((SCOPE_PARENT, code, parent.name if parent else code))
    return by_level, parents if len(parents) > 1 else []


def _heading(ws: Worksheet, result: Consolidation, title: str, width: int, fmts: Formats) -> None:
    """Title, form, and the statements of where the figures come from (merged over the table's width)."""
    form, year = result.form, result.period
    lines = [(title, fmts.title),
             (f"{form.title} — {render(form.period.label, year)} — {form.province}", fmts.subtitle),
             (used_statement(result), fmts.bold_wrap),
             (status_line(result), fmts.wrap),
             (text("summary.rate_rule", sheet=EXPLAIN_SHEET), fmts.subtitle)]
    for r, (line, fmt) in enumerate(lines):
        ws.merge_range(r, 0, r, max(1, width - 1), line, fmt)
        if len(line) > 12 * width:
            ws.set_row(r, 30)


def _body(ws: Worksheet, result: Consolidation, scopes: list[Scope], fmts: Formats, row: int,
          explain: Explain | None, previous: TotalsIndex | None, index: TotalsIndex) -> int:
    for sheet in result.form.sheets:
        if isinstance(sheet, IndicatorSheet):
            row = write_indicator_block(ws, row, sheet, result.period, scopes, index, fmts, explain, previous)
    for sheet in result.form.sheets:
        if isinstance(sheet, ListSheet):
            row = write_list_block(ws, row, sheet, result.period, scopes, result.aggregates.list_counts, fmts)
    return row


def _table_width(result: Consolidation, scopes: list[Scope], previous: bool) -> int:
    widths = [3 + len(s.columns) * (len(scopes) + (2 if previous else 0))
              for s in result.form.sheets if isinstance(s, IndicatorSheet)]
    return max(widths, default=7)


def write_summary(summary: Worksheet, explain_ws: Worksheet, result: Consolidation, fmts: Formats,
                  previous: TotalsIndex | None = None, index: TotalsIndex | None = None) -> None:
    """Write "Tổng hợp" and "Giải thích số liệu" (same row numbers), both print-ready.

    Args:
        summary: the "Tổng hợp" sheet.
        explain_ws: the "Giải thích số liệu" sheet.
        result: the consolidation.
        fmts: the formats.
        previous: last round's totals (``totals_index`` of its totals), when given.
        index: this round's ``totals_index`` (made here when None).
    """
    index = index if index is not None else totals_index(result.aggregates.totals)
    scopes, _parents = summary_scopes(result)
    width = _table_width(result, scopes, previous is not None)
    _heading(summary, result, text("summary.province_title", province=result.form.province.upper()), width, fmts)
    explain_ws.merge_range(0, 0, 0, 6, text("explain.title", sheet=SUMMARY_SHEET), fmts.title)
    explain_ws.merge_range(2, 0, 2, 6, used_statement(result), fmts.bold_wrap)
    what = text("summary.used_with_errors", n=sum(o.status == "errors_used" for o in result.outcomes)) \
        if result.include_errors else fix("summary.include_errors_option")
    explain_ws.merge_range(3, 0, 3, 6, what, fmts.wrap)
    explain_ws.merge_range(4, 0, 4, 6, text("summary.made_at", time=result.generated_at.strftime("%d/%m/%Y %H:%M"),
                                            folder=str(result.folder)), fmts.subtitle)
    explain = Explain(explain_ws, scopes[0])
    _body(summary, result, scopes, fmts, FIRST_TABLE_ROW, explain, previous, index)
    header = (FIRST_TABLE_ROW + 1, FIRST_TABLE_ROW + 2)
    summary.freeze_panes(header[1] + 1, 3)
    print_setup(summary, landscape=width > 7, header_rows=header)
    explain_ws.freeze_panes(header[1] + 1, 2)
    print_setup(explain_ws, landscape=True, header_rows=header)


def write_parents(new_sheet: Callable[[str], Worksheet], result: Consolidation, parents: list[Scope],
                  fmts: Formats, index: TotalsIndex | None = None) -> None:
    """Write "Theo cấp trên": the appendix per parent unit, ``PARENTS_PER_PART`` parents per sheet
    ("Theo cấp trên", "Theo cấp trên (2)" …), each with its header rows repeated on every page.

    Args:
        new_sheet: adds a sheet of the given name to the workbook.
        result: the consolidation.
        parents: the parent scopes.
        fmts: the formats.
        index: this round's ``totals_index`` (made here when None).
    """
    index = index if index is not None else totals_index(result.aggregates.totals)
    parts = [parents[i:i + PARENTS_PER_PART] for i in range(0, len(parents), PARENTS_PER_PART)]
    for n, part in enumerate(parts, 1):
        ws = new_sheet(PARENT_SHEET if n == 1 else f"{PARENT_SHEET} ({n})")
        width = _table_width(result, part, False)
        title = text("summary.parents_title")
        if len(parts) > 1:
            title += " " + text("summary.parents_part", part=n, parts=len(parts))
        _heading(ws, result, title, width, fmts)
        _body(ws, result, part, fmts, FIRST_TABLE_ROW, None, None, index)
        header = (FIRST_TABLE_ROW + 1, FIRST_TABLE_ROW + 2)
        ws.freeze_panes(header[1] + 1, 3)
        print_setup(ws, landscape=width > 7, header_rows=header)
