"""Sends on PostgreSQL: the one-round-trip path (``store/pg_send.py``) and its fallbacks.

Three nodes on one database send into the same chats at once: every chat's seqs stay
gap-free and unique, each client id is stored once, and what a sender is acked is what
history returns. Every case the fast path does not decide (resends, refusals, a
membership removed while the send waited for the chat's lock) ends as the general send
ends it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest

from lianxin.client import Client
from lianxin.config import Settings
from lianxin.store import chats as chats_store
from lianxin.store import pg_send
from lianxin.store.db import Database
from tests.conftest import requires_pg, requires_redis
from tests.harness import (
    REDIS_URL,
    PgDatabase,
    ServerThread,
    befriend,
    create_pg_database,
    drop_pg_database,
    people,
    refused,
    run,
    test_settings,
    uid,
)

pytestmark = pytest.mark.integration

Nodes = tuple[list[ServerThread], PgDatabase]


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    requires_pg()
    requires_redis()
    db = run(create_pg_database())
    started: list[ServerThread] = []
    try:
        for name in ("node1", "node2", "node3"):
            settings = test_settings(
                tmp_path_factory.mktemp(name), database_url=db.url, redis_url=REDIS_URL
            )
            started.append(ServerThread(settings).start())
        yield started, db
    finally:
        for node in started:
            node.stop()
        run(drop_pg_database(db))


async def all_history(client: Client, chat: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = 0
    while True:
        page = await client.history(chat, after=after, limit=100)
        events = page["events"] if isinstance(page, dict) else page
        if not events:
            return out
        out.extend(events)
        after = events[-1]["seq"]


def assert_gap_free(events: list[dict[str, Any]]) -> None:
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


async def test_concurrent_senders_on_three_nodes(nodes: Nodes, closing: list[Any]) -> None:
    servers, _ = nodes
    users = [await s.signup(f"u{i}{j}") for j in range(2) for i, s in enumerate(servers)]
    closing.extend(users)
    owner, *others = users
    for other in others:
        await befriend(owner, other)
    group = int((await owner.create_group("busy", [uid(u) for u in others]))["id"])
    direct = await befriend(users[1], users[2])  # on node 2 and node 3

    # One send per user first: three in-process servers building FastAPI's lazy request
    # models at the same moment can trip a pydantic warning (an error under pytest).
    for user in users:
        await user.send_text(group, "warm up")

    async def burst(client: Client, chat: int, n: int, tag: str) -> list[dict[str, Any]]:
        return [await client.send_text(chat, f"{tag} {k}") for k in range(n)]

    # Every user sends 20 into the group, both ends of the direct chat 20 more, and
    # each client id below is sent twice at the same moment (one stored, one resend).
    cids = [uuid.uuid4().hex for _ in range(6)]
    twins = [
        users[k % len(users)].send_text(group, f"twin {k}", client_id=cid)
        for k, cid in enumerate(cids)
        for _ in range(2)
    ]
    results = await asyncio.gather(
        *(burst(u, group, 20, f"g{n}") for n, u in enumerate(users)),
        burst(users[1], direct, 20, "d1"),
        burst(users[2], direct, 20, "d2"),
        *twins,
    )
    group_acks = [a for r in results[: len(users)] for a in r]
    direct_acks = [a for r in results[len(users) : len(users) + 2] for a in r]
    twin_acks: list[dict[str, Any]] = list(results[len(users) + 2 :])

    for chat, acks in ((group, group_acks + twin_acks), (direct, direct_acks)):
        events = [e for e in await all_history(owner if chat == group else users[1], chat)]
        assert_gap_free(events)
        texts = [e for e in events if e["kind"] == "text" and e["text"] != "warm up"]
        by_seq = {e["seq"]: e for e in texts}
        stored = [a for a in acks if not a["duplicate"]]
        assert len({a["seq"] for a in stored}) == len(stored) == len(texts)
        for ack in acks:  # the ack is the stored event
            event = by_seq[ack["seq"]]
            assert {k: event.get(k) for k in ("id", "from", "text", "ts", "cid")} == {
                k: ack.get(k) for k in ("id", "from", "text", "ts", "cid")
            }
    for cid in cids:
        pair = [a for a in twin_acks if a["cid"] == cid]
        assert len({a["seq"] for a in pair}) == 1
        assert sorted(a["duplicate"] for a in pair) == [False, True]


async def test_what_the_fast_path_leaves_to_the_general_send(
    nodes: Nodes, closing: list[Any]
) -> None:
    node = nodes[0][0]
    alice, bob, carol, dave = await people(node, closing, "Alice", "Bob", "Carol", "Dave")
    chat = await befriend(alice, bob)
    await befriend(alice, carol)
    first = await alice.send_text(chat, "hello", client_id="c1")
    again = await alice.send_text(chat, "hello", client_id="c1")
    assert again["duplicate"] and again["seq"] == first["seq"]
    other = await befriend(alice, dave)
    await refused(alice.send_text(other, "reuse", client_id="c1"), "conflict", 409)
    await refused(carol.send_text(chat, "not mine"), "not_member", 404)
    await bob.block(uid(alice))
    await refused(alice.send_text(chat, "blocked"), "blocked", 403)
    await refused(bob.send_text(chat, "I blocked"), "blocked", 403)
    await bob.unblock(uid(alice))
    await alice.remove_friend(uid(bob))
    await refused(alice.send_text(chat, "stranger"), "not_friends", 403)
    await bob.update_privacy(stranger_messages=True)
    stranger = await alice.send_text(chat, "strangers allowed")  # the general send's rule

    group = int((await alice.create_group("g", [uid(carol)]))["id"])
    await alice.remove_member(group, uid(carol))
    await refused(carol.send_text(group, "removed"), "not_member", 404)
    await alice.send_text(group, "after")
    # Nothing refused took a seq: both chats stay gap-free.
    assert_gap_free(await all_history(alice, group))
    events = await all_history(alice, chat)
    assert_gap_free(events)
    assert events[-1]["seq"] == stranger["seq"]


async def test_a_removal_made_while_the_send_waits_for_the_chat_is_seen(
    nodes: Nodes, closing: list[Any]
) -> None:
    (node, *_), db = nodes
    alice, bob = await people(node, closing, "Alice", "Bob")
    await befriend(alice, bob)
    group = int((await alice.create_group("g", [uid(bob)]))["id"])
    before = (await alice.history(group))["events"][-1]["seq"]
    locker = await asyncpg.connect(db.url)
    try:
        tx = locker.transaction()
        await tx.start()
        await locker.execute("SELECT 1 FROM chats WHERE id = $1 FOR UPDATE", group)
        await locker.execute(
            "UPDATE members SET active = false WHERE chat_id = $1 AND user_id = $2",
            group,
            uid(bob),
        )
        send = asyncio.create_task(bob.send_text(group, "too late"))
        deadline = time.monotonic() + 10
        while not await locker.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
            db.name,
        ):
            assert time.monotonic() < deadline, "the send never waited for the chat row"
            await asyncio.sleep(0.02)
        await tx.commit()
        await refused(send, "not_member", 404)
    finally:
        await locker.close()
    after = await alice.send_text(group, "next")
    assert after["seq"] == before + 1


async def test_a_plain_text_send_is_one_call_and_a_refusal_keeps_nothing(
    nodes: Nodes, closing: list[Any]
) -> None:
    (node, *_), db = nodes
    alice, bob, carol = await people(node, closing, "Alice", "Bob", "Carol")
    await befriend(alice, bob)
    group = int((await alice.create_group("g", [uid(bob)]))["id"])
    last = (await alice.history(group))["events"][-1]["seq"]
    url = Settings(database_url=db.url).effective_database_url
    database = Database(url, pool_size=1, max_overflow=0)
    texts = pg_send.Sender(database)
    try:
        row = await texts.send(group, uid(bob), "one-call", "hi", 1234)
        assert row is not None and (row.seq, row.text, row.created_at) == (last + 1, "hi", 1234)
        # A resend, a non-member: nothing stored, no seq taken; the general send decides.
        assert await texts.send(group, uid(bob), "one-call", "hi", 1) is None
        assert await texts.send(group, uid(carol), "c", "hi", 1) is None
        async with database.read() as conn:
            chat = await chats_store.get_chat(conn, group)
            member = await chats_store.get_member(conn, group, uid(bob))
        assert chat is not None and member is not None
        assert (chat.last_seq, member.read_seq, member.delivered_seq) == (last + 1,) * 3
    finally:
        await database.close()
    stored = (await alice.history(group))["events"][-1]
    assert (stored["seq"], stored["id"], stored["cid"]) == (row.seq, row.id, "one-call")


async def test_sends_queued_together_go_in_one_call(nodes: Nodes, closing: list[Any]) -> None:
    (node, *_), db = nodes
    alice, bob, carol = await people(node, closing, "Alice", "Bob", "Carol")
    direct = await befriend(alice, bob)
    await alice.send_text(direct, "opens the chat")
    group = int((await alice.create_group("g", [uid(bob)]))["id"])
    last = {c: (await alice.history(c))["events"][-1]["seq"] for c in (group, direct)}
    url = Settings(database_url=db.url).effective_database_url
    database = Database(url, pool_size=2, max_overflow=0)
    texts = pg_send.Sender(database)
    calls: list[int] = []
    call = texts._call

    async def counted(batch: list[Any]) -> None:
        calls.append(len(batch))
        await call(batch)

    texts._call = counted  # type: ignore[method-assign]
    try:
        rows = await asyncio.gather(
            *(texts.send(group, uid(bob), f"g{k}", f"group {k}", 10 + k) for k in range(5)),
            texts.send(group, uid(carol), "x", "not a member", 1),
            texts.send(direct, uid(bob), "twin", "first", 2),
            texts.send(group, uid(bob), "twin", "same client id, other chat", 3),
            *(texts.send(direct, uid(alice), f"d{k}", f"direct {k}", 20 + k) for k in range(3)),
        )
    finally:
        await database.close()
    assert calls == [len(rows)]  # one round trip, one commit
    assert [r.seq for r in rows[:5]] == [last[group] + k for k in range(1, 6)]
    assert rows[5] is None  # refused by the general send
    twins = rows[6:8]  # the first in the call is stored; the other is the general send's
    assert sorted(r is None for r in twins) == [False, True]
    assert sorted(r.seq for r in rows[8:] + [r for r in twins if r is not None]) == [
        last[direct] + k for k in range(1, 5)
    ]
    for chat in (group, direct):
        assert_gap_free(await all_history(alice, chat))
