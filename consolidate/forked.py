"""Run one function in a forked copy of this process, which inherits every object as it is.

The consolidation writes its tidy data this way while it writes the workbook itself: the copy
sees the finished consolidation without it being pickled and sent (for 1,000 returns that
transfer took a quarter of a second). Only where the platform can fork (Linux, macOS) and only
once no other thread runs (the reading pool has been shut down); elsewhere the caller does the
work itself.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any


class ForkedJob:
    """A function running in a forked copy of this process.

    Args:
        process: the forked process.
        receiver: the end of the pipe its result comes through.
    """

    def __init__(self, process: multiprocessing.process.BaseProcess, receiver: Connection) -> None:
        self.process = process
        self.receiver = receiver

    def result(self) -> tuple[bool, Any]:
        """Wait for the copy to finish.

        Returns:
            (True, what the function returned) or (False, None) when it raised or died.
        """
        try:
            value = self.receiver.recv()
        except (EOFError, OSError):
            value = _FAILED
        finally:
            self.receiver.close()
        self.process.join()
        if value is _FAILED or isinstance(value, _Failed) or self.process.exitcode != 0:
            return False, None
        return True, value


class _Failed:
    """What the copy sends when the function raised (the parent does the work again)."""


_FAILED = _Failed()


def _run(target: Callable[..., Any], args: tuple[Any, ...], sender: Connection) -> None:
    """Body of the forked copy: send what ``target`` returns (or a failure mark), then exit."""
    try:
        value = target(*args)
    except BaseException:  # noqa: BLE001 - the parent does the work again and reports the error
        value = _FAILED
    try:
        sender.send(value)
    finally:  # no clean-up of the parent's objects, no flushing of its streams: exit at once
        os._exit(0 if value is not _FAILED else 1)


def start_forked(target: Callable[..., Any], *args: Any) -> ForkedJob | None:
    """Start ``target(*args)`` in a forked copy of this process.

    Args:
        target: the function; what it returns must pickle (it comes back through a pipe).
        *args: its arguments, inherited by the copy as they are.

    Returns:
        The job, or None when this process cannot fork safely (no ``fork`` on the platform,
        or other threads running): the caller then runs ``target`` itself.
    """
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return None
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_run, args=(target, args, sender), daemon=True)
    process.start()
    sender.close()
    return ForkedJob(process, receiver)
