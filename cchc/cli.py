"""The ``cchc`` command: one entry point, one module per subcommand (help in Vietnamese).

Whatever a user gets wrong, ``cchc`` answers in Vietnamese with what to do and never with a
Python traceback: argparse's own texts are translated (``cli.argparse.*`` messages), option
values are checked by the types of ``cchc.commands.common``, and ``main`` turns the operating
system's errors and our own exceptions into a message and exit code 2 (``cchc.errors``). A
programming mistake says so (exit code 3); ``cchc --debug …`` then shows its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import NoReturn

from cchc.errors import EXIT_BUG, EXIT_USAGE, message_for
from workbooks.messages import Message, say

# Each module exposes ``register(subparsers)``; the parser it adds sets ``func``.
COMMAND_MODULES = (
    "cchc.commands.demo",
    "cchc.commands.forms",
    "cchc.commands.units",
    "cchc.commands.generate",
    "cchc.commands.form",
    "cchc.commands.check",
    "cchc.commands.consolidate",
    "cchc.commands.report",
    "cchc.commands.addin",
)
DEBUG_FLAG = "--debug"
PERIOD_OPTION = "--period"  # a reporting year wherever it appears

# argparse's own (gettext) strings -> the catalogue entry that translates them.
_ARGPARSE_TEXTS = {
    "usage: ": "cli.argparse.usage",
    "positional arguments": "cli.argparse.positionals",
    "options": "cli.argparse.options",
    "show this help message and exit": "cli.argparse.help",
    "show program's version number and exit": "cli.argparse.version_help",
    "the following arguments are required: %s": "cli.argparse.required",
    "one of the arguments %s is required": "cli.argparse.one_required",
    "invalid choice: %(value)r (choose from %(choices)s)": "cli.argparse.invalid_choice",
    "unrecognized arguments: %s": "cli.argparse.unrecognized",
    "argument %(argument_name)s: %(message)s": "cli.argparse.argument",
    "invalid %(type)s value: %(value)r": "cli.argparse.invalid_value",
    "expected one argument": "cli.argparse.expected_one",
    "expected at least one argument": "cli.argparse.expected_at_least_one",
    "expected at most one argument": "cli.argparse.expected_at_most_one",
    "ambiguous option: %(option)s could match %(matches)s": "cli.argparse.ambiguous",
    "not allowed with argument %s": "cli.argparse.not_allowed_with",
    "ignored explicit argument %r": "cli.argparse.ignored_explicit",
    "can't open '%(filename)s': %(error)s": "cli.argparse.cannot_open",
    "%(prog)s: error: %(message)s\n": "cli.argparse.error_line",
}


def _translate(english: str) -> str:
    """argparse's gettext hook: the Vietnamese text (keeping argparse's trailing blank or newline)."""
    message_id = _ARGPARSE_TEXTS.get(english)
    if message_id is None:
        return english
    trailing = english[len(english.rstrip()):]
    return say(message_id).text + trailing


class VietnameseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help layout that keeps our line breaks (argparse's own words are translated by ``_translate``)."""


class CchcArgumentParser(argparse.ArgumentParser):
    """argparse, answering a wrong command line in Vietnamese with the way to see the help.

    Subcommand parsers are of this class too (argparse makes them with the parent's class).
    """

    def add_argument(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        """``add_argument``, with the same checked value types in every subcommand.

        ``--period`` is always a four-digit reporting year (``period_year``); any other
        ``type=int`` becomes ``whole_number`` (its error is Vietnamese).
        """
        from cchc.commands.common import period_year, whole_number

        if PERIOD_OPTION in args:
            kwargs["type"] = period_year
        elif kwargs.get("type") is int:
            kwargs["type"] = whole_number
        return super().add_argument(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Print the usage and what is wrong in Vietnamese, then exit with code 2."""
        self.print_usage(sys.stderr)
        _print_message(say("cli.usage_error", detail=message.rstrip("."), command=self.prog))
        self.exit(EXIT_USAGE)


def _version() -> str:
    try:
        number = metadata.version("cchc")
    except metadata.PackageNotFoundError:
        number = say("cli.version_unknown").text
    return say("cli.version", version=number).text


def _modules_for(argv: Sequence[str] | None) -> tuple[str, ...]:
    """The command modules to load: only the one named first on the line, else all (help, typos).

    Loading one module keeps ``cchc generate …`` from importing what only ``check`` needs.
    """
    if argv is None:
        return COMMAND_MODULES
    first = next((a for a in argv if not a.startswith("-")), None)
    if first is None and "--version" in argv:
        return ()
    chosen = tuple(m for m in COMMAND_MODULES if m.rsplit(".", 1)[-1] == first)
    return chosen or COMMAND_MODULES


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser with every available subcommand (only the one ``argv`` names, when given)."""
    argparse._ = _translate  # type: ignore[attr-defined]
    parser = CchcArgumentParser(
        prog="cchc",
        description="Bộ công cụ phụ lục báo cáo cải cách hành chính (CCHC): sinh biểu mẫu Excel cho "
        "từng đơn vị, kiểm tra tệp báo cáo, tổng hợp toàn tỉnh.",
        epilog="Mã thoát chung: 2 lệnh hoặc tệp sai (có thông báo cách sửa), 3 lỗi của chương trình "
        "(chạy lại với --debug để xem chi tiết).",
        formatter_class=VietnameseHelpFormatter,
    )
    parser._optionals.title = say("cli.argparse.options").text
    parser.add_argument("--version", action="version", version=_version(),
                        help=say("cli.argparse.version_help").text)
    parser.add_argument(DEBUG_FLAG, action="store_true",
                        help="khi chương trình gặp lỗi không mong đợi, hiện toàn bộ chi tiết kỹ thuật")
    sub = parser.add_subparsers(title="Lệnh", metavar="LỆNH")
    for name in _modules_for(argv):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # command not shipped in this build
            raise
        module.register(sub)
    return parser


def _print_message(message: Message) -> None:
    """A message on stderr: what is wrong, then what to do."""
    first = message.text if message.text.startswith("Lỗi") else say("cli.error", text=message.text).text
    print(first, file=sys.stderr)
    if message.fix:
        print(message.fix, file=sys.stderr)


def _silence_stdout() -> None:
    """After a closed pipe (``cchc forms | head``): send what is left to nowhere, quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``cchc``; returns the process exit code.

    ``--debug`` (anywhere on the line) lets a programming mistake end with its traceback.
    """
    args_in = list(sys.argv[1:] if argv is None else argv)
    debug = DEBUG_FLAG in args_in
    args_in = [a for a in args_in if a != DEBUG_FLAG]
    try:
        parser = build_parser(args_in)
        args = parser.parse_args(args_in)
        if not hasattr(args, "func"):
            parser.print_help()
            return 0
        return int(args.func(args) or 0)
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except (Exception, KeyboardInterrupt) as exc:
        message, code = message_for(exc)
        if debug and code == EXIT_BUG:
            raise
        _print_message(message)
        return code


if __name__ == "__main__":
    sys.exit(main())
