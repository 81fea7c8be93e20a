"""``cchc units``: write the unit registry of a province from vietnam-provinces, check a registry
file, or explain the 2025 province mergers. The registry itself is ``workbooks.registry``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from cchc.commands.common import add_command
from cchc.errors import WRITE, CliError, os_error_message
from workbooks.messages import text
from workbooks.registry import (
    ProvinceNotFoundError,
    RegistryError,
    RegistryNote,
    Unit,
    load_registry,
    match_province,
    merger_lines,
    province_registry,
    write_registry,
)


def level_summary(units: Sequence[Unit]) -> str:
    """Count units per level, in order of first appearance: "1 tinh, 14 so_nganh, 75 xa"."""
    counts: dict[str, int] = {}
    for unit in units:
        counts[unit.level] = counts.get(unit.level, 0) + 1
    return ", ".join(f"{n} {level}" for level, n in counts.items())


def note_lines(notes: Sequence[RegistryNote]) -> list[str]:
    """The warning block about a registry's normalised cells: heading, one line per note, advice."""
    if not notes:
        return []
    lines = [text("units.check.notes_heading", count=len(notes)), *(str(n) for n in notes)]
    lines += list(dict.fromkeys(n.fix for n in notes if n.fix))
    return [*lines, text("units.check.notes_fix")]


def check(path: str) -> int:
    """Check a registry file: 0 when usable (notes printed as warnings), 1 when it has problems."""
    try:
        registry = load_registry(path)
    except RegistryError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(text("units.check.valid", file=Path(path).name, count=len(registry),
               summary=level_summary(registry.units)))
    for line in note_lines(registry.notes):
        print(line)
    return 0


def build(args: argparse.Namespace) -> int:
    """Write the registry of ``args.province`` to ``args.out``: 0, or 2 for an unknown province.

    Raises:
        CliError: the file cannot be written (which file, why, what to do; exit code 2).
    """
    try:
        match = match_province(args.province)
        units = province_registry(args.province, not args.no_departments, args.departments)
    except ProvinceNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    except ValueError as exc:  # a missing, unreadable or malformed departments file (said in Vietnamese)
        print(exc, file=sys.stderr)
        return 2
    note = match.note(args.province)
    if note:
        print(note)
    try:
        path = write_registry(units, args.out)
    except OSError as exc:  # a folder, a file open in Excel, a read-only place: said for what it is
        raise CliError(os_error_message(exc, args.out, WRITE)) from exc
    print(text("units.written", count=len(units), summary=level_summary(units), path=str(path)))
    return 0


def run(args: argparse.Namespace) -> int:
    """Run ``cchc units``: --mergers, --check FILE, or --province NAME [--out FILE]."""
    if sum((args.mergers, args.check is not None, args.province is not None)) > 1:
        print(text("units.one_action"), file=sys.stderr)
        return 2
    if args.mergers:
        print("\n".join(merger_lines()))
        return 0
    if args.check:
        return check(args.check)
    if args.province is None:
        print(text("units.action_missing"), file=sys.stderr)
        return 2
    return build(args)


def register(sub) -> None:
    """Add ``units``."""
    p = add_command(sub, "units", "Tạo danh sách đơn vị báo cáo của một tỉnh (mã phường, xã chính thức)",
                    "Tạo tệp danh sách đơn vị (CSV hoặc XLSX) từ dữ liệu đơn vị hành chính chính thức "
                    "(gói vietnam-provinces), kèm danh sách sở, ban, ngành cấp tỉnh; hoặc kiểm tra một tệp "
                    "danh sách có sẵn (--check); hoặc xem các tỉnh đã hợp nhất năm 2025 (--mergers).")
    p.add_argument("--province", metavar="TỈNH",
                        help="tên tỉnh/thành phố, ví dụ \"Sơn La\" (nhận cả tên tỉnh trước khi hợp nhất)")
    p.add_argument("--check", metavar="TỆP", help="chỉ kiểm tra một tệp danh sách đơn vị có sẵn")
    p.add_argument("--mergers", action="store_true",
                        help="xem danh sách 63 tỉnh, thành phố cũ hợp nhất thành 34 (năm 2025)")
    p.add_argument("--out", default="units.csv", metavar="TỆP",
                   help="tệp kết quả (.csv hoặc .xlsx), mặc định units.csv")
    p.add_argument("--no-departments", action="store_true", help="không thêm các sở, ban, ngành")
    p.add_argument("--departments", metavar="TỆP_YAML", help="danh sách sở, ngành riêng của tỉnh (YAML)")
    p.set_defaults(func=run)
