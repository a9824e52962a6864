"""Reactions: the fixed emoji set, add / remove with counts on the message, who reacted
(paged), one replayable event per change, refusals for non-members, system and recalled
messages."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.client import ApiError
from lianxin.client.connection import FrameError
from tests.harness import ServerThread, befriend, uid


async def test_counts_who_and_replay(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol = [await server.signup(n) for n in ("Alice", "Bob", "Carol")]
    closing += [alice, bob, carol]
    await befriend(alice, bob)
    await befriend(alice, carol)
    gid = (await alice.create_group("G", [uid(bob), uid(carol)]))["id"]
    msg = await alice.send_text(gid, "party?")
    c = await carol.connect()
    closing.append(c)
    state = c.state
    await c.close()

    r1 = await bob.react(gid, msg["seq"], "👍")
    assert r1["reactions"] == {"👍": 1}
    r2 = await carol.react(gid, msg["seq"], "👍")
    r3 = await carol.react(gid, msg["seq"], "❤️")
    assert r3["reactions"] == {"👍": 2, "❤️": 1}
    again = await carol.react(gid, msg["seq"], "❤️")  # a repeat changes nothing
    assert again["event"] is None and again["reactions"] == {"👍": 2, "❤️": 1}
    gone = await bob.unreact(gid, msg["seq"], "👍")
    assert gone["reactions"] == {"👍": 1, "❤️": 1}
    assert gone["event"]["data"] == {
        "type": "reaction",
        "seq": msg["seq"],
        "user": uid(bob),
        "emoji": "👍",
        "on": False,
        "counts": {"👍": 1, "❤️": 1},
    }

    history = {e["seq"]: e for e in (await alice.history(gid))["events"]}
    assert history[msg["seq"]]["reactions"] == {"👍": 1, "❤️": 1}
    who = await alice.reactions(gid, msg["seq"])
    assert [(r["user"], r["emoji"], r["name"]) for r in who["reactions"]] == [
        (uid(carol), "👍", "Carol"),
        (uid(carol), "❤️", "Carol"),
    ]
    page = await alice.reactions(gid, msg["seq"], limit=1)
    assert len(page["reactions"]) == 1 and page["next"] is not None
    rest = await alice.reactions(gid, msg["seq"], after=page["next"], limit=1)
    assert rest["reactions"][0]["emoji"] == "❤️" and rest["next"] is None
    hearts = await alice.reactions(gid, msg["seq"], emoji="❤️")
    assert [r["user"] for r in hearts["reactions"]] == [uid(carol)]

    # Carol's device, offline through all of it, replays each change in order.
    c2 = await carol.connect(state)
    closing.append(c2)
    events = [e for f in c2.drain() if f.get("t") == "evs" for e in f["events"]]
    changes = [e["data"] for e in events if e["kind"] == "system"]
    assert [(d["user"], d["emoji"], d["on"]) for d in changes] == [
        (uid(bob), "👍", True),
        (uid(carol), "👍", True),
        (uid(carol), "❤️", True),
        (uid(bob), "👍", False),
    ]
    first = r1["event"]["seq"]
    assert [e["seq"] for e in events if e["kind"] == "system"] == list(range(first, first + 4))
    assert changes[-1]["counts"] == {"👍": 1, "❤️": 1}
    assert r2["event"]["seq"] == r1["event"]["seq"] + 1


async def test_react_over_the_socket_reaches_members(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    msg = await alice.send_text(chat, "hi")
    a, b = await alice.connect(), await bob.connect()
    closing += [a, b]
    reply = await b.react(chat, msg["seq"], "😂")
    assert reply["t"] == "ok" and reply["reactions"] == {"😂": 1}
    ev = await a.wait_for(lambda f: f.get("t") == "ev" and f["kind"] == "system")
    assert ev["data"]["type"] == "reaction" and ev["data"]["counts"] == {"😂": 1}
    off = await b.react(chat, msg["seq"], "😂", on=False)
    assert off["reactions"] == {}
    with pytest.raises(FrameError) as err:
        await b.react(chat, msg["seq"], "🍕")
    assert err.value.code == "bad_request"


async def test_refusals(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, eve = [await server.signup(n) for n in ("Alice", "Bob", "Eve")]
    closing += [alice, bob, eve]
    chat = await befriend(alice, bob)
    msg = await alice.send_text(chat, "hi")
    recalled = await alice.send_text(chat, "oops")
    await alice.recall(chat, recalled["seq"])

    async def refused(call: Any, code: str, status: int) -> None:
        with pytest.raises(ApiError) as err:
            await call
        assert (err.value.code, err.value.status) == (code, status)

    await refused(eve.react(chat, msg["seq"], "👍"), "not_member", 404)
    await refused(eve.reactions(chat, msg["seq"]), "not_member", 404)
    await refused(bob.react(chat, 1, "👍"), "not_allowed", 403)  # the "friends" event
    await refused(bob.react(chat, recalled["seq"], "👍"), "not_allowed", 403)
    await refused(bob.react(chat, 9_999, "👍"), "not_found", 404)
    await refused(bob.react(chat, msg["seq"], "pizza"), "bad_request", 400)
    assert (await bob.unreact(chat, msg["seq"], "👍"))["event"] is None  # nothing to take back
    assert (await alice.history(chat))["events"][-1]["data"]["type"] == "recall"


async def test_my_reactions_reach_a_fresh_device(server: ServerThread, closing: list[Any]) -> None:
    """History and resume say which reactions are mine; live frames stay the same for all."""
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    liked = await alice.send_text(chat, "photo later")
    plain = await alice.send_text(chat, "no reactions here")
    await bob.react(chat, liked["seq"], "👍")
    await bob.react(chat, liked["seq"], "🙏")
    await alice.react(chat, liked["seq"], "❤️")
    await bob.unreact(chat, liked["seq"], "🙏")

    def by_seq(events: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
        return {e["seq"]: e for e in events}

    mine = by_seq((await alice.history(chat))["events"])
    theirs = by_seq((await bob.history(chat))["events"])
    assert mine[liked["seq"]]["my_reactions"] == ["❤️"]
    assert theirs[liked["seq"]]["my_reactions"] == ["👍"]
    assert "my_reactions" not in mine[plain["seq"]]  # no reactions, nothing to say

    # A new device of Bob's (no state) gets them in the resume catch-up.
    second = await server.signin(bob.account["phone"], device="tablet")  # type: ignore[index]
    closing.append(second)
    conn = await second.connect()
    closing.append(conn)
    events = by_seq([e for f in conn.drain() if f.get("t") == "evs" for e in f["events"]])
    assert events[liked["seq"]]["my_reactions"] == ["👍"]
    assert events[liked["seq"]]["reactions"] == {"👍": 1, "❤️": 1}

    # Taking mine back leaves the counts of others and an empty list of mine.
    await bob.unreact(chat, liked["seq"], "👍")
    after = by_seq((await bob.history(chat))["events"])[liked["seq"]]
    assert after["reactions"] == {"❤️": 1} and after["my_reactions"] == []

    # Over the socket, history says the same.
    page = by_seq((await conn.history(chat))["events"])
    assert page[liked["seq"]]["my_reactions"] == []
