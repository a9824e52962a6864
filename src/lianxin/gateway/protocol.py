"""uvicorn's websockets (sans-I/O) protocol, lighter per connection and with direct writes.

``app.UVICORN_OPTIONS`` selects it (``ws=``) for ``lianxin serve`` and the test servers.
It adds the ``lianxin.wire`` scope extension (``gateway.wire.Direct``): the gateway
writes pre-framed bytes straight to the transport, skipping ``send``'s per-frame
framing and its ``await`` per recipient. Per idle connection it keeps less: an inbox
and a write gate instead of an ``asyncio.Queue`` and an ``asyncio.Event`` (five deques
between them), and no handshake request/response once the socket is accepted.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

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
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = _Inbox()  # type: ignore[assignment]
        self.writable = _Gate()  # type: ignore[assignment]

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # The app's task has not started yet: the scope can still gain the extension.
        # Pre-framed bytes are only right without a negotiated extension (no deflate).
        if self.response.status_code == 101 and not self.conn.extensions:
            self.scope["extensions"][EXTENSION] = self  # type: ignore[assignment]

    async def send(self, message: Any) -> None:
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
