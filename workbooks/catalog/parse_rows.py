"""Parsing the rows of a form file: the period, indicators (with choices and ratio sides), rules
and value columns. Each function takes the ``Reader`` of the file and the entry it is reading."""

from __future__ import annotations

from typing import Any

from workbooks.catalog.fields import parse_deadline, parse_display, parse_required
from workbooks.catalog.kinds import declarable
from workbooks.catalog.kinds import kind as kind_of
from workbooks.catalog.model import (
    Choice,
    Indicator,
    Part,
    Period,
    RatioSide,
    Rule,
    ValueColumn,
)
from workbooks.catalog.yaml_reader import CODE_PATTERN, KEY_PATTERN, OPERATORS, Reader, no_duplicates
from workbooks.messages import text


def parse_period(r: Reader, data: Any) -> Period:
    d = r.mapping(data, "period", {"default_year", "label", "start", "end", "deadline"}, {"default_year"})
    if not isinstance(d["default_year"], int):
        raise r.fail("period.default_year", text("catalog.year"))
    return Period(
        default_year=d["default_year"],
        label=r.text(d, "label", "period", "Năm {year}"),
        start=r.text(d, "start", "period", "01/01/{year}"),
        end=r.text(d, "end", "period", "31/12/{year}"),
        deadline=parse_deadline(r, d),
    )


def parse_choices(r: Reader, raw: Any, entry: str) -> tuple[Choice, ...]:
    if not raw or not isinstance(raw, list):
        raise r.fail(entry, text("catalog.choices_empty"))
    out = []
    for i, item in enumerate(raw):
        d = r.mapping(item, f"{entry}.choices[{i}]", {"code", "label"}, {"code", "label"})
        out.append(Choice(code=d["code"], label=str(d["label"]).strip()))
    codes = [c.code for c in out]
    if len(set(codes)) != len(codes):
        raise r.fail(entry, text("catalog.choices_duplicate", codes=codes))
    return tuple(out)


def parse_ratio_side(r: Reader, raw: Any, entry: str) -> RatioSide:
    d = r.mapping(raw, entry, {"label", "unit"}, {"label"})
    return RatioSide(label=r.text(d, "label", entry), unit=r.text(d, "unit", entry))


INDICATOR_KEYS = {
    "code", "label", "kind", "stt", "unit", "required", "min", "max", "choices", "parts",
    "numerator", "denominator", "allow_over", "levels", "columns", "help", "display", "decimals",
}


def parse_indicator(r: Reader, d: dict, entry: str) -> Indicator:
    r.mapping(d, entry, INDICATOR_KEYS, {"code", "label", "kind"})
    code = str(d["code"]).strip()
    entry = f"{entry} (mã {code})"
    if not CODE_PATTERN.match(code):
        raise r.fail(entry, text("catalog.code_chars"))
    kind = d["kind"]
    if kind not in declarable():
        raise r.fail(entry, text("catalog.kind", kind=kind, kinds=", ".join(declarable())))
    spec = kind_of(kind)
    coded = spec.parse == "choice"
    choices = parse_choices(r, d.get("choices"), entry) if coded else ()
    if not coded and d.get("choices"):
        raise r.fail(entry, text("catalog.choices_not_choice"))
    numerator = denominator = None
    if spec.ratio:
        if "numerator" not in d or "denominator" not in d:
            raise r.fail(entry, text("catalog.ratio_sides"))
        numerator = parse_ratio_side(r, d["numerator"], f"{entry}.numerator")
        denominator = parse_ratio_side(r, d["denominator"], f"{entry}.denominator")
    parts = None
    if d.get("parts") is not None:
        p = r.mapping(d["parts"], f"{entry}.parts", {"codes", "rule"}, {"codes", "rule"})
        if p["rule"] not in {"sum", "at_most"} or not p["codes"]:
            raise r.fail(entry, text("catalog.parts"))
        parts = Part(codes=tuple(str(c) for c in p["codes"]), rule=p["rule"])
    required, required_levels = parse_required(r, d, entry, kind)
    display, decimals = parse_display(r, d, entry, kind)
    lo, hi = d.get("min"), d.get("max")
    if spec.numeric:  # the kinds table's bounds unless the form sets its own
        lo = spec.min if lo is None else lo
        hi = spec.max if hi is None else hi
    return Indicator(
        code=code,
        label=r.text(d, "label", entry),
        kind=kind,
        stt=r.text(d, "stt", entry),
        unit=r.text(d, "unit", entry),
        required=required,
        min=lo,
        max=hi,
        choices=choices,
        parts=parts,
        numerator=numerator,
        denominator=denominator,
        allow_over=bool(d.get("allow_over", False)),
        levels=r.levels(d, entry),
        columns=tuple(d.get("columns") or ()),
        help=r.text(d, "help", entry),
        required_levels=required_levels,
        display=display,
        decimals=decimals,
    )


def parse_rule(r: Reader, d: Any, entry: str, scope: str, sheet: str | None = None) -> Rule:
    allowed = {"id", "left", "op", "right", "severity", "message", "fix", "factor"}
    d = r.mapping(d, entry, allowed, {"id", "left", "op", "right", "severity", "message"})
    entry = f"{entry} ({d['id']})"
    if d["op"] not in OPERATORS:
        raise r.fail(entry, text("catalog.operator", op=d["op"], ops=" ".join(sorted(OPERATORS))))
    if d["severity"] not in {"error", "warning"}:
        raise r.fail(entry, text("catalog.severity"))

    def refs(value: Any, side: str) -> tuple[tuple[str, ...], float]:
        items = value if isinstance(value, list) else [value]
        numbers = [x for x in items if isinstance(x, int | float) and not isinstance(x, bool)]
        codes = tuple(str(x) for x in items if x not in numbers)
        if not items or (side == "left" and numbers):
            raise r.fail(entry, text("forms.catalog.rule_sides"))
        if len(numbers) > 1 or (numbers and scope != "rows"):
            raise r.fail(entry, text("forms.catalog.rule_constant"))
        return codes, float(numbers[0]) if numbers else 0.0

    left, _ = refs(d["left"], "left")
    right, constant = refs(d["right"], "right")
    return Rule(
        id=str(d["id"]),
        left=left,
        op=d["op"],
        right=right,
        constant=constant,
        severity=d["severity"],
        message=r.text(d, "message", entry),
        fix=r.text(d, "fix", entry),
        factor=float(d.get("factor", 1)),
        scope=scope,
        sheet=sheet,
        origin="catalog" if scope == "rows" else "column",
    )


def parse_value_columns(r: Reader, raw: Any, entry: str) -> tuple[ValueColumn, ...]:
    if not raw or not isinstance(raw, list):
        raise r.fail(entry, text("catalog.no_value_column"))
    cols = []
    for i, item in enumerate(raw):
        e = f"{entry}.columns[{i}]"
        d = r.mapping(item, e, {"key", "label", "group", "compute"}, {"key", "label"})
        if not KEY_PATTERN.match(str(d["key"])):
            raise r.fail(e, text("catalog.column_key"))
        ratio = None
        if d.get("compute") is not None:
            c = r.mapping(d["compute"], f"{e}.compute", {"ratio"}, {"ratio"})
            if not isinstance(c["ratio"], list) or len(c["ratio"]) != 2:
                raise r.fail(e, text("catalog.compute_ratio"))
            ratio = (str(c["ratio"][0]), str(c["ratio"][1]))
        cols.append(ValueColumn(d["key"], r.text(d, "label", e), d.get("group"), ratio))
    keys = [c.key for c in cols]
    no_duplicates(r, keys, entry, "khóa cột")
    for col in cols:
        if col.compute_ratio and not set(col.compute_ratio) <= set(keys) - {col.key}:
            raise r.fail(f"{entry}.{col.key}", text("catalog.compute_unknown", columns=list(col.compute_ratio)))
    return tuple(cols)
