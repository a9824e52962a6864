"""Reconnect storms: hellos are resumed a few at a time, and every one of them is."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lianxin.actions import sync
from lianxin.client import Connection, SyncState
from tests.harness import ServerThread, befriend, test_settings, uid


@pytest.fixture
def small(tmp_path: Path) -> Iterator[ServerThread]:
    """A server that admits 2 resumes at a time and pages catch-ups by 7 events."""
    settings = test_settings(
        tmp_path, resume_concurrency=2, catchup_page=7, catchup_max_per_chat=100
    )
    server = ServerThread(settings).start()
    yield server
    server.stop()


async def test_many_hellos_at_once_all_resume_within_the_admission_limit(
    small: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = peak = 0
    do_sync = sync.do_sync

    async def counted(*args: Any, **kwargs: Any) -> sync.SyncPlan:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        try:
            await asyncio.sleep(0.005)  # let the other hellos in, if they may
            return await do_sync(*args, **kwargs)
        finally:
            running -= 1

    monkeypatch.setattr(sync, "do_sync", counted)
    alice, bob = await small.signup("Alice"), await small.signup("Bob")
    try:
        await befriend(alice, bob)
        assert alice.token is not None and bob.token is not None
        ws = small.url.replace("http", "ws") + "/ws"
        conns = [Connection(ws, token, SyncState()) for token in [alice.token, bob.token] * 20]
        await asyncio.gather(*(c.open(timeout=30) for c in conns))
        try:
            assert all(c.is_open for c in conns)
            assert {c.welcome["user"] for c in conns} == {uid(alice), uid(bob)}
            assert 1 <= peak <= 2
        finally:
            await asyncio.gather(*(c.close() for c in conns))
    finally:
        await alice.close()
        await bob.close()


async def test_resume_across_many_pages_sends_each_missed_event_once_in_order(
    small: ServerThread,
) -> None:
    alice, bob = await small.signup("Alice"), await small.signup("Bob")
    closing: list[Any] = [alice, bob]
    try:
        chat = await befriend(alice, bob)
        b = await bob.connect()
        await b.close()
        sent = [await alice.send_text(chat, f"m{i}") for i in range(45)]
        b2 = await bob.connect(b.state)
        closing.append(b2)
        frames = b2.drain()
        pages = [f for f in frames if f.get("t") == "evs" and f["chat"] == chat]
        got = [(e["seq"], e.get("text")) for p in pages for e in p["events"]]
        assert got == [(s["seq"], f"m{i}") for i, s in enumerate(sent)]
        assert len(pages) == 7 and all(len(p["events"]) <= 7 for p in pages)
        assert frames[-1]["t"] == "synced"
        assert b2.state.seqs[chat] == sent[-1]["seq"]
    finally:
        for c in reversed(closing):
            await c.close()
