"""Which form, version and unit a return is: metadata first, then content."""

from __future__ import annotations

from dataclasses import dataclass, field

from xlsxwriter.utility import xl_cell_to_rowcol

from workbooks.catalog.checks import indicator_codes
from workbooks.catalog.model import Form
from workbooks.contract import CODE_HEADER, INFO_LABELS, INFO_NAMES, INFO_SHEET, META_SHEET, PROPERTY_PREFIX
from workbooks.reader.grid import Grid
from workbooks.reader.model import Notice, ReturnRejected
from workbooks.reader.parse import clean_text

_INFO_LABELS = {key: INFO_LABELS[key] for key in ("unit_code", "unit_name")}


@dataclass
class Identity:
    """What a return says it is."""

    form: Form
    meta: dict[str, str]
    unit_code: str
    unit_name: str
    level: str | None
    period: int
    version: int | None
    notices: list[Notice] = field(default_factory=list)


def _meta_sheet(grid: Grid) -> dict[str, str]:
    rows = grid.sheets.get(META_SHEET, [])
    meta = {}
    for row in rows[1:]:
        if len(row) >= 2 and row[0]:
            meta[str(row[0])] = "" if row[1] is None else clean_text(row[1])
    return meta


def _meta_properties(grid: Grid) -> dict[str, str]:
    return {k[len(PROPERTY_PREFIX):]: v for k, v in grid.properties.items() if k.startswith(PROPERTY_PREFIX)}


def _info_value(grid: Grid, key: str) -> str:
    """A value of the information sheet: by defined name, else by its printed label."""
    ref = grid.names.get(INFO_NAMES[key])
    sheet = grid.name_sheet(INFO_NAMES[key])
    if ref and sheet:
        row, col = xl_cell_to_rowcol(ref.rsplit("!", 1)[1].replace("$", ""))
        value = grid.cell(sheet, row, col)
        return clean_text(value) if value not in (None, "") else ""
    for sheet in [INFO_SHEET, *grid.sheets]:
        for row in grid.sheets.get(sheet, [])[:40]:
            for i, value in enumerate(row[:-1]):
                if isinstance(value, str) and clean_text(value) == _INFO_LABELS.get(key):
                    nxt = row[i + 1]
                    return clean_text(nxt) if nxt not in (None, "") else ""
    return ""


def _code_column_codes(grid: Grid) -> set[str]:
    """Every text found below a 'Mã chỉ tiêu' header in any sheet."""
    found: set[str] = set()
    for rows in grid.sheets.values():
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value == CODE_HEADER:
                    found.update(str(x[c]) for x in rows[r + 1:] if c < len(x) and x[c] not in (None, ""))
    return found


def _form_by_content(grid: Grid, catalog: dict[str, Form]) -> Form | None:
    found = _code_column_codes(grid)
    if not found:
        return None
    best, score = None, 0.0
    for form in catalog.values():
        codes = set(indicator_codes(form))
        overlap = len(codes & found) / max(1, len(codes))
        if overlap > score:
            best, score = form, overlap
    return best if score >= 0.3 else None


def _int(text: str) -> int | None:
    try:
        return int(float(text))
    except (TypeError, ValueError):
        return None


def identify(grid: Grid, catalog: dict[str, Form]) -> Identity:
    """Identify form, version, unit and period of a return.

    Raises:
        ReturnRejected: the workbook is none of the catalog's forms.
    """
    notices: list[Notice] = []
    meta = _meta_sheet(grid) or _meta_properties(grid)
    form = catalog.get(meta.get("form_id", ""))
    if form is None:
        form = _form_by_content(grid, catalog)
        if form is None:
            known = ", ".join(sorted(catalog))
            raise ReturnRejected(grid.source, "unknown_form", "Không nhận ra biểu mẫu: tệp không có thông tin "
                                 f"biểu mẫu và không có cột 'Mã chỉ tiêu' của biểu mẫu nào ({known}).")
        notices.append(Notice("metadata_missing", "warning", params={"form": form.id}))
    version = _int(meta.get("form_version", ""))
    if version is not None and version != form.version:
        notices.append(Notice("version_mismatch", "error",
                              params={"found": version, "expected": form.version}))
    elif meta.get("catalog_hash") and meta["catalog_hash"] != form.digest:
        notices.append(Notice("catalog_changed", "warning"))
    unit_code = _info_value(grid, "unit_code") or meta.get("unit_code", "")
    if meta.get("unit_code") and unit_code != meta["unit_code"]:
        unit_code = meta["unit_code"]
    unit_name = meta.get("unit_name") or _info_value(grid, "unit_name")
    if not unit_code:
        notices.append(Notice("unit_missing", "error"))
    period = _int(meta.get("period", "")) or form.period.default_year
    level = meta.get("unit_level") or None
    return Identity(form, meta, unit_code, unit_name, level, period, version, notices)
