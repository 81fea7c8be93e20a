"""The "Kiểm tra" button in Excel: a thin front-end over the reader and the validators.

Modules: ``core`` (check_book, clear_marks), ``marks`` and ``results`` (what is written into the
workbook), ``server`` + ``static/`` (Office.js task pane), ``xlam`` + ``desktop`` (ribbon add-in),
``lite`` (xlwings Lite). See ``docs/`` (Vietnamese) for installation.
"""
