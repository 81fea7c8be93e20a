"""Read a return: file or grid → identity, tidy values, structural notices."""

from __future__ import annotations

from pathlib import Path

from workbooks.catalog.compiled import compile_form
from workbooks.catalog.layout import IndicatorLayout
from workbooks.catalog.loader import load_catalog
from workbooks.catalog.model import Form, IndicatorSheet
from workbooks.reader.extract import column_labels, indicator_records, list_records
from workbooks.reader.files import grid_from_file
from workbooks.reader.grid import Grid
from workbooks.reader.identify import Identity, identify
from workbooks.reader.locate import find_sheet, locate_indicator, locate_list
from workbooks.reader.model import VALUE_COLUMNS, Notice, Return

_RECORD_COLUMNS = VALUE_COLUMNS[3:]


def _read_sheets(grid: Grid, form: Form, level: str | None, year: int,
                 meta: dict[str, str]) -> tuple[list[tuple], list[Notice]]:
    records: list[tuple] = []
    notices: list[Notice] = []
    compiled = compile_form(form, level, year)
    for lay in compiled.layouts:
        sheet = lay.sheet
        codes = compiled.sheet_codes.get(sheet.id, set())
        name, found_notices = find_sheet(grid, sheet, meta, codes)
        notices += found_notices
        if name is None:
            continue
        if isinstance(lay, IndicatorLayout):
            assert isinstance(sheet, IndicatorSheet)
            found, more = locate_indicator(grid, name, lay, column_labels(sheet, year), codes)
            notices += more
            if found is not None:
                recs, more = indicator_records(grid, found, lay, compiled)
                records += recs
                notices += more
        else:
            found, more = locate_list(grid, name, sheet, lay)
            notices += more
            if found is not None:
                records += list_records(grid, found, lay)
    return records, notices


def read_records(grid: Grid, catalog: dict[str, Form] | None = None) -> tuple[Identity, list[tuple], list[Notice]]:
    """Identify a return and extract its values as plain records (no DataFrame).

    The consolidation calls this in worker processes: records pickle cheaply and building a
    DataFrame per file would double the per-file time.

    Args:
        grid: the workbook's values.
        catalog: forms by id (the shipped catalog when None).

    Returns:
        (identity, records ordered as ``VALUE_COLUMNS[3:]``, every notice).

    Raises:
        ReturnRejected: not one of the catalog's forms.
    """
    ident = identify(grid, catalog or load_catalog())
    records, notices = _read_sheets(grid, ident.form, ident.level, ident.period, ident.meta)
    return ident, records, ident.notices + notices


def return_of_records(form: Form, records: list[tuple], notices: list[Notice], *, source: str, return_id: str,
                      version: int | None, unit_code: str, unit_name: str, level: str | None, period: int,
                      meta: dict[str, str]) -> Return:
    """A ``Return`` (values in a DataFrame) from what ``read_records`` gave."""
    import pandas as pd  # here only: the consolidation's reading processes never build frames

    frame = pd.DataFrame.from_records(records, columns=_RECORD_COLUMNS)
    frame.insert(0, "form_id", form.id)
    frame.insert(0, "unit_code", unit_code)
    frame.insert(0, "return_id", return_id)
    frame = frame.astype({"item": "int64", "row": "int64", "number": "float64"})
    return Return(return_id, source, form, version, unit_code, unit_name, level, period, meta, frame, notices)


def read_grid(grid: Grid, catalog: dict[str, Form] | None = None, return_id: str | None = None) -> Return:
    """Read a return from a grid (any source).

    Args:
        grid: the workbook's values.
        catalog: forms by id (the shipped catalog when None).
        return_id: id of the return in a batch (the source name when None).

    Returns:
        The return with tidy values (see ``workbooks.reader.model``) and notices.

    Raises:
        ReturnRejected: not one of the catalog's forms.
    """
    ident, records, notices = read_records(grid, catalog)
    return return_of_records(ident.form, records, notices, source=grid.source, return_id=return_id or grid.source,
                             version=ident.version, unit_code=ident.unit_code, unit_name=ident.unit_name,
                             level=ident.level, period=ident.period, meta=ident.meta)


def read_return(path: str | Path, catalog: dict[str, Form] | None = None,
                return_id: str | None = None) -> Return:
    """Read a return file (.xlsx, .xlsm, .xls); see ``read_grid``.

    Raises:
        ReturnRejected: the file is empty, damaged, encrypted, not Excel, or no known form.
    """
    return read_grid(grid_from_file(path), catalog, return_id)
