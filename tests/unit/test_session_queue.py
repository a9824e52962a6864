"""Per-session backpressure: fan-out never blocks, and an overflowing session is shed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

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
    writer = asyncio.create_task(session._write_loop())
    session._writer = writer
    env = Envelope(frame=b"{}")  # not a chat event: no seq to order or deduplicate by
    for _ in range(4):
        session.deliver(env, "{}")
    await asyncio.sleep(0)  # the writer takes one frame and blocks on the socket
    assert len(ws.sent) == 1 and session.closing is None
    for _ in range(2):
        session.deliver(env, "{}")  # queue back at its bound: the next one overflows
    assert session.closing is not None and session.closing[0] == CLOSE_TOO_SLOW
    assert session.queue.qsize() == 1  # the backlog is dropped; only the close marker is left
    await asyncio.sleep(0)
    assert writer.cancelled()
    before = session.queue.qsize()
    session.deliver(env, "{}")  # a shed session ignores further traffic
    assert session.queue.qsize() == before


async def test_catch_up_buffer_is_bounded_too() -> None:
    session, _ = make_session(limit=3)
    session.buffer = []
    for seq in range(1, 5):
        session.deliver(Envelope(frame=b"{}", chat=1, seq=seq), "{}")
    assert session.closing is not None and session.closing[0] == CLOSE_TOO_SLOW
    assert len(session.buffer) == 3


def test_frames_queue_in_order() -> None:
    session, _ = make_session(limit=10)
    for i in range(5):
        session.send({"t": "ev", "seq": i})
    got: list[Any] = [session.queue.get_nowait() for _ in range(5)]
    assert got == [f'{{"t":"ev","seq":{i}}}' for i in range(5)]
