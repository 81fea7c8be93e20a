"""The Word (.docx) draft of the Sở's report, written from a consolidation's own results.

``load_round`` reads what ``cchc consolidate`` left beside ``tong_hop.xlsx`` (the store's run
record and the tidy data); ``load_outline`` reads the report outline declared beside the form
(``workbooks/forms/<form>.report.yaml``); ``write_report`` writes the document.
"""

from consolidate.report_docx.document import write_report
from consolidate.report_docx.outline import Outline, OutlineError, load_outline
from consolidate.report_docx.source import ReportInputError, RoundResults, load_round

__all__ = ["Outline", "OutlineError", "ReportInputError", "RoundResults", "load_outline", "load_round",
           "write_report"]
