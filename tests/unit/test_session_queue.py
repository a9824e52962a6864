"""Per-session backpressure: fan-out never blocks, and an overflowing session is shed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from starlette.websockets import WebSocketState

from lianxin.events.envelope import Envelope
from lianxin.gateway.session import CLOSE_TOO_SLOW, Session
from tests.harness import test_settings


class StuckSocket:
    """A WebSocket whose peer never reads: every send blocks forever."""

    application_state = 1  # WebSocketState.CONNECTED

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed_with: tuple[int, str] | None = None
        self.release = asyncio.Event()

    async def send_text(self, text: str) -> None:
        self.sent.append(text)
        await self.release.wait()

    async def close(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)


class FakeServices:
    def __init__(self, limit: int) -> None:
        self.settings = test_settings(Path("/nonexistent"), session_queue_frames=limit)


def make_session(limit: int) -> tuple[Session, StuckSocket]:
    ws = StuckSocket()
    session = Session(ws, FakeServices(limit), hub=None)  # type: ignore[arg-type]
    return session, ws


async def test_deliver_never_blocks_and_overflow_sheds_the_session() -> None:
    session, ws = make_session(limit=4)
    assert session._writer is None and session.out is None  # idle: no task, no queue
    env = Envelope(frame=b"{}")  # not a chat event: no seq to order or deduplicate by
    for _ in range(4):
        session.deliver(env, "{}")
    writer = session._writer
    assert writer is not None  # started by the first frame
    await asyncio.sleep(0)  # the writer takes one frame and blocks on the socket
    assert len(ws.sent) == 1 and session.closing is None
    for _ in range(2):
        session.deliver(env, "{}")  # queue back at its bound: the next one overflows
    assert session.closing is not None and session.closing[0] == CLOSE_TOO_SLOW
    assert session.pending() == 0  # the backlog is dropped
    await asyncio.sleep(0)
    assert writer.cancelled()
    session.deliver(env, "{}")  # a shed session ignores further traffic
    assert session.pending() == 0 and session._writer is None


async def test_writer_ends_when_the_queue_is_empty() -> None:
    session, ws = make_session(limit=10)
    ws.release.set()  # a socket that takes frames at once
    ws.application_state = WebSocketState.CONNECTED  # type: ignore[assignment]
    session.send({"t": "a"})
    session.send({"t": "b"})
    writer = session._writer
    assert writer is not None
    await writer
    assert ws.sent == ['{"t":"a"}', '{"t":"b"}']
    assert session._writer is None and session.out is None and ws.closed_with is None
    session.close_soon(4002, "signed out")  # closing starts a writer that closes the socket
    assert session._writer is not None
    await session._writer
    assert ws.closed_with == (4002, "signed out")


async def test_catch_up_buffer_is_bounded_too() -> None:
    session, _ = make_session(limit=3)
    session.buffer = []
    for seq in range(1, 5):
        session.deliver(Envelope(frame=b"{}", chat=1, seq=seq), "{}")
    assert session.closing is not None and session.closing[0] == CLOSE_TOO_SLOW
    assert len(session.buffer) == 3


async def test_frames_queue_in_order() -> None:
    session, _ = make_session(limit=10)
    for i in range(5):
        session.send({"t": "ev", "seq": i})
    assert session.out is not None
    got: list[Any] = list(session.out)
    assert got == [f'{{"t":"ev","seq":{i}}}' for i in range(5)]
    assert session._writer is not None
    session._writer.cancel()
