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
    table = Table(title=f"Kết quả đọc {total} tệp trong thư mục {escape(str(result.folder))}")
    table.add_column("Tình trạng")
    table.add_column("Số tệp", justify="right")
    for status, n in counts.items():
        if n or status in {"used", "rejected", "duplicate"}:
            style = _STYLE.get(status, "")
            table.add_row(f"[{style}]{STATUS_LABELS[status]}[/{style}]" if style else STATUS_LABELS[status], str(n))
    table.add_row("[bold]Cộng[/bold]", f"[bold]{sum(counts.values())}[/bold]")
    console.print(table)
    assert sum(counts.values()) == total

    problems = [o for o in result.outcomes if o.status in {"rejected", "duplicate", "conflict", "errors_excluded",
                                                            "errors_used", "not_excel_file"}]
    if problems:
        detail = Table(title="Tệp không dùng hoặc có lỗi", show_lines=False)
        for col in ("Tệp", "Tình trạng", "Lý do"):
            detail.add_column(col, overflow="fold")
        for o in problems[:MAX_LISTED]:
            why = reason_label(o.reason) if o.reason else ""
            if o.status in {"errors_excluded", "errors_used"}:
                why = f"{o.n_errors} lỗi, {o.n_warnings} cảnh báo"
            detail.add_row(escape(o.rel), STATUS_LABELS[o.status], escape(why))
        if len(problems) > MAX_LISTED:
            detail.add_row(f"… và {len(problems) - MAX_LISTED} tệp khác (xem sheet 'Tệp đã nhận')", "", "")
        console.print(detail)

    _warn_unknown_units(result, console)
    statuses = Counter(u.status for u in result.units)
    line = (f"Đơn vị phải báo cáo: {len(result.units)}; có số liệu được tổng hợp: {len(result.used)}; "
            f"chưa nộp: {statuses.get('missing', 0)}; có lỗi không tính: {statuses.get('errors_excluded', 0)}")
    if result.deadline:
        line += f"; trễ hạn: {statuses.get('late', 0)}"
    console.print(line + ".")
    console.print(f"Đọc mới {result.n_read} tệp; dùng lại {result.n_cached} tệp chưa thay đổi từ kho "
                  f"{escape(str(result.store_path))}.")
    if result.include_errors:
        console.print("Số liệu đã tính cả các báo cáo có lỗi (--include-errors).")
    else:
        console.print("Số liệu không tính các báo cáo có lỗi (dùng --include-errors để tính cả).")
    if result.left_out:
        console.print(text("consolidate.values_left_out_total", left=len(result.left_out),
                           files=len({w[0] for w in result.left_out})), markup=False)
    if result.out:
        console.print(f"[bold green]Tệp tổng hợp:[/bold green] {escape(str(result.out))}")
    if result.data_files:
        console.print(f"Dữ liệu dạng bảng: {escape(str(result.data_files[0].parent))}")
