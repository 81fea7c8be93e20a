"""The end-of-run summary: every file found is accounted for, with counts (rich tables)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from consolidate.labels import STATUS_LABELS, reason_label
from consolidate.model import STATUSES
from workbooks.messages import say, text

if TYPE_CHECKING:
    from consolidate.model import Consolidation

_STYLE = {"used": "green", "used_warnings": "yellow", "errors_used": "red", "errors_excluded": "red",
          "duplicate": "cyan", "conflict": "magenta", "rejected": "red", "not_excel_file": "dim"}
MAX_LISTED = 25


def status_counts(result: Consolidation) -> dict[str, int]:
    """Count the files per status.

    Args:
        result: the consolidation.

    Returns:
        Status -> number of files (every status listed, zeros included).
    """
    counts = Counter(o.status for o in result.outcomes)
    return {s: counts.get(s, 0) for s in STATUSES}


def _warn_unknown_units(result: Consolidation, console: Console) -> None:
    """Several returns with codes missing from the registry: most likely the registry lost its codes."""
    unknown = [o for o in result.outcomes if o.reason == "unknown_unit"]
    if len(unknown) < 2:
        return
    examples = ", ".join(sorted({o.unit_code for o in unknown if o.unit_code})[:5])
    message = say("consolidate.many_unknown_units", count=len(unknown), examples=examples)
    console.print(f"[yellow]{escape(message.text)}[/yellow]")
    console.print(escape(message.fix))


def print_summary(result: Consolidation, console: Console | None = None) -> None:
    """Print the file accounting, the units' status and what was written.

    Args:
        result: the consolidation.
        console: where to print (stdout when None).
    """
    console = console or Console()
    counts = status_counts(result)
    total = len(result.outcomes)
    table = Table(title=escape(text("summary.files_title", total=total, folder=str(result.folder))))
    table.add_column(text("summary.col_status"))
    table.add_column(text("summary.col_files"), justify="right")
    for status, n in counts.items():
        if n or status in {"used", "rejected", "duplicate"}:
            style = _STYLE.get(status, "")
            table.add_row(f"[{style}]{STATUS_LABELS[status]}[/{style}]" if style else STATUS_LABELS[status], str(n))
    table.add_row(f"[bold]{text('summary.total')}[/bold]", f"[bold]{sum(counts.values())}[/bold]")
    console.print(table)
    assert sum(counts.values()) == total

    problems = [o for o in result.outcomes if o.status in {"rejected", "duplicate", "conflict", "errors_excluded",
                                                            "errors_used", "not_excel_file"}]
    if problems:
        detail = Table(title=text("summary.problems_title"), show_lines=False)
        for col in ("summary.col_file", "summary.col_status", "summary.col_reason"):
            detail.add_column(text(col), overflow="fold")
        for o in problems[:MAX_LISTED]:
            why = reason_label(o.reason) if o.reason else ""
            if o.status in {"errors_excluded", "errors_used"}:
                why = text("summary.findings", errors=o.n_errors, warnings=o.n_warnings)
            detail.add_row(escape(o.rel), STATUS_LABELS[o.status], escape(why))
        if len(problems) > MAX_LISTED:
            detail.add_row(escape(text("summary.more_files", more=len(problems) - MAX_LISTED)), "", "")
        console.print(detail)

    _warn_unknown_units(result, console)
    statuses = Counter(u.status for u in result.units)
    counts_of = {"units": len(result.units), "used": len(result.used), "missing": statuses.get("missing", 0),
                 "excluded": statuses.get("errors_excluded", 0), "late": statuses.get("late", 0)}
    line_id = "summary.units_with_deadline" if result.deadline else "summary.units"
    console.print(text(line_id, **counts_of), markup=False)
    console.print(text("summary.store", read=result.n_read, cached=result.n_cached, store=str(result.store_path)),
                  markup=False)
    console.print(text("summary.errors_included" if result.include_errors else "summary.errors_excluded"),
                  markup=False)
    if result.left_out:
        console.print(text("consolidate.values_left_out_total", left=len(result.left_out),
                           files=len({w[0] for w in result.left_out})), markup=False)
    if result.out:
        console.print(f"[bold green]{escape(text('summary.output', path=str(result.out)))}[/bold green]")
    if result.data_files:
        console.print(text("summary.data", path=str(result.data_files[0].parent)), markup=False)
