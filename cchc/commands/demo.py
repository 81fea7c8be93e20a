"""``cchc demo``: the whole round on built-in sample data (Sơn La 2024)."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

from cchc.commands.common import add_command, progress_bar
from workbooks.catalog.loader import get_form
from workbooks.registry import load_registry
from workbooks.writer.batch import generate_all

DEMO_FORM = "sonla-2024"
SAMPLE_REGISTRY = Path(str(resources.files("workbooks") / "registries" / "sonla.csv"))


def run(args: argparse.Namespace) -> int:
    """Generate the Sơn La 2024 workbooks for the sample registry and say where they are."""
    out = Path(args.out)
    form = get_form(DEMO_FORM)
    registry = load_registry(SAMPLE_REGISTRY)
    with progress_bar("Bước 1: sinh biểu mẫu cho các đơn vị") as update:
        paths = generate_all(form, registry, out / "bieu_mau", jobs=args.jobs, progress=update)
    print(f"Bước 1: đã sinh {len(paths) - 1} tệp Excel cho {len(registry)} đơn vị của tỉnh Sơn La "
          f"(biểu mẫu {form.id}) và 1 mẫu trống.")
    print(f"Thư mục: {(out / 'bieu_mau').resolve()}")
    return 0


def register(sub) -> None:
    """Add ``demo``."""
    p = add_command(sub, "demo", "Chạy thử toàn bộ quy trình trên dữ liệu mẫu (Sơn La 2024)")
    p.add_argument("--out", default="cchc_demo", help="thư mục kết quả (mặc định cchc_demo)")
    p.add_argument("--jobs", type=int, help="số tiến trình song song (mặc định: mọi lõi CPU)")
    p.set_defaults(func=run)
