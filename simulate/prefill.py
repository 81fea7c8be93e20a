"""A plausible prefill for a unit: drawn values repaired against every rule, list rows, reporter."""

from __future__ import annotations

import random
from datetime import date, timedelta

from simulate.cells import compiled_for
from simulate.draw import date_in, draw, resemble, shape_parts
from simulate.repair import Repair
from workbooks.catalog.compiled import compile_form
from workbooks.catalog.instances import CellKey
from workbooks.catalog.layout import ListLayout, render
from workbooks.catalog.model import Form, ListColumn, ListSheet
from workbooks.writer.assembler import ascii_slug
from workbooks.writer.context import Prefill

_NOTES = (
    "Số liệu tính đến ngày 30/9/{year}.",
    "Số liệu ước thực hiện đến hết năm {year}.",
    "Đã bao gồm các đơn vị trực thuộc.",
    "Theo số liệu của bộ phận một cửa.",
    "Số liệu lấy từ Hệ thống thông tin giải quyết TTHC của tỉnh.",
    "Tăng so với năm trước do sáp nhập đơn vị.",
)

_TASKS = (
    "Ban hành Kế hoạch cải cách hành chính năm {year}",
    "Ban hành Kế hoạch tuyên truyền cải cách hành chính năm {year}",
    "Kiểm tra công tác cải cách hành chính tại các đơn vị trực thuộc",
    "Rà soát, đơn giản hóa thủ tục hành chính",
    "Cập nhật, công khai thủ tục hành chính trên Cổng dịch vụ công",
    "Ban hành quy trình nội bộ giải quyết thủ tục hành chính",
    "Tổ chức đối thoại với doanh nghiệp về thủ tục hành chính",
    "Rà soát vị trí việc làm, cơ cấu ngạch công chức",
    "Triển khai chữ ký số cho lãnh đạo và công chức",
    "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    "Báo cáo kết quả thực hiện cải cách hành chính 6 tháng đầu năm",
)
_DOC_TYPES = ("KH", "QĐ", "BC", "CV", "TB", "HD")
_ISSUERS = ("UBND", "SNV", "VP", "PNV", "BCĐ")
_REPORTERS = (
    "Nguyễn Thị Huyền", "Lò Văn Pánh", "Cầm Thị Hoa", "Quàng Văn Hải", "Lê Thị Thu Trang",
    "Phạm Đức Anh", "Hoàng Thị Lan", "Trần Văn Minh", "Vì Thị Hương", "Đỗ Quang Trung",
)

# --------------------------------------------------------------------------- prefill


def _list_text(col: ListColumn, rng: random.Random, year: int) -> str | None:
    label = f"{col.key} {col.label}".casefold()
    if "số văn bản" in label or "doc_no" in label or "số, ký hiệu" in label:
        return f"{rng.randint(1, 250)}/{rng.choice(_DOC_TYPES)}-{rng.choice(_ISSUERS)}"
    if "ghi chú" in label or "note" in label:
        return rng.choice(("", "", "Đã hoàn thành", "Lồng ghép với kế hoạch năm"))
    if "trích yếu" in label or "tên văn bản" in label:
        return render(rng.choice(_TASKS), year).replace("Ban hành ", "V/v ban hành ")
    return render(rng.choice(_TASKS), year)


def _list_rows(sheet: ListSheet, lay: ListLayout, rng: random.Random, year: int,
               period: tuple[date, date]) -> list[dict[str, object]]:
    """A few filled rows per group; every row a row rule concerns carries what it requires."""
    capacity: dict[str, int] = {}
    for _, group in lay.data_rows:
        capacity[group] = capacity.get(group, 0) + 1
    rows: list[dict[str, object]] = []
    for group in [g.code for g in sheet.groups] or [""]:
        for _ in range(rng.randint(min(1, capacity.get(group, 0)), min(3, capacity.get(group, 0)))):
            row: dict[str, object] = {"group": group} if sheet.groups else {}
            for col in sheet.columns:
                value: object
                if col.type == "choice":
                    weights = [0.75] + [0.25 / max(1, len(col.choices) - 1)] * (len(col.choices) - 1)
                    value = rng.choices(col.choices, weights=weights[: len(col.choices)])[0]
                elif col.type == "date":
                    value = date_in(period, rng) if col.required or rng.random() < 0.85 else None
                elif col.type == "count":
                    value = rng.randint(1, 20)
                else:
                    value = _list_text(col, rng, year)
                if value not in (None, ""):
                    row[col.key] = value
            for rule in sheet.row_rules:
                if row.get(rule.when_column) == rule.when_equals:
                    for key in rule.require:
                        if row.get(key) in (None, ""):
                            col = next(c for c in sheet.columns if c.key == key)
                            row[key] = (date_in(period, rng) if col.type == "date"
                                        else 1 if col.type == "count" else _list_text(col, rng, year)
                                        or "Đã ghi")
            rows.append(row)
    return rows


def _info(rng: random.Random, period: tuple[date, date]) -> dict[str, object]:
    name = rng.choice(_REPORTERS)
    lo, hi = period
    start = max(lo, hi - timedelta(days=75))
    phone = f"0{rng.choice((9, 8, 3))}{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
    return {"reporter": name, "phone": phone,
            "email": f"{ascii_slug(name).lower().replace('_', '.')}@gmail.com",
            "report_date": date_in((start, hi), rng)}


def plausible_prefill(form: Form, level: str | None, rng: random.Random, year: int | None = None) -> Prefill:
    """Plausible values for every input cell a unit of ``level`` fills, satisfying every rule.

    Counts are drawn in ranges that fit their unit of measure and the unit's level; later
    value columns (this year) resemble the first (last year); then every rule instance
    (errors and warnings, from the catalog, parts, ratios and column rules) is repaired
    until none is violated. List sheets get one to three rows per group; the reporter
    block is filled; a few rows get a note.

    Args:
        form: the form.
        level: the unit's level (None: the template's rows of every level).
        rng: the random source (seed it for reproducible values).
        year: the period year (the form's default when None).

    Returns:
        The prefill for ``generate_workbook``.

    Raises:
        UnsatisfiableRules: the form's rules cannot all hold (a catalog bug).
    """
    year = year or form.period.default_year
    period = compile_form(form, level, year).period
    comp = compiled_for(form, level)
    cells, computed, instances = comp.cells, comp.computed, comp.instances
    values: dict[CellKey, object] = {}
    base = [c for c in cells.values() if c.template is None]
    for cell in base:
        values[cell.key] = draw(cell, level, rng, period)
    first = [i for i in instances if all(k in values or k in computed for k in i.left + i.right)]
    shape_parts(values, cells, first, rng)
    repair = Repair(values, cells, computed, rng, comp.scales)
    repair.run(first, form.id)
    growth: dict[str, float] = {}
    for cell in cells.values():
        if cell.template is None:
            continue
        g = growth.setdefault(cell.key[1], rng.uniform(0.9, 1.2))
        values[cell.key] = resemble(cell, values.get((cell.key[0], cell.template)), g, rng, level, period)
    repair.run(instances, form.id)
    codes = sorted({k[0] for k in cells})
    notes = {code: render(rng.choice(_NOTES), year) for code in rng.sample(codes, min(len(codes), rng.randint(2, 4)))}
    lists = {lay.sheet.id: _list_rows(lay.sheet, lay, rng, year, period)
             for lay in comp.layouts if isinstance(lay, ListLayout)}
    return Prefill(cells=values, notes=notes, lists=lists, info=_info(rng, period))

