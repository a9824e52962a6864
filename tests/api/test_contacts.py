"""Finding people, friend requests, friends, blocks, profiles of others and presence."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from lianxin.client import ApiError, Client
from lianxin.client.connection import Connection, FrameError
from tests.harness import ServerThread, befriend, uid

NOBODY = 2**31 - 7  # an id no test server reaches


async def expect(code: str, call: Any) -> ApiError:
    with pytest.raises(ApiError) as err:
        await call
    assert err.value.code == code, err.value
    return err.value


def phone(client: Client) -> str:
    assert client.account is not None
    return str(client.account["phone"])


def is_t(kind: str, **fields: Any) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f.get("t") == kind and all(f.get(k) == v for k, v in fields.items())


async def frames_until(conn: Connection, match: Callable[[dict[str, Any]], bool]) -> list[Any]:
    """Every frame up to and including the first that matches (a barrier for absence checks)."""
    seen = []
    while True:
        frame = await conn.next_event()
        seen.append(frame)
        if match(frame):
            return seen


async def barrier(client: Client, conn: Connection) -> list[Any]:
    """Frames that reached ``conn`` before a change of the client's own profile."""
    await client.update_me(bio=uuid.uuid4().hex)
    return await frames_until(conn, is_t("me"))


async def users(server: ServerThread, closing: list[Any], *names: str) -> list[Client]:
    made = [await server.signup(n) for n in names]
    closing.extend(made)
    return made


def new_handle() -> str:
    return "h" + uuid.uuid4().hex[:14]


# -- finding people ------------------------------------------------------------------------


async def test_find_by_handle_ignoring_case(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    h = new_handle()
    await bob.update_me(handle="B" + h)
    for query in ("B" + h, ("b" + h).upper(), f"  b{h} "):
        found = await alice.search(query)
        assert found == {
            "id": uid(bob),
            "name": "Bob",
            "handle": "B" + h,
            "bio": "",
            "is_bot": False,
        }
    await expect("not_found", alice.search(new_handle()))


async def test_find_by_phone_in_several_formats(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    p = phone(bob)  # +86 138 xxxx xxxx
    formats = [
        p,
        f"{p[:3]} {p[3:6]} {p[6:10]} {p[10:]}",
        f"{p[:3]}-{p[3:6]}-{p[6:10]}-{p[10:]}",
        f"{p[:3]} ({p[3:6]}) {p[6:10]}-{p[10:]}",
        f"011 {p[1:3]} {p[3:]}",
    ]
    for query in formats:
        assert (await alice.search(query))["id"] == uid(bob), query
        assert "phone" not in await alice.search(query)


async def test_find_by_national_format(server: ServerThread, closing: list[Any]) -> None:
    line = uuid.uuid4().int % 10_000
    bob = await server.signup("Bob", phone=f"+1202555{line:04d}")
    alice = await server.signup("Alice")
    closing += [alice, bob]
    for query in (f"(202) 555-{line:04d}", f"202.555.{line:04d}", f"202555{line:04d}"):
        assert (await alice.search(query))["id"] == uid(bob), query


async def test_search_refuses_bad_queries(server: ServerThread, closing: list[Any]) -> None:
    [alice] = await users(server, closing, "Alice")
    await expect("bad_request", alice.search(""))
    await expect("bad_request", alice.search("   "))
    await expect("bad_request", alice.search("a" * 65))
    await expect("invalid_phone", alice.search("+1 555"))
    await expect("not_found", alice.search("+86 139 0000 0000"))  # valid, but nobody's
    async with Client(server.url) as anon:
        await expect("unauthorized", anon.search(phone(alice)))


async def test_privacy_hides_from_strangers_but_not_friends(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol = await users(server, closing, "Alice", "Bob", "Carol")
    h = new_handle()
    await bob.update_me(handle=h)
    await befriend(alice, bob)
    await bob.update_privacy(find_by_phone=False)
    await expect("not_found", carol.search(phone(bob)))
    assert (await carol.search(h))["id"] == uid(bob)
    await bob.update_privacy(find_by_phone=True, find_by_handle=False)
    await expect("not_found", carol.search(h))
    assert (await carol.search(phone(bob)))["id"] == uid(bob)
    await bob.update_privacy(find_by_phone=False)
    for finder in (alice, bob):  # a friend, and Bob himself
        assert (await finder.search(h))["id"] == uid(bob)
        assert (await finder.search(phone(bob)))["id"] == uid(bob)
    await bob.update_privacy(find_by_phone=True, find_by_handle=True)
    assert (await carol.search(h))["id"] == uid(bob)


# -- friend requests -----------------------------------------------------------------------


async def test_request_reaches_the_target_live(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    b = await bob.connect()
    closing.append(b)
    sent = await alice.send_friend_request(uid(bob), "  hi, I'm Alice  ")
    assert sent["state"] == "pending" and sent["greeting"] == "hi, I'm Alice"
    assert (sent["from"], sent["to"], sent["user"]["id"]) == (uid(alice), uid(bob), uid(bob))
    frame = await b.wait_for(is_t("request"))
    assert frame["request"]["id"] == sent["id"]
    assert frame["request"]["greeting"] == "hi, I'm Alice"
    assert frame["request"]["user"]["id"] == uid(alice)
    assert "phone" not in frame["request"]["user"]

    incoming = (await bob.friend_requests())["incoming"]
    assert [(r["id"], r["user"]["id"]) for r in incoming] == [(sent["id"], uid(alice))]
    assert (await bob.friend_requests())["outgoing"] == []
    assert [r["id"] for r in (await alice.friend_requests())["outgoing"]] == [sent["id"]]


async def test_repeating_a_request_updates_its_greeting(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    b = await bob.connect()
    closing.append(b)
    first = await alice.send_friend_request(uid(bob), "hello")
    again = await alice.send_friend_request(uid(bob), "hello again")
    assert again["id"] == first["id"] and again["greeting"] == "hello again"
    [pending] = (await bob.friend_requests())["incoming"]
    assert (pending["id"], pending["greeting"]) == (first["id"], "hello again")
    await b.wait_for(
        lambda f: f.get("t") == "request" and f["request"]["greeting"] == "hello again"
    )


async def test_crossing_requests_make_friends(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    first = await alice.send_friend_request(uid(bob), "hi bob")
    crossing = await bob.send_friend_request(uid(alice), "hi alice")
    assert crossing["id"] == first["id"] and crossing["state"] == "accepted"
    assert crossing["chat_id"] > 0
    assert [f["id"] for f in await alice.friends()] == [uid(bob)]
    assert [f["id"] for f in await bob.friends()] == [uid(alice)]
    assert (await alice.friend_requests()) == {"incoming": [], "outgoing": []}


async def test_request_refusals(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    assert (await expect("bad_request", alice.send_friend_request(uid(alice)))).status == 400
    assert (await expect("not_found", alice.send_friend_request(NOBODY))).status == 404
    await expect("bad_request", alice.send_friend_request(uid(bob), "x" * 201))
    await expect("bad_request", alice.call("POST", "/api/v1/friend-requests", json={}))
    await befriend(alice, bob)
    err = await expect("already_friends", alice.send_friend_request(uid(bob), "again?"))
    assert err.status == 409
    await expect("already_friends", bob.send_friend_request(uid(alice)))
    assert (await bob.friend_requests())["incoming"] == []


async def test_only_the_target_can_accept(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol = await users(server, closing, "Alice", "Bob", "Carol")
    req = await alice.send_friend_request(uid(bob), "hi")
    for intruder in (carol, alice):  # someone else; the sender herself
        await expect("not_found", intruder.accept_request(req["id"]))
    await expect("not_found", carol.decline_request(req["id"]))
    await expect("not_found", bob.accept_request(NOBODY))
    await expect("not_found", bob.decline_request(NOBODY))
    assert [r["id"] for r in (await bob.friend_requests())["incoming"]] == [req["id"]]
    assert await carol.friends() == []

    accepted = await bob.accept_request(req["id"])
    assert accepted["request"]["state"] == "accepted"
    assert (await expect("conflict", bob.accept_request(req["id"]))).status == 409
    await expect("conflict", bob.decline_request(req["id"]))
    await expect("conflict", alice.decline_request(req["id"]))


async def test_accepting_opens_a_direct_chat(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    a = await alice.connect()
    closing.append(a)
    req = await alice.send_friend_request(uid(bob), "hi")
    accepted = await bob.accept_request(req["id"])
    chat = accepted["chat_id"]

    friend = await a.wait_for(is_t("friend"))
    assert friend["active"] is True and friend["user"]["id"] == uid(bob)
    ev = await a.wait_for(is_t("ev", chat=chat))
    assert ev["kind"] == "system" and ev["data"]["type"] == "friends"
    assert sorted(ev["data"]["users"]) == sorted([uid(alice), uid(bob)])

    [system] = [e for e in (await bob.history(chat))["events"] if e["kind"] == "system"]
    assert system["data"]["type"] == "friends"
    [mine] = await alice.friends()
    assert mine["id"] == uid(bob) and mine["name"] == "Bob" and mine["since"] > 0
    assert "phone" not in mine
    assert chat in [c["id"] for c in await alice.chats()]
    sent = await bob.send_text(chat, "hello friend")
    assert sent["seq"] > system["seq"]


async def test_decline_and_cancel(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    a = await alice.connect()
    closing.append(a)
    req = await alice.send_friend_request(uid(bob), "hi")
    declined = await bob.decline_request(req["id"])
    assert declined["state"] == "declined"
    frame = await a.wait_for(
        lambda f: f.get("t") == "request" and f["request"]["state"] == "declined"
    )
    assert frame["request"]["id"] == req["id"]
    assert await alice.friend_requests() == {"incoming": [], "outgoing": []}
    await expect("conflict", bob.accept_request(req["id"]))

    # Asking again is a new request; the sender may take it back.
    again = await alice.send_friend_request(uid(bob), "please?")
    assert again["id"] != req["id"]
    assert (await alice.decline_request(again["id"]))["state"] == "cancelled"
    assert (await bob.friend_requests())["incoming"] == []
    assert await alice.friends() == [] and await bob.friends() == []


async def test_remove_friend(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol = await users(server, closing, "Alice", "Bob", "Carol")
    chat = await befriend(alice, bob)
    b = await bob.connect()
    closing.append(b)
    await alice.remove_friend(uid(bob))
    gone = await b.wait_for(is_t("friend"))
    assert gone == {"t": "friend", "user": {"id": uid(alice)}, "active": False}
    assert await alice.friends() == [] and await bob.friends() == []
    await expect("not_friends", alice.send_text(chat, "still there?"))
    await expect("not_friends", bob.send_text(chat, "hello?"))
    with pytest.raises(FrameError) as ferr:
        await b.send_text(chat, "over the socket")
    assert ferr.value.code == "not_friends"
    await expect("not_found", alice.remove_friend(uid(bob)))
    await expect("not_found", alice.remove_friend(uid(carol)))
    await expect("not_found", alice.remove_friend(NOBODY))

    # Becoming friends again reuses the chat.
    assert await befriend(bob, alice) == chat
    assert (await alice.send_text(chat, "welcome back"))["seq"] > 0


# -- blocks --------------------------------------------------------------------------------


async def test_block_stops_messages_both_ways(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    await alice.block(uid(bob))
    assert [u["id"] for u in await alice.blocked()] == [uid(bob)]
    assert await bob.blocked() == []
    for sender in (alice, bob):
        err = await expect("blocked", sender.send_text(chat, "anyone?"))
        assert err.status == 403
    b = await bob.connect()
    closing.append(b)
    with pytest.raises(FrameError) as ferr:
        await b.send_text(chat, "over the socket")
    assert ferr.value.code == "blocked"
    texts = [e.get("text") for e in (await alice.history(chat))["events"]]
    assert "anyone?" not in texts and "over the socket" not in texts

    await alice.unblock(uid(bob))
    assert await alice.blocked() == []
    assert (await bob.send_text(chat, "thanks"))["seq"] > 0
    assert (await alice.send_text(chat, "sure"))["seq"] > 0


async def test_block_refuses_and_declines_requests(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol = await users(server, closing, "Alice", "Bob", "Carol")
    from_bob = await bob.send_friend_request(uid(alice), "hi")
    to_carol = await alice.send_friend_request(uid(carol), "hi")
    await alice.block(uid(bob))
    await alice.block(uid(carol))
    assert await alice.friend_requests() == {"incoming": [], "outgoing": []}
    assert await bob.friend_requests() == {"incoming": [], "outgoing": []}
    await expect("conflict", alice.accept_request(from_bob["id"]))
    await expect("conflict", carol.accept_request(to_carol["id"]))

    refused = await expect("not_allowed", bob.send_friend_request(uid(alice), "again"))
    assert refused.status == 403
    await expect("blocked", alice.send_friend_request(uid(bob)))
    assert (await alice.friend_requests())["incoming"] == []

    await alice.unblock(uid(bob))
    assert (await bob.send_friend_request(uid(alice), "friends?"))["state"] == "pending"


async def test_block_is_told_only_to_my_devices(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    a, b = await alice.connect(), await bob.connect()
    closing += [a, b]
    req = await bob.send_friend_request(uid(alice), "hi")
    await b.wait_for(is_t("request"))  # Bob's own devices hear of his request
    await alice.block(uid(bob))
    block = await a.wait_for(is_t("block"))
    assert block == {"t": "block", "user": uid(bob), "blocked": True}
    declined = await a.wait_for(is_t("request"))
    assert (declined["request"]["id"], declined["request"]["state"]) == (req["id"], "declined")
    seen = await barrier(bob, b)
    assert not any(f.get("t") in ("block", "request") for f in seen)
    await alice.unblock(uid(bob))
    assert (await a.wait_for(is_t("block")))["blocked"] is False


async def test_blocked_user_cannot_find_or_watch_the_blocker(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    h = new_handle()
    await alice.update_me(handle=h)
    await befriend(alice, bob)
    a = await alice.connect()
    closing.append(a)
    assert await bob.presence([uid(alice)]) == [
        {"user": uid(alice), "online": True, "last_seen": None}
    ]
    await alice.block(uid(bob))
    await expect("not_found", bob.search(h))
    await expect("not_found", bob.search(phone(alice)))
    await expect("not_found", bob.user(uid(alice)))
    assert await bob.presence([uid(alice)]) == [
        {"user": uid(alice), "online": None, "last_seen": None}
    ]
    # The blocker still sees whom she blocked (to unblock them).
    assert (await alice.user(uid(bob)))["id"] == uid(bob)

    await alice.unblock(uid(bob))
    assert (await bob.search(h))["id"] == uid(alice)
    assert (await bob.user(uid(alice)))["id"] == uid(alice)
    assert (await bob.presence([uid(alice)]))[0]["online"] is True


async def test_blocked_friend_hears_no_profile_changes(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    await befriend(alice, bob)
    b = await bob.connect()
    closing.append(b)
    await alice.block(uid(bob))
    await alice.update_me(name="Secret Alice")
    assert not any(f.get("t") == "profile" for f in await barrier(bob, b))
    await alice.unblock(uid(bob))
    await alice.update_me(name="Open Alice")
    profile = await b.wait_for(is_t("profile"))
    assert profile["user"]["name"] == "Open Alice"


async def test_block_refusals(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    await expect("bad_request", alice.block(uid(alice)))
    await expect("not_found", alice.block(NOBODY))
    await expect("not_found", alice.unblock(uid(bob)))
    await alice.block(uid(bob))
    await alice.block(uid(bob))  # blocking twice is harmless
    assert [u["id"] for u in await alice.blocked()] == [uid(bob)]
    await expect("not_found", bob.unblock(uid(alice)))  # only the blocker can unblock
    await alice.unblock(uid(bob))
    await expect("not_found", alice.unblock(uid(bob)))


# -- other people's profiles and presence --------------------------------------------------


async def test_profiles_of_others(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol, dave, eve = await users(
        server, closing, "Alice", "Bob", "Carol", "Dave", "E"
    )
    await expect("not_found", eve.user(uid(alice)))  # a stranger
    await expect("not_found", alice.user(NOBODY))
    assert (await alice.user(uid(alice)))["id"] == uid(alice)

    await befriend(alice, bob)
    await befriend(alice, carol)
    seen = await alice.user(uid(bob))
    assert seen == {"id": uid(bob), "name": "Bob", "handle": None, "bio": "", "is_bot": False}
    await expect("not_found", bob.user(uid(carol)))
    await alice.create_group("trio", [uid(bob), uid(carol)])
    assert (await bob.user(uid(carol)))["name"] == "Carol"  # group co-members
    assert (await carol.user(uid(bob)))["name"] == "Bob"

    await dave.send_friend_request(uid(eve), "hi")  # a request between them
    assert (await eve.user(uid(dave)))["name"] == "Dave"
    assert (await dave.user(uid(eve)))["name"] == "E"
    await expect("not_found", eve.user(uid(bob)))


async def test_presence_follows_last_seen_setting(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol = await users(server, closing, "Alice", "Bob", "Carol")
    await befriend(alice, bob)
    b = await bob.connect()
    a = await alice.connect()
    closing += [b, a]
    online = {"user": uid(alice), "online": True, "last_seen": None}
    hidden = {"user": uid(alice), "online": None, "last_seen": None}

    assert await bob.presence([uid(alice)]) == [online]
    assert await carol.presence([uid(alice)]) == [online]
    await alice.update_privacy(last_seen="friends")
    assert await bob.presence([uid(alice)]) == [online]
    assert await carol.presence([uid(alice)]) == [hidden]
    await alice.update_privacy(last_seen="nobody")
    assert await bob.presence([uid(alice)]) == [hidden]
    assert await alice.presence([uid(alice)]) == [online]  # I always see myself

    await alice.update_privacy(last_seen="everyone")
    await a.close()
    await b.wait_for(is_t("presence", user=uid(alice), online=False))
    offline = await bob.presence([uid(alice), NOBODY, uid(carol)])
    assert [p["user"] for p in offline] == [uid(alice), uid(carol)]
    assert offline[0]["online"] is False and offline[0]["last_seen"] > 0
    assert offline[1] == {"user": uid(carol), "online": False, "last_seen": None}


async def test_coming_online_tells_friends_once_and_never_across_a_block(
    server: ServerThread, closing: list[Any]
) -> None:
    """The first session's sync tells the friends who may see it; a second session of the
    same user tells no one, and a block either way hides it."""
    alice, bob, carol, dave = await users(server, closing, "Alice", "Bob", "Carol", "Dave")
    for friend in (bob, carol, dave):
        await befriend(alice, friend)
    await alice.block(uid(carol))  # alice blocked carol
    await dave.block(uid(alice))  # dave blocked alice
    b, c, d = await bob.connect(), await carol.connect(), await dave.connect()
    closing += [b, c, d]
    a1 = await alice.connect()
    closing.append(a1)
    online = is_t("presence", user=uid(alice), online=True)
    assert sum(map(online, await barrier(bob, b))) == 1
    a2 = await alice.connect()
    closing.append(a2)
    assert not any(map(online, await barrier(bob, b)))
    assert not any(map(online, await barrier(carol, c)))
    assert not any(map(online, await barrier(dave, d)))


@pytest.mark.parametrize("bad", [0, -1, 2**63, -(2**63) - 1, 2**64])
async def test_out_of_range_ids_are_bad_requests(
    server: ServerThread, closing: list[Any], bad: int
) -> None:
    [alice] = await users(server, closing, "Alice")
    for call in (
        alice.user(bad),
        alice.presence([uid(alice), bad]),
        alice.send_friend_request(bad),
        alice.accept_request(bad),
        alice.decline_request(bad),
        alice.remove_friend(bad),
        alice.block(bad),
        alice.unblock(bad),
    ):
        assert (await expect("bad_request", call)).status == 400


# -- concurrent requests (PostgreSQL runs them truly in parallel) -------------------------


async def test_concurrent_accepts_make_one_friendship(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    req = await alice.send_friend_request(uid(bob), "hi")
    results = await asyncio.gather(
        *(bob.accept_request(req["id"]) for _ in range(4)), return_exceptions=True
    )
    assert sorted(r.code if isinstance(r, ApiError) else "ok" for r in results) == [
        "conflict",
        "conflict",
        "conflict",
        "ok",
    ], results
    chat = next(r for r in results if isinstance(r, dict))["chat_id"]
    events = (await alice.history(chat))["events"]
    assert [e["data"]["type"] for e in events if e["kind"] == "system"] == ["friends"]


async def test_concurrent_requests_between_two_people(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    await asyncio.gather(
        *(alice.send_friend_request(uid(bob), f"hi {i}") for i in range(3)),
        *(bob.send_friend_request(uid(alice), f"hey {i}") for i in range(3)),
        return_exceptions=True,
    )
    assert [f["id"] for f in await alice.friends()] == [uid(bob)]
    assert await alice.friend_requests() == {"incoming": [], "outgoing": []}
    assert await bob.friend_requests() == {"incoming": [], "outgoing": []}
