"""Helpers shared by subcommands: parsers with Vietnamese titles, dates, progress."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)


def add_command(sub, name: str, help_text: str, description: str = "") -> argparse.ArgumentParser:
    """Add a subcommand whose help sections are in Vietnamese."""
    from cchc.cli import VietnameseHelpFormatter

    parser = sub.add_parser(name, help=help_text, description=description or help_text,
                            formatter_class=VietnameseHelpFormatter)
    parser._optionals.title = "Tùy chọn"
    parser._positionals.title = "Tham số"
    return parser


def parse_date(text: str) -> date:
    """``dd/mm/yyyy`` or ``yyyy-mm-dd`` -> date (argparse type)."""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"ngày '{text}' không hợp lệ; dùng dạng ngày/tháng/năm, ví dụ 20/04/2024")


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr; yields ``update(done, total)``."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update
