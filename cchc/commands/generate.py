"""``cchc generate``: one workbook per unit of the registry, plus a blank template."""

from __future__ import annotations

import argparse
import sys
import time

from cchc.commands.common import add_command, parse_date, progress_bar
from workbooks.catalog.loader import get_form, load_form
from workbooks.registry import RegistryError, load_registry
from workbooks.writer.batch import generate_all


def run(args: argparse.Namespace) -> int:
    """Generate the workbooks and print where they are."""
    if args.form_id.lower().endswith(".xlsx"):  # a definition workbook: build its form first
        from cchc.commands.form import build_from_definition

        form_file = build_from_definition(args.form_id, args.out)
        if form_file is None:
            return 1
        args.form_id = str(form_file)
    try:
        form = load_form(args.form_id) if args.form_id.endswith(".yaml") else get_form(args.form_id)
        registry = load_registry(args.registry)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    except RegistryError as exc:
        print(exc, file=sys.stderr)
        return 1
    start = time.perf_counter()
    with progress_bar(f"Đang tạo biểu mẫu {form.id}") as update:
        paths = generate_all(form, registry, args.out, args.period, args.deadline, args.contact,
                             args.jobs, update)
    seconds = time.perf_counter() - start
    print(f"Đã tạo {len(paths) - 1} tệp cho các đơn vị và 1 mẫu trống trong {args.out} "
          f"({seconds:.1f} giây).")
    return 0


def register(sub) -> None:
    """Add ``generate``."""
    p = add_command(sub, "generate", "Sinh tệp Excel phụ lục cho từng đơn vị",
                    "Sinh một tệp Excel cho mỗi đơn vị trong danh sách (có kiểm tra dữ liệu, danh sách "
                    "chọn, công thức tỷ lệ, khóa bảo vệ) và một mẫu trống.")
    p.add_argument("form_id", metavar="MÃ_BIỂU_MẪU", help="mã biểu mẫu (xem `cchc forms`), tệp .yaml, hoặc tệp định nghĩa .xlsx")
    p.add_argument("--registry", required=True, metavar="TỆP", help="tệp danh sách đơn vị (CSV/XLSX)")
    p.add_argument("--period", type=int, metavar="NĂM", help="năm báo cáo (mặc định theo biểu mẫu)")
    p.add_argument("--out", default="bieu_mau", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định bieu_mau)")
    p.add_argument("--deadline", type=parse_date, metavar="NGÀY", help="hạn gửi báo cáo, dạng ngày/tháng/năm")
    p.add_argument("--contact", default="", metavar="TEXT", help="nơi nhận / người liên hệ in trên trang thông tin")
    p.add_argument("--jobs", type=int, metavar="N", help="số tiến trình song song (mặc định: mọi lõi CPU)")
    p.set_defaults(func=run)
