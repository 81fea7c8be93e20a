"""Checks of the catalog fields added after the first definition workbook (required per level,
ratio display and decimals, a rule's constant side, the source's deadline, the levels that return
province totals, the first accepted day of a list date column).

Each check names the sheet and the row, as the catalog loader would only name a YAML entry, and
writes the field into the YAML data the way the loader reads it (``required: [levels]``,
``right: [codes…, constant]``).
"""

from __future__ import annotations

from typing import Any

from workbooks.authoring.cells import Problems, TableRow
from workbooks.authoring.schema import enum_words, kind_word, sheet_title, table_columns
from workbooks.catalog.fields import DAY
from workbooks.catalog.kinds import kind as kind_spec
from workbooks.catalog.loader import known_levels

DECIMALS_MAX = 6  # the loader's bound (workbooks.catalog.fields.parse_display)


def header(table: str, key: str) -> str:
    """Vietnamese header of one column (for messages)."""
    return next(c.header for c in table_columns(table) if c.key == key)


def unknown_levels(levels: tuple[str, ...], table: str, row: int | None, problems: Problems) -> bool:
    """Record each level code that is not a level of the toolkit; True when all are known."""
    ok = True
    for level in levels:
        if level not in known_levels():
            ok = False
            problems.add("authoring.error.unknown_level", sheet_title(table), row, value=level,
                         allowed=", ".join(known_levels()))
    return ok


def check_indicator_fields(row: TableRow, data: dict[str, Any], levels_in_scope: tuple[str, ...],
                           problems: Problems) -> None:
    """``required_levels``, ``display`` and ``decimals`` of one indicator row.

    Args:
        row: the row of sheet Chỉ tiêu.
        data: its YAML data (the three fields are written into it when correct).
        levels_in_scope: the levels the row applies to (its own, else its sheet's, else the form's).
        problems: where located errors go.
    """
    table, where = "indicators", sheet_title("indicators")
    code, kind = row.get("code"), row.get("kind")
    _display(row, data, kind, problems)
    required_levels = row.get("required_levels") or ()
    if not required_levels:
        return
    if row.get("required") is False:
        problems.add("authoring.error.required_levels_not_required", where, row.number, code=code,
                     column=header(table, "required_levels"), required=header(table, "required"))
        return
    if not unknown_levels(required_levels, table, row.number, problems):
        return
    outside = [level for level in required_levels if levels_in_scope and level not in levels_in_scope]
    if outside:
        problems.add("authoring.error.required_levels_outside", where, row.number, code=code,
                     column=header(table, "required_levels"), value=", ".join(outside),
                     allowed=", ".join(levels_in_scope))
        return
    data["required"] = list(required_levels)


def _display(row: TableRow, data: dict[str, Any], kind: str, problems: Problems) -> None:
    table, where = "indicators", sheet_title("indicators")
    display, decimals = row.get("display"), row.get("decimals")
    if display is None and decimals is None:
        return
    if not kind_spec(kind).ratio:
        named = [header(table, key) for key, value in (("display", display), ("decimals", decimals))
                 if value is not None]
        ratio_word = next(kind_word(k) for k in enum_words("kind") if k != "heading" and kind_spec(k).ratio)
        problems.add("authoring.error.display_kind", where, row.number, code=row.get("code"),
                     columns=", ".join(named), kind=kind_word(kind), ratio=ratio_word)
        return
    if decimals is not None and not 0 <= decimals <= DECIMALS_MAX:
        problems.add("authoring.error.decimals", where, row.number, column=header(table, "decimals"),
                     value=decimals, max=DECIMALS_MAX)
        return
    if display is not None:
        data["display"] = display
    if decimals is not None:
        data["decimals"] = decimals


def rule_right_side(row: TableRow, data: dict[str, Any], column_rule: bool, problems: Problems) -> bool:
    """The right side of a rule: its codes and its constant (``Hằng số``) as the loader reads them.

    Returns:
        False when the row has a mistake here (already recorded).
    """
    table, where = "rules", sheet_title("rules")
    right, constant = row.get("right") or (), row.get("constant")
    if not right and constant is None:
        if "constant" not in row.invalid and "right" not in row.invalid:
            problems.add("authoring.error.rule_right", where, row.number, rule=row.get("id"),
                         right=header(table, "right"),
                         constant=header(table, "constant"))
        return False
    if constant is None:
        return True
    if column_rule:
        problems.add("authoring.error.constant_column", where, row.number, rule=row.get("id"),
                     constant=header(table, "constant"), sheet_column=header(table, "sheet"))
        return False
    data["right"] = [*right, constant]
    return True


def check_dates_from(row: TableRow, data: dict[str, Any], problems: Problems) -> None:
    """``dates_from`` of a list column: a date column's first accepted day (dd/mm/yyyy)."""
    table, where = "list_columns", sheet_title("list_columns")
    first = row.get("dates_from")
    if first is None:
        return
    if row.get("type") != "date":
        problems.add("authoring.error.dates_from_type", where, row.number, column=header(table, "dates_from"),
                     type=enum_words("list_type")[row.get("type") or "text"],
                     date=enum_words("list_type")["date"])
    elif not DAY.fullmatch(first):
        problems.add("authoring.error.bad_day", where, row.number, column=header(table, "dates_from"),
                     value=first, example="01/01/2000")
    else:
        data["dates_from"] = first


def check_form_fields(data: dict[str, Any], settings: dict[str, tuple[int, Any]], problems: Problems) -> None:
    """The form's levels, ``summary_levels`` (levels of the form) and ``period.deadline``."""
    table, where = "form", sheet_title("form")
    levels = tuple(data.get("levels") or ())
    for key in ("levels", "summary_levels"):
        row, value = settings.get(key, (None, None))
        if value and not unknown_levels(tuple(value), table, row, problems):
            data.pop(key, None)
    summary_row, summary = settings.get("summary_levels", (None, None))
    outside = [level for level in summary or () if level in known_levels() and level not in levels]
    if outside and "summary_levels" in data:
        problems.add("authoring.error.summary_outside", where, summary_row, column=header(table, "summary_levels"),
                     value=", ".join(outside), levels=header(table, "levels"))
    deadline_row, deadline = settings.get("period.deadline", (None, None))
    if deadline is not None and not DAY.fullmatch(str(deadline)):
        problems.add("authoring.error.bad_day", where, deadline_row, column=header(table, "period.deadline"),
                     value=deadline, example="30/10/{year}")
