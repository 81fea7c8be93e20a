"""The reader: a return (file or open workbook) → tidy values with the cell of every value.

A file on disk is read only through ``read_file(path, limits) -> FileRead`` (file facts,
identity, records, notices or a rejection with a stable reason id); ``read_file_guarded`` runs it
under a time limit and a memory cap in a process of its own. ``ACCEPTED_SUFFIXES`` is the one list
of the spreadsheet files a return may be.
"""

from workbooks.reader.fileread import ACCEPTED_SUFFIXES, FileFacts, FileRead, accepted, read_file, saved_time
from workbooks.reader.files import grid_from_file
from workbooks.reader.grid import Grid
from workbooks.reader.guard import enter_worker, read_file_guarded, time_limit
from workbooks.reader.limits import Limits, default_limits
from workbooks.reader.model import VALUE_COLUMNS, Notice, Return, ReturnRejected
from workbooks.reader.parse import clean_text
from workbooks.reader.read import read_grid, read_return
from workbooks.reader.rejections import REASONS

__all__ = ["ACCEPTED_SUFFIXES", "REASONS", "VALUE_COLUMNS", "FileFacts", "FileRead", "Grid", "Limits", "Notice",
           "Return", "ReturnRejected", "accepted", "clean_text", "default_limits", "enter_worker", "grid_from_file",
           "read_file", "read_file_guarded", "read_grid", "read_return", "saved_time", "time_limit"]
