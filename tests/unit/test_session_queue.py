"""Per-session backpressure: fan-out never blocks, and an overflowing session is shed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest

from lianxin.bus import MemoryBus
from lianxin.events.envelope import Envelope
from lianxin.gateway.hub import Hub, Run
from lianxin.gateway.session import CLOSE_TOO_SLOW, Session
from lianxin.gateway.wire import Outbound, Socket
from tests.harness import test_settings


class StuckSocket(Socket):
    """A plain ASGI WebSocket whose peer never reads: every send blocks forever."""

    def __init__(self) -> None:
        super().__init__({"type": "websocket"}, self._receive, self._send_message)
        self.accepted = True
        self.sent: list[str] = []
        self.closed_with: tuple[int, str] | None = None
        self.release = asyncio.Event()

    async def _receive(self) -> dict[str, Any]:
        await asyncio.Event().wait()
        raise AssertionError

    async def _send_message(self, message: Any) -> None:
        if message["type"] == "websocket.close":
            self.closed_with = (message["code"], message["reason"])
            return
        self.sent.append(message["text"])
        await self.release.wait()


class FakeServices:
    def __init__(self, limit: int) -> None:
        self.settings = test_settings(Path("/nonexistent"), session_queue_frames=limit)


def make_session(limit: int) -> tuple[Session, StuckSocket]:
    ws = StuckSocket()
    session = Session(ws, FakeServices(limit), Hub(MemoryBus()))  # type: ignore[arg-type]
    return session, ws


async def test_deliver_never_blocks_and_overflow_sheds_the_session() -> None:
    session, ws = make_session(limit=4)
    assert session._writer is None and session.out is None  # idle: no task, no queue
    env = Envelope(frame=b"{}")  # not a chat event: no seq to order or deduplicate by
    for _ in range(4):
        session.deliver(env, Outbound(b"{}"))
    assert session._writer is None  # frames put in one iteration are written at its end
    await asyncio.sleep(0)  # no direct writes on this socket: they are queued for a writer
    writer = session._writer
    assert writer is not None and session.pending() == 4
    await asyncio.sleep(0)  # the writer takes one frame and blocks on the socket
    assert len(ws.sent) == 1 and session.closing is None
    for _ in range(2):
        session.deliver(env, Outbound(b"{}"))  # queue back at its bound: the next overflows
    assert session.closing is not None and session.closing[0] == CLOSE_TOO_SLOW
    assert session.pending() == 0  # the backlog is dropped
    await asyncio.sleep(0)
    assert writer.cancelled()
    session.deliver(env, Outbound(b"{}"))  # a shed session ignores further traffic
    assert session.pending() == 0 and session._writer is None


async def test_writer_ends_when_the_queue_is_empty() -> None:
    session, ws = make_session(limit=10)
    ws.release.set()  # a socket that takes frames at once
    session.send({"t": "a"})
    session.send({"t": "b"})
    await asyncio.sleep(0)
    writer = session._writer
    assert writer is not None
    await writer
    assert ws.sent == ['{"t":"a"}', '{"t":"b"}']
    assert session._writer is None and session.out is None and ws.closed_with is None


async def test_catch_up_buffer_is_bounded_too() -> None:
    session, _ = make_session(limit=3)
    session.buffer = []
    for seq in range(1, 5):
        session.deliver(Envelope(frame=b"{}", chat=1, seq=seq), Outbound(b"{}"))
    assert session.closing is not None and session.closing[0] == CLOSE_TOO_SLOW
    assert len(session.buffer) == 3


async def test_frames_queue_in_order() -> None:
    session, _ = make_session(limit=10)
    for i in range(5):
        session.send({"t": "ev", "seq": i})
    await asyncio.sleep(0)
    assert session.out is not None
    got = [out.json for out in session.out]
    assert got == [f'{{"t":"ev","seq":{i}}}'.encode() for i in range(5)]
    assert session._writer is not None
    session._writer.cancel()


class FakeDirect:
    """The ``lianxin.wire`` extension over a transport that can fill up."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.room = asyncio.Event()
        self.room.set()

    def wire_paused(self) -> bool:
        return not self.room.is_set()

    def wire_write(self, data: bytes) -> None:
        self.written.append(data)

    async def wire_drain(self) -> None:
        await self.room.wait()


def direct_session(limit: int) -> tuple[Session, FakeDirect]:
    wire = FakeDirect()
    sock = StuckSocket()
    sock.direct = wire
    return Session(sock, FakeServices(limit), Hub(MemoryBus())), wire  # type: ignore[arg-type]


def frames_of(data: bytes) -> list[bytes]:
    """The payloads of the frames in one write (2-byte headers: these frames are short)."""
    got = []
    while data:
        assert data[0] == 0x81 and data[1] < 126
        got.append(data[2 : 2 + data[1]])
        data = data[2 + data[1] :]
    return got


def payloads(wire: FakeDirect) -> list[int]:
    """The seq in each written frame, in the order written."""
    return [orjson.loads(frame)["seq"] for data in wire.written for frame in frames_of(data)]


async def test_direct_writes_need_no_task_and_keep_order_across_a_full_socket() -> None:
    session, wire = direct_session(limit=10)
    shared = Outbound(b'{"seq":1}')
    session.deliver(Envelope(frame=shared.json, chat=1, seq=1), shared)
    assert wire.written == []  # at the end of this loop iteration
    await asyncio.sleep(0)
    assert session._writer is None and session.out is None  # written without a task
    assert wire.written == [shared.framed] and shared.framed[:2] == b"\x81\x09"
    wire.room.clear()  # the transport is above its high-water mark
    for seq in (2, 3):
        session.deliver(Envelope(frame=b"", chat=1, seq=seq), Outbound(b'{"seq":%d}' % seq))
    await asyncio.sleep(0)
    assert session.pending() == 2 and session._writer is not None
    wire.room.set()
    session.deliver(Envelope(frame=b"", chat=1, seq=4), Outbound(b'{"seq":4}'))  # queued too
    await session._writer
    assert payloads(wire) == [1, 2, 3, 4] and session.out is None
    session.deliver(Envelope(frame=b"", chat=1, seq=5), Outbound(b'{"seq":5}'))
    await asyncio.sleep(0)
    assert payloads(wire) == [1, 2, 3, 4, 5] and session._writer is None


async def test_frames_put_in_one_iteration_are_one_write_in_order() -> None:
    """Acks of a stored batch and events of a hub flush: one syscall per session."""
    session, wire = direct_session(limit=10)
    session.send({"seq": 1})
    session.deliver(*ev(2))
    session.send({"seq": 3})
    await asyncio.sleep(0)
    assert len(wire.written) == 1 and payloads(wire) == [1, 2, 3]
    session.send({"seq": 4})  # the next iteration: a write of its own
    await asyncio.sleep(0)
    assert len(wire.written) == 2 and payloads(wire) == [1, 2, 3, 4]


async def test_frames_put_just_before_closing_are_written_before_the_close() -> None:
    session, wire = direct_session(limit=10)
    sock = session.sock
    assert isinstance(sock, StuckSocket)
    session.send({"seq": 1})
    session.close_soon(4002, "signed out")
    await session._close_socket(4002, "signed out")  # in the same iteration as the send
    assert payloads(wire) == [1] and sock.closed_with == (4002, "signed out")
    await asyncio.sleep(0)
    assert payloads(wire) == [1]  # not written twice


async def test_direct_writer_stuck_on_a_full_socket_is_shed() -> None:
    session, wire = direct_session(limit=3)
    wire.room.clear()
    for seq in range(1, 5):
        session.deliver(Envelope(frame=b"", chat=1, seq=seq), Outbound(b'{"seq":%d}' % seq))
    await asyncio.sleep(0)  # the iteration's frames meet a full socket: past the bound
    assert session.closing is not None and session.closing[0] == CLOSE_TOO_SLOW
    assert session.pending() == 0 and session._writer is None
    wire.room.set()
    await asyncio.sleep(0)
    assert wire.written == []  # nothing after the shed, and nothing out of order


def ev(seq: int) -> tuple[Envelope, Outbound]:
    out = Outbound(b'{"seq":%d}' % seq)
    return Envelope(frame=out.json, chat=1, seq=seq), out


async def test_a_gap_closed_by_a_late_publish_is_released_without_waiting_or_reading() -> None:
    """Two publishes that crossed (4 before 3): 4 waits only until 3 arrives, not for the
    grace period, and nothing is read from the database (this session has none)."""
    session, wire = direct_session(limit=10)
    session.tops[1] = 2
    session.deliver(*ev(4))
    session.deliver(*ev(5))
    assert wire.written == [] and 1 in session.held
    await asyncio.sleep(0)  # the fill is waiting out its grace
    session.deliver(*ev(3))
    for _ in range(3):
        await asyncio.sleep(0)
    assert payloads(wire) == [3, 4, 5]
    assert 1 not in session.held and not session._graces and session.closing is None
    session.deliver(*ev(6))  # live again: written at the end of the iteration
    await asyncio.sleep(0)
    assert payloads(wire) == [3, 4, 5, 6]


async def test_a_gap_still_open_waits_out_the_grace() -> None:
    session, wire = direct_session(limit=10)
    session.tops[1] = 2
    session.deliver(*ev(5))
    await asyncio.sleep(0)
    session.deliver(*ev(3))  # 4 is still missing: 3 alone does not end the grace
    for _ in range(3):
        await asyncio.sleep(0)
    assert wire.written == [] and 1 in session.held and session._graces
    for task in list(session._fills or ()):
        task.cancel()


async def test_close_soon_ends_a_read_loop_waiting_for_a_frame() -> None:
    session, _ = make_session(limit=10)
    session.svc.sends = None  # type: ignore[attr-defined]
    reading = asyncio.create_task(session._read_loop())
    await asyncio.sleep(0)
    assert session._reading is not None  # waiting in receive
    session.close_soon(CLOSE_TOO_SLOW, "too slow; resume")
    await asyncio.wait_for(reading, 1.0)  # returned, not cancelled
    assert session._reading is None and session._idle is None


async def test_a_read_loop_cancelled_from_outside_stays_cancelled() -> None:
    session, _ = make_session(limit=10)
    session.svc.sends = None  # type: ignore[attr-defined]
    reading = asyncio.create_task(session._read_loop())
    await asyncio.sleep(0)
    reading.cancel()  # the server shutting down, not close_soon
    with pytest.raises(asyncio.CancelledError):
        await reading
    session.close_soon(1000, "bye")  # afterwards: nothing left to wake
    assert session._reading is None


async def test_without_direct_writes_a_run_and_a_reply_of_one_iteration_go_out_frame_by_frame() -> (
    None
):
    session, ws = make_session(limit=10)
    ws.release.set()
    session.put(Outbound.joined([Outbound(b'{"seq":1}'), Outbound(b'{"seq":2}')]))  # a run
    session.send({"seq": 3})
    await asyncio.sleep(0)
    assert session._writer is not None
    await session._writer
    assert ws.sent == ['{"seq":1}', '{"seq":2}', '{"seq":3}']


def test_joined_frames_of_joined_frames_keep_every_frame_in_order() -> None:
    one, two, three = Outbound(b"1"), Outbound(b"2"), Outbound(b"3")
    both = Outbound.joined([Outbound.joined([one, two]), three])
    assert both.parts == (one, two, three)
    assert both.framed == one.framed + two.framed + three.framed


def run(first: int, last: int) -> Run:
    """Events ``first``..``last`` of chat 1 from the hub, as one write."""
    items = [ev(seq) for seq in range(first, last + 1)]
    return Run(1, first, last, items, Outbound.joined([out for _, out in items]), set())


async def test_the_bound_counts_frames_not_writes() -> None:
    """A run is one write of many frames: a slow reader is shed once the frames queued
    behind its full socket would pass the bound, however they were grouped."""
    session, wire = direct_session(limit=10)
    session.tops[1] = 0
    wire.room.clear()
    session.deliver_run(run(1, 4))
    await asyncio.sleep(0)  # meets the full socket: queued
    session.deliver_run(run(5, 8))
    assert session.pending() == 8 and session.closing is None
    session.deliver(*ev(9))
    session.deliver(*ev(10))
    assert session.pending() == 10 and session.closing is None  # at the bound, not past it
    session.deliver(*ev(11))
    assert session.closing is not None and session.closing[0] == CLOSE_TOO_SLOW
    assert session.pending() == 0 and wire.written == []


async def test_a_reader_that_keeps_up_is_never_shed() -> None:
    session, wire = direct_session(limit=10)
    session.tops[1] = 0
    for first in range(1, 200, 4):  # 200 frames in runs, each iteration's written at once
        session.deliver_run(run(first, first + 3))
        await asyncio.sleep(0)
    wire.room.clear()  # a full socket for a moment: 10 frames wait, then drain
    session.deliver_run(run(201, 204))
    await asyncio.sleep(0)
    session.deliver_run(run(205, 208))
    session.deliver_run(run(209, 210))
    assert session.pending() == 10
    wire.room.set()
    assert session._writer is not None
    await session._writer
    assert session.pending() == 0 and session.closing is None
    assert payloads(wire) == list(range(1, 211))
