"""``cchc consolidate FOLDER --form FORM_ID --registry units.csv --out tong_hop.xlsx``.

Exit code: 0 the output was written (even when some files were rejected) · 1 it (or the store)
could not be written · 2 wrong arguments (unknown form, unreadable registry, a missing folder or
one it is not allowed to read, a folder given as ``--store``). Checked here before anything is
read, so that a folder the user cannot open is never "every unit missing" with exit code 0.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cchc.commands.common import add_command, console, job_count, parse_date, period_year
from cchc.errors import READ, CliError, os_error_message
from consolidate.model import ConsolidateError, Options
from consolidate.previous import previous_summary
from consolidate.report import print_summary
from consolidate.run import run as run_consolidation
from workbooks.messages import say, text

EXIT_OK, EXIT_NOT_WRITTEN = 0, 1


@contextmanager
def tuned_process() -> Iterator[None]:
    """Process-wide settings that make a consolidation faster; this process runs nothing else meanwhile.

    * Arrow allocates with the C library's allocator instead of its bundled one: stacking a
      thousand returns allocates and frees many mid-sized buffers, a pattern where the system
      allocator is two to three times faster (stacking 1,000 returns 0.33 s -> 0.12 s), same peak.
    * The cyclic garbage collector is paused: a run allocates millions of small objects that
      live until its end, and every automatic collection would walk them all again (a third of
      the time of writing the workbook). Reference counting still frees everything. At the end
      the run's objects are moved to the oldest generation (``freeze`` then ``unfreeze``), so the
      first allocation afterwards does not walk them all (an eighth of a second at 1,000 returns).
    """
    import pyarrow as pa

    with suppress(Exception):  # an Arrow build without it keeps its default pool
        pa.set_memory_pool(pa.system_memory_pool())
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def options_of(args: argparse.Namespace) -> Options:
    """The run's options from the parsed command line.

    Args:
        args: the parsed command line.

    Returns:
        The options.
    """
    return Options(Path(args.folder), args.form, Path(args.registry), Path(args.out),
                   store=Path(args.store) if args.store else None, jobs=args.jobs,
                   include_errors=args.include_errors, deadline=args.deadline, period=args.period,
                   received=Path(args.received) if args.received else None, data_format=args.data_format,
                   previous=Path(args.previous) if args.previous else None)


@contextmanager
def step_progress() -> Iterator[Callable[[str, int, int], None]]:
    """One progress bar per step (reading, checking, writing) on stderr.

    Redrawn on each update rather than by a timer thread (no thread of ours runs beside the
    reading processes).
    """
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False, auto_refresh=False) as progress:
        tasks: dict[str, int] = {}

        def update(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(step, total=total)
            progress.update(tasks[step], completed=done, total=total, refresh=True)

        yield update


def check_folder_readable(folder: Path) -> None:
    """Refuse a folder of returns the user may not open (a missing one is the consolidation's to say).

    Raises:
        CliError: "Không mở được thư mục …" with what to do (exit code 2).
    """
    if not os.path.isdir(folder):  # os.path: never an error, even under a folder that is refused
        return
    try:
        with os.scandir(folder) as entries:
            first = next(entries, None)
            if first is not None:
                first.stat()  # listed but not searchable (no x bit): its files cannot be opened
    except OSError as exc:
        raise CliError(os_error_message(exc, folder, READ)) from exc


def _existing_ancestor(path: Path) -> Path:
    """``path`` itself or its nearest existing parent (the store's folders are created when missing)."""
    current = path.absolute()
    while not os.path.lexists(current) and current != current.parent:
        current = current.parent
    return current


def check_store_writable(store: Path | None) -> None:
    """Refuse a ``--store`` that is a folder, or a place where the store cannot be written.

    Raises:
        CliError: a folder (exit code 2); not writable (exit code 1, as any output not written).
    """
    if store is None:
        return
    if os.path.isdir(store):
        raise CliError("cli.consolidate.store_is_folder", path=str(store))
    try:
        if store.exists():
            with open(store, "r+b"):
                pass
        else:
            place = _existing_ancestor(store.parent)
            if not os.path.isdir(place):
                raise CliError("cli.os.not_directory", path=str(place))
            with tempfile.TemporaryFile(dir=place):
                pass
    except OSError as exc:
        raise CliError("cli.consolidate.store_unwritable", EXIT_NOT_WRITTEN, path=str(store)) from exc


def run(args: argparse.Namespace) -> int:
    """Consolidate, print the summary.

    Args:
        args: the parsed command line.

    Returns:
        0 when the output was written.

    Raises:
        CliError: the folder cannot be opened, the store cannot be used.
        CliError: also a ``ConsolidateError`` (a wrong argument, an output not written), with its
            own message and exit code (printed by ``cchc.cli.main``, like every user's mistake).
    """
    options = options_of(args)
    check_folder_readable(options.folder)
    check_store_writable(options.store)
    try:
        with tuned_process(), step_progress() as update:
            result = run_consolidation(options, update)
    except ConsolidateError as exc:  # its own message and exit code, not those of the OSError behind it
        raise CliError(say("cli.error", text=str(exc)), exc.exit_code) from exc
    console = Console()
    print_summary(result, console)
    line = previous_summary(result)
    if line:
        console.print(line)
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
    p.add_argument("--jobs", type=job_count, metavar="N", help="số tiến trình đọc song song (mặc định: mọi lõi CPU)")
    p.add_argument("--include-errors", action="store_true",
                   help="tính cả các báo cáo có lỗi vào số tổng hợp (mặc định: không tính)")
    p.add_argument("--deadline", type=parse_date, metavar="NGÀY",
                   help="hạn nộp (ngày/tháng/năm): báo cáo nhận sau ngày này là trễ hạn")
    p.add_argument("--period", type=period_year, metavar="NĂM", help="năm báo cáo (mặc định theo biểu mẫu)")
    p.add_argument("--previous", metavar="TỆP", help=text("previous.arg"))
    p.add_argument("--received", metavar="TỆP_CSV",
                   help="danh sách thời điểm nhận từng tệp (CSV, ví dụ xuất từ hộp thư: cột tep hoặc sha256 và "
                   "cột thoi_diem_nhan); mặc định dùng thời điểm lưu ghi trong tệp Excel, không dùng thời gian "
                   "của tệp trên máy trừ khi tệp không ghi")
    p.add_argument("--data-format", choices=["parquet", "csv", "none"], default="parquet",
                   help="định dạng dữ liệu dạng bảng ghi kèm (mặc định parquet)")
    p.set_defaults(func=run)
