"""Build a catalog form from a definition workbook: read, check (every error located by sheet
and row, in Vietnamese), write the YAML form file, and load it with the catalog loader."""

from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import yaml

from workbooks.authoring.cells import Problems, TableRow, read_settings, read_table
from workbooks.authoring.checks import check_indicators, check_lists, check_rules, check_sheets
from workbooks.authoring.fields import check_form_fields
from workbooks.authoring.schema import set_path, sheet_title, table_columns
from workbooks.catalog.loader import CatalogError, load_form
from workbooks.catalog.model import Form
from workbooks.messages import Message, say

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TABLES = ("sheets", "value_columns", "indicators", "choices", "rules", "list_columns", "groups",
          "row_rules")


class DefinitionError(Exception):
    """The definition workbook has mistakes; ``problems`` holds them, each located."""

    def __init__(self, path: str | Path, problems: list[Message]) -> None:
        self.path, self.problems = Path(path), problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Built:
    """A successful build: the YAML data and the loaded, checked form."""

    data: dict[str, Any]
    form: Form


def _open(path: Path, problems: Problems) -> openpyxl.Workbook | None:
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        problems.add("authoring.error.not_workbook", file=path.name, reason=type(exc).__name__)
        return None


def _form_header(settings: dict[str, tuple[int, Any]], problems: Problems) -> dict[str, Any]:
    data: dict[str, Any] = {}
    name = sheet_title("form")
    for col in table_columns("form"):
        row, value = settings.get(col.key, (None, None))
        if value is None or value == ():
            if col.required and row is not None:
                problems.add("authoring.error.required", name, row, column=col.header)
            continue
        set_path(data, col.yaml_path, list(value) if isinstance(value, tuple) else value)
    form_id = data.get("id")
    if form_id is not None and not ID_RE.match(str(form_id)):
        problems.add("authoring.error.bad_id", name, settings["id"][0], column=word_of("form", "id"),
                     value=form_id, allowed=say("authoring.allowed.form_id").text,
                     example="sonla-2025")
    check_form_fields(data, settings, problems)
    return data


def word_of(table: str, key: str) -> str:
    """Header of a column (for messages)."""
    return next(c.header for c in table_columns(table) if c.key == key)


def read_definition(path: str | Path) -> tuple[dict[str, Any] | None, list[Message]]:
    """Read and check a definition workbook.

    Args:
        path: the ``.xlsx`` definition workbook.

    Returns:
        (the form as YAML data, []) when it is correct; (None, located errors) otherwise.
    """
    path = Path(path)
    problems = Problems()
    wb = _open(path, problems)
    if wb is None:
        return None, problems.items
    try:
        titles = {ws.title: ws for ws in wb.worksheets}
        if sheet_title("form") not in titles:
            problems.add("authoring.error.missing_sheet", sheet=sheet_title("form"))
            return None, problems.items
        data = _form_header(read_settings(titles[sheet_title("form")], problems), problems)
        tables: dict[str, list[TableRow]] = {}
        for table in TABLES:
            ws = titles.get(sheet_title(table))
            if ws is None:
                problems.add("authoring.error.missing_sheet", sheet=sheet_title(table))
                tables[table] = []
            else:
                tables[table] = read_table(ws, table, problems)
    finally:
        wb.close()
    sheets = check_sheets(tables, problems)
    codes = check_indicators(tables, sheets, problems, tuple(data.get("levels") or ()))
    check_lists(tables, sheets, problems)
    rules = check_rules(tables, sheets, codes, problems)
    data["sheets"] = [s.data for s in sheets.values()]
    data["rules"] = rules
    if problems:
        return None, problems.in_order()
    return data, []


def dump_yaml(data: dict[str, Any]) -> str:
    """The YAML text of a form (Vietnamese kept readable, keys in catalog order)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110, default_flow_style=False)


def build_form(path: str | Path, out: str | Path | None = None) -> Built:
    """Check a definition workbook and write its catalog form file.

    Args:
        path: the definition workbook.
        out: the YAML to write (default: a temporary file, removed after loading).

    Returns:
        The YAML data and the form as the catalog loader loads it.

    Raises:
        DefinitionError: the workbook has mistakes (each located by sheet and row).
    """
    data, problems = read_definition(path)
    if data is None:
        raise DefinitionError(path, problems)
    text = dump_yaml(data)
    if out is not None:
        target = Path(out)
        target.write_text(text, encoding="utf-8")
        return Built(data, _load(path, target))
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"{data['id']}.yaml"
        target.write_text(text, encoding="utf-8")
        return Built(data, _load(path, target))


def _load(source: str | Path, target: Path) -> Form:
    try:
        return load_form(target)
    except CatalogError as exc:
        raise DefinitionError(source, [say("authoring.error.catalog", detail=f"{exc.entry}: {exc}")]) from exc
