"""What people type → what the reader understands (and what it tells them)."""

import math
from datetime import date, datetime

import pytest

from workbooks.reader.parse import clean_text, looks_legacy, parse_value

NUMBER_CASES = [
    # typed            parsed   parse tag
    (12, 12.0, ""),
    (12.5, 12.5, ""),
    ("12", 12.0, "coerced:text_number"),
    (" 12 ", 12.0, "coerced:whitespace"),
    ("\u00a012\u00a0", 12.0, "coerced:whitespace"),
    ("1.054", 1054.0, "coerced:thousands_dot"),
    ("1.234.567", 1234567.0, "coerced:thousands_dot"),
    ("1.054,5", 1054.5, "coerced:thousands_dot"),
    ("99,9", 99.9, "coerced:decimal_comma"),
    ("99.5", 99.5, "coerced:decimal_point"),
    ("95%", 95.0, "coerced:percent_sign"),
    ("95 %", 95.0, "coerced:percent_sign"),
    ("12 hồ sơ", 12.0, "coerced:unit_word"),
    ("1.054 văn bản", 1054.0, "coerced:unit_word"),
    ("-", None, "invalid:not_number"),
    ("x", None, "invalid:not_number"),
    ("không", None, "invalid:not_number"),
    ("#DIV/0!", None, "invalid:excel_error"),
    (True, None, "invalid:not_number"),
    (None, None, "blank"),
    ("", None, "blank"),
    ("   ", None, "blank"),
]


@pytest.mark.parametrize(("typed", "expected", "tag"), NUMBER_CASES)
def test_numbers_as_typed(typed, expected, tag):
    number, _, parse = parse_value(typed, "count")
    assert parse == tag
    if expected is None:
        assert math.isnan(number)
    else:
        assert number == pytest.approx(expected)


def test_blank_is_not_zero():
    blank, _, tag_blank = parse_value(None, "count")
    zero, _, tag_zero = parse_value(0, "count")
    assert math.isnan(blank) and tag_blank == "blank"
    assert zero == 0.0 and tag_zero == ""


CHOICES = {"Trực tuyến": 0.0, "Phát phiếu": 1.0, "Kết hợp": 2.0}


@pytest.mark.parametrize(("typed", "expected", "tag"), [
    (1, 1.0, ""),
    ("2", 2.0, "coerced:text_number"),
    ("Phát phiếu", 1.0, "coerced:choice_label"),
    ("phát phiếu", 1.0, "coerced:choice_label"),
    ("qua mạng", None, "invalid:not_choice"),
])
def test_choices(typed, expected, tag):
    number, _, parse = parse_value(typed, "choice", CHOICES)
    assert parse == tag
    assert (math.isnan(number) if expected is None else number == expected)


@pytest.mark.parametrize(("typed", "text", "tag"), [
    ("Có", "Có", ""),
    ("Không", "Không", ""),
    ("có", "Có", "coerced:yesno"),
    ("khong", "Không", "coerced:yesno"),
    (1, "Có", "coerced:yesno"),
    ("x", "Có", "coerced:yesno"),
    ("chưa rõ", "chưa rõ", "invalid:not_yesno"),
])
def test_yes_no(typed, text, tag):
    _, parsed_text, parse = parse_value(typed, "yesno")
    assert (parsed_text, parse) == (text, tag)


@pytest.mark.parametrize(("typed", "iso", "tag"), [
    (date(2024, 3, 15), "2024-03-15", ""),
    (datetime(2024, 3, 15, 0, 0), "2024-03-15", ""),
    ("15/03/2024", "2024-03-15", "coerced:text_date"),
    (45366, "2024-03-15", "coerced:serial_date"),
    ("tháng 3", "tháng 3", "invalid:not_date"),
])
def test_dates(typed, iso, tag):
    _, text, parse = parse_value(typed, "date")
    assert (text, parse) == (iso, tag)


def test_text_is_nfc_and_trimmed():
    decomposed = "Phu\u031bo\u031b\u0300ng  To\u0302 Hie\u0323\u0302u "
    assert clean_text(decomposed) == "Phường Tô Hiệu"
    _, text, tag = parse_value(decomposed, "text")
    assert (text, tag) == ("Phường Tô Hiệu", "")


@pytest.mark.parametrize(("text", "legacy"), [
    ("Phßng Néi vô huyÖn", True),        # TCVN3 (ABC font) shown as Unicode
    ("Phßng Néi vô", True),
    ("Diện tích 25 m², nhiệt độ 30°C", False),
    ("Uûy ban nhaân daân xaõ", True),     # VNI-Windows
    ("Phòng Nội vụ huyện", False),
    ("Ủy ban nhân dân xã Quài Tở", False),
    ("Kế hoạch số 12/KH-UBND ngày 15/3/2024", False),
])
def test_legacy_encodings_are_suspected(text, legacy):
    assert looks_legacy(text) is legacy
    assert (parse_value(text, "text")[2] == "suspect:legacy_encoding") is legacy
