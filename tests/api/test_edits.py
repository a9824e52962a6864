"""Editing messages: own text messages only, within the window; every device learns of
the edit through a replayable ``edit`` event; history shows the current text and members
can read every version; a recall takes the versions with it."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.client import ApiError
from lianxin.client.connection import FrameError
from tests.harness import ServerThread, befriend, uid


async def test_edit_reaches_live_and_resuming_devices(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    b = await bob.connect()
    closing.append(b)
    sent = await alice.send_text(chat, "helo")

    result = await alice.edit(chat, sent["seq"], "hello")
    assert result["message"]["text"] == "hello" and result["message"]["edited"] is True
    event = result["event"]
    assert event["kind"] == "system" and event["seq"] == sent["seq"] + 1
    assert event["data"] == {
        "type": "edit",
        "by": uid(alice),
        "seq": sent["seq"],
        "text": "hello",
        "edited_at": result["message"]["edited_at"],
    }
    live = await b.wait_for(lambda f: f.get("t") == "ev" and f["kind"] == "system")
    assert live["data"]["type"] == "edit" and live["data"]["text"] == "hello"

    # A device that was away replays the edit in order, after the message.
    state = b.state
    await b.close()
    state.seqs[chat] = sent["seq"] - 1
    again = await alice.edit(chat, sent["seq"], "hello!")
    b2 = await bob.connect(state)
    closing.append(b2)
    events = [e for f in b2.drain() if f.get("t") == "evs" for e in f["events"]]
    assert [(e["seq"], e["kind"]) for e in events] == [
        (sent["seq"], "text"),
        (event["seq"], "system"),
        (again["event"]["seq"], "system"),
    ]
    assert events[0]["text"] == "hello!" and events[0]["edited"] is True
    assert [e["data"]["text"] for e in events[1:]] == ["hello", "hello!"]

    history = (await bob.history(chat))["events"]
    current = next(e for e in history if e["seq"] == sent["seq"])
    assert current["text"] == "hello!" and current["edited_at"] >= sent["ts"]
    versions = (await bob.edits(chat, sent["seq"]))["versions"]
    assert [v["text"] for v in versions] == ["helo", "hello", "hello!"]
    assert versions[0]["ts"] == sent["ts"]


async def test_edit_over_the_socket_and_same_text_is_a_no_op(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    a = await alice.connect()
    closing.append(a)
    sent = await a.send_text(chat, "first")
    reply = await a.edit(chat, sent["seq"], "second")
    assert reply["t"] == "ok" and reply["message"]["text"] == "second"
    same = await a.edit(chat, sent["seq"], "second")
    assert same["event"] is None
    history = (await alice.history(chat))["events"]
    assert [e["data"]["type"] for e in history if e["kind"] == "system"][-1] == "edit"
    assert sum(1 for e in history if e.get("data", {}).get("type") == "edit") == 1
    with pytest.raises(FrameError) as err:
        await a.edit(chat, sent["seq"], "   ")
    assert err.value.code == "bad_request"


async def test_only_my_own_text_messages_in_time(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, eve = [await server.signup(n) for n in ("Alice", "Bob", "Eve")]
    closing += [alice, bob, eve]
    chat = await befriend(alice, bob)
    mine = await alice.send_text(chat, "mine")
    theirs = await bob.send_text(chat, "theirs")
    loc = await alice.send(chat, "location", content={"lat": 1.0, "lon": 2.0})

    async def refused(client: Any, seq: int, code: str, status: int, cid: int = chat) -> None:
        with pytest.raises(ApiError) as err:
            await client.edit(cid, seq, "changed")
        assert (err.value.code, err.value.status) == (code, status)

    await refused(alice, theirs["seq"], "not_allowed", 403)
    await refused(alice, loc["seq"], "bad_request", 400)
    await refused(alice, 1, "not_found", 404)  # the "friends" system event
    await refused(alice, 10_000, "not_found", 404)
    await refused(eve, mine["seq"], "not_member", 404)
    with pytest.raises(ApiError) as err:
        await eve.edits(chat, mine["seq"])
    assert err.value.code == "not_member"
    with pytest.raises(ApiError) as err:
        await alice.edit(chat, mine["seq"], "x" * (server.settings.text_limit + 1))
    assert err.value.code == "text_too_long"

    server.clock.advance(server.settings.edit_window_s + 1)
    await refused(alice, mine["seq"], "edit_expired", 409)
    history = (await bob.history(chat))["events"]
    assert next(e for e in history if e["seq"] == mine["seq"]).get("edited") is None
    assert all(e.get("data", {}).get("type") != "edit" for e in history)


async def test_recall_takes_the_old_versions_with_it(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    sent = await alice.send_text(chat, "secret v1")
    edit = await alice.edit(chat, sent["seq"], "secret v2")
    await alice.recall(chat, sent["seq"])
    history = {e["seq"]: e for e in (await bob.history(chat))["events"]}
    assert history[edit["event"]["seq"]]["data"] == {
        "type": "edit",
        "seq": sent["seq"],
        "recalled": True,
    }
    assert "secret" not in str(history)
    with pytest.raises(ApiError) as err:
        await bob.edits(chat, sent["seq"])
    assert err.value.code == "not_found"
    with pytest.raises(ApiError) as err:
        await alice.edit(chat, sent["seq"], "again")
    assert err.value.code == "conflict"
