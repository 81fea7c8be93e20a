"""Checks of a definition workbook's tables, assembling the YAML form data as they go.

Each check names the sheet and the row of the definition workbook and says what to do, so a
person who never saw YAML can fix the workbook (pyxform's located errors are the model).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from workbooks.authoring.cells import Problems, TableRow
from workbooks.authoring.fields import (
    check_dates_from,
    check_indicator_fields,
    rule_right_side,
    unknown_levels,
)
from workbooks.authoring.schema import CHOICE_SEP, REVIEW, kind_word, set_path, sheet_title, table_columns
from workbooks.messages import say

KEY_RE = re.compile(r"^[a-z0-9_]+$")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SHEET_FORBIDDEN = set("[]:*?/\\")
NUMERIC = {"count", "cumulative", "decimal", "percent", "ratio"}
_LATER = {"required_levels", "display", "decimals"}  # indicator fields written by workbooks.authoring.fields
_SKIP = {"sheet", REVIEW}


@dataclass
class SheetDraft:
    """A sheet being assembled: its YAML data, where it was declared, its keys and codes."""

    id: str
    kind: str
    row: int
    data: dict[str, Any]
    column_keys: list[str] = field(default_factory=list)


def _header(table: str, key: str) -> str:
    return next(c.header for c in table_columns(table) if c.key == key)


def _allowed(kind: str) -> str:
    return say(f"authoring.allowed.{kind}").text


def _required_ok(row: TableRow, table: str, problems: Problems, skip: set[str] = frozenset()) -> bool:
    ok = True
    for col in table_columns(table):
        if col.required and col.key not in skip and row.get(col.key) in (None, ()):
            ok = False
            if col.key in row.invalid:
                continue
            problems.add("authoring.error.required", sheet_title(table), row.number, column=col.header)
    return ok


def _fill(data: dict[str, Any], row: TableRow, table: str, skip: set[str]) -> None:
    for col in table_columns(table):
        value = row.get(col.key)
        if col.key in skip or col.key in _SKIP or value is None or value == ():
            continue
        set_path(data, col.yaml_path, list(value) if isinstance(value, tuple) else value)


def _levels(row: TableRow, table: str, problems: Problems) -> None:
    unknown_levels(row.get("levels") or (), table, row.number, problems)


def _unique(seen: dict[str, int], value: str, row: TableRow, table: str, key: str,
            problems: Problems) -> bool:
    if value in seen:
        header = _header(table, key)
        problems.add("authoring.error.duplicate", sheet_title(table), row.number, column=header,
                     column_lower=header.lower(), value=value, first=seen[value])
        return False
    seen[value] = row.number
    return True


def _key_ok(value: str, row: TableRow, table: str, key: str, problems: Problems) -> bool:
    if KEY_RE.match(value):
        return True
    problems.add("authoring.error.bad_id", sheet_title(table), row.number, column=_header(table, key),
                 value=value, allowed=_allowed("key"), example="pl2")
    return False


def _sheet_of(row: TableRow, table: str, kind: str, sheets: dict[str, SheetDraft],
              problems: Problems) -> SheetDraft | None:
    sid = row.get("sheet")
    draft = sheets.get(sid) if sid is not None else None
    if draft is None or draft.kind != kind:
        wanted = [s.id for s in sheets.values() if s.kind == kind]
        problems.add("authoring.error.unknown_sheet", sheet_title(table), row.number, value=sid,
                     kind=say(f"authoring.value.sheet_kind.{kind}").text, allowed=", ".join(wanted) or "…")
        return None
    return draft


def check_sheets(tables: dict[str, list[TableRow]], problems: Problems) -> dict[str, SheetDraft]:
    """The sheets table: ids, Excel sheet names, kinds, levels."""
    sheets: dict[str, SheetDraft] = {}
    ids: dict[str, int] = {}
    names: dict[str, int] = {}
    table = "sheets"
    for row in tables["sheets"]:
        if not _required_ok(row, table, problems):
            continue
        sid, name, kind = str(row.get("id")), str(row.get("name")), row.get("kind")
        ok = _key_ok(sid, row, table, "id", problems) & _unique(ids, sid, row, table, "id", problems)
        if len(name) > 31 or set(name) & SHEET_FORBIDDEN or name.startswith("'"):
            problems.add("authoring.error.sheet_name", sheet_title(table), row.number, value=name)
        _unique(names, name, row, table, "name", problems)
        _levels(row, table, problems)
        skip = {"show_unit"} if kind == "list" else {"rows"}
        data: dict[str, Any] = {}
        _fill(data, row, table, skip)
        data.update({"id": sid, "name": name, "kind": kind})
        data.setdefault("title", "")
        if kind == "indicators":
            data.update(columns=[], rows=[])
        else:
            data["columns"] = []
        if ok:
            sheets[sid] = SheetDraft(sid, kind, row.number, data)
    if not tables["sheets"]:
        problems.add("authoring.error.no_sheets")
    return sheets


def _value_columns(tables: dict[str, list[TableRow]], sheets: dict[str, SheetDraft], problems: Problems) -> None:
    table = "value_columns"
    seen: dict[str, dict[str, int]] = {}
    for row in tables[table]:
        draft = _sheet_of(row, table, "indicators", sheets, problems)
        if draft is None or not _required_ok(row, table, problems, {"sheet"}):
            continue
        key = str(row.get("key"))
        if not (_key_ok(key, row, table, "key", problems)
                and _unique(seen.setdefault(draft.id, {}), key, row, table, "key", problems)):
            continue
        data: dict[str, Any] = {}
        _fill(data, row, table, set())
        draft.data["columns"].append(data)
        draft.column_keys.append(key)
    for row in tables[table]:
        draft = sheets.get(row.get("sheet") or "")
        for side in ("ratio_num", "ratio_den"):
            ref = row.get(side)
            if draft is not None and ref is not None and ref not in draft.column_keys:
                problems.add("authoring.error.unknown_column", sheet_title(table), row.number, value=ref,
                             sheet_id=draft.id, allowed=", ".join(draft.column_keys))


def _choice_lists(tables: dict[str, list[TableRow]], problems: Problems) -> dict[str, list[dict]]:
    lists: dict[str, list[dict]] = {}
    seen: dict[str, dict[str, int]] = {}
    for row in tables["choices"]:
        if not _required_ok(row, "choices", problems):
            continue
        name = str(row.get("list"))
        if _unique(seen.setdefault(name, {}), str(row.get("code")), row, "choices", "code", problems):
            lists.setdefault(name, []).append({"code": row.get("code"), "label": row.get("label")})
    return lists


def _indicator(row: TableRow, draft: SheetDraft, lists: dict[str, list[dict]], form_levels: tuple[str, ...],
               problems: Problems) -> dict | None:
    table, where = "indicators", sheet_title("indicators")
    code, kind = row.get("code"), row.get("kind")
    if code is None:
        problems.add("authoring.error.required", where, row.number, column=_header(table, "code"))
        return None
    if not CODE_RE.match(code):
        problems.add("authoring.error.bad_id", where, row.number, column=_header(table, "code"), value=code,
                     allowed=_allowed("code"), example="I.1.a")
    data: dict[str, Any] = {}
    _fill(data, row, table, {"choices", *_LATER})
    scope = tuple(row.get("levels") or draft.data.get("levels") or form_levels)
    check_indicator_fields(row, data, scope, problems)
    list_name = row.get("choices")
    if kind == "choice":
        if list_name not in lists:
            problems.add("authoring.error.no_choices", where, row.number, code=code, value=list_name or "")
        else:
            data["choices"] = lists[list_name]
    elif list_name is not None:
        problems.add("authoring.error.choices_not_choice", where, row.number, code=code,
                     kind=kind_word(kind))
    if kind == "ratio":
        missing = [_header(table, f"{side}.label") for side in ("numerator", "denominator")
                   if row.get(f"{side}.label") is None]
        if missing:
            problems.add("authoring.error.ratio_sides", where, row.number, code=code, missing=", ".join(missing))
    lo, hi = row.get("min"), row.get("max")
    if lo is not None and hi is not None and lo > hi:
        problems.add("authoring.error.min_over_max", where, row.number, min=lo, max=hi)
    _levels(row, table, problems)
    for key in row.get("columns") or ():
        if key not in draft.column_keys:
            problems.add("authoring.error.unknown_column", where, row.number, value=key, sheet_id=draft.id,
                         allowed=", ".join(draft.column_keys))
    return data


def check_indicators(tables: dict[str, list[TableRow]], sheets: dict[str, SheetDraft],
                     problems: Problems, form_levels: tuple[str, ...] = ()) -> dict[str, str]:
    """Value columns, indicator rows, choice lists and "Trong đó" parts; returns code -> kind
    of every value code (ratio rows expanded to ``CODE:num`` and ``CODE:den``). ``form_levels``
    bounds a row's "required for levels" when neither the row nor its sheet names levels."""
    _value_columns(tables, sheets, problems)
    lists = _choice_lists(tables, problems)
    table, where = "indicators", sheet_title("indicators")
    codes: dict[str, int] = {}
    kinds: dict[str, str] = {}
    placed: list[tuple[TableRow, dict]] = []
    for row in tables[table]:
        draft = _sheet_of(row, table, "indicators", sheets, problems)
        if draft is None or not _required_ok(row, table, problems, {"sheet"}):
            if row.get("code") is not None:  # known to rules and parts: one mistake, one error
                kinds.setdefault(row.get("code"), row.get("kind") or "count")
                kinds.setdefault(f"{row.get('code')}:num", "count")
                kinds.setdefault(f"{row.get('code')}:den", "count")
            continue
        if row.get("kind") == "heading":
            heading = {"heading": row.get("label")}
            if row.get("stt") is not None:
                heading["stt"] = row.get("stt")
            draft.data["rows"].append(heading)
            continue
        data = _indicator(row, draft, lists, form_levels, problems)
        if data is None:
            continue
        code = data["code"]
        if code in codes:
            problems.add("authoring.error.duplicate_code", where, row.number, value=code, first=codes[code])
            continue
        codes[code] = row.number
        kinds[code] = data["kind"]
        if data["kind"] == "ratio":
            kinds[f"{code}:num"] = kinds[f"{code}:den"] = "count"
        draft.data["rows"].append(data)
        placed.append((row, data))
    for row, data in placed:
        _parts(row, data, kinds, problems)
    for draft in sheets.values():
        if draft.kind == "indicators" and not any("code" in r for r in draft.data["rows"]):
            problems.add("authoring.error.empty_sheet", sheet_title("sheets"), draft.row, value=draft.id,
                         what=_header(table, "code").lower(), where=where)
    return kinds


def _parts(row: TableRow, data: dict, kinds: dict[str, str], problems: Problems) -> None:
    where, code = sheet_title("indicators"), data["code"]
    parts = row.get("parts.codes")
    rule = row.get("parts.rule")
    if not parts:
        data.pop("parts", None)
        return
    if rule is None:
        problems.add("authoring.error.required", where, row.number, column=_header("indicators", "parts.rule"))
    for part in parts:
        if part == code:
            problems.add("authoring.error.part_of_itself", where, row.number, code=code)
        elif part not in kinds:
            problems.add("authoring.error.unknown_part", where, row.number, code=code, value=part)
    if data["kind"] not in NUMERIC:
        problems.add("authoring.error.parts_not_number", where, row.number, code=code,
                     kind=kind_word(data["kind"]))


def check_lists(tables: dict[str, list[TableRow]], sheets: dict[str, SheetDraft], problems: Problems) -> None:
    """List columns (types, choices), groups and row rules of list sheets."""
    seen: dict[str, dict[str, int]] = {}
    for row in tables["list_columns"]:
        draft = _sheet_of(row, "list_columns", "list", sheets, problems)
        if draft is None or not _required_ok(row, "list_columns", problems, {"sheet"}):
            continue
        key = str(row.get("key"))
        if not (_key_ok(key, row, "list_columns", "key", problems)
                and _unique(seen.setdefault(draft.id, {}), key, row, "list_columns", "key", problems)):
            continue
        data: dict[str, Any] = {}
        _fill(data, row, "list_columns", {"choices", "dates_from"})
        check_dates_from(row, data, problems)
        choices = [c.strip() for c in str(row.get("choices") or "").split(CHOICE_SEP) if c.strip()]
        for choice in choices:
            if "," in choice:
                problems.add("authoring.error.choice_comma", sheet_title("list_columns"), row.number, value=choice)
        if row.get("type") == "choice" and not choices:
            problems.add("authoring.error.required", sheet_title("list_columns"), row.number,
                         column=_header("list_columns", "choices"))
        if choices:
            data["choices"] = choices
        draft.data["columns"].append(data)
        draft.column_keys.append(key)
    for table, target in (("groups", "groups"), ("row_rules", "row_rules")):
        for row in tables[table]:
            draft = _sheet_of(row, table, "list", sheets, problems)
            if draft is None or not _required_ok(row, table, problems, {"sheet"}):
                continue
            data = {}
            _fill(data, row, table, set())
            refs = [row.get("when_column"), *(row.get("require") or ())] if table == "row_rules" else []
            for ref in refs:
                if ref not in draft.column_keys:
                    problems.add("authoring.error.unknown_column", sheet_title(table), row.number, value=ref,
                                 sheet_id=draft.id, allowed=", ".join(draft.column_keys))
            draft.data.setdefault(target, []).append(data)
    for draft in sheets.values():
        if draft.kind == "list" and not draft.data["columns"]:
            problems.add("authoring.error.empty_sheet", sheet_title("sheets"), draft.row, value=draft.id,
                         what=sheet_title("list_columns").lower(), where=sheet_title("list_columns"))


def check_rules(tables: dict[str, list[TableRow]], sheets: dict[str, SheetDraft], codes: dict[str, str],
                problems: Problems) -> list[dict]:
    """Form rules (between indicator codes) and column rules (between a sheet's value columns)."""
    table, where = "rules", sheet_title("rules")
    ids: dict[str, int] = {}
    form_rules: list[dict] = []
    for row in tables[table]:
        if not _required_ok(row, table, problems):
            continue
        rule_id = str(row.get("id"))
        _unique(ids, rule_id, row, table, "id", problems)
        data: dict[str, Any] = {}
        _fill(data, row, table, {"constant"})
        sid = row.get("sheet")
        if not rule_right_side(row, data, sid is not None, problems):
            continue
        refs = [*row.get("left"), *(row.get("right") or ())]
        if sid is None:
            for ref in refs:
                if ref not in codes:
                    problems.add("authoring.error.unknown_code", where, row.number, rule=rule_id, value=ref)
            form_rules.append(data)
            continue
        draft = _sheet_of(row, table, "indicators", sheets, problems)
        if draft is None:
            continue
        for ref in refs:
            if ref not in draft.column_keys:
                problems.add("authoring.error.unknown_column", where, row.number, value=ref, sheet_id=draft.id,
                             allowed=", ".join(draft.column_keys))
        draft.data.setdefault("column_rules", []).append(data)
    return form_rules
