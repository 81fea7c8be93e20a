"""The check server's work, done in worker processes: decode, bound, check, answer.

Everything that costs time in proportion to what a client sends — decoding the JSON, measuring
its depth and size, the check itself, encoding the answer — runs here, in a process of the
server's pool, never on the event loop: one client's 20 MB body costs one worker for a while,
every other client is still answered by the others. A worker answers ``(status, body bytes)``:
the event loop only copies bytes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from addin.payload import BodyError, PayloadError, parse_body
from workbooks.messages import text

log = logging.getLogger("cchc.addin")

ALERT_TITLE = "Kiểm tra báo cáo CCHC"


@dataclass(frozen=True)
class Limits:
    """What one request may cost (see ``addin.server.ServerSettings``)."""

    max_depth: int = 32
    max_cells: int = 2_000_000
    max_rows: int = 500
    max_marks: int = 5_000
    max_answer_bytes: int = 8 * 1_048_576


def error_body(message_id: str, **params: Any) -> bytes:
    """``{"detail": "<Vietnamese message>"}`` as UTF-8 JSON."""
    return json.dumps({"detail": text(message_id, **params)}, ensure_ascii=False).encode("utf-8")


def alert_only(prompt: str) -> bytes:
    """An answer that only shows ``prompt`` (the same ``alert`` action xlwings' remote book writes)."""
    action = {"func": "alert", "args": [prompt, ALERT_TITLE, "ok", "critical", ""], "values": None,
              "sheet_position": None, "start_row": None, "start_column": None, "row_count": None,
              "column_count": None}
    return json.dumps({"actions": [action]}, ensure_ascii=False).encode("utf-8")


def _run(kind: str, payload: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """Open the payload as a remote book, check it (or clear the marks), return the actions."""
    import xlwings as xw

    from addin.core import check_book, clear_marks
    from workbooks.reader.model import ReturnRejected

    book = xw.Book(json=payload)
    try:
        try:
            if kind == "check":
                check_book(book, max_rows=limits.max_rows, max_marks=limits.max_marks)
            else:
                clear_marks(book, max_marks=limits.max_marks)
        except ReturnRejected:  # its alert is already among the actions
            pass
        return book.json()
    finally:
        book.close()


def handle(kind: str, raw: bytes, limits: Limits) -> tuple[int, bytes]:
    """Answer one request body.

    Args:
        kind: ``"check"`` (Kiểm tra) or ``"clear"`` (Xóa đánh dấu).
        raw: the request body, already bounded in size.
        limits: depth, cells, rows, marks and answer-size limits.

    Returns:
        HTTP status and the JSON body: the actions (200) or ``{"detail": …}`` in Vietnamese.
    """
    try:
        payload = parse_body(raw, limits.max_depth, limits.max_cells)
    except BodyError as exc:
        return exc.status, error_body(exc.message_id, **exc.params)
    except PayloadError as exc:
        return 422, error_body("server.not_workbook", detail=str(exc))
    try:
        result = _run(kind, payload, limits)
    except Exception as exc:  # noqa: BLE001 - the client gets a readable answer, the log the trace
        if type(exc).__name__ == "XlwingsError":
            return 422, error_body("server.incompatible_client", detail=str(exc))
        log.exception("check failed")
        return 500, error_body("server.internal", error=type(exc).__name__)
    answer = json.dumps(result, ensure_ascii=False).encode("utf-8")
    if len(answer) > limits.max_answer_bytes:
        mb = 1_048_576
        return 200, alert_only(text("server.answer_too_large", size_mb=round(len(answer) / mb, 1),
                                    limit_mb=round(limits.max_answer_bytes / mb, 1)))
    return 200, answer


def warm_up() -> bool:
    """Import what a check needs, so the first unit does not wait for it."""
    import xlwings  # noqa: F401

    import addin.core  # noqa: F401

    return True
