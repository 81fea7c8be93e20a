"""The sheet "Kết quả kiểm tra": summary, one row per finding, and the list of marked cells.

Layout (values only, written in one block from A1)::

    A1  KẾT QUẢ KIỂM TRA BÁO CÁO CCHC
    A2  Thời điểm kiểm tra | lúc 08:30 ngày 15/10/2024
    A3  Số lỗi             | 3
    A4  Số cảnh báo        | 2
    A5  Kết luận           | Còn 3 lỗi cần sửa trước khi gửi
    A6  Biểu mẫu           | sonla-2024 — đơn vị SNV Sở Nội vụ
    A8  STT | Sheet | Ô | Mức độ | Nội dung | Hướng dẫn sửa | Mã quy tắc | Ô đã tô màu
    A9… one row per finding; column C links to the cell.

The last column is how the add-in remembers what it coloured (``D14; E14``, or
``'Phụ lục I'!E20`` for a cell of another sheet): the next check or "Xóa đánh dấu" paints
exactly those cells back. It lives in this visible sheet because no Office.js client can hide
a sheet or keep a non-range defined name (see ``addin/docs``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from addin.marks import CellRef, parse_refs, quote

RESULT_SHEET = "Kết quả kiểm tra"
TITLE = "KẾT QUẢ KIỂM TRA BÁO CÁO CCHC"
HEADER = ["STT", "Sheet", "Ô", "Mức độ", "Nội dung", "Hướng dẫn sửa", "Mã quy tắc", "Ô đã tô màu"]
MARKS_HEADER = HEADER[-1]
HEADER_ROW = 8  # 1-based row of HEADER
SEVERITY_LABEL = {"error": "Lỗi", "warning": "Cảnh báo"}
_FORMULA_START = ("=", "+", "-", "@")


def verdict(n_errors: int, n_warnings: int) -> str:
    """The one-line conclusion shown in the alert and in the summary."""
    text = f"Còn {n_errors} lỗi cần sửa trước khi gửi" if n_errors else "Không phát hiện lỗi"
    if n_warnings:
        text += f" ({n_warnings} cảnh báo nên xem lại)"
    return text


def checked_at(now: datetime) -> str:
    """``lúc 08:30 ngày 15/10/2024`` — text, so no client turns it into a date cell."""
    return f"lúc {now:%H:%M} ngày {now:%d/%m/%Y}"


def safe_text(value: Any) -> Any:
    """Text that Excel must not read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def table(findings: Sequence[Any], marked: Sequence[Sequence[CellRef]], n_errors: int, n_warnings: int,
          now: datetime, identity: str) -> list[list[Any]]:
    """The whole sheet as a rectangular block of values from A1.

    Args:
        findings: the report's findings (``rule_id, severity, sheet, cell, message, fix``).
        marked: for each finding, the cells this check coloured for it.
        n_errors: number of errors.
        n_warnings: number of warnings.
        now: the time of the check.
        identity: form and unit, one line.

    Returns:
        Rows of ``len(HEADER)`` values.
    """
    width = len(HEADER)
    head = [
        [TITLE],
        ["Thời điểm kiểm tra", checked_at(now)],
        ["Số lỗi", n_errors],
        ["Số cảnh báo", n_warnings],
        ["Kết luận", verdict(n_errors, n_warnings)],
        ["Biểu mẫu", identity],
        [],
        HEADER,
    ]
    rows = [row + [""] * (width - len(row)) for row in head]
    for i, (finding, cells) in enumerate(zip(findings, marked, strict=True), 1):
        rows.append([i, finding.sheet, finding.cell, SEVERITY_LABEL.get(finding.severity, finding.severity),
                     safe_text(finding.message), safe_text(finding.fix), finding.rule_id,
                     "; ".join(ref.text(finding.sheet) for ref in cells)])
    return rows


def link(sheet: str, cell: str) -> str:
    """In-document hyperlink address of a cell (``#'Phụ lục II'!D14``)."""
    return f"#{quote(sheet)}!{cell}"


def write(sheet: Any, rows: list[list[Any]], findings: Sequence[Any], existing: set[str]) -> None:
    """Write the block, bold the title and header, link each finding to its cell.

    Args:
        sheet: the (cleared or new) results sheet.
        rows: from :func:`table`.
        findings: the findings, in the order of the rows.
        existing: sheet names of the workbook (no link to a sheet that is not there).
    """
    sheet["A1"].value = rows
    sheet["A1"].font.bold = True
    sheet.range((HEADER_ROW, 1), (HEADER_ROW, len(HEADER))).font.bold = True
    for i, finding in enumerate(findings):
        if finding.cell and finding.sheet in existing:
            target = sheet.range((HEADER_ROW + 1 + i, 3))
            target.add_hyperlink(link(finding.sheet, finding.cell), finding.cell,
                                 f"Đi tới ô {finding.cell} của sheet {finding.sheet}")


def previous_marks(rows: Iterable[Sequence[Any]]) -> set[CellRef]:
    """Cells the last check coloured, read back from the results sheet's values."""
    marks: set[CellRef] = set()
    sheet_col = marks_col = None
    for row in rows:
        if marks_col is None:
            cells = [str(v).strip() if v is not None else "" for v in row]
            if MARKS_HEADER in cells and "Sheet" in cells:
                marks_col, sheet_col = cells.index(MARKS_HEADER), cells.index("Sheet")
            continue
        if marks_col < len(row) and sheet_col < len(row):
            home = str(row[sheet_col] or "")
            marks.update(parse_refs(row[marks_col], home))
    return marks
