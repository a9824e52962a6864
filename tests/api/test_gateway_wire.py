"""The gateway's wire: direct pre-framed writes, their queue when the socket is full, and the
plain ASGI fallback when the server does not offer the ``lianxin.wire`` extension."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import connect

from lianxin.app import UVICORN_OPTIONS
from tests.api.test_gateway import closed_with, hello, recv, until, ws_url
from tests.harness import ServerThread, befriend, uid


def session_of(srv: ServerThread, user: int) -> Any:
    (session,) = srv.app.state.hub.sessions[user]
    return session


async def test_sessions_write_pre_framed_bytes(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    assert bob.token is not None
    ws = await hello(server, bob.token)
    closing.append(ws)
    session = session_of(server, uid(bob))
    assert session.sock.direct is not None  # our uvicorn protocol offers the extension
    assert session.sock.scope["headers"] == []  # dropped once the hello was checked
    a = await alice.connect()
    closing.append(a)
    for i in range(5):
        await a.send_text(chat, f"m{i}")
    texts = [(await until(ws, "ev"))["text"] for _ in range(5)]
    assert texts == [f"m{i}" for i in range(5)]
    assert session._writer is None and session.out is None  # nothing had to wait


async def test_a_paused_reader_gets_every_frame_in_order(
    make_server: Any, closing: list[Any]
) -> None:
    """Frames queue behind a full socket and drain in order once the reader reads again."""
    srv = make_server(session_queue_frames=5000)
    alice, bob = await srv.signup("Alice"), await srv.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    assert bob.token is not None
    sock = socket.create_connection(("127.0.0.1", srv.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # No client pings: their pongs wait behind the backlog, and the client would give up.
    reader = await connect(ws_url(srv), sock=sock, max_queue=None, ping_interval=None)
    closing.append(reader)
    await reader.send(orjson.dumps({"t": "hello", "token": bob.token}).decode())
    await until(reader, "synced")
    session = session_of(srv, uid(bob))
    # Small fixed buffers (no autotuning to MiBs on loopback): the socket fills quickly.
    server_side = session.sock.direct.transport.get_extra_info("socket")
    server_side.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    reader.transport.pause_reading()
    a = await alice.connect()
    closing.append(a)
    text = "字" * 4000  # ~12 KB a frame: the kernel's buffers fill, then the transport's
    sent = queued_at = 0
    while sent < 400 and (not queued_at or sent < queued_at + 20):
        await a.send_text(chat, f"{sent} {text}", client_id=f"big-{sent}")
        sent += 1
        if not queued_at and session.pending():
            queued_at = sent
    assert queued_at, "the socket never filled: the queue was not exercised"
    reader.transport.resume_reading()
    got = []
    while len(got) < sent:
        frame = await recv(reader, 10)
        if frame["t"] == "ev":
            got.append(int(frame["text"].split()[0]))
    assert got == list(range(sent))
    assert session.closing is None


async def test_a_frame_over_the_protocol_limit_closes_the_socket(server: ServerThread) -> None:
    """Above ``ws_max_size`` the protocol refuses the frame (1009) before the app sees it."""
    user = await server.signup("Big")
    try:
        assert user.token is not None
        ws = await hello(server, user.token)
        await ws.send("x" * (UVICORN_OPTIONS["ws_max_size"] + 1))
        assert await closed_with(ws) == 1009
        assert not server.app.state.hub.sessions.get(uid(user))
    finally:
        await user.close()


@pytest.fixture
def plain_asgi_server(make_server: Any, monkeypatch: pytest.MonkeyPatch) -> ServerThread:
    """uvicorn's own websockets protocol: no ``lianxin.wire`` extension in the scope."""
    monkeypatch.setitem(UVICORN_OPTIONS, "ws", "websockets-sansio")
    srv: ServerThread = make_server(session_queue_frames=8)
    return srv


async def test_without_the_extension_frames_go_through_asgi_send(
    plain_asgi_server: ServerThread, closing: list[Any]
) -> None:
    srv = plain_asgi_server
    alice, bob = await srv.signup("Alice"), await srv.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    assert bob.token is not None
    ws = await hello(srv, bob.token)
    closing.append(ws)
    assert session_of(srv, uid(bob)).sock.direct is None
    a = await alice.connect()
    closing.append(a)
    for i in range(20):
        await a.send_text(chat, f"m{i}")
    texts = [(await until(ws, "ev"))["text"] for _ in range(20)]
    assert texts == [f"m{i}" for i in range(20)]
    await ws.send('{"t":"ping","r":1}')
    assert await until(ws, "pong") == {"t": "pong", "r": 1}
    await bob.sign_out()
    assert await closed_with(ws) == 4002


async def test_without_the_extension_an_idle_socket_still_times_out(
    make_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(UVICORN_OPTIONS, "ws", "websockets-sansio")
    srv = make_server(idle_timeout_s=0.5)
    alice = await srv.signup("Alice")
    try:
        assert alice.token is not None
        ws = await hello(srv, alice.token)
        started = asyncio.get_running_loop().time()
        assert await closed_with(ws) == 4000
        assert asyncio.get_running_loop().time() - started < 5
    finally:
        await alice.close()
