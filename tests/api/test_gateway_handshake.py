"""The opening handshake read by ``gateway.handshake`` answers as websockets' does.

Each request is sent twice on raw sockets: once as served (a plain request is read by
``gateway.handshake``), once with ``WireProtocol.fast_handshake`` off, so websockets
parses and answers everything. The responses must be the same bytes (but the date).
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import orjson
import pytest
from websockets.frames import Frame, Opcode

from lianxin.gateway import handshake
from lianxin.gateway.protocol import WireProtocol
from tests.harness import ServerThread

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455's example: its accept is below


def request(*extra: str, method: str = "GET", target: str = "/ws", drop: str = "") -> bytes:
    headers = [
        "host: 127.0.0.1",
        "upgrade: websocket",
        "connection: Upgrade",
        f"sec-websocket-key: {KEY}",
        "sec-websocket-version: 13",
    ]
    headers = [h for h in headers if not (drop and h.startswith(drop))] + list(extra)
    return f"{method} {target} HTTP/1.1\r\n{''.join(h + chr(13) + chr(10) for h in headers)}\r\n".encode()


async def exchange(srv: ServerThread, data: bytes, then: bytes = b"") -> bytes:
    """The server's answer to ``data`` (the head of a 101; else all until it closes)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
    try:
        writer.write(data)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        if b" 101 " not in head.split(b"\r\n")[0]:
            return head + await asyncio.wait_for(reader.read(), 10)
        if then:  # a frame to send, and the text the answer must reach
            writer.write(then)
            await writer.drain()
            while b"welcome" not in head and (
                chunk := await asyncio.wait_for(reader.read(256), 10)
            ):
                head += chunk
        return head
    finally:
        writer.close()


def without_date(answer: bytes) -> bytes:
    return b"\r\n".join(
        line for line in answer.split(b"\r\n") if not line.lower().startswith(b"date:")
    )


async def both(srv: ServerThread, data: bytes, monkeypatch: pytest.MonkeyPatch) -> bytes:
    fast = await exchange(srv, data)
    monkeypatch.setattr(WireProtocol, "fast_handshake", False)
    try:
        slow = await exchange(srv, data)
    finally:
        monkeypatch.undo()
    assert without_date(fast) == without_date(slow)
    return fast


async def test_a_plain_handshake_gets_websockets_response(
    server: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = await both(server, request(), monkeypatch)
    assert answer.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" in answer
    # A browser's offer of compression is ignored: the server has none.
    deflate = "sec-websocket-extensions: permessage-deflate; client_max_window_bits"
    offered = await both(server, request(deflate, "origin: http://x"), monkeypatch)
    assert b"xtensions" not in offered
    assert (await both(server, request(target="/ws?x=%20y"), monkeypatch)).startswith(
        b"HTTP/1.1 101"
    )


async def test_a_fast_handshake_then_speaks_frames(
    server: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await server.signup("Frames")
    await user.close()
    taken: list[bool] = []
    fast_connect = WireProtocol.fast_connect

    def spy(self: WireProtocol, data: bytes) -> bool:
        taken.append(fast_connect(self, data))
        return taken[-1]

    monkeypatch.setattr(WireProtocol, "fast_connect", spy)
    hello = orjson.dumps({"t": "hello", "token": user.token})
    framed = Frame(Opcode.TEXT, hello).serialize(mask=True)
    answer = await exchange(server, request(), then=framed)
    assert taken == [True]
    assert b'"t":"welcome"' in answer


@pytest.mark.parametrize(
    "data",
    [
        request(drop="sec-websocket-key"),
        request(drop="sec-websocket-version"),
        request("sec-websocket-key: AAAA", drop="sec-websocket-key"),
        request("sec-websocket-key: not base64!!", drop="sec-websocket-key"),
        request(f"sec-websocket-key: {KEY}"),  # twice
        request("sec-websocket-version: 8", drop="sec-websocket-version"),
        request("sec-websocket-version: 13"),  # twice
        request("origin: http://a", "origin: http://b"),
        request("upgrade: websocket"),  # twice
        request("upgrade: websocket, h2c", drop="upgrade"),
        request("connection: keep-alive, Upgrade", drop="connection"),
        request("connection: keep-alive, up grade", drop="connection"),
        request("sec-websocket-protocol: chat, superchat"),
        request("content-length: 0"),
        request(method="POST"),
        request(target="/elsewhere"),
        request("x-latin: caf\xe9"),
    ],
)
async def test_other_handshakes_answer_as_websockets(
    server: ServerThread, monkeypatch: pytest.MonkeyPatch, data: bytes
) -> None:
    await both(server, data, monkeypatch)


def test_parse_reads_only_plain_requests() -> None:
    plain = handshake.parse(request(), extensions=False)
    assert plain is not None
    assert plain.accept == b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert plain.target == "/ws"
    assert (b"sec-websocket-version", b"13") in plain.headers
    deflate = "sec-websocket-extensions: permessage-deflate"
    assert handshake.parse(request(deflate), extensions=False) is not None
    assert handshake.parse(request(deflate), extensions=True) is None  # negotiated by websockets
    cases: list[Any] = [
        request()[:-2],  # incomplete
        request(drop="sec-websocket-key"),
        request("sec-websocket-key: " + base64.b64encode(b"x" * 15).decode(), drop="sec-"),
        request("sec-websocket-protocol: chat"),
        request("transfer-encoding: chunked"),
        request("content-length: 3"),
        request("bad name: x"),
        request("x-long: " + "a" * handshake.MAX_REQUEST),
        request(*[f"x-{i}: {i}" for i in range(handshake.MAX_HEADERS)]),
        request("x-ctl: a\x01b"),
        request().replace(b"HTTP/1.1", b"HTTP/1.0"),
        request(method="HEAD"),
    ]
    for data in cases:
        assert handshake.parse(data, extensions=False) is None, data
