"""The reader's one entry point for files, and the two commands that use it.

* ``read_file``: the file facts (size, hash, modification time) equal what the file system and
  hashlib say; the saved time is the workbook's own "last saved" property (what openpyxl, Excel
  and LibreOffice write when they save; the generator's own files carry none).
* Returns saved by LibreOffice itself as .xlsx, .xls and .ods consolidate exactly like the
  originals: same province totals, every unit used (issue 12, item 4).
* ``cchc check``: a folder is checked file by file; each finding shows what to do ("Cách sửa");
  a blank return is one line "Tệp chưa được điền".
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import returns
from conftest import ROOT, run_cchc

from consolidate.scan import EXCEL_SUFFIXES
from simulate import plausible_prefill
from workbooks.catalog.loader import get_form, known_levels
from workbooks.reader import ACCEPTED_SUFFIXES, read_file, read_return
from workbooks.registry import load_registry, write_registry
from workbooks.writer import UnitInfo, generate_workbook

FORM_ID = "sonla-2024"


@pytest.fixture(scope="module")
def round_(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Four filled commune returns of Sơn La 2024 and their registry."""
    base = tmp_path_factory.mktemp("round")
    form = get_form(FORM_ID)
    sample = load_registry(ROOT / "workbooks" / "registries" / "sonla.csv")
    # Sơn La 2024 is for sở and districts: these communes are asked for it by name (forms column)
    communes = [replace(u, forms=(FORM_ID,)) for u in sample if u.level == "xa"][4:8]
    registry = write_registry([u for u in sample if u.level == "tinh"] + communes, base / "units.csv")
    folder = base / "goc"
    folder.mkdir()
    units = [UnitInfo(u.code, u.name, "xa", known_levels()["xa"]) for u in communes]
    paths = [generate_workbook(form, folder / f"xa_{i}.xlsx", unit,
                               prefill=plausible_prefill(form, "xa", random.Random(40 + i)))
             for i, unit in enumerate(units)]
    return {"base": base, "form": form, "registry": registry, "folder": folder, "paths": paths, "units": units}


def test_one_list_of_suffixes():
    assert {".xlsx", ".xlsm", ".xls", ".ods"} == ACCEPTED_SUFFIXES
    assert EXCEL_SUFFIXES is ACCEPTED_SUFFIXES  # the consolidation's scan keeps no list of its own


def test_file_facts_are_those_of_the_file(round_):
    path, unit = round_["paths"][0], round_["units"][0]
    read = read_file(path)
    st = os.stat(path)
    assert read.ok, read.message
    assert (read.facts.size, read.facts.mtime_ns) == (st.st_size, st.st_mtime_ns)
    assert read.facts.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert read.facts.saved_at == ""  # generated: created == modified, nobody saved it since
    assert (read.form_id, read.unit_code, read.unit_name, read.level) == (FORM_ID, unit.code, unit.name, "xa")
    assert len(read.records) == len(read_return(path).values) > 100
    ret = read.to_return()
    pd.testing.assert_frame_equal(ret.values, read_return(path).values)


def test_missing_file_is_a_vietnamese_rejection(tmp_path):
    read = read_file(tmp_path / "khong_co.xlsx")
    assert read.reason == "unreadable"
    assert "không tìm thấy tệp" in read.message and "No such file" not in read.message


@pytest.fixture(scope="module")
def saved_by_libreoffice(round_, soffice) -> dict[str, Path]:
    """Folder per format: every return opened and saved by LibreOffice as .xlsx, .xls and .ods."""
    out = {}
    for fmt in ("xlsx", "xls", "ods"):
        folder = round_["base"] / f"lo_{fmt}"
        soffice(round_["paths"], fmt, folder)
        out[fmt] = folder
    return out


def _consolidate(folder: Path, registry: Path, out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    result = run_cchc("consolidate", folder, "--form", FORM_ID, "--registry", registry, "--out", out,
                      "--jobs", "2", timeout=600)
    assert result.code == 0 and "Traceback" not in result.text, result.text[-2000:]
    data = out.with_name(out.stem + "_du_lieu")
    return pd.read_parquet(data / "totals.parquet"), pd.read_parquet(data / "files.parquet")


@pytest.fixture(scope="module")
def original_totals(round_) -> pd.DataFrame:
    """The province totals of the generated returns themselves."""
    totals, files = _consolidate(round_["folder"], round_["registry"], round_["base"] / "goc_kq" / "tong_hop.xlsx")
    assert set(files["status"]) == {"used"}
    return totals


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_libreoffice_saved_returns_consolidate_like_the_originals(round_, saved_by_libreoffice, original_totals,
                                                                   fmt, tmp_path):
    totals, files = _consolidate(saved_by_libreoffice[fmt], round_["registry"], tmp_path / fmt / "tong_hop.xlsx")
    assert sorted(files["file"]) == [f"xa_{i}.{fmt}" for i in range(4)]
    assert set(files["status"]) == {"used"}, files[["file", "status", "reason", "message"]].to_string()
    assert sorted(files["unit_code"]) == sorted(u.code for u in round_["units"])
    pd.testing.assert_frame_equal(totals, original_totals)


def test_saved_time_is_the_workbooks_own(round_, tmp_path):
    """A workbook saved again by another tool (openpyxl) carries its save time: the reader gives it."""
    saved = returns.roundtrip(round_["paths"][0], tmp_path / "luu_lai.xlsx")
    modified = openpyxl.load_workbook(saved).properties.modified  # UTC, as written in docProps/core.xml
    expected = modified.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)
    read = read_file(saved)
    assert read.ok, read.message
    assert read.facts.saved_at == expected.isoformat(timespec="seconds")
    assert abs(datetime.fromisoformat(read.facts.saved_at) - datetime.now()) < timedelta(minutes=30)


def test_check_a_folder_with_the_fix_of_each_finding(round_, tmp_path):
    folder = tmp_path / "kiem_tra"
    folder.mkdir()
    good = round_["paths"][1]
    (folder / good.name).write_bytes(good.read_bytes())
    returns.paste_invalid(good, folder / "sai.xlsx")
    (folder / "ghi_chu.txt").write_text("đã nhận", encoding="utf-8")
    as_json = run_cchc("check", "--json", folder)
    assert as_json.code == 1, as_json.text
    items = {Path(i["file"]).name: i for i in json.loads(as_json.out)}
    assert set(items) == {good.name, "sai.xlsx"}
    assert items[good.name]["status"] == "ok" and items["sai.xlsx"]["status"] == "errors"
    findings = items["sai.xlsx"]["findings"]
    assert findings and all(f["fix"] for f in findings)
    shown = run_cchc("check", folder)
    assert shown.code == 1 and "Traceback" not in shown.text
    assert "Cách sửa" in shown.out and "Bỏ qua 1 tệp" in shown.out
    flat = " ".join(shown.out.split())
    assert findings[0]["cell"] in flat


def test_a_blank_return_is_one_line(round_, tmp_path):
    unit = round_["units"][2]
    blank = generate_workbook(round_["form"], tmp_path / "chua_dien.xlsx", unit)
    result = run_cchc("check", blank)
    assert result.code == 1, result.text
    lines = [line for line in result.out.splitlines() if line.strip()]
    assert len(lines) == 1 and "chua_dien.xlsx" in lines[0] and "Tệp chưa được điền" in lines[0], result.out
