"""Groups end to end: create, members, roles, leave, limits, and live membership routing.

Membership changes are ``system`` events in the chat's own log, so the tests read them
both live (on open WebSockets) and from history, and check who may see what afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from lianxin.client import Client
from lianxin.client.connection import Connection, FrameError
from tests.harness import ServerThread, befriend, live, people, refused, uid

Match = Callable[[dict[str, Any]], bool]


def is_system(chat: int, kind: str) -> Match:
    return lambda f: (
        f.get("t") == "ev"
        and f["chat"] == chat
        and f["kind"] == "system"
        and f["data"]["type"] == kind
    )


def is_text(chat: int, text: str) -> Match:
    return lambda f: f.get("t") == "ev" and f["chat"] == chat and f.get("text") == text


async def group_of(owner: Client, *others: Client, title: str = "Team") -> int:
    """A group owned by ``owner`` with ``others`` (befriended first) as members."""
    for other in others:
        await befriend(owner, other)
    created = await owner.create_group(title, [uid(o) for o in others])
    return int(created["id"])


async def seqs(client: Client, chat: int) -> list[int]:
    return [e["seq"] for e in (await client.history(chat, limit=200))["events"]]


async def not_delivered(
    conn: Connection, sender: Client, receiver: Client, unwanted: Match
) -> None:
    """Prove ``conn`` did not get ``unwanted``: a later direct message arrives first.

    The sender's direct message is published after the unwanted event, and one node's bus
    keeps a publisher's order, so everything before it has already been delivered.
    """
    direct = (await sender.open_direct(uid(receiver)))["id"]
    marker = f"barrier {id(conn)}"
    await sender.send_text(direct, marker)
    seen = []
    while True:
        frame = await conn.next_event()
        if is_text(direct, marker)(frame):
            break
        seen.append(frame)
    assert [f for f in seen if unwanted(f)] == []


# -- creating ---------------------------------------------------------------------------


async def test_created_group_reaches_connected_members_live(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol = await people(server, closing, "Alice", "Bob", "Carol")
    await befriend(alice, bob)
    await befriend(alice, carol)
    a, b, c = await live(alice, closing), await live(bob, closing), await live(carol, closing)

    summary = await alice.create_group("  Weekend   hiking ", [uid(bob), uid(carol), uid(bob)])
    chat = summary["id"]
    assert summary["kind"] == "group" and summary["title"] == "Weekend hiking"
    assert (summary["role"], summary["member_count"], summary["visible_from"]) == ("owner", 3, 0)
    assert summary["last_seq"] == 1 and summary["last"]["data"]["type"] == "created"

    for conn in (a, b, c):
        ev = await conn.wait_for(is_system(chat, "created"))
        assert ev["seq"] == 1 and ev["from"] == uid(alice)
        assert ev["data"]["users"] == [uid(alice), uid(bob), uid(carol)]
        assert ev["data"]["title"] == "Weekend hiking"
        assert ev["data"]["names"] == {
            str(uid(alice)): "Alice",
            str(uid(bob)): "Bob",
            str(uid(carol)): "Carol",
        }

    # The hub now routes the group's chat topic to the members' sessions.
    await alice.send_text(chat, "who brings the tent?")
    for conn in (a, b, c):
        ev = await conn.wait_for(is_text(chat, "who brings the tent?"))
        assert ev["seq"] == 2
    ack = await c.send_text(chat, "me")
    assert (await b.wait_for(is_text(chat, "me")))["seq"] == ack["seq"] == 3

    members = {m["id"]: m["role"] for m in await bob.members(chat)}
    assert members == {uid(alice): "owner", uid(bob): "member", uid(carol): "member"}
    assert (await bob.chat(chat))["role"] == "member"
    assert chat in [c["id"] for c in await carol.chats()]


async def test_create_group_refusals_change_nothing(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, stranger = await people(server, closing, "Alice", "Bob", "Stranger")
    await befriend(alice, bob)
    before = await alice.chats()

    await refused(alice.create_group("Team", [uid(bob), uid(stranger)]), "not_friends", 403)
    await refused(alice.create_group("Team", [uid(bob), 10**12]), "not_found", 404)
    await refused(alice.create_group("Team", [uid(bob), 2**60]), "bad_request", 400)
    await refused(alice.create_group("Team", [0]), "bad_request", 400)
    for title in ("", "   ", "\n\t", "x" * 65, "nul\x00", "bell\x07", "del\x7f"):
        await refused(alice.create_group(title, [uid(bob)]), "bad_request", 400)
    await refused(alice.create_group("x" * 201, [uid(bob)]), "bad_request", 400)

    assert await alice.chats() == before
    assert [c for c in await bob.chats() if c["kind"] == "group"] == []

    longest = await alice.create_group("名" * 64, [uid(bob)])
    assert longest["title"] == "名" * 64
    alone = await alice.create_group("Notes to self", [uid(alice)])
    assert alone["member_count"] == 1


async def test_member_limit_from_config(
    make_server: Callable[..., ServerThread], closing: list[Any]
) -> None:
    srv = make_server(group_member_limit=3)
    alice, bob, carol, dave = await people(srv, closing, "Alice", "Bob", "Carol", "Dave")
    for friend in (bob, carol, dave):
        await befriend(alice, friend)

    await refused(
        alice.create_group("Too big", [uid(bob), uid(carol), uid(dave)]), "member_limit", 409
    )
    chat = (await alice.create_group("Full", [uid(bob), uid(carol)]))["id"]
    await refused(alice.add_members(chat, [uid(dave)]), "member_limit", 409)
    assert await seqs(alice, chat) == [1]
    await refused(dave.history(chat), "not_member", 404)

    await alice.remove_member(chat, uid(carol))
    assert await alice.add_members(chat, [uid(dave)]) == [uid(dave)]
    assert (await alice.chat(chat))["member_count"] == 3


# -- adding ------------------------------------------------------------------------------


async def test_added_member_gets_event_live_and_history_from_there(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol, dave = await people(server, closing, "Alice", "Bob", "Carol", "Dave")
    chat = await group_of(alice, bob)
    await alice.send_text(chat, "before carol")
    await befriend(alice, carol)
    c = await live(carol, closing)

    assert await alice.add_members(chat, [uid(carol), uid(bob)]) == [uid(carol)]
    added = await c.wait_for(is_system(chat, "members_added"))
    assert added["seq"] == 3 and added["data"]["users"] == [uid(carol)]
    assert added["data"]["by"] == uid(alice) and added["data"]["names"] == {
        str(uid(carol)): "Carol"
    }

    summary = await carol.chat(chat)
    assert (summary["visible_from"], summary["role"], summary["member_count"]) == (2, "member", 3)
    assert summary["unread"] == 0 and summary["last"]["seq"] == 3
    assert await seqs(carol, chat) == [3]
    assert (await carol.history(chat, before=3))["events"] == []
    assert [e["seq"] for e in (await carol.history(chat, after=0))["events"]] == [3]

    # Carol's session now receives the group live (join routing), and she can talk.
    await bob.send_text(chat, "welcome carol")
    assert (await c.wait_for(is_text(chat, "welcome carol")))["seq"] == 4
    await carol.send_text(chat, "thanks")

    # Any member may add their own friends; only friends; only once.
    await befriend(carol, dave)
    await refused(bob.add_members(chat, [uid(dave)]), "not_friends", 403)
    await refused(carol.add_members(chat, [10**12]), "not_found", 404)
    assert await carol.add_members(chat, [uid(dave)]) == [uid(dave)]
    assert await carol.add_members(chat, [uid(dave)]) == []
    assert (await dave.chat(chat))["visible_from"] == 5
    assert (await alice.chat(chat))["member_count"] == 4
    await refused(carol.add_members(chat, []), "bad_request", 400)


async def test_outsiders_cannot_touch_a_group(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, eve = await people(server, closing, "Alice", "Bob", "Eve")
    chat = await group_of(alice, bob)
    await befriend(eve, bob)
    calls = (
        lambda: eve.chat(chat),
        lambda: eve.members(chat),
        lambda: eve.history(chat),
        lambda: eve.add_members(chat, [uid(bob)]),
        lambda: eve.update_group(chat, title="mine now"),
        lambda: eve.remove_member(chat, uid(bob)),
        lambda: eve.set_role(chat, uid(bob), "admin"),
        lambda: eve.leave(chat),
        lambda: eve.chat_settings(chat, pinned=True),
    )
    for call in calls:
        await refused(call(), "not_member", 404)
    await refused(eve.chat(10**12), "not_member", 404)
    await refused(eve.chat(2**60), "bad_request", 400)
    assert await seqs(alice, chat) == [1]
    assert (await alice.chat(chat))["title"] == "Team"


async def test_direct_chats_are_not_groups(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol = await people(server, closing, "Alice", "Bob", "Carol")
    direct = await befriend(alice, bob)
    await befriend(alice, carol)
    await refused(alice.update_group(direct, title="us"), "bad_request", 400)
    await refused(alice.add_members(direct, [uid(carol)]), "bad_request", 400)
    await refused(alice.remove_member(direct, uid(bob)), "bad_request", 400)
    await refused(alice.leave(direct), "bad_request", 400)
    await refused(alice.set_role(direct, uid(bob), "admin"), "bad_request", 400)
    assert {m["id"] for m in await bob.members(direct)} == {uid(alice), uid(bob)}
    assert (await bob.chat(direct))["title"] == "Alice"


# -- removing and leaving --------------------------------------------------------------


async def test_removed_member_reads_up_to_removal_and_stops_receiving(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol = await people(server, closing, "Alice", "Bob", "Carol")
    chat = await group_of(alice, bob, carol)
    await alice.send_text(chat, "still here")
    b, c = await live(bob, closing), await live(carol, closing)

    await alice.remove_member(chat, uid(bob))
    removed = await b.wait_for(is_system(chat, "member_removed"))
    assert removed["seq"] == 3 and removed["data"]["user"] == uid(bob)
    assert (await c.wait_for(is_system(chat, "member_removed")))["seq"] == 3

    await alice.send_text(chat, "after bob")
    await c.wait_for(is_text(chat, "after bob"))
    await not_delivered(b, alice, bob, lambda f: f.get("chat") == chat)

    assert await seqs(bob, chat) == [1, 2, 3]
    assert (await bob.history(chat, after=3))["events"] == []
    summary = await bob.chat(chat)
    assert summary["active"] is False and summary["last_seq"] == 3 and summary["unread"] == 0
    assert chat not in [x["id"] for x in await bob.chats()]
    await refused(bob.send_text(chat, "let me back"), "not_member", 404)
    await refused(bob.members(chat), "not_member", 404)
    await refused(bob.mark_read(chat, 4), "not_member", 404)
    await refused(bob.leave(chat), "not_member", 404)
    with pytest.raises(FrameError) as err:
        await b.send_text(chat, "over the socket")
    assert err.value.code == "not_member"
    assert uid(bob) not in {m["id"] for m in await alice.members(chat)}
    assert (await alice.chat(chat))["member_count"] == 2
    await refused(alice.remove_member(chat, uid(bob)), "not_found", 404)
    await refused(alice.remove_member(chat, uid(alice)), "bad_request", 400)


async def test_leaving_owner_hands_over_and_leaver_can_be_added_back(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol, dave = await people(server, closing, "Alice", "Bob", "Carol", "Dave")
    chat = await group_of(alice, bob, carol, dave)
    await alice.set_role(chat, uid(carol), "admin")
    c = await live(carol, closing)

    await alice.leave(chat)
    left = await c.wait_for(is_system(chat, "member_left"))
    assert left["data"]["user"] == uid(alice)
    assert left["data"]["new_owner"] == uid(carol)  # an admin before longer-serving members
    roles = {m["id"]: m["role"] for m in await bob.members(chat)}
    assert roles == {uid(bob): "member", uid(carol): "owner", uid(dave): "member"}
    await refused(alice.send_text(chat, "hello?"), "not_member", 404)
    await refused(alice.leave(chat), "not_member", 404)

    # With no admin left, the longest-serving member inherits.
    await carol.leave(chat)
    roles = {m["id"]: m["role"] for m in await bob.members(chat)}
    assert roles == {uid(bob): "owner", uid(dave): "member"}

    # A member who leaves is no owner's heir and gets nothing more.
    await befriend(bob, dave)
    d = await live(dave, closing)
    await dave.leave(chat)
    last = await d.wait_for(is_system(chat, "member_left"))
    assert "new_owner" not in last["data"]
    await bob.send_text(chat, "just me")
    await not_delivered(d, bob, dave, lambda f: f.get("chat") == chat)

    # Added back: a fresh start from the re-adding event, and live delivery again.
    assert await bob.add_members(chat, [uid(dave)]) == [uid(dave)]
    back = await d.wait_for(is_system(chat, "members_added"))
    summary = await dave.chat(chat)
    assert summary["active"] is True and summary["visible_from"] == back["seq"] - 1
    assert summary["role"] == "member"
    assert await seqs(dave, chat) == [back["seq"]]
    await bob.send_text(chat, "welcome back")
    assert (await d.wait_for(is_text(chat, "welcome back")))["seq"] == back["seq"] + 1
    assert (await bob.chat(chat))["member_count"] == 2


async def test_last_member_can_leave(server: ServerThread, closing: list[Any]) -> None:
    (alice,) = await people(server, closing, "Alice")
    chat = (await alice.create_group("Solo", []))["id"]
    await alice.leave(chat)
    summary = await alice.chat(chat)
    assert summary["active"] is False and summary["member_count"] == 0
    assert (await alice.history(chat))["events"][-1]["data"] == {
        "type": "member_left",
        "user": uid(alice),
        "names": {str(uid(alice)): "Alice"},
    }


# -- roles and permissions ---------------------------------------------------------------


async def test_roles_decide_who_may_do_what(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol, dave, erin = await people(
        server, closing, "Alice", "Bob", "Carol", "Dave", "Erin"
    )
    chat = await group_of(alice, bob, carol, dave, erin)
    b = await live(bob, closing)
    await alice.set_role(chat, uid(bob), "admin")
    changed = await b.wait_for(is_system(chat, "role_changed"))
    assert changed["data"] == {
        "type": "role_changed",
        "by": uid(alice),
        "user": uid(bob),
        "role": "admin",
    }
    await alice.set_role(chat, uid(erin), "admin")

    # Only the owner changes roles.
    await refused(bob.set_role(chat, uid(carol), "admin"), "not_allowed", 403)
    await refused(carol.set_role(chat, uid(dave), "admin"), "not_allowed", 403)
    await refused(alice.set_role(chat, uid(alice), "member"), "not_found", 404)
    await refused(alice.set_role(chat, 10**12, "admin"), "not_found", 404)
    await refused(alice.set_role(chat, uid(carol), "king"), "bad_request", 400)

    # Admins remove plain members only; members remove nobody.
    await refused(carol.remove_member(chat, uid(dave)), "not_allowed", 403)
    await refused(bob.remove_member(chat, uid(alice)), "not_allowed", 403)
    await refused(bob.remove_member(chat, uid(erin)), "not_allowed", 403)
    await bob.remove_member(chat, uid(dave))
    removed = await b.wait_for(is_system(chat, "member_removed"))
    assert removed["data"]["by"] == uid(bob) and removed["data"]["user"] == uid(dave)
    await alice.remove_member(chat, uid(erin))  # the owner removes admins too

    # Announcements: owner and admins. Renaming: anyone (WeChat's default).
    await refused(carol.update_group(chat, announcement="free pizza"), "not_allowed", 403)
    updated = await bob.update_group(chat, announcement="  Meet at 9  ")
    assert updated["announcement"] == "Meet at 9"
    ann = await b.wait_for(is_system(chat, "announcement"))
    assert ann["data"] == {"type": "announcement", "by": uid(bob), "text": "Meet at 9"}
    renamed = await carol.update_group(chat, title="Carol's club")
    assert renamed["title"] == "Carol's club"
    assert (await b.wait_for(is_system(chat, "renamed")))["data"]["title"] == "Carol's club"
    assert (await alice.chat(chat))["title"] == "Carol's club"

    # A refused change in one request changes nothing, not even the allowed half.
    await refused(carol.update_group(chat, title="Half", announcement="x"), "not_allowed", 403)
    await refused(bob.update_group(chat, announcement="x" * 2001), "bad_request", 400)
    await refused(bob.update_group(chat, announcement="nul\x00"), "bad_request", 400)
    await refused(bob.update_group(chat, title="nul\x00"), "bad_request", 400)
    await refused(bob.update_group(chat, title=" "), "bad_request", 400)
    summary = await alice.chat(chat)
    assert (summary["title"], summary["announcement"]) == ("Carol's club", "Meet at 9")
    assert (await bob.update_group(chat, announcement=""))["announcement"] == ""

    # Handing over ownership: the old owner becomes an admin.
    await alice.set_role(chat, uid(carol), "owner")
    roles = {m["id"]: m["role"] for m in await carol.members(chat)}
    assert roles == {uid(alice): "admin", uid(bob): "admin", uid(carol): "owner"}
    await refused(alice.set_role(chat, uid(bob), "member"), "not_allowed", 403)
    await refused(alice.remove_member(chat, uid(bob)), "not_allowed", 403)
    await carol.set_role(chat, uid(bob), "member")
    await alice.remove_member(chat, uid(bob))
    types = [e["data"]["type"] for e in (await carol.history(chat))["events"]]
    assert types == [
        "created",
        "role_changed",
        "role_changed",
        "member_removed",
        "member_removed",
        "announcement",
        "renamed",
        "announcement",
        "role_changed",
        "role_changed",
        "member_removed",
    ]


async def test_concurrent_adds_keep_member_count_exact(
    server: ServerThread, closing: list[Any]
) -> None:
    owner, *friends = await people(server, closing, "Owner", "A", "B", "C", "D", "E", "F")
    chat = await group_of(owner, friends[0])
    for friend in friends[1:]:
        await befriend(owner, friend)
    added = await asyncio.gather(*(owner.add_members(chat, [uid(f)]) for f in friends[1:]))
    assert sorted(u for batch in added for u in batch) == sorted(uid(f) for f in friends[1:])
    assert (await owner.chat(chat))["member_count"] == 7
    assert len(await owner.members(chat)) == 7
    assert await seqs(owner, chat) == list(range(1, 7))


async def test_concurrent_sends_reach_every_member_once_in_seq_order(
    server: ServerThread, closing: list[Any]
) -> None:
    """Sends from every member at once (they share commits, so the hub fans them out in
    runs) and a removal in the middle: each device gets every event once, in seq order,
    none of its own messages, and the removed member nothing after their removal."""
    names = ["Alice", "Bob", "Carol", "Dave"]
    members = await people(server, closing, *names)
    alice, dave = members[0], members[3]
    chat = await group_of(alice, *members[1:])
    base = (await alice.chat(chat))["last_seq"]
    conns = [await live(m, closing) for m in members]

    async def burst(conn: Connection, name: str) -> None:
        sends = (conn.send_text(chat, f"{name} {i}") for i in range(12))
        await asyncio.gather(*sends, return_exceptions=True)  # dave's fail once removed

    bursts = asyncio.gather(*(burst(c, name) for c, name in zip(conns, names, strict=True)))
    await asyncio.sleep(0.05)
    await alice.remove_member(chat, uid(dave))
    await bursts
    await alice.send_text(chat, "end")
    history = (await alice.history(chat, after=base, limit=200))["events"]
    removed = next(e["seq"] for e in history if e["kind"] == "system")
    direct = (await alice.open_direct(uid(dave)))["id"]
    await alice.send_text(direct, "barrier")  # after everything dave may have got
    for name, member, conn in zip(names, members, conns, strict=True):
        got: list[int] = []
        while True:
            frame = await conn.wait_for(lambda f: f.get("t") == "ev")
            if frame["chat"] == chat:
                got.append(frame["seq"])
            if frame.get("text") == ("barrier" if member is dave else "end"):
                break
        # Its own socket sends come back as acks only ("end" went over REST).
        mine = {
            e["seq"]
            for e in history
            if e["kind"] == "text" and e["from"] == uid(member) and e["text"] != "end"
        }
        want = [e["seq"] for e in history if e["seq"] not in mine]
        if member is dave:
            want = [s for s in want if s <= removed]
        assert got == want, (name, got, want)
