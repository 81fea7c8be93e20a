"""The workbook writer (xlsxwriter): one module per Excel concern, assembled in order."""

from workbooks.writer.assembler import generate_workbook, workbook_filename
from workbooks.writer.context import UnitInfo

__all__ = ["UnitInfo", "generate_workbook", "workbook_filename"]
