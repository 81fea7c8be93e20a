"""The ``cchc`` command: one entry point, one module per subcommand (help in Vietnamese)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module exposes ``register(subparsers)``; the parser it adds sets ``func``.
COMMAND_MODULES = (
    "cchc.commands.demo",
    "cchc.commands.forms",
    "cchc.commands.units",
    "cchc.commands.generate",
    "cchc.commands.check",
    "cchc.commands.consolidate",
    "cchc.commands.report",
    "cchc.commands.addin",
)


class VietnameseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help layout that keeps our line breaks (argparse's own words are translated below)."""


def _translate_argparse() -> None:
    """Translate the few strings argparse prints itself."""
    words = {
        "usage: ": "Cách dùng: ",
        "positional arguments": "Tham số",
        "options": "Tùy chọn",
        "show this help message and exit": "Hiện hướng dẫn này rồi thoát",
        "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
        "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn không hợp lệ: %(value)r (chọn trong %(choices)s)",
        "unrecognized arguments: %s": "tham số không nhận ra: %s",
        "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
        "invalid %(type)s value: %(value)r": "giá trị %(type)s không hợp lệ: %(value)r",
        "expected one argument": "cần một giá trị",
    }
    argparse._ = lambda text: words.get(text, text)  # type: ignore[attr-defined]


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every available subcommand."""
    _translate_argparse()
    parser = argparse.ArgumentParser(
        prog="cchc",
        description="Bộ công cụ phụ lục báo cáo cải cách hành chính (CCHC): sinh biểu mẫu Excel cho "
        "từng đơn vị, kiểm tra tệp báo cáo, tổng hợp toàn tỉnh.",
        formatter_class=VietnameseHelpFormatter,
    )
    parser._optionals.title = "Tùy chọn"
    sub = parser.add_subparsers(title="Lệnh", metavar="LỆNH")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # command not shipped in this build
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``cchc``; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 0
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
