"""The workbook writer (xlsxwriter): one module per Excel concern, assembled in order."""

from workbooks.writer.assembler import generate_workbook, workbook_filename
from workbooks.writer.context import Prefill, UnitInfo

__all__ = ["Prefill", "UnitInfo", "generate_workbook", "workbook_filename"]
