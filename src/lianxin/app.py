"""Assemble the ASGI app from settings: routes, the WebSocket gateway, startup/shutdown."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from lianxin import __version__, fdlimit
from lianxin.actions import media as media_actions
from lianxin.actions.broadcasts import BroadcastWorker
from lianxin.actions.read_counts import ReadCountNotifier
from lianxin.actions.send_batch import SendBatcher
from lianxin.api import addressbook, auth, chats, friends, me, messages, plain, users
from lianxin.api import bots as bots_api
from lianxin.api import media as media_api
from lianxin.api import nearby as nearby_api
from lianxin.api import official as official_api
from lianxin.api import qr as qr_api
from lianxin.api import reactions as reactions_api
from lianxin.api import reports as reports_api
from lianxin.api import stickers as stickers_api
from lianxin.bus import create_bus
from lianxin.clock import Clock
from lianxin.config import Settings
from lianxin.errors import Code, LianxinError
from lianxin.gateway.hub import Hub
from lianxin.gateway.session import Session
from lianxin.gateway.wire import Message, Receive, Send, Socket
from lianxin.media.storage import create_blob_store
from lianxin.platform import native as bot_native
from lianxin.platform.telegram import router as telegram_router
from lianxin.platform.wakeups import HubWakeups
from lianxin.platform.webhooks import WebhookSender
from lianxin.services import Services
from lianxin.sms import SmsProvider, create_sms
from lianxin.store.db import Database
from lianxin.store.migrate import upgrade

log = logging.getLogger("lianxin")

WEB_DIST = Path(__file__).parent / "web" / "dist"

# How uvicorn runs this app (``lianxin serve`` and the test servers alike). Frames are
# small JSON that one envelope encodes once for every recipient; per-message deflate
# would compress it again per connection and keep ~64 KiB of zlib state per socket.
# Heartbeats are the protocol's own ``ping`` frames, so WebSocket pings are off.
# ``ws``: uvicorn's websockets protocol with direct pre-framed writes (gateway/protocol.py).
UVICORN_OPTIONS: dict[str, Any] = {
    "ws": "lianxin.gateway.protocol:WireProtocol",
    "ws_max_size": 1024 * 1024,
    "ws_ping_interval": None,
    "ws_per_message_deflate": False,
    "lifespan": "on",
}

_HTTP_CODES = {
    401: Code.unauthorized,
    403: Code.forbidden,
    404: Code.not_found,
    405: Code.bad_request,
}


class LianxinApp(FastAPI):
    """FastAPI, except that the gateway socket ``/ws`` and the ``plain_routes`` (by
    method and path) are served before its routing.

    A connection then holds no Starlette ``WebSocket``, no middleware exit stacks and no
    route coroutines for its whole life: a few KiB per idle connection. A plain route
    (api/plain.py) skips the middleware, the router scan and the dependency solver.
    """

    plain_routes: dict[tuple[str, str], plain.PlainRoute]
    # WebSocket connections held at most (``create_app`` sets it; see ``_refuse_full``).
    ws_limit: int = 1 << 30
    ws_open: int = 0
    _full_logged_at: float = 0.0

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        root = scope.get("root_path", "")
        if kind == "http":
            path = scope["path"]
            route = self.plain_routes.get((scope["method"], path[len(root) :] if root else path))
            if route is not None:
                await plain.serve(route, self.state.services, scope, send)
                return
        elif kind == "websocket" and scope["path"] == root + "/ws":
            if self.ws_open >= self.ws_limit:
                await self._refuse_full(scope, receive, send)
                return
            state = self.state
            self.ws_open += 1
            try:
                await Session(Socket(scope, receive, send), state.services, state.hub).run()
            finally:
                self.ws_open -= 1
            return
        await super().__call__(scope, receive, send)

    async def _refuse_full(self, scope: Message, receive: Receive, send: Send) -> None:
        """A 503 ``server_full`` instead of the upgrade: the client learns it at once and can
        try another node, where a process out of file descriptors would leave it hanging."""
        now = time.monotonic()
        if now - self._full_logged_at > 10.0:
            self._full_logged_at = now
            log.warning(
                "refusing WebSocket connections: %d open, max_connections %d",
                self.ws_open,
                self.ws_limit,
            )
        await receive()  # websocket.connect
        if "websocket.http.response" not in scope.get("extensions", {}):
            await send({"type": "websocket.close", "code": 1013})  # "try again later"
            return
        error = LianxinError(
            Code.server_full,
            f"this node holds its maximum of {self.ws_limit} connections; "
            "connect to another node or try again later",
        )
        await send(
            {
                "type": "websocket.http.response.start",
                "status": error.status,
                "headers": [(b"content-type", b"application/json"), (b"retry-after", b"5")],
            }
        )
        await send({"type": "websocket.http.response.body", "body": orjson.dumps(error.to_dict())})


def create_app(
    settings: Settings, *, sms: SmsProvider | None = None, clock: Clock | None = None
) -> FastAPI:
    """The whole server as one ASGI app; ``sms`` / ``clock`` let tests observe and steer it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(
            settings.effective_database_url,
            sqlite_synchronous=settings.sqlite_synchronous,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_pool_overflow,
        )
        await upgrade(db.engine)
        bus = create_bus(settings.redis_url, prefix=settings.redis_prefix)
        blob_store = create_blob_store(settings)
        services = Services(
            settings=settings,
            db=db,
            bus=bus,
            sms=sms or create_sms(settings),
            clock=clock or Clock(),
            media=blob_store,
        )
        interval = settings.read_counts_interval_ms / 1000
        read_counts = services.read_counts = ReadCountNotifier(db, bus, interval_s=interval)
        if db.is_sqlite:
            services.sends = SendBatcher(services)
        hub = Hub(bus, admit=settings.resume_concurrency)
        await hub.start()
        app.state.services = services
        app.state.hub = hub
        app.state.bot_wakeups = HubWakeups(services, hub)  # bots' long polls
        webhook_sender = WebhookSender(services, app.state.bot_wakeups)  # bots' webhooks
        webhook_sender.start()
        broadcaster = BroadcastWorker(services)  # official-account broadcast jobs
        broadcaster.start()
        sweeper = asyncio.create_task(media_actions.run_sweeper(services))  # view-once expiry
        try:
            yield
        finally:
            sweeper.cancel()
            await broadcaster.stop()
            await webhook_sender.close()
            await app.state.bot_wakeups.close()
            await read_counts.close()
            if services.sends is not None:
                await services.sends.close()
            await hub.close_all(1001, "server shutting down")
            await bus.close()
            await db.close()
            await blob_store.close()

    app = LianxinApp(
        title="Lianxin",
        version=__version__,
        description="REST API of the Lianxin messaging server. Realtime delivery is the "
        "WebSocket at `/ws` (see docs/protocol.md).",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.ws_limit = settings.max_connections or fdlimit.server_capacity(fdlimit.raise_nofile())
    for module in (
        auth,
        me,
        users,
        friends,
        chats,
        messages,
        media_api,
        reactions_api,
        stickers_api,
        addressbook,
        qr_api,
        nearby_api,
        reports_api,
        official_api,
        bots_api,
        bot_native,
        telegram_router,
    ):
        app.include_router(module.router)
    app.plain_routes = dict(me.PLAIN_ROUTES)
    _install_error_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, Any]:
        return {"ok": True, "version": __version__, "sessions": app.state.hub.session_count}

    if (WEB_DIST / "index.html").is_file():
        # The web client (built by `make run` / `make test` from src/lianxin/web).
        app.mount("/", StaticFiles(directory=WEB_DIST, html=True), name="web")
    else:

        @app.get("/", include_in_schema=False)
        async def root() -> RedirectResponse:
            return RedirectResponse("/api/docs")

    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LianxinError)
    async def on_lianxin_error(_: Request, exc: LianxinError) -> JSONResponse:
        status, body, headers = plain.error_response(exc)
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"{where}: {first.get('msg', 'invalid')}" if where else "invalid request"
        return JSONResponse({"code": Code.bad_request.value, "message": message}, status_code=400)

    @app.exception_handler(Exception)
    async def on_crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        body = {"code": Code.internal.value, "message": "something went wrong; try again"}
        return JSONResponse(body, status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, Code.bad_request)
        return JSONResponse(
            {"code": code.value, "message": str(exc.detail)}, status_code=exc.status_code
        )
