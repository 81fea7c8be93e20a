"""The output workbook (xlsxwriter), written to a temporary file and renamed when complete.

Sheets: "Tổng hợp" (the appendix with province figures, per level), "Giải thích số liệu" (how
each figure was made), "Theo cấp trên" (per parent unit, when the registry has several parents), "Theo đơn vị" (units × indicators), one
"DS …" sheet per list table (rows of every unit stacked), "Tình trạng nộp", "Chưa nộp",
"Lỗi và cảnh báo", "Tệp không dùng được", "Tệp đã nhận" and the chart sheets. Every sheet is
set up for A4 printing (``print_setup``).

Every text that comes from a return is written with ``write_string``: "=SUM(A1)" typed by a
unit stays the text "=SUM(A1)".
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.worksheet import Worksheet

from consolidate.cells import WORKBOOK_OPTIONS, Formats, put, table
from consolidate.charts import write_charts
from consolidate.fast_sheet import FastDataWorksheet
from consolidate.labels import STATUS_LABELS, SUBMISSION_LABELS, reason_label
from consolidate.model import IN_TOTALS, NOT_EXCEL
from consolidate.previous import totals_for, write_previous_sheet
from consolidate.print_setup import fit_rows, print_setup
from consolidate.received import source_label
from consolidate.summary_page import (
    EXPLAIN_SHEET,
    FILES_SHEET,
    PARENT_SHEET,
    SUMMARY_SHEET,
    summary_scopes,
    used_statement,
    write_parents,
    write_summary,
)
from consolidate.summary_sheet import totals_index
from consolidate.units_sheet import UnitRowXml as _UnitRowXml  # noqa: F401 - re-exported for tests
from consolidate.units_sheet import parent_names, write_units_sheet
from consolidate.units_sheet import unit_row_by_cell as _unit_row_by_cell  # noqa: F401 - re-exported
from workbooks.catalog.layout import render
from workbooks.catalog.model import ListSheet
from workbooks.messages import text
from workbooks.registry import known_levels

if TYPE_CHECKING:
    from consolidate.model import Consolidation

UNITS_SHEET = "Theo đơn vị"
STATUS_SHEET = "Tình trạng nộp"
MISSING_SHEET = "Chưa nộp"
FINDINGS_SHEET = "Lỗi và cảnh báo"
UNUSABLE_SHEET = "Tệp không dùng được"
CHARTS_SHEET = "Biểu đồ"
SEVERITY = {"error": "Lỗi", "warning": "Cảnh báo"}
__all__ = ["CHARTS_SHEET", "EXPLAIN_SHEET", "FILES_SHEET", "FINDINGS_SHEET", "MISSING_SHEET", "PARENT_SHEET",
           "STATUS_SHEET", "SUMMARY_SHEET", "UNITS_SHEET", "UNUSABLE_SHEET", "list_sheet_name", "used_statement",
           "write_workbook"]


def list_sheet_name(sheet: ListSheet) -> str:
    """Name the stacked-list sheet of a list table.

    Args:
        sheet: the list sheet of the form.

    Returns:
        "DS <sheet name>", at most 31 characters ("DS Phụ lục I").
    """
    return f"DS {sheet.name}"[:31]


def _as_date(value: Any) -> Any:
    """ISO date text (as the reader normalises dates) → datetime; anything else unchanged."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _fmt_time(moment: Any) -> str:
    return moment.strftime("%d/%m/%Y %H:%M") if moment else ""


def _list_sheet(ws: Worksheet, sheet: ListSheet, frame: Any, fmts: Formats, year: int) -> None:
    groups = {g.code: g.label for g in sheet.groups}
    ws.write_string(0, 0, f"{sheet.name}: {render(sheet.title, year)} — các dòng của mọi đơn vị", fmts.title)
    headers = ["Mã đơn vị", "Tên đơn vị", "Cấp", "Nhóm", "STT trong tệp", *[c.label for c in sheet.columns],
               "Tệp", "Dòng trong tệp"]
    levels = known_levels()
    keys = [c.key for c in sheet.columns]
    data = {k: frame[k].tolist() for k in ["unit_code", "unit_name", "level", "group", "item", "return_id",
                                           "row", *keys]}
    for col in sheet.columns:
        if col.type == "date":  # the reader gives ISO text; show a real date
            data[col.key] = [_as_date(v) for v in data[col.key]]
    rows = []
    for i in range(len(frame)):
        group = data["group"][i] or ""
        level = data["level"][i]
        rows.append([data["unit_code"][i], data["unit_name"][i], levels.get(level, level),
                     f"{group} {groups.get(group, '')}".strip(), data["item"][i],
                     *[data[k][i] for k in keys], data["return_id"][i], data["row"][i]])
    widths = [9, 22, 10, 14, 5, *[min(27, 0.6 * (c.width or 16)) for c in sheet.columns], 20, 6]
    dates = {5 + i: fmts.date for i, c in enumerate(sheet.columns) if c.type == "date"}
    table(ws, 1, headers, rows, fmts, widths, dates)
    fit_rows(ws, 1, [headers, *rows], widths)
    print_setup(ws, landscape=True, header_rows=(1, 1))


def _status_sheet(ws: Worksheet, result: Consolidation, fmts: Formats) -> None:
    levels = known_levels()
    parents = parent_names(result)
    rows = []
    for u in result.units:
        rows.append([u.unit.code, u.unit.name, levels.get(u.unit.level, u.unit.level),
                     parents.get(u.unit.parent_code or "", u.unit.parent_code),
                     SUBMISSION_LABELS[u.status], u.file, _fmt_time(u.submitted_at), source_label(u.time_source),
                     u.n_errors or None, u.n_warnings or None])
    headers = ["Mã đơn vị", "Tên đơn vị", "Cấp", "Đơn vị cấp trên", "Tình trạng", "Tệp", "Thời điểm nộp",
               "Thời điểm nộp lấy từ", "Số lỗi", "Số cảnh báo"]
    widths = [10, 30, 16, 22, 16, 30, 15, 18, 6, 8]
    table(ws, 0, headers, rows, fmts, widths)
    fit_rows(ws, 0, [headers, *rows], widths)
    print_setup(ws, landscape=True, header_rows=(0, 0))


def _missing_sheet(ws: Worksheet, result: Consolidation, fmts: Formats) -> None:
    levels = known_levels()
    parents = parent_names(result)
    rows = [[u.unit.code, u.unit.name, levels.get(u.unit.level, u.unit.level),
             parents.get(u.unit.parent_code or "", u.unit.parent_code)]
            for u in result.units if u.status == "missing"]
    headers = ["Mã đơn vị", "Tên đơn vị", "Cấp", "Đơn vị cấp trên"]
    widths = [10, 34, 16, 30]
    nxt = table(ws, 0, headers, rows, fmts, widths)
    fit_rows(ws, 0, [headers, *rows], widths)
    print_setup(ws, landscape=False, header_rows=(0, 0))
    ws.write_string(nxt, 0, f"Tổng số: {len(rows)} đơn vị chưa nộp báo cáo hợp lệ (không có tệp đọc được của "
                    "đơn vị trong thư mục; tệp hỏng không biết của đơn vị nào được liệt kê ở sheet "
                    f"'{UNUSABLE_SHEET}').", fmts.subtitle)


def _findings_sheet(ws: Worksheet, result: Consolidation, fmts: Formats) -> None:
    names = {o.rel: (o.unit_code, o.unit_name) for o in result.outcomes}
    rows = []
    for f in result.report.findings:
        code, name = names.get(f.return_id, (f.unit_code, ""))
        rows.append([f.return_id, code, name, f.sheet, f.cell, SEVERITY.get(f.severity, f.severity), f.message,
                     f.fix, f.value, f.rule_id])
    headers = ["Tệp", "Mã đơn vị", "Tên đơn vị", "Sheet", "Ô", "Mức độ", "Nội dung", "Cách sửa",
               "Giá trị trong ô", "Mã quy tắc"]
    widths = [24, 9, 20, 11, 6, 8, 48, 36, 10, 14]
    table(ws, 0, headers, rows, fmts, widths, restyled=True)
    fit_rows(ws, 0, [headers, *rows], widths)
    print_setup(ws, landscape=True, header_rows=(0, 0))
    for i, f in enumerate(result.report.findings, 1):
        put(ws, i, 5, SEVERITY.get(f.severity, f.severity), fmts.error if f.severity == "error" else fmts.warning)


def _unusable_sheet(ws: Worksheet, result: Consolidation, fmts: Formats) -> None:
    rows = [[o.rel, reason_label(o.reason), o.message, o.unit_code, STATUS_LABELS.get(o.status, o.status)]
            for o in result.outcomes if o.status not in IN_TOTALS]
    headers = ["Tệp", "Lý do", "Chi tiết", "Mã đơn vị", "Tình trạng"]
    widths = [34, 24, 60, 10, 20]
    table(ws, 0, headers, rows, fmts, widths)
    fit_rows(ws, 0, [headers, *rows], widths)
    print_setup(ws, landscape=True, header_rows=(0, 0))


def _files_sheet(ws: Worksheet, result: Consolidation, fmts: Formats) -> None:
    rows = []
    for o in result.outcomes:
        rows.append([o.rel, STATUS_LABELS.get(o.status, o.status), "Có" if o.status in IN_TOTALS else "Không",
                     o.unit_code, o.unit_name, reason_label(o.reason) if o.reason else "", o.n_errors or None,
                     o.n_warnings or None, _fmt_time(o.submitted_at), source_label(o.time_source),
                     "" if o.late is None else ("Trễ hạn" if o.late else "Đúng hạn"),
                     o.sha256[:12] if o.status != NOT_EXCEL else "", o.message])
    headers = ["Tệp", "Tình trạng", "Dùng để tổng hợp", "Mã đơn vị", "Tên đơn vị", "Lý do", "Số lỗi",
               "Số cảnh báo", "Thời điểm nộp", "Thời điểm nộp lấy từ", "Hạn nộp", "Mã băm (SHA-256)", "Chi tiết"]
    widths = [26, 16, 8, 9, 22, 20, 6, 8, 14, 12, 9, 11, 24]
    table(ws, 0, headers, rows, fmts, widths)
    fit_rows(ws, 0, [headers, *rows], widths)
    print_setup(ws, landscape=True, header_rows=(0, 0))


@contextmanager
def _quick_compression() -> Iterator[None]:
    """Have xlsxwriter compress the package at zlib level 1 instead of its default 6.

    The output holds some 16 MB of XML: level 1 compresses it in 0.07 s instead of 0.24 s,
    for a file a third larger (2.6 MB instead of 1.9 MB for 1,000 returns). xlsxwriter has no
    option for it, so its ``ZipFile`` is swapped while the workbook is being closed (only
    this writer runs in the process at that moment).
    """
    original = xlsxwriter.workbook.ZipFile
    xlsxwriter.workbook.ZipFile = functools.partial(original, compresslevel=1)
    try:
        yield
    finally:
        xlsxwriter.workbook.ZipFile = original


def write_workbook(result: Consolidation, path: str | Path) -> Path:
    """Write the output workbook atomically (temporary file in the same folder, then rename).

    Args:
        result: the consolidation.
        path: the .xlsx to write (replaced if it exists).

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.cchc-tmp")
    wb = xlsxwriter.Workbook(str(tmp), WORKBOOK_OPTIONS)

    def new_sheet(name: str) -> FastDataWorksheet:
        return wb.add_worksheet(name, worksheet_class=FastDataWorksheet)

    try:
        wb.set_properties({"title": f"Tổng hợp {result.form.id} — {render(result.form.period.label, result.period)}",
                           "author": "cchc", "company": result.form.province,
                           "comments": used_statement(result)})
        fmts = Formats(wb)
        _by_level, parents = summary_scopes(result)
        summary = new_sheet(SUMMARY_SHEET)
        explain = new_sheet(EXPLAIN_SHEET)
        index = totals_index(result.aggregates.totals)
        write_summary(summary, explain, result, fmts,
                      totals_for(result, result.previous) if result.previous else None, index)
        if parents:
            write_parents(new_sheet, result, parents, fmts, index)
        write_units_sheet(new_sheet(UNITS_SHEET), result, fmts)
        for sheet in result.form.sheets:
            if isinstance(sheet, ListSheet):
                frame = result.aggregates.lists.get(sheet.id)
                if frame is not None:
                    _list_sheet(new_sheet(list_sheet_name(sheet)), sheet, frame, fmts, result.period)
        _status_sheet(new_sheet(STATUS_SHEET), result, fmts)
        _missing_sheet(new_sheet(MISSING_SHEET), result, fmts)
        _findings_sheet(new_sheet(FINDINGS_SHEET), result, fmts)
        _unusable_sheet(new_sheet(UNUSABLE_SHEET), result, fmts)
        _files_sheet(new_sheet(FILES_SHEET), result, fmts)
        if result.previous is not None:
            write_previous_sheet(new_sheet(text("previous.sheet")), result, result.previous, fmts)
        write_charts(wb, new_sheet(CHARTS_SHEET), result, fmts, index)
        wb.worksheets()[0].activate()
        with _quick_compression():
            wb.close()
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
