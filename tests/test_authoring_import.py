"""``cchc form import``: appendices as a Sở holds them, typed from the seed text into Word
(python-docx) and Excel (openpyxl: merged title and header cells, bold headings), imported and
compared with the shipped forms (>= 95 % of value rows with the same kind and parts; every
difference printed, and each one either fixed or marked "Cần xem lại" by the importer)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.shared import Pt
from openpyxl.styles import Alignment, Font

from tests.conftest import run_cchc
from workbooks.authoring import read_definition
from workbooks.authoring.importer import import_appendix
from workbooks.catalog import load_catalog, load_form
from workbooks.catalog.model import Form, Indicator, IndicatorSheet, ListSheet

SEED_NINHTHUAN = "002_fff703ffbe76582a.txt"
SEED_SONLA_2024 = "003_83904f557bb4d90c.txt"
SEED_BACGIANG = "004_7725ba22c9ebc874.txt"


def typed(value: str) -> str:
    """A cell as a person types it from the printed text: no markup, single spaces."""
    value = re.sub(r"</?[a-z]+>", "", value).replace("**", "")
    value = re.sub(r"(?<!\\)\*(?=\S)(.+?)(?<=\S)\*", r"\1", value).replace("\\*", "*")  # *italic*
    return " ".join(value.split())


def norm(value: str) -> str:
    """A label for comparison: typed, no trailing colon or dot."""
    return typed(value).rstrip(":. ")


def seed_table(seeds: Path, name: str, start: str, stop: str | None = None) -> list[tuple[list[str], bool]]:
    """The tab-separated rows of a printed table from the line ``start`` on, as (cells, bold).

    A page break repeats the header (dropped); a line right after it with no STT and no unit
    continues the label cut by the break (joined), as the table is one table in the Sở's file.
    """
    lines = (seeds / name).read_text(encoding="utf-8").splitlines()
    i = next(n for n, line in enumerate(lines) if line.strip().startswith(start))
    rows: list[tuple[list[str], bool]] = []
    after_header, header_seen = False, 0
    for line in lines[i + 1:]:
        if stop and line.startswith(stop):
            break
        if "\t" not in line:
            continue
        cells = [typed(c) for c in line.split("\t")]
        bold = "<b>" in line
        if cells[0] == "STT" or (not cells[0] and not cells[1]):
            header_seen += 1
            if header_seen <= 2:
                rows.append((cells, True))
            after_header = True
            continue
        if after_header and not cells[0] and len(cells) > 2 and not cells[2] and rows and header_seen > 2:
            rows[-1][0][1] += " " + cells[1]
        else:
            rows.append((cells, bold))
        after_header = False
    return rows


def sonla_docx(seeds: Path, out: Path) -> Path:
    """Seed 003's Phụ lục I and Phụ lục II as two Word tables (merged header cells, bold headings)."""
    document = docx.Document()
    plan = [("Phụ lục I", "DANH MỤC CÁC NHIỆM VỤ ĐÃ HOÀN THÀNH TRONG KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2024",
             "**Phụ lục I**", "**Phụ lục II"),
            ("Phụ lục II", "THỐNG KÊ SỐ LIỆU VỀ KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH",
             "**Phụ lục II", None)]
    for caption, title, start, stop in plan:
        for text_, bold in ((caption, True), (title, True), ("(Kèm theo Báo cáo số .../BC-... ngày ../.../2024)", False)):
            run = document.add_paragraph().add_run(text_)
            run.bold = bold
        rows = seed_table(seeds, SEED_SONLA_2024, start, stop)
        two_headers = rows[1][0][0] == ""
        width = max(len(c) for c, _ in rows)
        table = document.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for r, (cells, bold) in enumerate(rows):
            for c in range(width):
                value = cells[c] if c < len(cells) else ""
                if two_headers and r == 1 and not value:
                    continue
                cell = table.cell(r, c)
                run = cell.paragraphs[0].add_run(value)
                run.bold = bold
                run.font.size = Pt(11)
        if two_headers:  # STT, label and notes span both header rows; "Kết quả thống kê" spans three
            for c in (0, 1, width - 1):
                top = table.cell(0, c)
                text_ = top.text
                merged = top.merge(table.cell(1, c))
                for p in merged.paragraphs[1:]:
                    p._element.getparent().remove(p._element)
                merged.paragraphs[0].runs[0].text = text_
            group = table.cell(0, 2).merge(table.cell(0, width - 2))
            for p in group.paragraphs[1:]:
                p._element.getparent().remove(p._element)
    document.save(out)
    return out


def ninhthuan_xlsx(seeds: Path, out: Path) -> Path:
    """Seed 002's appendix as an Excel sheet: merged title rows, merged header, bold headings."""
    rows = seed_table(seeds, SEED_NINHTHUAN, "PHỤ LỤC")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ws["A1"] = "PHỤ LỤC"
    ws["A2"] = "THỐNG KÊ SỐ LIỆU KẾT QUẢ CẢI CÁCH HÀNH CHÍNH NĂM 2021"
    for r in (1, 2):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=5)
        ws.cell(r, 1).font = Font(bold=True)
        ws.cell(r, 1).alignment = Alignment(horizontal="center")
    for r, (cells, bold) in enumerate(rows, start=4):
        for c, value in enumerate(cells[:5], start=1):
            if value:
                ws.cell(r, c, value).font = Font(bold=bold or r < 6)
    for col in (1, 2, 5):  # STT, Chỉ tiêu thống kê, Ghi chú over both header rows
        ws.merge_cells(start_row=4, start_column=col, end_row=5, end_column=col)
    ws.merge_cells(start_row=4, start_column=3, end_row=4, end_column=4)
    wb.save(out)
    return out


def outline_items(seeds: Path, start: str, stop: str) -> list[tuple[str, bool]]:
    """Seed 004's outline lines between two headings: (text, bold) — bold lines are group titles."""
    lines = (seeds / SEED_BACGIANG).read_text(encoding="utf-8").splitlines()
    i = next(n for n, line in enumerate(lines) if start in line)
    items = []
    for line in lines[i + 1:]:
        if stop in line:
            break
        if not line.strip():
            continue
        bold = "**" in line
        value = typed(re.sub(r"^#+\s*", "", line)).replace("\\", "")
        items.append((value.lstrip("* ").strip() if bold else value, bold))
    return items


def bacgiang_docx(seeds: Path, out: Path) -> Path:
    """Seed 004's ICT outline (5.2 a and b) as the Sở would table it in Word: STT | Nội dung | Kết quả."""
    document = docx.Document()
    parts = [("a. Ứng dụng CNTT cấp Sở/Huyện", "**b. Ứng dụng CNTT cấp Xã"),
             ("**b. Ứng dụng CNTT cấp Xã", "**5.3 Việc xây dựng")]
    for start, stop in parts:
        document.add_paragraph().add_run(start.strip("*")).bold = True
        items = outline_items(seeds, start, stop)
        table = document.add_table(rows=1, cols=3)
        for cell, head in zip(table.rows[0].cells, ("STT", "Nội dung", "Kết quả"), strict=True):
            cell.paragraphs[0].add_run(head).bold = True
        n = 0
        for value, bold in items:
            cells = table.add_row().cells
            if bold:
                cells[0].paragraphs[0].add_run("*").bold = True
            else:
                n += 1
                cells[0].text = str(n)
            cells[1].paragraphs[0].add_run(value).bold = bold
    document.save(out)
    return out


def value_rows(form: Form, sheet_id: str) -> list[Indicator]:
    sheet = form.sheet(sheet_id)
    assert isinstance(sheet, IndicatorSheet)
    return sheet.indicators


def compare(shipped: list[Indicator], imported: list[Indicator], reviews: dict[str, str]) -> tuple[int, list[str]]:
    """Match shipped value rows to imported ones by printed label; count same kind and parts.

    Returns (rows the same, one line per difference saying whether the importer marked it)."""
    pool = {}
    for ind in imported:
        pool.setdefault(norm(ind.label).lower(), []).append(ind)
    by_code = {i.code: i for i in imported}
    label_of = {i.code: norm(i.label).lower() for i in shipped}
    same, lines = 0, []
    previous: Indicator | None = None
    exact = {id(ind): (pool.get(norm(ind.label).lower()) or [None]).pop(0) for ind in shipped}
    unused = [i for group in pool.values() for i in group]
    for ind in shipped:
        got = exact[id(ind)]
        if got is None:  # the printed label differs slightly (a source typo the catalog mended)
            near = max(unused, default=None, key=lambda i: SequenceMatcher(None, norm(i.label), norm(ind.label)).ratio())
            if near is not None and SequenceMatcher(None, norm(near.label), norm(ind.label)).ratio() > 0.95:
                got = near
                unused.remove(near)
                lines.append(f"NHÃN IN KHÁC  {ind.code} '{ind.label[-40:]}'  ->  {got.code} '{got.label[-40:]}'")
        if got is None:  # a printed row the catalog split in two: the row before it carries the mark
            marked = (f"đã đánh dấu ở {previous.code}" if previous is not None and previous.code in reviews
                      else "CHƯA đánh dấu")
            lines.append(f"KHÔNG CÓ ({marked})  {ind.code} '{ind.label[:60]}' ({ind.kind})")
            continue
        previous = got
        parts_shipped = sorted(label_of[c] for c in ind.parts.codes) if ind.parts else []
        parts_got = sorted(norm(by_code[c].label).lower() for c in got.parts.codes) if got.parts else []
        if got.kind == ind.kind and parts_shipped == parts_got:
            same += 1
            continue
        marked = "đã đánh dấu" if got.code in reviews else "CHƯA đánh dấu"
        lines.append(f"KHÁC ({marked})  {ind.code}: {ind.kind}/{len(parts_shipped)} phần  ->  "
                     f"{got.code}: {got.kind}/{len(parts_got)} phần  '{ind.label[:50]}'")
    return same, lines


def reviewed_codes(imported, sheet_id: str) -> dict[str, str]:
    sheet = imported.form.sheet(sheet_id)
    return {row.code: note for (sid, i), note in imported.reviews.items() if sid == sheet_id
            for row in [sheet.rows[i]] if isinstance(row, Indicator)}


def test_sonla_2024_word_appendix(seeds: Path, tmp: Path) -> None:
    source = sonla_docx(seeds, tmp / "Phu luc KH CCHC 2024.docx")
    imported = import_appendix(source, "sonla-2024-nhap", "Sơn La")
    form = imported.form
    assert [s.name for s in form.sheets] == ["Phụ lục I", "Phụ lục II"]
    pl1, pl2 = form.sheets
    assert isinstance(pl1, ListSheet) and isinstance(pl2, IndicatorSheet)
    shipped = load_catalog()["sonla-2024"]
    assert [c.label for c in pl1.columns] == [c.label for c in shipped.sheet("pl1").columns]
    assert [c.type for c in pl1.columns] == [c.type for c in shipped.sheet("pl1").columns]
    assert [(g.code, g.label) for g in pl1.groups] == [(g.code, g.label) for g in shipped.sheet("pl1").groups]
    assert [(c.key, c.label) for c in pl2.columns] == [("prev_year", "Năm {year-1}"), ("year", "Năm {year}")]
    same, lines = compare(value_rows(shipped, "pl2"), pl2.indicators, reviewed_codes(imported, "pl1") |
                          reviewed_codes(imported, "pl2"))
    total = len(value_rows(shipped, "pl2"))
    print(f"\nSơn La 2024 Phụ lục II: {same}/{total} dòng số liệu cùng loại và cùng 'Trong đó'")
    print("\n".join(lines))
    assert same / total >= 0.95
    assert not [line for line in lines if "CHƯA đánh dấu" in line]


def test_ninhthuan_excel_appendix(seeds: Path, tmp: Path) -> None:
    source = ninhthuan_xlsx(seeds, tmp / "phu luc NT.xlsx")
    imported = import_appendix(source, "ninhthuan-nhap", "Ninh Thuận", 2021)
    (sheet,) = imported.form.sheets
    assert isinstance(sheet, IndicatorSheet)
    assert [(c.key, c.label) for c in sheet.columns] == [("so_lieu", "Số liệu")]
    shipped = value_rows(load_catalog()["ninhthuan-2021"], "phu_luc")
    same, lines = compare(shipped, sheet.indicators, reviewed_codes(imported, "pl1"))
    print(f"\nNinh Thuận 2021: {same}/{len(shipped)} dòng số liệu cùng loại và cùng 'Trong đó'")
    print("\n".join(lines))
    assert same / len(shipped) >= 0.95
    assert not [line for line in lines if "CHƯA đánh dấu" in line]
    # the source reuses STT 1.1.1-1.1.4 under 1.2: unique codes, printed STT kept, marked for review
    reused = [i for i in sheet.indicators if i.stt == "1.1.1."]
    assert [i.code for i in reused] == ["1.1.1", "1.2.1"]
    assert "STT '1.1.1.' in lặp" in reviewed_codes(imported, "pl1")["1.2.1"]
    whole = next(i for i in sheet.indicators if i.label == "Tổng số TTHC đang có hiệu lực")
    assert whole.parts is not None and whole.parts.rule == "sum" and len(whole.parts.codes) == 3


def test_bacgiang_word_outline_table(seeds: Path, tmp: Path) -> None:
    """Ratios written "Tổng số X / Tổng số Y, đạt …%", questions, percentages, in a table without a unit column."""
    imported = import_appendix(bacgiang_docx(seeds, tmp / "Đề cương CNTT.docx"), "bacgiang-nhap", "Bắc Giang", 2022)
    form = imported.form
    shipped_form = load_catalog()["bacgiang-2022"]
    shipped = value_rows(shipped_form, "cntt_so_huyen") + value_rows(shipped_form, "cntt_xa")
    mine = [i for s in form.sheets if isinstance(s, IndicatorSheet) for i in s.indicators]
    reviews = reviewed_codes(imported, "pl1") | reviewed_codes(imported, "pl2")
    same, lines = compare(shipped, mine, reviews)
    print(f"\nBắc Giang 2022 (5.2 a, b): {same}/{len(shipped)} dòng số liệu cùng loại và cùng 'Trong đó'")
    print("\n".join(lines))
    assert same / len(shipped) >= 0.95
    assert not [line for line in lines if "CHƯA đánh dấu" in line]


def test_import_command_writes_a_definition_that_builds(seeds: Path, tmp: Path) -> None:
    source = ninhthuan_xlsx(seeds, tmp / "phu luc NT.xlsx")
    out = tmp / "bieu.xlsx"
    result = run_cchc("form", "import", source, "--out", out, "--id", "ninhthuan-2022", "--province",
                      "Ninh Thuận", "--year", "2022")
    assert result.code == 0, result.text
    book = openpyxl.load_workbook(out)
    review_col = [c.value for c in book["Chỉ tiêu"][1]].index("Cần xem lại") + 1
    marked = [r for r in range(2, book["Chỉ tiêu"].max_row + 1) if book["Chỉ tiêu"].cell(r, review_col).value]
    assert result.out.startswith(f"Đã đọc phụ lục 'phu luc NT.xlsx': 1 phụ lục, 94 chỉ tiêu; {len(marked)} dòng "
                                 "cần xem lại; đã ghi")
    assert 0 < len(marked) < 30  # a short list to review, not the whole form
    built = run_cchc("form", "build", out, "--out", tmp / "ninhthuan-2022.yaml")
    assert built.code == 0, built.text
    form = load_form(tmp / "ninhthuan-2022.yaml")
    assert (form.id, form.year, form.province) == ("ninhthuan-2022", 2022, "Ninh Thuận")


def test_import_of_a_file_without_tables(tmp: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Kế hoạch kiểm tra công tác cải cách hành chính")
    document.save(tmp / "ke hoach.docx")
    result = run_cchc("form", "import", tmp / "ke hoach.docx")
    assert result.code == 2
    assert result.err.strip().startswith("Tệp 'ke hoach.docx' không có bảng phụ lục nào nhận ra được.")


@pytest.mark.parametrize("name", ["bieu.doc", "bieu.xlsx"])
def test_import_of_an_unreadable_file(tmp: Path, name: str) -> None:
    (tmp / name).write_bytes(b"\xd0\xcf\x11\xe0 not a zip")
    result = run_cchc("form", "import", tmp / name)
    assert result.code == 2
    assert result.err.startswith(f"Không đọc được tệp phụ lục '{name}'")


def test_definition_of_an_import_reads_back(seeds: Path, tmp: Path) -> None:
    from workbooks.authoring import write_definition

    imported = import_appendix(sonla_docx(seeds, tmp / "sl.docx"), "sonla-nhap", "Sơn La")
    data, problems = read_definition(write_definition(imported.form, tmp / "sl.xlsx", imported.reviews))
    assert problems == [] and data is not None


def test_appendices_resaved_by_libreoffice_import_alike(seeds: Path, tmp: Path, soffice) -> None:
    """A Sở working in LibreOffice: the Word and Excel appendices re-saved by it import the same way."""
    word = sonla_docx(seeds, tmp / "sl.docx")
    excel = ninhthuan_xlsx(seeds, tmp / "nt.xlsx")
    cases = [(word, soffice(word, "docx:MS Word 2007 XML", tmp / "lo"), None),
             (excel, soffice(excel, "xlsx:Calc MS Excel 2007 XML", tmp / "lo"), 2021)]
    for original, resaved, year in cases:
        first, again = import_appendix(original, "a", "P", year), import_appendix(resaved, "a", "P", year)
        assert [s.name for s in again.form.sheets] == [s.name for s in first.form.sheets]
        assert again.form.sheets == first.form.sheets
        assert again.reviews == first.reviews
