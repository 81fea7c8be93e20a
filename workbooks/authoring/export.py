"""Write the form-definition workbook (xlsxwriter): one sheet per table, Vietnamese headers,
dropdowns and validation on every column, frozen header row, help on every header."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from workbooks.authoring.schema import (
    OPERATORS,
    REVIEW,
    Column,
    enum_codes,
    enum_words,
    kind_help,
    level_codes,
    say,
    sheet_title,
    table_columns,
    to_cell,
    word,
    yes_no,
)
from workbooks.authoring.tables import form_settings, form_tables
from workbooks.catalog.loader import known_levels
from workbooks.catalog.model import Form

UNIQUE_KEYS = {"sheets": ("id", "name"), "indicators": ("code",), "rules": ("id",), "row_rules": ("id",)}
SPARE_ROWS = 300          # validated blank rows below the data, for additions
_TITLE_MAX, _MESSAGE_MAX = 32, 255
FONT = "Times New Roman"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": FONT, "font_size": 11, "valign": "top", "text_wrap": True}
        self.header = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1})
        self.text = wb.add_format({**base, "num_format": "@"})
        self.plain = wb.add_format(base)
        self.heading = wb.add_format({**base, "bold": True, "num_format": "@"})
        self.review = wb.add_format({**base, "bg_color": "#FFEB9C", "num_format": "@"})
        self.title = wb.add_format({**base, "bold": True, "font_size": 14, "text_wrap": False})
        self.key = wb.add_format({**base, "font_color": "#808080", "num_format": "@"})


def _validation(col: Column, sheets_ref: str, position: int = 0) -> dict[str, Any]:
    """The data validation of one column: a dropdown, a number check, or only the help."""
    prompt = {"input_title": _clip(col.header, _TITLE_MAX), "input_message": _clip(col.help, _MESSAGE_MAX),
              "ignore_blank": True}
    alert = {"error_title": _clip(col.header, _TITLE_MAX), "error_type": "stop",
             "error_message": _clip(col.help, _MESSAGE_MAX)}
    if col.type == "bool":
        return {"validate": "list", "source": list(yes_no()), **prompt, **alert}
    if col.enum:
        return {"validate": "list", "source": list(enum_words(col.enum).values()), **prompt, **alert}
    if col.type == "levels":  # a dropdown of the levels; several, comma-separated, pass after a note
        return {"validate": "list", "source": level_codes(), **prompt, **alert, "error_type": "information",
                "error_message": _clip(str(say("authoring.excel.levels", column=col.header)), _MESSAGE_MAX)}
    if col.type == "ops":
        return {"validate": "list", "source": list(OPERATORS), **prompt, **alert}
    if col.type == "sheet":
        return {"validate": "list", "source": sheets_ref, **prompt, **alert}
    if col.key in UNIQUE_KEYS.get(col.table, ()):
        letter = xl_col_to_name(position)
        return {"validate": "custom", "value": f"=COUNTIF(${letter}:${letter},{letter}2)<=1", **prompt, **alert,
                "error_message": _clip(str(say("authoring.excel.duplicate", column=col.header)), _MESSAGE_MAX)}
    if col.type in {"int", "number"}:
        kind = "integer" if col.type == "int" else "decimal"
        return {"validate": kind, "criteria": "between", "minimum": -(10**12), "maximum": 10**12,
                **prompt, **alert}
    return {"validate": "any", **prompt}


def _write_table(wb: xlsxwriter.Workbook, fm: _Formats, table: str, rows: list[dict[str, Any]],
                 sheets_ref: str) -> None:
    ws = wb.add_worksheet(sheet_title(table))
    columns = table_columns(table)
    for c, col in enumerate(columns):
        ws.write_string(0, c, col.header, fm.header)
        ws.set_column(c, c, col.width, fm.text if col.type in {"text", "list", "levels", "sheet"} else fm.plain)
        if col.help:
            ws.write_comment(0, c, col.help, {"x_scale": 2, "y_scale": 1.5, "font_name": FONT})
        last = len(rows) + SPARE_ROWS
        ws.data_validation(1, c, last, c, _validation(col, sheets_ref, c))
    for r, row in enumerate(rows, start=1):
        heading = row.get("kind") == "heading"
        for c, col in enumerate(columns):
            _write_cell(ws, fm, r, c, col, row.get(col.key), heading)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)


def _write_cell(ws: Worksheet, fm: _Formats, r: int, c: int, col: Column, value: Any, heading: bool) -> None:
    cell = to_cell(col, value)
    if cell is None:
        return
    if col.key == REVIEW:
        ws.write_string(r, c, str(cell), fm.review)
    elif isinstance(cell, bool) or not isinstance(cell, int | float):
        ws.write_string(r, c, str(cell), fm.heading if heading else fm.text)
    else:
        ws.write_number(r, c, cell, fm.plain)


def _write_settings(wb: xlsxwriter.Workbook, fm: _Formats, form: Form) -> None:
    ws = wb.add_worksheet(sheet_title("form"))
    heads = ["authoring.col.form.key", "authoring.col.form.meaning", "authoring.col.form.value",
             "authoring.col.form.explain"]
    for c, (mid, width) in enumerate(zip(heads, (22, 24, 60, 60), strict=True)):
        ws.write_string(0, c, word(mid), fm.header)
        ws.write_comment(0, c, say(mid).fix, {"font_name": FONT})
        ws.set_column(c, c, width)
    for r, (col, value) in enumerate(form_settings(form), start=1):
        ws.write_string(r, 0, col.key, fm.key)
        ws.write_string(r, 1, col.header, fm.plain)
        ws.write_string(r, 3, col.help, fm.plain)
        ws.data_validation(r, 2, r, 2, _validation(col, ""))
        cell = to_cell(col, value)
        if cell is None:
            ws.write_blank(r, 2, None, fm.text)
        elif isinstance(cell, int | float) and not isinstance(cell, bool):
            ws.write_number(r, 2, cell, fm.plain)
        else:
            ws.write_string(r, 2, str(cell), fm.text)
    ws.freeze_panes(1, 2)


def _write_guide(wb: xlsxwriter.Workbook, fm: _Formats) -> None:
    ws = wb.add_worksheet(sheet_title("guide"))
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 100)
    intro = say("authoring.guide.title")
    ws.write_string(0, 0, intro.text, fm.title)
    ws.write_string(1, 0, intro.fix, fm.plain)
    r = 3
    for table in ("form", "sheets", "value_columns", "indicators", "choices", "rules", "list_columns",
                  "groups", "row_rules"):
        ws.write_string(r, 0, sheet_title(table), fm.heading)
        ws.write_string(r, 1, say(f"authoring.sheet.{table}").fix, fm.plain)
        r += 1
    r += 1
    kinds = say("authoring.guide.kinds")
    ws.write_string(r, 0, kinds.text, fm.title)
    r += 1
    words = enum_words("kind")
    for code in enum_codes("kind"):
        ws.write_string(r, 0, words[code], fm.heading)
        ws.write_string(r, 1, kind_help(code), fm.plain)
        r += 1
    r += 1
    levels = say("authoring.guide.levels")
    ws.write_string(r, 0, levels.text, fm.title)
    ws.write_string(r + 1, 0, levels.fix, fm.plain)
    r += 2
    for code, label in known_levels().items():
        ws.write_string(r, 0, code, fm.heading)
        ws.write_string(r, 1, label, fm.plain)
        r += 1
    review = say("authoring.guide.review")
    ws.write_string(r + 1, 0, review.text, fm.title)
    ws.write_string(r + 2, 0, review.fix, fm.plain)


def write_definition(form: Form, path: str | Path,
                     reviews: Mapping[tuple[str, int], str] | None = None) -> Path:
    """Write the definition workbook of ``form``.

    Args:
        form: the catalog form (shipped, imported or renewed).
        path: the ``.xlsx`` to write.
        reviews: "Cần xem lại" notes of the importer, keyed by (sheet id, index in its rows).

    Returns:
        The path written.
    """
    path = Path(path)
    tables = form_tables(form, reviews)
    wb = xlsxwriter.Workbook(str(path))
    fm = _Formats(wb)
    _write_guide(wb, fm)
    _write_settings(wb, fm, form)
    sheets_title = sheet_title("sheets").replace("'", "''")
    sheets_ref = f"='{sheets_title}'!$A$2:$A${len(tables['sheets']) + 40}"
    for table in ("sheets", "value_columns", "indicators", "choices", "rules", "list_columns",
                  "groups", "row_rules"):
        _write_table(wb, fm, table, tables[table], sheets_ref)
    wb.worksheets()[4].activate()  # open on "Chỉ tiêu": where most of the work is
    wb.close()
    return path
