"""The per-file step: a pure function of one file → facts plus a return or a rejection.

Every file is opened by the reader's one entry point (``workbooks.reader.read_file``): the file
facts, the saved time, the return or the rejection all come from it. ``ingest_file`` turns what
it gives into plain picklable data (values encoded per column, no DataFrame), so it runs in
worker processes; ``ingest_many`` runs it on every core with progress. Every read runs under the
reader's safety net: a worker caps its own memory, ends with the main process and is ended when
one file takes longer than the time limit; a file that ended its worker is read again alone in
a guarded process of its own, which gives the reason.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from consolidate.blob import encode_records, plain
from consolidate.model import Ingested, ReturnData
from workbooks.reader import (
    FileRead,
    Limits,
    Notice,
    default_limits,
    enter_worker,
    read_file,
    read_file_guarded,
    time_limit,
)

_CHUNK_TARGET = 8  # chunks per worker: small enough for a smooth progress bar


def _ingested(read: FileRead, seconds: float) -> Ingested:
    """What the consolidation keeps of a file the reader read (or rejected)."""
    if not read.ok:
        return Ingested(read.facts, reason=read.reason, message=read.message, seconds=seconds)
    ret = ReturnData(
        sha256=read.facts.sha256, form_id=read.form_id, form_version=read.form_version, unit_code=read.unit_code,
        unit_name=read.unit_name, level=read.level, period=read.period, meta=dict(read.meta),
        notices=[_plain_notice(n) for n in read.notices], blob=encode_records(read.records),
        n_values=len(read.records),
    )
    return Ingested(read.facts, ret, seconds=seconds)


def ingest_file(path: str, limits: Limits | None = None) -> Ingested:
    """Read one file: facts, then the return (or why it cannot be one).

    A pure function of the file's content and the shipped catalog: it never writes, never
    raises for a bad file (every failure becomes a rejection with a Vietnamese message).

    Args:
        path: absolute path of a spreadsheet file.
        limits: what a file may weigh and span (the reader's defaults when None).

    Returns:
        The file facts plus the return as plain data, or the rejection reason and message.
    """
    start = time.perf_counter()
    return _ingested(read_file(path, limits), time.perf_counter() - start)


def ingest_guarded(path: str, limits: Limits | None = None) -> Ingested:
    """``ingest_file`` in a process of its own, under the time limit and memory cap of ``limits``."""
    start = time.perf_counter()
    return _ingested(read_file_guarded(path, limits), time.perf_counter() - start)


def _plain_notice(notice: Notice) -> Notice:
    """A notice whose value and parameters are plain (picklable, storable as JSON)."""
    params = {k: plain(v) if not isinstance(v, list | tuple | dict) else v for k, v in notice.params.items()}
    return replace(notice, value=plain(notice.value), params=params)


def _ingest_chunk(paths: Sequence[str]) -> list[Ingested]:
    """Read a chunk of files in a worker process, each under the time limit (the worker's memory capped)."""
    limits = default_limits()
    enter_worker(limits)
    out = []
    for path in paths:
        with time_limit(limits.seconds):
            out.append(ingest_file(path, limits))
    return out


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
    """Ingest one file in a guarded process of its own (after a worker died on some file)."""
    return ingest_guarded(path)


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
        One result per path, in the order of ``paths``. With ``jobs`` 1, each file is read in a
        guarded process of its own (the same limits as the workers).
    """
    total = len(paths)
    jobs = max(1, jobs or os.cpu_count() or 1)
    if progress:
        progress(0, total)
    if jobs == 1 or total <= 1:
        results: dict[str, Ingested] = {}
        for path in paths:
            results[path] = ingest_guarded(path)
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
                batch = [ingest_guarded(path) for path in chunk]
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
