"""The safety net under every read: a time limit and a memory cap per file, in a process that may die.

The limits of ``limits`` stop the files that say what they are; a file that lies (a part whose
size is not what the directory declares, a far cell with no dimension) could still make the
native reader allocate without end or loop. So a read runs in a process of its own, with

* a memory cap: ``RLIMIT_AS`` set to what the process holds now plus ``Limits.memory_bytes``
  (an allocation beyond fails: Python's MemoryError, or the native reader aborts the process);
* a time limit: ``SIGALRM`` with its default action, which ends the process even inside native
  code, after ``Limits.seconds``;
* death with its parent: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux, so that no reading
  process outlives the command that started it.

``read_file_guarded`` forks one such process per file (``cchc check``, and a file the
consolidation reads again alone). The consolidation's worker processes put the same limits on
themselves with ``enter_worker`` and ``time_limit``.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

from workbooks.reader.fileread import FileFacts, FileRead, read_file
from workbooks.reader.limits import Limits, resolved
from workbooks.reader.rejections import reject

try:
    import resource
except ImportError:  # Windows: no rlimits (the time limit still applies through the parent)
    resource = None  # type: ignore[assignment]

_PR_SET_PDEATHSIG = 1
_worker_ready = False


def die_with_parent() -> None:
    """Make this process end when the process that started it ends (Linux; a no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent ended before the request took effect
        os._exit(1)


def _address_space() -> int:
    """Bytes of virtual memory this process maps now (0 when unknown)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def cap_memory(extra_bytes: int) -> None:
    """Let this process map at most what it maps now plus ``extra_bytes`` (RLIMIT_AS)."""
    now = _address_space()
    if resource is None or not now:
        return
    with contextlib.suppress(ValueError, OSError):
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        cap = now + extra_bytes
        resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))


def quiet_native_errors() -> None:
    """Send this process's standard error to the null device.

    A native reader that aborts prints its own backtrace there; the user is told why the file
    was refused (a Vietnamese reason) instead. Python errors still travel back as results.
    """
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)


def enter_worker(limits: Limits | None = None) -> None:
    """Put the reading limits on this worker process, once: die with the parent, cap memory."""
    global _worker_ready
    if _worker_ready:
        return
    _worker_ready = True
    die_with_parent()
    quiet_native_errors()
    cap_memory(resolved(limits).memory_bytes)


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """End this process (SIGALRM, default action) if the block takes longer than ``seconds``."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return
    previous = signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(max(1, round(seconds)))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _child(conn, path: str, limits: Limits) -> None:  # noqa: ANN001 - a multiprocessing connection
    die_with_parent()
    quiet_native_errors()
    cap_memory(limits.memory_bytes)
    with time_limit(limits.seconds):
        try:
            result = read_file(path, limits)
        except MemoryError:
            result = died(path, -signal.SIGABRT, limits)  # the same outcome as a native allocation failure
    conn.send(result)
    conn.close()


def _facts(path: str) -> FileFacts:
    """What the file system says of a file whose read did not finish (no hash: not read here)."""
    try:
        st = os.stat(path)
    except OSError:
        return FileFacts(path, 0, 0, "")
    return FileFacts(path, st.st_size, st.st_mtime_ns, "")


def died(path: str, exitcode: int | None, limits: Limits) -> FileRead:
    """The rejection of a file whose reading process ended without an answer."""
    name = Path(path).name
    if exitcode in (-signal.SIGALRM, -signal.SIGKILL, None):
        rejected = reject(name, "timeout", seconds=round(limits.seconds))
    elif exitcode == -signal.SIGABRT:  # the native reader aborts when an allocation fails
        rejected = reject(name, "memory", limit_mb=limits.memory_bytes // 1_048_576)
    else:
        rejected = reject(name, "crashed")
    return FileRead(_facts(path), rejected.reason, rejected.message)


def read_file_guarded(path: str | os.PathLike, limits: Limits | None = None) -> FileRead:
    """``read_file`` in a forked process with the time limit and memory cap of ``limits``.

    Falls back to ``read_file`` in this process where ``fork`` does not exist (Windows).

    Returns:
        What ``read_file`` returns; or a rejection (``timeout``, ``memory``, ``crashed``) when
        the reading process had to be ended or died.
    """
    path = os.fspath(path)
    limits = resolved(limits)
    if "fork" not in multiprocessing.get_all_start_methods():
        return read_file(path, limits)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(send, path, limits), daemon=True)
    process.start()
    send.close()
    result: FileRead | None = None
    try:
        if receive.poll(limits.seconds + 5):
            result = receive.recv()
    except (EOFError, OSError):
        result = None
    finally:
        receive.close()
        if result is None and process.is_alive():
            process.kill()
        process.join()
    return result if result is not None else died(path, process.exitcode, limits)
