"""``cchc check FILE...``: read each return, run the catalog's rules, print the findings.

Exit code: 0 no errors (warnings allowed) · 1 some error · 2 a file cannot be read at all.
The file is never modified.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from cchc.commands.common import add_command
from cchc.errors import READ, os_error_message
from validators import Report, validate_return
from workbooks.reader import ReturnRejected, read_return

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2
_SEVERITY = {"error": "[red]Lỗi[/red]", "warning": "[yellow]Cảnh báo[/yellow]"}


@dataclass
class CheckResult:
    """The outcome of checking one file."""

    path: Path
    report: Report | None = None
    rejected: ReturnRejected | None = None
    unit_code: str = ""
    form_id: str = ""

    @property
    def exit_code(self) -> int:
        """2 unreadable, 1 errors, 0 otherwise."""
        if self.rejected is not None:
            return EXIT_UNREADABLE
        assert self.report is not None
        return EXIT_ERRORS if self.report.n_errors else EXIT_OK

    def to_dict(self) -> dict:
        """JSON-able summary (``--json``)."""
        if self.rejected is not None:
            return {"file": str(self.path), "status": "rejected", "reason": self.rejected.reason,
                    "message": self.rejected.message}
        assert self.report is not None
        return {"file": str(self.path), "status": "errors" if self.report.n_errors else "ok",
                "form_id": self.form_id, "unit_code": self.unit_code, **self.report.to_dict()}


def check_file(path: str | Path) -> CheckResult:
    """Read and validate one return (the same path the add-in and the consolidation use)."""
    path = Path(path)
    try:
        ret = read_return(path)
    except ReturnRejected as exc:
        return CheckResult(path, rejected=exc)
    except OSError as exc:
        return CheckResult(path, rejected=ReturnRejected(path.name, "unreadable", str(os_error_message(exc, path, READ))))
    return CheckResult(path, validate_return(ret), unit_code=ret.unit_code, form_id=ret.form.id)


def print_result(result: CheckResult, console: Console) -> None:
    """A readable table of one file's findings."""
    if result.rejected is not None:
        console.print(f"[bold]{result.path.name}[/bold]: [red]không đọc được[/red] — {result.rejected.message}")
        return
    report = result.report
    assert report is not None
    head = (f"[bold]{result.path.name}[/bold] ({result.form_id}, đơn vị {result.unit_code or '?'}): "
            f"{report.n_errors} lỗi, {report.n_warnings} cảnh báo")
    console.print(head)
    if not report.findings:
        console.print("  [green]Không phát hiện lỗi.[/green]")
        return
    table = Table(show_lines=False)
    for col in ("Mức độ", "Sheet", "Ô", "Nội dung"):
        table.add_column(col, overflow="fold")
    for f in report.findings:
        table.add_row(_SEVERITY.get(f.severity, f.severity), f.sheet, f.cell, f.message)
    console.print(table)


def run(args: argparse.Namespace) -> int:
    """Check every file; print tables or JSON; return the worst exit code."""
    results = [check_file(p) for p in args.files]
    if args.json:
        print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2, default=str))
    else:
        console = Console()
        for result in results:
            print_result(result, console)
    return max((r.exit_code for r in results), default=EXIT_OK)


def register(sub) -> None:
    """Add ``check``."""
    p = add_command(sub, "check", "Kiểm tra tệp báo cáo của đơn vị (không sửa tệp)",
                    "Đọc từng tệp phụ lục, kiểm tra theo các quy tắc của biểu mẫu và liệt kê từng ô sai.\n"
                    "Mã thoát: 0 không có lỗi (có thể có cảnh báo), 1 có lỗi, 2 có tệp không đọc được.")
    p.add_argument("files", nargs="+", metavar="TỆP", help="tệp .xlsx, .xlsm hoặc .xls")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON cho máy đọc")
    p.set_defaults(func=run)


if __name__ == "__main__":
    sys.exit(run(argparse.Namespace(files=sys.argv[1:], json=False)))
