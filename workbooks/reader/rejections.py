"""A file the reader refuses: a stable reason id and its Vietnamese text from the catalogue.

Every reason ``R`` has the entry ``file.R`` in ``workbooks/messages/files.yaml`` (what is wrong,
naming the file, and what to do). One fact, one id: the consolidation and ``cchc check`` show
the same text for the same file.
"""

from __future__ import annotations

import stat
from typing import Any

from workbooks.messages import say
from workbooks.reader.model import ReturnRejected

REASONS: tuple[str, ...] = (
    "empty", "not_excel", "other_extension", "encrypted", "damaged", "damaged_sheet",
    "too_large", "inflated_too_large", "part_too_large", "compression_ratio", "too_many_parts", "far_cells",
    "unsafe_xml", "timeout", "memory", "crashed", "unreadable", "not_regular_file", "unexpected",
)


def reject(source: str, reason: str, **params: Any) -> ReturnRejected:
    """The rejection of file ``source`` for ``reason`` (one of ``REASONS``), its text filled with ``params``."""
    message = say(f"file.{reason}", file=source, **params)
    return ReturnRejected(source, reason, str(message))


_KINDS = ((stat.S_ISFIFO, "đường ống có tên (FIFO)"), (stat.S_ISSOCK, "socket"),
          (stat.S_ISCHR, "thiết bị"), (stat.S_ISBLK, "thiết bị"), (stat.S_ISDIR, "thư mục"))


def not_regular_kind(mode: int) -> str:
    """What a path is when it is not a regular file, in Vietnamese ("" for a regular file)."""
    if stat.S_ISREG(mode):
        return ""
    return next((kind for test, kind in _KINDS if test(mode)), "không rõ loại")
