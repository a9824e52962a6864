"""A resume's frames: welcome, sync, catch-up and synced in one write, held events between."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest

from lianxin.actions import sync
from lianxin.bus import MemoryBus
from lianxin.events.envelope import Envelope
from lianxin.gateway.hub import Hub
from lianxin.gateway.session import Session
from lianxin.gateway.wire import EXTENSION, Outbound, Socket
from tests.harness import test_settings
from tests.unit.wire import Wire

CHAT = 7


class FakeServices:
    settings = test_settings(Path("/nonexistent"))


def make_session() -> tuple[Session, Wire]:
    wire = Wire()

    async def nothing() -> Any:
        raise AssertionError

    sock = Socket({"type": "websocket", "extensions": {EXTENSION: wire}}, nothing, nothing)
    session = Session(sock, FakeServices(), Hub(MemoryBus()))  # type: ignore[arg-type]
    session.buffer = []  # as after a hello: live events are held until caught up
    return session, wire


def framed(*frames: dict[str, Any]) -> bytes:
    return b"".join(Outbound(orjson.dumps(f)).framed for f in frames)


def plan() -> sync.SyncPlan:
    """A catch-up of seqs 1..3 in chat CHAT, in two pages."""
    evs = [{"t": "ev", "chat": CHAT, "seq": s} for s in (1, 2, 3)]
    return sync.SyncPlan(
        frame={"t": "sync", "since": 1},
        catchups=[sync.CatchUp(CHAT, 0, 3)],
        pages=[[evs[:2], evs[2:]]],
        tops={CHAT: 3},
    )


WELCOME = {"t": "welcome", "r": 1}
SYNC = {"t": "sync", "since": 1, "r": 1}
PAGES = (
    {"t": "evs", "chat": CHAT, "events": [{"t": "ev", "chat": CHAT, "seq": s} for s in (1, 2)]},
    {"t": "evs", "chat": CHAT, "events": [{"t": "ev", "chat": CHAT, "seq": 3}]},
)
SYNCED = {"t": "synced", "r": 1}


async def test_a_resume_with_nothing_held_is_one_write(monkeypatch: pytest.MonkeyPatch) -> None:
    session, wire = make_session()

    async def do_sync(*_: Any, **kwargs: Any) -> sync.SyncPlan:
        assert kwargs == {"came_online": True}
        return plan()

    monkeypatch.setattr(sync, "do_sync", do_sync)
    welcome = Outbound(orjson.dumps(WELCOME))
    await session.resync(1, None, None, came_online=True, welcome=welcome)
    await asyncio.sleep(0)  # what a session puts goes out at the end of the loop iteration
    assert wire.writes == [framed(WELCOME, SYNC, *PAGES, SYNCED)]
    assert session.buffer is None and session.tops == {CHAT: 3}


async def test_live_events_held_during_the_sync_go_out_between_catch_up_and_synced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session, wire = make_session()
    live = {"t": "ev", "chat": CHAT, "seq": 4}

    async def do_sync(*_: Any, **__: Any) -> sync.SyncPlan:
        # Published while the sync read: seq 3 is in the catch-up too, seq 4 is not.
        session.deliver(Envelope(frame=b"{}", chat=CHAT, seq=3), Outbound(b"{}"))
        session.deliver(Envelope(frame=orjson.dumps(live), chat=CHAT, seq=4), framed_live)
        return plan()

    framed_live = Outbound(orjson.dumps(live))
    monkeypatch.setattr(sync, "do_sync", do_sync)
    await session.resync(1, None, None)
    await asyncio.sleep(0)
    # One iteration's frames are one write; the order is what matters: held after catch-up.
    assert wire.writes == [framed(SYNC, *PAGES, live, SYNCED)]
    assert session.tops == {CHAT: 4}
