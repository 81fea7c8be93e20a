"""Entry points of the desktop ribbon add-ins (``KiemTraCCHC.py``, ``XoaDanhDauCCHC.py``).

Excel runs them through xlwings' ``RunPython``; the workbook to check is the one the unit has
open (``xw.Book.caller()``, which for an add-in is the active workbook).
"""

from __future__ import annotations

import contextlib
from typing import Any

from addin.core import check_book, clear_marks
from workbooks.reader.model import ReturnRejected


def active_book() -> Any:
    """The workbook the button was pressed on."""
    import xlwings as xw

    try:
        return xw.Book.caller()
    except Exception:  # noqa: BLE001 - run outside Excel's RunPython (tests, console)
        return xw.books.active


def kiem_tra() -> None:
    """Button "Kiểm tra": check the active workbook (the alert says the outcome)."""
    with contextlib.suppress(ReturnRejected):  # the alert explaining why has been shown
        check_book(active_book())


def xoa_danh_dau() -> None:
    """Button "Xóa đánh dấu": paint the marked cells back, remove the results sheet."""
    clear_marks(active_book())
