"""Find every entry under the folder: Excel files are read, everything else is listed, never opened.

The folder is whatever a Sở unzipped or copied from its mailbox, so it may hold more than files:
names that are not UTF-8 (a Windows zip unzipped elsewhere), names with terminal escape sequences
or console markup, named pipes, sockets, devices, dangling links, link loops, links out of the
folder. None of them may stop the run or be opened: each is listed with a reason id (the
message catalogue's ``scan.*`` family) and a printable name. Only the tool's own temporary files
(``.<output name>.cchc-tmp`` beside each output) are left out, by exact name.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from consolidate.model import FoundFile
from workbooks.messages import say
from workbooks.messages.safe import printable
from workbooks.reader import ACCEPTED_SUFFIXES

EXCEL_SUFFIXES: frozenset[str] = ACCEPTED_SUFFIXES  # the reader's one list (.xlsx, .xlsm, .xls, .ods)
TEMP_SUFFIX = ".cchc-tmp"  # see consolidate/output.py and consolidate/tidy.py

LOCK_FILE = "lock_file"
OTHER_EXTENSION = "other_extension"
NAME_NOT_UTF8 = "scan.name_not_utf8"
FIFO, SOCKET, DEVICE = "scan.fifo", "scan.socket", "scan.device"
DANGLING_LINK, LINK_LOOP, LINK_OUTSIDE = "scan.dangling_link", "scan.link_loop", "scan.link_outside"
LINK_TO_FOLDER, LINK_TO_SPECIAL = "scan.link_to_folder", "scan.link_to_special"
FOLDER_UNREADABLE, VANISHED = "scan.folder_unreadable", "scan.vanished"




def is_utf8(text: str) -> bool:
    """True when the OS name ``text`` was valid UTF-8 (no undecodable bytes in it)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def skip_message(reason: str) -> str:
    """The Vietnamese explanation of a scan reason (what it is, what to do).

    Args:
        reason: a ``skip_reason`` of :class:`FoundFile`.

    Returns:
        Message and fix as one text.
    """
    return str(say(f"scan.{reason}" if reason in (LOCK_FILE, OTHER_EXTENSION) else reason))


def _name_reason(name: str) -> str:
    """Why a regular file is not opened ("" when it is an Excel file to read)."""
    if name.startswith("~$"):
        return LOCK_FILE
    if Path(name).suffix.lower() not in EXCEL_SUFFIXES:
        return OTHER_EXTENSION
    return ""


def _special_reason(mode: int) -> str:
    """The reason for an entry that is neither a file, a folder nor a link."""
    if stat.S_ISFIFO(mode):
        return FIFO
    if stat.S_ISSOCK(mode):
        return SOCKET
    return DEVICE


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _link_reason(path: str, root: str) -> str:
    """Why a symbolic link is not followed ("" when it is a link to a regular file in the folder)."""
    try:
        target = os.stat(path)  # follows the link; never opens the target
    except OSError as exc:
        return LINK_LOOP if exc.errno == errno.ELOOP else DANGLING_LINK
    if not _inside(os.path.realpath(path), root):
        return LINK_OUTSIDE
    if stat.S_ISDIR(target.st_mode):
        return LINK_TO_FOLDER
    if not stat.S_ISREG(target.st_mode):
        return LINK_TO_SPECIAL
    return ""


def _entry_reason(entry: os.DirEntry, root: str) -> str | None:
    """Reason for a non-folder entry ("" to read it); None for a folder to walk into."""
    if entry.is_symlink():
        return _link_reason(entry.path, root) or _name_reason(entry.name)
    if entry.is_dir(follow_symlinks=False):
        return None
    if entry.is_file(follow_symlinks=False):
        return _name_reason(entry.name)
    return _special_reason(entry.stat(follow_symlinks=False).st_mode)


def _found(path: str, rel: str, reason: str) -> FoundFile:
    if not is_utf8(rel):
        reason = NAME_NOT_UTF8
    return FoundFile(path if is_utf8(path) else printable(path), printable(rel), not reason, reason)


def own_temporary_files(outputs: Iterable[str | Path]) -> set[str]:
    """The exact names the tool writes before renaming onto each output (``.<name>.cchc-tmp``)."""
    return {str(Path(p).with_name(f".{Path(p).name}{TEMP_SUFFIX}")) for p in outputs}


def scan_folder(folder: str | Path, exclude: Iterable[str | Path] = ()) -> list[FoundFile]:
    """List every entry under ``folder`` (recursively, no symbolic link followed out of it).

    Args:
        folder: the folder of returns.
        exclude: files and folders of our own to leave out (the output workbook, the store, the
            tidy-data folder), when they happen to lie inside ``folder``; the temporary file
            written beside each of them is left out too.

    Returns:
        Every entry that is not a folder, sorted by relative path: spreadsheet files (the reader's
        ``ACCEPTED_SUFFIXES``) have ``excel=True``; every other entry carries a ``skip_reason`` (``other_extension``,
        ``lock_file`` or a ``scan.*`` message id) and is never opened. ``rel`` is printable.
    """
    root = str(Path(folder).resolve())
    excluded = [str(Path(p).resolve()) for p in exclude]
    skip = set(excluded) | own_temporary_files(excluded)
    found: list[FoundFile] = []
    pending = [root]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                listing = list(entries)
        except OSError:
            found.append(_found(current, Path(os.path.relpath(current, root)).as_posix(), FOLDER_UNREADABLE))
            continue
        for entry in listing:
            if entry.path in skip:
                continue
            try:
                reason = _entry_reason(entry, root)
            except OSError:  # removed or made unreadable while we looked
                reason = VANISHED
            if reason is None:
                pending.append(entry.path)
                continue
            found.append(_found(entry.path, Path(os.path.relpath(entry.path, root)).as_posix(), reason))
    found.sort(key=lambda f: f.rel)
    return found
