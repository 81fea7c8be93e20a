"""``cchc form renew FORM_ID --year 2025``: next round's form keeps the codes (a crosswalk for the
renamed ones), moves the period on and generates workbooks headed with the new years."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

from tests.conftest import GENERATED_AT, run_cchc, unit_for
from workbooks.catalog import load_catalog, load_form
from workbooks.catalog.model import IndicatorSheet
from workbooks.writer import generate_workbook


def codes(form) -> list[str]:
    return [i.code for s in form.sheets if isinstance(s, IndicatorSheet) for i in s.indicators]


def test_renew_keeps_codes_and_moves_the_period(tmp: Path) -> None:
    (tmp / "doi_ma.csv").write_text("ma_cu,ma_moi\nI.1.a,I.1.a_2025\n", encoding="utf-8")
    result = run_cchc("form", "renew", "sonla-2024", "--year", "2025", "--out", tmp, "--crosswalk",
                      tmp / "doi_ma.csv")
    assert result.code == 0, result.text
    path, crosswalk = tmp / "sonla-2025.yaml", tmp / "sonla-2025.crosswalk.csv"
    old = load_catalog()["sonla-2024"]
    assert result.out.startswith(f"Đã tạo biểu mẫu 'sonla-2025' (phiên bản {old.version + 1}, năm 2025) từ "
                                 f"'sonla-2024', giữ nguyên mã chỉ tiêu; đã ghi {path} và bảng đổi mã {crosswalk}.")
    new = load_form(path)
    assert (new.id, new.version, new.year, new.period.default_year) == ("sonla-2025", old.version + 1, 2025, 2025)
    assert new.title.endswith("năm 2025")
    assert codes(new) == [("I.1.a_2025" if c == "I.1.a" else c) for c in codes(old)]
    rule = next(r for r in new.rules if r.id == "pl2_kh_cchc_hoan_thanh_le_de_ra")
    assert (rule.left, rule.right) == (("I.1.b",), ("I.1.a_2025",))
    with crosswalk.open(encoding="utf-8") as f:
        pairs = list(csv.reader(f))
    assert pairs[0] == ["ma_cu", "ma_moi"] and len(pairs) == len(codes(old)) + 1
    assert ["I.1.a", "I.1.a_2025"] in pairs and ["I.1.b", "I.1.b"] in pairs
    # labels keep their own years: "so với năm 2015" is a baseline
    assert new.indicator("II.3.1.d").label == old.indicator("II.3.1.d").label
    # the workbook of the new round is headed with 2024 and 2025
    book = generate_workbook(new, tmp / "new.xlsx", unit=unit_for("xa"), year=2025, generated_at=GENERATED_AT)
    ws = openpyxl.load_workbook(book)["Phụ lục II"]
    headers = {c.value for row in ws.iter_rows(max_row=12) for c in row if isinstance(c.value, str)}
    assert {"Năm 2024", "Năm 2025"} <= headers


def test_renew_moves_literal_years_of_titles_and_the_deadline(tmp: Path) -> None:
    """A form written with literal years (as an imported appendix is): the years of the period and
    the deadline move with the round; templates ({year}) move by themselves."""
    shipped = load_catalog()["tuangiao-2024"]
    text = Path(shipped.path).read_text(encoding="utf-8")
    text = text.replace("năm {year-1}, {year} tại {unit}", "năm 2022, 2023 tại {unit}")
    text = text.replace('deadline: "20/04/{year+1}"', 'deadline: "20/04/2024"')
    assert "năm 2022, 2023 tại {unit}" in text and 'deadline: "20/04/2024"' in text
    (tmp / "src").mkdir()
    literal = tmp / "src" / "tuangiao-2024.yaml"
    literal.write_text(text, encoding="utf-8")
    result = run_cchc("form", "renew", literal, "--year", "2025", "--out", tmp)
    assert result.code == 0, result.text
    new = load_form(tmp / "tuangiao-2025.yaml")  # period 2022–2023 -> 2024–2025: two years on
    assert new.sheet("pl03").title == "Báo cáo tình hình tiếp nhận và giải quyết thủ tục hành chính năm 2024, 2025 tại {unit}"
    assert (new.period.default_year, new.period.deadline) == (2025, "20/04/2026")
    assert new.version == shipped.version + 1


def test_renew_keeps_templates_and_a_rule_constant(tmp: Path) -> None:
    result = run_cchc("form", "renew", "sonla-2024", "--year", "2025", "--out", tmp)
    assert result.code == 0, result.text
    old, new = load_catalog()["sonla-2024"], load_form(tmp / "sonla-2025.yaml")
    assert (old.period.deadline, new.period.deadline) == ("30/10/{year}", "30/10/{year}")
    rule = next(r for r in new.rules if r.id == "pl2_van_ban_dien_tu_ty_le_le_100")
    assert (rule.op, rule.right, rule.constant) == ("<=", (), 100.0)


def test_renew_of_an_unknown_form(tmp: Path) -> None:
    result = run_cchc("form", "renew", "hanoi-2024", "--year", "2025", "--out", tmp)
    assert result.code == 2
    assert result.err.startswith("Không có biểu mẫu 'hanoi-2024'.")


def test_renew_with_a_crosswalk_that_makes_a_duplicate(tmp: Path) -> None:
    (tmp / "doi_ma.csv").write_text("I.1.a,I.1.b\n", encoding="utf-8")
    result = run_cchc("form", "renew", "sonla-2024", "--year", "2025", "--out", tmp, "--crosswalk",
                      tmp / "doi_ma.csv")
    assert result.code == 1
    assert result.err.startswith("Biểu mẫu tạo ra chưa hợp lệ: sonla-2025.yaml:")
    assert "I.1.b" in result.err
