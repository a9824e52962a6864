"""1:1 chat end to end through REST + WebSocket: send, ack, receive, receipts, multi-device."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.client import ApiError
from lianxin.client.connection import FrameError
from tests.harness import ServerThread, befriend, uid


def is_ev(chat: int, kind: str | None = None) -> Any:
    return lambda f: (
        f.get("t") == "ev" and f["chat"] == chat and (kind is None or f["kind"] == kind)
    )


async def test_direct_message_round_trip(server: ServerThread, closing: list[Any]) -> None:
    alice = await server.signup("Alice")
    bob = await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    a = await alice.connect()
    b = await bob.connect()
    closing += [a, b]

    ack = await a.send_text(chat, "hello bob")
    assert ack["t"] == "ack" and ack["chat"] == chat and ack["duplicate"] is False
    got = await b.wait_for(is_ev(chat, "text"))
    assert got["text"] == "hello bob"
    assert got["seq"] == ack["seq"] and got["id"] == ack["mid"] and got["from"] == uid(alice)

    # Delivery, then read receipts reach the sender.
    await b.mark_delivered(chat, got["seq"])
    delivered = await a.wait_for(lambda f: f.get("t") == "delivered")
    assert delivered == {"t": "delivered", "chat": chat, "user": uid(bob), "seq": got["seq"]}
    await b.mark_read(chat, got["seq"])
    read = await a.wait_for(lambda f: f.get("t") == "read")
    assert read["seq"] == got["seq"] and read["user"] == uid(bob)

    summary = await alice.chat(chat)
    assert summary["peer_read_seq"] == got["seq"]
    assert summary["last"]["text"] == "hello bob"


async def test_every_device_receives_and_sender_devices_sync(
    server: ServerThread, closing: list[Any]
) -> None:
    alice = await server.signup("Alice")
    bob = await server.signup("Bob")
    assert alice.account is not None
    alice_web = await server.signin(alice.account["phone"], device="browser")
    closing += [alice, bob, alice_web]
    chat = await befriend(alice, bob)
    phone, web, b = await alice.connect(), await alice_web.connect(), await bob.connect()
    closing += [phone, web, b]

    ack = await b.send_text(chat, "to both your devices")
    for conn in (phone, web):
        ev = await conn.wait_for(is_ev(chat, "text"))
        assert ev["seq"] == ack["seq"]
    # Alice's own message from the phone shows up on her browser too (not echoed to the phone).
    mine = await phone.send_text(chat, "from my phone")
    ev = await web.wait_for(is_ev(chat, "text"))
    assert ev["seq"] == mine["seq"] and ev["text"] == "from my phone"
    assert [f for f in phone.drain() if f.get("t") == "ev" and f["seq"] == mine["seq"]] == []


async def test_duplicate_client_id_returns_original(
    server: ServerThread, closing: list[Any]
) -> None:
    alice = await server.signup("Alice")
    bob = await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    a = await alice.connect()
    closing.append(a)
    first = await a.send_text(chat, "once", client_id="c-1")
    again = await a.send_text(chat, "once", client_id="c-1")
    assert again["duplicate"] is True
    assert (again["seq"], again["mid"]) == (first["seq"], first["mid"])
    rest = await alice.send_text(chat, "once", client_id="c-1")
    assert rest["duplicate"] is True and rest["seq"] == first["seq"]
    page = await alice.history(chat)
    assert [e["text"] for e in page["events"] if e["kind"] == "text"] == ["once"]


async def test_strangers_cannot_message_by_default(
    server: ServerThread, closing: list[Any]
) -> None:
    alice = await server.signup("Alice")
    eve = await server.signup("Eve")
    closing += [alice, eve]
    with pytest.raises(ApiError) as err:
        await eve.open_direct(uid(alice))
    assert err.value.code == "not_friends"
    await alice.update_privacy(stranger_messages=True)
    chat = await eve.open_direct(uid(alice))
    sent = await eve.send_text(chat["id"], "hi stranger")
    assert sent["seq"] >= 1


async def test_other_users_chat_is_refused(server: ServerThread, closing: list[Any]) -> None:
    alice = await server.signup("Alice")
    bob = await server.signup("Bob")
    eve = await server.signup("Eve")
    closing += [alice, bob, eve]
    chat = await befriend(alice, bob)
    await alice.send_text(chat, "private")
    for call in (
        eve.history(chat),
        eve.chat(chat),
        eve.members(chat),
        eve.send_text(chat, "let me in"),
        eve.mark_read(chat, 1),
        eve.recall(chat, 1),
        eve.reads(chat, 1),
    ):
        with pytest.raises(ApiError) as err:
            await call
        assert err.value.status == 404
    e = await eve.connect()
    closing.append(e)
    with pytest.raises(FrameError) as ferr:
        await e.send_text(chat, "sneaky")
    assert ferr.value.code == "not_member"
    with pytest.raises(FrameError):
        await e.history(chat)
    page = await alice.history(chat)
    assert all(ev.get("text") != "sneaky" for ev in page["events"])
