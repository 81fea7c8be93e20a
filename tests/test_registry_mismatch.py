"""A registry whose codes no longer match the returns: the consolidation says so and names the
nearest registry code of every unknown one (what a unit list edited by hand looks like)."""

from __future__ import annotations

from pathlib import Path

from test_round import REGISTRY, assert_clean, consolidate, make_return, sheet_rows

# Two ward codes mistyped in the registry: 03646 -> 03466 (two digits swapped), 03667 -> 03677.
EDITED = REGISTRY.replace("03646,", "03466,").replace("03667,", "03677,")


def test_unknown_codes_name_their_nearest_registry_code_and_the_run_warns(tmp_path: Path) -> None:
    registry = tmp_path / "don_vi.csv"
    registry.write_text(EDITED, encoding="utf-8")
    folder = tmp_path / "tep_gui_ve"
    for code in ("SNV", "03646", "03667"):
        make_return(code, folder / f"{code}.xlsx")
    out = tmp_path / "tong_hop.xlsx"
    result = consolidate(folder, registry, out)
    assert result.code == 0, result.text
    assert_clean(result)
    assert "2 tệp mang mã đơn vị không có trong danh sách đơn vị (03646, 03667)" in result.out
    assert "`cchc units --check TỆP`" in result.out
    rows = {r[0]: r for r in sheet_rows(out, "Tệp không dùng được")[1:] if r and r[0]}
    messages = {name: " ".join(str(x) for x in row if x) for name, row in rows.items()}
    assert "mã gần nhất trong danh sách là '03466' (Phường Tô Hiệu)" in messages["03646.xlsx"]
    assert "mã gần nhất trong danh sách là '03677' (Phường Chiềng An)" in messages["03667.xlsx"]
    assert "SNV.xlsx" not in messages
