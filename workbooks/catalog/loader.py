"""Load form files (YAML) into the model, checking the catalog itself.

A catalog mistake is *ours*: ``CatalogError`` names the file and the entry, and a test
loads every shipped form so that such a mistake never reaches a province.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from workbooks.catalog.derive import derived_rules
from workbooks.catalog.fields import DAY, parse_deadline, parse_display, parse_required, parse_signature
from workbooks.catalog.kinds import declarable
from workbooks.catalog.kinds import kind as kind_of
from workbooks.catalog.model import (
    Choice,
    Form,
    Heading,
    Indicator,
    IndicatorSheet,
    ListColumn,
    ListGroup,
    ListSheet,
    Part,
    Period,
    RatioSide,
    RowRule,
    Rule,
    ValueColumn,
)
from workbooks.messages import text

FORMS_DIR = Path(str(resources.files("workbooks") / "forms"))
LEVELS_FILE = Path(str(resources.files("workbooks") / "levels.yaml"))

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_KEY = re.compile(r"^[a-z0-9_]+$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SHEET_FORBIDDEN = set("[]:*?/\\")
_LIST_TYPES = {"text", "date", "count", "choice"}
_OPS = {"<=", "<", "=", ">=", ">"}


class CatalogError(ValueError):
    """A mistake in a form file: names the file and the entry."""

    def __init__(self, path: str | Path, entry: str, message: str) -> None:
        self.path, self.entry = str(path), entry
        super().__init__(f"{Path(path).name}: {entry}: {message}")


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Parse YAML safely, with libyaml when installed (ten times faster than pure Python).

    Args:
        text: the document.

    Returns:
        The data.

    Raises:
        yaml.YAMLError: not valid YAML (the message says where).
    """
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader, C or Python


@cache
def known_levels() -> dict[str, str]:
    """Level code -> Vietnamese label, from ``levels.yaml``."""
    data = load_yaml(LEVELS_FILE.read_text(encoding="utf-8"))
    return {item["code"]: item["label"] for item in data["levels"]}


class _Reader:
    """Reads one YAML mapping with strict keys; every error names file and entry."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, entry: str, message: str) -> CatalogError:
        return CatalogError(self.path, entry, message)

    def mapping(self, data: Any, entry: str, allowed: set[str], required: set[str]) -> dict:
        if not isinstance(data, dict):
            raise self.fail(entry, "cần một bảng khóa: giá trị (mapping)")
        unknown = set(data) - allowed
        if unknown:
            raise self.fail(entry, f"khóa không hợp lệ {sorted(unknown)}; cho phép {sorted(allowed)}")
        missing = required - set(data)
        if missing:
            raise self.fail(entry, f"thiếu khóa {sorted(missing)}")
        return data

    def text(self, data: dict, key: str, entry: str, default: str = "") -> str:
        value = data.get(key, default)
        if value is None:
            return ""
        if not isinstance(value, str | int | float):
            raise self.fail(entry, f"'{key}' phải là chuỗi")
        return str(value).strip()

    def levels(self, data: dict, entry: str) -> tuple[str, ...]:
        levels = tuple(data.get("levels") or ())
        unknown = [lv for lv in levels if lv not in known_levels()]
        if unknown:
            raise self.fail(entry, f"cấp đơn vị không biết {unknown}; có {sorted(known_levels())}")
        return levels


def _period(r: _Reader, data: Any) -> Period:
    d = r.mapping(data, "period", {"default_year", "label", "start", "end", "deadline"}, {"default_year"})
    if not isinstance(d["default_year"], int):
        raise r.fail("period.default_year", "phải là số năm, ví dụ 2024")
    return Period(
        default_year=d["default_year"],
        label=r.text(d, "label", "period", "Năm {year}"),
        start=r.text(d, "start", "period", "01/01/{year}"),
        end=r.text(d, "end", "period", "31/12/{year}"),
        deadline=parse_deadline(r, d),
    )


def _choices(r: _Reader, raw: Any, entry: str) -> tuple[Choice, ...]:
    if not raw or not isinstance(raw, list):
        raise r.fail(entry, "danh sách lựa chọn (choices) trống")
    out = []
    for i, item in enumerate(raw):
        d = r.mapping(item, f"{entry}.choices[{i}]", {"code", "label"}, {"code", "label"})
        out.append(Choice(code=d["code"], label=str(d["label"]).strip()))
    codes = [c.code for c in out]
    if len(set(codes)) != len(codes):
        raise r.fail(entry, f"mã lựa chọn bị trùng: {codes}")
    return tuple(out)


def _ratio_side(r: _Reader, raw: Any, entry: str) -> RatioSide:
    d = r.mapping(raw, entry, {"label", "unit"}, {"label"})
    return RatioSide(label=r.text(d, "label", entry), unit=r.text(d, "unit", entry))


_IND_KEYS = {
    "code", "label", "kind", "stt", "unit", "required", "min", "max", "choices", "parts",
    "numerator", "denominator", "allow_over", "levels", "columns", "help", "display", "decimals",
}


def _indicator(r: _Reader, d: dict, entry: str) -> Indicator:
    r.mapping(d, entry, _IND_KEYS, {"code", "label", "kind"})
    code = str(d["code"]).strip()
    entry = f"{entry} (mã {code})"
    if not _CODE.match(code):
        raise r.fail(entry, "mã chỉ gồm chữ, số, dấu chấm, gạch dưới, gạch ngang")
    kind = d["kind"]
    if kind not in declarable():
        raise r.fail(entry, f"loại '{kind}' không hợp lệ; có {sorted(declarable())}")
    spec = kind_of(kind)
    coded = spec.parse == "choice"
    choices = _choices(r, d.get("choices"), entry) if coded else ()
    if not coded and d.get("choices"):
        raise r.fail(entry, "chỉ loại 'choice' mới có choices")
    numerator = denominator = None
    if spec.ratio:
        if "numerator" not in d or "denominator" not in d:
            raise r.fail(entry, "loại 'ratio' cần numerator và denominator")
        numerator = _ratio_side(r, d["numerator"], f"{entry}.numerator")
        denominator = _ratio_side(r, d["denominator"], f"{entry}.denominator")
    parts = None
    if d.get("parts") is not None:
        p = r.mapping(d["parts"], f"{entry}.parts", {"codes", "rule"}, {"codes", "rule"})
        if p["rule"] not in {"sum", "at_most"} or not p["codes"]:
            raise r.fail(entry, "parts cần codes (không trống) và rule: sum | at_most")
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


def _rule(r: _Reader, d: Any, entry: str, scope: str, sheet: str | None = None) -> Rule:
    allowed = {"id", "left", "op", "right", "severity", "message", "fix", "factor"}
    d = r.mapping(d, entry, allowed, {"id", "left", "op", "right", "severity", "message"})
    entry = f"{entry} ({d['id']})"
    if d["op"] not in _OPS:
        raise r.fail(entry, f"toán tử '{d['op']}' không hợp lệ; có {sorted(_OPS)}")
    if d["severity"] not in {"error", "warning"}:
        raise r.fail(entry, "severity phải là error hoặc warning")

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


def _value_columns(r: _Reader, raw: Any, entry: str) -> tuple[ValueColumn, ...]:
    if not raw or not isinstance(raw, list):
        raise r.fail(entry, "cần ít nhất một cột số liệu (columns)")
    cols = []
    for i, item in enumerate(raw):
        e = f"{entry}.columns[{i}]"
        d = r.mapping(item, e, {"key", "label", "group", "compute"}, {"key", "label"})
        if not _KEY.match(str(d["key"])):
            raise r.fail(e, "khóa cột chỉ gồm chữ thường, số, gạch dưới")
        ratio = None
        if d.get("compute") is not None:
            c = r.mapping(d["compute"], f"{e}.compute", {"ratio"}, {"ratio"})
            if not isinstance(c["ratio"], list) or len(c["ratio"]) != 2:
                raise r.fail(e, "compute.ratio cần [cột tử số, cột mẫu số]")
            ratio = (str(c["ratio"][0]), str(c["ratio"][1]))
        cols.append(ValueColumn(d["key"], r.text(d, "label", e), d.get("group"), ratio))
    keys = [c.key for c in cols]
    _no_duplicates(r, keys, entry, "khóa cột")
    for col in cols:
        if col.compute_ratio and not set(col.compute_ratio) <= set(keys) - {col.key}:
            raise r.fail(f"{entry}.{col.key}", f"cột tính toán nhắc cột không có: {col.compute_ratio}")
    return tuple(cols)


def _no_duplicates(r: _Reader, items: list[str], entry: str, what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise r.fail(entry, f"{what} '{item}' bị trùng")
        seen.add(item)


def _indicator_sheet(r: _Reader, d: dict, entry: str) -> IndicatorSheet:
    allowed = {"id", "name", "kind", "title", "subtitle", "levels", "show_unit", "columns",
               "column_rules", "rows"}
    r.mapping(d, entry, allowed, {"id", "name", "kind", "title", "columns", "rows"})
    columns = _value_columns(r, d["columns"], entry)
    rows: list[Indicator | Heading] = []
    for i, raw in enumerate(d["rows"] or []):
        e = f"{entry}.rows[{i}]"
        if isinstance(raw, dict) and "heading" in raw:
            h = r.mapping(raw, e, {"heading", "stt"}, {"heading"})
            rows.append(Heading(label=r.text(h, "heading", e), stt=r.text(h, "stt", e)))
        else:
            ind = _indicator(r, r.mapping(raw, e, _IND_KEYS, set()), e)
            unknown = set(ind.columns) - {c.key for c in columns}
            if unknown:
                raise r.fail(f"{e} (mã {ind.code})", f"cột không có trong sheet: {sorted(unknown)}")
            rows.append(ind)
    if not any(isinstance(x, Indicator) for x in rows):
        raise r.fail(entry, "sheet chỉ tiêu không có dòng số liệu nào")
    col_rules = tuple(
        _rule(r, x, f"{entry}.column_rules[{i}]", "columns", d["id"])
        for i, x in enumerate(d.get("column_rules") or [])
    )
    keys = {c.key for c in columns}
    for rule in col_rules:
        if not set(rule.left + rule.right) <= keys:
            raise r.fail(f"{entry}.column_rules ({rule.id})", "quy tắc nhắc cột không có trong sheet")
    return IndicatorSheet(
        id=d["id"], name=r.text(d, "name", entry), title=r.text(d, "title", entry),
        columns=columns, rows=tuple(rows), subtitle=r.text(d, "subtitle", entry),
        levels=r.levels(d, entry), show_unit=bool(d.get("show_unit", True)),
        column_rules=col_rules,
    )


def _list_sheet(r: _Reader, d: dict, entry: str) -> ListSheet:
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
        if c["type"] not in _LIST_TYPES:
            raise r.fail(e, f"kiểu cột '{c['type']}' không hợp lệ; có {sorted(_LIST_TYPES)}")
        if not _KEY.match(str(c["key"])):
            raise r.fail(e, "khóa cột chỉ gồm chữ thường, số, gạch dưới")
        choices = tuple(str(x) for x in (c.get("choices") or ()))
        if c["type"] == "choice" and (not choices or len(set(choices)) != len(choices)):
            raise r.fail(e, "cột lựa chọn cần danh sách choices không trống, không trùng")
        if any("," in x for x in choices):
            raise r.fail(e, "lựa chọn không được chứa dấu phẩy (Excel dùng dấu phẩy để tách danh sách chọn)")
        cols.append(ListColumn(c["key"], r.text(c, "label", e), c["type"],
                               bool(c.get("required", False)), choices, c.get("width"),
                               r.text(c, "help", e), dates_from))
    if not cols:
        raise r.fail(entry, "danh sách cần ít nhất một cột")
    _no_duplicates(r, [c.key for c in cols], entry, "khóa cột")
    groups = []
    for i, raw in enumerate(d.get("groups") or []):
        g = r.mapping(raw, f"{entry}.groups[{i}]", {"code", "label"}, {"code", "label"})
        groups.append(ListGroup(str(g["code"]), r.text(g, "label", entry)))
    _no_duplicates(r, [g.code for g in groups], entry, "mã nhóm")
    rules = []
    keys = {c.key for c in cols}
    for i, raw in enumerate(d.get("row_rules") or []):
        e = f"{entry}.row_rules[{i}]"
        x = r.mapping(raw, e, {"id", "when", "require", "severity", "message", "fix"},
                      {"id", "when", "require", "severity", "message"})
        w = r.mapping(x["when"], f"{e}.when", {"column", "equals"}, {"column", "equals"})
        req = tuple(x["require"] if isinstance(x["require"], list) else [x["require"]])
        if w["column"] not in keys or not set(req) <= keys:
            raise r.fail(f"{e} ({x['id']})", "quy tắc dòng nhắc cột không có trong danh sách")
        if x["severity"] not in {"error", "warning"}:
            raise r.fail(e, "severity phải là error hoặc warning")
        rules.append(RowRule(str(x["id"]), w["column"], str(w["equals"]), req, x["severity"],
                             r.text(x, "message", e), r.text(x, "fix", e)))
    rows = d.get("rows", 20)
    if not isinstance(rows, int) or rows < 1:
        raise r.fail(entry, "rows phải là số nguyên dương")
    return ListSheet(
        id=d["id"], name=r.text(d, "name", entry), title=r.text(d, "title", entry),
        columns=tuple(cols), rows=rows, groups=tuple(groups),
        subtitle=r.text(d, "subtitle", entry), levels=r.levels(d, entry), row_rules=tuple(rules),
    )


def _sheet(r: _Reader, raw: Any, i: int) -> IndicatorSheet | ListSheet:
    entry = f"sheets[{i}]"
    if not isinstance(raw, dict) or "id" not in raw or "kind" not in raw:
        raise r.fail(entry, "mỗi sheet cần id và kind")
    entry = f"sheets[{i}] ({raw['id']})"
    if not _KEY.match(str(raw["id"])):
        raise r.fail(entry, "id sheet chỉ gồm chữ thường, số, gạch dưới")
    name = str(raw.get("name", ""))
    if not name or len(name) > 31 or set(name) & _SHEET_FORBIDDEN or name.startswith("'"):
        raise r.fail(entry, f"tên sheet '{name}' không hợp lệ trong Excel (1–31 ký tự, không có []:*?/\\)")
    if raw["kind"] == "indicators":
        return _indicator_sheet(r, raw, entry)
    if raw["kind"] == "list":
        return _list_sheet(r, raw, entry)
    raise r.fail(entry, f"kind '{raw['kind']}' không hợp lệ; có indicators, list")


_FORM_KEYS = {"id", "version", "title", "province", "year", "source", "derived_from_outline",
              "note", "period", "levels", "sheets", "rules", "signature", "summary_levels"}


def load_form(path: str | Path) -> Form:
    """Load and check one form file.

    Args:
        path: the YAML file.

    Returns:
        The form, with ``all_rules`` holding catalog rules plus derived ones
        (parts, ratios, column rules).

    Raises:
        CatalogError: the file is not a valid form; the message names file and entry.
    """
    path = Path(path)
    raw_bytes = path.read_bytes()
    r = _Reader(path)
    try:
        data = load_yaml(raw_bytes.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise r.fail("tệp", f"không đọc được YAML: {exc}") from exc
    d = r.mapping(data, "form", _FORM_KEYS,
                  {"id", "version", "title", "province", "year", "source", "period", "sheets"})
    if not _ID.match(str(d["id"])):
        raise r.fail("id", "id biểu mẫu chỉ gồm chữ thường, số, gạch ngang")
    if not isinstance(d["sheets"], list) or not d["sheets"]:
        raise r.fail("sheets", "biểu mẫu cần ít nhất một sheet")
    sheets = tuple(_sheet(r, s, i) for i, s in enumerate(d["sheets"]))
    _no_duplicates(r, [s.id for s in sheets], "sheets", "id sheet")
    _no_duplicates(r, [s.name for s in sheets], "sheets", "tên sheet")
    rules = tuple(_rule(r, x, f"rules[{i}]", "rows") for i, x in enumerate(d.get("rules") or []))
    form = Form(
        id=str(d["id"]), version=int(d["version"]), title=r.text(d, "title", "title"),
        province=r.text(d, "province", "province"), year=int(d["year"]),
        source=r.text(d, "source", "source"), period=_period(r, d["period"]),
        levels=r.levels(d, "form"), sheets=sheets, rules=rules, note=r.text(d, "note", "note"),
        derived_from_outline=bool(d.get("derived_from_outline", False)), path=str(path),
        signature=parse_signature(r, d.get("signature")),
        summary_levels=r.levels({"levels": d.get("summary_levels")}, "summary_levels"),
        digest=hashlib.sha256(raw_bytes).hexdigest()[:16],
    )
    from workbooks.catalog.checks import check_form  # local: checks imports the model only

    check_form(form, r.fail)
    all_rules = rules + derived_rules(form)
    _no_duplicates(r, [x.id for x in all_rules], "rules", "id quy tắc")
    return Form(**{**form.__dict__, "all_rules": all_rules})


def form_paths(directory: Path = FORMS_DIR) -> list[Path]:
    """The shipped form files, sorted by name (a form's report outline, ``*.report.yaml``, is not a form)."""
    return sorted(p for p in directory.glob("*.yaml") if not p.name.endswith(".report.yaml"))


@cache
def load_catalog(directory: Path = FORMS_DIR) -> dict[str, Form]:
    """Load every form of a directory, keyed by form id (CatalogError on any mistake)."""
    forms: dict[str, Form] = {}
    for path in form_paths(directory):
        form = load_form(path)
        if form.id in forms:
            raise CatalogError(path, "id", f"id biểu mẫu '{form.id}' trùng với {forms[form.id].path}")
        forms[form.id] = form
    return forms


def get_form(form_id: str) -> Form:
    """Return a shipped form by id; KeyError with the list of known ids otherwise."""
    catalog = load_catalog()
    if form_id not in catalog:
        raise KeyError(f"Không có biểu mẫu '{form_id}'. Các biểu mẫu: {', '.join(sorted(catalog))}")
    return catalog[form_id]
