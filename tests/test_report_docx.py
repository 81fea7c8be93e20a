"""``cchc report``: the Word draft of the Sở's report, judged against tong_hop.xlsx.

A simulated round is consolidated and reported by the commands a user runs; the .docx is
reopened with python-docx and its figures compared with what openpyxl reads from the workbook;
LibreOffice converts it to PDF and pdftotext reads it back.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import docx
import openpyxl
import pytest
from conftest import run_cchc
from test_print import consolidated_round

from consolidate.output import MISSING_SHEET
from consolidate.summary_page import SUMMARY_SHEET
from workbooks.messages import text, vi_number

REPLY_BY = "15/02/2025"


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A round of 40 units, consolidated, then reported: (tong_hop.xlsx, bao_cao.docx)."""
    folder = tmp_path_factory.mktemp("report")
    out, _truth = consolidated_round(folder, 40, 41)
    target = folder / "bao_cao.docx"
    done = run_cchc("report", out, "--out", target, "--number", "123", "--date", "05/02/2025",
                    "--reply-by", REPLY_BY)
    assert done.code == 0, done.text
    assert done.out.strip() == text("report.written", path=target)
    return out, target


def body_blocks(document) -> list:
    """Paragraphs and tables of the document body, in order."""
    blocks = []
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            blocks.append(docx.text.paragraph.Paragraph(child, document))
        elif child.tag.endswith("}tbl"):
            blocks.append(docx.table.Table(child, document))
    return blocks


def table_after(document, heading_start: str):
    """The first table after the paragraph that starts with ``heading_start`` (None when a paragraph says none)."""
    blocks = body_blocks(document)
    at = next(i for i, b in enumerate(blocks) if isinstance(b, docx.text.paragraph.Paragraph)
              and b.text.startswith(heading_start))
    following = blocks[at + 1]
    return following if isinstance(following, docx.table.Table) else None


def vi_float(value: str) -> float | None:
    """"1.054" → 1054.0, "99,87" → 99.87, "" → None."""
    return float(value.replace(".", "").replace(",", ".")) if value else None


def test_province_totals_equal_the_workbook(reported) -> None:
    """Every row of the report's totals table: label as on "Tổng hợp", each year's province figure equal."""
    out, target = reported
    document = docx.Document(str(target))
    totals = next(t for t in document.tables if [c.text for c in t.rows[0].cells][:3] == ["STT", "Chỉ tiêu",
                                                                                          "Đơn vị tính"])
    heads = [c.text for c in totals.rows[0].cells]
    assert heads[3:] == ["Năm 2023", "Năm 2024"]
    ws = openpyxl.load_workbook(out)[SUMMARY_SHEET]
    year_cols = {ws.cell(8, c).value: c for c in range(4, ws.max_column + 1) if ws.cell(8, c).value}
    compared = 0
    for i, row in enumerate(totals.rows[1:]):
        r = 10 + i
        cells = [c.text for c in row.cells]
        assert cells[1] == ws.cell(r, 2).value, r
        for head, value in zip(heads[3:], cells[3:], strict=True):
            sheet_value = ws.cell(r, year_cols[head]).value
            if sheet_value is None:
                assert value == "", (r, head)
                continue
            assert vi_float(value) == pytest.approx(round(sheet_value, 2), abs=1e-9), (r, head, value, sheet_value)
            compared += 1
    assert compared > 150
    last = 10 + len(totals.rows) - 2  # every row of the appendix block, none after it
    assert ws.cell(last, 2).value and not ws.cell(last + 1, 2).value


def test_sentences_carry_the_figures_in_vietnamese_format(reported) -> None:
    """Key sentences of the outline carry the 2024 province totals of "Tổng hợp", written the Vietnamese way:
    1.054 (dot groups thousands), 92,57 (comma before decimals)."""
    out, target = reported
    ws = openpyxl.load_workbook(out)[SUMMARY_SHEET]
    col = next(c for c in range(4, ws.max_column + 1) if ws.cell(8, c).value == "Năm 2024")
    rows = {ws.cell(r, 2).value: r for r in range(ws.max_row, 9, -1)}  # first occurrence wins
    planned = ws.cell(rows["Số nhiệm vụ đề ra trong kế hoạch"], col).value
    sent = ws.cell(rows["Tổng số văn bản đi"], col).value
    on_time = ws.cell(rows["Tỷ lệ hồ sơ TTHC đã tiếp nhận được giải quyết đúng hạn"], col).value
    assert sent >= 1000 and not float(on_time).is_integer()
    paragraphs = [p.text for p in docx.Document(str(target)).paragraphs]
    expected = (f"Năm 2024, các cơ quan, đơn vị đề ra {vi_number(planned)} nhiệm vụ trong kế hoạch cải cách hành "
                "chính")
    assert [p for p in paragraphs if p.startswith(expected)]
    assert [p for p in paragraphs if f"Tổng số văn bản đi {vi_number(sent)};" in p]
    assert [p for p in paragraphs if f"giải quyết đúng hạn đạt {vi_number(round(on_time, 2))} %" in p]
    assert "." in vi_number(sent) and "," in vi_number(round(on_time, 2))


def test_not_submitted_units_equal_the_missing_sheet_and_get_the_reminder(reported) -> None:
    """The report's list of units not submitted equals "Chưa nộp"; the reminder letter is sent to exactly them."""
    out, target = reported
    missing = [r[1] for r in openpyxl.load_workbook(out)[MISSING_SHEET].iter_rows(min_row=2, values_only=True)
               if r[0] and r[1]]
    assert missing
    document = docx.Document(str(target))
    table = table_after(document, "Danh sách cơ quan, đơn vị chưa gửi báo cáo")
    assert [row.cells[1].text for row in table.rows[1:]] == missing
    paragraphs = [p.text for p in document.paragraphs]
    at = paragraphs.index(text("doc.letter_to"))
    addressed = [p[2:-1] for p in paragraphs[at + 1:at + 1 + len(missing)]]
    assert addressed == missing
    assert paragraphs[at + 1 + len(missing)].startswith("Thực hiện kế hoạch kiểm tra")
    assert [p for p in paragraphs if f"trước ngày {REPLY_BY}" in p]
    assert [p for p in paragraphs if p == "Số: 123/BC-SNV"] or any(
        c.text == "Số: 123/BC-SNV" for t in document.tables for row in t.rows for c in row.cells)


def test_libreoffice_prints_the_report(reported, soffice, tmp_path: Path) -> None:
    """LibreOffice converts the .docx to PDF without error; the title block and the letter are in the text."""
    _, target = reported
    pdf = soffice(target, "pdf", tmp_path)
    content = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in content and "Độc lập - Tự do - Hạnh phúc" in content
    assert "V/v đôn đốc gửi báo cáo" in content and "PHỤ LỤC: SỐ LIỆU TỔNG HỢP TOÀN TỈNH" in content


def test_report_needs_the_consolidations_results(reported, tmp_path: Path) -> None:
    """Without its store, or without its tidy data, the report says what is missing (exit 2); no file written."""
    out, _ = reported
    alone = tmp_path / "tong_hop.xlsx"
    alone.write_bytes(out.read_bytes())
    done = run_cchc("report", alone, "--out", tmp_path / "a.docx")
    assert done.code == 2 and not (tmp_path / "a.docx").exists()
    assert text("report.no_store", path=tmp_path / "tong_hop.sqlite", workbook=alone) in done.err.replace("\n", "")
    done = run_cchc("report", tmp_path / "khong_co.xlsx", "--out", tmp_path / "b.docx")
    assert done.code == 2 and "Không tìm thấy tệp tổng hợp" in done.err


def test_outline_naming_an_unknown_figure_is_refused(tmp_path: Path) -> None:
    """An outline sentence naming a code the form has not: refused, saying which section, sentence and code."""
    from dataclasses import replace

    from consolidate.report_docx import OutlineError, load_outline
    from workbooks.catalog.loader import get_form

    form = get_form("sonla-2024")
    shipped = Path(form.path).with_name("sonla-2024.report.yaml").read_text(encoding="utf-8")
    (tmp_path / "sonla-2024.report.yaml").write_text(shipped.replace('"I.1.c"', '"I.9.z"'), encoding="utf-8")
    with pytest.raises(OutlineError) as caught:
        load_outline(replace(form, path=str(tmp_path / "sonla-2024.yaml")))
    message = str(caught.value)
    assert "I.9.z" in message and "mục 8, câu 1" in message and "sonla-2024.report.yaml" in message
    assert load_outline(form).sections[7].sentences[0].figures["vb_chi_dao"].code == "I.1.c"
