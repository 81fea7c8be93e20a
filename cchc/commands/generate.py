"""``cchc generate``: one workbook per unit of the registry, plus a blank template.

Before writing anything it checks that every output file can be written (not a folder, not
open in Excel, not read-only) and says which file and what to do when one cannot; if writing
still fails, no half-written ``.tmp`` file is left behind. Units of the registry that get no
file (another level, or their ``forms`` column names other forms) are listed with the reason.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from cchc.commands.common import add_command, job_count, parse_date, period_year, progress_bar
from cchc.errors import WRITE, CliError, os_error_message, unwrap_os_error
from workbooks.catalog.loader import get_form, known_levels, load_catalog, load_form
from workbooks.catalog.model import Form
from workbooks.messages import say
from workbooks.registry import Registry, RegistryError, load_registry
from workbooks.writer.assembler import workbook_filename
from workbooks.writer.batch import generate_all, unit_info
from workbooks.writer.context import UnitInfo

TMP_SUFFIX = ".tmp"  # the writer writes ``name.xlsx.tmp`` then renames it


def _form(form_id: str, out_dir: str) -> Form | None:
    """The form named by an id of the catalog, a form file (.yaml) or a definition workbook (.xlsx).

    A definition workbook is built first (into ``out_dir``); None when it has mistakes (printed).
    """
    if form_id.lower().endswith(".xlsx"):
        from cchc.commands.form import build_from_definition

        built = build_from_definition(form_id, out_dir)
        return None if built is None else load_form(built)
    if form_id.lower().endswith((".yaml", ".yml")):
        return load_form(form_id)
    try:
        return get_form(form_id)
    except KeyError:
        raise CliError("cli.generate.unknown_form", form_id=form_id, known=", ".join(load_catalog())) from None


def targets(form: Form, registry: Registry, out_dir: Path) -> list[Path]:
    """The files ``generate_all`` writes: the blank template, then one per expected unit."""
    units = [UnitInfo()] + [unit_info(u) for u in registry.expected_for(form.id, form.levels)]
    return [out_dir / workbook_filename(form, u) for u in units]


def _raise_write_error(exc: OSError, path: Path) -> None:
    raise CliError(os_error_message(exc, path, WRITE)) from exc


def check_writable(out_dir: Path, paths: list[Path]) -> None:
    """Make ``out_dir`` and check every output path can be written, before any work.

    Raises:
        CliError: the folder cannot be made or written, or an output path is a folder, a
            read-only file or a file open in Excel (which refuses to be opened for writing).
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except PermissionError as exc:
        raise CliError("cli.os.folder_denied_write", path=str(exc.filename or out_dir)) from exc
    except OSError as exc:
        _raise_write_error(exc, out_dir)
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise CliError("cli.os.folder_denied_write", path=str(out_dir))
    for path in paths:
        if path.is_dir():
            raise CliError("cli.os.is_directory", path=str(path), name=path.name)
        if not path.exists():
            continue
        try:
            with open(path, "r+b"):  # opened, not changed: fails while Excel holds the file
                pass
        except OSError as exc:
            _raise_write_error(exc, path)


def _remove_leftovers(paths: list[Path]) -> None:
    """Remove the ``.tmp`` files an interrupted run left beside the outputs."""
    for path in paths:
        leftover = path.with_name(path.name + TMP_SUFFIX)
        if leftover.is_file():
            leftover.unlink()


def _failed_path(exc: OSError, out_dir: Path) -> Path:
    """The user's file a write error is about (the output, never the writer's ``.tmp``)."""
    name = exc.filename2 if exc.filename2 is not None else exc.filename
    if name is None:
        return out_dir
    path = Path(os.fsdecode(name))
    return path.with_name(path.name.removesuffix(TMP_SUFFIX))


def skipped_units(form: Form, registry: Registry) -> list[str]:
    """One line per registry unit that gets no file, saying why (level, or its ``forms`` column)."""
    labels = known_levels()
    form_levels = "; ".join(labels.get(level, level) for level in form.levels)
    lines = []
    for unit in registry.units:
        if unit.fills(form.id, form.levels):
            continue
        if unit.forms:
            lines.append(say("cli.generate.skipped_forms", unit_name=unit.name, code=unit.code,
                             unit_forms=", ".join(unit.forms)).text)
        else:
            lines.append(say("cli.generate.skipped_level", unit_name=unit.name, code=unit.code,
                             level_label=labels.get(unit.level, unit.level), form_levels=form_levels).text)
    return lines


def run(args: argparse.Namespace) -> int:
    """Generate the workbooks and print where they are, and which units get none and why."""
    form = _form(args.form_id, args.out)
    if form is None:
        return 1
    try:
        registry = load_registry(args.registry)
    except RegistryError as exc:
        print(exc, file=sys.stderr)
        return 1
    out_dir = Path(args.out)
    paths = targets(form, registry, out_dir)
    check_writable(out_dir, paths)
    start = time.perf_counter()
    try:
        with progress_bar(say("cli.generate.progress", form_id=form.id).text) as update:
            written = generate_all(form, registry, out_dir, args.period, args.deadline, args.contact,
                                   args.jobs, update)
    except Exception as exc:
        _remove_leftovers(paths)
        os_error = unwrap_os_error(exc)
        if os_error is None:
            raise
        _raise_write_error(os_error, _failed_path(os_error, out_dir))
    except KeyboardInterrupt:
        _remove_leftovers(paths)
        raise
    seconds = f"{time.perf_counter() - start:.1f}".replace(".", ",")
    print(say("cli.generate.done", count=len(written) - 1, folder=str(out_dir), seconds=seconds).text)
    skipped = skipped_units(form, registry)
    if len(written) == 1:
        print(say("cli.generate.no_units", path=str(args.registry), form_id=form.id,
                  form_levels="; ".join(known_levels().get(lv, lv) for lv in form.levels)))
    elif skipped:
        note = say("cli.generate.no_file_for", count=len(skipped), form_id=form.id)
        print(note.text)
        for line in skipped:
            print(f"  - {line}")
        print(note.fix)
    return 0


def register(sub) -> None:
    """Add ``generate``."""
    p = add_command(sub, "generate", "Sinh tệp Excel phụ lục cho từng đơn vị",
                    "Sinh một tệp Excel cho mỗi đơn vị trong danh sách (có kiểm tra dữ liệu, danh sách "
                    "chọn, công thức tỷ lệ, khóa bảo vệ) và một mẫu trống. Đơn vị không phải báo cáo theo "
                    "biểu mẫu (khác cấp) được liệt kê kèm lý do.\n"
                    "Mã thoát: 0 đã tạo, 1 tệp danh sách đơn vị có lỗi, 2 lệnh sai hoặc không ghi được tệp.")
    p.add_argument("form_id", metavar="MÃ_BIỂU_MẪU",
                   help="mã biểu mẫu (xem `cchc forms`), tệp .yaml, hoặc tệp định nghĩa .xlsx (`cchc form export`)")
    p.add_argument("--registry", required=True, metavar="TỆP", help="tệp danh sách đơn vị (CSV/XLSX)")
    p.add_argument("--period", type=period_year, metavar="NĂM",
                   help="năm báo cáo, bốn chữ số (mặc định theo biểu mẫu)")
    p.add_argument("--out", default="bieu_mau", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định bieu_mau)")
    p.add_argument("--deadline", type=parse_date, metavar="NGÀY", help="hạn gửi báo cáo, dạng ngày/tháng/năm")
    p.add_argument("--contact", default="", metavar="TEXT", help="nơi nhận / người liên hệ in trên trang thông tin")
    p.add_argument("--jobs", type=job_count, metavar="N", help="số tiến trình song song (mặc định: mọi lõi CPU)")
    p.set_defaults(func=run)
