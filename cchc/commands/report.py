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
        print(text("report.error", detail=str(exc)), file=sys.stderr)
        return 2
    try:
        path = write_report(results, outline, args.out, number=args.number or "", issued=args.date,
                            reply_by=args.reply_by)
    except OSError as exc:
        detail = text("report.not_written", path=args.out, detail=str(exc.strerror or exc))
        print(text("report.error", detail=detail), file=sys.stderr)
        return 1
    print(text("report.written", path=path))
    return 0


def register(sub) -> None:
    """Add ``report``.

    Args:
        sub: the ``cchc`` subparsers.
    """
    p = add_command(sub, "report", text("report.help"), text("report.description"))
    p.add_argument("workbook", metavar="TỆP_TỔNG_HỢP", help=text("report.arg_workbook"))
    p.add_argument("--out", default="bao_cao.docx", metavar="TỆP", help=text("report.arg_out"))
    p.add_argument("--number", metavar="SỐ", help=text("report.arg_number"))
    p.add_argument("--date", type=parse_date, metavar="NGÀY", help=text("report.arg_date"))
    p.add_argument("--reply-by", type=parse_date, metavar="NGÀY", help=text("report.arg_reply_by"))
    p.set_defaults(func=run)
