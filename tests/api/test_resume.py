"""Resume, don't reload: a reconnecting device gets exactly what it missed, then live."""

from __future__ import annotations

import asyncio
from typing import Any

from lianxin.client import Connection, SyncState
from tests.harness import ServerThread, befriend, uid


def texts(frames: list[dict[str, Any]], chat: int) -> list[tuple[int, str]]:
    """(seq, text) of the text events for one chat across ev and evs frames, in arrival order."""
    out = []
    for f in frames:
        events = f["events"] if f.get("t") == "evs" else [f] if f.get("t") == "ev" else []
        out += [
            (e["seq"], e.get("text", ""))
            for e in events
            if e["chat"] == chat and e["kind"] == "text"
        ]
    return out


async def reconnect(
    client: Any, state: SyncState, closing: list[Any]
) -> tuple[Connection, list[dict[str, Any]]]:
    conn = await client.connect(state)
    closing.append(conn)
    return conn, conn.drain()


async def test_missed_messages_arrive_exactly_once_in_order(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    b = await bob.connect()
    await b.close()
    state = b.state  # what Bob's device has persisted
    sent = [await alice.send_text(chat, f"m{i}") for i in range(30)]

    b2, frames = await reconnect(bob, state, closing)
    assert texts(frames, chat) == [(s["seq"], f"m{i}") for i, s in enumerate(sent)]
    assert frames[-1]["t"] == "synced"
    # Then live, with no replay of what was caught up.
    live = await alice.send_text(chat, "live")
    ev = await b2.wait_for(lambda f: f.get("t") == "ev" and f["chat"] == chat)
    assert (ev["seq"], ev["text"]) == (live["seq"], "live")
    assert b2.state.seqs[chat] == live["seq"]


async def test_resume_twice_sends_nothing_new(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    await alice.send_text(chat, "one")
    server.clock.advance(11)  # past the sync overlap window: earlier changes are settled
    b = await bob.connect()
    await b.close()
    _b2, frames = await reconnect(bob, b.state, closing)
    assert texts(frames, chat) == []
    sync = next(f for f in frames if f["t"] == "sync")
    assert sync["chats"] == []


async def test_recall_and_membership_changes_replay(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol = [await server.signup(n) for n in ("Alice", "Bob", "Carol")]
    closing += [alice, bob, carol]
    await befriend(alice, bob)
    await befriend(alice, carol)
    group = await alice.create_group("Trip", [uid(bob)])
    gid = group["id"]
    b = await bob.connect()
    first = await alice.send_text(gid, "hello all")
    await b.wait_for(lambda f: f.get("t") == "ev" and f["chat"] == gid and f["kind"] == "text")
    await b.close()

    await alice.recall(gid, first["seq"])
    await alice.add_members(gid, [uid(carol)])
    await alice.update_group(gid, title="Trip 2026")
    _b2, frames = await reconnect(bob, b.state, closing)
    events = [e for f in frames if f.get("t") == "evs" for e in f["events"]]
    kinds = [e["data"]["type"] for e in events]
    assert kinds == ["recall", "members_added", "renamed"]
    assert events[0]["data"]["seq"] == first["seq"]
    assert events[1]["data"]["users"] == [uid(carol)]
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(first["seq"] + 1, first["seq"] + 4))
    summary = next(c for f in frames if f["t"] == "sync" for c in f["chats"] if c["id"] == gid)
    assert summary["title"] == "Trip 2026" and summary["member_count"] == 3


async def test_added_to_group_while_offline(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    await befriend(alice, bob)
    b = await bob.connect()
    await b.close()
    group = await alice.create_group("Surprise", [uid(bob)])
    await alice.send_text(group["id"], "welcome")
    _b2, frames = await reconnect(bob, b.state, closing)
    sync = next(f for f in frames if f["t"] == "sync")
    assert group["id"] in [c["id"] for c in sync["chats"]]
    assert texts(frames, group["id"]) == [(2, "welcome")]


async def test_removed_while_offline_sees_removal_but_nothing_after(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    await befriend(alice, bob)
    gid = (await alice.create_group("G", [uid(bob)]))["id"]
    b = await bob.connect()
    await b.close()
    await alice.send_text(gid, "before")
    await alice.remove_member(gid, uid(bob))
    await alice.send_text(gid, "after")
    _b2, frames = await reconnect(bob, b.state, closing)
    summary = next(c for f in frames if f["t"] == "sync" for c in f["chats"] if c["id"] == gid)
    assert summary["active"] is False
    events = [e for f in frames if f.get("t") == "evs" and f["chat"] == gid for e in f["events"]]
    assert [e.get("text") or e["data"]["type"] for e in events] == ["before", "member_removed"]


async def test_long_absence_gets_newest_page_and_gap_marker(
    make_server: Any, closing: list[Any]
) -> None:
    srv = make_server(catchup_max_per_chat=40, catchup_page=10)
    alice, bob = await srv.signup("Alice"), await srv.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    b = await bob.connect()
    await b.close()
    have = b.state.seqs[chat]
    sent = [await alice.send_text(chat, f"m{i}") for i in range(60)]
    b2, frames = await reconnect(bob, b.state, closing)
    gap = next(f for f in frames if f["t"] == "gap")
    got = texts(frames, chat)
    assert [s for s, _ in got] == [s["seq"] for s in sent[-10:]]
    assert gap == {"t": "gap", "chat": chat, "after": have, "before": sent[-10]["seq"]}
    # The device fills the hole on demand, exactly.
    filled = await b2.history(chat, after=gap["after"], limit=200)
    hole = [e["seq"] for e in filled["events"] if e["seq"] < gap["before"]]
    assert hole == list(range(have + 1, gap["before"]))


async def test_new_device_gets_chat_list_and_latest_page(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    for i in range(5):
        await alice.send_text(chat, f"m{i}")
    assert bob.account is not None
    laptop = await server.signin(bob.account["phone"], device="laptop")
    closing.append(laptop)
    _conn, frames = await reconnect(laptop, SyncState(), closing)
    sync = next(f for f in frames if f["t"] == "sync")
    assert sync["full"] is True and [c["id"] for c in sync["chats"]] == [chat]
    assert sync["chats"][0]["unread"] == 5
    assert [t for _, t in texts(frames, chat)] == [f"m{i}" for i in range(5)]
    assert [f["id"] for f in sync["friends"]] == [uid(alice)]


async def test_state_changes_while_offline_sync_by_token(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol = [await server.signup(n) for n in ("Alice", "Bob", "Carol")]
    closing += [alice, bob, carol]
    chat = await befriend(alice, bob)
    await alice.send_text(chat, "x")
    server.clock.advance(11)
    b = await bob.connect()
    await b.close()
    await alice.update_me(name="Alice Liu")
    req = await carol.send_friend_request(uid(bob), "hey")
    await bob.delete_for_me(chat, 2)
    _b2, frames = await reconnect(bob, b.state, closing)
    sync = next(f for f in frames if f["t"] == "sync")
    assert sync["full"] is False
    assert [p["name"] for p in sync["profiles"]] == ["Alice Liu"]
    assert [r["id"] for r in sync["requests"]] == [req["id"]]
    assert sync["hidden"] == [{"chat": chat, "seq": 2}]


async def test_sync_shows_peers_and_requesters_who_are_not_friends(
    server: ServerThread, closing: list[Any]
) -> None:
    """The sync reads its users once (me, friends, requests) and the chat list reads only
    the peers missing from them: an ex-friend's direct chat still shows its peer."""
    alice, bob, carol = [await server.signup(n) for n in ("Alice", "Bob", "Carol")]
    closing += [alice, bob, carol]
    chat = await befriend(alice, bob)
    await alice.remove_friend(uid(bob))
    req = await carol.send_friend_request(uid(bob), "hey")
    _b, frames = await reconnect(bob, SyncState(), closing)
    sync = next(f for f in frames if f["t"] == "sync")
    assert uid(alice) not in [f["id"] for f in sync["friends"] if f["active"]]
    [entry] = [c for c in sync["chats"] if c["id"] == chat]
    assert (entry["peer"]["id"], entry["title"]) == (uid(alice), "Alice")
    assert [(r["id"], r["user"]["id"]) for r in sync["requests"]] == [(req["id"], uid(carol))]
    assert sync["me"]["id"] == uid(bob)


async def test_events_sent_during_catch_up_are_neither_lost_nor_doubled(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    b = await bob.connect()
    await b.close()
    before = [await alice.send_text(chat, f"old{i}") for i in range(40)]

    async def keep_sending() -> list[dict[str, Any]]:
        return [await alice.send_text(chat, f"new{i}") for i in range(40)]

    sender = asyncio.create_task(keep_sending())
    b2 = await bob.connect(b.state)
    closing.append(b2)
    during = await sender
    last = during[-1]["seq"]
    frames = b2.drain()
    while b2.state.seqs.get(chat, 0) < last:
        frames.append(await b2.next_event())
    frames += b2.drain()
    seqs = [s for s, _ in texts(frames, chat)]
    assert sorted(seqs) == [s["seq"] for s in before + during]
    assert len(seqs) == len(set(seqs))


async def test_sync_frame_lists_only_changed_chats(
    server: ServerThread, closing: list[Any]
) -> None:
    alice = await server.signup("Alice")
    friends = [await server.signup(f"F{i}") for i in range(12)]
    closing += [alice, *friends]
    chats = [await befriend(alice, f) for f in friends]
    server.clock.advance(11)
    a = await alice.connect()
    await a.close()
    await friends[3].send_text(chats[3], "ping")
    _a2, frames = await reconnect(alice, a.state, closing)
    sync = next(f for f in frames if f["t"] == "sync")
    assert [c["id"] for c in sync["chats"]] == [chats[3]]
    assert sync["chats"][0]["unread"] == 1


async def test_resume_of_many_chats_in_one_snapshot_sends_exactly_the_missed_events(
    make_server: Any, closing: list[Any]
) -> None:
    """The plan and every chat's catch-up pages are read in one scope: each chat gets
    exactly its missed events, paged in order, each page's events after the last one."""
    srv = make_server(catchup_page=4)
    bob = await srv.signup("Bob")
    friends = [await srv.signup(f"F{i}") for i in range(5)]
    closing += [bob, *friends]
    chats = [await befriend(f, bob) for f in friends]
    await befriend(friends[0], friends[1])
    group = (await friends[0].create_group("Crew", [uid(bob), uid(friends[1])]))["id"]
    b = await bob.connect()
    await b.close()
    sent: dict[int, list[tuple[int, str]]] = {}
    for i, (friend, chat) in enumerate(zip(friends, chats, strict=True)):
        acks = [await friend.send_text(chat, f"c{i}-{n}") for n in range(i * 3)]  # 0..12
        sent[chat] = [(a["seq"], f"c{i}-{n}") for n, a in enumerate(acks)]
    acks = [await friends[n % 2].send_text(group, f"g{n}") for n in range(9)]
    sent[group] = [(a["seq"], f"g{n}") for n, a in enumerate(acks)]

    _b2, frames = await reconnect(bob, b.state, closing)
    for chat, expected in sent.items():
        assert texts(frames, chat) == expected
        pages = [f for f in frames if f.get("t") == "evs" and f["chat"] == chat]
        assert all(len(p["events"]) <= 4 for p in pages)
    assert not [f for f in frames if f.get("t") == "gap"]
    kinds = [f["t"] for f in frames]
    assert kinds[:2] == ["welcome", "sync"] and kinds[-1] == "synced"
