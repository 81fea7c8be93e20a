"""The per-form *cell spec*: what every value cell must hold, as a frame built from the catalog.

``cell_spec(form)`` has one row per indicator value cell ``(code, column)``; ``list_spec(form)``
one row per list column ``(sheet_id, column)``. The validators merge them with the values.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from workbooks.catalog import CatalogError
from workbooks.catalog.compiled import compile_form
from workbooks.catalog.kinds import kind as kind_of
from workbooks.catalog.layout import Line, render, value_cells
from workbooks.catalog.layout import indicator_layout as _indicator_layout
from workbooks.catalog.model import (
    NO,
    YES,
    Form,
    IndicatorSheet,
    ListSheet,
    ValueColumn,
)

SPEC_COLUMNS = [
    "sheet_id", "code", "column", "spec_kind", "min", "max", "required", "choices",
    "choices_text", "label", "levels", "computed",
]
LIST_SPEC_COLUMNS = ["sheet_id", "column", "list_type", "required", "choices", "choices_text", "label"]


def date_window(form: Form, year: int) -> tuple[date, date]:
    """Dates accepted in date cells: the reporting period ± one year.

    Args:
        form: the form (its ``period.start``/``end``).
        year: the period year.

    Returns:
        ``(first accepted day, last accepted day)``.
    """
    return compile_form(form, None, year).date_window


def cell_spec(form: Form, year: int | None = None) -> pd.DataFrame:
    """One row per indicator value cell of the form (every level's rows).

    Args:
        form: the form.
        year: period year used to print column labels (default: the form's default year).

    Returns:
        Frame with ``SPEC_COLUMNS``; ``choices`` holds the accepted codes as strings.

    Raises:
        CatalogError: a row with ``min`` > ``max`` or a choice row without choices.
    """
    year = year or form.period.default_year
    rows: list[dict] = []
    for sheet in form.sheets:
        if isinstance(sheet, IndicatorSheet):
            rows += _sheet_rows(form, sheet, year)
    return pd.DataFrame(rows, columns=SPEC_COLUMNS)


def _sheet_rows(form: Form, sheet: IndicatorSheet, year: int) -> list[dict]:
    layout = _indicator_layout(sheet, None)
    present = value_cells([layout])
    columns = {c.key: c for c in sheet.columns}
    return [_cell_row(form, sheet, layout.line(code), columns[key], year)
            for code, key in present]


def _cell_row(form: Form, sheet: IndicatorSheet, line: Line, column: ValueColumn, year: int) -> dict:
    ind = line.indicator
    assert ind is not None
    kind = "rate" if column.is_computed else line.value_kind
    lo, hi = _bounds(form, line, kind)
    choices = _choices(form, line, kind)
    label = line.label.removeprefix("- ").strip()
    if len(sheet.columns) > 1:
        label = f"{label} – {_column_label(column, year)}"
    return {
        "sheet_id": sheet.id, "code": line.code, "column": column.key, "spec_kind": kind,
        "min": lo, "max": hi, "required": bool(ind.required) and kind != "rate",
        "choices": tuple(c for c, _ in choices), "choices_text": "; ".join(
            f"{c} = {t}" if t != c else c for c, t in choices),
        "label": label, "levels": ind.required_levels or ind.levels or sheet.levels,
        "computed": kind == "rate",
    }


def _bounds(form: Form, line: Line, kind: str) -> tuple[float | None, float | None]:
    ind = line.indicator
    assert ind is not None
    spec = kind_of(kind)
    lo, hi = spec.min, spec.max
    if line.role == "value" and spec.numeric:
        lo = ind.min if ind.min is not None else lo
        hi = ind.max if ind.max is not None else hi
    if lo is not None and hi is not None and lo > hi:
        raise CatalogError(form.path or form.id, f"{ind.code}", "min lớn hơn max")
    return lo, hi


def _choices(form: Form, line: Line, kind: str) -> list[tuple[str, str]]:
    ind = line.indicator
    assert ind is not None
    parse = kind_of(kind).parse
    if parse == "yesno":
        return [(YES, YES), (NO, NO)]
    if parse != "choice":
        return []
    if not ind.choices:
        raise CatalogError(form.path or form.id, ind.code, "chỉ tiêu lựa chọn không có danh sách mã")
    return [(str(c.code), c.label) for c in ind.choices]


def _column_label(column: ValueColumn, year: int) -> str:
    label = render(column.label, year)
    return f"{render(column.group, year)}, {label}" if column.group else label


def list_spec(form: Form) -> pd.DataFrame:
    """One row per column of every list sheet.

    Args:
        form: the form.

    Returns:
        Frame with ``LIST_SPEC_COLUMNS``.
    """
    rows = [
        {"sheet_id": sheet.id, "column": col.key, "list_type": col.type, "required": col.required,
         "choices": col.choices, "choices_text": " / ".join(col.choices), "label": col.label}
        for sheet in form.sheets if isinstance(sheet, ListSheet) for col in sheet.columns
    ]
    return pd.DataFrame(rows, columns=LIST_SPEC_COLUMNS)

