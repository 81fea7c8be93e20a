"""``cchc demo``: the whole round on built-in sample data (Sơn La 2024).

1. generate the workbooks for the sample registry (one per unit, plus the blank template);
2. simulate the returns coming back by e-mail (renamed files, some late, some with mistakes,
   one unit sending two versions, one damaged file, a few units silent);
3. check one return, as ``cchc check`` does;
4. consolidate the folder, as ``cchc consolidate`` does, and say where the result is.
"""

from __future__ import annotations

import argparse
import shutil
from datetime import timedelta
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from cchc.commands.common import add_command, job_count, progress_bar
from workbooks.catalog.layout import period_bounds
from workbooks.catalog.loader import get_form
from workbooks.messages import text
from workbooks.registry import load_registry
from workbooks.writer.batch import generate_all

DEMO_FORM = "sonla-2024"
SAMPLE_REGISTRY = Path(str(resources.files("workbooks") / "registries" / "sonla.csv"))
DEMO_SEED = 2024


def run(args: argparse.Namespace) -> int:
    """Run the four steps and print where everything is.

    Args:
        args: the parsed command line (``--out``, ``--jobs``).

    Returns:
        0.
    """
    from cchc.commands.check import check_file, print_result
    from cchc.commands.consolidate import step_progress
    from consolidate.report import print_summary
    from consolidate.run import consolidate
    from simulate import simulate_round

    console = Console()
    out = Path(args.out)
    form = get_form(DEMO_FORM)
    registry = load_registry(SAMPLE_REGISTRY)
    year = form.period.default_year
    deadline = period_bounds(form.period, year)[1] + timedelta(days=20)

    with progress_bar(text("cli.demo.step_generate")) as update:
        paths = generate_all(form, registry, out / "bieu_mau", year, deadline, jobs=args.jobs, progress=update)
    console.print(escape(text("cli.demo.generated", count=len(paths) - 1, form_id=form.id,
                              folder=str((out / "bieu_mau").resolve()))))

    returned = out / "tep_don_vi_gui_ve"
    if returned.exists():  # a fresh round each time: new files, so a fresh store too
        shutil.rmtree(returned)
    for old in (out / "tong_hop.sqlite", out / "tong_hop.sqlite-wal", out / "tong_hop.sqlite-shm"):
        old.unlink(missing_ok=True)
    with progress_bar(text("cli.demo.step_simulate")) as update:
        truth = simulate_round(form, registry, returned, year, rng_seed=DEMO_SEED, missing=3, late=2,
                               with_mistakes=3, duplicate=1, broken=1, deadline=deadline, jobs=args.jobs,
                               progress=update)
    console.print(escape(text("cli.demo.simulated", files=len(truth.files), folder=str(returned.resolve()),
                              missing=len(truth.missing), late=len(truth.late),
                              with_mistakes=len(truth.with_mistakes), duplicated=len(truth.duplicated),
                              broken=len(truth.broken))))

    sample = truth.units[truth.with_mistakes[0]].path if truth.with_mistakes else truth.files[0]
    assert sample is not None
    console.print("\n" + escape(text("cli.demo.step_check", path=str(sample))))
    print_result(check_file(sample), console)

    console.print("\n" + escape(text("cli.demo.step_consolidate")))
    with step_progress() as update:
        result = consolidate(returned, form.id, SAMPLE_REGISTRY, out / "tong_hop.xlsx", jobs=args.jobs,
                             deadline=deadline, progress=update)
    print_summary(result, console)
    console.print(f"\n[bold]{escape(text('cli.demo.open_result'))}[/bold] {escape(str(result.out))}")
    command = (f"cchc consolidate \"{returned}\" --form {form.id} --registry \"{SAMPLE_REGISTRY}\" "
               f"--out \"{out / 'tong_hop.xlsx'}\" --deadline {deadline.strftime('%d/%m/%Y')}")
    console.print(escape(text("cli.demo.same_command", command=command)))
    return 0


def register(sub) -> None:
    """Add ``demo``.

    Args:
        sub: the ``cchc`` subparsers.
    """
    p = add_command(sub, "demo", "Chạy thử toàn bộ quy trình trên dữ liệu mẫu (Sơn La 2024)",
                    "Sinh biểu mẫu cho các đơn vị mẫu của tỉnh Sơn La, mô phỏng các tệp đơn vị gửi về (có "
                    "tệp muộn, tệp sai, một đơn vị gửi hai bản, một tệp hỏng, vài đơn vị chưa gửi), kiểm tra "
                    "một tệp rồi tổng hợp cả thư mục.")
    p.add_argument("--out", default="cchc_demo", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định cchc_demo)")
    p.add_argument("--jobs", type=job_count, metavar="N", help="số tiến trình song song (mặc định: mọi lõi CPU)")
    p.set_defaults(func=run)
