"""The add-in's core: check the workbook open in Excel and show the result in it.

``check_book`` works on any ``xlwings.Book`` — desktop Excel (the .xlam ribbon add-in),
``xw.Book(json=payload)`` on the province server (Office.js task pane), or xlwings Lite. It
is a thin front-end: the reader (``workbooks.reader``) turns the workbook into tidy values,
the validators (``validators``) find the problems; nothing here knows a rule.

It never writes a value into the unit's sheets. It only (1) paints back the cells it coloured
last time, (2) colours the cells of the findings (errors red, warnings yellow), (3) rewrites
its own sheet "Kết quả kiểm tra", (4) activates that sheet when there are errors and
(5) shows a short alert. Only actions the Office.js clients implement are used:
``setRangeColor`` with a real colour (never None), ``addSheet``, ``sheetClear``/
``sheetDelete``, ``setValues``, ``setFontProperty`` (bold), ``addHyperlink``,
``activateSheet`` and ``alert`` — no notes, no autofit, no column widths, no hidden sheets.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from addin import results
from addin.marks import COMPUTED_FILL, INPUT_FILL, SEVERITY_FILL, CellRef, paint, parse_ref
from validators import Report, validate_return
from workbooks.messages import text
from workbooks.reader.book import grid_from_book
from workbooks.reader.grid import Grid
from workbooks.reader.model import Return, ReturnRejected
from workbooks.reader.read import read_grid

ALERT_TITLE = "Kiểm tra báo cáo CCHC"


def _read(book: Any, max_marks: int | None = None) -> tuple[Grid, set[CellRef], str]:
    """The workbook as a grid (without our results sheet), the cells we coloured last time (at
    most ``max_marks``: the sheet is in the unit's hands) and the note to add when it had more."""
    grid = grid_from_book(book)
    ours = grid.sheets.pop(results.RESULT_SHEET, None)
    before = results.previous_marks(ours or [])
    if max_marks is None or len(before) <= max_marks:
        return grid, before, ""
    return grid, set(sorted(before)[:max_marks]), text("server.marks_capped", total=len(before), shown=max_marks)


def _value_cells(ret: Return) -> dict[CellRef, str]:
    """Every value cell of the return → the fill it has in a fresh workbook."""
    frame = ret.values[ret.values["cell"] != ""]
    return {CellRef(sheet, cell): COMPUTED_FILL if kind == "rate" else INPUT_FILL
            for sheet, cell, kind in zip(frame["sheet"], frame["cell"], frame["kind"], strict=True)}


def _finding_cells(finding: Any, known: dict[CellRef, str]) -> list[CellRef]:
    """The value cells a finding points at (its ``cells``, else its anchor cell)."""
    texts = list(finding.cells) or ([finding.cell] if finding.cell else [])
    refs = [parse_ref(t, finding.sheet) for t in texts]
    return list(dict.fromkeys(r for r in refs if r is not None and r in known))


def _results_sheet(book: Any) -> tuple[Any, bool]:
    """The results sheet, cleared (True when it had to be added)."""
    for sheet in book.sheets:
        if sheet.name == results.RESULT_SHEET:
            sheet.clear()
            return sheet, False
    return book.sheets.add(results.RESULT_SHEET, after=book.sheets[len(book.sheets) - 1]), True


def _alert(book: Any, text: str, critical: bool) -> None:
    book.app.alert(text, title=ALERT_TITLE, buttons="ok", mode="critical" if critical else "info")


def _identity(ret: Return) -> str:
    unit = " ".join(p for p in (ret.unit_code, ret.unit_name) if p) or "chưa rõ đơn vị"
    return f"{ret.form.id} — đơn vị {unit}"


def check_book(book: Any, now: datetime | None = None, max_rows: int | None = None,
               max_marks: int | None = None) -> Report:
    """Check the workbook, mark the cells, write "Kết quả kiểm tra", alert.

    Args:
        book: an ``xlwings.Book`` (any engine).
        now: the time written as "Thời điểm kiểm tra" (now when None).
        max_rows: list and colour at most this many findings (all when None); the alert says so.
        max_marks: paint back at most this many cells of the last check (all when None).

    Returns:
        The validators' report (the same findings ``cchc check`` gives for the same file).

    Raises:
        ReturnRejected: the workbook is none of the catalog's forms; the alert explaining it
            has already been queued/shown, nothing else was changed.
    """
    grid, before, notes = _read(book, max_marks)
    original = book.sheets.active
    try:
        ret = read_grid(grid, return_id=book.name)
    except ReturnRejected as exc:
        _alert(book, f"Không kiểm tra được tệp này. {exc.message}", critical=True)
        raise
    report = validate_return(ret)  # the very call ``cchc check`` makes
    known = _value_cells(ret)
    listed = report.findings if max_rows is None else report.findings[:max_rows]
    if len(listed) < len(report.findings):
        notes = f"{notes} {text('server.rows_capped', total=len(report.findings), shown=len(listed))}".strip()
    marked = [_finding_cells(f, known) for f in listed]
    fills: dict[CellRef, str] = {}
    for finding, cells in zip(listed, marked, strict=True):
        for ref in cells:
            if fills.get(ref) != SEVERITY_FILL["error"]:
                fills[ref] = SEVERITY_FILL.get(finding.severity, SEVERITY_FILL["warning"])
    restore = {ref: known.get(ref, INPUT_FILL) for ref in before if ref not in fills}
    paint(book, restore)
    paint(book, fills)
    existing = {s.name for s in book.sheets}
    sheet, added = _results_sheet(book)
    rows = results.table(listed, marked, report.n_errors, report.n_warnings,
                         now or datetime.now(), _identity(ret))
    results.write(sheet, rows, listed, existing)
    if report.n_errors:
        sheet.activate()
    elif added:
        original.activate()
    verdict = results.verdict(report.n_errors, report.n_warnings)
    _alert(book, f"{verdict}. {notes}" if notes else verdict, critical=bool(report.n_errors))
    return report


def clear_marks(book: Any, max_marks: int | None = None) -> int:
    """Paint back every cell the last check coloured and remove "Kết quả kiểm tra".

    Args:
        book: an ``xlwings.Book`` (any engine).
        max_marks: paint back at most this many cells (all when None); the alert says so.

    Returns:
        The number of cells painted back.
    """
    grid, before, notes = _read(book, max_marks)
    try:
        known = _value_cells(read_grid(grid, return_id=book.name))
    except ReturnRejected:
        known = {}
    paint(book, {ref: known.get(ref, INPUT_FILL) for ref in before})
    for sheet in book.sheets:
        if sheet.name == results.RESULT_SHEET:
            if book.sheets.active.name == results.RESULT_SHEET:
                book.sheets[0].activate()
            sheet.delete()
            break
    done = f"Đã xóa đánh dấu {len(before)} ô." if before else "Không có ô nào đang được đánh dấu."
    _alert(book, f"{done} {notes}".strip(), critical=False)
    return len(before)

