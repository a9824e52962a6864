"""Live group read counts: a sender's devices hear (coalesced per chat) that readers passed
their messages; nobody else does, direct chats keep their `read` frames, and the welcome
frame carries the server's edit and recall windows."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from lianxin.client.connection import Connection
from tests.harness import ServerThread, befriend, live, people, uid


def reads_frames(conn: Connection) -> list[dict[str, Any]]:
    return [f for f in conn.drain() if f.get("t") == "reads"]


async def group_of(owner: Any, *others: Any) -> int:
    for other in others:
        await befriend(owner, other)
    return int((await owner.create_group("Team", [uid(o) for o in others]))["id"])


async def test_sender_hears_reads_live(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol = await people(server, closing, "Alice", "Bob", "Carol")
    gid = await group_of(alice, bob, carol)
    msg = await alice.send_text(gid, "lunch at 12?")
    phone, laptop = await live(alice, closing), await live(alice, closing)
    watcher = await live(carol, closing)

    await bob.mark_read(gid, msg["seq"])
    for device in (phone, laptop):  # every device of the sender, no polling
        frame = await device.wait_for(lambda f: f.get("t") == "reads", timeout=5)
        assert frame["chat"] == gid and frame["after"] < msg["seq"] <= frame["upto"]
    assert (await alice.reads(gid, msg["seq"]))["read"] == 1
    await asyncio.sleep(0.3)
    assert reads_frames(watcher) == []  # carol sent nothing: she hears nothing


async def test_only_senders_of_passed_messages(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol, dave = await people(server, closing, "Alice", "Bob", "Carol", "Dave")
    gid = await group_of(alice, bob, carol, dave)
    early = await dave.send_text(gid, "first!")
    await bob.mark_read(gid, early["seq"])
    dave_conn = await live(dave, closing)
    alice_conn = await live(alice, closing)
    await asyncio.sleep(1.2)  # past the interval: the next mark goes out at once
    dave_conn.drain()
    alice_conn.drain()

    later = await alice.send_text(gid, "second")
    await bob.mark_read(gid, later["seq"])
    frame = await alice_conn.wait_for(lambda f: f.get("t") == "reads", timeout=5)
    assert (frame["after"], frame["upto"]) == (early["seq"], later["seq"])
    await asyncio.sleep(0.3)
    assert reads_frames(dave_conn) == []  # bob had read dave's message already

    # A sender who left the group hears nothing more about it.
    await dave.leave(gid)
    await carol.mark_read(gid, later["seq"])
    await asyncio.sleep(1.5)
    assert reads_frames(dave_conn) == []


async def test_marks_are_coalesced_per_chat(make_server: Any, closing: list[Any]) -> None:
    srv = make_server(read_counts_interval_ms=3000)
    alice, *readers = await people(srv, closing, "Alice", "B", "C", "D", "E", "F")
    gid = await group_of(alice, *readers)
    msg = await alice.send_text(gid, "vote now")
    conn = await live(alice, closing)

    started = time.monotonic()
    for r in readers:
        await r.mark_read(gid, msg["seq"])
    assert time.monotonic() - started < 3, "marks took longer than the interval"
    first = await conn.wait_for(lambda f: f.get("t") == "reads", timeout=1)  # leading edge
    assert first["upto"] == msg["seq"]
    second = await conn.wait_for(lambda f: f.get("t") == "reads", timeout=6)  # one trailing
    assert second["upto"] == msg["seq"]
    await asyncio.sleep(3.5)
    assert reads_frames(conn) == []  # five readers, two frames
    assert (await alice.reads(gid, msg["seq"]))["read"] == 5


async def test_direct_chats_and_repeats_send_no_reads_frame(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol = await people(server, closing, "Alice", "Bob", "Carol")
    direct = await befriend(alice, bob)
    msg = await alice.send_text(direct, "hi")
    conn = await live(alice, closing)
    await bob.mark_read(direct, msg["seq"])
    read = await conn.wait_for(lambda f: f.get("t") == "read", timeout=5)
    assert read["user"] == uid(bob)

    gid = await group_of(alice, carol)
    gmsg = await alice.send_text(gid, "hello group")
    await carol.mark_read(gid, gmsg["seq"])
    await conn.wait_for(lambda f: f.get("t") == "reads" and f["chat"] == gid, timeout=5)
    await asyncio.sleep(1.2)
    conn.drain()
    await carol.mark_read(gid, gmsg["seq"])  # not a move: nothing changed, nothing sent
    await asyncio.sleep(0.5)
    assert reads_frames(conn) == []


async def test_welcome_carries_the_windows(make_server: Any, closing: list[Any]) -> None:
    srv = make_server(edit_window_s=600, recall_window_s=30)
    (alice,) = await people(srv, closing, "Alice")
    conn = await live(alice, closing)
    limits = conn.welcome["limits"]
    assert limits["edit_window_s"] == 600 and limits["recall_window_s"] == 30
