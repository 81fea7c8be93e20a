"""The grammar of the "Đơn vị tính" column: what kind of value a printed unit asks for.

- coded values "Trực tuyến = 0, Phát phiếu = 1" -> choice (``Không = 0 Có = 1`` too: coded);
- "%" -> percent given alone;
- compound units "... hồ sơ = ...%", "Cuộc/cuộc = ...%", "Số tài khoản/ tổng",
  "Tổng số văn bản xin lỗi .../tổng số hồ sơ ..." -> ratio (numerator, denominator, computed %);
- "Cuộc/người tham gia" (two different things) -> two counts;
- a known counting word (Nhiệm vụ, Văn bản, Người …) -> count; "lũy kế" in the label -> cumulative;
- anything else -> count, marked for review.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

COUNT_WORDS = ("nhiệm vụ", "văn bản", "cơ quan", "đơn vị", "người", "thủ tục", "tthc", "hồ sơ", "cuộc",
               "vấn đề", "tin", "bài", "số lượng", "quy trình", "tài khoản", "máy", "lượt", "phiếu",
               "sáng kiến", "đề án", "kế hoạch", "báo cáo", "mô hình", "dịch vụ", "lớp", "cái", "hệ thống",
               "công chức", "viên chức", "trường hợp", "xã", "huyện", "sở", "ngành", "phòng", "đoàn")
_CHOICE = re.compile(r"([^=,;]+?)\s*=\s*(\d+)")
_PERCENT_TAIL = re.compile(r"=\s*\.*\s*%")


@dataclass(frozen=True)
class UnitGuess:
    """What a printed unit asks for: the kind, its parts, and whether it is a guess."""

    kind: str                        # count | cumulative | decimal | percent | ratio | choice | two_counts
    choices: tuple[tuple[int, str], ...] = ()
    numerator_unit: str = ""
    denominator_unit: str = ""
    second_unit: str = ""            # two_counts: the unit of the second count
    sure: bool = True


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower().strip()


def _side(text: str) -> str:
    """A unit side without dots, '=', '%', 'Số'/'Tổng số': 'Thủ tục ...= ...%' -> 'Thủ tục'."""
    text = re.sub(r"[.…]+|=|%", " ", text)
    text = re.sub(r"^(tổng số|số)\s+", "", " ".join(text.split()), flags=re.IGNORECASE)
    return text[:1].upper() + text[1:] if text else ""


def guess_unit(unit: str, label: str = "") -> UnitGuess:
    """The kind of value asked by a printed unit (and the row label, for "lũy kế")."""
    u = _fold(unit)
    if not u:
        return UnitGuess("count", sure=False)
    if u in {"có/không", "có, không", "có / không"}:
        return UnitGuess("yesno", sure=False)
    if u == "(chữ)":
        return UnitGuess("text", sure=False)
    pairs = _CHOICE.findall(unit)
    if len(pairs) >= 2 and not _PERCENT_TAIL.search(unit):
        choices = tuple((int(code), " ".join(text.replace(",", " ").split())) for text, code in pairs)
        return UnitGuess("choice", choices=choices)
    if u in {"%", "tỷ lệ %", "tỷ lệ", "(%)"}:
        return UnitGuess("percent")
    if _PERCENT_TAIL.search(u) or re.search(r"\.\.\.\s*=|=\s*\.\.\.", u):
        left = _side(unit.split("=")[0].split("/")[0])
        right = _side(unit.split("/")[1].split("=")[0]) if "/" in unit.split("=")[0] else left
        return UnitGuess("ratio", numerator_unit=left, denominator_unit=right or left, sure=False)
    if "/" in u:
        first, second = (x.strip() for x in unit.split("/", 1))
        if "tổng" in _fold(second) or _fold(_side(first)) == _fold(_side(second)):
            den = _side(second)
            den = _side(first) if _fold(den) in {"", "tổng"} else den
            return UnitGuess("ratio", numerator_unit=_side(first), denominator_unit=den, sure=False)
        if any(w in _fold(second) for w in ("người", "tham gia")) and "số" not in _fold(first):
            return UnitGuess("two_counts", numerator_unit=_side(first), second_unit=_side(second), sure=False)
        if _fold(first).startswith("số ") and _fold(second).startswith("số "):
            return UnitGuess("decimal", sure=False)  # "Số máy/Số người": machines per person
        return UnitGuess("count", sure=all(any(w in _fold(x) for w in COUNT_WORDS) for x in (first, second)))
    kind = "cumulative" if "lũy kế" in _fold(label) else "count"
    return UnitGuess(kind, sure=any(w in u for w in COUNT_WORDS))
