"""Every label, header, note and title prints whole: the oracle is LibreOffice's own layout.

Each generated workbook (every form × level, and the blank template) is opened in a headless
LibreOffice through its UNO API (Debian's python3-uno, run with the system ``python3`` in a
subprocess). For every row LibreOffice computes the row's optimal height (``OptimalHeight``);
the height the generator set must not be smaller. Merged cells (titles, subtitles, notes,
signature lines, header groups) get their own measure as well, since a range merged over several
rows is not one row's business: the text, font and wrapping of each are copied into a scratch
cell as wide as the merged range, whose optimal height is then what the rows the range spans
need together.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from conftest import case_id, require_soffice

from workbooks.writer.row_heights import column_points, font_metric, text_height, wrapped_lines

SYSTEM_PYTHON = "/usr/bin/python3"  # the interpreter python3-uno belongs to
TOLERANCE = 5  # 1/100 mm (0.14 pt): LibreOffice rounds points to its own unit
UNO_TIMEOUT = 900

# Runs under the system python3: starts soffice on a private pipe, measures, writes JSON.
UNO_SCRIPT = r'''
import json, os, signal, subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

COPIED = ("CharFontName", "CharHeight", "CharWeight", "CharPosture", "IsTextWrapped",
          "ParaLeftMargin", "ParaRightMargin", "ParaTopMargin", "ParaBottomMargin")

def hidden():
    p = PropertyValue(); p.Name = "Hidden"; p.Value = True; return p

def measure(doc, merged_ranges):
    sheets = doc.Sheets
    names = list(sheets.ElementNames)
    sheets.insertNewByName("zz_scratch", len(names))
    scratch = sheets.getByName("zz_scratch")
    probe = scratch.getCellByPosition(0, 0)
    out = {}
    for name in names:
        sheet = sheets.getByName(name)
        if not sheet.IsVisible:
            continue
        cur = sheet.createCursor(); cur.gotoEndOfUsedArea(False)
        cols = sheet.Columns
        rows, merged = [], []
        for first, first_col, last, last_col in merged_ranges.get(name, []):
            cell = sheet.getCellByPosition(first_col, first)
            text = cell.String
            if not text:
                continue
            spanned = [cols.getByIndex(k) for k in range(first_col, last_col + 1)]
            scratch.Columns.getByIndex(0).Width = sum(k.Width for k in spanned if k.IsVisible)
            for prop in COPIED:
                setattr(probe, prop, getattr(cell, prop))
            probe.String = text
            scratch.Rows.getByIndex(0).OptimalHeight = True
            merged.append([first, last, first_col, scratch.Rows.getByIndex(0).Height, text[:80]])
        for r in range(cur.RangeAddress.EndRow + 1):
            row = sheet.Rows.getByIndex(r)
            height = row.Height
            row.OptimalHeight = True
            rows.append([r, height, row.Height])
        out[name] = {"rows": rows, "merged": merged}
    return out

def main():
    soffice, profile, pipe, out, jobs = sys.argv[1:6]
    with open(jobs, encoding="utf-8") as fh:
        jobs = json.load(fh)
    proc = subprocess.Popen([soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                             "--nolockcheck", "-env:UserInstallation=" + profile,
                             "--accept=pipe,name=" + pipe + ";urp;StarOffice.ComponentContext"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(1200):
            try:
                ctx = resolver.resolve("uno:pipe,name=" + pipe + ";urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                time.sleep(0.1)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        result = {}
        for path, merged_ranges in jobs.items():
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0, (hidden(),))
            result[path] = measure(doc, merged_ranges)
            doc.close(True)
        with open(out, "w", encoding="utf-8") as fh:
            json.dump(result, fh, ensure_ascii=False)
        try:
            desktop.terminate()
        except Exception:
            pass
    finally:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)

main()
'''


def uno_available() -> bool:
    """python3-uno importable by the system python3."""
    if not Path(SYSTEM_PYTHON).exists():
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0


def merged_ranges(path: Path) -> dict[str, list[list[int]]]:
    """Merged ranges of every sheet as stored in the file: [first row, first col, last row, last col]."""
    wb = openpyxl.load_workbook(path)
    try:
        return {ws.title: [[m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1] for m in ws.merged_cells.ranges]
                for ws in wb}
    finally:
        wb.close()


def lo_measure(paths: list[Path], workdir: Path) -> dict[str, dict]:
    """LibreOffice's measures of every visible sheet of ``paths`` (see ``UNO_SCRIPT``)."""
    soffice = require_soffice()
    if not uno_available():
        pytest.skip("python3-uno is not installed for the system python3")
    workdir.mkdir(parents=True, exist_ok=True)
    script, out, jobs = workdir / "measure.py", workdir / "measures.json", workdir / "jobs.json"
    script.write_text(UNO_SCRIPT, encoding="utf-8")
    jobs.write_text(json.dumps({str(p): merged_ranges(p) for p in paths}, ensure_ascii=False), encoding="utf-8")
    profile = workdir / "profile"
    cmd = [SYSTEM_PYTHON, str(script), soffice, profile.as_uri(), f"cchc_rows_{workdir.name}", str(out), str(jobs)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=UNO_TIMEOUT)
    assert proc.returncode == 0 and out.exists(), proc.stderr[-3000:]
    shutil.rmtree(profile, ignore_errors=True)
    return json.loads(out.read_text(encoding="utf-8"))


def short_rows(measures: dict) -> list[str]:
    """Rows shorter than what their text needs, described for the failure message."""
    problems = []
    for sheet, m in measures.items():
        heights = {r: h for r, h, _ in m["rows"]}
        for r, height, optimal in m["rows"]:
            if height + TOLERANCE < optimal:
                problems.append(f"{sheet}!row {r + 1}: {height / 35.28:.1f} pt < {optimal / 35.28:.1f} pt")
        for first, last, col, need, text in m["merged"]:
            given = sum(heights.get(r, 0) for r in range(first, last + 1))
            if given + TOLERANCE < need:
                problems.append(f"{sheet}!rows {first + 1}-{last + 1} (merged, column {col + 1}): "
                                f"{given / 35.28:.1f} pt < {need / 35.28:.1f} pt: {text!r}")
    return problems


@pytest.fixture(scope="session")
def lo_measures(generated, tmp_path_factory) -> dict[tuple[str, str | None], dict]:
    """LibreOffice's measures of every generated workbook, taken in one LibreOffice run."""
    paths = {key: g.path for key, g in generated.items()}
    found = lo_measure(list(paths.values()), tmp_path_factory.mktemp("uno"))
    return {key: found[str(path)] for key, path in paths.items()}


def test_no_row_is_shorter_than_its_text(generated_workbook, lo_measures):
    key = (generated_workbook.form.id, generated_workbook.level)
    measures = lo_measures[key]
    assert set(measures) >= {s.name for s in generated_workbook.form.sheets_for_level(generated_workbook.level)}
    assert short_rows(measures) == [], case_id(*key)


def test_rows_are_not_needlessly_tall(lo_measures):
    """Measured, not padded: the median row is within 1.5 × LibreOffice's optimum, none over 3 ×
    (Excel draws Times New Roman lines taller than LibreOffice; the heights follow Excel's)."""
    ratios = []
    for measures in lo_measures.values():
        for m in measures.values():
            ratios += [height / optimal for _, height, optimal in m["rows"] if optimal > 600]  # > 1 line
    ratios.sort()
    assert ratios and ratios[len(ratios) // 2] < 1.5 and ratios[-1] < 3.0, (ratios[:3], ratios[-3:])


def test_the_oracle_sees_a_cut_text(tmp_path):
    """A wrapped label and a merged note in rows left at 15 pt: both reported as cut."""
    path = tmp_path / "cut.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Cắt")
    wrap = wb.add_format({"font_name": "Times New Roman", "font_size": 12, "text_wrap": True})
    ws.set_column(0, 2, 20)
    long = "Tổng số hồ sơ thủ tục hành chính tiếp nhận được giải quyết đúng hạn trong kỳ báo cáo " * 2
    ws.write(0, 0, long, wrap)
    ws.set_row(0, 15)
    ws.merge_range(2, 0, 2, 2, long * 2, wrap)
    ws.set_row(2, 15)
    ws.write(4, 0, "Ngắn", wrap)
    ws.set_row(4, 16)
    wb.close()
    measures = lo_measure([path], tmp_path / "uno")[str(path)]
    problems = short_rows(measures)
    assert [p.split(":")[0] for p in problems] == ["Cắt!row 1", "Cắt!row 3", "Cắt!rows 3-3 (merged, column 1)"]
    need = {p.split(":")[0]: float(p.split("< ")[1].split(" pt")[0]) for p in problems}
    # the merged note spans three columns: it needs fewer lines than the label in one column
    assert need["Cắt!rows 3-3 (merged, column 1)"] < 2 * need["Cắt!row 1"]


@pytest.mark.parametrize(("text", "width_chars", "lines"), [
    ("Số nhiệm vụ đã hoàn thành", 60, 1),
    # 102.75 pt inside: "Tổng số TTHC áp" / "dụng trên Hệ thống" / "MCĐT/ Tổng số" / "TTHC của cơ quan," / "đạt ... %"
    ("Tổng số TTHC áp dụng trên Hệ thống MCĐT/ Tổng số TTHC của cơ quan, đạt ... %", 20, 5),
    ("a\nb\nc", 60, 3),
    ("X" * 200, 10, 36),  # one word wider than the cell is broken: 200 × 8.93 pt / 50.25 pt = 35.5
])
def test_wrapped_lines(text, width_chars, lines):
    assert wrapped_lines(text, column_points(width_chars), 12) == lines


def test_metric_is_times_new_roman_compatible():
    """Liberation Serif's advance widths (ems) are Times New Roman's: 'M' 0.889, 'a' 0.444, space 0.25."""
    metric = font_metric()
    if not metric.widths:
        pytest.skip("neither Liberation Serif nor Times New Roman is installed")
    assert [round(metric.widths[ord(c)], 3) for c in "Ma "] == [0.889, 0.444, 0.25]
    assert font_metric(bold=True).widths[ord("a")] > metric.widths[ord("a")] - 0.01
    assert text_height("Một dòng", 300) == pytest.approx(12 * 1.3125 + 0.5)
