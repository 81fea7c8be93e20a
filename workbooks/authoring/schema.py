"""The layout of the form-definition workbook: its sheets, their columns, and cell <-> value.

Every table of the workbook is one list of :class:`Column`. A column names the attribute of the
catalog model it shows (``attr``, a dotted path such as ``parts.codes``) and the key of the YAML
form file it fills (``yaml``, also dotted). Headers, help texts and dropdown words come from the
message catalogue (family ``authoring.yaml``).

The tables follow the dataclasses of :mod:`workbooks.catalog.model`: a field of ``Indicator``,
``ListColumn``, a sheet or the ``Form`` that no column names yet gets a generic column (header =
the field name, value written by its type) so that a new catalog field survives export → build
before anyone writes its Vietnamese header (``unmapped_fields`` lists them for the tests).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache
from typing import Any

from workbooks.catalog import model
from workbooks.catalog.kinds import declarable
from workbooks.catalog.kinds import kind as kind_spec
from workbooks.catalog.loader import known_levels
from workbooks.messages import catalogue, say

LIST_SEP = ","          # codes, levels, column keys
CHOICE_SEP = ";"        # list-column choices (may not hold commas: Excel splits dropdowns on them)
REVIEW = "review"       # the importer's "Cần xem lại" column: never read into the form

HEADING = "heading"     # the row type of a heading row, offered with the kinds
ENUMS: dict[str, tuple[str, ...]] = {
    "sheet_kind": ("indicators", "list"),
    "list_type": ("text", "date", "count", "choice"),
    "parts_rule": ("sum", "at_most"),
    "severity": ("error", "warning"),
    "display": ("percent", "ratio"),
}
OPERATORS = ("<=", "<", "=", ">=", ">")


def word(message_id: str) -> str:
    """The short text of a catalogue entry (a header, a dropdown word)."""
    return say(message_id).text


def enum_codes(family: str) -> tuple[str, ...]:
    """The model codes of one enumeration; the kinds come from the kinds table (the declarable
    kinds, in table order, after the heading row type)."""
    if family == "kind":
        return (HEADING, *declarable())
    return ENUMS[family]


def kind_word(code: str) -> str:
    """The Vietnamese word of a row type: the catalogue's short word, else the kind's own label."""
    message_id = f"authoring.value.kind.{code}"
    return word(message_id) if message_id in catalogue() else kind_spec(code).label


def kind_help(code: str) -> str:
    """What a row type means (the guide sheet): the catalogue's help, else how it is totalled."""
    message_id = f"authoring.value.kind.{code}"
    return say(message_id).fix if message_id in catalogue() else kind_spec(code).method


def enum_words(family: str) -> dict[str, str]:
    """Model code -> Vietnamese word shown in the dropdown, for one enumeration."""
    if family == "kind":
        return {code: kind_word(code) for code in enum_codes(family)}
    return {code: word(f"authoring.value.{family}.{code}") for code in enum_codes(family)}


def enum_code(family: str, cell: str) -> str | None:
    """The model code of a dropdown word; None if unknown. The English code is accepted too, and
    for kinds the kinds table's label ("Số đếm (số nguyên)") as well as the short word."""
    wanted = cell.strip().lower()
    for code, shown in enum_words(family).items():
        aliases = {code.lower(), shown.lower()}
        if family == "kind" and code != HEADING:
            aliases.add(kind_spec(code).label.lower())
        if wanted in aliases:
            return code
    return None


def level_codes() -> list[str]:
    """The unit levels a form may name (the dropdown of every level column)."""
    return list(known_levels())


def yes_no() -> tuple[str, str]:
    """The two words of a yes/no column."""
    return word("authoring.value.yes"), word("authoring.value.no")


@dataclass(frozen=True)
class Column:
    """One column of a definition-workbook table."""

    table: str
    key: str                     # id inside the table; message id suffix
    type: str = "text"           # text | int | number | bool | list | levels | ops | enum:<family> | sheet
    attr: str = ""               # model attribute path (default: key)
    yaml: str = ""               # YAML key path (default: key)
    required: bool = False
    width: int = 16

    @property
    def attr_path(self) -> str:
        """Dotted model attribute path."""
        return self.attr or self.key

    @property
    def yaml_path(self) -> str:
        """Dotted YAML key path."""
        return self.yaml or self.key

    @property
    def message_id(self) -> str:
        """The catalogue entry holding header and help."""
        return f"authoring.col.{self.table}.{self.key}"

    @property
    def header(self) -> str:
        """Vietnamese header (the field name for a field nobody named yet)."""
        return word(self.message_id) if self.message_id in catalogue() else self.key

    @property
    def help(self) -> str:
        """Vietnamese help shown when the header cell is selected."""
        return say(self.message_id).fix if self.message_id in catalogue() else ""

    @property
    def enum(self) -> str | None:
        """The enumeration family of a dropdown column."""
        return self.type.split(":", 1)[1] if self.type.startswith("enum:") else None


def _c(table: str, specs: list[tuple]) -> tuple[Column, ...]:
    return tuple(Column(table, *spec) if isinstance(spec, tuple) else Column(table, spec) for spec in specs)


SHEET_NAMES = ("guide", "form", "sheets", "value_columns", "indicators", "choices", "rules",
               "list_columns", "groups", "row_rules")

# (key, type, attr, yaml, required, width)
FORM_COLUMNS = _c("form", [
    ("id", "text", "", "", True), ("version", "int", "", "", True), ("title", "text", "", "", True),
    ("province", "text", "", "", True), ("year", "int", "", "", True), ("source", "text", "", "", True),
    ("derived_from_outline", "bool"), ("note", "text"),
    ("period.default_year", "int", "", "", True), ("period.label", "text"), ("period.start", "text"),
    ("period.end", "text"), ("levels", "levels"),
    ("period.deadline", "text"), ("summary_levels", "levels"),
    ("signature.preparer", "text"), ("signature.preparer_note", "text"), ("signature.head", "text"),
    ("signature.head_note", "text"), ("signature.place", "text"),
])
_FORM_HANDLED = {"id", "version", "title", "province", "year", "source", "derived_from_outline", "note",
                 "period", "levels", "sheets", "rules", "path", "digest", "all_rules", "signature",
                 "summary_levels"}

SHEET_COLUMNS = _c("sheets", [
    ("id", "text", "", "", True, 12), ("name", "text", "", "", True, 18),
    ("kind", "enum:sheet_kind", "", "", True, 12), ("title", "text", "", "", True, 50),
    ("subtitle", "text", "", "", False, 30), ("levels", "levels"), ("show_unit", "bool"),
    ("rows", "int"),
])
_SHEET_HANDLED = {"id", "name", "kind", "title", "subtitle", "levels", "show_unit", "rows", "columns",
                  "column_rules", "groups", "row_rules"}

VALUE_COLUMN_COLUMNS = _c("value_columns", [
    ("sheet", "sheet", "", "", True, 12), ("key", "text", "", "", True, 14),
    ("label", "text", "", "", True, 30), ("group", "text", "", "", False, 20),
    ("ratio_num", "text", "compute_ratio.0", "compute.ratio.0"),
    ("ratio_den", "text", "compute_ratio.1", "compute.ratio.1"),
])

INDICATOR_COLUMNS = _c("indicators", [
    ("sheet", "sheet", "", "", True, 10), ("stt", "text", "", "", False, 7),
    ("code", "text", "", "", False, 12), ("label", "text", "", "", True, 60),
    ("unit", "text", "", "", False, 16), ("kind", "enum:kind", "", "", True, 14),
    ("required", "bool", "", "", False, 9), ("min", "number", "", "", False, 9),
    ("max", "number", "", "", False, 9), ("choices", "text", "", "", False, 14),
    ("parts.codes", "list", "", "", False, 18), ("parts.rule", "enum:parts_rule", "", "", False, 14),
    ("numerator.label", "text", "", "", False, 30), ("numerator.unit", "text", "", "", False, 10),
    ("denominator.label", "text", "", "", False, 30), ("denominator.unit", "text", "", "", False, 10),
    ("allow_over", "bool", "", "", False, 9), ("levels", "levels", "", "", False, 12),
    ("columns", "list", "", "", False, 12), ("help", "text", "", "", False, 30),
    ("required_levels", "levels", "", "", False, 14), ("display", "enum:display", "", "", False, 12),
    ("decimals", "int", "", "", False, 9),
])
REVIEW_COLUMN = Column("indicators", REVIEW, "text", width=40)

CHOICE_COLUMNS = _c("choices", [
    ("list", "text", "", "", True, 16), ("code", "code", "", "", True, 8),
    ("label", "text", "", "", True, 30),
])

RULE_COLUMNS = _c("rules", [
    ("sheet", "text", "", "", False, 10), ("id", "text", "", "", True, 24),
    ("left", "list", "", "", True, 16), ("op", "ops", "", "", True, 8),
    ("right", "list", "", "", False, 16), ("constant", "number", "", "", False, 9),
    ("severity", "enum:severity", "", "", True, 10),
    ("message", "text", "", "", True, 50), ("fix", "text", "", "", False, 40),
    ("factor", "number", "", "", False, 8),
])

LIST_COLUMN_COLUMNS = _c("list_columns", [
    ("sheet", "sheet", "", "", True, 10), ("key", "text", "", "", True, 14),
    ("label", "text", "", "", True, 30), ("type", "enum:list_type", "", "", True, 12),
    ("required", "bool", "", "", False, 9), ("choices", "text", "", "", False, 24),
    ("width", "number", "", "", False, 8), ("help", "text", "", "", False, 40),
    ("dates_from", "text", "", "", False, 14),
])

GROUP_COLUMNS = _c("groups", [
    ("sheet", "sheet", "", "", True, 10), ("code", "text", "", "", True, 10),
    ("label", "text", "", "", True, 50),
])

ROW_RULE_COLUMNS = _c("row_rules", [
    ("sheet", "sheet", "", "", True, 10), ("id", "text", "", "", True, 24),
    ("when_column", "text", "", "when.column", True, 14), ("when_equals", "text", "", "when.equals", True, 14),
    ("require", "list", "", "", True, 16), ("severity", "enum:severity", "", "", True, 10),
    ("message", "text", "", "", True, 50), ("fix", "text", "", "", False, 40),
])


def _field_type(annotation: str) -> str | None:
    """Workbook type of a simple model field from its annotation (None: not representable)."""
    a = annotation.replace(" ", "")
    if a == "bool":
        return "bool"
    if a in {"int", "int|None"}:
        return "int"
    if a in {"float", "float|None", "int|float", "int|float|None"}:
        return "number"
    if a in {"str", "str|None"} or a.startswith("Literal"):
        return "text"
    if a in {"tuple[str,...]"}:
        return "list"
    return None


def _extra(table: str, classes: tuple[type, ...], handled: set[str]) -> tuple[Column, ...]:
    out: list[Column] = []
    seen: set[str] = set()
    for cls in classes:
        for f in dataclasses.fields(cls):
            if f.name in handled or f.name in seen or not f.compare:
                continue
            kind = _field_type(str(f.type))
            if kind is not None:
                out.append(Column(table, f.name, kind))
                seen.add(f.name)
    return tuple(out)


def _handled(columns: tuple[Column, ...], also: set[str]) -> set[str]:
    return {c.attr_path.split(".")[0] for c in columns} | also


@cache
def table_columns(table: str) -> tuple[Column, ...]:
    """The columns of one table (catalog fields nobody mapped yet appended generically)."""
    base = {
        "form": FORM_COLUMNS, "sheets": SHEET_COLUMNS, "value_columns": VALUE_COLUMN_COLUMNS,
        "indicators": INDICATOR_COLUMNS, "choices": CHOICE_COLUMNS, "rules": RULE_COLUMNS,
        "list_columns": LIST_COLUMN_COLUMNS, "groups": GROUP_COLUMNS, "row_rules": ROW_RULE_COLUMNS,
    }[table]
    extra: tuple[Column, ...] = ()
    if table == "form":
        extra = _extra(table, (model.Form,), _FORM_HANDLED)
    elif table == "sheets":
        extra = _extra(table, (model.IndicatorSheet, model.ListSheet), _SHEET_HANDLED)
    elif table == "indicators":
        extra = _extra(table, (model.Indicator,), _handled(base, set()))
    elif table == "list_columns":
        extra = _extra(table, (model.ListColumn,), _handled(base, set()))
    elif table == "value_columns":
        extra = _extra(table, (model.ValueColumn,), _handled(base, {"compute_ratio"}))
    columns = base + extra
    return columns + (REVIEW_COLUMN,) if table == "indicators" else columns


def unmapped_fields() -> dict[str, list[str]]:
    """Catalog fields that only have a generic column (no Vietnamese header yet), per table."""
    return {t: [c.key for c in table_columns(t) if c.message_id not in catalogue()]
            for t in SHEET_NAMES if t != "guide"}


def sheet_title(table: str) -> str:
    """The Vietnamese sheet name of a table."""
    return word(f"authoring.sheet.{table}")


# ----------------------------------------------------------------------------- value <-> cell

def get_path(obj: Any, path: str) -> Any:
    """Follow a dotted attribute path (numbers index tuples); None when a step is missing."""
    for step in path.split("."):
        if obj is None:
            return None
        obj = obj[int(step)] if step.isdigit() else getattr(obj, step, None)
    return obj


def set_path(data: dict, path: str, value: Any) -> None:
    """Set a dotted YAML path (a numeric last step appends to a list)."""
    steps = path.split(".")
    for i, step in enumerate(steps[:-1]):
        nxt = steps[i + 1]
        data = data.setdefault(step, [] if nxt.isdigit() else {})
    last = steps[-1]
    if last.isdigit():
        data.append(value)  # type: ignore[attr-defined]
    else:
        data[last] = value


def to_cell(column: Column, value: Any) -> Any:
    """A model value as the cell shows it (None: leave blank)."""
    if value is None or value == () or value == "":
        return None
    if column.type == "bool":
        yes, no = yes_no()
        return yes if value else no
    if column.enum:
        return enum_words(column.enum).get(str(value), str(value))
    if column.type in {"list", "levels"}:
        return f"{LIST_SEP} ".join(str(v) for v in value)
    if column.type in {"int", "number"}:
        return int(value) if float(value).is_integer() else float(value)
    if column.type == "code":
        return value
    return str(value)
