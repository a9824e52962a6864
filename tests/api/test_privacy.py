"""Privacy settings added with contacts and discovery, tried from the other user's side:
who can add me, read-receipt visibility, auto-friend (see test_addressbook)."""

from __future__ import annotations

import uuid
from typing import Any

from lianxin.client import Client
from lianxin.client.connection import Connection
from tests.api.test_contacts import expect, frames_until, is_t, users
from tests.harness import ServerThread, befriend, uid


async def barrier(client: Client, conn: Connection) -> list[Any]:
    """Frames that reached ``conn`` before this very profile change (not an earlier one)."""
    token = uuid.uuid4().hex
    await client.update_me(bio=token)
    return await frames_until(conn, lambda f: is_t("me")(f) and f["user"]["bio"] == token)


async def test_defaults_and_bad_values(server: ServerThread, closing: list[Any]) -> None:
    (alice,) = await users(server, closing, "A")
    settings = (await alice.me())["privacy"]
    assert settings == await alice.call("GET", "/api/v1/me/privacy")
    assert (settings["add_me"], settings["read_receipts"], settings["auto_friend"]) == (
        "everyone",
        True,
        True,
    )
    await expect("bad_request", alice.update_privacy(add_me="strangers"))
    await expect("bad_request", alice.update_privacy(read_receipts="maybe"))
    assert (await alice.me())["privacy"] == settings


async def test_nobody_can_add_me(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "A", "B")
    await bob.update_privacy(add_me="nobody")
    await expect("not_allowed", alice.send_friend_request(uid(bob), "hi"))
    assert (await bob.friend_requests())["incoming"] == []
    # Bob can still add people himself, and their acceptance makes friends.
    req = await bob.send_friend_request(uid(alice))
    await alice.accept_request(req["id"])
    assert [f["id"] for f in await bob.friends()] == [uid(alice)]


async def test_friends_of_friends_only(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol, dave = await users(server, closing, "A", "B", "C", "D")
    await carol.update_privacy(add_me="friends_of_friends")
    await befriend(alice, bob)
    await befriend(carol, bob)  # carol asks: her policy governs requests to her
    await expect("not_allowed", dave.send_friend_request(uid(carol)))
    req = await alice.send_friend_request(uid(carol), "bob's friend")
    assert req["state"] == "pending"
    await carol.update_privacy(add_me="everyone")
    assert (await dave.send_friend_request(uid(carol)))["state"] == "pending"


async def test_read_receipts_off_hides_reads_both_ways(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await users(server, closing, "A", "B")
    chat = await befriend(alice, bob)
    a_conn, b_conn = await alice.connect(), await bob.connect()
    closing.extend([a_conn, b_conn])
    await alice.update_privacy(read_receipts=False)

    from_bob = await bob.send_text(chat, "did you read this?")
    await alice.mark_read(chat, from_bob["seq"])
    assert not [f for f in await barrier(bob, b_conn) if is_t("read", user=uid(alice))(f)]
    assert (await bob.reads(chat, from_bob["seq"]))["read"] == 0

    from_alice = await alice.send_text(chat, "and you?")
    await bob.mark_read(chat, from_alice["seq"])
    assert not [f for f in await barrier(alice, a_conn) if is_t("read", user=uid(bob))(f)]
    assert (await alice.reads(chat, from_alice["seq"]))["read"] == 0

    await alice.update_privacy(read_receipts=True)
    again = await alice.send_text(chat, "now?")
    await bob.mark_read(chat, again["seq"])
    await a_conn.wait_for(is_t("read", user=uid(bob), seq=again["seq"]))
    assert (await alice.reads(chat, again["seq"]))["read"] == 1


async def test_chat_list_hides_the_peers_read_position(
    server: ServerThread, closing: list[Any]
) -> None:
    """With receipts off either way, neither chat list carries the peer's read position."""
    alice, bob = await users(server, closing, "A", "B")
    chat = await befriend(alice, bob)
    sent = await alice.send_text(chat, "read me")
    await bob.mark_read(chat, sent["seq"])
    assert (await alice.chat(chat))["peer_read_seq"] == sent["seq"]
    await bob.update_privacy(read_receipts=False)
    assert "peer_read_seq" not in await alice.chat(chat)
    assert all("peer_read_seq" not in c for c in await alice.chats() if c["id"] == chat)
    assert "peer_read_seq" not in await bob.chat(chat)  # both ways
    fresh = await alice.connect()
    closing.append(fresh)
    sync = next(f for f in fresh.drain() if f["t"] == "sync")
    assert all("peer_read_seq" not in c for c in sync["chats"])
    await bob.update_privacy(read_receipts=True)
    assert (await alice.chat(chat))["peer_read_seq"] == sent["seq"]


async def test_one_settings_resource(server: ServerThread, closing: list[Any]) -> None:
    (alice,) = await users(server, closing, "A")
    changed = await alice.update_privacy(add_me="nobody", find_nearby=False, last_seen="nobody")
    assert changed == await alice.privacy() == (await alice.me())["privacy"]
    assert (changed["add_me"], changed["find_nearby"], changed["last_seen"]) == (
        "nobody",
        False,
        "nobody",
    )
    assert "contact_settings" not in await alice.me()
    await expect("not_found", alice.call("GET", "/api/v1/me/contact-settings"))
