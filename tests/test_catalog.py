"""The form catalog: every shipped form loads, matches its printed source, and broken files fail well.

Counts are derived from the source documents (``../shared/seeds``) inside the tests, so a row
dropped from or added to a form file is caught without hard-coded totals.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from workbooks.catalog import CatalogError, load_catalog, load_form
from workbooks.catalog.__main__ import main as check_main
from workbooks.catalog.layout import form_layouts, render
from workbooks.catalog.loader import FORMS_DIR, form_paths
from workbooks.catalog.model import Heading, Indicator, IndicatorSheet, ListSheet

TESTS = Path(__file__).resolve().parent
SEED_NINHTHUAN = "002_fff703ffbe76582a.txt"
SEED_SONLA_2024 = "003_83904f557bb4d90c.txt"
SEED_TUANGIAO = "001_c5707c52b10b40ea.txt"
SEED_BACGIANG = "004_7725ba22c9ebc874.txt"


def norm(text: str) -> str:
    """Printed text without HTML/markdown emphasis and with single spaces."""
    text = re.sub(r"</?[a-z]+>", "", text).replace("**", "").replace("\\*", "*")
    return " ".join(text.split())


def seed_lines(seeds: Path, name: str) -> list[str]:
    return (seeds / name).read_text(encoding="utf-8").splitlines()


def table_rows(lines: list[str], is_row_start) -> list[dict]:
    """Rows of a tab-separated printed table, page-break header repeats dropped.

    A page break repeats the two header lines; a line right after them with no STT and no unit
    continues the label of the row cut by the break.
    """
    rows: list[dict] = []
    after_header = False
    for line in lines:
        cells = [norm(c) for c in line.split("\t")]
        if len(cells) < 3:
            continue
        first, label, unit = cells[0], cells[1], cells[2]
        if first == "STT" or (not first and not label):  # repeated header lines
            after_header = True
            continue
        if not first and not unit and after_header and not is_row_start(first):
            rows[-1]["label"] += " " + label
        else:
            value = cells[3] if len(cells) > 3 else ""
            rows.append({"stt": first, "label": label, "unit": unit, "value": value})
        after_header = False
    return rows


# --------------------------------------------------------------------------- shipped forms


def test_every_shipped_form_loads(catalog):
    paths = form_paths()
    assert len(paths) == 5
    assert sorted(catalog) == sorted(p.stem for p in paths)
    for path in paths:
        form = load_form(path)
        assert form.id == path.stem, "the file is named after the form id"
        assert re.fullmatch(r"[0-9a-f]{16}", form.digest)
        assert form.sheets and form.levels
        derived = {r.origin for r in form.all_rules} - {"catalog"}
        assert set(form.rules) <= set(form.all_rules)
        has_parts = any(i.parts for s in form.sheets if isinstance(s, IndicatorSheet) for i in s.indicators)
        assert ("parts" in derived) == has_parts


def test_catalog_check_command(capsys):
    assert check_main([]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(form_paths())
    assert all(line.startswith("OK ") for line in out)


def test_form_ids_unique_across_files(tmp):
    for name in ("a.yaml", "b.yaml"):
        (tmp / name).write_text((FORMS_DIR / "tuangiao-2024.yaml").read_text(encoding="utf-8"),
                                encoding="utf-8")
    load_catalog.cache_clear()
    try:
        with pytest.raises(CatalogError, match=r"^b\.yaml: id: .*tuangiao-2024"):
            load_catalog(tmp)
    finally:
        load_catalog.cache_clear()


def _ninhthuan_seed(seeds: Path) -> list[dict]:
    lines = seed_lines(seeds, SEED_NINHTHUAN)
    start = next(i for i, line in enumerate(lines) if line.strip() == "PHỤ LỤC")
    stt = re.compile(r"^\d+(?:\.\d+)*\.$")
    rows = [r for r in table_rows(lines[start:], stt.match)
            if stt.match(r["stt"]) or r["stt"].replace(" ", "") == "Trongđó" or r["unit"]]
    for i, row in enumerate(rows):
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        # a heading is followed by a deeper row (the source reprints 1.1.x under 1.2., so compare
        # depths, not prefixes) or by its "Trong đó" rows
        child = nxt is not None and (nxt["stt"].count(".") > row["stt"].count(".")
                                     or nxt["stt"].replace(" ", "") == "Trongđó")
        row["heading"] = bool(stt.match(row["stt"])) and not row["unit"] and not row["value"] and child
    return rows


def test_ninhthuan_matches_seed_table(catalog, seeds):
    """121 printed rows (STT rows + "Trong đó" rows): 27 headings and 94 value rows, in order."""
    printed = _ninhthuan_seed(seeds)
    stt_rows = [r for r in printed if re.match(r"^\d+(?:\.\d+)*\.$", r["stt"])]
    headings = [r for r in printed if r["heading"]]
    (sheet,) = catalog["ninhthuan-2021"].sheets
    assert isinstance(sheet, IndicatorSheet)
    assert len(sheet.rows) == len(printed)
    assert len([r for r in sheet.rows if isinstance(r, Heading)]) == len(headings)
    assert len(sheet.indicators) == len(printed) - len(headings)
    assert (len(printed), len(headings), len(stt_rows)) == (121, 27, 109)  # sanity of the parse
    for row, item in zip(printed, sheet.rows, strict=True):
        assert norm(item.label) == row["label"]
        assert isinstance(item, Heading) == row["heading"], row
        if re.match(r"^\d", row["stt"]):
            assert item.stt == row["stt"]
        if isinstance(item, Indicator) and row["unit"]:
            assert item.unit == row["unit"], item.code


def test_ninhthuan_published_values_sit_on_their_printed_rows(catalog, seeds):
    """Every value printed in the source belongs to the catalog row printed at that position."""
    (sheet,) = catalog["ninhthuan-2021"].sheets
    printed = _ninhthuan_seed(seeds)
    from_seed = {item.code: float(row["value"].replace(",", "."))
                 for row, item in zip(printed, sheet.rows, strict=True) if row["value"]}
    published = yaml.safe_load((TESTS / "data" / "ninhthuan_2021_published.yaml").read_text("utf-8"))
    assert from_seed == {k: float(v) for k, v in published.items()}
    assert len(from_seed) == 20


def _sonla_pl2_seed(seeds: Path) -> list[dict]:
    lines = seed_lines(seeds, SEED_SONLA_2024)
    start = next(i for i, line in enumerate(lines) if line.startswith("**Phụ lục II"))
    return table_rows(lines[start + 1:], lambda first: bool(first))


def _align_pl2(printed: list[dict], items: list) -> tuple[list[tuple[dict, list]], list[str]]:
    """Match printed rows to catalog rows in order; a printed row may be split into several rows.

    Returns:
        (printed row, its catalog rows) pairs and the codes of catalog rows never printed.
    """
    pos, pairs, unprinted = 0, [], []
    for row in printed:
        while pos < len(items) and not row["label"].startswith(norm(items[pos].label)):
            unprinted.append(getattr(items[pos], "code", items[pos].label))
            pos += 1
        assert pos < len(items), f"printed row missing from the catalog: {row}"
        group, joined = [items[pos]], norm(items[pos].label)
        pos += 1
        while joined != row["label"] and pos < len(items):
            group.append(items[pos])
            joined += " " + norm(items[pos].label)
            pos += 1
        assert joined == row["label"], row
        pairs.append((row, group))
    unprinted += [getattr(x, "code", x.label) for x in items[pos:]]
    return pairs, unprinted


def test_sonla_2024_pl2_has_every_printed_row(catalog, seeds):
    """Each printed row of Phụ lục II, in order, with its STT, unit and heading/value nature."""
    printed = _sonla_pl2_seed(seeds)
    sheet = catalog["sonla-2024"].sheet("pl2")
    assert isinstance(sheet, IndicatorSheet)
    assert len(printed) >= 130
    pairs, unprinted = _align_pl2(printed, list(sheet.rows))
    for row, group in pairs:
        first = group[0]
        assert isinstance(first, Heading) == (not row["unit"]), row
        if row["stt"]:
            assert first.stt == row["stt"], row
        if isinstance(first, Indicator):
            assert row["unit"].startswith(first.unit), row
    # The only row not printed: the "Cuộc/người tham gia" unit split into số cuộc + số người.
    assert unprinted == ["II.2.4.d_nguoi"]
    assert sum(isinstance(r, Heading) for r in sheet.rows) == sum(not r["unit"] for r in printed)


def test_sonla_2024_rows_printed_for_districts_are_district_only(catalog, seeds):
    """Rows printed "đối với cấp huyện" (or under such a heading) are filled by huyen only."""
    sheet = catalog["sonla-2024"].sheet("pl2")
    assert isinstance(sheet, IndicatorSheet)
    pairs, _ = _align_pl2(_sonla_pl2_seed(seeds), list(sheet.rows))
    district: set[str] = set()
    under = False
    for row, group in pairs:
        says = "đối với cấp huyện" in row["label"].lower()
        if isinstance(group[0], Heading):
            under = says
            continue
        if says or under:
            district |= {i.code for i in group}
    assert {"II.2.4.g", "II.2.4.h", "II.6.4.a", "II.6.4.b"} <= district
    # also for districts only (issue 13): the outline's "Đối với cấp huyện bổ sung thêm ... bộ phận
    # một cửa của các xã" (6.8) and "công chức cấp xã thuộc huyện" (II.4.4.e)
    district |= {"II.4.4.e", "II.6.8.a", "II.6.8.b"}
    assert district == {i.code for i in sheet.indicators if i.levels == ("huyen",)}


def test_sonla_2024_pl1_groups(catalog, seeds):
    """Phụ lục I prints six areas I–VI."""
    lines = seed_lines(seeds, SEED_SONLA_2024)
    start = lines.index("**Phụ lục I**")
    end = next(i for i, line in enumerate(lines) if line.startswith("**Phụ lục II"))
    printed = []
    for line in lines[start:end]:
        cells = line.split("\t")
        if re.fullmatch(r"<b>[IVX]+</b>", cells[0].strip()):
            printed.append((norm(cells[0]), norm(cells[1])))
    sheet = catalog["sonla-2024"].sheet("pl1")
    assert isinstance(sheet, ListSheet)
    assert [(g.code, g.label) for g in sheet.groups] == printed
    assert [g.code for g in sheet.groups] == ["I", "II", "III", "IV", "V", "VI"]
    header = next(line for line in lines[start:end] if line.startswith("<b>STT</b>"))
    printed_cols = [norm(c) for c in header.split("\t")[1:]]
    assert [c.label for c in sheet.columns] == printed_cols


def test_tuangiao_appendices(catalog, seeds):
    """Phụ lục 03: 3 rows, 6 value columns (two year groups, rates computed); 01/02 columns."""
    lines = seed_lines(seeds, SEED_TUANGIAO)
    form = catalog["tuangiao-2024"]
    start = next(i for i, line in enumerate(lines) if line.startswith("**PHỤ LỤC 03"))
    table = [line.split("\t") for line in lines[start:] if "\t" in line]
    top, sub, *data = table
    groups = [norm(c) for c in top[2:-1]]
    labels = [norm(c) for c in sub[2:-1]]
    sheet = form.sheet("pl03")
    assert isinstance(sheet, IndicatorSheet)
    assert len(sheet.columns) == len(labels) == 6
    assert len(sheet.rows) == len(data) == 3
    assert [c.label for c in sheet.columns] == labels
    year = form.period.default_year
    printed_groups = [g for g in groups if g]
    assert [render(g, year) for g in dict.fromkeys(c.group for c in sheet.columns)] == printed_groups
    assert [(r.stt, r.label) for r in sheet.rows] == [(norm(d[0]), norm(d[1])) for d in data]
    assert [c.key for c in sheet.columns if c.is_computed] == ["y1_rate", "y2_rate"]
    assert not sheet.show_unit
    for sid, marker in (("pl01", "**PHỤ LỤC 01"), ("pl02", "**PHỤ LỤC 02")):
        i = next(i for i, line in enumerate(lines) if line.startswith(marker))
        header = next(line for line in lines[i:] if line.startswith("<b>STT</b>"))
        lst = form.sheet(sid)
        assert isinstance(lst, ListSheet)
        assert [c.label for c in lst.columns] == [norm(c) for c in header.split("\t")[1:]]


def test_bacgiang_commune_block(catalog, seeds):
    """The outline's "b. Ứng dụng CNTT cấp Xã" block is a sheet the district (huyen) fills for its
    communes (issue 13); every printed line is a label of the sheet (a row, or a ratio's part)."""
    lines = seed_lines(seeds, SEED_BACGIANG)
    start = next(i for i, line in enumerate(lines) if "Ứng dụng CNTT cấp Xã" in line)
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith("**5.3"))
    block = [norm(line) for line in lines[start + 1:end] if line.strip()]
    headings = [b.strip("* ") for b in block if b.startswith("*")]
    items = [b.rstrip(".") for b in block if not b.startswith("*")]
    form = catalog["bacgiang-2022"]
    district = [s for s in form.sheets if s.levels == ("huyen",)]
    assert [s.id for s in district] == ["cntt_xa"]
    sheet = district[0]
    assert isinstance(sheet, IndicatorSheet)
    assert [h.label for h in sheet.rows if isinstance(h, Heading)] == headings
    labels = [i.label for i in sheet.indicators]
    labels += [side.label for i in sheet.indicators for side in (i.numerator, i.denominator) if side]
    assert all(item in labels for item in items), [item for item in items if item not in labels]
    assert "xa" not in form.levels
    assert [lay.sheet.id for lay in form_layouts(form, "huyen")] == ["cntt_so_huyen", "cntt_xa", "mot_cua", "iso"]
    assert "cntt_xa" not in [lay.sheet.id for lay in form_layouts(form, "so_nganh")]


# --------------------------------------------------------------------------- broken catalogs

BASE = """\
id: test-form
version: 1
title: "Biểu thử"
province: "Sơn La"
year: 2024
source: "thử"
period: {default_year: 2024}
levels: [xa]
sheets:
  - id: s1
    name: "Phụ lục"
    kind: indicators
    title: "Bảng số liệu"
    columns:
      - {key: value, label: "Số liệu"}
    rows:
      - {code: "A", label: "Tổng số hồ sơ", unit: "Hồ sơ", kind: count, parts: {codes: ["B"], rule: at_most}}
      - {code: "B", label: "Số hồ sơ đúng hạn", unit: "Hồ sơ", kind: count}
  - id: s2
    name: "Danh sách"
    kind: list
    title: "Văn bản"
    columns:
      - {key: ten, label: "Tên văn bản", type: text}
rules:
  - {id: r1, left: ["B"], op: "<=", right: ["A"], severity: error, message: "B lớn hơn A"}
"""

ROW_B = '{code: "B", label: "Số hồ sơ đúng hạn", unit: "Hồ sơ", kind: count}'

# (test id, text replaced in BASE, replacement, fragment of the entry, fragment of the message)
BROKEN = [
    ("duplicate_code", 'code: "B", label', 'code: "A", label', "sheets (s1) mã A", "bị trùng"),
    ("rule_unknown_code", 'left: ["B"]', 'left: ["Z9"]', "rules (r1)", "['Z9']"),
    ("part_code_missing", 'codes: ["B"]', 'codes: ["B", "C"]', "mã A.parts", "['C']"),
    ("part_of_itself", 'codes: ["B"]', 'codes: ["A"]', "mã A.parts", "chính nó"),
    ("empty_choice_list", ROW_B, '{code: "B", label: "Hình thức", kind: choice, choices: []}',
     "(mã B)", "choices"),
    ("duplicate_choice_codes", ROW_B,
     '{code: "B", label: "Hình thức", kind: choice, choices: [{code: 0, label: "X"}, {code: 0, label: "Y"}]}',
     "(mã B)", "mã lựa chọn bị trùng"),
    ("ratio_without_denominator", ROW_B,
     '{code: "B", label: "Tỷ lệ", kind: ratio, numerator: {label: "Số đúng hạn"}}',
     "(mã B)", "numerator và denominator"),
    ("bad_sheet_name", 'name: "Phụ lục"', 'name: "Phụ lục [1]"', "sheets[0] (s1)",
     "tên sheet 'Phụ lục [1]' không hợp lệ"),
    ("sheet_name_too_long", 'name: "Phụ lục"', 'name: "Phụ lục thống kê số liệu chi tiết năm"',
     "sheets[0] (s1)", "1–31 ký tự"),
    ("unknown_form_level", "levels: [xa]", "levels: [xa, thon]", "form", "['thon']"),
    ("unknown_row_level", ROW_B, ROW_B[:-1] + ", levels: [quan]}", "(mã B)", "['quan']"),
    ("unknown_row_key", ROW_B, ROW_B[:-1] + ", colour: red}", "sheets[0] (s1).rows[1]", "['colour']"),
    ("unknown_form_key", "year: 2024\n", "year: 2024\ndeadline: 2024-10-30\n", "form", "['deadline']"),
    ("missing_field", 'title: "Biểu thử"\n', "", "form", "thiếu khóa ['title']"),
    ("unknown_kind", ROW_B, ROW_B.replace("kind: count", "kind: money"), "(mã B)", "loại 'money'"),
    ("duplicate_sheet_id", "id: s2", "id: s1", "sheets", "id sheet 's1' bị trùng"),
    ("duplicate_rule_id", "rules:\n", "rules:\n  - {id: r1, left: [A], op: '>=', right: [B], "
     "severity: warning, message: m}\n", "rules", "id quy tắc 'r1' bị trùng"),
    ("computed_column_unknown", '- {key: value, label: "Số liệu"}',
     '- {key: value, label: "Số liệu"}\n      - {key: rate, label: "Tỷ lệ", compute: {ratio: [value, total]}}',
     "sheets[0] (s1).rate", "cột tính toán"),
    ("list_choice_without_choices", '{key: ten, label: "Tên văn bản", type: text}',
     '{key: ten, label: "Tình trạng", type: choice}', "sheets[1] (s2).columns[0]", "choices"),
    ("bad_operator", 'op: "<="', 'op: "=<"', "rules[0] (r1)", "toán tử '=<'"),
    ("not_yaml", 'title: "Biểu thử"', 'title: "Biểu thử', "tệp", "YAML"),
]


def test_base_snippet_is_valid(tmp):
    path = tmp / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    form = load_form(path)
    assert [s.id for s in form.sheets] == ["s1", "s2"]
    assert {r.id for r in form.all_rules} == {"r1", "parts:A"}


@pytest.mark.parametrize(("old", "new", "entry", "message"),
                         [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_broken_catalog_names_file_and_entry(tmp, request, old, new, entry, message):
    assert BASE.count(old) == 1, "the snippet must replace exactly one place"
    path = tmp / f"{request.node.callspec.id}.yaml"
    path.write_text(BASE.replace(old, new), encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_form(path)
    err = info.value
    assert str(err).startswith(f"{path.name}: "), str(err)
    assert err.path == str(path)
    assert entry in err.entry, str(err)
    assert message in str(err), str(err)
