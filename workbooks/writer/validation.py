"""Native Excel data validation for every input cell, with Vietnamese prompts and alerts."""

from __future__ import annotations

from datetime import date

from workbooks.catalog.kinds import COUNT_CEILING
from workbooks.catalog.model import Choice

MAX_COUNT = COUNT_CEILING
_TITLE_MAX, _MESSAGE_MAX = 32, 255


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _messages(prompt: str, alert: str, title: str = "Nhập số liệu") -> dict:
    return {
        "input_title": _clip(title, _TITLE_MAX),
        "input_message": _clip(prompt, _MESSAGE_MAX),
        "error_title": "Giá trị không hợp lệ",
        "error_message": _clip(alert, _MESSAGE_MAX),
        "error_type": "stop",
        "ignore_blank": True,
    }


def _fmt(x: float) -> str:
    return f"{int(x):,}".replace(",", ".") if float(x).is_integer() else str(x).replace(".", ",")


def whole_number(lo: float | None, hi: float | None, hint: str = "") -> dict:
    """Whole number between ``lo`` and ``hi`` (counts)."""
    lo = 0 if lo is None else lo
    hi = MAX_COUNT if hi is None else hi
    prompt = f"Nhập số nguyên từ {_fmt(lo)} trở lên, không kèm chữ hay dấu %. {hint}".strip()
    alert = f"Ô này chỉ nhận số nguyên không âm (từ {_fmt(lo)} đến {_fmt(hi)}). Không nhập chữ, dấu chấm phân cách hay ký hiệu."
    return {"validate": "integer", "criteria": "between", "minimum": int(lo), "maximum": int(hi),
            **_messages(prompt, alert)}


def decimal(lo: float | None, hi: float | None, percent: bool, hint: str = "") -> dict:
    """Decimal between bounds (percentages 0–100, other decimals)."""
    lo = 0 if lo is None else lo
    hi = MAX_COUNT if hi is None else hi
    if percent:
        prompt = f"Nhập tỷ lệ phần trăm từ {_fmt(lo)} đến {_fmt(hi)}, không gõ dấu % (ví dụ 99,5). {hint}".strip()
        alert = f"Tỷ lệ phải là số từ {_fmt(lo)} đến {_fmt(hi)}. Không gõ dấu %, không nhập chữ."
    else:
        prompt = f"Nhập một số từ {_fmt(lo)} trở lên. {hint}".strip()
        alert = f"Ô này chỉ nhận số từ {_fmt(lo)} đến {_fmt(hi)}."
    return {"validate": "decimal", "criteria": "between", "minimum": lo, "maximum": hi,
            **_messages(prompt, alert)}


def choice_list(choices: tuple[Choice, ...], hint: str = "") -> dict:
    """Dropdown of coded answers; the prompt spells what each code means."""
    meaning = "; ".join(f"{c.code} = {c.label}" for c in choices)
    prompt = f"Chọn trong danh sách: {meaning}. {hint}".strip()
    alert = f"Chỉ được chọn một trong các mã: {meaning}."
    return {"validate": "list", "source": [str(c.code) for c in choices],
            **_messages(prompt, alert, "Chọn mã")}


def text_list(options: tuple[str, ...], hint: str = "") -> dict:
    """Dropdown of texts (Có/Không, Đúng hạn/Quá hạn …)."""
    shown = " / ".join(options)
    prompt = f"Chọn {shown} trong danh sách. {hint}".strip()
    alert = f"Chỉ được chọn: {shown}."
    return {"validate": "list", "source": list(options), **_messages(prompt, alert, "Chọn giá trị")}


def date_between(lo: date, hi: date, hint: str = "") -> dict:
    """A date within the allowed window around the reporting period."""
    span = f"{lo:%d/%m/%Y} đến {hi:%d/%m/%Y}"
    prompt = f"Nhập ngày dạng ngày/tháng/năm (ví dụ 15/03/{hi.year - 1}), trong khoảng {span}. {hint}".strip()
    alert = f"Ngày phải là ngày hợp lệ trong khoảng {span}, nhập dạng ngày/tháng/năm."
    return {"validate": "date", "criteria": "between", "minimum": lo, "maximum": hi,
            **_messages(prompt, alert, "Nhập ngày")}


def text_length(limit: int = 2000, hint: str = "") -> dict:
    """Free text up to ``limit`` characters."""
    prompt = f"Nhập nội dung (tối đa {limit} ký tự). {hint}".strip()
    alert = f"Nội dung dài quá {limit} ký tự; hãy rút gọn."
    return {"validate": "length", "criteria": "<=", "value": limit,
            **_messages(prompt, alert, "Nhập nội dung")}


def custom(formula: str, prompt: str, alert: str) -> dict:
    """Custom formula validation (part <= whole, numerator <= denominator …)."""
    return {"validate": "custom", "value": formula, **_messages(prompt, alert)}


class ValidationBatch:
    """Collects identical validations so each is written once for all its cells.

    Excel stores one ``<dataValidation sqref="D11 D12 E11 …">`` per rule; writing one per
    cell made files bigger and generation slower for no gain.
    """

    def __init__(self) -> None:
        self._cells: dict[str, list[tuple[int, int]]] = {}
        self._options: dict[str, dict] = {}

    def add(self, row: int, col: int, options: dict) -> None:
        """Validate cell (row, col) with ``options``."""
        key = repr(sorted(options.items(), key=lambda kv: kv[0]))
        self._options.setdefault(key, options)
        self._cells.setdefault(key, []).append((row, col))

    def write(self, ws) -> None:
        """Write every collected validation to ``ws``."""
        from xlsxwriter.utility import xl_rowcol_to_cell

        for key, cells in self._cells.items():
            row, col = cells[0]
            refs = " ".join(xl_rowcol_to_cell(r, c) for r, c in cells)
            ws.data_validation(row, col, row, col, {**self._options[key], "multi_range": refs})
