"""Form catalog, workbook writer and return reader of the CCHC reporting toolkit."""

__version__ = "0.1.0"
