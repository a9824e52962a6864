"""The REST client's transport (``LeanTransport``) against a scripted HTTP/1.1 server:
each framing read whole, connections kept only when the server allows it, a stale kept
connection retried only for idempotent requests, bad answers refused as httpx refuses them."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from lianxin.client.transport import LeanTransport

Reply = Callable[[bytes], bytes | None]  # request head + body -> raw response (None: hang up)


class Scripted:
    """A server answering each request with the next reply; records requests and connections."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = replies
        self.requests: list[bytes] = []
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while self.replies:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                answer = self.replies.pop(0)(request)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"


@pytest.fixture
async def scripted() -> AsyncIterator[Callable[[list[Reply]], Scripted]]:
    servers: list[Scripted] = []

    def make(replies: list[Reply]) -> Scripted:
        s = Scripted(replies)
        servers.append(s)
        return s

    yield make
    for s in servers:
        if s.server is not None:
            s.server.close()
            await s.server.wait_closed()


async def _client(s: Scripted) -> httpx.AsyncClient:
    s.server = await asyncio.start_server(s.handle, "127.0.0.1", 0)
    return httpx.AsyncClient(base_url=s.url, transport=LeanTransport(), timeout=2.0)


def fixed(raw: bytes) -> Reply:
    return lambda _: raw


async def test_each_framing_is_read_whole_and_the_connection_kept(scripted) -> None:  # type: ignore[no-untyped-def]
    s = scripted(
        [
            fixed(
                b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world"
            ),
            fixed(
                b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
            ),
            fixed(b"HTTP/1.1 204 No Content\r\n\r\n"),
            fixed(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"),
        ]
    )
    async with await _client(s) as http:
        first = await http.get("/a?x=1&y=%20")
        assert (first.status_code, first.text, first.headers["content-type"]) == (
            200,
            "hello world",
            "text/plain",
        )
        second = await http.post("/b", json={"k": "v"})
        assert (second.status_code, second.text, second.reason_phrase) == (
            201,
            "hello world",
            "Created",
        )
        assert (await http.delete("/c")).status_code == 204
        assert (await http.head("/d")).content == b""  # HEAD: no body, even with a length
    assert s.connections == 1
    assert s.requests[0].startswith(b"GET /a?x=1&y=%20 HTTP/1.1\r\n")
    assert s.requests[1].endswith(b'\r\n\r\n{"k":"v"}')
    assert b"\r\ncontent-length: 9\r\n" in s.requests[1].lower()


async def test_connection_close_and_http_1_0_are_not_kept(scripted) -> None:  # type: ignore[no-untyped-def]
    ok = b"Content-Length: 2\r\n\r\nok"
    s = scripted(
        [
            fixed(b"HTTP/1.1 200 OK\r\nConnection: close\r\n" + ok),
            fixed(b"HTTP/1.0 200 OK\r\n" + ok),
            fixed(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n" + ok),
            fixed(b"HTTP/1.1 200 OK\r\n" + ok),
        ]
    )
    # The server would read on after each reply: only the client's choice closes.
    async with await _client(s) as http:
        for path in ("/1", "/2", "/3", "/4"):
            assert (await http.get(path)).text == "ok"
    assert s.connections == 3


async def test_until_close_body(scripted) -> None:  # type: ignore[no-untyped-def]
    def reply(_: bytes) -> None:
        return None

    s = scripted([reply])

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\n\r\nuntil ")
        await writer.drain()
        writer.write(b"close")
        writer.close()

    s.handle = handle  # type: ignore[method-assign]
    async with await _client(s) as http:
        assert (await http.get("/")).text == "until close"


async def test_encoded_bodies_are_decoded_by_httpx(scripted) -> None:  # type: ignore[no-untyped-def]
    body = gzip.compress(b'{"ok": true}')
    s = scripted(
        [
            fixed(
                b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
        ]
    )
    async with await _client(s) as http:
        assert (await http.get("/")).json() == {"ok": True}


async def test_a_stale_kept_connection_is_retried_only_when_idempotent(scripted) -> None:  # type: ignore[no-untyped-def]
    ok = fixed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    s = scripted([ok, lambda _: None, ok, ok, lambda _: None])
    async with await _client(s) as http:
        assert (await http.get("/1")).text == "ok"
        # The server hangs up on the kept connection when the next request arrives: a GET
        # is sent again on a new connection.
        assert (await http.get("/2")).text == "ok"
        assert s.connections == 2
        assert (await http.get("/3")).text == "ok"
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post("/4", json={})  # may have been acted on: not resent
    assert [r.split(b" ")[1] for r in s.requests] == [b"/1", b"/2", b"/2", b"/3", b"/4"]


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 2x0 OK\r\n\r\n",
        b"HTTP/2 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    ],
)
async def test_bad_responses_are_protocol_errors(scripted, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    s = scripted([lambda _: raw])  # then the server hangs up
    async with await _client(s) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/")


async def test_timeouts_and_refused_connections(scripted) -> None:  # type: ignore[no-untyped-def]
    s = scripted([])

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        try:
            await asyncio.sleep(5)  # answers nothing, keeps the connection open
        finally:
            writer.close()

    s.handle = silent  # type: ignore[method-assign]
    async with await _client(s) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/", timeout=0.2)
    port = s.url.rsplit(":", 1)[1]
    s.server.close()  # type: ignore[union-attr]
    await s.server.wait_closed()  # type: ignore[union-attr]
    async with httpx.AsyncClient(transport=LeanTransport()) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://127.0.0.1:{port}/")


async def test_a_streamed_body_goes_to_httpx_own_transport(scripted) -> None:  # type: ignore[no-untyped-def]
    s = scripted([fixed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")])

    async def body() -> AsyncIterator[bytes]:
        yield b"ab"

    async with await _client(s) as http:
        assert (await http.post("/", content=body())).text == "ok"
    assert b"\r\ntransfer-encoding: chunked\r\n" in s.requests[0].lower()
