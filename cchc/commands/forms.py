"""``cchc forms``: list the shipped forms.

Form ids are what users type (``cchc generate sonla-2024``), so they are never cut short: their
column never wraps or ends in "…", and when the output goes to a pipe or a file the table is as
wide as its content (a terminal keeps its width; the other columns wrap).
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from cchc.commands.common import add_command
from workbooks.catalog.loader import known_levels, load_catalog
from workbooks.catalog.model import IndicatorSheet
from workbooks.messages import text

HEADERS = ("forms_list.column.id", "forms_list.column.province", "forms_list.column.year", "forms_list.column.sheets",
           "forms_list.column.indicators", "forms_list.column.rules", "forms_list.column.levels")


def forms_table() -> Table:
    """One row per form: id, province, year, sheets, indicators, rules, levels."""
    forms = list(load_catalog().values())
    table = Table(title=text("forms_list.title"))
    id_width = max((len(form.id) for form in forms), default=0)
    for i, header in enumerate(HEADERS):
        if i == 0:
            table.add_column(text(header), no_wrap=True, min_width=id_width)
        else:
            table.add_column(text(header), overflow="fold")
    for form in forms:
        indicators = sum(len(s.indicators) for s in form.sheets if isinstance(s, IndicatorSheet))
        table.add_row(form.id, form.province, str(form.year), ", ".join(s.name for s in form.sheets),
                      str(indicators), str(len(form.all_rules)), ", ".join(form.levels))
    return table


def run(args: argparse.Namespace) -> int:
    """Print the forms table and the meaning of the level codes."""
    table = forms_table()
    console = Console()
    if not console.is_terminal:  # a pipe or a file: as wide as the content, nothing cut or wrapped
        natural = Console(width=10_000).measure(table).maximum
        console = Console(width=max(console.width, natural))
    console.print(table)
    levels = "; ".join(f"{k} = {v}" for k, v in known_levels().items())
    console.print(text("forms_list.levels", levels=levels), soft_wrap=not console.is_terminal)
    return 0


def register(sub) -> None:
    """Add ``forms``."""
    add_command(sub, "forms", "Liệt kê các biểu mẫu (phụ lục) có sẵn").set_defaults(func=run)
