"""``cchc forms``: list the shipped forms."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from cchc.commands.common import add_command
from workbooks.catalog.loader import known_levels, load_catalog
from workbooks.catalog.model import IndicatorSheet


def run(args: argparse.Namespace) -> int:
    """Print one row per form: id, province, year, sheets, indicators, rules."""
    table = Table(title="Các biểu mẫu có sẵn")
    for col in ("Mã biểu mẫu", "Tỉnh", "Năm", "Phụ lục", "Chỉ tiêu", "Quy tắc", "Cấp đơn vị"):
        table.add_column(col)
    for form in load_catalog().values():
        indicators = sum(len(s.indicators) for s in form.sheets if isinstance(s, IndicatorSheet))
        table.add_row(form.id, form.province, str(form.year), ", ".join(s.name for s in form.sheets),
                      str(indicators), str(len(form.all_rules)),
                      ", ".join(form.levels))
    console = Console()
    console.print(table)
    console.print("Cấp đơn vị: " + "; ".join(f"{k} = {v}" for k, v in known_levels().items()))
    return 0


def register(sub) -> None:
    """Add ``forms``."""
    add_command(sub, "forms", "Liệt kê các biểu mẫu (phụ lục) có sẵn").set_defaults(func=run)
