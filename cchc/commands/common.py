"""Helpers shared by subcommands: parsers with Vietnamese titles, checked option values, progress."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from workbooks.messages import say

console = Console(stderr=True)

PERIOD_RANGE = (2000, 2100)  # a reporting year: four digits, this century


def add_command(sub, name: str, help_text: str, description: str = "") -> argparse.ArgumentParser:
    """Add a subcommand whose help sections are in Vietnamese."""
    from cchc.cli import VietnameseHelpFormatter

    parser = sub.add_parser(name, help=help_text, description=description or help_text,
                            formatter_class=VietnameseHelpFormatter)
    parser._optionals.title = say("cli.argparse.options").text
    parser._positionals.title = say("cli.argparse.positionals").text
    return parser


def _invalid(message_id: str, value: str, **params: object) -> argparse.ArgumentTypeError:
    """An argparse type error whose text is the catalogue's message and its fix."""
    message = say(message_id, value=value, **params)
    return argparse.ArgumentTypeError(f"{message.text}: {message.fix}" if message.fix else message.text)


def _integer(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def whole_number(text: str) -> int:
    """A whole number (argparse type for options that were ``type=int``)."""
    value = _integer(text)
    if value is None:
        raise _invalid("cli.arg.whole_number", text)
    return value


def positive_number(text: str) -> float:
    """A number above 0; a decimal comma is accepted (``2,5``)."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise _invalid("cli.arg.positive_number", text)
    return value


def job_count(text: str) -> int:
    """``--jobs``: a number of worker processes, at least 1."""
    value = _integer(text)
    if value is None or value < 1:
        raise _invalid("cli.arg.jobs", text)
    return value


def port_number(text: str) -> int:
    """``--port``: a TCP port, 1–65535."""
    value = _integer(text)
    if value is None or not 1 <= value <= 65535:
        raise _invalid("cli.arg.port", text)
    return value


def period_year(text: str) -> int:
    """``--period``: a reporting year of four digits in ``PERIOD_RANGE`` (``24`` is refused)."""
    low, high = PERIOD_RANGE
    digits = text.strip()
    value = int(digits) if digits.isascii() and digits.isdigit() and len(digits) == 4 else None
    if value is None or not low <= value <= high:
        raise _invalid("cli.arg.period", text, low=str(low), high=str(high), example="2024")
    return value


def parse_date(text: str) -> date:
    """``dd/mm/yyyy`` or ``yyyy-mm-dd`` -> date (argparse type)."""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise _invalid("cli.arg.date", text)


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr; yields ``update(done, total)``."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update
