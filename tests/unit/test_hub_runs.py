"""The hub's fan-out: chat events a loop iteration later, runs of a chat's events as one
write per session, and still every event once, in seq order, never to its sender."""

from __future__ import annotations

import asyncio
import gc
import random
from pathlib import Path
from typing import Any

import pytest

from lianxin.bus import MemoryBus
from lianxin.events.publish import to_chat
from lianxin.gateway.hub import Hub
from lianxin.gateway.session import Session
from lianxin.gateway.wire import Socket
from lianxin.ids import UserId
from tests.harness import test_settings
from tests.unit.wire import Wire

CHAT = 7


class FakeServices:
    settings = test_settings(Path("/nonexistent"), session_queue_frames=1000)


async def _online(hub: Hub, user: int) -> tuple[Session, Wire]:
    wire = Wire()
    sock = Socket({"type": "websocket", "extensions": {"lianxin.wire": wire}}, _never, _never)
    session = Session(sock, FakeServices(), hub)  # type: ignore[arg-type]
    session.user_id = UserId(user)

    async def chats() -> list[int]:
        return [CHAT]

    await hub.register(session, chats)
    return session, wire


async def _never(*_: Any) -> Any:
    raise AssertionError("not used")


async def _hub() -> tuple[MemoryBus, Hub]:
    bus = MemoryBus()
    hub = Hub(bus)
    await hub.start()
    return bus, hub


async def _publish(bus: MemoryBus, seq: int, sender: Session | None = None, **kw: Any) -> None:
    frame = {"t": "ev", "chat": CHAT, "seq": seq}
    exclude = sender.session_id if sender is not None else None
    await to_chat(bus, CHAT, frame, seq=seq, exclude=exclude, **kw)


async def test_a_run_is_one_write_and_its_senders_get_only_the_others() -> None:
    bus, hub = await _hub()
    alice, a_wire = await _online(hub, 1)
    bob, b_wire = await _online(hub, 2)
    carol, c_wire = await _online(hub, 3)
    alice.tops[CHAT] = 10  # carol has no top yet: she starts wherever the run starts
    bob.tops[CHAT] = 10
    for seq, sender in ((11, None), (12, bob), (13, None)):
        await _publish(bus, seq, sender)
    assert not a_wire.writes  # nothing yet: fanned out on the next loop iteration
    await asyncio.sleep(0)
    assert len(a_wire.writes) == 1 and len(c_wire.writes) == 1
    assert [f["seq"] for f in a_wire.frames()] == [11, 12, 13]
    assert [f["seq"] for f in c_wire.frames()] == [11, 12, 13]
    assert [f["seq"] for f in b_wire.frames()] == [11, 13]  # not its own message
    assert alice.tops[CHAT] == bob.tops[CHAT] == carol.tops[CHAT] == 13


async def test_a_fan_out_schedules_one_write_callback_not_one_per_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bus, hub = await _hub()
    people = [await _online(hub, u) for u in range(1, 51)]
    loop = asyncio.get_running_loop()
    scheduled: list[Any] = []
    call_soon = loop.call_soon

    def counting(callback: Any, *args: Any, **kw: Any) -> asyncio.Handle:
        scheduled.append(callback)
        return call_soon(callback, *args, **kw)

    monkeypatch.setattr(loop, "call_soon", counting)
    await _publish(bus, 1)
    await asyncio.sleep(0)
    assert all(len(wire.writes) == 1 for _, wire in people)  # written as the routing ended
    # The routing, one callback for every session's write, this test's sleep: not 50 more.
    assert len(scheduled) <= 3


async def test_a_fan_out_allocates_nothing_per_session_that_outlives_it() -> None:
    """Objects alive at once per recipient (a batch list, a handle) made every fan-out to
    thousands of sessions trigger garbage collections, which stall every session."""
    bus, hub = await _hub()
    people = [await _online(hub, u) for u in range(1, 2001)]
    threshold = gc.get_threshold()
    gc.collect()
    gc.set_threshold(1000, 10, 10)  # fewer than the recipients
    try:
        before = gc.get_stats()[0]["collections"]
        await _publish(bus, 1)
        await asyncio.sleep(0)
        collections = gc.get_stats()[0]["collections"] - before
    finally:
        gc.set_threshold(*threshold)
    assert all(len(wire.writes) == 1 for _, wire in people)
    assert collections == 0


async def test_events_crossing_on_the_way_go_out_in_seq_order() -> None:
    bus, hub = await _hub()
    alice, wire = await _online(hub, 1)
    alice.tops[CHAT] = 5
    for seq in (7, 6, 8):
        await _publish(bus, seq)
    await asyncio.sleep(0)
    assert [f["seq"] for f in wire.frames()] == [6, 7, 8] and len(wire.writes) == 1


async def test_a_seq_already_sent_is_not_sent_again() -> None:
    bus, hub = await _hub()
    alice, wire = await _online(hub, 1)
    alice.tops[CHAT] = 6  # 5 and 6 came with a catch-up
    for seq in (5, 6, 7):
        await _publish(bus, seq)
    await asyncio.sleep(0)
    assert [f["seq"] for f in wire.frames()] == [7]


async def test_a_member_who_leaves_mid_run_gets_events_up_to_their_leaving() -> None:
    bus, hub = await _hub()
    alice, a_wire = await _online(hub, 1)
    bob, b_wire = await _online(hub, 2)
    alice.tops[CHAT] = bob.tops[CHAT] = 0
    await _publish(bus, 1)
    await _publish(bus, 2, left=[2])
    await _publish(bus, 3)
    await _publish(bus, 4)
    await asyncio.sleep(0)
    assert [f["seq"] for f in a_wire.frames()] == [1, 2, 3, 4]
    assert [f["seq"] for f in b_wire.frames()] == [1, 2]


async def test_every_event_once_in_order_whatever_arrives_together() -> None:
    rng = random.Random(7)
    bus, hub = await _hub()
    people = [await _online(hub, u) for u in range(1, 6)]
    for session, _ in people:
        session.tops[CHAT] = 0
    sent_by: dict[int, Session] = {}
    seq = 0
    for _ in range(60):  # loop iterations, each with a few events arriving shuffled
        batch = list(range(seq + 1, seq + 1 + rng.randint(1, 6)))
        seq = batch[-1]
        rng.shuffle(batch)
        for s in batch:
            sender = rng.choice([None, *[p for p, _ in people]])
            if sender is not None:
                sent_by[s] = sender
            await _publish(bus, s, sender)
        await asyncio.sleep(0)
    await asyncio.sleep(0)
    for session, wire in people:
        mine = {s for s, sender in sent_by.items() if sender is session}
        want = [s for s in range(1, seq + 1) if s not in mine]
        assert [f["seq"] for f in wire.frames()] == want
        assert session.tops[CHAT] == seq
