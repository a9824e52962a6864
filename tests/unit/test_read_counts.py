"""ReadCountNotifier timing: the first mark in a quiet chat goes out at once, later ones
are merged into one frame per interval, chats do not wait for each other, and the task
of a chat ends after a quiet interval."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest

from lianxin.actions.read_counts import ReadCountNotifier
from lianxin.events.envelope import Envelope
from lianxin.store import read_counts as store

INTERVAL = 0.2


class FakeDb:
    @asynccontextmanager
    async def read(self) -> AsyncIterator[None]:
        yield None


class FakeBus:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def publish(self, topic: str, env: Envelope) -> None:
        self.sent.append((topic, orjson.loads(env.frame)))


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> FakeBus:
    async def senders(conn: Any, chat_id: int, after: int, upto: int) -> list[int]:
        return [chat_id * 10]  # one sender per chat, enough to see who is told

    monkeypatch.setattr(store, "senders_between", senders)
    return FakeBus()


def notifier(bus: FakeBus, recent: int = 200) -> ReadCountNotifier:
    return ReadCountNotifier(FakeDb(), bus, interval_s=INTERVAL, recent=recent)  # type: ignore[arg-type]


async def test_leading_then_one_trailing_frame(bus: FakeBus) -> None:
    n = notifier(bus)
    n.note(1, 0, 5)
    await asyncio.sleep(0.02)
    assert bus.sent == [("u.10", {"t": "reads", "chat": 1, "after": 0, "upto": 5})]
    n.note(1, 5, 6)
    n.note(1, 3, 7)  # another reader, further back: the range widens
    n.note(2, 0, 1)  # another chat does not wait for chat 1
    await asyncio.sleep(0.02)
    assert bus.sent[1:] == [("u.20", {"t": "reads", "chat": 2, "after": 0, "upto": 1})]
    await asyncio.sleep(INTERVAL)
    assert bus.sent[2:] == [("u.10", {"t": "reads", "chat": 1, "after": 3, "upto": 7})]
    await asyncio.sleep(INTERVAL * 1.5)
    assert len(bus.sent) == 3
    assert n._tasks == {}  # quiet: nothing left running
    n.note(1, 7, 8)  # the next mark is a leading one again
    await asyncio.sleep(0.02)
    assert bus.sent[3][1]["upto"] == 8
    await n.close()


async def test_nothing_moved_sends_nothing_and_close_stops(bus: FakeBus) -> None:
    n = notifier(bus)
    n.note(1, 5, 5)
    await asyncio.sleep(0.02)
    assert bus.sent == []
    n.note(1, 0, 2)
    await asyncio.sleep(0.02)
    n.note(1, 2, 3)
    await n.close()  # the pending trailing frame is dropped with the node
    await asyncio.sleep(INTERVAL * 1.5)
    assert len(bus.sent) == 1 and n._tasks == {}


async def test_only_recent_messages_are_asked_about(
    bus: FakeBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[int, int]] = []

    async def senders(conn: Any, chat_id: int, after: int, upto: int) -> list[int]:
        asked.append((after, upto))
        return []

    monkeypatch.setattr(store, "senders_between", senders)
    n = notifier(bus, recent=50)
    n.note(1, 0, 1000)  # a reader catching up on a long backlog
    await asyncio.sleep(0.02)
    assert asked == [(950, 1000)] and bus.sent == []  # no senders: no frames
    await n.close()
