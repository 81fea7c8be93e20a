"""Recognise what a raw table is and draft its sheet: indicator table (a unit column, or an outline
whose labels carry the type), list table (STT, Tên văn bản, Ngày …) or column-oriented table
(rows = lĩnh vực or units, columns = Tổng số and its parts)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workbooks.authoring.importer.indicators import (
    ROMAN,
    TEXT_UNIT,
    Draft,
    SourceRow,
    draft_indicators,
    label_unit,
    source_rows,
)
from workbooks.authoring.importer.source import Cell, RawTable, is_stt_header
from workbooks.catalog.model import (
    Heading,
    Indicator,
    IndicatorSheet,
    ListColumn,
    ListGroup,
    ListSheet,
    Rule,
    ValueColumn,
)
from workbooks.messages import text

NUMBERING = r"\(?\d+\)?|[A-Z]"
YEAR = re.compile(r"\b(19|20)\d{2}\b")
LABEL_HEADERS = ("chỉ tiêu", "nội dung", "tên", "lĩnh vực", "đơn vị", "cơ quan")
LIST_WORDS = ("tên văn bản", "tên nhiệm vụ", "trích yếu", "ngày", "số văn bản", "số, ký hiệu", "thời hạn")


@dataclass
class Columns:
    """Roles of the grid columns: STT, label, unit, notes, value columns (with their header path)."""

    stt: int | None = None
    label: int | None = None
    unit: int | None = None
    note: int | None = None
    values: list[int] = field(default_factory=list)
    header: list[list[str]] = field(default_factory=list)  # per grid column: header texts top-down


def _fold(value: str) -> str:
    return value.lower().strip()


def header_rows(table: RawTable) -> int:
    """How many rows the header takes: rows while the STT column still reads "STT" (merged)."""
    first = table.rows[0]
    stt_col = next((i for i, c in enumerate(first) if is_stt_header(c.text)), 0)
    n = 1
    while n < len(table.rows) and is_stt_header(table.rows[n][stt_col].text):
        n += 1
    # a numbering row "1 2 3 4 …" or "(1) (2) …" right below the header belongs to it
    if n < len(table.rows) and all(re.fullmatch(NUMBERING, c.text) for c in table.rows[n] if c.text):
        n += 1
    return n


def roles(table: RawTable, n_header: int) -> Columns:
    """The role of every grid column, from the header rows."""
    width = max(len(r) for r in table.rows)
    cols = Columns()
    for c in range(width):
        texts = []
        for r in range(n_header):
            cell = table.rows[r][c].text if c < len(table.rows[r]) else ""
            if re.fullmatch(NUMBERING, cell):
                continue
            if cell and (not texts or texts[-1] != cell):
                texts.append(cell)
        cols.header.append(texts)
    for c, texts in enumerate(cols.header):
        last = _fold(texts[-1]) if texts else ""
        if cols.stt is None and is_stt_header(last):
            cols.stt = c
        elif cols.unit is None and (last.startswith("đơn vị tính") or last in {"đvt", "đơn vị"} and cols.label is not None):
            cols.unit = c
        elif cols.label is None and any(last.startswith(w) for w in LABEL_HEADERS):
            cols.label = c
        elif last.startswith("ghi chú"):
            cols.note = c
        elif cols.label is not None:
            cols.values.append(c)
    if cols.label is None:
        cols.label = 1 if width > 1 else 0
    return cols


def _key(label: str, taken: set[str], year: int) -> str:
    years = YEAR.findall(label)
    found = [int(m.group()) for m in YEAR.finditer(label)]
    if years and found:
        delta = found[-1] - year
        key = "year" if delta == 0 else (f"year_minus_{-delta}" if delta < 0 else f"year_plus_{delta}")
        key = "prev_year" if delta == -1 else key
    else:
        ascii_ = re.sub(r"[^a-z0-9]+", "_", _ascii(label).lower()).strip("_")[:20] or "cot"
        key = ascii_ if ascii_[0].isalpha() else f"c_{ascii_}"
    base, n = key, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def _ascii(value: str) -> str:
    import unicodedata

    value = value.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()


def year_template(label: str, year: int) -> str:
    """'Năm 2023' with report year 2024 -> 'Năm {year-1}'."""
    def repl(m: re.Match) -> str:
        delta = int(m.group()) - year
        return "{year}" if delta == 0 else f"{{year{delta:+d}}}"
    return YEAR.sub(repl, label)


def _column_label(texts: list[str]) -> tuple[str, str | None]:
    """(label, group) of a grid column from its header path, top-down.

    The top text is the group ("Năm 2024", "Số hồ sơ đã giải quyết"); a middle text other than
    "Trong đó" is kept in the label ("Số hồ sơ đang giải quyết: Quá hạn")."""
    if not texts:
        return text("authoring.import.value_column"), None
    if len(texts) == 1:
        return texts[0], None
    group, label = texts[0], texts[-1]
    middle = [t for t in texts[1:-1] if not _fold(t).startswith("trong đó")]
    if middle:
        label = f"{middle[-1]}: {label}"
    if _fold(group).startswith("kết quả thống kê"):
        group = None  # spans the unit column too: a caption, not a group
    return label, group


def value_columns(cols: Columns, year: int) -> tuple[ValueColumn, ...]:
    """The value columns, years turned into templates; a grouped header kept as the group."""
    taken: set[str] = set()
    out = []
    for c in cols.values:
        label, group = _column_label(cols.header[c])
        out.append(ValueColumn(_key(label, taken, year), year_template(label, year),
                               year_template(group, year) if group else None))
    return tuple(out) or (ValueColumn("value", text("authoring.import.value_column")),)


def _body(table: RawTable, n_header: int, cols: Columns) -> list[list[Cell]]:
    out = []
    for row in table.rows[n_header:]:
        if cols.stt is not None and is_stt_header(row[cols.stt].text):
            continue  # header repeated after a page break
        if not any(c.text for c in row):
            continue
        out.append(row)
    return out


def kind_of_table(table: RawTable) -> str:
    """indicators | list | columns."""
    n = header_rows(table)
    cols = roles(table, n)
    words = " ".join(" ".join(h) for h in cols.header).lower()
    if cols.unit is not None:
        return "indicators"
    if len(cols.values) >= 2 and "tổng số" in words:
        return "columns"
    if any(w in words for w in LIST_WORDS):
        return "list"
    if len(cols.values) >= 2:
        return "columns"
    return "indicators"


def indicator_sheet(table: RawTable, sheet_id: str, name: str, year: int) -> tuple[IndicatorSheet, dict[int, str]]:
    """Draft an indicator sheet and its review notes (row index -> text)."""
    n = header_rows(table)
    cols = roles(table, n)
    body = []
    for row in _body(table, n, cols):
        stt = row[cols.stt].text if cols.stt is not None else ""
        label = row[cols.label].text
        unit = row[cols.unit].text if cols.unit is not None else ""
        bold = row[cols.label].bold or (cols.stt is not None and row[cols.stt].bold)
        if label == stt:
            label = ""
        if not label and not stt:
            continue
        body.append((stt, label, unit, bold))
    if cols.unit is None:
        body = _expand_outline(body)
    rows = source_rows(body)
    if cols.unit is None:
        rows = [_outline_unit(r) for r in rows]
    draft: Draft = draft_indicators(rows)
    sheet = IndicatorSheet(sheet_id, name, _title(table), value_columns(cols, year), tuple(draft.rows),
                           show_unit=cols.unit is not None)
    return sheet, {i: " ".join(notes) for i, notes in draft.notes.items()}


def _expand_outline(body: list[tuple[str, str, str, bool]]) -> list[tuple[str, str, str, bool]]:
    """A bold outline line "Title: A; B; C" is a heading and the things it asks for: one row per
    "Tổng số …"/"Số …" piece, or one row for the whole tail ("Tên phần mềm; quy mô sử dụng …")."""
    out = []
    for stt, label, unit, bold in body:
        head, _, tail = label.partition(":")
        if not bold or not tail.strip():
            out.append((stt, label, unit, bold))
            continue
        out.append((stt, head.strip(), unit, True))
        pieces = [p.strip().rstrip(".") for p in tail.split(";") if p.strip()]
        if all(re.match(r"^(tổng số|số)\b", p, re.IGNORECASE) for p in pieces):
            out += [("", p, "", False) for p in pieces]
        else:
            out.append(("", tail.strip().rstrip("."), "", False))
    return out


def _outline_unit(row: SourceRow) -> SourceRow:
    """An outline without a unit column: the label carries the type (DOMAIN.md section 3)."""
    if row.bold:
        return row
    return SourceRow(row.stt, row.label, "", row.bold, row.part, label_unit(row.label) or TEXT_UNIT)


def _title(table: RawTable) -> str:
    lines = [t for t in table.title if not re.match(r"^(phụ lục|biểu)\b", t, re.IGNORECASE)]
    upper = [t for t in lines if t.isupper()]
    plain = [t for t in lines if not t.startswith("(")]
    return (upper or plain or lines or [table.name])[0]


def list_sheet(table: RawTable, sheet_id: str, name: str) -> ListSheet:
    """Draft a list sheet: one typed column per header (dates, counts, choices recognised)."""
    n = header_rows(table)
    cols = roles(table, n)
    taken: set[str] = set()
    out = []
    for c, texts in enumerate(cols.header):
        if c == cols.stt or not texts:
            continue
        label = texts[-1]
        low = label.lower()
        if "ngày" in low or "thời hạn" in low:
            kind, choices = "date", ()
        elif "/" in label and ("hạn" in low or "có" in low):
            kind, choices = "choice", tuple(x.strip().capitalize() for x in label.split("/"))
        elif low.startswith("số lượng") or low.startswith("tổng số"):
            kind, choices = "count", ()
        else:
            kind, choices = "text", ()
        out.append(ListColumn(_key(label, taken, 0), label, kind, c == cols.label, choices))
    groups = []
    for row in _body(table, n, cols):
        stt = row[cols.stt].text if cols.stt is not None else ""
        if ROMAN.match(stt) and row[cols.label].text:
            groups.append(ListGroup(stt.rstrip("."), row[cols.label].text))
    return ListSheet(sheet_id, name, _title(table), tuple(out), rows=10 if groups else 20, groups=tuple(groups))


def column_sheet(table: RawTable, sheet_id: str, name: str, year: int) -> tuple[IndicatorSheet, dict[int, str]]:
    """Rows = lĩnh vực (counts), columns = the counts; "Tổng số" of a group = sum of its other columns."""
    n = header_rows(table)
    cols = roles(table, n)
    columns = value_columns(cols, year)
    rows: list[Indicator | Heading] = []
    taken: set[str] = set()
    for i, row in enumerate(_body(table, n, cols)):
        stt = row[cols.stt].text if cols.stt is not None else str(i + 1)
        label = row[cols.label].text
        if not label or _fold(label).startswith("tổng cộng") or _fold(label) == "tổng":
            continue  # the printed grand total is computed at consolidation, not typed
        code = re.sub(r"[^A-Za-z0-9._-]", "", stt.rstrip(".")) or f"r{i + 1}"
        while code in taken:
            code += "b"
        taken.add(code)
        rows.append(Indicator(code, label, "count", stt, min=0))
    rules, notes = _group_rules(sheet_id, cols, columns)
    sheet = IndicatorSheet(sheet_id, name, _title(table), columns, tuple(rows), show_unit=False,
                           column_rules=tuple(rules))
    return sheet, notes


def _group_rules(sheet_id: str, cols: Columns, columns: tuple[ValueColumn, ...]) -> tuple[list[Rule], dict[int, str]]:
    """A "Tổng số" column equals the sum of the columns under the same header (not under a nearer
    "Tổng số" of their own)."""
    paths = [tuple(cols.header[grid]) for grid in cols.values]
    totals = {i: p[:-1] for i, p in enumerate(paths) if p and _fold(p[-1]).startswith("tổng")}
    rules, notes = [], {}
    for i, prefix in totals.items():
        parts = []
        for j, path in enumerate(paths):
            if j == i or j in totals or path[:len(prefix)] != prefix or _fold(path[-1]).startswith("tỷ lệ"):
                continue
            nearer = [k for k, other in totals.items() if len(other) > len(prefix) and path[:len(other)] == other]
            if not nearer:
                parts.append(columns[j])
        if not parts:
            continue
        total = columns[i]
        group = prefix[-1] if prefix else total.label
        message = text("authoring.import.group_sum" if len(parts) > 1 else "authoring.import.group_part",
                       group=group, total=total.label,
                       parts=", ".join(p.label for p in parts))
        rules.append(Rule(f"{sheet_id}_{total.key}_bang_tong", tuple(p.key for p in parts),
                          "=" if len(parts) > 1 else "<=", (total.key,),
                          "error", message, text("authoring.import.group_sum_fix"), scope="columns",
                          sheet=sheet_id, origin="column"))
    if rules:
        notes[0] = text("authoring.review.column_rules", count=len(rules))
    return rules, notes
