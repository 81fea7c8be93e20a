"""An indicator table (rows = chỉ tiêu, a unit column, value columns) drafted as an IndicatorSheet.

Headings come from Roman STT, bold rows and rows without a unit that have rows below them; codes
from the printed STT path (a repeated or misplaced STT gets a unique code, kept printed); kinds
from the unit grammar; "Trong đó" rows become parts of the row above. Every guess is noted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workbooks.authoring.importer.units import guess_unit
from workbooks.authoring.schema import kind_word
from workbooks.catalog.model import Choice, Heading, Indicator, Part, RatioSide
from workbooks.messages import text

ROMAN = re.compile(r"^(?=[IVXLC]+\.?$)M*(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})\.?$")
ARABIC = re.compile(r"^\d+(\.\d+)*\.?$")
LETTER = "abcdefghijklmnopqrstuvwxyz"
YESNO_UNIT = "Có/Không"
TEXT_UNIT = "(chữ)"
COUNT_FROM_LABEL = "Số lượng"
UNSURE_LABEL_UNITS = {COUNT_FROM_LABEL, TEXT_UNIT}


@dataclass
class SourceRow:
    """One printed row of the table body."""

    stt: str
    label: str
    unit: str
    bold: bool
    part: bool = False          # printed under "Trong đó"
    guessed_unit: str = ""      # no printed unit: the unit the label implies ("Tỷ lệ …" -> %)
    split: bool = False         # one of several indicators printed in one row


@dataclass
class Draft:
    """Rows drafted so far with their review notes (index in ``rows`` -> note)."""

    rows: list[Indicator | Heading] = field(default_factory=list)
    notes: dict[int, list[str]] = field(default_factory=dict)
    codes: set[str] = field(default_factory=set)

    def note(self, message_id: str, **params: object) -> None:
        """Mark the last row for review."""
        self.notes.setdefault(len(self.rows) - 1, []).append(text(message_id, **params))


def _is_trong_do(value: str) -> bool:
    return value.replace(" ", "").lower().rstrip(":").startswith("trongđó")


def _depth(stt: str) -> int:
    if ROMAN.match(stt):
        return 0
    return stt.rstrip(".").count(".") + 1 if ARABIC.match(stt) else 99


def source_rows(body: list[tuple[str, str, str, bool]]) -> list[SourceRow]:
    """Body rows (stt, label, unit, bold) with "Trong đó" markers turned into flags."""
    rows: list[SourceRow] = []
    in_parts = False
    for stt, label, unit, bold in body:
        if _is_trong_do(label) and not unit:  # "Trong đó:" printed on a row of its own
            in_parts = True
            continue
        if _is_trong_do(stt):
            in_parts, stt = True, ""
        elif stt:
            in_parts = False
        label = re.sub(r"^trong đó:?\s*", "", label, flags=re.IGNORECASE)
        for n, piece in enumerate(split_label(label)):
            rows.append(SourceRow(stt, piece, unit, bold, in_parts, split=n > 0 or piece != label))
    return rows


def split_label(label: str) -> list[str]:
    """One printed row asking for several totals ("…báo cáo thêm về: Tổng số A … Tổng số B …")."""
    if ":" not in label:
        return [label]
    head, tail = label.split(":", 1)
    pieces = [p.strip() for p in re.split(r"(?=\bTổng số\b)", tail) if p.strip()]
    if len(pieces) < 2:
        return [label]
    return [f"{head}: {pieces[0]}", *pieces[1:]]


def _has_children(rows: list[SourceRow], i: int) -> bool:
    row = rows[i]
    nxt = rows[i + 1] if i + 1 < len(rows) else None
    if nxt is None:
        return False
    if nxt.part:
        return True
    if not row.stt:
        return False
    return (not nxt.stt and nxt.unit != "") or _depth(nxt.stt) > _depth(row.stt)


class _Codes:
    """Heading path -> codes: "I" / "I.1" / "I.1.a", or the printed "1.1.1" without Roman level."""

    def __init__(self) -> None:
        self.path: list[tuple[int, str]] = []   # (depth, code)
        self.letters: dict[str, int] = {}

    def prefix(self) -> str:
        return self.path[-1][1] if self.path else ""

    def heading(self, stt: str) -> str:
        depth = _depth(stt)
        self.path = [(d, c) for d, c in self.path if d < depth]
        code = self._own(stt)
        self.path.append((depth, code))
        return code

    def _own(self, stt: str) -> str:
        bare = stt.rstrip(".")
        roman = next((c for d, c in self.path if d == 0), "")
        if ROMAN.match(stt):
            return bare
        return f"{roman}.{bare}" if roman else bare

    def value(self, stt: str) -> tuple[str, bool]:
        """(code, matches the heading path) for a value row."""
        if stt and ARABIC.match(stt):
            code = self._own(stt)
            parent = self.prefix()
            fits = not parent or code.startswith(parent + ".") or _depth(stt) == 1
            if fits:
                return code, True
            return f"{parent}.{stt.rstrip('.').rsplit('.', 1)[-1]}", False
        parent = self.prefix() or "r"
        n = self.letters.get(parent, 0)
        self.letters[parent] = n + 1
        return f"{parent}.{LETTER[n % 26]}{'' if n < 26 else n // 26}", True


def _unique(code: str, taken: set[str]) -> str:
    if code not in taken:
        return code
    for suffix in LETTER[1:]:
        if f"{code}{suffix}" not in taken:
            return f"{code}{suffix}"
    raise ValueError(code)


def _ratio_sides(label: str, num_unit: str, den_unit: str) -> tuple[RatioSide, RatioSide]:
    """Numerator and denominator: printed in the label ("X/ Y, đạt …%"), or drafted from it."""
    if "/" in label:
        num, den = label.split("/", 1)
        num = re.sub(r"^t[ỷỉ] lệ %?\s*", "", num.strip(), flags=re.IGNORECASE)
        den = re.sub(r",?\s*đạt\b.*$", "", den, flags=re.IGNORECASE).strip(" .")
        return RatioSide(num[:1].upper() + num[1:], num_unit), RatioSide(den[:1].upper() + den[1:], den_unit)
    base = re.sub(r"^(tỷ lệ( phần trăm)?|tổng số|số)\s+", "", label, flags=re.IGNORECASE)
    numerator = RatioSide(text("authoring.import.numerator", what=base), num_unit)
    what = den_unit.lower() or text("authoring.import.denominator_default")
    denominator = RatioSide(text("authoring.import.denominator", what=what), den_unit)
    return numerator, denominator


def draft_indicators(rows: list[SourceRow]) -> Draft:
    """Headings and indicators of the table body, with review notes."""
    draft, codes = Draft(), _Codes()
    whole: Indicator | None = None
    whole_at = -1
    parts: list[str] = []

    def close_parts() -> None:
        nonlocal whole, parts
        if whole is not None and parts:
            _attach_parts(draft, whole_at, parts)
        whole, parts = None, []

    for i, row in enumerate(rows):
        if not row.unit and not ROMAN.match(row.stt) and not row.bold and not _has_children(rows, i):
            guessed = label_unit(row.label)
            if guessed:  # "Tỷ lệ ..." printed without a unit: a value row, noted
                row = SourceRow(row.stt, row.label, "", row.bold, row.part, guessed, row.split)
        if not row.unit and not row.guessed_unit:
            close_parts()
            if row.stt:
                codes.heading(row.stt)
            draft.rows.append(Heading(row.label, row.stt))
            if not row.bold and not _has_children(rows, i):
                draft.note("authoring.review.heading_guess")
            continue
        if not row.part:
            close_parts()
        code, fits = codes.value(row.stt)
        code = _unique(code, draft.codes)
        ind = _indicator(row, code, draft)
        if row.split:
            draft.note("authoring.review.split_row")
        if not fits:
            draft.note("authoring.review.duplicate_stt", stt=row.stt, first=row.stt.rstrip("."), code=code)
        if row.part and whole is not None:
            parts.append(ind.code)
        elif not row.part:
            whole, whole_at = (ind if ind.kind in {"count", "cumulative", "decimal"} else None), len(draft.rows) - 1
    close_parts()
    _ontime_late_parts(draft)
    _percent_after_counts(draft)
    return draft


def _percent_after_counts(draft: Draft) -> None:
    """A percentage printed right under a count ("Tổng số cán bộ … được cấp tài khoản", then "Tỷ lệ
    cán bộ … sử dụng thường xuyên") is usually computed from counts: noted, never changed silently."""
    rows = draft.rows
    for i in range(1, len(rows)):
        row, before = rows[i], rows[i - 1]
        if (isinstance(row, Indicator) and isinstance(before, Indicator) and row.kind == "percent"
                and before.kind in {"count", "cumulative"}):
            draft.notes.setdefault(i, []).append(text("authoring.review.percent_after_count",
                                                      code=before.code, ratio=kind_word("ratio")))


def label_unit(label: str) -> str:
    """The unit a label implies when none is printed (outlines, forgotten units); "" if none."""
    low = label.lower().rstrip(". ")
    if "/" in low and ("tổng số" in low.split("/", 1)[1] or "đạt" in low):
        return "... = ...%"
    if low.startswith(("tỷ lệ", "tỉ lệ")):
        return "%"
    if low.endswith("?") or low.endswith(" chưa") or "hay không" in low:
        return YESNO_UNIT
    if low.startswith(("tổng số", "số ")):
        return COUNT_FROM_LABEL
    return ""


def _indicator(row: SourceRow, code: str, draft: Draft) -> Indicator:
    guess = guess_unit(row.unit or row.guessed_unit, row.label)
    if guess.kind == "two_counts":
        first = Indicator(code, row.label, "count", row.stt, row.unit)
        draft.rows.append(first)
        draft.codes.add(code)
        draft.note("authoring.review.two_counts", unit=row.unit)
        second_code = _unique(f"{code}_2", draft.codes)
        label = text("authoring.import.second_count", label=row.label, unit=guess.second_unit.lower())
        second = Indicator(second_code, label, "count", row.stt,
                           guess.second_unit)
        draft.rows.append(second)
        draft.codes.add(second_code)
        return first
    kwargs: dict = {}
    if guess.kind == "choice":
        kwargs["choices"] = tuple(Choice(c, label) for c, label in guess.choices)
    if guess.kind == "ratio":
        kwargs["numerator"], kwargs["denominator"] = _ratio_sides(row.label, guess.numerator_unit,
                                                                  guess.denominator_unit)
    lo, hi = (0, 100) if guess.kind == "percent" else (0, None)
    levels = ("huyen",) if re.search(r"đối với cấp huyện", row.label, re.IGNORECASE) else ()
    if levels:
        kwargs["levels"] = levels
    ind = Indicator(code, row.label, guess.kind, row.stt, row.unit,
                    required=guess.kind != "text",
                    min=None if guess.kind in {"choice", "yesno", "text", "date"} else lo, max=hi, **kwargs)
    draft.rows.append(ind)
    draft.codes.add(code)
    if levels:
        draft.note("authoring.review.levels_guess")
    sides_printed = guess.kind == "ratio" and "/" in row.label
    if not row.unit:
        if row.guessed_unit in UNSURE_LABEL_UNITS or (guess.kind == "ratio" and not sides_printed):
            draft.note("authoring.review.no_unit", kind=kind_word(guess.kind))
    elif guess.kind == "ratio":
        if not sides_printed:
            draft.note("authoring.review.compound_unit", unit=row.unit)
    elif not guess.sure:
        draft.note("authoring.review.kind_guess", unit=row.unit, kind=guess.kind)
    return ind


def _replace(draft: Draft, at: int, ind: Indicator) -> None:
    draft.rows[at] = ind


def _attach_parts(draft: Draft, at: int, parts: list[str]) -> None:
    whole = draft.rows[at]
    assert isinstance(whole, Indicator)
    members = [r for r in draft.rows if isinstance(r, Indicator) and r.code in parts
               and r.kind in {"count", "cumulative", "decimal"}]
    if not members:
        return  # percentages printed under a count describe it; they are not its parts
    parts = [m.code for m in members]
    levels = all(re.search(r"\bcấp\b", m.label, re.IGNORECASE) for m in members)
    rule = "sum" if levels else "at_most"
    _replace(draft, at, Indicator(**{**whole.__dict__, "parts": Part(tuple(parts), rule)}))
    word = text("authoring.value.parts_rule." + rule)
    draft.notes.setdefault(at, []).append(text("authoring.review.parts_guess", codes=", ".join(parts), rule=word))


def _ontime_late_parts(draft: Draft) -> None:
    """'Tổng số X' followed by '... đúng hạn' and '... quá hạn' rows: those two are its parts."""
    rows = draft.rows
    for i, row in enumerate(rows[:-2]):
        nxt, after = rows[i + 1], rows[i + 2]
        if not all(isinstance(x, Indicator) for x in (row, nxt, after)) or row.parts is not None:
            continue
        assert isinstance(row, Indicator) and isinstance(nxt, Indicator) and isinstance(after, Indicator)
        if (row.label.lower().startswith("tổng số") and row.kind == "count" and "đúng hạn" in nxt.label.lower()
                and ("quá hạn" in after.label.lower() or "trễ hạn" in after.label.lower())
                and nxt.kind == after.kind == "count"):
            _attach_parts(draft, i, [nxt.code, after.code])
