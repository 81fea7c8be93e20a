"""Assemble one workbook in order: info sheet, appendix sheets, metadata, properties."""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import xlsxwriter

from workbooks.catalog.layout import IndicatorLayout
from workbooks.catalog.model import Form
from workbooks.writer.context import Context, Prefill, UnitInfo
from workbooks.writer.fast_sheet import FastFormulaWorksheet
from workbooks.writer.indicator_sheet import write_indicator_sheet
from workbooks.writer.info_sheet import INFO_SHEET, write_info_sheet
from workbooks.writer.list_sheet import write_list_sheet
from workbooks.writer.metadata import META_SHEET, write_metadata
from workbooks.writer.styles import Styles

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def ascii_slug(text: str, limit: int = 60) -> str:
    """A Windows-safe ASCII file-name part: 'Phường Tô Hiệu' -> 'Phuong_To_Hieu'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    # no leading/trailing '.' or '_' (also after the cut): 'Côn Đảo.' must not give 'Con_Dao..xlsx'
    return _UNSAFE.sub("_", plain).strip("._")[:limit].rstrip("._") or "don_vi"


def workbook_filename(form: Form, unit: UnitInfo) -> str:
    """``<form>_<unit code>_<readable unit name>.xlsx``, or ``<form>_mau_trong.xlsx``."""
    if not unit.code:
        return f"{form.id}_mau_trong.xlsx"
    return f"{form.id}_{ascii_slug(unit.code, 20)}_{ascii_slug(unit.name)}.xlsx"


def generate_workbook(form: Form, out_path: str | Path, unit: UnitInfo | None = None,
                      year: int | None = None, deadline: date | None = None,
                      contact: str = "", generated_at: datetime | None = None,
                      prefill: Prefill | None = None) -> Path:
    """Write one workbook of ``form`` for ``unit`` (the blank template when None).

    Args:
        form: the catalog form.
        out_path: where to write the .xlsx (written to a temp name, then renamed).
        unit: the reporting unit; None for the blank template (every row of every level).
        year: the period year (``form.period.default_year`` when None).
        deadline: printed on the information sheet.
        contact: who receives the returns (printed on the information sheet).
        generated_at: timestamp stored in the metadata (now when None).
        prefill: values to write into input cells (simulated returns); blank when None.

    Returns:
        The path written.
    """
    out_path = Path(out_path)
    tmp = out_path.with_name(out_path.name + ".tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "in_memory": True})
    ctx = Context(form=form, unit=unit or UnitInfo(), year=year or form.period.default_year,
                  deadline=deadline, wb=wb, styles=Styles(wb), contact=contact,
                  prefill=prefill or Prefill())
    generated_at = generated_at or datetime.now()
    wb.set_properties({  # created = modified = when the Sở generated it; a unit's save moves "modified"
        "created": generated_at.astimezone(UTC).replace(tzinfo=None),  # core.xml times are UTC
        "title": form.title, "subject": f"{form.id} — {ctx.period_label()}",
        "author": "Sở Nội vụ", "company": form.province,
        "comments": "Tạo bởi bộ công cụ cchc; không đổi tên sheet, không xóa cột Mã chỉ tiêu.",
    })
    info = wb.add_worksheet(INFO_SHEET, worksheet_class=FastFormulaWorksheet)
    statuses = []
    for lay in ctx.layouts:
        ws = wb.add_worksheet(lay.sheet.name, worksheet_class=FastFormulaWorksheet)
        if isinstance(lay, IndicatorLayout):
            statuses.append((lay.sheet.name, write_indicator_sheet(ws, lay, ctx)))
        else:
            statuses.append((lay.sheet.name, write_list_sheet(ws, lay, ctx)))
    write_info_sheet(info, ctx, statuses)
    write_metadata(wb.add_worksheet(META_SHEET), ctx, generated_at)
    info.activate()
    wb.close()
    os.replace(tmp, out_path)
    return out_path
