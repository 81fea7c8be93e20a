"""The catalog's object model: what a form *is*, independent of any file format.

The loader builds these from YAML; the writer, the reader, the validators and the
consolidation only ever see these objects (and the compiled layout in ``layout.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from workbooks.catalog.kinds import kind as kind_of

IndicatorKind = str  # a name of the kinds table (workbooks.catalog.kinds)
ListColumnType = Literal["text", "date", "count", "choice"]
Severity = Literal["error", "warning"]
Operator = Literal["<=", "<", "=", ">=", ">"]
RatioDisplay = Literal["percent", "ratio"]

YES, NO = "Có", "Không"


@dataclass(frozen=True)
class Choice:
    """One coded answer, e.g. ``0 = Trực tuyến``."""

    code: int | str
    label: str


@dataclass(frozen=True)
class ValueColumn:
    """A value column of an indicator sheet (a year, or a sub-column of a year group)."""

    key: str
    label: str
    group: str | None = None
    compute_ratio: tuple[str, str] | None = None  # (numerator column, denominator column)

    @property
    def is_computed(self) -> bool:
        """True when the column holds a formula, not an input."""
        return self.compute_ratio is not None


@dataclass(frozen=True)
class Heading:
    """A printed heading row inside an indicator sheet (no values)."""

    label: str
    stt: str = ""


@dataclass(frozen=True)
class Part:
    """A "Trong đó" declaration on a whole: its parts and how they relate to it."""

    codes: tuple[str, ...]
    rule: Literal["sum", "at_most"]


@dataclass(frozen=True)
class RatioSide:
    """Numerator or denominator of a ratio indicator."""

    label: str
    unit: str = ""


@dataclass(frozen=True)
class Indicator:
    """One statistical indicator (a printed row with a stable code)."""

    code: str
    label: str
    kind: IndicatorKind
    stt: str = ""
    unit: str = ""
    required: bool = True
    min: float | None = None
    max: float | None = None
    choices: tuple[Choice, ...] = ()
    parts: Part | None = None
    numerator: RatioSide | None = None
    denominator: RatioSide | None = None
    allow_over: bool = False
    levels: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    help: str = ""
    required_levels: tuple[str, ...] = ()  # required only for these levels (empty: every level)
    display: RatioDisplay = "percent"  # ratio rows: "percent" (× 100) or "ratio" (num / den)
    decimals: int = 2  # digits printed after the decimal comma of a computed ratio

    def required_for(self, level: str | None) -> bool:
        """Whether a unit of ``level`` must fill this row (None: the blank template, any level)."""
        if not self.required:
            return False
        return not self.required_levels or level is None or level in self.required_levels

    @property
    def rate_unit(self) -> str:
        """The unit printed beside a ratio's computed cell: the printed compound unit, or "%"."""
        return self.unit or ("%" if self.display == "percent" else "")

    @property
    def spec(self):
        """This indicator's entry of the kinds table."""
        return kind_of(self.kind)


@dataclass(frozen=True)
class Rule:
    """A comparison between sums of cells: ``sum(left) op factor * sum(right) + constant``.

    ``left``/``right`` hold indicator codes (form rules, checked per value column) or
    column keys (column rules, checked per row) depending on ``scope``. ``right`` may be
    empty when the right side is a constant only (``7.6.2.a + 7.6.2.b <= 100``).
    """

    id: str
    left: tuple[str, ...]
    op: Operator
    right: tuple[str, ...]
    severity: Severity
    message: str
    fix: str = ""
    factor: float = 1.0
    scope: Literal["rows", "columns"] = "rows"
    sheet: str | None = None  # sheet id, for column rules
    origin: str = "catalog"  # catalog | parts | ratio | column
    constant: float = 0.0  # added to the right side

    @property
    def anchor(self) -> str:
        """The code (or column key) whose cell a finding points at.

        Parts rules point at the whole (the parts are many); other rules at the left side.
        """
        return self.right[0] if self.origin == "parts" else self.left[0]


@dataclass(frozen=True)
class IndicatorSheet:
    """A sheet of indicators: rows with codes × value columns."""

    id: str
    name: str
    title: str
    columns: tuple[ValueColumn, ...]
    rows: tuple[Indicator | Heading, ...]
    subtitle: str = ""
    levels: tuple[str, ...] = ()
    show_unit: bool = True
    column_rules: tuple[Rule, ...] = ()
    kind: Literal["indicators"] = "indicators"

    @property
    def indicators(self) -> list[Indicator]:
        """The value rows, in printed order."""
        return [r for r in self.rows if isinstance(r, Indicator)]


@dataclass(frozen=True)
class ListColumn:
    """A typed column of a list sheet."""

    key: str
    label: str
    type: ListColumnType
    required: bool = False
    choices: tuple[str, ...] = ()
    width: float | None = None
    help: str = ""
    dates_from: str = ""  # date columns: first day accepted (dd/mm/yyyy template); "" = period start − 1 year


@dataclass(frozen=True)
class ListGroup:
    """A grouping heading of a list sheet (e.g. area I–VI)."""

    code: str
    label: str


@dataclass(frozen=True)
class RowRule:
    """A rule on one list row: when ``when_column == when_equals``, ``require`` is filled."""

    id: str
    when_column: str
    when_equals: str
    require: tuple[str, ...]
    severity: Severity
    message: str
    fix: str = ""


@dataclass(frozen=True)
class ListSheet:
    """A list table: typed columns, a variable number of rows, optional groups."""

    id: str
    name: str
    title: str
    columns: tuple[ListColumn, ...]
    rows: int = 20
    groups: tuple[ListGroup, ...] = ()
    subtitle: str = ""
    levels: tuple[str, ...] = ()
    row_rules: tuple[RowRule, ...] = ()
    kind: Literal["list"] = "list"


Sheet = IndicatorSheet | ListSheet


@dataclass(frozen=True)
class Period:
    """The reporting period of a form; templates use ``{year}``, ``{year-1}`` …"""

    default_year: int
    label: str = "Năm {year}"
    start: str = "01/01/{year}"
    end: str = "31/12/{year}"
    deadline: str = ""  # the source's deadline for returns, dd/mm/yyyy template; `--deadline` overrides it


@dataclass(frozen=True)
class Signature:
    """The signature block printed under every appendix (as administrative documents end)."""

    # empty: the message catalogue's forms.sheet.* texts (Người lập biểu; Thủ trưởng cơ quan, đơn vị)
    preparer: str = ""
    preparer_note: str = ""
    head: str = ""
    head_note: str = ""
    place: str = ""  # "{province}" when empty: "Sơn La, ngày … tháng … năm …"


@dataclass(frozen=True)
class Form:
    """One appendix set (one workbook per unit)."""

    id: str
    version: int
    title: str
    province: str
    year: int
    source: str
    period: Period
    levels: tuple[str, ...]
    sheets: tuple[Sheet, ...]
    rules: tuple[Rule, ...] = ()
    note: str = ""
    derived_from_outline: bool = False
    signature: Signature = field(default_factory=Signature)
    summary_levels: tuple[str, ...] = ()  # levels whose returns already hold province totals
    path: str = ""
    digest: str = ""
    all_rules: tuple[Rule, ...] = field(default=(), compare=False)

    def sheet(self, sheet_id: str) -> Sheet:
        """Return the sheet with this id (KeyError when unknown)."""
        for sheet in self.sheets:
            if sheet.id == sheet_id:
                return sheet
        raise KeyError(sheet_id)

    def indicator(self, code: str) -> Indicator:
        """Return the indicator with this code (KeyError when unknown)."""
        for sheet in self.sheets:
            if isinstance(sheet, IndicatorSheet):
                for ind in sheet.indicators:
                    if ind.code == code:
                        return ind
        raise KeyError(code)

    def sheets_for_level(self, level: str | None) -> list[Sheet]:
        """Sheets a unit of ``level`` fills (all sheets when level is None)."""
        return [s for s in self.sheets if level is None or not s.levels or level in s.levels]
