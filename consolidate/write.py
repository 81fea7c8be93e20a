"""Writing a consolidation's outputs, and saying in Vietnamese why the disk refused."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

from consolidate.model import ConsolidateError, Consolidation, Options
from workbooks.messages import text

Progress = Callable[[str, int, int], None]


def write_outputs(result: Consolidation, opts: Options, progress: Progress | None = None) -> None:
    """Write the workbook, then the tidy data (``result.out`` and ``result.data_files`` set).

    Args:
        result: the consolidation.
        opts: where to write and the tidy data's format.
        progress: called with (step label, done, total).

    Raises:
        ConsolidateError: the disk refuses (a Vietnamese message saying what to do).
    """
    from consolidate.output import write_workbook
    from consolidate.tidy import write_data

    if progress:
        progress("Ghi tệp tổng hợp", 0, 1)
    try:
        result.out = write_workbook(result, opts.out_path)
    except OSError as exc:
        raise ConsolidateError(write_error(exc, opts.out_path), 1) from exc
    try:
        if opts.data_format != "none":
            result.data_files = write_data(result, opts.data_dir, opts.data_format)
    except OSError as exc:
        raise ConsolidateError(write_error(exc, Path(exc.filename) if exc.filename else opts.data_dir), 1) from exc
    if progress:
        progress("Ghi tệp tổng hợp", 1, 1)


def write_error(exc: OSError, path: Path) -> str:
    """What the user reads when the output cannot be written (never the system's English text).

    Args:
        exc: the error.
        path: the output workbook.

    Returns:
        The Vietnamese message with what to do.
    """
    params = {"path": path, "name": path.name, "folder": path.parent, "errno": exc.errno or 0}
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EBUSY, errno.ETXTBSY) and (
            path.exists() or not os.access(path.parent, os.W_OK)):
        return text("consolidate.output_locked" if path.exists() else "consolidate.output_read_only", **params)
    known = {errno.EROFS: "consolidate.output_read_only", errno.EACCES: "consolidate.output_read_only",
             errno.ENOSPC: "consolidate.output_disk_full", errno.EISDIR: "consolidate.output_is_folder"}
    return text(known.get(exc.errno or 0, "consolidate.output_failed"), **params)
