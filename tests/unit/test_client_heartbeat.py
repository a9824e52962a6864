"""The client's heartbeat: protocol pings only, and a silent server is dropped."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

import orjson
import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from lianxin.client import Connection, SyncState


async def fake_node(answer_pings: bool) -> tuple[Any, list[dict[str, Any]]]:
    """A node that welcomes with a 0.1 s heartbeat and a 0.35 s silence limit."""
    got: list[dict[str, Any]] = []

    async def handler(ws: ServerConnection) -> None:
        async for raw in ws:
            frame = orjson.loads(raw)
            got.append(frame)
            if frame["t"] == "hello":
                welcome = {"t": "welcome", "heartbeat_s": 0.1, "idle_timeout_s": 0.35}
                await ws.send(orjson.dumps(welcome).decode())
            elif frame["t"] == "ping" and answer_pings:
                await ws.send(orjson.dumps({"t": "pong"}).decode())

    server = await serve(handler, "127.0.0.1", 0)
    return server, got


async def open_to(server: Any) -> Connection:
    port = server.sockets[0].getsockname()[1]
    conn = Connection(f"ws://127.0.0.1:{port}/ws", "token", SyncState())
    await conn.open(wait_synced=False, timeout=5)
    return conn


async def test_a_silent_server_is_dropped_after_its_idle_timeout() -> None:
    server, got = await fake_node(answer_pings=False)
    try:
        conn = await open_to(server)
        assert (await conn.events.get())["t"] == "welcome"
        closed = await asyncio.wait_for(conn.events.get(), 3)
        assert closed["t"] == "closed"
        assert sum(f["t"] == "ping" for f in got) >= 2  # it kept pinging until the limit
        await conn.close()
    finally:
        server.close()


async def test_an_answering_server_keeps_the_connection_without_websocket_pings() -> None:
    server, got = await fake_node(answer_pings=True)
    try:
        conn = await open_to(server)
        assert conn._ws is not None and conn._ws.ping_interval is None
        await asyncio.sleep(1.0)  # ~10 heartbeats, well past the 0.35 s silence limit
        assert not conn.closed
        assert [conn.events.get_nowait()["t"] for _ in range(conn.events.qsize())] == ["welcome"]
        assert sum(f["t"] == "ping" for f in got) >= 5
        await conn.close()
    finally:
        server.close()


class DroppingSocket:
    """A socket that drops while a frame is being sent, as the read loop notices it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def send_text(self, data: bytes) -> None:
        for fut in self.conn._pending.values():  # what _read_loop does when the socket ends
            fut.set_exception(ConnectionError("connection closed (1006)"))
        raise ConnectionClosed(None, None)


async def test_a_drop_while_sending_leaves_no_unretrieved_errors() -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        conn = Connection("ws://127.0.0.1:9/ws", "token", SyncState())
        conn._ws = DroppingSocket(conn)  # type: ignore[assignment]
        conn._heard = time.monotonic()  # the server spoke just now: the beat pings
        with pytest.raises(ConnectionError):
            await conn.request({"t": "ping"})
        # The heartbeat meets the same drop and ends without an error of its own.
        await asyncio.wait_for(conn._beat(0.01, 60.0), 1)
        gc.collect()  # an unretrieved error is reported when its future is collected
        await asyncio.sleep(0)
        assert reported == []
    finally:
        loop.set_exception_handler(None)
