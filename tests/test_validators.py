"""Tests of the validators, written like the sheets they check.

A return is typed as rows ``(code, column, value)`` — or ``(code, column, typed, understood,
parse tag)`` when the reader had to interpret what was typed — and the expected findings as
``(rule_id, cell)``. The helpers give every value the cell address the layout puts it in.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from validators import (
    Finding,
    Report,
    cell_spec,
    validate_return,
    validate_returns,
    validate_values,
    vi_number,
)
from validators.frame import col_letters
from validators.messages import MESSAGES_FILE, MISSING, catalogue, render
from workbooks.catalog import CatalogError, get_form
from workbooks.catalog.layout import IndicatorLayout, form_layouts, list_layout, value_cells
from workbooks.catalog.model import Indicator, IndicatorSheet, Rule
from workbooks.reader.model import VALUE_COLUMNS, Notice
from workbooks.writer import generate_workbook

PUBLISHED = Path(__file__).parent / "data" / "ninhthuan_2021_published.yaml"
NT = get_form("ninhthuan-2021")  # one column "value"
SL = get_form("sonla-2024")  # columns prev_year / year; list sheet pl1 with a row rule
TG = get_form("tuangiao-2024")  # Phụ lục 03: totals, on time and a computed rate per year

Row = tuple[Any, ...]
pytest_plugins = ["fixtures_returns"]  # session fixtures: plausible returns written by the writer


# ----------------------------------------------------------------------------- helpers


def at(form, code: str, column: str = "value", level: str | None = None) -> str:
    """The address ("D37") the layout gives the value cell (code, column)."""
    pos = value_cells(form_layouts(form, level))[(code, column)]
    return f"{col_letters(pos.col)}{pos.row + 1}"


def _kinds(form, level: str | None) -> dict[tuple[str, str], str]:
    kinds = {}
    for lay in form_layouts(form, level):
        if isinstance(lay, IndicatorLayout):
            for line in lay.lines:
                for vc in lay.sheet.columns:
                    kinds[(line.code, vc.key)] = "rate" if vc.is_computed else line.value_kind
    return kinds


def _read(typed: Any, rest: tuple) -> tuple[float, str, str]:
    """(number, text, parse) the reader would give for what was typed (explicit when given)."""
    if rest:
        understood, parse = rest
        number = math.nan if understood is None else float(understood)
        return number, "" if isinstance(typed, int | float) else str(typed).strip(), parse
    if typed is None or typed == "":
        return math.nan, "", "blank"
    if isinstance(typed, int | float):
        return float(typed), "", ""
    return math.nan, str(typed).strip(), ""


def sheet(form, *rows: Row, return_id: str = "r1", unit: str = "U1", level: str | None = None) -> pd.DataFrame:
    """A values frame of indicator cells typed as rows ``(code, column, typed[, understood, tag])``."""
    cells, kinds = value_cells(form_layouts(form, level)), _kinds(form, level)
    ids = {s.name: s.id for s in form.sheets}
    out = []
    for code, column, typed, *rest in rows:
        pos = cells[(code, column)]
        number, text, parse = _read(typed, tuple(rest))
        out.append({
            "return_id": return_id, "unit_code": unit, "form_id": form.id, "sheet_id": ids[pos.sheet],
            "sheet": pos.sheet, "code": code, "column": column, "item": 0, "row": pos.row + 1,
            "cell": f"{col_letters(pos.col)}{pos.row + 1}", "kind": kinds[(code, column)],
            "raw": typed, "number": number, "text": text, "parse": parse,
        })
    return pd.DataFrame(out, columns=VALUE_COLUMNS)


def list_sheet(form, sheet_id: str, *rows: dict, return_id: str = "r1") -> pd.DataFrame:
    """A values frame of list rows, each a dict column key -> typed value (dates ISO)."""
    sh = form.sheet(sheet_id)
    lay = list_layout(sh)
    out = []
    for item, typed_row in enumerate(rows, start=1):
        row0, group = lay.data_rows[item - 1]
        for col in sh.columns:
            typed = typed_row.get(col.key)
            number, text, parse = _read(typed, ())
            out.append({
                "return_id": return_id, "unit_code": "U1", "form_id": form.id, "sheet_id": sh.id,
                "sheet": sh.name, "code": group, "column": col.key, "item": item, "row": row0 + 1,
                "cell": f"{col_letters(lay.cols[col.key])}{row0 + 1}", "kind": col.type, "raw": typed,
                "number": number, "text": text, "parse": parse,
            })
    return pd.DataFrame(out, columns=VALUE_COLUMNS)


def found(report: Report) -> list[tuple[str, str]]:
    """``(rule_id, cell)`` of every finding, in report order."""
    return [(f.rule_id, f.cell) for f in report.findings]


def published() -> list[Row]:
    """Seed 002's printed figures as rows of the 'Số liệu' column."""
    data = yaml.safe_load(PUBLISHED.read_text(encoding="utf-8"))
    return [(code, "value", value) for code, value in data.items()]


def is_rule(f: Finding) -> bool:
    return f.rule_id.startswith(("rule:", "parts:", "ratio:"))


# ----------------------------------------------------------------------------- seed 002


def test_published_figures_pass_the_parts_rule():
    report = validate_values(NT, sheet(NT, *published()))
    assert [f for f in report.findings if is_rule(f)] == []
    assert report.valid and report.n_errors == 0


def test_published_figures_in_the_full_sheet_break_no_rule():
    """All other rows blank: blanks are reported as blanks, never as rule violations."""
    given = {code for code, _, _ in published()}
    blanks = [(code, col, None) for code, col in value_cells(form_layouts(NT)) if code not in given]
    report = validate_values(NT, sheet(NT, *published(), *blanks), levels={"r1": "so_nganh"})
    assert [f for f in report.findings if is_rule(f)] == []
    assert {f.rule_id for f in report.findings} == {"required.blank"}


def test_changing_one_part_fires_the_parts_rule_on_the_whole():
    rows = [r if r[0] != "3.1.3.b" else ("3.1.3.b", "value", 265) for r in published()]
    report = validate_values(NT, sheet(NT, *rows))
    assert found(report) == [("parts:3.1.3", at(NT, "3.1.3"))]
    finding = report.findings[0]
    assert finding.cells[0] == at(NT, "3.1.3")
    assert at(NT, "3.1.3.b") in finding.cells
    assert set(finding.cells) == {at(NT, c) for c in ("3.1.3", "3.1.3.a", "3.1.3.b", "3.1.3.c")}
    assert finding.message.startswith(f"[Phụ lục, ô {at(NT, '3.1.3')}] ")
    assert "(1.817) phải bằng 'Tổng số TTHC đang có hiệu lực' (1.821)" in finding.message
    assert finding.value == 1821 and finding.severity == "error"


# ----------------------------------------------------------------------------- vectorised


def one_bad_return(return_id: str = "r1") -> pd.DataFrame:
    return pd.concat([
        sheet(NT,
              ("1.1.1", "value", 10), ("1.1.2", "value", 12),          # completed > planned
              ("2.1", "value", None), ("2.2", "value", "-", None, "invalid:not_number"),
              ("2.3", "value", "1.054", 1054, "coerced:thousands_dot"),
              ("3.1.3", "value", 1821), ("3.1.3.a", "value", 1404),
              ("3.1.3.b", "value", 265), ("3.1.3.c", "value", 148),   # parts 1.817 ≠ 1.821
              ("4.2.1", "value", 100), ("4.2.2", "value", 120),       # warning rule
              return_id=return_id),
    ])


def test_a_thousand_stacked_returns_give_a_thousand_times_the_findings():
    single = validate_values(NT, one_bad_return(), levels={"r1": "huyen"})
    stacked = pd.concat([one_bad_return(f"r{i:04d}") for i in range(1000)], ignore_index=True)
    report = validate_values(NT, stacked, levels={f"r{i:04d}": "huyen" for i in range(1000)})
    assert len(single.findings) == 6
    assert len(report.findings) == 1000 * len(single.findings)
    per_return = Counter((f.rule_id, f.cell, f.message, f.severity) for f in single.findings)
    by_return: dict[str, Counter] = {}
    for f in report.findings:
        by_return.setdefault(f.return_id, Counter())[(f.rule_id, f.cell, f.message, f.severity)] += 1
    assert len(by_return) == 1000
    assert all(c == per_return for c in by_return.values())
    assert report.n_errors == 1000 * single.n_errors


def test_returns_do_not_leak_into_each_other():
    good = sheet(NT, ("1.1.1", "value", 10), ("1.1.2", "value", 8), return_id="good")
    bad = sheet(NT, ("1.1.1", "value", 10), ("1.1.2", "value", 12), return_id="bad")
    report = validate_values(NT, pd.concat([good, bad]))
    assert [(f.return_id, f.rule_id) for f in report.findings] == [("bad", "rule:ke_hoach_hoan_thanh_le_de_ra")]


# ----------------------------------------------------------------------------- cell checks


@pytest.mark.parametrize("rows, expected", [
    pytest.param([("2.1", "value", None)], [("required.blank", "D28")], id="blank is not zero"),
    pytest.param([("2.1", "value", 0)], [], id="zero is a value"),
    pytest.param([("2.1", "value", 12)], [], id="a count"),
    pytest.param([("2.1", "value", 1.5)], [("type.count", "D28")], id="count with decimals"),
    pytest.param([("2.1", "value", -3)], [("range.count", "D28")], id="negative count"),
    pytest.param([("3.3.3", "value", 100.5)], [("range.percent", "D47")], id="percent over 100"),
    pytest.param([("3.3.3", "value", 99.9)], [], id="percent 99,9"),
    pytest.param([("1.4.2", "value", 2)], [], id="choice 2 = Kết hợp"),
    pytest.param([("1.4.2", "value", 5)], [("choice.invalid", "D25")], id="choice 5 unknown"),
    pytest.param([("1.4.2", "value", None)], [("required.blank", "D25")], id="choice left blank"),
    pytest.param([("6.1", "value", 4)], [], id="cumulative"),
])
def test_cell_checks(rows, expected):
    report = validate_values(NT, sheet(NT, *rows), levels={"r1": "so_nganh"})  # rows required of sở
    assert found(report) == expected
    # the addresses above are the layout's: the sheet is read as printed
    assert all(cell == at(NT, code) for (code, *_), (_, cell) in zip(rows, expected, strict=False))


@pytest.mark.parametrize("typed, understood, tag, rule_id, severity", [
    ("1.054", 1054, "coerced:thousands_dot", "coerced.thousands_dot", "warning"),
    ("12 hồ sơ", 12, "coerced:unit_word", "coerced.unit_word", "warning"),
    (" 12 ", 12, "coerced:whitespace", "coerced.whitespace", "warning"),
    ("95%", 95, "coerced:percent_sign", "coerced.percent_sign", "warning"),
    ("-", None, "invalid:not_number", "invalid.not_number", "error"),
    ("x", None, "invalid:not_number", "invalid.not_number", "error"),
    ("#DIV/0!", None, "invalid:excel_error", "invalid.excel_error", "error"),
    ("không", None, "invalid:not_number", "invalid.not_number", "error"),
    ("abc", None, "", "invalid.not_number", "error"),  # untagged text in a number cell
    ("1e999", math.inf, "", "invalid.not_number", "error"),  # not a finite number
])
def test_coerced_is_a_warning_invalid_is_an_error(typed, understood, tag, rule_id, severity):
    report = validate_values(NT, sheet(NT, ("2.3", "value", typed, understood, tag)))
    assert [(f.rule_id, f.cell, f.severity) for f in report.findings] == [(rule_id, at(NT, "2.3"), severity)]
    assert report.valid is (severity == "warning")
    assert report.findings[0].message.startswith(f"[Phụ lục, ô {at(NT, '2.3')}] ")


def test_coerced_message_shows_what_was_understood():
    (finding,) = validate_values(NT, sheet(NT, ("2.3", "value", "1.054", 1054, "coerced:thousands_dot"))).findings
    assert "đã hiểu '1.054' là 1054; hãy nhập số không có dấu chấm" in finding.message


def test_coerced_numbers_take_part_in_rules():
    report = validate_values(NT, sheet(NT, ("1.1.1", "value", "1.000", 1000, "coerced:thousands_dot"),
                                       ("1.1.2", "value", 1200)))
    assert sorted(found(report)) == sorted([("coerced.thousands_dot", at(NT, "1.1.1")),
                                            ("rule:ke_hoach_hoan_thanh_le_de_ra", at(NT, "1.1.2"))])
    rule = next(f for f in report.findings if f.rule_id.startswith("rule:"))
    assert "D12 = 1.200; D11 = 1.000" in rule.message


def test_invalid_cells_never_count_as_zero_in_rules():
    report = validate_values(NT, sheet(NT, ("1.1.1", "value", "-", None, "invalid:not_number"),
                                       ("1.1.2", "value", 3)))
    assert found(report) == [("invalid.not_number", at(NT, "1.1.1"))]


@pytest.mark.parametrize("typed, understood, text, tag, expected", [
    pytest.param("Có", 1, "Có", "", [], id="Có"),
    pytest.param("co", 1, "Có", "coerced:yesno", [("coerced.yesno", "warning")], id="co understood as Có"),
    pytest.param("chưa rõ", None, "chưa rõ", "invalid:not_yesno", [("invalid.not_yesno", "error")], id="neither"),
    pytest.param("Có lẽ", None, "Có lẽ", "", [("choice.invalid", "error")], id="untagged other text"),
])
def test_yes_no_cells(typed, understood, text, tag, expected):
    form = get_form("bacgiang-2022")  # a.11 is a Có/Không row
    frame = sheet(form, ("a.11", "value", typed, understood, tag)).assign(text=text)
    report = validate_values(form, frame)
    assert [(f.rule_id, f.severity) for f in report.findings] == expected


def test_legacy_encoding_is_a_warning():
    form = get_form("sonla-2022")
    text_row = next(i for s in form.sheets if isinstance(s, IndicatorSheet) for i in s.indicators
                    if i.kind == "text")
    col = next(c for (code, c) in value_cells(form_layouts(form)) if code == text_row.code)
    report = validate_values(form, sheet(form, (text_row.code, col, "Thùc hiÖn", None, "suspect:legacy_encoding")))
    assert [(f.rule_id, f.severity) for f in report.findings] == [("suspect.legacy_encoding", "warning")]


# ----------------------------------------------------------------------------- rules


def test_a_catalog_rule_names_both_cells_and_values():
    report = validate_values(NT, sheet(NT, ("1.1.1", "value", 10), ("1.1.2", "value", 12)))
    (finding,) = report.findings
    assert (finding.rule_id, finding.cell, finding.cells) == ("rule:ke_hoach_hoan_thanh_le_de_ra", "D12", ("D12", "D11"))
    assert finding.message == (
        "[Phụ lục, ô D12] Số nhiệm vụ đã hoàn thành lớn hơn số nhiệm vụ đề ra trong kế hoạch "
        "(D12 = 12; D11 = 10). Kiểm tra lại hai ô D11 và D12.")
    assert finding.fix == "Kiểm tra lại số nhiệm vụ đề ra và số nhiệm vụ đã hoàn thành."


def test_a_rule_is_skipped_when_one_of_its_cells_is_blank():
    report = validate_values(NT, sheet(NT, ("1.1.1", "value", None), ("1.1.2", "value", 12)),
                             levels={"r1": "so_nganh"})
    assert found(report) == [("required.blank", at(NT, "1.1.1"))]


def test_warning_severity_rules_stay_warnings():
    report = validate_values(NT, sheet(NT, ("4.2.1", "value", 100), ("4.2.2", "value", 120)))
    assert [(f.rule_id, f.cell, f.severity) for f in report.findings] == [
        ("rule:bien_che_co_mat_le_duoc_giao", at(NT, "4.2.2"), "warning")]
    assert report.valid and report.n_warnings == 1 and report.n_errors == 0


def test_column_rule_on_time_not_above_total():
    report = validate_values(TG, sheet(TG, ("1", "y1_total", 10), ("1", "y1_ontime", 12),
                                       ("1", "y2_total", 10), ("1", "y2_ontime", 9)))
    assert found(report) == [("rule:pl03_dung_han_le_tong_y1", at(TG, "1", "y1_ontime"))]
    assert report.findings[0].cells == (at(TG, "1", "y1_ontime"), at(TG, "1", "y1_total"))


def test_ratio_numerator_above_denominator():
    code = "II.2.4.a"
    report = validate_values(SL, sheet(SL, (f"{code}:num", "year", 120), (f"{code}:den", "year", 100)))
    assert found(report) == [(f"ratio:{code}", at(SL, f"{code}:num", "year"))]
    assert "(120) không được lớn hơn" in report.findings[0].message


def test_rules_read_the_recomputed_rate_not_the_cached_value():
    """A rule comparing two rates: the cached 10 % was overwritten, the recomputed 90 % counts."""
    rule = Rule(id="rate_a_le_rate_b", left=("II.2.4.b",), op="<=", right=("II.2.4.a",),
                severity="warning", message="Tỷ lệ trễ hạn lớn hơn tỷ lệ đúng hạn.")
    form = replace(SL, rules=(*SL.rules, rule), all_rules=(*SL.all_rules, rule))
    rows = [("II.2.4.b", "year", 10, 90, ""), ("II.2.4.a", "year", 50, 50, "")]
    report = validate_values(form, sheet(form, *rows))
    assert found(report) == [("rule:rate_a_le_rate_b", at(SL, "II.2.4.b", "year"))]
    assert "= 90;" in report.findings[0].message and "= 10;" not in report.findings[0].message


# ----------------------------------------------------------------------------- computed cells, levels


def test_computed_rate_cells_are_never_required():
    blank_rates = [(code, col, None) for code in ("1", "2", "3") for col in ("y1_rate", "y2_rate")]
    totals = [(code, col, 10 if code == "1" else 4) for code in ("1", "2", "3")
              for col in ("y1_total", "y1_ontime", "y2_total", "y2_ontime")]
    assert validate_values(TG, sheet(TG, *blank_rates, *totals)).findings == []


def test_ratio_rows_require_numerator_and_denominator_but_not_the_rate():
    code = "II.2.4.a"
    report = validate_values(SL, sheet(SL, (code, "year", None), (f"{code}:num", "year", None),
                                       (f"{code}:den", "year", None)))
    assert found(report) == [("required.blank", at(SL, f"{code}:num", "year")),
                             ("required.blank", at(SL, f"{code}:den", "year"))]
    assert all(cs["required"] is False for _, cs in cell_spec(SL).iterrows() if cs["spec_kind"] == "rate")


def test_level_restricted_rows_are_required_only_for_their_level():
    row = ("II.6.4.a", "year", None)  # "Số cuộc họp …": cấp huyện only
    frame = sheet(SL, row, level="huyen")
    assert validate_values(SL, frame).findings == []  # level unknown: not required
    assert found(validate_values(SL, frame, levels={"r1": "huyen"})) == [
        ("required.blank", at(SL, "II.6.4.a", "year", "huyen"))]
    assert validate_values(SL, frame, levels={"r1": "xa"}).findings == []


# ----------------------------------------------------------------------------- list sheets


def test_late_task_needs_a_deadline():
    rows = list_sheet(SL, "pl1",
                      {"task": "Ban hành kế hoạch CCHC", "status": "Quá hạn"},
                      {"task": "Kiểm tra CCHC", "status": "Quá hạn", "deadline": "2024-03-31"},
                      {"task": "Rà soát TTHC", "status": "Đúng hạn"})
    report = validate_values(SL, rows, period=2024)
    deadline, status = list_layout(SL.sheet("pl1")).cols["deadline"], list_layout(SL.sheet("pl1")).cols["status"]
    first_row = list_layout(SL.sheet("pl1")).data_rows[0][0] + 1
    anchor = f"{col_letters(deadline)}{first_row}"
    assert found(report) == [("list.row_rule:pl1_qua_han_can_thoi_han", anchor)]
    finding = report.findings[0]
    assert finding.cells == (anchor, f"{col_letters(status)}{first_row}")
    assert finding.column == "deadline"
    assert "Dòng số 1: Nhiệm vụ ghi quá hạn nhưng chưa ghi thời hạn ban hành văn bản." in finding.message


@pytest.mark.parametrize("row, expected", [
    pytest.param({"task": "Rà soát", "status": "Đúng hạn"}, [], id="complete row"),
    pytest.param({}, [], id="empty row is ignored"),
    pytest.param({"status": "Đúng hạn"}, [("list.required", "task")], id="filled row without task"),
    pytest.param({"task": "Rà soát", "status": "Trễ"}, [("list.choice", "status")], id="unknown status"),
    pytest.param({"task": "Rà soát", "status": "Đúng hạn", "deadline": "2019-03-31"},
                 [("list.date_outside_period", "deadline")], id="date years before the period"),
    pytest.param({"task": "Rà soát", "status": "Đúng hạn", "deadline": "2023-06-30"}, [],
                 id="date within a year of the period"),
])
def test_list_rows(row, expected):
    report = validate_values(SL, list_sheet(SL, "pl1", row), period=2024)
    assert [(f.rule_id, f.column) for f in report.findings] == expected


def test_date_outside_period_is_an_error_as_in_the_workbook_with_the_period_in_the_message():
    report = validate_values(TG, list_sheet(TG, "pl02", {"ngay": "2015-05-04", "ten_van_ban": "Kế hoạch"}))
    (finding,) = report.findings
    assert finding.severity == "error" and not report.valid
    assert "(01/01/2022 – 31/12/2023)" in finding.message and "04/05/2015" in finding.message


@pytest.mark.parametrize("typed, expected", [
    ("2021-05-05", []), ("2019-01-01", [("range.date", "error")]), ("hôm qua", [("invalid.not_date", "error")]),
])
def test_date_indicator_cells(typed, expected):
    sh = NT.sheets[0]
    rows = tuple(replace(r, kind="date") if isinstance(r, Indicator) and r.code == "2.1" else r for r in sh.rows)
    form = replace(NT, sheets=(replace(sh, rows=rows),))
    report = validate_values(form, sheet(form, ("2.1", "value", typed)))
    assert [(f.rule_id, f.severity) for f in report.findings] == expected
    if expected == [("range.date", "error")]:
        assert "ngày 01/01/2019 cách kỳ báo cáo (01/01/2021 – 31/12/2021) hơn một năm" in report.findings[0].message


# ----------------------------------------------------------------------------- notices


NOTICES = [
    Notice("sheet_renamed", "warning", sheet="PL II", params={"expected": "Phụ lục II", "found": "PL II"}),
    Notice("sheet_missing", "error", params={"expected": "Phụ lục I"}),
    Notice("table_missing", "error", sheet="Phụ lục I", params={"table": "Danh mục nhiệm vụ"}),
    Notice("row_missing", "error", sheet="Phụ lục II", params={"code": "II.1.1", "label": "Số văn bản"}),
    Notice("metadata_missing", "warning"),
    Notice("unit_missing", "error"),
    Notice("version_mismatch", "warning", params={"found": 1, "expected": 2}),
    Notice("catalog_changed", "warning"),
    Notice("formula_overwritten", "warning", sheet="Phụ lục II", cell="D40",
           params={"cached": 1054.5, "computed": 99.9}),
    Notice("header_moved", "warning", sheet="Phụ lục II"),
    Notice("code_column_missing", "error", sheet="Phụ lục II"),
    Notice("header_missing", "error", sheet="Phụ lục I"),
]


@pytest.mark.parametrize("notice", NOTICES, ids=[n.id for n in NOTICES])
def test_notices_become_structure_findings(notice):
    report = validate_values(SL, sheet(SL, ("I.1.a", "year", 3)), {"r1": [notice]})
    (finding,) = report.findings
    assert finding.rule_id == f"structure.{notice.id}" and finding.severity == notice.severity
    assert finding.unit_code == "U1" and finding.form_id == SL.id
    assert MISSING not in finding.message and MISSING not in finding.fix
    assert finding.message and finding.fix


def test_notice_message_names_sheet_cell_and_vietnamese_numbers():
    report = validate_values(SL, sheet(SL), {"r9": [NOTICES[8]]})
    (finding,) = report.findings
    assert finding.message.startswith("[Phụ lục II, ô D40] ")
    assert "1.054,5" in finding.message and "99,9" in finding.message
    assert finding.return_id == "r9" and finding.form_id == SL.id


def test_unknown_notice_gets_the_default_structure_message():
    report = validate_values(SL, sheet(SL), {"r1": [Notice("columns_hidden", "warning", sheet="Phụ lục II")]})
    assert report.findings[0].rule_id == "structure.columns_hidden"
    assert "columns_hidden" in report.findings[0].message


# ----------------------------------------------------------------------------- with the real reader


def test_plausible_returns_of_every_form_and_level_are_valid(filled):
    """Writer -> reader -> validators: every shipped form and level, stacked per form."""
    read = pytest.importorskip("workbooks.reader")
    rets = [read.read_return(f.path, return_id=f.unit.code) for f in filled.values()]
    report = validate_returns(rets)
    assert report.findings == [], [f.message for f in report.findings[:5]]
    assert validate_return(rets[0]).valid


def test_a_number_typed_with_its_unit_read_back(base_return, tmp_path):
    """'12 hồ sơ' typed in a count cell: the reader understands 12, the validators warn."""
    read = pytest.importorskip("workbooks.reader")
    counts = {(c, k) for c, k, kind in cell_spec(SL)[["code", "column", "spec_kind"]].itertuples(index=False)
              if kind == "count"}
    key, value = next((k, v) for k, v in base_return.prefill.cells.items() if k in counts and isinstance(v, int))
    written = f"{value} hồ sơ"
    prefill = replace(base_return.prefill, cells={**base_return.prefill.cells, key: written})
    path = generate_workbook(base_return.form, tmp_path / base_return.path.name, base_return.unit,
                             base_return.year, prefill=prefill)
    ret = read.read_return(path)
    report = validate_values(ret.form, ret.values, {ret.return_id: ret.notices}, ret.period)
    assert found(report) == [("coerced.unit_word", at(SL, *key, level=base_return.level))]
    assert f"đã hiểu '{written}' là {value}" in report.findings[0].message
    assert report.valid


# ----------------------------------------------------------------------------- robustness, report


def test_bad_data_never_raises():
    frame = sheet(NT, ("2.1", "value", "???", None, "weird-tag"), ("2.2", "value", [1, 2]),
                  ("1.4.2", "value", 1e30))
    frame.loc[0, "kind"] = "nonsense"
    frame["number"] = frame["number"].astype(object)
    frame.loc[1, "number"] = "not a float"
    report = validate_values(NT, frame)
    assert not report.valid
    assert {"frame.kind", "frame.parse"} <= {f.rule_id for f in report.findings}


def test_empty_frame_is_valid():
    assert validate_values(NT, pd.DataFrame(columns=VALUE_COLUMNS)).valid
    assert validate_values(NT, pd.DataFrame()).findings == []


def test_a_catalog_mistake_raises_catalog_error():
    sh = NT.sheets[0]
    assert isinstance(sh, IndicatorSheet)
    rows = tuple(replace(r, min=10, max=5) if isinstance(r, Indicator) and r.code == "2.1" else r
                 for r in sh.rows)
    broken = replace(NT, sheets=(replace(sh, rows=rows),))
    with pytest.raises(CatalogError):
        validate_values(broken, sheet(NT, ("2.1", "value", 3)))


def test_report_frame_dict_and_merge():
    a = validate_values(NT, sheet(NT, ("2.1", "value", None)), levels={"r1": "huyen"})
    b = validate_values(NT, sheet(NT, ("4.2.1", "value", 1), ("4.2.2", "value", 2), return_id="r2"))
    merged = Report.merge(a, b)
    assert (merged.n_errors, merged.n_warnings, merged.valid) == (1, 1, False)
    assert (a + b).findings == merged.findings == a.merge(b).findings
    frame = merged.to_frame()
    assert list(frame["rule_id"]) == ["required.blank", "rule:bien_che_co_mat_le_duoc_giao"]
    assert {"rule_id", "severity", "sheet", "cell", "cells", "message", "fix"} <= set(frame.columns)
    data = json.loads(json.dumps(merged.to_dict()))
    assert data["n_errors"] == 1 and data["findings"][1]["value"] == 2
    assert Report().to_frame().empty and Report().valid


@pytest.mark.parametrize("x, text", [(1054, "1.054"), (99.9, "99,9"), (1234567.5, "1.234.567,5"),
                                     (0, "0"), (-12, "-12"), (100.0, "100"), (0.25, "0,25")])
def test_vietnamese_numbers(x, text):
    assert vi_number(x) == text


def test_every_template_renders_with_its_placeholders():
    findings = yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))  # the findings' family
    for key, entry in catalogue().items():
        if key not in findings or (key.startswith("_") and key != "_default"):
            continue
        message, fix = render(key, {"sheet": "Phụ lục II", "cell": "E14"})
        assert message and fix is not None and set(entry) == {"message", "fix"}
