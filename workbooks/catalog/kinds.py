"""The kinds table: everything the toolkit does with a value depends on its kind, and only here.

One entry per indicator kind says how the value is typed in Excel (validation, number format),
how the reader parses it, which checks apply (numeric, whole, bounds), how the consolidation
totals it, how it is explained, and how the simulator draws one. Every layer looks the kind up
here and dispatches on these fields; an unknown kind raises ``UnknownKind`` wherever it is met
(never a silent fall-through to "text"). Adding a kind is one entry (plus its tests).

Families (the values of the dispatch fields) are small closed sets; a layer keeps one function
per family, never one per kind:

- ``parse``:    number | choice | yesno | date | text        (workbooks.reader.parse)
- ``excel``:    whole | decimal | choice | yesno | date | text (workbooks.writer validation, formulas)
- ``style``:    the writer's input cell style name             (workbooks.writer.styles)
- ``total``:    sum | rate | stats | choice | yesno | keep     (consolidate.aggregate, summary)
- ``simulate``: count | decimal | percent | choice | yesno | text | date (simulator)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

PARSE_FAMILIES = frozenset({"number", "choice", "yesno", "date", "text"})
EXCEL_FAMILIES = frozenset({"whole", "decimal", "choice", "yesno", "date", "text"})
TOTAL_FAMILIES = frozenset({"sum", "rate", "stats", "choice", "yesno", "keep"})
SIMULATE_FAMILIES = frozenset({"count", "decimal", "percent", "choice", "yesno", "text", "date"})
STYLES = frozenset({"input", "input_decimal", "input_center", "input_date", "input_text"})

# A sane ceiling for numbers nobody declared a maximum for: a province counts at most a few
# million case files a year; 1e308 or infinity typed in a count is a mistake, not a figure.
COUNT_CEILING = 1_000_000_000


class UnknownKind(KeyError):
    """A kind that is not in the table (a catalog or programming mistake, never silently text)."""


@dataclass(frozen=True)
class Kind:
    """What one indicator kind means to every layer (see the module docstring)."""

    name: str
    label: str  # Vietnamese name (definition workbooks, explanations)
    parse: str
    excel: str
    style: str
    total: str
    simulate: str
    numeric: bool  # a number cell: type and range checks apply
    integer: bool  # whole numbers only
    min: float | None  # default bounds (a form may override them per indicator)
    max: float | None
    number_format: str  # Excel number format of the input cell ("@" for text)
    method: str  # how the province figure is made, in Vietnamese ("Giải thích số liệu")
    percent: bool = False  # a percentage (0–100, typed without the % sign)
    required: bool = True  # required unless the form says otherwise
    declarable: bool = True  # may be written in a form (rate is derived, never declared)
    ratio: bool = False  # declared as one row, laid out as rate + numerator + denominator


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind to the table (the shipped kinds below; tests may add their own).

    Raises:
        ValueError: a field outside its family, or the name taken.
    """
    checks = {"parse": PARSE_FAMILIES, "excel": EXCEL_FAMILIES, "total": TOTAL_FAMILIES,
              "simulate": SIMULATE_FAMILIES, "style": STYLES}
    for name, family in checks.items():
        if getattr(kind, name) not in family:
            raise ValueError(f"kind {kind.name}: {name}={getattr(kind, name)!r} not in {sorted(family)}")
    if kind.name in KINDS:
        raise ValueError(f"kind {kind.name} is already registered")
    KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Remove a kind added by a test."""
    KINDS.pop(name, None)


def kind(name: str) -> Kind:
    """The table entry of ``name``.

    Raises:
        UnknownKind: not in the table.
    """
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKind(name) from None


def kinds_where(**conditions: object) -> frozenset[str]:
    """Names of the kinds whose fields equal ``conditions`` (e.g. ``numeric=True``)."""
    return frozenset(k.name for k in KINDS.values()
                     if all(getattr(k, f) == v for f, v in conditions.items()))


def declarable() -> list[str]:
    """Kinds a form may declare, in table order."""
    return [k.name for k in KINDS.values() if k.declarable]


KIND_FIELDS = tuple(f.name for f in fields(Kind))

_STATS = "Không cộng được: số đơn vị, nhỏ nhất, trung vị, lớn nhất"
_KEEP = "Giữ theo từng đơn vị (xem sheet Theo đơn vị)"
_RATE = "Σ tử số / Σ mẫu số"

for _kind in (
    Kind("count", "Số đếm (số nguyên)", "number", "whole", "input", "sum", "count", True, True,
         0, COUNT_CEILING, "#,##0", "Tổng cộng"),
    Kind("cumulative", "Số lũy kế (số nguyên)", "number", "whole", "input", "sum", "count", True, True,
         0, COUNT_CEILING, "#,##0", "Tổng cộng (lũy kế)"),
    Kind("decimal", "Số thập phân", "number", "decimal", "input_decimal", "stats", "decimal", True, False,
         0, COUNT_CEILING, "#,##0.0#", _STATS),
    Kind("percent", "Tỷ lệ % (nhập tay)", "number", "decimal", "input_decimal", "stats", "percent", True,
         False, 0, 100, "0.0#", _STATS, percent=True),
    Kind("ratio", "Tỷ lệ từ tử số / mẫu số", "number", "whole", "input", "rate", "count", True, True,
         0, COUNT_CEILING, "#,##0", _RATE, ratio=True),
    Kind("choice", "Mã lựa chọn", "choice", "choice", "input_center", "choice", "choice", False, False,
         None, None, "0", "Số đơn vị theo từng lựa chọn"),
    Kind("yesno", "Có / Không", "yesno", "yesno", "input_center", "yesno", "yesno", False, False,
         None, None, "@", "Số đơn vị trả lời \"Có\" / số đơn vị trả lời"),
    Kind("text", "Chữ", "text", "text", "input_text", "keep", "text", False, False,
         None, None, "@", _KEEP, required=False),
    Kind("date", "Ngày", "date", "date", "input_date", "keep", "date", False, False,
         None, None, "dd/mm/yyyy", _KEEP),
    Kind("rate", "Tỷ lệ % (tự tính)", "number", "decimal", "input_decimal", "rate", "percent", True, False,
         None, None, "0.00", _RATE, percent=True, declarable=False),
):
    register(_kind)
