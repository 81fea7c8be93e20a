"""A round's folder copied as a Sở copies it (cp -r, a download, a mailbox export: every file gets
a new modification time) keeps each unit's lateness: the received time is the workbook's own
last-saved time, never the file system's."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from conftest import run_cchc

from simulate import simulate_round
from workbooks.catalog.loader import get_form
from workbooks.registry import load_registry

REGISTRY = """code,name,level,parent_code,forms
P14,UBND tỉnh Sơn La,tinh,,
SNV,Sở Nội vụ,so_nganh,P14,
STP,Sở Tư pháp,so_nganh,P14,
SYT,Sở Y tế,so_nganh,P14,
SGD,Sở Giáo dục và Đào tạo,so_nganh,P14,
STC,Sở Tài chính,so_nganh,P14,
SXD,Sở Xây dựng,so_nganh,P14,
"""


def _late_units(out: Path) -> set[str]:
    import csv

    with open(out.with_name(out.stem + "_du_lieu") / "units.csv", encoding="utf-8-sig", newline="") as fh:
        return {row["unit_code"] for row in csv.DictReader(fh) if row["status"] == "late"}


def test_a_copied_folder_keeps_every_units_lateness(tmp_path: Path) -> None:
    registry = tmp_path / "don_vi.csv"
    registry.write_text(REGISTRY, encoding="utf-8")
    sim = simulate_round(get_form("sonla-2024"), load_registry(registry), tmp_path / "goc", missing=1, late=2,
                         with_mistakes=0, duplicate=0, broken=0, jobs=1)
    late = {code for code, unit in sim.units.items() if unit.late}
    assert len(late) == 2
    copied = tmp_path / "ban_sao"
    shutil.copytree(sim.out_dir, copied)  # copied without their times, as cp -r does
    now = time.time()
    for path in copied.rglob("*.xlsx"):
        os.utime(path, (now, now))
    deadline = sim.deadline.strftime("%d/%m/%Y")
    for folder in (sim.out_dir, copied):
        out = tmp_path / f"tong_hop_{folder.name}.xlsx"
        result = run_cchc("consolidate", folder, "--form", "sonla-2024", "--registry", registry, "--out", out,
                          "--deadline", deadline, "--data-format", "csv", "--jobs", "1", env={"TZ": "UTC"})
        assert result.code == 0, result.text
        assert _late_units(out) == late, folder.name
