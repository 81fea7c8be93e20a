"""Find every file under the folder: Excel files are read, every other file is listed."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from consolidate.model import FoundFile
from workbooks.reader import ACCEPTED_SUFFIXES

EXCEL_SUFFIXES: frozenset[str] = ACCEPTED_SUFFIXES  # the reader's one list (.xlsx, .xlsm, .xls, .ods)


def _skip_reason(name: str, suffix: str) -> str:
    """Why a file is not opened ("" when it is an Excel file to read)."""
    if name.startswith("~$"):
        return "lock_file"
    if suffix not in EXCEL_SUFFIXES:
        return "other_extension"
    return ""


def scan_folder(folder: str | Path, exclude: Iterable[str | Path] = ()) -> list[FoundFile]:
    """List every file under ``folder`` (recursively, symbolic links to folders not followed).

    Args:
        folder: the folder of returns.
        exclude: files and folders of our own to leave out (the output workbook, the store, the
            tidy-data folder), when they happen to lie inside ``folder``.

    Returns:
        Every regular file, sorted by relative path; spreadsheet files (the reader's ``ACCEPTED_SUFFIXES``) have
        ``excel=True``; others carry a ``skip_reason`` (``other_extension``, ``lock_file``).
    """
    root = Path(folder).resolve()
    skip = {str(Path(p).resolve()) for p in exclude}
    found: list[FoundFile] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if str(Path(dirpath, d)) not in skip)
        for name in filenames:
            path = Path(dirpath, name)
            if str(path) in skip or name.endswith(".cchc-tmp"):
                continue
            if not path.is_file():
                continue
            suffix = path.suffix.lower()
            reason = _skip_reason(name, suffix)
            found.append(FoundFile(str(path), path.relative_to(root).as_posix(), not reason, reason))
    found.sort(key=lambda f: f.rel)
    return found
