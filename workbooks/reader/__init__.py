"""The reader: a return (file or open workbook) → tidy values with the cell of every value."""

from workbooks.reader.files import grid_from_file
from workbooks.reader.grid import Grid
from workbooks.reader.model import VALUE_COLUMNS, Notice, Return, ReturnRejected
from workbooks.reader.read import read_grid, read_return

__all__ = ["VALUE_COLUMNS", "Grid", "Notice", "Return", "ReturnRejected", "grid_from_file",
           "read_grid", "read_return"]
