"""Vietnamese words for statuses and reasons (one place, shared by output and summary)."""

from __future__ import annotations

from consolidate.model import (
    CONFLICT,
    DUPLICATE,
    ERRORS_EXCLUDED,
    ERRORS_USED,
    NOT_EXCEL,
    REJECTED,
    USED,
    USED_WARNINGS,
)
from workbooks.messages import say

STATUS_LABELS: dict[str, str] = {
    USED: "Đã dùng",
    USED_WARNINGS: "Đã dùng (có cảnh báo)",
    ERRORS_USED: "Có lỗi, vẫn dùng",
    ERRORS_EXCLUDED: "Có lỗi, không dùng",
    DUPLICATE: "Trùng (bản cũ hơn, không dùng)",
    CONFLICT: "Cần Sở quyết định (có thể của đơn vị khác, không dùng)",
    REJECTED: "Không dùng được",
    NOT_EXCEL: "Không phải tệp Excel",
}

REASON_LABELS: dict[str, str] = {
    "empty": "Tệp rỗng",
    "not_excel": "Không phải tệp Excel",
    "damaged": "Tệp bị hỏng",
    "encrypted": "Tệp có mật khẩu",
    "unknown_form": "Không nhận ra biểu mẫu",
    "no_data": "Không có số liệu",
    "too_large": "Tệp quá lớn",
    "unreadable": "Không mở được tệp",
    "other_form": "Biểu mẫu khác",
    "incompatible_version": "Phiên bản biểu mẫu không phù hợp",
    "other_period": "Kỳ báo cáo khác",
    "blank_template": "Mẫu trống (chưa có mã đơn vị)",
    "unknown_unit": "Mã đơn vị không có trong danh sách",
    "unit_not_expected": "Đơn vị không thuộc diện báo cáo biểu mẫu này",
    "older_version": "Bản cũ hơn của cùng đơn vị",
    "same_content": "Trùng nội dung với tệp khác",
    "tied_version": "Cùng thời điểm nhận với bản khác (không dùng theo quy tắc)",
    "identity_recorded": "Tệp có thể là của đơn vị khác (tên/cấp ghi trong tệp khác mã)",
    "identity_file_name": "Tệp có thể là của đơn vị khác (tên tệp mang tên đơn vị khác)",
    "other_extension": "Không phải bảng tính (.xlsx, .xlsm, .xls, .ods)",
    "lock_file": "Tệp khóa tạm của Excel (~$)",
    "has_errors": "Có lỗi (không đưa vào số tổng hợp)",
}

SUBMISSION_LABELS: dict[str, str] = {
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "submitted": "Đã nộp",
    "errors_excluded": "Nộp nhưng có lỗi (không tính)",
    "missing": "Chưa nộp",
}

KIND_METHODS: dict[str, str] = {
    "count": "Tổng cộng",
    "cumulative": "Tổng cộng (lũy kế)",
    "ratio": "Σ tử số / Σ mẫu số",
    "rate": "Σ tử số / Σ mẫu số",
    "percent": "Không cộng được: số đơn vị, nhỏ nhất, trung vị, lớn nhất",
    "decimal": "Không cộng được: số đơn vị, nhỏ nhất, trung vị, lớn nhất",
    "choice": "Số đơn vị theo từng lựa chọn",
    "yesno": "Số đơn vị trả lời \"Có\" / số đơn vị trả lời",
    "text": "Giữ theo từng đơn vị (xem sheet Theo đơn vị)",
    "date": "Giữ theo từng đơn vị (xem sheet Theo đơn vị)",
}

MEASURE_LABELS: dict[str, str] = {
    "sum": "Tổng",
    "rate": "Tỷ lệ (%)",
    "n": "Số đơn vị có số liệu",
    "min": "Nhỏ nhất",
    "median": "Trung vị",
    "max": "Lớn nhất",
    "yes": "Số đơn vị trả lời \"Có\"",
    "answered": "Số đơn vị trả lời",
}


def reason_label(reason: str) -> str:
    """Name a reason in Vietnamese.

    Args:
        reason: a reason id (``damaged``, ``older_version`` …).

    Returns:
        Its label (the id itself when unknown).
    """
    if reason in REASON_LABELS:
        return REASON_LABELS[reason]
    return say(reason).text if reason.startswith("scan.") else reason  # the folder scan's reasons
