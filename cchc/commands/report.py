"""``cchc report tong_hop.xlsx --out bao_cao.docx``: the Word draft of the Sở's report.

Every figure comes from what ``cchc consolidate`` left beside the workbook (its store's run record
and its tidy data); the sections follow the form's report outline (``<form>.report.yaml``).

Exit code: 0 written · 1 the .docx could not be written · 2 the consolidation's results or the
form's outline cannot be found.
"""

from __future__ import annotations

import argparse
import sys

from cchc.commands.common import add_command, parse_date
from workbooks.messages import text


def run(args: argparse.Namespace) -> int:
    """Write the report draft.

    Args:
        args: the parsed command line.

    Returns:
        0 written, 1 not writable, 2 inputs missing.
    """
    from consolidate.report_docx import OutlineError, ReportInputError, load_outline, load_round, write_report

    try:
        results = load_round(args.workbook)
        outline = load_outline(results.form)
    except (ReportInputError, OutlineError) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    try:
        path = write_report(results, outline, args.out, number=args.number or "", issued=args.date,
                            reply_by=args.reply_by)
    except OSError as exc:
        print(f"Lỗi: {text('report.not_written', path=args.out, detail=exc.strerror or exc)}", file=sys.stderr)
        return 1
    print(text("report.written", path=path))
    return 0


def register(sub) -> None:
    """Add ``report``.

    Args:
        sub: the ``cchc`` subparsers.
    """
    p = add_command(sub, "report", "Soạn dự thảo báo cáo (Word) từ kết quả tổng hợp",
                    "Viết dự thảo báo cáo của Sở (tệp .docx): thể thức văn bản hành chính, các mục theo đề cương "
                    "báo cáo của biểu mẫu với số liệu chính, bảng số liệu tổng hợp toàn tỉnh, danh sách đơn vị chưa "
                    "nộp, nộp trễ hạn, có lỗi, và công văn đôn đốc các đơn vị chưa nộp. Mọi số liệu lấy từ kết quả "
                    "của lệnh cchc consolidate (kho dữ liệu và dữ liệu dạng bảng cạnh tệp tổng hợp).\n"
                    "Mã thoát: 0 đã ghi, 1 không ghi được, 2 không tìm thấy kết quả tổng hợp hoặc đề cương.")
    p.add_argument("workbook", metavar="TỆP_TỔNG_HỢP", help="tệp tong_hop.xlsx do lệnh cchc consolidate ghi")
    p.add_argument("--out", default="bao_cao.docx", metavar="TỆP", help="tệp Word kết quả (mặc định bao_cao.docx)")
    p.add_argument("--number", metavar="SỐ", help="số văn bản (mặc định để trống để điền sau)")
    p.add_argument("--date", type=parse_date, metavar="NGÀY", help="ngày ghi trên văn bản (mặc định hôm nay)")
    p.add_argument("--reply-by", type=parse_date, metavar="NGÀY",
                   help="hạn mới ghi trong công văn đôn đốc (ngày/tháng/năm)")
    p.set_defaults(func=run)
