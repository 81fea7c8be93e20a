"""``cchc consolidate FOLDER --form FORM_ID --registry units.csv --out tong_hop.xlsx``.

Exit code: 0 the output was written (even when some files were rejected) · 1 it could not be
written · 2 wrong arguments (unknown form, unreadable registry, missing folder).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cchc.commands.common import add_command, console, parse_date
from consolidate.previous import previous_summary
from consolidate.report import print_summary
from consolidate.run import ConsolidateError, consolidate
from workbooks.messages import text

EXIT_OK = 0


@contextmanager
def step_progress() -> Iterator[Callable[[str, int, int], None]]:
    """One progress bar per step (reading, checking, writing) on stderr.

    Redrawn on each update rather than by a timer thread: the consolidation forks a copy of
    itself to write the tidy data, which it only does when no other thread runs.
    """
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False, auto_refresh=False) as progress:
        tasks: dict[str, int] = {}

        def update(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(step, total=total)
            progress.update(tasks[step], completed=done, total=total, refresh=True)

        yield update


def run(args: argparse.Namespace) -> int:
    """Consolidate, print the summary.

    Args:
        args: the parsed command line.

    Returns:
        0 when the output was written, 1 when it could not be, 2 for wrong arguments.
    """
    try:
        with step_progress() as update:
            result = consolidate(args.folder, args.form, args.registry, args.out, store=args.store,
                                 jobs=args.jobs, include_errors=args.include_errors, deadline=args.deadline,
                                 period=args.period, data_format=args.data_format, progress=update,
                                 previous=args.previous)
    except ConsolidateError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return exc.exit_code
    print_summary(result, Console())
    line = previous_summary(result)
    if line:
        Console().print(line)
    return EXIT_OK


def register(sub) -> None:
    """Add ``consolidate``.

    Args:
        sub: the ``cchc`` subparsers.
    """
    p = add_command(sub, "consolidate", "Tổng hợp mọi tệp báo cáo trong một thư mục thành số liệu toàn tỉnh",
                    "Đọc mọi tệp Excel trong thư mục (kể cả thư mục con), chọn bản mới nhất của mỗi đơn vị, "
                    "kiểm tra số liệu, tổng hợp toàn tỉnh, theo cấp và theo đơn vị cấp trên, liệt kê đơn vị "
                    "chưa nộp, lỗi và tệp không dùng được. Không sửa, không di chuyển tệp nào trong thư mục.\n"
                    "Mã thoát: 0 đã ghi tệp tổng hợp (kể cả khi có tệp không dùng được), 1 không ghi được, "
                    "2 tham số sai.")
    p.add_argument("folder", metavar="THƯ_MỤC", help="thư mục chứa các tệp báo cáo đơn vị gửi về")
    p.add_argument("--form", required=True, metavar="MÃ_BIỂU_MẪU", help="mã biểu mẫu, xem `cchc forms`")
    p.add_argument("--registry", required=True, metavar="TỆP", help="tệp danh sách đơn vị (CSV/XLSX)")
    p.add_argument("--out", default="tong_hop.xlsx", metavar="TỆP",
                   help="tệp Excel kết quả (mặc định tong_hop.xlsx)")
    p.add_argument("--store", metavar="TỆP", help="kho dữ liệu SQLite (mặc định: cạnh tệp kết quả, đuôi .sqlite); "
                   "chạy lại chỉ đọc các tệp mới hoặc đã thay đổi")
    p.add_argument("--jobs", type=int, metavar="N", help="số tiến trình đọc song song (mặc định: mọi lõi CPU)")
    p.add_argument("--include-errors", action="store_true",
                   help="tính cả các báo cáo có lỗi vào số tổng hợp (mặc định: không tính)")
    p.add_argument("--deadline", type=parse_date, metavar="NGÀY",
                   help="hạn nộp (ngày/tháng/năm): báo cáo lưu sau ngày này là trễ hạn")
    p.add_argument("--period", type=int, metavar="NĂM", help="năm báo cáo (mặc định theo biểu mẫu)")
    p.add_argument("--previous", metavar="TỆP", help=text("previous.arg"))
    p.add_argument("--data-format", choices=["parquet", "csv", "none"], default="parquet",
                   help="định dạng dữ liệu dạng bảng ghi kèm (mặc định parquet)")
    p.set_defaults(func=run)
