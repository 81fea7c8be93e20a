"""Normalise what people type: '1.054' → 1054, '99,9' → 99.9, '95%' → 95, and say so.

Every coercion is recorded as a ``parse`` tag so the unit learns about it:
``""`` ok · ``blank`` · ``coerced:<how>`` · ``invalid:<why>`` · ``suspect:<why>``.
A blank is never a zero; "-", "x", "không" in a number cell are invalid, not zeros.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

from workbooks.catalog.kinds import kind as kind_of
from workbooks.catalog.model import NO, YES

Parsed = tuple[float, str, str]  # (number, text, parse tag)
NAN = math.nan
_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_THOUSANDS_DOT_DECIMAL = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_PLAIN = re.compile(r"^[+-]?\d+(\.\d+)?$")
_LEADING_NUMBER = re.compile(r"^([+-]?\d[\d.,]*)\s*([^\d\s].*)$")
_EXCEL_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA"}
# Characters that TCVN3 (ABC) fonts put where Unicode has Latin-1 symbols; rare in real text.
_TCVN3 = set("¸µ¶¹¨ª«¬¯³´¾ÆÇÐÑÖ×ØÜÞßäåæçëîïñö÷øûüþ")  # °²±½©®· left out: real text uses them
# Of those, the ones that never occur in Vietnamese administrative text written in Unicode.
_TCVN3_STRONG = set("ßµ¸¶¹¨ª«¬¯³´¾ÆÇÐÑ×ØÞ")
_VNI = re.compile(r"[A-Za-z](?:ø|ù|ú|û|õ|ï|ñ|ë|ä|ö|å|æ|ç|à|á|â|è|é|ê)[a-zA-Z]?")
_VNI_MARKS = set("øùúûõïñëäöåæç")
_TCVN3_RE = re.compile("[" + re.escape("".join(sorted(_TCVN3))) + "]")
_TCVN3_STRONG_RE = re.compile("[" + re.escape("".join(sorted(_TCVN3_STRONG))) + "]")
_VNI_MARKS_RE = re.compile("[" + re.escape("".join(sorted(_VNI_MARKS))) + "]")
_YES = {"có", "co", "x", "1", "yes", "đã có", "da co"}
_NO = {"không", "khong", "0", "no", "chưa", "chua"}
_EXCEL_EPOCH = datetime(1899, 12, 30)


def clean_text(value: Any) -> str:
    """NFC, trimmed, inner runs of spaces (incl. non-breaking) collapsed to one."""
    text = value if type(value) is str else str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())  # split() cuts at every Unicode space, NBSP included


def looks_legacy(text: str) -> bool:
    """True when text looks typed with a TCVN3 (ABC) or VNI font instead of Unicode."""
    if text.isascii():
        return False
    if _TCVN3_STRONG_RE.search(text) or len(_TCVN3_RE.findall(text)) >= 2:
        return True
    return len(_VNI_MARKS_RE.findall(text)) >= 2 and len(_VNI.findall(text)) >= 2


def _excel_error(value: Any) -> bool:
    return isinstance(value, str) and value.strip().upper() in _EXCEL_ERRORS or (
        type(value).__name__ == "CellErrorType")


def parse_number(value: Any) -> Parsed:
    """Parse a number cell; strings are coerced when unambiguous, else invalid."""
    kind = type(value)
    if kind is float:  # the usual case first
        return (NAN, "", "blank") if value != value else (value, "", "")
    if kind is int:
        return float(value), "", ""
    if value is None or (isinstance(value, str) and not clean_text(value)):
        return NAN, "", "blank"
    if isinstance(value, bool):
        return NAN, str(value), "invalid:not_number"
    if isinstance(value, int | float):
        return (NAN, "", "blank") if isinstance(value, float) and math.isnan(value) else (float(value), "", "")
    if isinstance(value, date | datetime | timedelta):
        return NAN, str(value), "invalid:date_in_number"
    if _excel_error(value):
        return NAN, str(value), "invalid:excel_error"
    raw = str(value)
    text = clean_text(raw)
    return _parse_number_text(text, raw)


def _parse_number_text(text: str, raw: str) -> Parsed:
    if text.endswith("%"):
        number, _, tag = _parse_number_text(text[:-1].strip(), raw)
        return (number, text, "coerced:percent_sign") if not tag.startswith("invalid") else (NAN, text, tag)
    if _THOUSANDS_DOT.match(text):  # Vietnamese: the dot groups thousands (1.054 = 1054)
        return float(text.replace(".", "")), text, "coerced:thousands_dot"
    if _PLAIN.match(text):
        if "." in text:
            return float(text), text, "coerced:decimal_point"
        return float(text), text, "coerced:whitespace" if raw != text else "coerced:text_number"
    if _THOUSANDS_DOT_DECIMAL.match(text):
        return float(text.replace(".", "").replace(",", ".")), text, "coerced:thousands_dot"
    if _DECIMAL_COMMA.match(text):
        return float(text.replace(",", ".")), text, "coerced:decimal_comma"
    match = _LEADING_NUMBER.match(text)
    if match and not match.group(2).startswith(("%", "/", "-", "+")):
        number, _, tag = _parse_number_text(match.group(1), match.group(1))
        if not tag.startswith("invalid"):
            return number, text, "coerced:unit_word"
    return NAN, text, "invalid:not_number"


def parse_choice(value: Any, choices: dict[str, float]) -> Parsed:
    """A coded choice: the code as a number; a label typed instead is mapped to its code."""
    number, text, tag = parse_number(value)
    if tag in {"", "blank", "coerced:text_number", "coerced:whitespace"}:
        return number, text, tag
    label = clean_text(value).casefold()
    for name, code in choices.items():
        if label == name.casefold():
            return code, clean_text(value), "coerced:choice_label"
    return NAN, clean_text(value), "invalid:not_choice"


def parse_yesno(value: Any) -> Parsed:
    """'Có' / 'Không' (also 1/0, 'x', unaccented forms, coerced)."""
    if value is None or (isinstance(value, str) and not clean_text(value)):
        return NAN, "", "blank"
    if isinstance(value, bool):
        return (1.0, YES, "coerced:yesno") if value else (0.0, NO, "coerced:yesno")
    text = clean_text(value)
    if text == YES:
        return 1.0, YES, ""
    if text == NO:
        return 0.0, NO, ""
    key = text.casefold()
    if isinstance(value, int | float):
        key = str(int(value)) if float(value) in (0.0, 1.0) else key
    if key in _YES:
        return 1.0, YES, "coerced:yesno"
    if key in _NO:
        return 0.0, NO, "coerced:yesno"
    return NAN, text, "invalid:not_yesno"


def parse_date(value: Any) -> Parsed:
    """A date: real dates pass; serial numbers and dd/mm/yyyy text are coerced."""
    if value is None or (isinstance(value, str) and not clean_text(value)):
        return NAN, "", "blank"
    if isinstance(value, datetime):
        return NAN, value.date().isoformat(), ""
    if isinstance(value, date):
        return NAN, value.isoformat(), ""
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 < value < 200_000:
        return NAN, (_EXCEL_EPOCH + timedelta(days=float(value))).date().isoformat(), "coerced:serial_date"
    text = clean_text(value)
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y"):
        try:
            return NAN, datetime.strptime(text, fmt).date().isoformat(), "coerced:text_date"
        except ValueError:
            continue
    return NAN, text, "invalid:not_date"


def parse_text(value: Any) -> Parsed:
    """Free text: NFC; legacy-font text is flagged (suspect)."""
    if value is None:
        return NAN, "", "blank"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return NAN, value.strftime("%d/%m/%Y"), ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_text(value)
    if not text:
        return NAN, "", "blank"
    return NAN, text, "suspect:legacy_encoding" if looks_legacy(text) else ""


def parse_value(value: Any, kind: str, choices: dict[str, float] | None = None) -> Parsed:
    """Parse a cell according to the catalog kind of its value.

    Args:
        value: the raw cell content.
        kind: a name of the kinds table (its ``parse`` field picks the parser); list columns
            pass their column type (text, date, count, choice), also a kind name.
        choices: label -> code, for choice cells.

    Returns:
        (number, text, parse tag).

    Raises:
        UnknownKind: ``kind`` is not in the kinds table.
    """
    family = kind_of(kind).parse
    if family == "number":
        return parse_number(value)
    if family == "choice":
        return parse_choice(value, choices or {})
    if family == "yesno":
        return parse_yesno(value)
    if family == "date":
        return parse_date(value)
    return parse_text(value)
