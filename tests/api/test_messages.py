"""Messages end to end: text rules, replies, mentions, recall, delete-for-me, forward,
history paging, read positions and receipts, chat settings and the chat list, typing.

A direct chat starts with the ``friends`` system event at seq 1, so its first message is 2.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from lianxin.client import ApiError, Client
from lianxin.client.connection import Connection, FrameError
from tests.harness import ServerThread, befriend, live, people, refused, uid

Match = Callable[[dict[str, Any]], bool]


def is_ev(chat: int, kind: str) -> Match:
    return lambda f: f.get("t") == "ev" and f["chat"] == chat and f["kind"] == kind


def is_recall(chat: int) -> Match:
    return lambda f: is_ev(chat, "system")(f) and f["data"]["type"] == "recall"


def is_text(chat: int, text: str) -> Match:
    return lambda f: is_ev(chat, "text")(f) and f["text"] == text


async def frame_refused(call: Awaitable[Any], code: str) -> None:
    with pytest.raises(FrameError) as err:
        await call
    assert err.value.code == code


async def frames_until(conn: Connection, match: Match) -> list[dict[str, Any]]:
    """The frames before the first match, which serves as a barrier.

    Frames published by one node arrive in publishing order, so anything published before
    the barrier and meant for ``conn`` is among them.
    """
    seen = []
    while not match(frame := await conn.next_event()):
        seen.append(frame)
    return seen


async def group_of(owner: Client, *others: Client) -> int:
    for other in others:
        await befriend(owner, other)
    return int((await owner.create_group("Group", [uid(o) for o in others]))["id"])


async def events(client: Client, chat: int) -> dict[int, dict[str, Any]]:
    return {e["seq"]: e for e in (await client.history(chat, limit=200))["events"]}


async def send_all(client: Client, chat: int, texts: list[str]) -> list[int]:
    return [(await client.send_text(chat, text))["seq"] for text in texts]


async def second_device(server: ServerThread, client: Client, closing: list[Any]) -> Client:
    assert client.account is not None
    other = await server.signin(client.account["phone"], device="web")
    closing.append(other)
    return other


# -- text --------------------------------------------------------------------------------


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one glyph, five code points
FLAG = "\U0001f1e8\U0001f1f3"  # two code points, four UTF-16 units


async def test_text_limit_counts_code_points(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    a = await live(alice, closing)
    exact = FAMILY * 500 + FLAG * 500 + "联信" * 48  # 2500 + 1000 + 96 = 3596
    exact += "é" * (4096 - len(exact))
    assert len(exact) == 4096 and len(exact.encode("utf-16-le")) // 2 > 4096

    sent = await alice.send_text(chat, exact)
    assert (await events(bob, chat))[sent["seq"]]["text"] == exact
    ack = await a.send_text(chat, exact[::-1])
    assert (await events(bob, chat))[ack["seq"]]["text"] == exact[::-1]

    too_long = exact + "信"
    await refused(alice.send_text(chat, too_long), "text_too_long", 400)
    await frame_refused(a.send_text(chat, too_long), "text_too_long")
    await refused(alice.send_text(chat, "a" * 4097), "text_too_long", 400)
    assert max(await events(bob, chat)) == ack["seq"]


async def test_empty_blank_and_nul_text_refused(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    a = await live(alice, closing)
    for text in ("", " ", "\n\t \r", "\u3000\u00a0"):
        await refused(alice.send_text(chat, text), "bad_request", 400)
        await frame_refused(a.send_text(chat, text), "bad_request")
    for text in ("\x00", "nul\x00inside"):
        await refused(alice.send_text(chat, text), "bad_request", 400)
        await frame_refused(a.send_text(chat, text), "bad_request")
    await refused(alice.send_text(chat, "x", client_id="c" * 65), "bad_request", 400)
    assert list(await events(bob, chat)) == [1]
    padded = await alice.send_text(chat, "  kept as typed \n")
    assert (await events(bob, chat))[padded["seq"]]["text"] == "  kept as typed \n"


async def test_unknown_kinds_and_stray_content_refused(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    a = await live(alice, closing)
    for kind in ("sticker-ish", "system", "TEXT"):
        await refused(alice.send(chat, kind, text="hi"), "bad_request", 400)
        await frame_refused(a.send(chat, kind, text="hi"), "bad_request")
    await refused(alice.send(chat, "text", text="hi", content={"x": 1}), "bad_request", 400)
    await frame_refused(a.send(chat, "text", text="hi", content={"x": 1}), "bad_request")
    await refused(alice.send(chat, "text"), "bad_request", 400)
    await refused(alice.send(chat, "x" * 17, text="hi"), "bad_request", 400)
    assert list(await events(bob, chat)) == [1]
    sent = await alice.send(chat, "text", text="plain")
    assert (sent["kind"], sent["text"], "data" in sent) == ("text", "plain", False)


async def test_send_to_unknown_or_foreign_chat(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, eve = await people(server, closing, "Alice", "Bob", "Eve")
    chat = await befriend(alice, bob)
    await refused(eve.send_text(chat, "hi"), "not_member", 404)
    await refused(alice.send_text(10**12, "hi"), "not_member", 404)
    await refused(alice.send_text(2**60, "hi"), "bad_request", 400)
    await refused(alice.send_text(chat, "hi", surprise=1), "bad_request", 400)
    assert list(await events(bob, chat)) == [1]


# -- replies and mentions ----------------------------------------------------------------


async def test_reply_to_must_be_a_visible_event(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol = await people(server, closing, "Alice", "Bob", "Carol")
    chat = await group_of(alice, bob)
    first = await alice.send_text(chat, "lunch?")
    reply = await bob.send_text(chat, "yes", reply_to=first["seq"])
    assert reply["reply_to"] == first["seq"]
    assert (await events(alice, chat))[reply["seq"]]["reply_to"] == first["seq"]

    await refused(bob.send_text(chat, "to nothing", reply_to=999), "not_found", 404)
    await refused(bob.send_text(chat, "to zero", reply_to=0), "bad_request", 400)
    await befriend(alice, carol)
    await alice.add_members(chat, [uid(carol)])
    await refused(carol.send_text(chat, "before my time", reply_to=first["seq"]), "not_found", 404)
    joined = (await carol.chat(chat))["last_seq"]
    ok = await carol.send_text(chat, "hi all", reply_to=joined)
    assert ok["reply_to"] == joined
    assert max(await events(alice, chat)) == ok["seq"]


async def test_mentions_members_only_and_all_for_admins(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol, outsider = await people(server, closing, "Alice", "Bob", "Carol", "Out")
    chat = await group_of(alice, bob, carol)
    await befriend(bob, outsider)
    b = await live(bob, closing)

    sent = await carol.send_text(chat, "@Bob @Alice", mentions=[uid(bob), uid(alice), uid(bob)])
    assert sent["mentions"] == sorted([uid(alice), uid(bob)])
    got = await b.wait_for(is_text(chat, "@Bob @Alice"))
    assert got["mentions"] == sent["mentions"] and "mention_all" not in got

    await refused(carol.send_text(chat, "@Out", mentions=[uid(outsider)]), "bad_request", 400)
    await refused(carol.send_text(chat, "@all", mention_all=True), "not_allowed", 403)
    await frame_refused(b.send_text(chat, "@all", mention_all=True), "not_allowed")
    await alice.remove_member(chat, uid(carol))
    await refused(bob.send_text(chat, "@Carol", mentions=[uid(carol)]), "bad_request", 400)

    everyone = await alice.send_text(chat, "@all meeting", mention_all=True)
    assert everyone["mention_all"] is True
    await alice.set_role(chat, uid(bob), "admin")
    ack = await b.send_text(chat, "@all from an admin", mention_all=True)
    texts = {e["seq"]: e for e in (await events(alice, chat)).values() if e["kind"] == "text"}
    assert set(texts) == {sent["seq"], everyone["seq"], ack["seq"]}
    assert texts[ack["seq"]]["mention_all"] is True

    # Mentions mean nothing between two people: dropped, not refused.
    direct = await befriend(alice, outsider)
    plain = await alice.send_text(direct, "hey", mentions=[uid(outsider)], mention_all=True)
    assert "mentions" not in plain and "mention_all" not in plain


# -- recall ------------------------------------------------------------------------------


async def test_recall_tells_everyone_and_blanks_the_original(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    web = await second_device(server, alice, closing)
    phone, laptop, b = (
        await live(alice, closing),
        await live(web, closing),
        await live(bob, closing),
    )
    sent = await phone.send_text(chat, "oops, wrong chat", mentions=[uid(bob)])
    await b.wait_for(is_text(chat, "oops, wrong chat"))

    ok = await phone.recall(chat, sent["seq"])
    assert ok["event"]["data"] == {
        "type": "recall",
        "by": uid(alice),
        "seq": sent["seq"],
        "sender": uid(alice),
    }
    for conn in (b, laptop):
        ev = await conn.wait_for(is_recall(chat))
        assert ev["seq"] == sent["seq"] + 1 and ev["data"] == ok["event"]["data"]
    original = (await events(bob, chat))[sent["seq"]]
    assert original["recalled"] is True
    assert {"text", "mentions"} & set(original) == set()
    assert (await bob.chat(chat))["last"]["data"]["type"] == "recall"

    await refused(alice.recall(chat, sent["seq"]), "conflict", 409)
    await refused(alice.recall(chat, 1), "not_found", 404)  # the system event
    await refused(alice.recall(chat, ok["event"]["seq"]), "not_found", 404)
    await refused(alice.recall(chat, 999), "not_found", 404)
    await refused(alice.recall(chat, 0), "bad_request", 400)


async def test_recall_window_and_who_may_recall(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    bobs = await bob.send_text(chat, "mine, not yours")
    await refused(alice.recall(chat, bobs["seq"]), "not_allowed", 403)

    old = await alice.send_text(chat, "written in stone")
    server.clock.advance(119)
    fresh = await alice.send_text(chat, "still fresh")
    server.clock.advance(2)
    await refused(alice.recall(chat, old["seq"]), "recall_expired", 409)
    await alice.recall(chat, fresh["seq"])
    history = await events(bob, chat)
    assert history[old["seq"]]["text"] == "written in stone"
    assert history[bobs["seq"]]["text"] == "mine, not yours"
    assert history[fresh["seq"]]["recalled"] is True
    assert max(history) == fresh["seq"] + 1


async def test_group_admins_recall_others_messages(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol = await people(server, closing, "Alice", "Bob", "Carol")
    chat = await group_of(alice, bob, carol)
    c = await live(carol, closing)
    spam = await carol.send_text(chat, "buy my stuff")
    admins = await alice.send_text(chat, "rules: no ads")
    await refused(bob.recall(chat, spam["seq"]), "not_allowed", 403)
    await refused(carol.recall(chat, admins["seq"]), "not_allowed", 403)

    await alice.set_role(chat, uid(bob), "admin")
    recalled = await bob.recall(chat, spam["seq"])
    assert recalled["data"]["by"] == uid(bob) and recalled["data"]["sender"] == uid(carol)
    ev = await c.wait_for(is_recall(chat))
    assert ev["data"]["seq"] == spam["seq"]
    assert (await events(carol, chat))[spam["seq"]]["recalled"] is True
    assert (await events(carol, chat))[admins["seq"]]["text"] == "rules: no ads"

    await alice.remove_member(chat, uid(carol))
    await refused(carol.recall(chat, spam["seq"] + 100), "not_member", 404)


# -- delete for me -----------------------------------------------------------------------


async def test_delete_for_me_hides_on_my_devices_only(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, eve = await people(server, closing, "Alice", "Bob", "Eve")
    chat = await befriend(alice, bob)
    web = await second_device(server, bob, closing)
    phone, laptop, a = (
        await live(bob, closing),
        await live(web, closing),
        await live(alice, closing),
    )
    keep, drop = await send_all(alice, chat, ["keep this", "embarrassing"])

    await bob.delete_for_me(chat, drop)
    for conn in (phone, laptop):
        hidden = await conn.wait_for(lambda f: f.get("t") == "hidden")
        assert hidden == {"t": "hidden", "chat": chat, "seq": drop}
    assert list(await events(bob, chat)) == [1, keep]
    assert list(await events(web, chat)) == [1, keep]
    assert (await events(alice, chat))[drop]["text"] == "embarrassing"
    page = await bob.history(chat, after=keep)
    assert page == {"chat": chat, "events": [], "more": False}

    await refused(eve.delete_for_me(chat, keep), "not_member", 404)
    await refused(bob.delete_for_me(chat, 999), "not_found", 404)
    later = await alice.send_text(chat, "after the hide")
    assert [e["seq"] for e in (await bob.history(chat))["events"]] == [1, keep, later["seq"]]

    # Alice was never told: bob's message, published after the hide, reaches her first.
    await bob.send_text(chat, "barrier")
    before = await frames_until(a, is_text(chat, "barrier"))
    assert [f for f in before if f.get("t") == "hidden"] == []


# -- forward -----------------------------------------------------------------------------


async def test_forward_copies_into_chats_i_am_in(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol, eve = await people(server, closing, "Alice", "Bob", "Carol", "Eve")
    source = await befriend(alice, bob)
    group = await group_of(alice, carol)
    elsewhere = await befriend(bob, eve)
    c = await live(carol, closing)
    original = await bob.send_text(source, "the address is 1 Main St")

    copy = await alice.forward(source, original["seq"], group)
    assert copy["chat"] == group and copy["from"] == uid(alice)
    assert copy["text"] == "the address is 1 Main St"
    origin = {"chat": source, "seq": original["seq"], "from": uid(bob), "ts": original["ts"]}
    assert copy["data"]["forwarded"] == origin
    got = await c.wait_for(is_ev(group, "text"))
    assert got["seq"] == copy["seq"] and got["data"]["forwarded"] == origin
    again = await alice.forward(source, original["seq"], group, client_id=copy["cid"])
    assert again["duplicate"] is True and again["seq"] == copy["seq"]

    a = await live(alice, closing)
    ack = await a.request(
        {
            "t": "forward",
            "id": uuid.uuid4().hex,
            "from_chat": source,
            "seq": original["seq"],
            "to_chat": group,
        }
    )
    assert ack["t"] == "ack" and ack["seq"] == copy["seq"] + 1

    await refused(alice.forward(source, original["seq"], elsewhere), "not_member", 404)
    await refused(eve.forward(source, original["seq"], elsewhere), "not_member", 404)
    await refused(alice.forward(source, 1, group), "not_found", 404)  # a system event
    await refused(alice.forward(source, 999, group), "not_found", 404)
    await bob.recall(source, original["seq"])
    await refused(alice.forward(source, original["seq"], group), "not_found", 404)
    assert max(await events(carol, group)) == ack["seq"]
    assert max(await events(eve, elsewhere)) == 1


async def test_forward_from_a_group_i_left_only_what_i_saw(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol = await people(server, closing, "Alice", "Bob", "Carol")
    group = await group_of(alice, bob)
    direct = await befriend(bob, carol)
    seen = (await alice.send_text(group, "seen"))["seq"]
    await bob.leave(group)
    unseen = (await alice.send_text(group, "unseen"))["seq"]
    copy = await bob.forward(group, seen, direct)
    assert copy["text"] == "seen"
    await refused(bob.forward(group, unseen, direct), "not_found", 404)


# -- history -----------------------------------------------------------------------------


async def test_history_pages_both_ways_with_exact_seqs(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    sent = await send_all(alice, chat, [f"m{i}" for i in range(2, 12)])
    assert sent == list(range(2, 12))  # gap-free after the friends event at 1
    await alice.recall(chat, 5)  # 12: the recall event

    def page(p: dict[str, Any]) -> tuple[list[int], bool]:
        return [e["seq"] for e in p["events"]], p["more"]

    assert page(await bob.history(chat, limit=4)) == ([9, 10, 11, 12], True)
    assert page(await bob.history(chat, before=9, limit=4)) == ([5, 6, 7, 8], True)
    assert page(await bob.history(chat, before=5, limit=4)) == ([1, 2, 3, 4], False)
    assert page(await bob.history(chat, before=4, limit=4)) == ([1, 2, 3], False)
    assert page(await bob.history(chat, before=1)) == ([], False)
    assert page(await bob.history(chat, after=0, limit=5)) == ([1, 2, 3, 4, 5], True)
    assert page(await bob.history(chat, after=5, limit=5)) == ([6, 7, 8, 9, 10], True)
    assert page(await bob.history(chat, after=10, limit=5)) == ([11, 12], False)
    assert page(await bob.history(chat, after=8, limit=4)) == ([9, 10, 11, 12], False)
    assert page(await bob.history(chat, after=12)) == ([], False)
    assert page(await bob.history(chat, after=99)) == ([], False)
    assert page(await bob.history(chat, before=99, limit=2)) == ([11, 12], True)
    assert page(await bob.history(chat)) == (list(range(1, 13)), False)

    b = await live(bob, closing)
    over_ws = await b.history(chat, before=9, limit=4)
    assert page(over_ws) == ([5, 6, 7, 8], True) and over_ws["events"][0]["recalled"] is True

    await refused(bob.history(chat, before=5, after=2), "bad_request", 400)
    await refused(bob.history(chat, limit=0), "bad_request", 400)
    await refused(bob.history(chat, limit=201), "bad_request", 400)
    await refused(bob.history(chat, before=0), "bad_request", 400)
    await refused(bob.history(chat, after=-1), "bad_request", 400)
    await refused(bob.history(chat, before=2**60), "bad_request", 400)


# -- read positions, unread counts and receipts --------------------------------------------


async def test_unread_counts_and_mark_read(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol = await people(server, closing, "Alice", "Bob", "Carol")
    direct = await befriend(alice, bob)
    await befriend(bob, carol)
    group = (await bob.create_group("Group", [uid(alice), uid(carol)]))["id"]
    await send_all(bob, direct, ["one", "two", "three"])  # 2, 3, 4
    await send_all(carol, group, ["g1", "g2"])  # 2, 3
    await alice.send_text(direct, "mine")  # 5: my own messages are never unread

    def unread(chats: list[dict[str, Any]]) -> dict[int, int]:
        return {c["id"]: c["unread"] for c in chats if c["id"] in (direct, group)}

    assert unread(await alice.chats()) == {direct: 0, group: 2}
    # Sending moved my read position past bob's messages.
    assert (await alice.chat(direct))["read_seq"] == 5

    await bob.send_text(direct, "four")  # 6
    await bob.recall(direct, 6)  # 7: a recalled message is no longer unread
    await bob.send_text(direct, "five")  # 8
    assert unread(await alice.chats()) == {direct: 1, group: 2}

    assert await alice.mark_read(group, 2) == 2
    assert unread(await alice.chats()) == {direct: 1, group: 1}
    assert await alice.mark_read(group, 10**6) == 3  # clamped to the newest event
    assert await alice.mark_read(group, 1) == 3  # never backwards
    assert await alice.mark_read(direct, 8) == 8
    assert unread(await alice.chats()) == {direct: 0, group: 0}
    summary = await alice.chat(group)
    assert (summary["read_seq"], summary["last_seq"]) == (3, 3)
    assert (await bob.chat(direct))["peer_read_seq"] == 8
    await refused(alice.mark_read(group, -1), "bad_request", 400)
    await refused(alice.mark_read(group, 2**60), "bad_request", 400)
    await refused(carol.mark_read(direct, 1), "not_member", 404)


async def test_direct_receipts_go_to_the_peer(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    a, b = await live(alice, closing), await live(bob, closing)
    sent = await a.send_text(chat, "did you get it?")
    await b.wait_for(is_text(chat, "did you get it?"))
    await b.mark_delivered(chat, sent["seq"] + 50)  # clamped like reads
    delivered = await a.wait_for(lambda f: f.get("t") == "delivered")
    assert delivered == {"t": "delivered", "chat": chat, "user": uid(bob), "seq": sent["seq"]}
    ok = await b.mark_read(chat, sent["seq"])
    assert ok["seq"] == sent["seq"]
    read = await a.wait_for(lambda f: f.get("t") == "read")
    assert read == {"t": "read", "chat": chat, "user": uid(bob), "seq": sent["seq"]}
    summary = await alice.chat(chat)
    assert (summary["peer_delivered_seq"], summary["peer_read_seq"]) == (sent["seq"],) * 2


async def test_group_read_counts(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol, dave = await people(server, closing, "Alice", "Bob", "Carol", "Dave")
    chat = await group_of(alice, bob, carol)
    web = await second_device(server, alice, closing)
    b, alice_web = await live(bob, closing), await live(web, closing)
    seq = (await alice.send_text(chat, "read me"))["seq"]
    assert await alice.reads(chat, seq) == {"seq": seq, "read": 0, "members": 2}

    await bob.mark_read(chat, seq)
    assert await carol.reads(chat, seq) == {"seq": seq, "read": 1, "members": 2}
    # Members who joined later never saw it: neither readers nor audience.
    await befriend(alice, dave)
    await alice.add_members(chat, [uid(dave)])
    assert await alice.reads(chat, seq) == {"seq": seq, "read": 1, "members": 2}
    await carol.mark_read(chat, seq)
    assert await alice.reads(chat, seq) == {"seq": seq, "read": 2, "members": 2}

    # In groups, a read position goes to my own other devices, not to every member.
    second = (await bob.send_text(chat, "second"))["seq"]
    await alice_web.wait_for(is_text(chat, "second"))
    assert await alice.mark_read(chat, second) == second
    read = await alice_web.wait_for(lambda f: f.get("t") == "read")
    assert read == {"t": "read", "chat": chat, "user": uid(alice), "seq": second}
    direct = (await alice.open_direct(uid(bob)))["id"]
    await alice.send_text(direct, "barrier")
    before = await frames_until(b, is_text(direct, "barrier"))
    assert [f for f in before if f.get("t") == "read" and f["user"] == uid(alice)] == []

    assert (await dave.reads(chat, second))["members"] == 3  # bob sent it: not his audience
    await refused(dave.reads(chat, seq), "not_found", 404)  # from before dave joined
    await refused(alice.reads(chat, second + 50), "not_found", 404)


async def test_typing_reaches_others_not_my_own_session(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, eve = await people(server, closing, "Alice", "Bob", "Eve")
    chat = await befriend(alice, bob)
    a, b, e = await live(alice, closing), await live(bob, closing), await live(eve, closing)
    await a.typing(chat)
    typing = await b.wait_for(lambda f: f.get("t") == "typing")
    assert typing == {"t": "typing", "chat": chat, "user": uid(alice)}
    await b.send_text(chat, "barrier")
    before = await frames_until(a, is_text(chat, "barrier"))
    assert [f for f in before if f.get("t") == "typing"] == []
    await frame_refused(e.request({"t": "typing", "chat": chat}), "not_member")


# -- my chat settings and the chat list ------------------------------------------------------


async def test_chat_list_order_pins_and_settings_sync(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol, dave, eve = await people(
        server, closing, "Alice", "Bob", "Carol", "Dave", "Eve"
    )
    chats = [await befriend(alice, friend) for friend in (bob, carol, dave)]
    for chat in chats:
        server.clock.advance(1)
        await alice.send_text(chat, f"hello {chat}")
    web = await second_device(server, alice, closing)
    other = await live(web, closing)

    async def order() -> list[int]:
        return [c["id"] for c in await alice.chats() if c["id"] in chats]

    assert await order() == chats[::-1]
    listed = {c["id"]: c for c in await alice.chats()}
    assert listed[chats[0]]["last"]["text"] == f"hello {chats[0]}"
    assert listed[chats[0]]["title"] == "Bob"

    pinned = await alice.chat_settings(chats[0], pinned=True)
    assert pinned["pinned"] is True
    frame = await other.wait_for(lambda f: f.get("t") == "chat")
    assert frame["chat"]["id"] == chats[0] and frame["chat"]["pinned"] is True
    assert await order() == [chats[0], chats[2], chats[1]]

    server.clock.advance(1)
    await alice.chat_settings(chats[1], pinned=True)
    assert await order() == [chats[1], chats[0], chats[2]]
    server.clock.advance(1)
    await bob.send_text(chats[0], "news")  # activity orders the pinned chats too
    assert await order() == [chats[0], chats[1], chats[2]]
    server.clock.advance(1)
    await dave.send_text(chats[2], "me too")  # but never lifts an unpinned one above them
    assert await order() == [chats[0], chats[1], chats[2]]
    assert (await alice.chat(chats[2]))["last"]["text"] == "me too"

    muted = await alice.chat_settings(chats[2], muted=True, archived=True)
    assert (muted["muted"], muted["archived"], muted["pinned"]) == (True, True, False)
    synced = await other.wait_for(lambda f: f.get("t") == "chat" and f["chat"]["id"] == chats[2])
    assert synced["chat"]["muted"] is True and synced["chat"]["archived"] is True
    unpinned = await alice.chat_settings(chats[1], pinned=False)
    assert unpinned["pinned"] is False and unpinned["muted"] is False
    assert await order() == [chats[0], chats[2], chats[1]]
    # My settings are mine: the peer's view is untouched.
    assert (await dave.chat(chats[2]))["muted"] is False
    assert (await bob.chat(chats[0]))["pinned"] is False

    await refused(eve.chat_settings(chats[0], muted=True), "not_member", 404)
    await refused(alice.chat_settings(chats[0], loud=True), "bad_request", 400)


async def test_concurrent_sends_and_reads_of_one_user(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    web = await second_device(server, alice, closing)
    sends = [alice.send_text(chat, f"m{i}") for i in range(40)]
    reads = [web.mark_read(chat, 2 + i) for i in range(40)]
    await asyncio.gather(*sends, *reads)
    assert list(await events(bob, chat)) == list(range(1, 42))


async def test_racing_recalls_recall_once(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    web = await second_device(server, alice, closing)
    for attempt in range(5):
        seq = (await alice.send_text(chat, f"take {attempt} back"))["seq"]
        results = await asyncio.gather(
            alice.recall(chat, seq), web.recall(chat, seq), return_exceptions=True
        )
        refusals = [r for r in results if isinstance(r, ApiError)]
        assert [r.code for r in refusals] == ["conflict"]
    recalls = [e for e in (await events(bob, chat)).values() if e["kind"] == "system"]
    assert len(recalls) == 1 + 5  # the friends event, then one recall per message


async def test_racing_resends_store_one_message(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    a = await live(alice, closing)
    for attempt in range(5):
        cid = f"resend-{attempt}"
        results = await asyncio.gather(
            alice.send_text(chat, "once", client_id=cid),
            a.send_text(chat, "once", client_id=cid),
            alice.send_text(chat, "once", client_id=cid),
        )
        assert len({r["seq"] for r in results}) == 1
        assert sorted(r["duplicate"] for r in results) == [False, True, True]
    assert list(await events(bob, chat)) == list(range(1, 7))


async def test_refused_sends_do_not_disturb_the_sends_beside_them(
    server: ServerThread, closing: list[Any]
) -> None:
    """Sends that commit together (group commit on SQLite) are decided one by one: a
    resend, a blocked sender and a non-member among them change nothing for the others,
    and the chat's seqs stay contiguous."""
    alice, bob, carol, eve = await people(server, closing, "Alice", "Bob", "Carol", "Eve")
    chat = await befriend(alice, bob)
    carol_chat = await befriend(carol, bob)
    await bob.block(uid(carol))
    a = await live(alice, closing)
    for attempt in range(3):
        cid = f"twice-{attempt}"
        results = await asyncio.gather(
            alice.send_text(chat, "first", client_id=cid),
            a.send_text(chat, "first", client_id=cid),
            bob.send_text(chat, f"reply {attempt}"),
            carol.send_text(carol_chat, "let me in"),
            eve.send_text(chat, "not my chat"),
            alice.send_text(chat, f"second {attempt}"),
            return_exceptions=True,
        )
        first, again, reply, blocked, stranger, second = results
        assert isinstance(blocked, ApiError) and blocked.code == "blocked"
        assert isinstance(stranger, ApiError) and stranger.code == "not_member"
        assert isinstance(first, dict) and isinstance(again, dict)
        assert first["seq"] == again["seq"]
        assert sorted([first["duplicate"], again["duplicate"]]) == [False, True]
        assert isinstance(reply, dict) and isinstance(second, dict)
        assert len({first["seq"], reply["seq"], second["seq"]}) == 3
    history = await events(bob, chat)
    assert list(history) == list(range(1, 2 + 3 * 3))  # friends event, then 3 per round
    assert [e.get("text") for e in history.values()].count("first") == 3
    assert list(await events(bob, carol_chat)) == [1]  # the blocked sends left no seq


async def test_resend_after_leaving_returns_the_original(
    server: ServerThread, closing: list[Any]
) -> None:
    """The resend check comes before the membership check: a client that resends after
    its user left the group gets the stored message's ack, not a refusal."""
    alice, bob, carol = await people(server, closing, "Alice", "Bob", "Carol")
    group = await group_of(alice, bob)
    sent = await bob.send_text(group, "before I go", client_id="bye-1")
    await bob.leave(group)
    again = await bob.send_text(group, "before I go", client_id="bye-1")
    assert (again["seq"], again["duplicate"]) == (sent["seq"], True)
    await refused(bob.send_text(group, "after", client_id="bye-2"), "not_member", 404)
    other = await befriend(bob, carol)
    await refused(bob.send_text(other, "x", client_id="bye-1"), "conflict", 409)


async def test_concurrent_senders_get_contiguous_seqs(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol = await people(server, closing, "Alice", "Bob", "Carol")
    group = await group_of(alice, bob, carol)
    start = max(await events(alice, group))
    sends = [c.send_text(group, f"{i}") for i in range(15) for c in (alice, bob, carol)]
    acks = await asyncio.gather(*sends)
    seqs = sorted(a["seq"] for a in acks)
    assert seqs == list(range(start + 1, start + 1 + 45))
    assert list(await events(carol, group))[-45:] == seqs
