"""Hostile and odd files through `cchc check` and `cchc consolidate`, as a user runs them.

The corpus (``hostile_files.KINDS``: 60 kinds in 14 classes) is built here from four good
returns and LibreOffice's own .ods and .xls of one of them. Each command runs once over the
whole corpus (a fresh process, as a user would) and must: finish within a bound, keep the
memory of its whole process tree under 1 GiB, print no traceback, account for every file with
the reason its kind allows (in Vietnamese, with what to do), leave every input unchanged, and —
for the consolidation — give the same province totals as the good returns alone.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import hostile_files as hf
import pandas as pd
import pytest
from conftest import ROOT, run_cchc

from simulate import plausible_prefill
from workbooks.catalog.loader import get_form, known_levels
from workbooks.reader import Limits, read_file_guarded
from workbooks.reader import guard as reader_guard
from workbooks.registry import load_registry, write_registry
from workbooks.writer import UnitInfo, generate_workbook

FORM_ID = "sonla-2024"
GIB = 1024 ** 3
CHECK_SECONDS, CONSOLIDATE_SECONDS = 90, 120  # the whole corpus, on a shared two-core machine
VIETNAMESE = set("ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def _vietnamese(text: str) -> bool:
    return bool(set(text.lower()) & VIETNAMESE) and "hãy" in text.lower()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, soffice) -> dict:
    """Good returns (xlsx, LibreOffice's ods and xls of the first), a registry, the hostile files."""
    base = tmp_path_factory.mktemp("hostile")
    form = get_form(FORM_ID)
    sample = load_registry(ROOT / "workbooks" / "registries" / "sonla.csv")
    # Sơn La 2024 is for sở and districts: these communes are asked for it by name (forms column)
    communes = [replace(u, forms=(FORM_ID,)) for u in sample if u.level == "xa"][:4]
    registry = write_registry([u for u in sample if u.level == "tinh"] + communes, base / "units.csv")
    good_dir = base / "good"
    good_dir.mkdir()
    goods = [generate_workbook(form, good_dir / f"tot_{i}.xlsx",
                               UnitInfo(u.code, u.name, "xa", known_levels()["xa"]),
                               prefill=plausible_prefill(form, "xa", random.Random(i)))
             for i, u in enumerate(communes)]
    lo = base / "lo"
    sources = {"xlsx": goods[0], "ods": soffice(goods[0], "ods", lo), "xls": soffice(goods[0], "xls", lo)}
    hostile = base / "hostile"
    kinds = hf.build(hf.KINDS, sources, hostile)
    mixed = base / "mixed"
    mixed.mkdir()
    for path in [*goods, *hostile.iterdir()]:
        (mixed / path.name).write_bytes(path.read_bytes())
    return {"base": base, "registry": registry, "goods": goods, "good_dir": good_dir, "hostile": hostile,
            "kinds": kinds, "mixed": mixed}


def test_corpus_has_forty_kinds_in_every_class(corpus):
    classes = {k.cls for k in corpus["kinds"].values()}
    assert len(corpus["kinds"]) >= 40
    assert {"xml_quadratic", "xml_entities", "xml_deep", "zip_bomb", "many_parts", "far_cells", "huge_strings",
            "damaged_zip", "not_a_return", "ods", "xls"} <= classes


def _timed(*args, sampler: hf.TreeSampler) -> tuple:
    start = time.perf_counter()
    with sampler:
        result = run_cchc(*args, timeout=600)
    return result, time.perf_counter() - start


def test_check_accounts_for_every_hostile_file(corpus):
    folder = corpus["hostile"]
    before = hf.snapshot(folder)
    sampler = hf.TreeSampler()
    result, seconds = _timed("check", "--json", folder, sampler=sampler)
    assert "Traceback" not in result.text and "panicked" not in result.text, result.err[-2000:]
    assert result.code == 2, result.err[-2000:]
    assert seconds < CHECK_SECONDS
    assert sampler.peak < GIB, f"{sampler.peak / 2**20:.0f} MiB"
    by_file = {Path(item["file"]).name: item for item in json.loads(result.out)}
    assert set(by_file) == set(corpus["kinds"])
    for name, kind in corpus["kinds"].items():
        item = by_file[name]
        reason = item["reason"] if item["status"] == "rejected" else ""
        assert reason in kind.outcomes, (name, item.get("reason"), item.get("message"))
        if reason:
            assert _vietnamese(item["message"]) and name in item["message"], item["message"]
    assert hf.snapshot(folder) == before


def _totals(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out.with_name(out.stem + "_du_lieu") / "totals.parquet")


def _files(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out.with_name(out.stem + "_du_lieu") / "files.parquet")


def test_consolidation_beside_hostile_files_keeps_the_good_totals(corpus, tmp_path):
    clean_out, mixed_out = tmp_path / "sach" / "tong_hop.xlsx", tmp_path / "tron" / "tong_hop.xlsx"
    clean = run_cchc("consolidate", corpus["good_dir"], "--form", FORM_ID, "--registry", corpus["registry"],
                     "--out", clean_out, timeout=600)
    assert clean.code == 0, clean.text[-2000:]
    before = hf.snapshot(corpus["mixed"])
    sampler = hf.TreeSampler()
    result, seconds = _timed("consolidate", corpus["mixed"], "--form", FORM_ID, "--registry", corpus["registry"],
                             "--out", mixed_out, "--jobs", "2", sampler=sampler)
    assert result.code == 0, result.text[-3000:]
    assert "Traceback" not in result.text and "panicked" not in result.text
    assert seconds < CONSOLIDATE_SECONDS
    assert sampler.peak < GIB, f"{sampler.peak / 2**20:.0f} MiB"
    pd.testing.assert_frame_equal(_totals(mixed_out), _totals(clean_out))
    files = _files(mixed_out).set_index("file")
    good_units = {p.name for p in corpus["goods"]}
    for name, kind in corpus["kinds"].items():
        row = files.loc[name]
        if row["status"] == "rejected":
            assert row["reason"] in kind.outcomes, (name, row["reason"], row["message"])
            assert _vietnamese(row["message"]), row["message"]
        else:  # read as the first good return (same values): used in its place or a duplicate of it
            assert "" in kind.outcomes, (name, row["status"], row["reason"])
            assert row["status"] in {"used", "duplicate"} and row["unit_code"] == files.loc["tot_0.xlsx", "unit_code"]
    assert set(files.index) == set(corpus["kinds"]) | good_units
    assert hf.snapshot(corpus["mixed"]) == before


def test_check_never_opens_a_named_pipe(tmp_path):
    fifo = tmp_path / "bao_cao.xlsx"
    os.mkfifo(fifo)
    result = run_cchc("check", "--json", fifo, tmp_path, timeout=60)  # named, and met in a folder
    assert result.code == 2, result.text
    items = json.loads(result.out)
    assert [Path(i["file"]).name for i in items] == ["bao_cao.xlsx", "bao_cao.xlsx"]
    for item in items:
        assert item["reason"] == "not_regular_file"
        assert "không phải là tệp thông thường" in item["message"] and "FIFO" in item["message"]


# --------------------------------------------------------------------------- the safety net itself


def _sleeping_read(path, limits=None):  # noqa: ANN001, ARG001 - stands in for a read that never ends
    time.sleep(30)


def _greedy_read(path, limits=None):  # noqa: ANN001, ARG001 - stands in for a read that allocates without end
    return bytearray(4 * GIB)


def test_a_read_that_hangs_is_ended_and_rejected(monkeypatch, tmp_path):
    monkeypatch.setattr(reader_guard, "read_file", _sleeping_read)
    start = time.perf_counter()
    read = read_file_guarded(tmp_path / "x.xlsx", Limits(seconds=1, max_rows=100, max_cols=100))
    assert time.perf_counter() - start < 10
    assert read.reason == "timeout" and "1 giây" in read.message


def test_a_read_that_eats_memory_is_ended_and_rejected(monkeypatch, tmp_path):
    monkeypatch.setattr(reader_guard, "read_file", _greedy_read)
    read = read_file_guarded(tmp_path / "x.xlsx", Limits(memory_bytes=256 * 2**20, max_rows=100, max_cols=100))
    assert read.reason == "memory" and "256 MB" in read.message, read


_ORPHAN = """
import os, sys, time, multiprocessing
sys.path.insert(0, {root!r})
from workbooks.reader.guard import die_with_parent

def child():
    die_with_parent()
    time.sleep(60)

if __name__ == "__main__":
    p = multiprocessing.get_context("fork").Process(target=child)
    p.start()
    print(p.pid, flush=True)
    time.sleep(60)
"""


def test_reading_processes_die_with_the_main_process(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(_ORPHAN.format(root=str(ROOT)), encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    time.sleep(0.5)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
            with open(f"/proc/{child}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break  # dead, waiting to be reaped by init
        except (ProcessLookupError, FileNotFoundError):
            break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the reading process outlived the main process")
