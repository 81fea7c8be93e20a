"""``cchc units``: write a unit registry for a province from vietnam-provinces."""

from __future__ import annotations

import argparse
import sys

from cchc.commands.common import add_command
from workbooks.registry import RegistryError, load_registry, province_registry, write_registry


def run(args: argparse.Namespace) -> int:
    """Write the registry (or check one with --check)."""
    try:
        if args.check:
            registry = load_registry(args.check)
            print(f"{args.check}: hợp lệ, {len(registry)} đơn vị.")
            return 0
        if not args.province:
            print("Cần --province hoặc --check.", file=sys.stderr)
            return 2
        units = province_registry(args.province, not args.no_departments)
    except RegistryError as exc:
        print(exc, file=sys.stderr)
        return 1
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    path = write_registry(units, args.out)
    print(f"Đã ghi {len(units)} đơn vị của {args.province} vào {path}.")
    return 0


def register(sub) -> None:
    """Add ``units``."""
    p = add_command(sub, "units", "Tạo danh sách đơn vị báo cáo của một tỉnh (mã phường, xã chính thức)",
                    "Tạo tệp danh sách đơn vị (CSV hoặc XLSX) từ dữ liệu đơn vị hành chính chính thức "
                    "(gói vietnam-provinces), kèm danh sách sở, ban, ngành cấp tỉnh.")
    p.add_argument("--province", help="tên tỉnh/thành phố, ví dụ \"Sơn La\"")
    p.add_argument("--out", default="units.csv", help="tệp kết quả (.csv hoặc .xlsx), mặc định units.csv")
    p.add_argument("--no-departments", action="store_true", help="không thêm các sở, ban, ngành")
    p.add_argument("--check", metavar="TỆP", help="chỉ kiểm tra một tệp danh sách đơn vị có sẵn")
    p.set_defaults(func=run)
