"""The forms as their sources say (issue 13): levels, requirements, the rules a careful reader
sees, what a unit sees on the sheet.

Rules and requirements are tested as small tables: the figures a unit types (code, column,
value) and the findings expected (rule id). Returns that go through the whole pipeline are
written by the generator, read back by the reader and checked by the validators.
"""

from __future__ import annotations

import math
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import yaml

from consolidate.aggregate import scope_groups
from validators import validate_return, validate_values
from validators.frame import col_letters
from workbooks.catalog import CatalogError, get_form
from workbooks.catalog.layout import IndicatorLayout, form_layouts, value_cells
from workbooks.catalog.loader import load_form
from workbooks.catalog.model import IndicatorSheet, ListSheet
from workbooks.reader import read_return
from workbooks.reader.model import VALUE_COLUMNS
from workbooks.registry import Registry
from workbooks.writer import Prefill, UnitInfo, generate_workbook
from workbooks.writer.info_sheet import INFO_SHEET

DATA = Path(__file__).parent / "data"
NT, SL, SL22 = get_form("ninhthuan-2021"), get_form("sonla-2024"), get_form("sonla-2022")
BG, TG = get_form("bacgiang-2022"), get_form("tuangiao-2024")
FORMS = {f.id: f for f in (NT, SL, SL22, BG, TG)}
INTERNAL_WORDS = ("seed", "{year", "{unit}", "{report_", "{deadline}", "TODO", "None", "nan")


# ----------------------------------------------------------------------------- helpers


def values(form, level: str | None, *rows: tuple[str, str, Any], return_id: str = "r1") -> pd.DataFrame:
    """A values frame of indicator cells typed as ``(code, column, value)`` by a unit of ``level``."""
    lays = form_layouts(form, level)
    cells = value_cells(lays)
    kinds = {(line.code, vc.key): ("rate" if vc.is_computed else line.value_kind)
             for lay in lays if isinstance(lay, IndicatorLayout) for line in lay.lines for vc in lay.sheet.columns}
    ids = {s.name: s.id for s in form.sheets}
    out = []
    for code, column, typed in rows:
        pos = cells[(code, column)]
        number = math.nan if typed is None else float(typed)
        out.append({"return_id": return_id, "unit_code": "U1", "form_id": form.id, "sheet_id": ids[pos.sheet],
                    "sheet": pos.sheet, "code": code, "column": column, "item": 0, "row": pos.row + 1,
                    "cell": f"{col_letters(pos.col)}{pos.row + 1}", "kind": kinds[(code, column)],
                    "raw": typed, "number": number, "text": "", "parse": "blank" if typed is None else ""})
    return pd.DataFrame(out, columns=VALUE_COLUMNS)


def findings(form, level: str | None, *rows) -> list[str]:
    """Rule ids of the findings of one return of ``level`` holding ``rows``."""
    report = validate_values(form, values(form, level, *rows), levels={"r1": level})
    return [f.rule_id for f in report.findings]


def published() -> dict[str, float]:
    """Seed 002's printed figures (column "Số liệu")."""
    return yaml.safe_load((DATA / "ninhthuan_2021_published.yaml").read_text(encoding="utf-8"))


def codes_for(form, level: str | None) -> set[str]:
    """Value codes a unit of ``level`` gets."""
    return {code for code, _ in value_cells(form_layouts(form, level))}


UNITS = {"tinh": ("P58", "UBND tỉnh Ninh Thuận"), "so_nganh": ("SNV", "Sở Nội vụ"),
         "huyen": ("H-MUONGLA", "UBND huyện Mường La"), "phong_huyen": ("H-PNV", "Phòng Nội vụ huyện"),
         "xa": ("03646", "Phường Tô Hiệu")}


def unit(level: str) -> UnitInfo:
    code, name = UNITS[level]
    return UnitInfo(code, name, level, level)


# ----------------------------------------------------------------------------- levels (who fills what)


@pytest.mark.parametrize(("form_id", "levels"), [
    ("bacgiang-2022", ("so_nganh", "huyen")),      # seed 004 III: sở and UBND huyện are inspected
    ("sonla-2024", ("so_nganh", "huyen")),         # seed 003 line 170: sở, UBND huyện report
    ("sonla-2022", ("so_nganh", "huyen")),
    ("ninhthuan-2021", ("tinh", "so_nganh", "huyen")),
    ("tuangiao-2024", ("huyen", "phong_huyen", "xa")),
])
def test_levels_of_each_form(form_id, levels):
    assert FORMS[form_id].levels == levels


@pytest.mark.parametrize(("form_id", "code", "only"), [
    ("bacgiang-2022", "b.2", {"huyen"}),           # the communes' ICT block: the district reports it
    ("bacgiang-2022", "b.13", {"huyen"}),
    ("bacgiang-2022", "a.6", {"huyen"}),
    ("bacgiang-2022", "mc.1", {"so_nganh", "huyen"}),
    ("sonla-2024", "II.6.8.a", {"huyen"}),         # "bộ phận một cửa của các xã" (line 378)
    ("sonla-2024", "II.6.8.b", {"huyen"}),
    ("sonla-2024", "II.4.4.e", {"huyen"}),
    ("sonla-2024", "II.2.4.g", {"huyen"}),
    ("sonla-2024", "I.1.a", {"so_nganh", "huyen"}),
    ("sonla-2022", "2.1.4", {"huyen"}),            # apologies: "UBND cấp huyện, cấp xã"
    ("sonla-2022", "2.1.1", {"so_nganh", "huyen"}),
    ("ninhthuan-2021", "1.2.1", {"tinh"}),         # what the province did to its units
    ("ninhthuan-2021", "3.1.3.a", {"tinh"}),
    ("ninhthuan-2021", "3.4.2", {"tinh"}),
    ("ninhthuan-2021", "4.1.1", {"tinh"}),
    ("ninhthuan-2021", "5.4.1", {"tinh"}),
    ("ninhthuan-2021", "7.2", {"tinh"}),
    ("ninhthuan-2021", "7.6.1.b", {"tinh"}),
    ("ninhthuan-2021", "7.7.3", {"tinh"}),
    ("ninhthuan-2021", "3.1.3", {"tinh", "so_nganh", "huyen"}),
])
def test_rows_go_to_the_levels_the_source_names(form_id, code, only):
    form = FORMS[form_id]
    assert {level for level in form.levels if code in codes_for(form, level)} == only


@pytest.mark.parametrize(("level", "rows", "expected"), [
    # the province reports the figures it has: a blank is no error (seed 002 prints 20 of 94)
    ("tinh", [("1.1.1", "value", None), ("1.2.1", "value", None)], []),
    ("so_nganh", [("1.1.1", "value", None)], ["required.blank"]),
    ("huyen", [("2.1", "value", None)], ["required.blank"]),
    ("huyen", [("1.4.2", "value", None)], ["required.blank"]),
    ("so_nganh", [("1.1.1", "value", 0)], []),
])
def test_ninhthuan_required_per_level(level, rows, expected):
    assert findings(NT, level, *rows) == expected


def test_ninhthuan_province_is_a_summary_level():
    """A province return holds province-wide totals: totals never add it to its units."""
    assert NT.summary_levels == ("tinh",)
    assert all(f.summary_levels == () for f in FORMS.values() if f is not NT)
    units = pd.DataFrame({"unit_code": ["P58", "SNV", "H1"], "unit_name": ["Tỉnh", "Sở", "Huyện"],
                          "level": ["tinh", "so_nganh", "huyen"], "parent_code": ["", "P58", "P58"]},
                         index=pd.Index(["r1", "r2", "r3"], name="return_id"))
    groups = {(scope, code): list(rows) for scope, code, _, rows in
              scope_groups(units, Registry([]), NT.summary_levels)}
    assert groups[("all", "")] == [1, 2]          # the province's own figures are not added
    assert groups[("level", "tinh")] == [0]       # they are shown on their own
    assert groups[("parent", "P58")] == [1, 2]


# ----------------------------------------------------------------------------- seed 002, published


def test_published_appendix_read_as_a_province_return_has_no_error(tmp_path):
    """Seed 002's figures typed into a province workbook, read back and checked: 0 errors."""
    prefill = Prefill(cells={(code, "value"): value for code, value in published().items()})
    path = generate_workbook(NT, tmp_path / "nt.xlsx", unit=unit("tinh"), prefill=prefill)
    ret = read_return(path)
    assert ret.level == "tinh"
    report = validate_return(ret)
    assert report.n_errors == 0, [f.message for f in report.findings]
    assert report.findings == []


def test_published_appendix_with_one_part_changed_fires_the_parts_rule(tmp_path):
    figures = {**published(), "3.1.3.b": 265}
    prefill = Prefill(cells={(code, "value"): value for code, value in figures.items()})
    path = generate_workbook(NT, tmp_path / "nt.xlsx", unit=unit("tinh"), prefill=prefill)
    report = validate_return(read_return(path))
    (finding,) = report.findings
    pos = value_cells(form_layouts(NT, "tinh"))[("3.1.3", "value")]
    assert (finding.rule_id, finding.severity) == ("parts:3.1.3", "error")
    assert finding.cell == f"{col_letters(pos.col)}{pos.row + 1}"
    assert "(1.817) phải bằng 'Tổng số TTHC đang có hiệu lực' (1.821)" in finding.message


# ----------------------------------------------------------------------------- new rules


RULES = [
    # Ninh Thuận (huyen: the rows every unit fills)
    (NT, "huyen", [("2.2", "value", 3), ("2.3", "value", 4), ("2.4", "value", 8)],
     ["rule:vbqppl_kien_nghi_le_kiem_tra_ra_soat"]),
    (NT, "huyen", [("2.2", "value", 3), ("2.3", "value", 4), ("2.4", "value", 7)], []),
    (NT, "huyen", [("3.1.3", "value", 100), ("3.2.1", "value", 101)], ["rule:dvc_qg_cong_khai_le_tthc_hieu_luc"]),
    (NT, "huyen", [("3.1.3", "value", 100), ("3.5.1", "value", 101)], ["rule:dvc_tich_hop_le_tthc_hieu_luc"]),
    (NT, "huyen", [("3.5.2", "value", 10), ("3.5.3", "value", 11)], ["rule:dvc_thanh_toan_le_muc_do_34"]),
    (NT, "huyen", [("4.1.4", "value", 10), ("6.1", "value", 3), ("6.2", "value", 3), ("6.3", "value", 3),
                   ("6.4", "value", 2)], ["rule:snc_tu_chu_le_tong_dvsncl"]),
    (NT, "huyen", [("4.1.4", "value", 11), ("6.1", "value", 3), ("6.2", "value", 3), ("6.3", "value", 3),
                   ("6.4", "value", 2)], []),
    (NT, "huyen", [("7.6.2.a", "value", 60.5), ("7.6.2.b", "value", 40)], ["rule:van_ban_dien_tu_ty_le_le_100"]),
    (NT, "huyen", [("7.6.2.a", "value", 60), ("7.6.2.b", "value", 40)], []),
    # Sơn La 2024, column "year" (the rules hold per value column)
    (SL, "huyen", [("II.1.5", "year", 2), ("II.1.6", "year", 2), ("II.1.7", "year", 5)],
     ["rule:pl2_vbqppl_kien_nghi_le_kiem_tra_ra_soat"]),
    (SL, "huyen", [("II.2.2.b", "year", 10), ("II.6.6.a", "year", 9)], ["rule:pl2_tthc_mot_phan_bang_dvc"]),
    (SL, "huyen", [("II.2.2.c", "prev_year", 4), ("II.6.6.b", "prev_year", 5)], ["rule:pl2_tthc_toan_trinh_bang_dvc"]),
    (SL, "huyen", [("II.2.2.b", "year", 10), ("II.6.6.a", "year", 10)], []),
    (SL, "huyen", [("II.2.3.c:num", "year", 20), ("II.2.3.d:den", "year", 21)],
     ["rule:pl2_quy_trinh_duyet_le_tthc_duyet"]),
    (SL, "huyen", [("II.2.4.a:num", "year", 10), ("II.2.4.g:num", "year", 6), ("II.2.4.h:num", "year", 5)],
     ["rule:pl2_hs_dat_dai_xay_dung_dung_han_le_tong"]),
    (SL, "huyen", [("II.2.4.d", "year", 3), ("II.2.4.d_nguoi", "year", 2)], ["rule:pl2_doi_thoai_nguoi_ge_cuoc"]),
    (SL, "huyen", [("II.2.4.d", "year", 3), ("II.2.4.d_nguoi", "year", 40)], []),
    (SL, "huyen", [("II.6.1:num", "year", 5), ("II.6.1b:num", "year", 6)], ["rule:pl2_chung_thu_so_ban_in_lap_tu"]),
    (SL, "huyen", [("II.6.1:den", "year", 7), ("II.6.1b:den", "year", 8)], ["rule:pl2_chung_thu_so_ban_in_lap_mau"]),
    (SL, "huyen", [("II.3.1.a", "year", 5), ("II.3.1.c", "year", 6)], ["rule:pl2_dvsncl_le_don_vi_truc_thuoc"]),
    (SL, "huyen", [("II.6.3.b", "year", 70), ("II.6.3.c", "year", 31)], ["rule:pl2_van_ban_dien_tu_ty_le_le_100"]),
    (SL, "huyen", [("II.6.3.b", "year", 70), ("II.6.3.c", "year", 30)], []),
    (SL, "huyen", [("II.6.8.a:num", "year", 3), ("II.6.8.a:den", "year", 2)], []),  # 1,50 máy/người
    # Bắc Giang (a.5 and a.2 on the district's sheet)
    (BG, "huyen", [("a.2:num", "value", 50), ("a.5:num", "value", 51)], ["rule:cntt_sh_vb_ky_so_le_vb_dien_tu"]),
    (BG, "huyen", [("a.2:den", "value", 100), ("a.5:den", "value", 99)], ["rule:cntt_sh_vb_di_ky_so_bang_vb_di"]),
    (BG, "huyen", [("a.2:den", "value", 100), ("a.7:den", "value", 101)], ["rule:cntt_sh_vb_di_lanh_dao_bang_vb_di"]),
    (BG, "huyen", [("a.2:den", "value", 100), ("a.13:den", "value", 98)], ["rule:cntt_sh_vb_di_so_hoa_bang_vb_di"]),
    (BG, "huyen", [("a.1:den", "value", 100), ("a.12:den", "value", 90)], ["rule:cntt_sh_vb_den_so_hoa_bang_vb_den"]),
    (BG, "huyen", [("a.6:den", "value", 30), ("a.8:den", "value", 31)], ["rule:cntt_sh_vb_di_phong_ban_bang_nhau"]),
    (BG, "huyen", [("a.2:den", "value", 100), ("a.5:den", "value", 100), ("a.7:den", "value", 100),
                   ("a.13:den", "value", 100)], []),
    (BG, "huyen", [("a.16:num", "value", 11), ("a.16:den", "value", 10)], ["ratio:a.16"]),
    (BG, "huyen", [("b.2:num", "value", 11), ("b.2:den", "value", 10)], ["ratio:b.2"]),
    (BG, "so_nganh", [("mc.1", "value", 10), ("mc.2", "value", 6), ("mc.3", "value", 3), ("mc.4", "value", 2)],
     ["rule:mot_cua_giai_quyet_le_tiep_nhan"]),
    (BG, "so_nganh", [("mc.1", "value", 10), ("mc.2", "value", 6), ("mc.3", "value", 3), ("mc.4", "value", 1)], []),
    # Sơn La 2022
    (SL22, "huyen", [("2.1.1", "value", 10), ("2.1.2", "value", 8), ("2.1.3", "value", 3)],
     ["rule:so_lieu_hs_dung_han_qua_han_le_tiep_nhan"]),
    (SL22, "so_nganh", [("6.1.5:num", "value", 4), ("6.1.5:den", "value", 3)], ["ratio:6.1.5"]),
]


@pytest.mark.parametrize(("form", "level", "rows", "expected"), RULES,
                         ids=[f"{r[0].id}-{'-'.join(x[0] for x in r[2])}-{len(r[3])}" for r in RULES])
def test_rules(form, level, rows, expected):
    got = [f for f in findings(form, level, *rows) if f != "required.blank"]
    assert got == expected


def test_a_constant_side_prints_its_number_in_the_finding():
    report = validate_values(NT, values(NT, "huyen", ("7.6.2.a", "value", 60.5), ("7.6.2.b", "value", 40)),
                             levels={"r1": "huyen"})
    (finding,) = [f for f in report.findings if f.rule_id.startswith("rule:")]
    assert "= 100,5; 100 = 100)" in finding.message, finding.message


# ----------------------------------------------------------------------------- what a unit sees


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[tuple[str, str | None], Path]:
    """Every form × level workbook (and the blank template), generated once."""
    out = tmp_path_factory.mktemp("fidelity")
    made = {}
    for form in FORMS.values():
        for level in (None, *form.levels):
            name = f"{form.id}-{level or 'blank'}.xlsx"
            made[(form.id, level)] = generate_workbook(form, out / name, unit=unit(level) if level else None)
    return made


def _texts(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


def test_no_internal_word_reaches_a_user(workbooks):
    for key, path in workbooks.items():
        text = _texts(path)
        assert not [w for w in INTERNAL_WORDS if w in text], (key, [w for w in INTERNAL_WORDS if w in text])


def test_no_title_repeats_its_label(workbooks):
    """"PHỤ LỤC" then "PHỤ LỤC Kết quả…" (Ninh Thuận) printed the word twice."""
    for (form_id, level), path in workbooks.items():
        wb = openpyxl.load_workbook(path)
        for sheet in FORMS[form_id].sheets_for_level(level):
            ws = wb[sheet.name]
            label, title = str(ws["A1"].value), str(ws["A2"].value)
            assert not title.upper().startswith(label), (form_id, sheet.name, title)


def test_single_result_column_is_not_headed_twice(workbooks):
    wb = openpyxl.load_workbook(workbooks[("bacgiang-2022", "huyen")])
    ws = wb["ISO 9001"]
    headers = [ws.cell(7, c).value for c in range(1, 6)] + [ws.cell(8, c).value for c in range(1, 6)]
    assert headers.count("Kết quả") == 1, headers


def test_tuangiao_title_follows_the_period_and_names_the_unit(tmp_path):
    path = generate_workbook(TG, tmp_path / "tg.xlsx", unit=unit("xa"), year=2024)
    title = openpyxl.load_workbook(path)["Phụ lục 03"]["A2"].value
    assert title == "Báo cáo tình hình tiếp nhận và giải quyết thủ tục hành chính năm 2023, 2024 tại Phường Tô Hiệu"


def test_one_deadline_everywhere(tmp_path):
    """The cover's deadline and the note's are the same: --deadline, else the source's."""
    for deadline, shown, other in ((date(2024, 11, 15), "15/11/2024", "30/10/2024"), (None, "30/10/2024", None)):
        path = generate_workbook(SL, tmp_path / "sl.xlsx", unit=unit("huyen"), deadline=deadline)
        ws = openpyxl.load_workbook(path)[INFO_SHEET]
        cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
        assert "Hạn gửi báo cáo" in cells and cells[cells.index("Hạn gửi báo cáo") + 1] == shown
        assert any(f"trước ngày {shown}" in c for c in cells)
        assert other is None or not any(other in c for c in cells)


def test_report_number_and_date_print_in_every_subtitle(tmp_path, soffice):
    """Typed once on the information sheet; the subtitles show them (LibreOffice recalculates)."""
    info = {"report_number": "125/BC-UBND", "report_date": date(2024, 10, 20), "reporter": "Lò Văn Minh"}
    path = generate_workbook(SL, tmp_path / "sl.xlsx", unit=unit("huyen"), prefill=Prefill(info=info))
    expected = "Báo cáo số 125/BC-UBND ngày 20/10/2024 của UBND huyện Mường La)"
    cached = openpyxl.load_workbook(path, data_only=True)
    assert all(cached[name]["A3"].value.endswith(expected) for name in ("Phụ lục I", "Phụ lục II"))
    recalculated = openpyxl.load_workbook(soffice(path, "xlsx", tmp_path / "lo"), data_only=True)
    for name in ("Phụ lục I", "Phụ lục II"):
        assert recalculated[name]["A3"].value.endswith(expected), recalculated[name]["A3"].value
        texts = [c.value for row in recalculated[name].iter_rows() for c in row if isinstance(c.value, str)]
        assert "Sơn La, ngày 20 tháng 10 năm 2024" in texts
        assert "Lò Văn Minh" in texts


def test_signature_block_under_every_appendix(workbooks):
    for (form_id, level), path in workbooks.items():
        wb = openpyxl.load_workbook(path)
        for sheet in FORMS[form_id].sheets_for_level(level):
            ws = wb[sheet.name]
            texts = {c.value: c.row for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
            for words in ("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)", "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", "(Ký tên, đóng dấu)"):
                assert words in texts, (form_id, level, sheet.name, words)
            assert texts["NGƯỜI LẬP BIỂU"] == texts["THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"]
            print_area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
            assert print_area.endswith(f"${texts['(Ký tên, đóng dấu)'] + 2}"), print_area


def test_list_rows_end_above_the_signature(tmp_path):
    """The reader keeps the list's rows and never reads the signature block as one."""
    rows = [{"ngay": date(2010, 3, 4), "ten_van_ban": "Nghị định số 61/2018/NĐ-CP", "ghi_chu": ""}]
    path = generate_workbook(TG, tmp_path / "tg.xlsx", unit=unit("xa"), prefill=Prefill(lists={"pl01": rows}))
    ret = read_return(path)
    listed = ret.values[ret.values["sheet_id"] == "pl01"]
    assert sorted(set(listed["item"])) == [1]
    report = validate_return(ret)
    assert [f.rule_id for f in report.findings if f.sheet == "Phụ lục 01"] == []  # 2010 is accepted


def test_machines_per_person_is_a_plain_ratio(tmp_path, soffice):
    """II.6.8.a: 3 machines for 2 people print 1,50 (not 150), with the printed unit."""
    cells = {("II.6.8.a:num", "year"): 3, ("II.6.8.a:den", "year"): 2}
    path = generate_workbook(SL, tmp_path / "sl.xlsx", unit=unit("huyen"), prefill=Prefill(cells=cells))
    pos = value_cells(form_layouts(SL, "huyen"))[("II.6.8.a", "year")]
    recalculated = openpyxl.load_workbook(soffice(path, "xlsx", tmp_path / "lo"), data_only=True)["Phụ lục II"]
    assert recalculated.cell(pos.row + 1, pos.col + 1).value == 1.5
    assert recalculated.cell(pos.row + 1, 3).value == "Số máy/Số người làm việc tại bộ phận 1 cửa"
    ret = read_return(path)
    rate = ret.values[(ret.values["code"] == "II.6.8.a") & (ret.values["column"] == "year")]
    assert list(rate["number"]) == [1.5]
    assert not [n for n in ret.notices if n.code == "formula_overwritten"]


def test_compound_units_print_on_the_computed_row(workbooks):
    wb = openpyxl.load_workbook(workbooks[("sonla-2024", "huyen")])
    ws = wb["Phụ lục II"]
    units = {ws.cell(r, 7).value: ws.cell(r, 3).value for r in range(1, ws.max_row + 1)}
    assert units["II.2.4.c"] == "Tổng số văn bản xin lỗi theo quy định/tổng số hồ TTHC trễ hạn"
    assert units["II.6.7.a"] == "TTHC/KQ giải quyết"
    assert units["II.2.4.a"] == "... hồ sơ = ...%"


def test_every_sheet_of_every_form_is_checked(workbooks):
    """The workbooks above cover every sheet of every form at least once."""
    seen = {(form_id, s.id) for (form_id, level) in workbooks for s in FORMS[form_id].sheets_for_level(level)}
    assert seen == {(f.id, s.id) for f in FORMS.values() for s in f.sheets}
    assert all(isinstance(s, IndicatorSheet | ListSheet) for f in FORMS.values() for s in f.sheets)


# ----------------------------------------------------------------------------- catalog mistakes


BASE = """\
id: test-form
version: 1
title: "Biểu thử"
province: "Sơn La"
year: 2024
source: "thử"
period: {default_year: 2024, deadline: "30/10/{year}"}
levels: [so_nganh, huyen]
sheets:
  - id: s1
    name: "Phụ lục"
    kind: indicators
    title: "Bảng số liệu"
    columns:
      - {key: value, label: "Số liệu"}
    rows:
      - {code: "A", label: "Tỷ lệ A", unit: "%", kind: percent, required: [huyen]}
      - {code: "B", label: "Tỷ lệ B", unit: "%", kind: percent}
      - {code: "C", label: "Máy/người", kind: ratio, display: ratio, decimals: 2,
         numerator: {label: "Số máy"}, denominator: {label: "Số người"}}
rules:
  - {id: r1, left: ["A", "B"], op: "<=", right: 100, severity: error, message: "Quá 100."}
"""


def test_the_new_fields_load(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(BASE, encoding="utf-8")
    form = load_form(path)
    a, c = form.indicator("A"), form.indicator("C")
    assert (a.required_levels, a.required_for("so_nganh"), a.required_for("huyen")) == (("huyen",), False, True)
    assert (c.display, c.decimals, c.rate_unit) == ("ratio", 2, "")
    (rule,) = form.rules
    assert (rule.right, rule.constant) == ((), 100.0)
    assert form.period.deadline == "30/10/{year}"


@pytest.mark.parametrize(("old", "new", "words"), [
    ("required: [huyen]", "required: [xa]", "cấp không có trong levels của biểu mẫu"),
    ("required: [huyen]", "required: yes please", "required phải là true, false hoặc danh sách"),
    ('kind: percent}', 'kind: percent, display: ratio}', "display/decimals chỉ dùng cho loại 'ratio'"),
    ("display: ratio,", "display: fraction,", "display 'fraction' không hợp lệ"),
    ("decimals: 2", "decimals: 9", "decimals phải là số nguyên từ 0 đến 6"),
    ("right: 100", "right: [100, 5]", "vế phải có nhiều nhất một hằng số"),
    ('left: ["A", "B"]', "left: [100]", "vế trái phải là các mã"),
    ('deadline: "30/10/{year}"', 'deadline: "cuối tháng 10"', "hạn gửi phải có dạng ngày/tháng/năm"),
    ("levels: [so_nganh, huyen]", "levels: [so_nganh, huyen]\nsummary_levels: [tinh]", "summary_levels"),
])
def test_mistakes_in_the_new_fields_name_file_and_entry(tmp_path, old, new, words):
    assert BASE.count(old) == 1
    path = tmp_path / "broken.yaml"
    path.write_text(BASE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_form(path)
    assert str(info.value).startswith("broken.yaml: ") and words in str(info.value), str(info.value)


def test_no_internal_word_in_any_text_of_the_catalog():
    """What the forms print (titles, labels, units, notes, sources, help, messages) reaches every
    workbook and the consolidation output: none of it may carry an internal word."""
    def strings(node):
        if isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value)
        elif isinstance(node, str):
            yield node

    for form in FORMS.values():
        data = yaml.safe_load(Path(form.path).read_text(encoding="utf-8"))  # comments are not data
        bad = [s for s in strings(data) if "seed" in s.lower() or "TODO" in s]
        assert bad == [], (form.id, bad)
