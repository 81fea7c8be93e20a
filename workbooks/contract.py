"""The workbook contract: every name a generated workbook carries that a reader looks for.

The writer writes these names and the reader finds returns by them, so both import them from
here and neither imports the other. Renaming anything here changes which old returns are still
recognised: add the old spelling to the reader's fall-backs instead of editing it away.
"""

from __future__ import annotations

# ---------------------------------------------------------------- metadata (very hidden sheet + custom properties)
META_SHEET = "_cchc"
PROPERTY_PREFIX = "cchc_"
META_KEYS = ("form_id", "form_version", "catalog_hash", "unit_code", "unit_name", "unit_level", "period",
             "generated_at", "tool_version")
SHEET_KEY_PREFIX = "sheet:"  # "sheet:<sheet id>" -> the sheet's name as generated

# ---------------------------------------------------------------- the information sheet
INFO_SHEET = "Thông tin"
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
INFO_LABELS = {
    "unit_name": "Tên đơn vị báo cáo",
    "unit_code": "Mã đơn vị",
    "level": "Cấp đơn vị",
    "period": "Kỳ báo cáo",
    "deadline": "Hạn gửi báo cáo",
    "contact": "Nơi nhận / liên hệ",
    "form": "Biểu mẫu",
    "reporter": "Người lập biểu",
    "phone": "Số điện thoại",
    "email": "Thư điện tử",
}

# ---------------------------------------------------------------- headers of the appendix sheets
CODE_HEADER = "Mã chỉ tiêu"
GROUP_HEADER = "Mã nhóm"
NOTE_HEADER = "Ghi chú"
STT_HEADER = "STT"
GROUP_PREFIX = "nhom:"  # code column of a list sheet's group row: "nhom:<group code>"
SIGNATURE_MARK = "chu_ky"  # code column of the signature block under a list: the list ends above it


# ---------------------------------------------------------------- defined names and tables
def data_name(sheet_id: str) -> str:
    """Defined name of a sheet's data area (header row to last row, code column included)."""
    return f"CCHC_{sheet_id.upper()}_DATA"


def status_name(sheet_id: str) -> str:
    """Defined name of a sheet's status cell."""
    return f"CCHC_{sheet_id.upper()}_STATUS"


def table_name(sheet_id: str) -> str:
    """Excel Table name of a list sheet."""
    return f"tbl_{sheet_id}"
