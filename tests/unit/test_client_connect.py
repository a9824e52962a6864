"""The realtime client's open: its handshake offers no compression (the server negotiates
none, and the client's lean frame path is for plain frames); it returns at ``synced``,
fails as soon as the socket closes before it, and gives up after its timeout."""

from __future__ import annotations

import asyncio
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


async def _open_against(script: Any, timeout: float) -> tuple[Connection, float, Exception | None]:
    """Open a connection to a server running ``script(ws)`` after the hello; returns it,
    how long ``open`` took and what it raised."""

    async def handler(ws: ServerConnection) -> None:
        await ws.recv()
        await script(ws)

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        conn = Connection(f"ws://127.0.0.1:{port}", "tok", SyncState(), proxy=None)
        loop = asyncio.get_running_loop()
        started = loop.time()
        error: Exception | None = None
        try:
            await conn.open(timeout=timeout)
        except Exception as exc:
            error = exc
        took = loop.time() - started
        await conn.close()
    return conn, took, error


async def test_open_returns_at_synced() -> None:
    async def script(ws: ServerConnection) -> None:
        await ws.send('{"t":"sync","since":7,"chats":[]}')
        await ws.send('{"t":"synced"}')
        await ws.wait_closed()

    conn, took, error = await _open_against(script, timeout=5.0)
    assert error is None and conn.state.since == 7 and took < 2.0


async def test_open_fails_as_soon_as_the_socket_closes_before_synced() -> None:
    async def script(ws: ServerConnection) -> None:
        await ws.close(4001, "unauthorized")

    _, took, error = await _open_against(script, timeout=5.0)
    assert isinstance(error, ConnectionError) and "4001" in str(error) and took < 2.0


async def test_open_gives_up_after_its_timeout() -> None:
    async def script(ws: ServerConnection) -> None:
        await ws.wait_closed()

    _, took, error = await _open_against(script, timeout=0.3)
    assert isinstance(error, ConnectionError) and "before resume" in str(error)
    assert 0.25 < took < 2.0
