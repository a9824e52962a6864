"""No join window: a node that routes a chat only from now on still delivers everything.

A node subscribes to ``c.<chat>`` only while a member of the chat is connected to it.
When a member joins a group, or connects, at the moment messages are published, those
messages reach no one on that node until the subscription is live. The session then
reads what it missed from the database, so the device gets every message live, in
order, once, without reconnecting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from lianxin.client import Connection
from tests.conftest import requires_pg, requires_redis
from tests.harness import (
    REDIS_URL,
    ServerThread,
    befriend,
    create_pg_database,
    drop_pg_database,
    run,
    test_settings,
    uid,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

ROUNDS = 6
BURST = 15


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ServerThread]]:
    requires_pg()
    requires_redis()
    db = run(create_pg_database())
    nodes: list[ServerThread] = []
    try:
        for name in ("node1", "node2"):
            settings = test_settings(
                tmp_path_factory.mktemp(name),
                database_url=db.url,
                redis_url=REDIS_URL,
                redis_prefix=db.name,
            )
            nodes.append(ServerThread(settings).start())
        yield nodes
    finally:
        for node in nodes:
            node.stop()
        run(drop_pg_database(db))


async def burst(conn: Connection, chat: int, prefix: str) -> list[dict[str, Any]]:
    """BURST sends written back to back, then their acks."""
    ids = [f"{prefix}-{i:02d}" for i in range(BURST)]
    for cid in ids:
        await conn.send_frame({"t": "send", "r": cid, "id": cid, "chat": chat, "text": cid})
    acks: dict[str, dict[str, Any]] = {}
    while len(acks) < BURST:
        frame = await conn.next_event(timeout=15)
        assert frame["t"] != "error", frame
        if frame["t"] == "ack":
            acks[frame["id"]] = frame
    return [acks[c] for c in ids]


async def texts_until(
    conn: Connection, chat: int, last_seq: int, system: list[int] | None = None
) -> list[int]:
    """Seqs of the text events this device got in ``chat``, up to ``last_seq``
    (and those of system events into ``system``)."""
    seqs: list[int] = []
    while not seqs or seqs[-1] < last_seq:
        frame = await conn.next_event(timeout=10)
        events = [frame] if frame["t"] == "ev" else frame.get("events", [])
        if frame["t"] in ("ev", "evs") and frame["chat"] == chat:
            seqs += [e["seq"] for e in events if e["kind"] == "text"]
            if system is not None:
                system += [e["seq"] for e in events if e["kind"] == "system"]
    return seqs


async def test_member_added_mid_burst_gets_every_message_live(
    two_nodes: list[ServerThread], closing: list[Any]
) -> None:
    node1, node2 = two_nodes
    alice = await node1.signup("Alice")
    carol = await node1.signup("Carol")
    closing += [alice, carol]
    await befriend(alice, carol)
    a = await alice.connect()
    closing.append(a)
    for round_ in range(ROUNDS):
        # Bob is the only member of the group on node 2, so node 2 has no route for it yet.
        bob = await node2.signup(f"Bob{round_}")
        closing.append(bob)
        await befriend(alice, bob)
        b = await bob.connect()
        closing.append(b)
        group = await alice.create_group(f"round {round_}", [uid(carol)])
        chat = int(group["id"])
        added = asyncio.create_task(alice.add_members(chat, [uid(bob)]))
        await asyncio.sleep(0.002 * round_)  # the adding and the burst overlap differently
        acks = await burst(a, chat, f"r{round_}")
        await added
        system: list[int] = []
        got = await texts_until(b, chat, acks[-1]["seq"], system)
        [joined] = system  # the members_added event, Bob's first in this chat
        # Bob sees the messages after the one that added him: all of them, in order, once.
        assert got == [ack["seq"] for ack in acks if ack["seq"] > joined], (round_, joined, got)
        assert not [f for f in b.drain() if f.get("t") in ("ev", "evs")]


async def test_connecting_during_a_burst_misses_nothing(
    two_nodes: list[ServerThread], closing: list[Any]
) -> None:
    node1, node2 = two_nodes
    alice = await node1.signup("Alice")
    bob = await node2.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    a = await alice.connect()
    closing.append(a)
    for round_ in range(ROUNDS):
        # Bob's first and second device connect while Alice's burst is being published.
        sending = asyncio.create_task(burst(a, chat, f"c{round_}"))
        await asyncio.sleep(0.003 * round_)
        first, second = await asyncio.gather(bob.connect(), bob.connect())
        closing += [first, second]
        acks = await sending
        last = acks[-1]["seq"]
        for conn in (first, second):
            got = await texts_until(conn, chat, last)
            assert got == sorted(set(got)), (round_, got)  # in order, once
            # Whatever the catch-up page began with, every burst message after it is there.
            tail = [ack["seq"] for ack in acks if ack["seq"] >= got[0]]
            assert [s for s in got if s >= tail[0]] == tail, (round_, got)
        await first.close()
        await second.close()
