"""The province server for the Office.js task pane (``cchc addin serve``).

Endpoints (every error is JSON ``{"detail": "<Vietnamese>"}``, texts in
``workbooks/messages/server.yaml``):

- ``POST /xlwings/kiem-tra`` — body: the workbook payload of xlwings' Office.js client; runs
  ``addin.core.check_book`` on ``xw.Book(json=payload)`` and returns ``book.json()``
  (``{"actions": [...]}``) for the client to apply. A workbook that is none of the catalog's
  forms is not an HTTP error: the answer is 200 with a single ``alert`` action explaining it.
- ``POST /xlwings/xoa-danh-dau`` — same body; paints the marks back (``clear_marks``).
- ``GET /manifest.xml`` — the Office add-in manifest with the configured public address (never
  the request's Host header).
- ``GET /healthz`` — liveness probe.
- everything else: the task pane (``addin/static``).

Errors: 400 not JSON / nested too deep · 401 access code missing or wrong (when the Sở set one)
· 404 · 405 · 413 body or cell count over the limit · 415 not ``application/json`` · 422 JSON but
not a workbook payload · 500 bug · 504 check took too long.

Hardening (issue 11 item 7): the content type must be exactly ``application/json`` (a browser
cannot send that cross-site without a CORS preflight, which is refused unless origins are
configured); decoding, limits and the check run in worker processes (``addin.check_worker``),
so a huge body never stalls the event loop or another client; answers are bounded (findings
listed, marks restored, bytes); an optional per-province access code is checked, in constant
time, on every request except the public files Office loads itself.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import multiprocessing
import os
import re
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from addin.check_worker import Limits, error_body, handle, warm_up
from workbooks.messages import text

log = logging.getLogger("cchc.addin")

DEFAULT_MAX_MB = 20.0
DEFAULT_JOBS = 2
DEFAULT_TIMEOUT = 120.0
MIN_TOKEN_LENGTH = 16
STATIC_DIR = Path(str(resources.files("addin") / "static"))
BASE_URL_PLACEHOLDER = "https://localhost:8000"
# What Office loads by itself (no header can be added): open even when an access code is set.
PUBLIC_FILES = re.compile(r"^/(taskpane\.html|taskpane\.js|manifest\.xml|healthz|icon-\d+\.png)$")
_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
_TOKEN = re.compile(r"^[A-Za-z0-9._~+/=-]+$")  # RFC 6750 token68: safe in any client's header
_MB = 1_048_576


class ServerConfigError(Exception):
    """The server cannot start with these settings; ``str(exc)`` is Vietnamese."""


class _TooLarge(Exception):
    pass


@dataclass(frozen=True)
class ServerSettings:
    """Everything the Sở configures (command-line options or ``CCHC_ADDIN_*`` variables).

    Attributes:
        max_bytes: largest accepted body.
        public_url: the address units reach the server at, written into the manifest ("" when
            the server only listens on this machine).
        token: the province's access code ("" = no authentication).
        cors_origins: origins allowed to call the server from another site (none by default).
        jobs: worker processes that check workbooks at the same time.
        timeout: seconds before a check is answered 504.
        port: the port, for the manifest of a server on this machine.
        limits: per-request limits applied in the workers.
    """

    max_bytes: int = int(DEFAULT_MAX_MB * _MB)
    public_url: str = ""
    token: str = ""
    cors_origins: tuple[str, ...] = ()
    jobs: int = DEFAULT_JOBS
    timeout: float = DEFAULT_TIMEOUT
    port: int = 8000
    limits: Limits = field(default_factory=Limits)


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def checked_url(url: str, message_id: str, key: str) -> str:
    """``url`` without a trailing slash, or ServerConfigError when it is not ``http(s)://host[:port]``."""
    url = url.strip().rstrip("/")
    if not _URL.match(url):
        raise ServerConfigError(text(message_id, **{key: url}))
    return url


def settings_for(host: str = "127.0.0.1", port: int = 8000, max_bytes: int | None = None,
                 public_url: str | None = None, token: str | None = None,
                 cors_origins: Iterable[str] = (), jobs: int | None = None, timeout: float | None = None,
                 limits: Limits | None = None) -> ServerSettings:
    """Settings from the arguments, else the ``CCHC_ADDIN_*`` environment, checked.

    Raises:
        ServerConfigError: no public URL while listening beyond this machine, a malformed URL or
            origin, an access code shorter than ``MIN_TOKEN_LENGTH``.
    """
    env = os.environ
    url = public_url if public_url is not None else env.get("CCHC_ADDIN_PUBLIC_URL", "")
    if url:
        url = checked_url(url, "server.public_url_invalid", "url")
    elif not is_loopback(host):
        raise ServerConfigError(text("server.public_url_required", host=host))
    code = (token if token is not None else env.get("CCHC_ADDIN_TOKEN", "")).strip()
    if code and not _TOKEN.match(code):
        raise ServerConfigError(text("server.token_invalid"))
    if code and len(code) < MIN_TOKEN_LENGTH:
        raise ServerConfigError(text("server.token_too_short", length=len(code), minimum=MIN_TOKEN_LENGTH))
    origins = tuple(checked_url(o, "server.cors_origin_invalid", "origin") for o in cors_origins)
    size = max_bytes or int(float(env.get("CCHC_ADDIN_MAX_MB", DEFAULT_MAX_MB)) * _MB)
    return ServerSettings(size, url, code, origins, max(1, jobs or int(env.get("CCHC_ADDIN_JOBS", DEFAULT_JOBS))),
                          timeout or DEFAULT_TIMEOUT, port, limits or Limits())


def _json(status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _error(status: int, message_id: str, headers: dict[str, str] | None = None, **params: Any) -> Response:
    return _json(status, error_body(message_id, **params), headers)


def is_json_type(content_type: str) -> bool:
    """True for ``application/json``, optionally with ``charset=utf-8`` — nothing else."""
    media, *params = [p.strip().lower() for p in content_type.split(";")]
    return media == "application/json" and all(p.replace(" ", "") in {"charset=utf-8", ""} for p in params)


def presented_token(authorization: str) -> str:
    """The access code of an ``Authorization`` header: ``Bearer <code>`` or the bare code (xlwings' ``auth``)."""
    scheme, _, rest = authorization.strip().partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else authorization.strip()


class ClosedCORS(CORSMiddleware):
    """Starlette's CORS for the configured origins; a refused preflight gets a Vietnamese JSON body."""

    def preflight_response(self, request_headers: Any) -> Response:  # noqa: D102 - see class
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        return _error(400, "server.cors_refused", origin=request_headers.get("origin", "")[:80])


class AccessCode:
    """ASGI middleware: every request but Office's public files must carry the access code."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        response = _error(401, "server.unauthorized", {"WWW-Authenticate": "Bearer"})
        await response(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        if scope["method"] in {"GET", "HEAD"} and PUBLIC_FILES.match(scope["path"]):
            return True
        headers = dict(scope["headers"])
        given = presented_token(headers.get(b"authorization", b"").decode("latin-1")).encode("latin-1")
        return hmac.compare_digest(given, self.token)


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


class _Workers:
    """The process pool the checks run in (spawned, so no thread of this process is copied)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.pool: ProcessPoolExecutor | None = None

    def get(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"))
        return self.pool

    async def start(self) -> None:
        pool = self.get()
        await asyncio.gather(*(asyncio.wrap_future(pool.submit(warm_up)) for _ in range(self.jobs)))

    def restart(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = None

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = None


def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    path = request.url.path
    if exc.status_code == 404:
        return _error(404, "server.not_found", path=path)
    if exc.status_code == 405:
        return _error(405, "server.method_not_allowed", path=path, method=request.method)
    return _error(exc.status_code, "server.http_error", path=path, status=exc.status_code)


def _bug(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s", request.url.path, exc_info=exc)
    return _error(500, "server.internal", error=type(exc).__name__)


def create_app(max_bytes: int | None = None, public_url: str | None = None, *,
               settings: ServerSettings | None = None) -> FastAPI:
    """Build the FastAPI application.

    Args:
        max_bytes: largest accepted body (default: env ``CCHC_ADDIN_MAX_MB`` or 20 MB).
        public_url: the address units reach the server at (``https://cchc.sonla.gov.vn``).
        settings: all settings at once (``settings_for``); the two arguments above are ignored.

    Returns:
        The app (serve it with uvicorn; its lifespan starts and stops the worker processes).

    Raises:
        ServerConfigError: see ``settings_for``.
    """
    conf = settings or settings_for(max_bytes=max_bytes, public_url=public_url)
    workers = _Workers(conf.jobs)

    @asynccontextmanager
    async def lifespan(_: FastAPI):  # noqa: ANN202 - FastAPI's lifespan protocol
        await workers.start()
        try:
            yield
        finally:
            workers.stop()

    app = FastAPI(title="CCHC — Kiểm tra báo cáo", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _bug)

    async def answer(request: Request, kind: str) -> Response:
        content_type = request.headers.get("content-type", "")
        if not is_json_type(content_type):
            return _error(415, "server.content_type", content_type=content_type[:60] or "không có")
        try:
            raw = await _read_body(request, conf.max_bytes)
        except _TooLarge:
            return _error(413, "server.too_large", limit_mb=round(conf.max_bytes / _MB, 1))
        try:
            future = workers.get().submit(handle, kind, raw, conf.limits)
            status, body = await asyncio.wait_for(asyncio.wrap_future(future), conf.timeout)
        except TimeoutError:
            return _error(504, "server.timeout", seconds=conf.timeout)
        except BrokenProcessPool:  # a worker died (killed, out of memory): start fresh ones
            log.exception("check worker died")
            workers.restart()
            return _error(500, "server.internal", error="BrokenProcessPool")
        return _json(status, body)

    @app.post("/xlwings/kiem-tra")
    async def kiem_tra(request: Request) -> Response:
        """Check the workbook: marks, results sheet, alert."""
        return await answer(request, "check")

    @app.post("/xlwings/xoa-danh-dau")
    async def xoa_danh_dau(request: Request) -> Response:
        """Paint the marked cells back and remove the results sheet."""
        return await answer(request, "clear")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness probe."""
        return {"status": "ok"}

    base = conf.public_url or f"https://localhost:{conf.port}"
    manifest_text = (STATIC_DIR / "manifest.xml").read_text(encoding="utf-8").replace(BASE_URL_PLACEHOLDER, base)

    @app.get("/manifest.xml")
    async def manifest() -> Response:
        """The add-in manifest, pointing at the configured address (never the Host header)."""
        return Response(manifest_text, media_type="application/xml")

    app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="static")
    if conf.token:
        app.add_middleware(AccessCode, token=conf.token)
    if conf.cors_origins:  # outermost: answers preflights before the access code is asked for
        app.add_middleware(ClosedCORS, allow_origins=list(conf.cors_origins), allow_methods=["POST"],
                           allow_headers=["Content-Type", "Authorization"], allow_credentials=False)
    return app


__all__ = ["AccessCode", "ServerConfigError", "ServerSettings", "create_app", "is_json_type", "is_loopback",
           "presented_token", "settings_for"]
