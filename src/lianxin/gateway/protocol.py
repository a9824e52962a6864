"""uvicorn's websockets (sans-I/O) protocol, lighter per connection and with direct writes.

``app.UVICORN_OPTIONS`` selects it (``ws=``) for ``lianxin serve`` and the test servers.
It adds the ``lianxin.wire`` scope extension (``gateway.wire.Direct``): the gateway
writes pre-framed bytes straight to the transport, skipping ``send``'s per-frame
framing and its ``await`` per recipient. Per idle connection it keeps less: an inbox
and a write gate instead of an ``asyncio.Queue`` and an ``asyncio.Event`` (five deques
between them), and no handshake request/response once the socket is accepted. A plain
handshake request is read and answered by ``gateway.handshake`` instead of websockets'
HTTP parser and ``Headers`` (same scope, same response bytes). The HTTP protocol that
handed the connection over is released from its parser at once (see ``connection_made``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import unquote

from uvicorn.logging import TRACE_LOG_LEVEL
from uvicorn.protocols.utils import ClientDisconnected, get_client_addr, get_path_with_query_string
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

from lianxin.gateway import handshake
from lianxin.gateway.wire import EXTENSION


class _Inbox:
    """The part of ``asyncio.Queue`` uvicorn uses, for one reader."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def empty(self) -> bool:
        return not self._items

    async def get(self) -> Any:
        while not self._items:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        return self._items.pop(0)


class _Gate:
    """The part of ``asyncio.Event`` uvicorn uses for ``writable``; waiters made on demand."""

    __slots__ = ("_open", "_waiters")

    def __init__(self) -> None:
        self._open = True
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._open

    def set(self) -> None:
        self._open = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._open = False

    async def wait(self) -> None:
        while not self._open:
            waiter = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            await waiter


class WireProtocol(WebSocketsSansIOProtocol):
    # Off: every handshake goes through websockets (the tests compare the two).
    fast_handshake = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = _Inbox()  # type: ignore[assignment]
        self.writable = _Gate()  # type: ignore[assignment]
        self.accept_key: bytes | None = None  # set by a handshake read by ``handshake``

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # uvicorn's httptools protocol is still the transport's until this upgrade
        # returns. Its parser and it refer to each other (the parser calls its bound
        # methods; a finished request's cycle calls back too): a cycle of ~20 objects per
        # connection that only the cyclic collector would free. Nothing of it runs after
        # the hand-over (the parser has raised ``HttpParserUpgrade``), so cut it here and
        # reference counting frees it once the transport switches to this protocol. Its
        # addresses were read from this socket a moment ago: taken, not asked again.
        http: Any = transport.get_protocol()
        if http is self or not hasattr(http, "parser"):
            super().connection_made(transport)
            return
        self.connections.add(self)
        self.transport = transport
        self.server, self.client = http.server, http.client
        self.scheme = "wss" if http.scheme == "https" else "ws"
        if self.logger.level <= TRACE_LOG_LEVEL:
            prefix = f"{self.client[0]}:{self.client[1]} - " if self.client else ""
            self.logger.log(TRACE_LOG_LEVEL, "%sWebSocket connection made", prefix)
        http.parser = None
        http.cycle = None
        http.pipeline.clear()

    def data_received(self, data: bytes) -> None:
        if self.handshake_initiated or not self.fast_handshake or not self.fast_connect(data):
            super().data_received(data)

    def fast_connect(self, data: bytes) -> bool:
        """``handle_connect`` for a plain handshake request; False: not one, websockets'."""
        request = handshake.parse(data, extensions=bool(self.conn.available_extensions))
        if request is None:
            return False
        # Frames follow the handshake: websockets' parser starts on them, not on HTTP.
        conn = self.conn
        conn.state = State.OPEN
        conn.parser = conn.parse()
        next(conn.parser)
        self.handshake_initiated = True
        self.accept_key = request.accept
        raw_path, _, query_string = request.target.partition("?")
        root_path = self.root_path
        self.scope = {
            "type": "websocket",
            "asgi": {"version": self.asgi_version, "spec_version": "2.4"},
            "http_version": "1.1",
            "scheme": self.scheme,
            "server": self.server,
            "client": self.client,
            "root_path": root_path,
            "path": root_path + unquote(raw_path),
            "raw_path": root_path.encode("ascii") + raw_path.encode("ascii"),
            "query_string": query_string.encode("ascii"),
            "headers": request.headers,
            "subprotocols": [],
            "state": self.app_state.copy(),
            "extensions": {"websocket.http.response": {}, EXTENSION: self},  # type: ignore[dict-item]
        }
        self.queue.put_nowait({"type": "websocket.connect"})
        task = self.loop.create_task(self.run_asgi())
        task.add_done_callback(self.on_task_complete)
        self.tasks.add(task)
        return True

    async def fast_accept(self, message: Any) -> None:
        """``send`` of ``websocket.accept`` after ``fast_connect``: the 101 response."""
        await self.writable.wait()
        if self.disconnected:
            raise ClientDisconnected()
        if self.logger.isEnabledFor(logging.INFO):
            path = get_path_with_query_string(self.scope)
            addr = get_client_addr(self.scope)
            self.logger.info('%s - "WebSocket %s" [accepted]', addr, path)
        headers = [
            (name.lower(), value)
            for name, value in (self.default_headers + list(message.get("headers", [])))
        ]
        if message.get("subprotocol"):
            headers.append((b"Sec-WebSocket-Protocol", message["subprotocol"].encode()))
        if not self.transport.is_closing():
            self.handshake_complete = True
            assert self.accept_key is not None
            self.transport.write(handshake.response(self.accept_key, headers))
            self.start_keepalive()

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # The app's task has not started yet: the scope can still gain the extension.
        # Pre-framed bytes are only right without a negotiated extension (no deflate).
        if self.response.status_code == 101 and not self.conn.extensions:
            self.scope["extensions"][EXTENSION] = self  # type: ignore[assignment]

    async def send(self, message: Any) -> None:
        accept = message["type"] == "websocket.accept"
        if accept and self.accept_key is not None and not self.handshake_complete:
            await self.fast_accept(message)
            return
        await super().send(message)
        if message["type"] == "websocket.accept":
            # The handshake is done: its parsed request and response are garbage now.
            self.request = self.response = None  # type: ignore[assignment]

    # -- lianxin.wire (gateway.wire.Direct) -------------------------------------------

    def wire_paused(self) -> bool:
        return not self.writable.is_set()

    def wire_write(self, data: bytes) -> None:
        if self.close_sent or self.conn.state is not State.OPEN or self.transport.is_closing():
            return
        self.transport.write(data)

    async def wire_drain(self) -> None:
        await self.writable.wait()
