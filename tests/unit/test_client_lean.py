"""The client's lean frame path: every message once, in stream order, however the bytes
arrive; control frames still handled by websockets; anything unusual handed back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed, ConnectionClosedError
from websockets.frames import Frame, Opcode

from lianxin.client.lean import LeanConnection


def _text(payload: bytes, *, fin: bool = True, opcode: Opcode = Opcode.TEXT) -> bytes:
    return Frame(opcode, payload, fin=fin).serialize(mask=False)


async def _exchange(
    script: Callable[[ServerConnection], Awaitable[None]],
) -> tuple[list[tuple[str, bytes]], Any]:
    """Run ``script`` on the server side; returns what the client got (lean or recv) and
    the close code the client saw."""
    got: list[tuple[str, bytes]] = []

    async def handler(ws: ServerConnection) -> None:
        await ws.recv()  # the client is ready
        await script(ws)

    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        ws = await connect(f"ws://127.0.0.1:{port}", create_connection=LeanConnection)
        assert isinstance(ws, LeanConnection)
        ws.on_message = lambda data: got.append(("lean", data))
        await ws.send("go")
        with contextlib.suppress(ConnectionClosedError):
            async for raw in ws:
                got.append(("recv", raw.encode() if isinstance(raw, str) else raw))
        sent = ws.protocol.close_sent
        # The code the peer closed with, or the one the client closed with on an error.
        return got, ws.close_code if ws.protocol.close_rcvd else sent and sent.code


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 10))


def test_frames_in_order_however_they_are_split() -> None:
    big = b'{"t":"ev","text":"' + b"x" * 300 + b'"}'  # a 16-bit length
    frames = [_text(b'{"n":%d}' % i) for i in range(5)] + [_text(big), _text(b'{"n":9}')]
    stream = b"".join(frames)

    async def script(ws: ServerConnection) -> None:
        # Three whole frames at once, then the rest a few bytes at a time (headers and
        # extended lengths cut in the middle), with a ping in between.
        cut = len(b"".join(frames[:3]))
        ws.transport.write(stream[:cut])
        await asyncio.sleep(0.05)
        pong = await ws.ping()
        async with asyncio.timeout(5):
            await pong  # the client answered: control frames still reach websockets
        for i in range(cut, len(stream), 3):
            ws.transport.write(stream[i : i + 3])
            await asyncio.sleep(0)
        await asyncio.sleep(0.1)
        await ws.close()

    got, code = run(_exchange(script))
    assert got == [("lean", _payload(f)) for f in frames]
    assert code == 1000


def test_a_fragmented_message_hands_the_stream_back_in_order() -> None:
    stream = (
        _text(b"one")
        + _text(b"tw", fin=False)
        + _text(b"o", fin=True, opcode=Opcode.CONT)
        + _text(b"three")
    )

    async def script(ws: ServerConnection) -> None:
        ws.transport.write(stream)
        await asyncio.sleep(0.1)
        await ws.close()

    got, code = run(_exchange(script))
    assert got == [("lean", b"one"), ("recv", b"two"), ("recv", b"three")]
    assert code == 1000


def test_a_masked_frame_from_the_server_is_still_a_protocol_error() -> None:
    async def script(ws: ServerConnection) -> None:
        ws.transport.write(_text(b"fine") + Frame(Opcode.TEXT, b"bad").serialize(mask=True))
        await asyncio.sleep(0.5)

    got, code = run(_exchange(script))
    assert got == [("lean", b"fine")]
    assert code == 1002


def _payload(frame: bytes) -> bytes:
    length = frame[1] & 0x7F
    return frame[4:] if length == 126 else frame[2:]


def test_send_text_frames_arrive_whole_at_any_length() -> None:
    """The lean send's frames (7-, 16- and 64-bit lengths, masked) read by websockets;
    a fragmented message in progress is waited for, and a closed connection raises."""
    texts = ["", "a", "x" * 125, "y" * 126, "é" * 40_000, "z" * 65_535, "联信" * 20_000]
    received: list[str | bytes] = []

    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            received.append(message)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0, compression=None, max_size=None) as server:
            port = server.sockets[0].getsockname()[1]
            ws = await connect(
                f"ws://127.0.0.1:{port}", create_connection=LeanConnection, compression=None
            )
            assert isinstance(ws, LeanConnection)
            send = ws.send
            through_send: list[Any] = []

            async def counted(message: Any, **kw: Any) -> None:
                through_send.append(message)
                await send(message, **kw)

            ws.send = counted  # type: ignore[method-assign]

            async def fragments() -> AsyncIterator[str]:
                yield "frag"
                await asyncio.sleep(0.05)
                yield "ment"

            for text in texts[:3]:
                await ws.send_text(text.encode())
            fragmented = asyncio.create_task(ws.send(fragments()))
            await asyncio.sleep(0.01)
            await ws.send_text(b"after")  # not inside the fragmented message
            await fragmented
            for text in texts[3:]:
                await ws.send_text(text.encode())
            await ws.close()
            with pytest.raises(ConnectionClosed):
                await ws.send_text(b"late")
            await asyncio.sleep(0.05)
            # Only the fragmented message, the send that waited for it and the late one
            # went through websockets' send.
            assert through_send[1:] == ["after", "late"]

    run(main())
    assert received == [*texts[:3], "fragment", "after", *texts[3:]]
