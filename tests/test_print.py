"""The print-ready tong_hop.xlsx: A4 everywhere, repeated headers, readable scale, honest formats.

Rounds of 90 and 400 units are simulated, consolidated by the ``cchc consolidate`` command, and
the output is judged with tools that are not ours: openpyxl (page set-up, formats, values) and
LibreOffice (the "Tổng hợp" sheet alone printed to PDF; pdfinfo counts its pages, pdftotext
measures its letters).
"""

from __future__ import annotations

import re
import statistics
import subprocess
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, run_cchc

from consolidate.charts import EXTREMES
from consolidate.output import CHARTS_SHEET, MISSING_SHEET, STATUS_SHEET, UNITS_SHEET
from consolidate.summary_page import EXPLAIN_SHEET, SUMMARY_SHEET
from simulate import SimulationTruth, simulate_round
from workbooks.catalog.loader import get_form
from workbooks.registry import Unit, load_registry, write_registry

FORM_ID = "sonla-2024"
A4 = 9
TECHNICAL = re.compile(r"^(sum|rate|median|min|max|n|yes|answered|choice=.*)$")
# Printable width of A4 (margins 0.5" + 0.4") in Excel column-width units (about 7.6 px of 96 dpi each):
# a sheet wider than this prints below 100 %; "readable" is at least 70 %.
PRINTABLE_UNITS = {"landscape": (11.69 - 0.9) * 96 / 7.6, "portrait": (8.27 - 0.9) * 96 / 7.6}
READABLE = 0.70


def province_registry(expected: int, folder: Path) -> Path:
    """A registry of ``expected`` reporting units: the sample's departments, districts of 30 communes.

    Args:
        expected: units that must send the form (the province itself sends nothing).
        folder: where to write it.

    Returns:
        The CSV written.
    """
    sample = load_registry(ROOT / "workbooks" / "registries" / "sonla.csv")
    units = [u for u in sample if u.level in ("tinh", "so_nganh")]
    districts = max(2, (expected - len(units) + 1) // 31)
    units += [Unit(f"H{i:02d}", f"UBND huyện Thử {i}", "huyen", "P14") for i in range(1, districts + 1)]
    communes = expected + 1 - len(units)  # Sơn La 2024 is for sở and districts: communes are asked by name
    units += [Unit(f"X{i:04d}", f"Xã Thử Nghiệm {i}", "xa", f"H{i % districts + 1:02d}", (FORM_ID,))
              for i in range(communes)]
    return write_registry(units, folder / "don_vi.csv")


def consolidated_round(folder: Path, expected: int, seed: int, *extra: str) -> tuple[Path, SimulationTruth]:
    """Simulate a round of ``expected`` units and consolidate it with ``cchc consolidate``.

    Returns:
        The tong_hop.xlsx written and the simulation's truth.
    """
    registry_path = province_registry(expected, folder)
    registry = load_registry(registry_path)
    form = get_form(FORM_ID)
    assert len(registry.expected_for(form.id, form.levels)) == expected
    truth = simulate_round(form, registry, folder / "in", rng_seed=seed, jobs=2)
    out = folder / "tong_hop.xlsx"
    done = run_cchc("consolidate", folder / "in", "--form", FORM_ID, "--registry", registry_path, "--out", out,
                    "--deadline", truth.deadline.strftime("%d/%m/%Y"), "--jobs", "2", *extra)
    assert done.code == 0, done.text
    return out, truth


@pytest.fixture(scope="module")
def round90(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SimulationTruth]:
    """A round of 90 units."""
    return consolidated_round(tmp_path_factory.mktemp("r90"), 90, 90)


@pytest.fixture(scope="module")
def round400(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SimulationTruth]:
    """A round of 400 units."""
    return consolidated_round(tmp_path_factory.mktemp("r400"), 400, 400)


def sheet_pdf(soffice, book: Path, sheet: str, outdir: Path) -> Path:
    """One sheet of a workbook printed to PDF by LibreOffice (the other sheets removed with openpyxl)."""
    wb = openpyxl.load_workbook(book)
    for ws in list(wb.worksheets):
        if ws.title != sheet:
            wb.remove(ws)
    outdir.mkdir(parents=True, exist_ok=True)
    alone = outdir / "mot_sheet.xlsx"
    wb.save(alone)
    return soffice(alone, "pdf", outdir / "pdf")


def pdf_pages(pdf: Path) -> int:
    """Pages of a PDF, as pdfinfo counts them."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def word_heights(pdf: Path) -> list[float]:
    """Height in points of every word of the PDF's first page (pdftotext's bounding boxes)."""
    xml = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return [float(b) - float(a) for a, b in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', xml)]


def printed_width(ws) -> float:
    """Sum of the widths of the used columns (openpyxl), in column-width units."""
    total = 0.0
    for col in range(1, ws.max_column + 1):
        letter = openpyxl.utils.get_column_letter(col)
        dim = ws.column_dimensions.get(letter)
        total += dim.width if dim is not None and dim.width else 8.43
    return total


def test_every_sheet_prints_on_a4_with_headers_numbers_and_readable_width(round90) -> None:
    """openpyxl: A4, orientation, page numbers in the footer, repeated header rows; fit to one page
    wide at >= 70 % (the per-unit sheet: 80 % across pages, unit columns repeated)."""
    out, _ = round90
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert int(setup.paperSize) == A4, ws.title
        assert setup.orientation in {"landscape", "portrait"}, ws.title
        assert "&P" in (ws.oddFooter.center.text or ""), ws.title
        if ws.title == UNITS_SHEET:
            assert int(setup.scale) == 80 and not ws.sheet_properties.pageSetUpPr.fitToPage
            assert ws.print_title_cols == "$A:$B" and ws.print_title_rows == "$2:$4"
            continue
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        fit = (setup.fitToWidth, setup.fitToHeight)  # None: the OOXML default, 1
        assert fit in {(None, 0), (1, 0)}, (ws.title, fit)
        if not ws.title.startswith("Biểu đồ"):
            assert ws.print_title_rows, ws.title
            scale = PRINTABLE_UNITS[setup.orientation] / printed_width(ws)
            assert scale >= READABLE, (ws.title, round(scale, 2))


def test_summary_is_the_appendix_without_technical_columns(round90) -> None:
    """"Tổng hợp": STT, label, unit, then per year the province and each level; no method, code,
    measure or option; counts "#,##0", rates "0.00", medians rounded; codes and measures are on
    "Giải thích số liệu", row for row."""
    out, _ = round90
    wb = openpyxl.load_workbook(out)
    ws, explain = wb[SUMMARY_SHEET], wb[EXPLAIN_SHEET]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for word in ("Cách tổng hợp", "Mã chỉ tiêu", "--"):
        assert not [t for t in texts if word in t], word
    assert not [t for t in texts if TECHNICAL.match(t)]
    header = [c.value for c in ws[8]]
    assert header[:3] == ["STT", "Chỉ tiêu", "Đơn vị tính"]
    assert [c.value for c in ws[9]][3:6] == ["Toàn tỉnh", "Sở, ban, ngành cấp tỉnh", "UBND cấp huyện"]
    assert ws.print_title_rows == "$8:$9"
    measure_of = {}
    for row in explain.iter_rows(min_row=10):
        if row[3].value:
            measure_of.setdefault((row[3].value, row[4].value), row[0].row)
    formats = {"sum": "#,##0", "rate": "0.00", "median": "#,##0.0#"}
    seen = set()
    for (code, measure), r in measure_of.items():
        cell = ws.cell(r, 4)
        if measure in formats and isinstance(cell.value, int | float):
            assert cell.number_format == formats[measure], (code, measure)
            seen.add(measure)
            if measure in {"median", "min", "max"}:
                assert round(cell.value, 2) == cell.value
            if measure == "sum":
                assert float(cell.value).is_integer()
    assert seen == set(formats)


def test_units_sheet_formats_and_headers_with_year(round90) -> None:
    """"Theo đơn vị": whole counts formatted as whole numbers, rates with two decimals, every value
    header names its year; parents by name on "Theo đơn vị", "Tình trạng nộp" and "Chưa nộp"."""
    out, truth = round90
    wb = openpyxl.load_workbook(out)
    ws = wb[UNITS_SHEET]
    years = [c.value for c in ws[3][6:]]
    assert years and all(re.match(r"^Năm 20\d\d|^Ghi chú$", y) for y in years), set(years)
    formats = {c.number_format for row in ws.iter_rows(min_row=5) for c in row[6:] if isinstance(c.value, int | float)}
    assert formats <= {"#,##0", "0.00", "#,##0.0#"} and "#,##0" in formats and "0.00" in formats
    for row in ws.iter_rows(min_row=5):
        for c in row[6:]:
            if c.number_format == "#,##0.0#" and isinstance(c.value, int | float):
                assert not float(c.value).is_integer()
    names = {f"H{i:02d}": f"UBND huyện Thử {i}" for i in range(1, 10)} | {"P14": "UBND tỉnh Sơn La"}
    for sheet, col in ((UNITS_SHEET, 4), (STATUS_SHEET, 4), (MISSING_SHEET, 4)):
        first = 5 if sheet == UNITS_SHEET else 2
        parents = {r[col - 1] for r in wb[sheet].iter_rows(min_row=first, values_only=True) if r[0]}
        parents.discard(None)
        assert parents and parents <= set(names.values()), (sheet, parents)
    missing = [r[0] for r in wb[MISSING_SHEET].iter_rows(min_row=2, values_only=True) if r[1]]
    assert set(missing) == set(truth.missing) | set(truth.broken)


def test_charts_stay_small_at_400_units(round400) -> None:
    """At 400 units: the per-unit chart shows the 15 lowest and 15 highest; the other charts one bar per
    level or parent; every chart sheet is set up for A4."""
    out, _ = round400
    wb = openpyxl.load_workbook(out)
    charts = [ws for ws in wb.worksheets if ws.title.startswith(CHARTS_SHEET)]
    assert len(charts) == 3
    by_unit = wb["Biểu đồ theo đơn vị"]
    rows = [r for r in by_unit.iter_rows(min_row=3, max_col=3, values_only=True) if r[1]]
    assert len(rows) == 2 * EXTREMES
    values = [r[2] for r in rows]
    assert values == sorted(values)
    by_scope = wb["Biểu đồ theo cấp"]
    scopes = [r[1] for r in by_scope.iter_rows(min_row=3, max_col=3, values_only=True) if isinstance(r[2], float)]
    assert 0 < len(scopes) <= 2 * (1 + 3 + 14)
    for ws in charts:
        assert int(ws.page_setup.paperSize) == A4 and ws._charts


def test_summary_pdf_pages_depend_on_the_appendix_not_on_units(round90, round400, soffice, tmp_path: Path) -> None:
    """LibreOffice prints "Tổng hợp" alone in the same few pages for 90 and for 400 units, letters >= 8 pt."""
    pages = {}
    for name, (out, _) in (("90", round90), ("400", round400)):
        pdf = sheet_pdf(soffice, out, SUMMARY_SHEET, tmp_path / name)
        pages[name] = pdf_pages(pdf)
        heights = word_heights(pdf)
        assert statistics.median(heights) >= 9.0, statistics.median(heights)  # box of a >= 8 pt letter
    assert pages["90"] == pages["400"], pages
    assert 3 <= pages["90"] <= 12, pages


def test_units_sheet_headers_name_the_year_of_grouped_columns(tmp_path: Path) -> None:
    """Tuần Giáo asks "Tổng số / Số giải quyết đúng hạn / Tỷ lệ" for two years: each header says which."""
    form = get_form("tuangiao-2024")
    registry_path = ROOT / "workbooks" / "registries" / "tuangiao.csv"
    truth = simulate_round(form, load_registry(registry_path), tmp_path / "in", rng_seed=7, missing=1, late=1,
                           with_mistakes=0, duplicate=0, broken=0, jobs=1)
    out = tmp_path / "tong_hop.xlsx"
    done = run_cchc("consolidate", tmp_path / "in", "--form", form.id, "--registry", registry_path, "--out", out,
                    "--deadline", truth.deadline.strftime("%d/%m/%Y"), "--jobs", "1", "--data-format", "none")
    assert done.code == 0, done.text
    ws = openpyxl.load_workbook(out)[UNITS_SHEET]
    heads = [c.value for c in ws[3][6:] if c.value != "Ghi chú"]
    assert "Năm 2022 – Tổng số" in heads and "Năm 2023 – Tỷ lệ" in heads
    assert not [h for h in heads if h in {"Tổng số", "Số giải quyết đúng hạn", "Tỷ lệ"}]
