"""An upgraded connection's HTTP protocol is freed by reference counting: ``WireProtocol``
cuts the cycle between uvicorn's ``HttpToolsProtocol`` and its parser at the hand-over, so
a connect leaves nothing for the cyclic collector."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from lianxin.gateway.protocol import WireProtocol

UPGRADE = (
    b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


class _Transport(asyncio.Transport):
    """Enough of a socket transport for uvicorn's protocols; keeps what they write."""

    def __init__(self) -> None:
        super().__init__()
        self.protocol: Any = None
        self.written: list[bytes] = []

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def set_protocol(self, protocol: Any) -> None:
        self.protocol = protocol

    def get_protocol(self) -> Any:
        return self.protocol

    def write(self, data: Any) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass


async def _app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})


def _upgrade(protocol_class: type) -> tuple[_Transport, weakref.ref[HttpToolsProtocol]]:
    config = Config(app=_app, http="httptools", ws=protocol_class, lifespan="off")
    config.load()
    http = HttpToolsProtocol(config=config, server_state=ServerState(), app_state={})
    transport = _Transport()
    transport.set_protocol(http)
    http.connection_made(transport)
    http.data_received(UPGRADE)
    return transport, weakref.ref(http)


async def test_the_http_protocol_is_freed_without_the_collector() -> None:
    gc.collect()
    gc.disable()
    try:
        transport, http = _upgrade(WireProtocol)
        assert isinstance(transport.protocol, WireProtocol)
        assert http() is None  # freed by reference counting alone
        await asyncio.sleep(0)  # the app accepts: the upgrade still works
        assert transport.written[0].startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
        scope = transport.protocol.scope  # the addresses taken over from the HTTP protocol
        assert (scope["server"], scope["client"], scope["scheme"]) == (
            ("127.0.0.1", 8000),
            ("127.0.0.1", 50000),
            "ws",
        )
        for task in list(transport.protocol.tasks):
            await task
    finally:
        gc.enable()


async def test_without_the_cut_the_http_protocol_waits_for_the_collector() -> None:
    """The control: uvicorn's own WebSocket protocol leaves the cycle in place."""

    class Uncut(WireProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super(WireProtocol, self).connection_made(transport)

    gc.collect()
    gc.disable()
    try:
        transport, http = _upgrade(Uncut)
        assert http() is not None
        await asyncio.sleep(0)
        for task in list(transport.protocol.tasks):
            await task
    finally:
        gc.enable()
    gc.collect()
    assert http() is None
