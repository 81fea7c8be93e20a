"""``cchc units``: write a unit registry for a province from vietnam-provinces (or check one).

The work is done by ``workbooks.registry.main``; this module only exposes it as a subcommand.
"""

from __future__ import annotations

import argparse

from cchc.commands.common import add_command
from workbooks.registry import main as registry_main


def run(args: argparse.Namespace) -> int:
    """Write the registry (or check one with --check); exit code of the registry command."""
    argv: list[str] = ["--check", args.check] if args.check else ["--province", args.province or ""]
    if not args.check:
        argv += ["--out", args.out]
        if args.no_departments:
            argv.append("--no-departments")
        if args.departments:
            argv += ["--departments", args.departments]
    return registry_main(argv)


def register(sub) -> None:
    """Add ``units``."""
    p = add_command(sub, "units", "Tạo danh sách đơn vị báo cáo của một tỉnh (mã phường, xã chính thức)",
                    "Tạo tệp danh sách đơn vị (CSV hoặc XLSX) từ dữ liệu đơn vị hành chính chính thức "
                    "(gói vietnam-provinces), kèm danh sách sở, ban, ngành cấp tỉnh; hoặc kiểm tra một tệp "
                    "danh sách có sẵn (--check).")
    p.add_argument("--province", metavar="TỈNH", help="tên tỉnh/thành phố, ví dụ \"Sơn La\"")
    p.add_argument("--out", default="units.csv", metavar="TỆP",
                   help="tệp kết quả (.csv hoặc .xlsx), mặc định units.csv")
    p.add_argument("--no-departments", action="store_true", help="không thêm các sở, ban, ngành")
    p.add_argument("--departments", metavar="TỆP_YAML", help="danh sách sở, ngành riêng của tỉnh (YAML)")
    p.add_argument("--check", metavar="TỆP", help="chỉ kiểm tra một tệp danh sách đơn vị có sẵn")
    p.set_defaults(func=run)
