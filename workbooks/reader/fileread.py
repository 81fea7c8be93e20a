"""The reader's one entry point for a file on disk: ``read_file(path, limits) -> FileRead``.

Everything the rest of the product learns from a return file comes from here: the file facts
(size, modification time, SHA-256 of the bytes read, the workbook's own last-saved time), what
the return says it is (form, version, unit, level, period, metadata), its values as records and
the reader's notices — or a rejection with a stable reason id and its Vietnamese text.

The file is opened once, read once (the bytes hashed are the bytes parsed) and never written.
Anything that is not a regular file (named pipe, socket, device) is never opened.
"""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from workbooks.messages import catalogue, text
from workbooks.reader.files import ACCEPTED_SUFFIXES, SavedTimes, grid_from_bytes
from workbooks.reader.limits import Limits, resolved
from workbooks.reader.model import Notice, ReturnRejected
from workbooks.reader.rejections import not_regular_kind, reject

if TYPE_CHECKING:
    from workbooks.catalog.model import Form
    from workbooks.reader.model import Return

__all__ = ["ACCEPTED_SUFFIXES", "FileFacts", "FileRead", "accepted", "read_file", "saved_time"]

@dataclass(frozen=True)
class FileFacts:
    """What the file itself says, independent of whether it is a return.

    Attributes:
        path: the path as given.
        size: bytes.
        mtime_ns: modification time (nanoseconds since the epoch).
        sha256: hash of the bytes read (hex; "" when the file could not be read).
        saved_at: when the workbook says someone last saved it after it was generated (its
            own "last saved" document property, local naive ISO text; "" when it says nothing).
    """

    path: str
    size: int
    mtime_ns: int
    sha256: str
    saved_at: str = ""

    @property
    def mtime(self) -> datetime:
        """Modification time as a local naive datetime."""
        return datetime.fromtimestamp(self.mtime_ns / 1e9)


@dataclass
class FileRead:
    """One file read as a return, or why it is not one.

    Attributes:
        facts: the file facts (always).
        reason: stable rejection id ("" when read; ids in ``rejections.REASONS``, plus
            ``unknown_form`` when the workbook is none of the catalog's forms).
        message: Vietnamese text of the rejection (what is wrong and what to do).
        form_id, form_version, unit_code, unit_name, level, period, meta: what the return
            says it is (read returns only).
        records: the values, ordered as ``VALUE_COLUMNS[3:]``.
        notices: what the reader noticed about the structure.
    """

    facts: FileFacts
    reason: str = ""
    message: str = ""
    form_id: str = ""
    form_version: int | None = None
    unit_code: str = ""
    unit_name: str = ""
    level: str | None = None
    period: int = 0
    meta: dict[str, str] = field(default_factory=dict)
    records: list[tuple] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file was read as a return."""
        return not self.reason

    @property
    def rejection(self) -> ReturnRejected | None:
        """The rejection as the reader's exception type (None when read)."""
        return None if self.ok else ReturnRejected(Path(self.facts.path).name, self.reason, self.message)

    def to_return(self, catalog: dict[str, Form] | None = None, return_id: str | None = None) -> Return:
        """The return as the validators take it (values in a DataFrame).

        Raises:
            ReturnRejected: the file was rejected.
        """
        if not self.ok:
            raise self.rejection  # type: ignore[misc]
        from workbooks.catalog.loader import load_catalog
        from workbooks.reader.read import return_of_records

        form = (catalog or load_catalog())[self.form_id]
        source = Path(self.facts.path).name
        return return_of_records(form, self.records, self.notices, source=source,
                                 return_id=return_id or source, version=self.form_version,
                                 unit_code=self.unit_code, unit_name=self.unit_name, level=self.level,
                                 period=self.period, meta=self.meta)


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo is not None else moment


def saved_time(times: SavedTimes) -> str:
    """When someone last saved the workbook after it was generated.

    The generator writes the same "created" and "modified" times; Excel, LibreOffice and WPS
    update "modified" on every save. So a "modified" later than "created" is the unit's last
    save; otherwise there is none ("").

    Returns:
        Local naive ISO time, or "".
    """
    modified, created = _moment(times.modified), _moment(times.created)
    if modified is None or (created is not None and modified <= created):
        return ""
    return modified.isoformat(timespec="seconds")


def _bytes(path: str, limits: Limits) -> tuple[FileFacts, bytes | None]:
    """The file's facts and bytes (None when over the size limit: hashed in chunks, not kept).

    Raises:
        ReturnRejected: not a regular file (never opened, even a named pipe: opened
            non-blocking and checked again on the open descriptor).
        OSError: the file cannot be opened or read.
    """
    name = Path(path).name
    st = os.stat(path)
    kind = not_regular_kind(st.st_mode)
    if kind:
        raise reject(name, "not_regular_file", kind=kind)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        kind = not_regular_kind(st.st_mode)
        if kind:
            raise reject(name, "not_regular_file", kind=kind)
        digest = hashlib.sha256()
        data: bytes | None = None
        if st.st_size <= limits.max_file_bytes:
            data = fh.read()
            digest.update(data)
        else:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    size = st.st_size if data is None else len(data)
    return FileFacts(path, size, st.st_mtime_ns, digest.hexdigest()), data


def os_error_text(exc: OSError) -> str:
    """What an operating-system error means, in Vietnamese (never the system's English text)."""
    code = errno.errorcode.get(exc.errno or 0, "")
    return text(f"os.{code}") if f"os.{code}" in catalogue() else text("os.other")


def _unexpected(name: str, exc: BaseException, limits: Limits) -> ReturnRejected:
    if isinstance(exc, MemoryError):
        return reject(name, "memory", limit_mb=limits.memory_bytes // 1_048_576)
    if isinstance(exc, OSError):
        return reject(name, "unreadable", detail=os_error_text(exc))
    return reject(name, "unexpected", detail=f"{exc.__class__.__name__}: {str(exc)[:120]}")


def read_file(path: str | os.PathLike, limits: Limits | None = None,
              catalog: dict[str, Form] | None = None) -> FileRead:
    """Read one return file: its facts, then the return or why it cannot be one.

    Never raises for anything a file can do (every failure is a rejection with a stable reason
    id and a Vietnamese message), never writes, never opens what is not a regular file.

    Args:
        path: a .xlsx, .xlsm, .xls or .ods file (the suffix is not checked here: see
            ``ACCEPTED_SUFFIXES`` for the files a folder scan should hand over).
        limits: what a file may weigh and span (``default_limits()`` when None).
        catalog: forms by id (the shipped catalog when None).

    Returns:
        The file read, or rejected (``FileRead.reason``).
    """
    path = os.fspath(path)
    name = Path(path).name
    limits = resolved(limits)
    facts = FileFacts(path, 0, 0, "")
    try:
        facts, data = _bytes(path, limits)
        if data is None:
            raise reject(name, "too_large", size_mb=facts.size / 1_048_576,
                         limit_mb=limits.max_file_bytes / 1_048_576)
        grid, times = grid_from_bytes(name, data, limits)
        facts = FileFacts(path, facts.size, facts.mtime_ns, facts.sha256, saved_time(times))
        from workbooks.catalog.loader import load_catalog
        from workbooks.reader.read import read_records

        ident, records, notices = read_records(grid, catalog or load_catalog())
    except ReturnRejected as exc:
        return FileRead(facts, exc.reason, exc.message)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - incl. pyo3's PanicException: a file never stops a run
        rejected = _unexpected(name, exc, limits)
        return FileRead(facts, rejected.reason, rejected.message)
    return FileRead(facts, form_id=ident.form.id, form_version=ident.version, unit_code=ident.unit_code,
                    unit_name=ident.unit_name, level=ident.level, period=ident.period, meta=dict(ident.meta),
                    records=records, notices=notices)


def accepted(path: str | os.PathLike) -> bool:
    """True when the file's suffix is one of a spreadsheet the reader reads (``ACCEPTED_SUFFIXES``)."""
    return Path(path).suffix.lower() in ACCEPTED_SUFFIXES

