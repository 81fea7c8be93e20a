"""The province server for the Office.js task pane (``cchc addin serve``).

Endpoints (JSON errors carry a Vietnamese ``detail``):

- ``POST /xlwings/kiem-tra`` — body: the workbook payload of xlwings' Office.js client; runs
  ``addin.core.check_book`` on ``xw.Book(json=payload)`` and returns ``book.json()``
  (``{"actions": [...]}``) for the client to apply. A workbook that is none of the catalog's
  forms is not an HTTP error: the answer is 200 with a single ``alert`` action explaining it,
  so every client shows the message the same way.
- ``POST /xlwings/xoa-danh-dau`` — same body; paints the marks back (``clear_marks``).
- ``GET /manifest.xml`` — the Office add-in manifest with this server's public address.
- ``GET /healthz`` — liveness probe.
- everything else: the task pane (``addin/static``).

Errors: 400 body is not JSON · 413 body larger than the limit · 415 not ``application/json``
· 422 JSON but not a workbook payload (or a client of another xlwings version) · 500 bug.

xlwings' remote engine keeps the "active book" in a process-wide list, so checks run one at
a time per process (a lock); run several uvicorn workers for more throughput.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from addin.payload import PayloadError, check_payload

log = logging.getLogger("cchc.addin")

DEFAULT_MAX_MB = 20.0
STATIC_DIR = Path(str(resources.files("addin") / "static"))
BASE_URL_PLACEHOLDER = "https://localhost:8000"
_LOCK = threading.Lock()


class _TooLarge(Exception):
    pass


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _run(action: Callable[[Any], Any], payload: dict[str, Any]) -> dict[str, Any]:
    """Open the payload as a remote book, run ``action`` on it, return the actions."""
    import xlwings as xw

    from workbooks.reader.model import ReturnRejected

    with _LOCK:
        book = xw.Book(json=payload)
        try:
            with contextlib.suppress(ReturnRejected):  # its alert is already among the actions
                action(book)
            return book.json()
        finally:
            book.close()


def _too_large_message(limit: int) -> str:
    return (f"Sổ Excel gửi lên quá lớn (giới hạn {limit / 1_048_576:.0f} MB). Hãy xóa các sheet, "
            "hình ảnh không cần thiết rồi bấm Kiểm tra lại.")


def create_app(max_bytes: int | None = None, public_url: str | None = None) -> FastAPI:
    """Build the FastAPI application.

    Args:
        max_bytes: largest accepted body (default: env ``CCHC_ADDIN_MAX_MB`` or 20 MB).
        public_url: the address units reach the server at (``https://cchc.sonla.gov.vn``);
            written into the manifest. Default: env ``CCHC_ADDIN_PUBLIC_URL``, else the
            address of each manifest request.

    Returns:
        The app (serve it with uvicorn).
    """
    from addin.core import check_book, clear_marks

    limit = max_bytes or int(float(os.environ.get("CCHC_ADDIN_MAX_MB", DEFAULT_MAX_MB)) * 1_048_576)
    base = (public_url or os.environ.get("CCHC_ADDIN_PUBLIC_URL", "")).rstrip("/")
    app = FastAPI(title="CCHC — Kiểm tra báo cáo", docs_url=None, redoc_url=None, openapi_url=None)

    async def handle(request: Request, action: Callable[[Any], Any]) -> Response:
        content_type = request.headers.get("content-type", "")
        if "json" not in content_type:
            return _error(415, "Nội dung gửi lên phải là JSON (Content-Type: application/json).")
        try:
            raw = await _read_body(request, limit)
        except _TooLarge:
            return _error(413, _too_large_message(limit))
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _error(400, "Nội dung gửi lên không phải JSON hợp lệ (có thể bị cắt giữa chừng). "
                          "Hãy bấm Kiểm tra lại.")
        try:
            payload = check_payload(body)
        except PayloadError as exc:
            return _error(422, f"Nội dung gửi lên không đúng dạng sổ Excel: {exc}")
        try:
            result = await run_in_threadpool(_run, action, payload)
        except Exception as exc:  # noqa: BLE001 - the client gets a readable answer, the log the trace
            if type(exc).__name__ == "XlwingsError":
                return _error(422, f"Máy khách gửi dữ liệu không tương thích: {exc}")
            log.exception("check failed")
            return _error(500, "Máy chủ gặp lỗi khi kiểm tra sổ này. Hãy gửi tệp cho Sở Nội vụ để "
                          f"được hỗ trợ. (Chi tiết kỹ thuật: {type(exc).__name__})")
        return JSONResponse(result)

    @app.post("/xlwings/kiem-tra")
    async def kiem_tra(request: Request) -> Response:
        """Check the workbook: marks, results sheet, alert."""
        return await handle(request, check_book)

    @app.post("/xlwings/xoa-danh-dau")
    async def xoa_danh_dau(request: Request) -> Response:
        """Paint the marked cells back and remove the results sheet."""
        return await handle(request, clear_marks)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness probe."""
        return {"status": "ok"}

    @app.get("/manifest.xml")
    async def manifest(request: Request) -> Response:
        """The add-in manifest, pointing at this server."""
        text = await asyncio.to_thread((STATIC_DIR / "manifest.xml").read_text, encoding="utf-8")
        here = base or str(request.base_url).rstrip("/")
        return Response(text.replace(BASE_URL_PLACEHOLDER, here), media_type="application/xml")

    app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="static")
    return app
