"""What the realtime client's opening handshake asks for: no compression offer (the
server negotiates none, and the client's lean frame path is for plain frames)."""

from __future__ import annotations

from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request

from lianxin.client.connection import Connection, SyncState


async def test_the_handshake_offers_no_extension() -> None:
    requests: list[Request] = []
    hellos: list[Any] = []

    def record(_: ServerConnection, request: Request) -> None:
        requests.append(request)

    async def handler(ws: ServerConnection) -> None:
        hellos.append(await ws.recv())

    async with serve(handler, "127.0.0.1", 0, process_request=record) as server:
        port = server.sockets[0].getsockname()[1]
        conn = Connection(f"ws://127.0.0.1:{port}", "tok", SyncState(), proxy=None)
        await conn.open(wait_synced=False)
        await conn.close()
    (request,) = requests
    assert "Sec-WebSocket-Extensions" not in request.headers
    assert hellos == ['{"t":"hello","token":"tok"}']
