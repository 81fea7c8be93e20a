"""Stable defined names: how the reader finds data areas even after rows move."""

from __future__ import annotations


def data_name(sheet_id: str) -> str:
    """Defined name of a sheet's data area (header row to last row, code column included)."""
    return f"CCHC_{sheet_id.upper()}_DATA"


def status_name(sheet_id: str) -> str:
    """Defined name of a sheet's status cell."""
    return f"CCHC_{sheet_id.upper()}_STATUS"


def table_name(sheet_id: str) -> str:
    """Excel Table name of a list sheet."""
    return f"tbl_{sheet_id}"


INFO_NAMES = {
    "unit_code": "CCHC_UNIT_CODE",
    "unit_name": "CCHC_UNIT_NAME",
    "period": "CCHC_PERIOD",
    "reporter": "CCHC_REPORTER",
    "phone": "CCHC_PHONE",
    "email": "CCHC_EMAIL",
    "report_date": "CCHC_REPORT_DATE",
    "report_number": "CCHC_REPORT_NUMBER",
}
