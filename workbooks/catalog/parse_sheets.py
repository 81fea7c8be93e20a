"""Parsing the sheets of a form file: indicator sheets (rows, headings, value columns, column
rules) and list sheets (typed columns, groups, row rules)."""

from __future__ import annotations

from typing import Any

from workbooks.catalog.fields import DAY
from workbooks.catalog.model import (
    Heading,
    Indicator,
    IndicatorSheet,
    ListColumn,
    ListGroup,
    ListSheet,
    RowRule,
)
from workbooks.catalog.parse_rows import INDICATOR_KEYS, parse_indicator, parse_rule, parse_value_columns
from workbooks.catalog.yaml_reader import KEY_PATTERN, LIST_TYPES, SHEET_FORBIDDEN, Reader, no_duplicates
from workbooks.messages import text


def parse_indicator_sheet(r: Reader, d: dict, entry: str) -> IndicatorSheet:
    allowed = {"id", "name", "kind", "title", "subtitle", "levels", "show_unit", "columns",
               "column_rules", "rows"}
    r.mapping(d, entry, allowed, {"id", "name", "kind", "title", "columns", "rows"})
    columns = parse_value_columns(r, d["columns"], entry)
    rows: list[Indicator | Heading] = []
    for i, raw in enumerate(d["rows"] or []):
        e = f"{entry}.rows[{i}]"
        if isinstance(raw, dict) and "heading" in raw:
            h = r.mapping(raw, e, {"heading", "stt"}, {"heading"})
            rows.append(Heading(label=r.text(h, "heading", e), stt=r.text(h, "stt", e)))
        else:
            ind = parse_indicator(r, r.mapping(raw, e, INDICATOR_KEYS, set()), e)
            unknown = set(ind.columns) - {c.key for c in columns}
            if unknown:
                raise r.fail(f"{e} (mã {ind.code})", text("catalog.row_columns", columns=sorted(unknown)))
            rows.append(ind)
    if not any(isinstance(x, Indicator) for x in rows):
        raise r.fail(entry, text("catalog.no_rows"))
    col_rules = tuple(
        parse_rule(r, x, f"{entry}.column_rules[{i}]", "columns", d["id"])
        for i, x in enumerate(d.get("column_rules") or [])
    )
    keys = {c.key for c in columns}
    for rule in col_rules:
        if not set(rule.left + rule.right) <= keys:
            raise r.fail(f"{entry}.column_rules ({rule.id})", text("catalog.column_rule_unknown"))
    return IndicatorSheet(
        id=d["id"], name=r.text(d, "name", entry), title=r.text(d, "title", entry),
        columns=columns, rows=tuple(rows), subtitle=r.text(d, "subtitle", entry),
        levels=r.levels(d, entry), show_unit=bool(d.get("show_unit", True)),
        column_rules=col_rules,
    )


def parse_list_sheet(r: Reader, d: dict, entry: str) -> ListSheet:
    allowed = {"id", "name", "kind", "title", "subtitle", "levels", "rows", "groups", "columns",
               "row_rules"}
    r.mapping(d, entry, allowed, {"id", "name", "kind", "title", "columns"})
    cols = []
    for i, raw in enumerate(d["columns"] or []):
        e = f"{entry}.columns[{i}]"
        c = r.mapping(raw, e, {"key", "label", "type", "required", "choices", "width", "help", "dates_from"},
                      {"key", "label", "type"})
        dates_from = r.text(c, "dates_from", e)
        if dates_from and (c["type"] != "date" or not DAY.fullmatch(dates_from)):
            raise r.fail(e, text("forms.catalog.dates_from"))
        if c["type"] not in LIST_TYPES:
            raise r.fail(e, text("catalog.list_type", type=c["type"], types=", ".join(sorted(LIST_TYPES))))
        if not KEY_PATTERN.match(str(c["key"])):
            raise r.fail(e, "khóa cột chỉ gồm chữ thường, số, gạch dưới")
        choices = tuple(str(x) for x in (c.get("choices") or ()))
        if c["type"] == "choice" and (not choices or len(set(choices)) != len(choices)):
            raise r.fail(e, text("catalog.list_choices"))
        if any("," in x for x in choices):
            raise r.fail(e, text("catalog.list_choice_comma"))
        cols.append(ListColumn(c["key"], r.text(c, "label", e), c["type"],
                               bool(c.get("required", False)), choices, c.get("width"),
                               r.text(c, "help", e), dates_from))
    if not cols:
        raise r.fail(entry, text("catalog.list_no_column"))
    no_duplicates(r, [c.key for c in cols], entry, "khóa cột")
    groups = []
    for i, raw in enumerate(d.get("groups") or []):
        g = r.mapping(raw, f"{entry}.groups[{i}]", {"code", "label"}, {"code", "label"})
        groups.append(ListGroup(str(g["code"]), r.text(g, "label", entry)))
    no_duplicates(r, [g.code for g in groups], entry, "mã nhóm")
    rules = []
    keys = {c.key for c in cols}
    for i, raw in enumerate(d.get("row_rules") or []):
        e = f"{entry}.row_rules[{i}]"
        x = r.mapping(raw, e, {"id", "when", "require", "severity", "message", "fix"},
                      {"id", "when", "require", "severity", "message"})
        w = r.mapping(x["when"], f"{e}.when", {"column", "equals"}, {"column", "equals"})
        req = tuple(x["require"] if isinstance(x["require"], list) else [x["require"]])
        if w["column"] not in keys or not set(req) <= keys:
            raise r.fail(f"{e} ({x['id']})", text("catalog.row_rule_unknown"))
        if x["severity"] not in {"error", "warning"}:
            raise r.fail(e, "severity phải là error hoặc warning")
        rules.append(RowRule(str(x["id"]), w["column"], str(w["equals"]), req, x["severity"],
                             r.text(x, "message", e), r.text(x, "fix", e)))
    rows = d.get("rows", 20)
    if not isinstance(rows, int) or rows < 1:
        raise r.fail(entry, text("catalog.list_rows"))
    return ListSheet(
        id=d["id"], name=r.text(d, "name", entry), title=r.text(d, "title", entry),
        columns=tuple(cols), rows=rows, groups=tuple(groups),
        subtitle=r.text(d, "subtitle", entry), levels=r.levels(d, entry), row_rules=tuple(rules),
    )


def parse_sheet(r: Reader, raw: Any, i: int) -> IndicatorSheet | ListSheet:
    entry = f"sheets[{i}]"
    if not isinstance(raw, dict) or "id" not in raw or "kind" not in raw:
        raise r.fail(entry, text("catalog.sheet_id_kind"))
    entry = f"sheets[{i}] ({raw['id']})"
    if not KEY_PATTERN.match(str(raw["id"])):
        raise r.fail(entry, text("catalog.sheet_id"))
    name = str(raw.get("name", ""))
    if not name or len(name) > 31 or set(name) & SHEET_FORBIDDEN or name.startswith("'"):
        raise r.fail(entry, text("catalog.sheet_name", name=name))
    if raw["kind"] == "indicators":
        return parse_indicator_sheet(r, raw, entry)
    if raw["kind"] == "list":
        return parse_list_sheet(r, raw, entry)
    raise r.fail(entry, text("catalog.sheet_kind", kind=raw["kind"]))
