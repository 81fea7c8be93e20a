"""``cchc check FILE|FOLDER...``: read each return, run the catalog's rules, print the findings.

Exit code: 0 no errors (warnings allowed) · 1 some error · 2 a file cannot be read at all.
A folder is checked file by file (every spreadsheet in it and its sub-folders). Each file is
read by the reader's guarded entry point (a time limit and a memory cap in a process of its own);
anything that is not a regular file (named pipe, socket, device) is never opened. The files are
never modified.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cchc.commands.common import add_command
from validators import Report, validate_return
from workbooks.messages import text
from workbooks.reader import ACCEPTED_SUFFIXES, Return, ReturnRejected, read_file_guarded

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2
_SEVERITY = {"error": "[red]{}[/red]", "warning": "[yellow]{}[/yellow]"}


@dataclass
class CheckResult:
    """The outcome of checking one file.

    Attributes:
        path: the file.
        report: the findings (None when the file could not be read).
        rejected: why the file could not be read as a return.
        unit_code: the unit the return is for.
        form_id: the form it was read as.
        blank: True when not one value cell of the return is filled.
    """

    path: Path
    report: Report | None = None
    rejected: ReturnRejected | None = None
    unit_code: str = ""
    form_id: str = ""
    blank: bool = False

    @property
    def exit_code(self) -> int:
        """2 unreadable, 1 errors, 0 otherwise."""
        if self.rejected is not None:
            return EXIT_UNREADABLE
        assert self.report is not None
        return EXIT_ERRORS if self.report.n_errors or self.blank else EXIT_OK

    def to_dict(self) -> dict:
        """JSON-able summary (``--json``)."""
        if self.rejected is not None:
            return {"file": str(self.path), "status": "rejected", "reason": self.rejected.reason,
                    "message": self.rejected.message}
        assert self.report is not None
        status = "blank" if self.blank else "errors" if self.report.n_errors else "ok"
        return {"file": str(self.path), "status": status, "form_id": self.form_id, "unit_code": self.unit_code,
                **self.report.to_dict()}


def is_blank(ret: Return) -> bool:
    """True when no value cell of the return holds anything (computed percentages left aside)."""
    values = ret.values
    typed = values[values["kind"] != "rate"]
    if typed.empty:
        return True
    numbers = typed["number"].to_numpy(dtype=float)
    texts = typed["text"].astype(str).str.strip().to_numpy()
    return bool(all(math.isnan(n) and not t for n, t in zip(numbers, texts, strict=True)))


def check_file(path: str | Path) -> CheckResult:
    """Read (guarded) and validate one return (the same reading the consolidation does)."""
    path = Path(path)
    read = read_file_guarded(path)
    if not read.ok:
        return CheckResult(path, rejected=read.rejection)
    ret = read.to_return()
    return CheckResult(path, validate_return(ret), unit_code=ret.unit_code, form_id=ret.form.id,
                       blank=is_blank(ret))


def _refuse_folder(exc: OSError) -> None:
    """``os.walk`` skips a folder it may not open; say so instead (``cchc`` names the folder, exit 2)."""
    raise exc


def files_to_check(paths: list[str]) -> tuple[list[Path], int]:
    """The files named, and the spreadsheets in the folders named (sorted, sub-folders included).

    A folder's files with another suffix, and Excel's lock files (``~$…``), are left out; links
    to folders are not followed. A named file is always checked (whatever it is). A folder that
    may not be opened raises its ``OSError`` (never "no spreadsheet in it").

    Returns:
        (files to check, number of files left out of the folders).
    """
    found: list[Path] = []
    skipped = 0
    for given in paths:
        path = Path(given)
        if not path.is_dir():
            found.append(path)
            continue
        inside: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(path, onerror=_refuse_folder):
            dirnames.sort()
            for name in filenames:
                if Path(name).suffix.lower() in ACCEPTED_SUFFIXES and not name.startswith("~$"):
                    inside.append(Path(dirpath, name))
                else:
                    skipped += 1
        found += sorted(inside)
    return found, skipped


def print_result(result: CheckResult, console: Console) -> None:
    """A readable table of one file's findings (with what to do for each)."""
    name = escape(result.path.name)
    if result.rejected is not None:
        console.print(f"[bold]{name}[/bold]: [red]{escape(text('check.unreadable'))}[/red] — "
                      f"{escape(result.rejected.message)}")
        return
    report = result.report
    assert report is not None
    if result.blank:
        console.print(f"[bold]{name}[/bold]: [red]{escape(text('check.blank_return'))}[/red]")
        return
    console.print(f"[bold]{name}[/bold] " + escape(text("check.summary", form=result.form_id,
                                                          unit=result.unit_code or "?", errors=report.n_errors,
                                                          warnings=report.n_warnings)))
    if not report.findings:
        console.print("  [green]" + escape(text("check.no_findings")) + "[/green]")
        return
    table = Table(show_lines=False)
    for col in ("check.col_severity", "check.col_sheet", "check.col_cell", "check.col_message", "check.col_fix"):
        table.add_column(text(col), overflow="fold")
    for f in report.findings:
        label = text("check.error") if f.severity == "error" else text("check.warning")
        table.add_row(_SEVERITY.get(f.severity, "{}").format(escape(label)), escape(f.sheet), escape(f.cell),
                      escape(f.message), escape(f.fix))
    console.print(table)


def run(args: argparse.Namespace) -> int:
    """Check every file (and every spreadsheet of every folder); print tables or JSON; worst exit code."""
    files, skipped = files_to_check(list(args.files))
    if not files:
        print(text("check.nothing_to_check", folders=", ".join(map(str, args.files))), file=sys.stderr)
        return EXIT_UNREADABLE
    results = [check_file(p) for p in files]
    if args.json:
        print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2, default=str))
    else:
        console = Console()
        for result in results:
            print_result(result, console)
        if skipped:
            console.print(escape(text("check.skipped", count=skipped)))
    return max((r.exit_code for r in results), default=EXIT_OK)


def register(sub) -> None:
    """Add ``check``."""
    p = add_command(sub, "check", "Kiểm tra tệp báo cáo của đơn vị (không sửa tệp)",
                    "Đọc từng tệp phụ lục (hoặc mọi tệp bảng tính trong thư mục), kiểm tra theo các quy tắc "
                    "của biểu mẫu, liệt kê từng ô sai và cách sửa.\n"
                    "Mã thoát: 0 không có lỗi (có thể có cảnh báo), 1 có lỗi, 2 có tệp không đọc được.")
    p.add_argument("files", nargs="+", metavar="TỆP",
                   help="tệp .xlsx, .xlsm, .xls, .ods hoặc thư mục chứa các tệp đó")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON cho máy đọc")
    p.set_defaults(func=run)


if __name__ == "__main__":
    sys.exit(run(argparse.Namespace(files=sys.argv[1:], json=False)))
