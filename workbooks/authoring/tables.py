"""A catalog ``Form`` as the rows of the definition workbook's tables (model values, not cells)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from workbooks.authoring.schema import REVIEW, Column, get_path, table_columns
from workbooks.catalog.model import Form, Heading, Indicator, IndicatorSheet, ListSheet, Rule
from workbooks.messages import catalogue

Row = dict[str, Any]


_NO_DEFAULT = object()


def _field_default(cls: type, name: str) -> Any:
    for f in dataclasses.fields(cls) if dataclasses.is_dataclass(cls) else ():
        if f.name == name:
            return f.default if f.default is not dataclasses.MISSING else _NO_DEFAULT
    return _NO_DEFAULT


def _value(obj: Any, col: Column) -> Any:
    """The model value of a cell; a generic column (a catalog field with no header of its own yet)
    stays blank when the field holds its default, so the built form leaves it out too."""
    value = get_path(obj, col.attr_path)
    generic = "." not in col.attr_path and col.message_id not in catalogue() and obj is not None
    if generic and value == _field_default(type(obj), col.attr_path):
        return None
    return value


def _row(obj: Any, table: str, **fixed: Any) -> Row:
    out: Row = {}
    for col in table_columns(table):
        out[col.key] = fixed[col.key] if col.key in fixed else _value(obj, col)
    return out


def form_settings(form: Form) -> list[tuple[Column, Any]]:
    """(column, value) for the vertical sheet ``Biểu mẫu``."""
    return [(col, _value(form, col)) for col in table_columns("form")]


def form_tables(form: Form, reviews: Mapping[tuple[str, int], str] | None = None) -> dict[str, list[Row]]:
    """Every horizontal table of the definition workbook for ``form``.

    Args:
        form: the catalog form.
        reviews: the importer's "Cần xem lại" notes, keyed by (sheet id, index in its rows).

    Returns:
        Table name -> rows (column key -> model value), in printed order.
    """
    reviews = reviews or {}
    tables: dict[str, list[Row]] = {t: [] for t in (
        "sheets", "value_columns", "indicators", "choices", "rules", "list_columns", "groups", "row_rules")}
    for sheet in form.sheets:
        tables["sheets"].append(_row(sheet, "sheets", kind=sheet.kind,
                                     show_unit=getattr(sheet, "show_unit", None),
                                     rows=sheet.rows if isinstance(sheet, ListSheet) else None))
        if isinstance(sheet, IndicatorSheet):
            _indicator_sheet(sheet, tables, reviews)
        else:
            _list_sheet(sheet, tables)
    for rule in form.rules:
        tables["rules"].append(_rule_row(rule, None))
    return tables


def _rule_row(rule: Rule, sheet_id: str | None) -> Row:
    """A rule's row: the factor and the constant only where they say something (a constant of 0
    is shown when it is the whole right side, ``… <= 0``)."""
    constant = rule.constant if rule.constant or not rule.right else None
    return _row(rule, "rules", sheet=sheet_id, factor=None if rule.factor == 1 else rule.factor,
                constant=constant)


def _indicator_sheet(sheet: IndicatorSheet, tables: dict[str, list[Row]],
                     reviews: Mapping[tuple[str, int], str]) -> None:
    for col in sheet.columns:
        tables["value_columns"].append(_row(col, "value_columns", sheet=sheet.id))
    for i, item in enumerate(sheet.rows):
        note = reviews.get((sheet.id, i))
        if isinstance(item, Heading):
            row = {c.key: None for c in table_columns("indicators")}
            row.update(sheet=sheet.id, stt=item.stt, label=item.label, kind="heading")
        else:
            ratio = item.spec.ratio  # display and decimals mean something on ratio rows only
            row = _row(item, "indicators", sheet=sheet.id,
                       choices=item.code if item.kind == "choice" else None,
                       display=item.display if ratio else None, decimals=item.decimals if ratio else None)
            _choices(item, tables)
        row[REVIEW] = note
        tables["indicators"].append(row)
    for rule in sheet.column_rules:
        tables["rules"].append(_rule_row(rule, sheet.id))


def _choices(ind: Indicator, tables: dict[str, list[Row]]) -> None:
    for choice in ind.choices:
        tables["choices"].append({"list": ind.code, "code": choice.code, "label": choice.label})


def _list_sheet(sheet: ListSheet, tables: dict[str, list[Row]]) -> None:
    for col in sheet.columns:
        tables["list_columns"].append(_row(col, "list_columns", sheet=sheet.id,
                                           choices="; ".join(col.choices) or None))
    for group in sheet.groups:
        tables["groups"].append(_row(group, "groups", sheet=sheet.id))
    for rule in sheet.row_rules:
        tables["row_rules"].append(_row(rule, "row_rules", sheet=sheet.id))
