"""The WebSocket gateway refuses bad input cleanly, sheds slow readers, and times out idlers."""

from __future__ import annotations

import asyncio
import random
import socket
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from lianxin.client import ApiError
from lianxin.client.connection import FrameError
from tests.harness import ServerThread, befriend, uid


def ws_url(srv: ServerThread) -> str:
    return srv.url.replace("http", "ws") + "/ws"


async def recv(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    return dict(orjson.loads(await asyncio.wait_for(ws.recv(), timeout)))


async def until(ws: ClientConnection, kind: str) -> dict[str, Any]:
    while True:
        frame = await recv(ws)
        if frame["t"] == kind:
            return frame


async def hello(srv: ServerThread, token: str) -> ClientConnection:
    ws = await connect(ws_url(srv))
    await ws.send(orjson.dumps({"t": "hello", "token": token}).decode())
    await until(ws, "synced")
    return ws


async def closed_with(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), 5)
    return ws.close_code


async def test_first_frame_must_be_hello(server: ServerThread) -> None:
    async with connect(ws_url(server)) as ws:
        await ws.send('{"t":"ping"}')
        err = await recv(ws)
        assert err["t"] == "error" and err["code"] == "bad_frame"
        assert await closed_with(ws) == 4001


async def test_bad_token_is_refused(server: ServerThread) -> None:
    async with connect(ws_url(server)) as ws:
        await ws.send('{"t":"hello","token":"lx_not-a-real-token","r":1}')
        err = await recv(ws)
        assert (err["t"], err["code"], err["r"]) == ("error", "unauthorized", 1)
        assert await closed_with(ws) == 4001


async def test_token_in_authorization_header(server: ServerThread, closing: list[Any]) -> None:
    alice = await server.signup("Alice")
    closing.append(alice)
    headers = {"Authorization": f"Bearer {alice.token}"}
    async with connect(ws_url(server), additional_headers=headers) as ws:
        await ws.send('{"t":"hello"}')
        welcome = await recv(ws)
        assert welcome["t"] == "welcome" and welcome["user"] == uid(alice)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_frame"),
        ("[1,2,3]", "bad_frame"),
        ('{"t":"teleport"}', "bad_frame"),
        ('{"t":"send","chat":1}', "bad_frame"),
        ('{"t":"send","id":"x","chat":-4,"text":"hi"}', "bad_frame"),
        ('{"t":"send","id":"x","chat":1,"text":"hi","evil":true}', "bad_frame"),
        ('{"t":"read","chat":"abc","seq":1}', "bad_frame"),
        ('{"t":"history","chat":1,"limit":100000}', "bad_frame"),
        ('{"t":"send","id":"x","chat":999999999,"text":"hi"}', "not_member"),
        ('{"t":"hello","token":"again"}', "bad_frame"),
    ],
)
async def test_malformed_frames_get_errors_and_connection_survives(
    server: ServerThread, closing: list[Any], raw: str, code: str
) -> None:
    alice = await server.signup("Alice")
    closing.append(alice)
    assert alice.token is not None
    ws = await hello(server, alice.token)
    closing.append(ws)
    await ws.send(raw)
    err = await until(ws, "error")
    assert err["code"] == code and err["message"]
    await ws.send('{"t":"ping","r":"still-there"}')
    assert await until(ws, "pong") == {"t": "pong", "r": "still-there"}


async def test_oversize_frame_is_refused_without_side_effects(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    assert alice.token is not None
    ws = await hello(server, alice.token)
    closing.append(ws)
    big = {"t": "send", "id": "big", "chat": chat, "text": "x" * 70_000, "r": 9}
    await ws.send(orjson.dumps(big).decode())
    err = await until(ws, "error")
    assert err["code"] == "frame_too_large"
    await ws.send('{"t":"ping"}')
    await until(ws, "pong")
    page = await alice.history(chat)
    assert all(e["kind"] == "system" for e in page["events"])


async def test_overlong_text_refused(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    a = await alice.connect()
    closing.append(a)
    with pytest.raises(FrameError) as err:
        await a.send_text(chat, "字" * 4097)
    assert err.value.code == "text_too_long"
    ok = await a.send_text(chat, "字" * 4096)
    assert ok["t"] == "ack"


async def test_idle_connection_is_closed(make_server: Any, closing: list[Any]) -> None:
    srv = make_server(idle_timeout_s=0.5)
    alice = await srv.signup("Alice")
    closing.append(alice)
    assert alice.token is not None
    ws = await hello(srv, alice.token)
    assert await closed_with(ws) == 4000


async def test_a_full_node_refuses_new_sockets_with_503(
    make_server: Any, closing: list[Any]
) -> None:
    """Past max_connections (by default what the open-files limit allows) the upgrade is
    refused at once with server_full, instead of the client hanging on a dead accept."""
    srv = make_server(max_connections=2)
    alice = await srv.signup("Alice")
    closing.append(alice)
    assert alice.token is not None
    first = await hello(srv, alice.token)
    second = await connect(ws_url(srv))  # not even signed in yet: it holds a socket
    with pytest.raises(InvalidStatus) as refused:
        await connect(ws_url(srv))
    response = refused.value.response
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert orjson.loads(response.body)["code"] == "server_full"
    assert (await alice.me())["id"] == uid(alice)  # REST is not counted
    await second.close()
    for _ in range(50):  # the slot frees once the server has seen the close
        try:
            third = await hello(srv, alice.token)
            break
        except InvalidStatus:
            await asyncio.sleep(0.05)
    else:
        raise AssertionError("a freed slot was not reused")
    await third.close()
    await first.close()


async def test_pings_keep_connection_alive(make_server: Any, closing: list[Any]) -> None:
    srv = make_server(idle_timeout_s=0.5)
    alice = await srv.signup("Alice")
    closing.append(alice)
    a = await alice.connect()
    closing.append(a)
    for _ in range(4):
        await asyncio.sleep(0.3)
        assert (await a.ping())["t"] == "pong"
    assert not a.closed


@pytest.mark.slow
async def test_slow_reader_is_disconnected_with_resume_code(
    make_server: Any, closing: list[Any]
) -> None:
    """A client that stops reading is closed with 4008 instead of growing server memory."""
    srv = make_server(session_queue_frames=8)
    alice, bob = await srv.signup("Alice"), await srv.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    assert bob.token is not None
    # A tiny receive window from the start, and no reading: the server's writes back up.
    sock = socket.create_connection(("127.0.0.1", srv.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    reader = await connect(ws_url(srv), sock=sock)
    await reader.send(orjson.dumps({"t": "hello", "token": bob.token}).decode())
    await until(reader, "synced")
    reader.transport.pause_reading()
    a = await alice.connect()
    closing.append(a)
    rng = random.Random(7)
    # Random CJK text: ~12 KB a frame, still ~8 KB through permessage-deflate.
    texts = ["".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(4000)) for _ in range(40)]
    for i in range(1500):
        await a.send_text(chat, texts[i % len(texts)], client_id=f"flood-{i}")
        if not srv.app.state.hub.sessions.get(uid(bob)):
            break
    assert not srv.app.state.hub.sessions.get(uid(bob)), "slow session was never shed"
    reader.transport.resume_reading()
    # 4008 tells the client to resume; a socket too full for the close frame just drops (1006).
    assert await closed_with(reader) in (4008, 1006)
    assert i < 1499, "the server kept buffering for a reader that never reads"


async def test_typing_reaches_peer_not_sender(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    a, b = await alice.connect(), await bob.connect()
    closing += [a, b]
    await a.typing(chat)
    frame = await b.wait_for(lambda f: f.get("t") == "typing")
    assert frame == {"t": "typing", "chat": chat, "user": uid(alice)}
    await a.ping()
    assert not [f for f in a.drain() if f.get("t") == "typing"]


async def test_presence_of_friends_online_and_offline(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    await befriend(alice, bob)
    a = await alice.connect()
    closing.append(a)
    b = await bob.connect()
    online = await a.wait_for(lambda f: f.get("t") == "presence" and f["user"] == uid(bob))
    assert online["online"] is True
    assert (await a.presence([uid(bob)]))[0]["online"] is True
    await b.close()
    offline = await a.wait_for(lambda f: f.get("t") == "presence" and f["user"] == uid(bob))
    assert offline["online"] is False and offline["last_seen"] > 0


async def test_presence_hidden_by_privacy(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    await befriend(alice, bob)
    await bob.update_privacy(last_seen="nobody")
    a = await alice.connect()
    closing.append(a)
    b = await bob.connect()
    closing.append(b)
    assert (await a.presence([uid(bob)]))[0] == {
        "user": uid(bob),
        "online": None,
        "last_seen": None,
    }
    assert not [f for f in a.drain() if f.get("t") == "presence" and f["user"] == uid(bob)]


async def test_frames_are_not_compressed_per_connection(server: ServerThread) -> None:
    """The server declines permessage-deflate even when the client offers it."""
    async with connect(ws_url(server), compression="deflate") as ws:
        assert ws.response is not None
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
        assert ws.protocol.extensions == []


async def test_signed_out_token_cannot_connect_again(server: ServerThread) -> None:
    """Revocation is immediate: the token's very next connection (and request) is refused."""
    user = await server.signup("Gone")
    other = await server.signin(uid_phone(user))
    try:
        assert user.token is not None
        ws = await hello(server, user.token)  # a first connection works
        await ws.close()
        again = await hello(server, user.token)  # and a reconnect within the touch minute
        assert (await user.me())["id"] == uid(user)  # GET /me reads token and profile at once
        await user.sign_out()
        assert await closed_with(again) == 4002
        with pytest.raises(ApiError) as refused:  # read scopes reuse connections: no stale view
            await user.me()
        assert (refused.value.status, refused.value.code) == (401, "unauthorized")
        async with connect(ws_url(server)) as ws2:
            await ws2.send(orjson.dumps({"t": "hello", "token": user.token, "r": 7}).decode())
            err = await recv(ws2)
            assert (err["t"], err["code"], err["r"]) == ("error", "unauthorized", 7)
            assert await closed_with(ws2) == 4001
        assert (await other.me())["id"] == uid(user)  # the account's other device is untouched
    finally:
        await user.close()
        await other.close()


def uid_phone(client: Any) -> str:
    assert client.account is not None
    return str(client.account["phone"])
