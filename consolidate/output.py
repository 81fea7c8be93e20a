"""The output workbook (xlsxwriter), written to a temporary file and renamed when complete.

Sheets: "Tổng hợp" (the appendix with province figures, per level), "Theo cấp trên" (per
parent unit, when the registry has several parents), "Theo đơn vị" (units × indicators), one
"DS …" sheet per list table (rows of every unit stacked), "Tình trạng nộp", "Chưa nộp",
"Lỗi và cảnh báo", "Tệp không dùng được", "Tệp đã nhận" and "Biểu đồ".

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

import numpy as np
import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.worksheet import Worksheet

from consolidate.aggregate import SCOPE_ALL, SCOPE_LEVEL, SCOPE_PARENT, is_textual
from consolidate.cells import MAX_TEXT, WORKBOOK_OPTIONS, Formats, put, table
from consolidate.charts import write_charts
from consolidate.fast_sheet import FastDataWorksheet, column_names
from consolidate.labels import STATUS_LABELS, SUBMISSION_LABELS, reason_label
from consolidate.model import IN_TOTALS, NOT_EXCEL
from consolidate.received import source_label
from consolidate.summary_sheet import Scope, totals_index, write_indicator_block, write_list_block
from workbooks.catalog.layout import indicator_layout, render
from workbooks.catalog.model import IndicatorSheet, ListSheet
from workbooks.messages import text as message_text
from workbooks.registry import known_levels

if TYPE_CHECKING:
    from consolidate.model import Consolidation

SUMMARY_SHEET = "Tổng hợp"
PARENT_SHEET = "Theo cấp trên"
UNITS_SHEET = "Theo đơn vị"
STATUS_SHEET = "Tình trạng nộp"
MISSING_SHEET = "Chưa nộp"
FINDINGS_SHEET = "Lỗi và cảnh báo"
UNUSABLE_SHEET = "Tệp không dùng được"
FILES_SHEET = "Tệp đã nhận"
CHARTS_SHEET = "Biểu đồ"
SEVERITY = {"error": "Lỗi", "warning": "Cảnh báo"}


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


def used_statement(result: Consolidation) -> str:
    """Say which returns the figures come from (and whether returns with errors count).

    Args:
        result: the consolidation.

    Returns:
        One Vietnamese sentence.
    """
    used = result.used
    excluded = [o for o in result.outcomes if o.status == "errors_excluded"]
    with_errors = [o for o in used if o.status == "errors_used"]
    text = (f"Số liệu tổng hợp từ {len(used)} báo cáo của {len(used)}/{result.expected} đơn vị phải báo cáo "
            f"(mỗi đơn vị một báo cáo mới nhất).")
    if result.include_errors:
        text += f" Đã tính cả {len(with_errors)} báo cáo có lỗi (--include-errors)."
    else:
        text += (f" Không tính {len(excluded)} báo cáo có lỗi (xem sheet '{FILES_SHEET}'; dùng --include-errors "
                 "để tính cả các báo cáo này).")
    if result.left_out:
        text += " " + message_text("consolidate.values_left_out_total", left=len(result.left_out),
                                   files=len({w[0] for w in result.left_out}))
    return text


def _scopes(result: Consolidation) -> tuple[list[Scope], list[Scope]]:
    """(overall + levels, parents) among the units expected to report."""
    levels = known_levels()
    present = {u.unit.level for u in result.units}
    by_level: list[Scope] = [(SCOPE_ALL, "", "Toàn tỉnh")]
    by_level += [(SCOPE_LEVEL, code, label) for code, label in levels.items() if code in present]
    parents = []
    for status in result.units:
        code = status.unit.parent_code or ""
        if code and code not in [p[1] for p in parents]:
            parent = result.registry.by_code(code)
            parents.append((SCOPE_PARENT, code, parent.name if parent else code))
    return by_level, parents if len(parents) > 1 else []


def _summary_sheet(ws: Worksheet, result: Consolidation, scopes: list[Scope], fmts: Formats,
                   title: str) -> None:
    form, year = result.form, result.period
    ws.write_string(0, 0, title, fmts.title)
    ws.write_string(1, 0, f"{form.title} — {render(form.period.label, year)} — {form.province} "
                    f"(biểu mẫu {form.id}, phiên bản {form.version})", fmts.subtitle)
    ws.write_string(2, 0, used_statement(result), fmts.bold)
    statuses = [u.status for u in result.units]
    line = (f"Đơn vị phải báo cáo: {len(statuses)}; chưa nộp: {statuses.count('missing')}; có lỗi không tính: "
            f"{statuses.count('errors_excluded')}")
    if result.deadline:
        line += (f"; đúng hạn: {statuses.count('on_time')}; trễ hạn: {statuses.count('late')} "
                 f"(hạn {result.deadline.strftime('%d/%m/%Y')})")
    ws.write_string(3, 0, line + ".", fmts.text)
    ws.write_string(4, 0, f"Tổng hợp lúc {result.generated_at.strftime('%d/%m/%Y %H:%M')} từ thư mục "
                    f"{result.folder}. Tỷ lệ % = tổng tử số / tổng mẫu số (không lấy trung bình các tỷ lệ).",
                    fmts.subtitle)
    index = totals_index(result.aggregates.totals)
    row = 6
    for sheet in form.sheets:
        if isinstance(sheet, IndicatorSheet):
            row = write_indicator_block(ws, row, sheet, year, scopes, index, fmts)
    for sheet in form.sheets:
        if isinstance(sheet, ListSheet):
            row = write_list_block(ws, row, sheet, year, scopes, result.aggregates.list_counts, fmts)
    ws.freeze_panes(6, 3)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _status_of(result: Consolidation) -> dict[str, str]:
    return {u.unit.code: SUBMISSION_LABELS[u.status] for u in result.units}


def _units_sheet(ws: FastDataWorksheet, result: Consolidation, fmts: Formats) -> None:
    """Units × indicator cells (one row per unit used), from the aggregation's matrix."""
    agg, form, year = result.aggregates, result.form, result.period
    matrix = agg.matrix
    labels: dict[tuple[str, str], tuple[str, str]] = {}
    for sheet in form.sheets:
        if isinstance(sheet, IndicatorSheet):
            col_labels = {vc.key: render(vc.label, year) for vc in sheet.columns}
            col_labels["note"] = "Ghi chú"
            for line in indicator_layout(sheet, None).lines:
                for key, label in col_labels.items():
                    labels[(line.code, key)] = (label, line.label)
    lead = ["Mã đơn vị", "Tên đơn vị", "Cấp", "Đơn vị cấp trên", "Tệp", "Tình trạng"]
    ws.write_string(0, 0, "Số liệu theo từng đơn vị (các báo cáo được dùng để tổng hợp)", fmts.title)
    h_code, h_col, h_label = 1, 2, 3
    for c, head in enumerate(lead):
        ws.merge_range(h_code, c, h_label, c, head, fmts.header)
    base = len(lead)
    for j, cell in enumerate(matrix.cells):
        col_label, row_label = labels.get((cell.code, cell.column), (cell.column, ""))
        ws.write_string(h_code, base + j, cell.code, fmts.header)
        ws.write_string(h_col, base + j, col_label, fmts.header)
        ws.write_string(h_label, base + j, row_label[:250], fmts.header)
    status = {o.rel: o for o in result.outcomes}
    levels = known_levels()
    textual = np.array([is_textual(cell) for cell in matrix.cells], dtype=bool)
    text_cols, number_cols = np.flatnonzero(textual).tolist(), np.flatnonzero(~textual).tolist()
    r0 = h_label + 1
    units = agg.units
    unit_rows = zip(units.index.tolist(), units["unit_code"].tolist(), units["unit_name"].tolist(),
                    units["level"].tolist(), units["parent_code"].tolist(), strict=True)
    row_xml = _UnitRowXml(ws, fmts, base, number_cols, text_cols)
    for i, (rid, code, name, level, parent) in enumerate(unit_rows):
        outcome = status.get(rid)
        lead_values = [code, name, levels.get(level, level), parent, rid,
                       STATUS_LABELS.get(outcome.status, "") if outcome else ""]
        numbers, texts = matrix.numbers[i], matrix.texts[i]
        if not row_xml.write(r0 + i, lead_values, numbers, texts):
            _unit_row_by_cell(ws, fmts, r0 + i, base, lead_values, numbers, texts, text_cols)
    ws.freeze_panes(r0, 2)
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 32)
    ws.set_column(2, 5, 14)
    ws.set_column(base, base + max(0, len(matrix.cells) - 1), 12)
    ws.set_row(h_label, 90)
    if len(agg.units):
        ws.autofilter(h_label, 0, r0 + len(agg.units) - 1, base + len(matrix.cells) - 1)


class _UnitRowXml:
    """Renders one row of the "Theo đơn vị" sheet as XML (about half the time of a cell per value).

    Lead cells are text or formatted blanks in ``fmts.cell``; filled numbers in ``fmts.decimal``;
    non-empty texts in ``fmts.text`` (as ``_unit_row_by_cell`` writes them).
    """

    def __init__(self, ws: FastDataWorksheet, fmts: Formats, base: int, number_cols: list[int],
                 text_cols: list[int]) -> None:
        self.ws, self.base = ws, base
        self.number_cols, self.text_cols = number_cols, text_cols
        self.width = len(number_cols) + len(text_cols)
        self.letters = column_names(base + self.width)
        self.lead_xf, self.number_xf, self.text_xf = (f._get_xf_index() for f in (fmts.cell, fmts.decimal,
                                                                                     fmts.text))

    def write(self, row: int, lead: list[Any], numbers: np.ndarray, texts: np.ndarray) -> bool:
        """Store the row; False when it must be written cell by cell (lead values not all text)."""
        if not all(type(v) is str or v is None for v in lead):
            return False
        suffix, letters, base = str(row + 1), self.letters, self.base
        ws = self.ws
        parts = [ws.string_cell_xml(letters[c] + suffix, self.lead_xf, v) if v
                 else f'<c r="{letters[c]}{suffix}" s="{self.lead_xf}"/>' for c, v in enumerate(lead)]
        cells = [""] * self.width
        values = numbers.tolist()
        xf = self.number_xf
        for j in self.number_cols:
            v = values[j]
            if v == v and v not in _INFINITE:  # as xlsxwriter writes a number
                cells[j] = f'<c r="{letters[base + j]}{suffix}" s="{xf}"><v>{v:.16G}</v></c>'
        xf = self.text_xf
        for j in self.text_cols:
            text = texts[j]
            if text:
                cells[j] = ws.string_cell_xml(letters[base + j] + suffix, xf, text)
        return ws.write_row_xml(row, base + self.width - 1, "".join(parts) + "".join(cells))


_INFINITE = (float("inf"), float("-inf"))


def _unit_row_by_cell(ws: FastDataWorksheet, fmts: Formats, row: int, base: int, lead: list[Any],
                      numbers: np.ndarray, texts: np.ndarray, text_cols: list[int]) -> None:
    """One row of the "Theo đơn vị" sheet written cell by cell (rows ``_UnitRowXml`` declines)."""
    for c, value in enumerate(lead):
        put(ws, row, c, value, fmts.cell)
    number_cols = np.setdiff1d(np.arange(len(numbers)), text_cols)
    filled = number_cols[np.isfinite(numbers[number_cols])]
    ws.write_numbers(row, (filled + base).tolist(), numbers[filled].tolist(), fmts.decimal)
    for j in text_cols:
        if texts[j]:
            ws.write_string(row, base + j, texts[j][:MAX_TEXT], fmts.text)


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
    widths = [10, 28, 14, 24, 8, *[min(45, (c.width or 16)) for c in sheet.columns], 30, 8]
    dates = {5 + i: fmts.date for i, c in enumerate(sheet.columns) if c.type == "date"}
    table(ws, 1, headers, rows, fmts, widths, dates)


def _status_sheet(ws: Worksheet, result: Consolidation, fmts: Formats) -> None:
    levels = known_levels()
    rows = []
    for u in result.units:
        rows.append([u.unit.code, u.unit.name, levels.get(u.unit.level, u.unit.level), u.unit.parent_code or "",
                     SUBMISSION_LABELS[u.status], u.file, _fmt_time(u.submitted_at), source_label(u.time_source),
                     u.n_errors or None, u.n_warnings or None])
    headers = ["Mã đơn vị", "Tên đơn vị", "Cấp", "Đơn vị cấp trên", "Tình trạng", "Tệp", "Thời điểm nộp",
               "Thời điểm nộp lấy từ", "Số lỗi", "Số cảnh báo"]
    table(ws, 0, headers, rows, fmts, [10, 34, 22, 12, 26, 40, 16, 24, 8, 10])


def _missing_sheet(ws: Worksheet, result: Consolidation, fmts: Formats) -> None:
    levels = known_levels()
    rows = [[u.unit.code, u.unit.name, levels.get(u.unit.level, u.unit.level), u.unit.parent_code or ""]
            for u in result.units if u.status == "missing"]
    headers = ["Mã đơn vị", "Tên đơn vị", "Cấp", "Đơn vị cấp trên"]
    nxt = table(ws, 0, headers, rows, fmts, [10, 40, 30, 14])
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
    table(ws, 0, headers, rows, fmts, [36, 10, 26, 14, 7, 9, 70, 45, 16, 24], restyled=True)
    for i, f in enumerate(result.report.findings, 1):
        put(ws, i, 5, SEVERITY.get(f.severity, f.severity), fmts.error if f.severity == "error" else fmts.warning)


def _unusable_sheet(ws: Worksheet, result: Consolidation, fmts: Formats) -> None:
    rows = [[o.rel, reason_label(o.reason), o.message, o.unit_code, STATUS_LABELS.get(o.status, o.status)]
            for o in result.outcomes if o.status not in IN_TOTALS]
    headers = ["Tệp", "Lý do", "Chi tiết", "Mã đơn vị", "Tình trạng"]
    table(ws, 0, headers, rows, fmts, [44, 30, 80, 10, 26])


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
    table(ws, 0, headers, rows, fmts, [44, 24, 10, 10, 28, 30, 8, 10, 16, 24, 10, 14, 60])


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
        by_level, parents = _scopes(result)
        _summary_sheet(new_sheet(SUMMARY_SHEET), result, by_level, fmts,
                       f"TỔNG HỢP SỐ LIỆU TOÀN TỈNH {result.form.province.upper()}")
        if parents:
            _summary_sheet(new_sheet(PARENT_SHEET), result, parents, fmts,
                           "TỔNG HỢP THEO ĐƠN VỊ CẤP TRÊN")
        _units_sheet(new_sheet(UNITS_SHEET), result, fmts)
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
        write_charts(wb, new_sheet(CHARTS_SHEET), result, fmts)
        wb.worksheets()[0].activate()
        with _quick_compression():
            wb.close()
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
