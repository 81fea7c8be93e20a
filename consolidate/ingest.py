"""The per-file step: a pure function of one file → facts plus a return or a rejection.

``ingest_file`` reads nothing but its file and the shipped catalog and returns plain picklable
data (values as lists per column, no DataFrame), so it runs in worker processes here and could
run on any other executor later. ``ingest_many`` runs it on every core with progress.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import time
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import datetime

from consolidate.blob import encode_records, plain
from consolidate.model import FileFacts, Ingested, ReturnData
from workbooks.catalog.loader import load_catalog
from workbooks.reader.files import MAX_BYTES, core_properties, grid_and_core_from_file
from workbooks.reader.identify import Identity
from workbooks.reader.model import Notice, ReturnRejected
from workbooks.reader.read import read_records as read_grid_records

_ZIP = b"PK\x03\x04"
_CHUNK_TARGET = 8  # chunks per worker: small enough for a smooth progress bar


def _core_time(core: bytes, tag: bytes) -> datetime | None:
    match = re.search(rb"<dcterms:" + tag + rb"[^>]*>([^<]+)</dcterms:" + tag + rb">", core)
    if not match:
        return None
    text = match.group(1).decode("ascii", "replace").strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return moment


def saved_time(core: bytes | None) -> str:
    """When someone last saved the workbook after it was generated, from its docProps/core.xml.

    The generator writes the same "created" and "modified" times; Excel, LibreOffice and WPS
    update "modified" on every save. So a "modified" later than "created" is the unit's last
    save; otherwise there is none ("").

    Args:
        core: the bytes of docProps/core.xml (None when the file has none).

    Returns:
        Local naive ISO time, or "".
    """
    if core is None:
        return ""
    modified, created = _core_time(core, b"modified"), _core_time(core, b"created")
    if modified is None or (created is not None and modified <= created):
        return ""
    return modified.isoformat(timespec="seconds")


def _saved_at(path: str, head: bytes, data: bytes | None = None) -> str:
    """``saved_time`` of a file the reader rejected, from its bytes when in hand, else from the file.

    Returns:
        Local naive ISO time, or "".
    """
    if not head.startswith(_ZIP):
        return ""
    if data is not None:
        return saved_time(core_properties(data))
    try:
        with zipfile.ZipFile(path) as zf:
            core = zf.read("docProps/core.xml")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError):
        return ""
    return saved_time(core)


def file_facts(path: str) -> FileFacts:
    """Size, modification time, SHA-256 and last-saved time of a file (read once, never written).

    Args:
        path: the file.

    Returns:
        The facts.
    """
    facts, head, _ = _hashed(path)
    return replace(facts, saved_at=_saved_at(path, head))


def _hashed(path: str) -> tuple[FileFacts, bytes, bytes | None]:
    """(size, modification time and SHA-256 of a file, without ``saved_at``; its first bytes;
    all its bytes when the reader would accept its size, else None)."""
    st = os.stat(path)
    digest = hashlib.sha256()
    head = b""
    with open(path, "rb") as fh:
        if st.st_size <= MAX_BYTES:
            data = fh.read()
            digest.update(data)
            return FileFacts(path, st.st_size, st.st_mtime_ns, digest.hexdigest()), data[:8], data
        while chunk := fh.read(1 << 20):
            if not head:
                head = chunk[:8]
            digest.update(chunk)
    return FileFacts(path, st.st_size, st.st_mtime_ns, digest.hexdigest()), head, None


def read_records(path: str, data: bytes | None = None) -> tuple[Identity, list[tuple], list[Notice], bytes | None]:
    """What ``read_return`` reads, without building its DataFrame (half of its time).

    Args:
        path: the file.
        data: its bytes, when already read.

    Returns:
        (identity, records ordered as ``RECORD_COLUMNS``, notices, docProps/core.xml read in
        the same pass over the file or None).

    Raises:
        ReturnRejected: as ``read_return``.
    """
    grid, core = grid_and_core_from_file(path, data)
    return *read_grid_records(grid, load_catalog()), core


def ingest_file(path: str) -> Ingested:
    """Read one file: facts, then the return (or why it cannot be one).

    A pure function of the file's content and the shipped catalog: it never writes, never
    raises for a bad file (every failure becomes a rejection with a Vietnamese message).

    Args:
        path: absolute path of an Excel file.

    Returns:
        The file facts plus the return as plain data, or the rejection reason and message.
    """
    start = time.perf_counter()
    try:
        facts, head, data = _hashed(path)
    except OSError as exc:
        facts = FileFacts(path, 0, 0, "")
        return Ingested(facts, reason="unreadable",
                        message=f"Không mở được tệp: {exc.strerror or exc}.",
                        seconds=time.perf_counter() - start)
    try:
        ident, records, notices, core = read_records(path, data)
    except Exception as exc:  # noqa: BLE001 - a file must never stop the whole consolidation
        return _rejected(replace(facts, saved_at=_saved_at(path, head, data)), exc, start)
    ret = ReturnData(
        sha256=facts.sha256, form_id=ident.form.id, form_version=ident.version, unit_code=ident.unit_code,
        unit_name=ident.unit_name, level=ident.level, period=ident.period, meta=dict(ident.meta),
        notices=[_plain_notice(n) for n in notices], blob=encode_records(records),
        n_values=len(records),
    )
    facts = replace(facts, saved_at=saved_time(core))
    return Ingested(facts, ret, seconds=time.perf_counter() - start)


def _rejected(facts: FileFacts, exc: Exception, start: float) -> Ingested:
    """The result for a file the reader could not turn into a return."""
    if isinstance(exc, ReturnRejected):
        reason, message = exc.reason, exc.message
    elif isinstance(exc, OSError):
        reason, message = "unreadable", f"Không mở được tệp: {exc.strerror or exc}."
    else:
        reason, message = "damaged", (f"Tệp có cấu trúc lạ, không đọc được ({exc.__class__.__name__}: "
                                      f"{str(exc)[:120]}). Hãy mở bằng Excel, lưu lại rồi gửi lại.")
    return Ingested(facts, reason=reason, message=message, seconds=time.perf_counter() - start)


def _plain_notice(notice: Notice) -> Notice:
    """A notice whose value and parameters are plain (picklable, storable as JSON)."""
    params = {k: plain(v) if not isinstance(v, list | tuple | dict) else v for k, v in notice.params.items()}
    return replace(notice, value=plain(notice.value), params=params)


def _ingest_chunk(paths: Sequence[str]) -> list[Ingested]:
    return [ingest_file(p) for p in paths]


def _chunks(paths: Sequence[str], jobs: int) -> list[list[str]]:
    """Split the paths into chunks for the workers, the last ones smaller.

    Chunks of up to 32 files (about ``_CHUNK_TARGET`` per worker) keep the overhead per file
    low; the last quarter of the files goes in chunks of a few files, so that no worker is
    left alone on a big chunk at the end while the others wait.
    """
    size = max(1, min(32, math.ceil(len(paths) / (jobs * _CHUNK_TARGET))))
    tail_size = max(1, min(size, 4))
    split = len(paths) - len(paths) // 4
    head = [list(paths[i:min(i + size, split)]) for i in range(0, split, size)]
    return head + [list(paths[i:i + tail_size]) for i in range(split, len(paths), tail_size)]


def _isolated(path: str) -> Ingested:
    """Ingest one file in a process of its own (after a worker crashed on some file)."""
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(ingest_file, path).result()
    except BrokenProcessPool:
        try:
            facts = file_facts(path)
        except OSError:
            facts = FileFacts(path, 0, 0, "")
        return Ingested(facts, reason="damaged", message="Tệp làm hỏng trình đọc (tệp bị hỏng nặng). "
                        "Hãy mở bằng Excel, lưu lại rồi gửi lại.")


def ingest_many(paths: Sequence[str], jobs: int | None = None,
                progress: Callable[[int, int], None] | None = None, *,
                pool: ProcessPoolExecutor | None = None, idle: Callable[[], None] | None = None,
                arrived: Callable[[list[Ingested]], None] | None = None) -> list[Ingested]:
    """Run ``ingest_file`` on every path, in parallel.

    Args:
        paths: files to read.
        jobs: worker processes (all cores when None; 1 reads in this process).
        progress: called with (done, total) as files finish.
        pool: worker processes to use (left running); a pool of ``jobs`` is made when None.
        idle: called once in this process while the workers read (e.g. to prepare the next
            steps); not called when nothing is read in parallel.
        arrived: called in this process with the results of each batch of files as it comes
            in (e.g. to store them while the workers read on); every result once.

    Returns:
        One result per path, in the order of ``paths``.
    """
    total = len(paths)
    jobs = max(1, jobs or os.cpu_count() or 1)
    if progress:
        progress(0, total)
    if jobs == 1 or total <= 1:
        results: dict[str, Ingested] = {}
        for path in paths:
            results[path] = ingest_file(path)
            if progress:
                progress(len(results), total)
        if arrived and results:
            arrived(list(results.values()))
        return [results[p] for p in paths]
    if pool is not None:
        return _ingest_parallel(pool, paths, jobs, progress, idle, arrived)
    with ProcessPoolExecutor(max_workers=min(jobs, total)) as own:
        return _ingest_parallel(own, paths, jobs, progress, idle, arrived)


def _ingest_parallel(pool: ProcessPoolExecutor, paths: Sequence[str], jobs: int,
                     progress: Callable[[int, int], None] | None, idle: Callable[[], None] | None,
                     arrived: Callable[[list[Ingested]], None] | None) -> list[Ingested]:
    """``ingest_many`` on worker processes (a file that crashes a worker is read again alone)."""
    total = len(paths)
    results: dict[str, Ingested] = {}
    retry: list[str] = []
    try:
        pending: dict[Future, list[str]] = {pool.submit(_ingest_chunk, c): c for c in _chunks(paths, jobs)}
    except BrokenProcessPool:  # the pool died before (a file crashed it): one process per file
        pending, retry = {}, list(paths)
    if idle and pending:
        idle()
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for fut in done:
            chunk = pending.pop(fut)
            try:
                batch = fut.result()
            except BrokenProcessPool:
                retry += chunk
                continue
            except Exception:  # noqa: BLE001 - e.g. a result that cannot travel back: read here
                batch = [ingest_file(path) for path in chunk]
            for item in batch:
                results[item.facts.path] = item
            if arrived:
                arrived(batch)
        if progress:
            progress(len(results), total)
    for path in retry:  # a worker died (a file crashed the native reader): one process per file
        results[path] = _isolated(path)
        if arrived:
            arrived([results[path]])
        if progress:
            progress(len(results), total)
    return [results[p] for p in paths]
