"""The .docx itself (python-docx): title block, outline sections, submission lists, totals, reminder.

Layout after Nghị định 30/2020/NĐ-CP (A4, Times New Roman 13, margins 20/20/30/15 mm): the issuing
body and number at the left, Quốc hiệu and tiêu ngữ at the right, place and date below them.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table

from consolidate.aggregate import SCOPE_ALL
from consolidate.report_docx.outline import ROUND_FIELDS, Outline, figure_text, render_sentence
from consolidate.report_docx.source import RoundResults
from consolidate.summary_sheet import column_label, out_lines, row_measure
from workbooks.catalog.model import IndicatorSheet
from workbooks.messages import text
from workbooks.registry import known_levels

FONT = "Times New Roman"
BODY_PT = 13
TABLE_PT = 11


def _styled(doc: Any) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY_PT)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.first_line_indent = Mm(10)


def _para(container: Any, content: str = "", *, bold: bool = False, italic: bool = False, size: float | None = None,
          align: Any = None, indent: bool = True, underline: bool = False) -> Any:
    p = container.add_paragraph()
    if not indent:
        p.paragraph_format.first_line_indent = Mm(0)
    if align is not None:
        p.alignment = align
    run = p.add_run(content)
    run.bold, run.italic, run.underline = bold, italic, underline
    if size:
        run.font.size = Pt(size)
    return p


def _cell_text(cell: Any, content: str, *, bold: bool = False, italic: bool = False, size: float = TABLE_PT,
               align: Any = None) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.first_line_indent = Mm(0)
    p.paragraph_format.space_after = Pt(0)
    if align is not None:
        p.alignment = align
    run = p.add_run(content)
    run.bold, run.italic = bold, italic
    run.font.size = Pt(size)


def _title_block(doc: Any, outline: Outline, number: str, symbol: str, issued: date) -> None:
    tb = outline.title_block
    table = doc.add_table(rows=3, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    center = WD_ALIGN_PARAGRAPH.CENTER
    left, right = table.columns[0].cells, table.columns[1].cells
    _cell_text(left[0], tb.get("superior", ""), size=12, align=center)
    _cell_text(left[1], tb.get("agency", ""), bold=True, size=12, align=center)
    _cell_text(left[2], text("doc.number", number=number or "…", symbol=symbol), size=12, align=center)
    _cell_text(right[0], text("doc.nation"), bold=True, size=12, align=center)
    _cell_text(right[1], text("doc.motto"), bold=True, size=13, align=center)
    right[1].paragraphs[0].runs[0].underline = True
    _cell_text(right[2], text("doc.place_date", place=tb.get("place", ""), day=f"{issued.day:02d}",
                              month=f"{issued.month:02d}", year=str(issued.year)), italic=True, size=13, align=center)
    _widths(table, [62, 103])


def _grid(doc: Any, headers: list[str], rows: list[list[str]], widths: list[float]) -> Table:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, head in zip(table.rows[0].cells, headers, strict=True):
        _cell_text(cell, head, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            _cell_text(cell, value)
    _widths(table, widths)
    return table


def _widths(table: Table, widths: list[float]) -> None:
    """Fix the column widths (the grid, read by LibreOffice, and every cell, read by Word)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)


def round_fields(results: RoundResults) -> dict[str, Any]:
    """The round's own figures a sentence may name (from the tidy ``units`` table, no recount of returns).

    Args:
        results: the run.

    Returns:
        year, prev_year, expected, submitted, used, missing, late, with_errors, province.
    """
    status = results.units["status"]
    missing = int((status == "missing").sum())
    fields = {"year": str(results.period), "prev_year": str(results.period - 1), "expected": len(status),
              "submitted": len(status) - missing, "used": int(status.isin(["on_time", "late", "submitted"]).sum()),
              "missing": missing, "late": int((status == "late").sum()), "with_errors": len(results.with_errors()),
              "province": results.form.province}
    assert set(fields) == set(ROUND_FIELDS)
    return fields


def _unit_rows(frame: Any, with_errors: bool = False) -> list[list[str]]:
    levels = known_levels()
    rows = []
    for i, (name, level, n_errors) in enumerate(zip(frame["unit_name"], frame["level"], frame["n_errors"],
                                                    strict=True), 1):
        row = [str(i), str(name), levels.get(level, str(level))]
        if with_errors:
            row.append(figure_text("sum", n_errors))
        rows.append(row)
    return rows


def _unit_list(doc: Any, title: str, frame: Any, with_errors: bool = False) -> None:
    _para(doc, title, bold=True, indent=False)
    if frame.empty:
        _para(doc, text("doc.list_none"), italic=True)
        return
    headers = [text("doc.col_stt"), text("doc.col_unit"), text("doc.col_level")]
    widths = [12, 100, 53]
    if with_errors:
        headers.append(text("doc.col_errors"))
        widths = [12, 90, 45, 18]
    _grid(doc, headers, _unit_rows(frame, with_errors), widths)


def _submission(doc: Any, results: RoundResults, fields: dict[str, Any]) -> None:
    _para(doc, text("doc.submission_heading"), bold=True, indent=False)
    _para(doc, text("doc.submission_sentence", **fields))
    if results.deadline:
        on_time = int((results.units["status"] == "on_time").sum())
        _para(doc, text("doc.late_sentence", deadline=results.deadline, on_time=on_time, late=fields["late"]))
    _unit_list(doc, text("doc.list_missing", n=fields["missing"]), results.with_status("missing"))
    _unit_list(doc, text("doc.list_late", n=fields["late"]), results.with_status("late"))
    errors = results.with_errors()
    _unit_list(doc, text("doc.list_errors", n=len(errors)), errors, with_errors=True)


def totals_rows(results: RoundResults, sheet: IndicatorSheet) -> list[list[str]]:
    """The appendix rows with the province totals as the report prints them (headings: no values).

    Args:
        results: the run.
        sheet: an indicator sheet of the form.

    Returns:
        [STT, label, unit, value per value column] per printed row of "Tổng hợp".
    """
    index = results.index()
    rows = []
    for line in out_lines(sheet):
        if line.role == "heading":
            rows.append([line.stt, line.label, ""] + [""] * len(sheet.columns))
            continue
        values = []
        for vc in sheet.columns:
            applies = not line.columns or vc.key in line.columns
            measure = row_measure(line, vc)
            value = index.get((SCOPE_ALL, "", line.code, vc.key, measure)) if applies else None
            values.append("" if value is None else figure_text(measure, value))
        rows.append([line.stt, line.label, line.unit, *values])
    return rows


def _totals(doc: Any, results: RoundResults) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _para(doc, text("doc.totals_heading"), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    for sheet in results.form.sheets:
        if not isinstance(sheet, IndicatorSheet):
            continue
        _para(doc, text("doc.totals_note", sheet=sheet.name), italic=True, size=11)
        headers = [text("doc.col_stt"), text("doc.col_indicator"), text("doc.col_unit_of_measure")]
        headers += [column_label(vc, results.period) for vc in sheet.columns]
        rest = max(1, len(sheet.columns))
        widths = [13, 78, 24] + [50 / rest] * len(sheet.columns)
        table = _grid(doc, headers, totals_rows(results, sheet), widths)
        tr_pr = table.rows[0]._tr.get_or_add_trPr()
        tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))  # header repeated per page
        for row, line in zip(table.rows[1:], out_lines(sheet), strict=True):
            for cell in row.cells[3:]:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if line.role == "heading" or (line.stt and line.role == "value"):
                for run in (r for cell in row.cells[:2] for r in cell.paragraphs[0].runs):
                    run.bold = True


def _signature(doc: Any, recipients: list[str]) -> None:
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    _cell_text(left, text("doc.recipients"), bold=True, italic=True, size=12)
    for name in recipients:
        p = left.add_paragraph()
        p.paragraph_format.first_line_indent = Mm(0)
        p.paragraph_format.space_after = Pt(0)
        run = p.add_run(f"- {name};")
        run.font.size = Pt(11)
    p = left.add_paragraph()
    p.paragraph_format.first_line_indent = Mm(0)
    p.add_run(f"- {text('doc.recipient_archive')}").font.size = Pt(11)
    _cell_text(right, text("doc.signer"), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)


def _report(doc: Any, results: RoundResults, outline: Outline, number: str, issued: date) -> None:
    fields = round_fields(results)
    tb = outline.title_block
    _title_block(doc, outline, number, tb.get("symbol", ""), issued)
    _para(doc, outline.report_title, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, render_sentence_text(outline.report_subtitle, fields), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
          indent=False)
    _para(doc, text("doc.draft", time=results.finished_at.strftime("%d/%m/%Y %H:%M")), italic=True, size=11,
          align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, text("doc.intro", year=str(results.period), agency_lower=tb.get("agency_name", "")))
    value_of = results.province
    for section in outline.sections:
        align = WD_ALIGN_PARAGRAPH.CENTER if section.level == 1 else None
        _para(doc, section.heading, bold=True, italic=section.level == 3, align=align, indent=section.level > 1)
        for sentence in section.sentences:
            _para(doc, render_sentence(sentence, value_of, fields))
        if section.placeholder:
            _para(doc, text("doc.placeholder"), italic=True)
    _submission(doc, results, fields)
    _signature(doc, list(outline.recipients))
    _totals(doc, results)


def render_sentence_text(template: str, fields: dict[str, Any]) -> str:
    """Fill a template that names only the round's fields (title lines)."""
    from workbooks.messages import fill

    return fill(template, fields)


def _reminder(doc: Any, results: RoundResults, outline: Outline, issued: date, reply_by: date | None) -> None:
    missing = results.with_status("missing")
    if missing.empty:
        return
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    tb = outline.title_block
    _title_block(doc, outline, "", tb.get("letter_symbol", tb.get("symbol", "")), issued)
    _para(doc, text("doc.letter_subject", year=str(results.period)), size=12, indent=False)
    agency_lower = tb.get("agency_name", "")
    _para(doc, text("doc.letter_to"), bold=False, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    for name in missing["unit_name"]:
        _para(doc, f"- {name};", indent=True)
    _para(doc, text("doc.letter_body", year=str(results.period), today=issued, agency_lower=agency_lower,
                    n=len(missing)))
    _para(doc, text("doc.letter_request", agency_lower=agency_lower, reply_by=reply_by or text("doc.unknown")))
    _para(doc, text("doc.letter_close"))
    _signature(doc, [text("doc.letter_recipient_units")])


def write_report(results: RoundResults, outline: Outline, path: str | Path, *, number: str = "",
                 issued: date | None = None, reply_by: date | None = None) -> Path:
    """Write the report draft (and the reminder letter when some units have not submitted).

    Args:
        results: the run (``load_round``).
        outline: the form's outline (``load_outline``).
        path: the .docx to write (written to a temporary name, then renamed).
        number: the document number ("" leaves dots to fill in).
        issued: the date printed (today when None).
        reply_by: the new deadline in the reminder ("…" when None).

    Returns:
        The path written.
    """
    issued = issued or date.today()
    doc = Document()
    _styled(doc)
    _report(doc, results, outline, number, issued)
    _reminder(doc, results, outline, issued, reply_by)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.cchc-tmp")
    try:
        doc.save(str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
