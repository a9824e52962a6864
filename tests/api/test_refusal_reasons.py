"""Privacy and block refusals carry a machine-readable ``reason`` beside their code.

Clients tell "nobody may add me" from "friends of friends only" (and a block from a
closed inbox) by ``reason``, never by reading the English message. Each case is tried
from the refused user's side, over REST and, for sends, over the WebSocket.
"""

from __future__ import annotations

from itertools import count
from typing import Any

import httpx
import pytest

from lianxin.client.connection import FrameError
from tests.api.test_contacts import expect, new_handle, phone, users
from tests.harness import ServerThread, befriend, live, next_phone, uid

# Spots of the map no other test module uses on the shared server.
_spots = count()


def spot() -> tuple[float, float]:
    n = next(_spots)
    return -30.0 - n, -60.0 - n


async def reason_of(call: Any, code: str, status: int) -> str | None:
    err = await expect(code, call)
    assert err.status == status
    return err.reason


async def test_friend_request_says_which_add_me_setting_refused(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol, dave = await users(server, closing, "A", "B", "C", "D")
    await bob.update_privacy(add_me="nobody")
    assert await reason_of(alice.send_friend_request(uid(bob)), "not_allowed", 403) == (
        "privacy_nobody"
    )
    await bob.update_privacy(add_me="friends_of_friends")
    assert await reason_of(alice.send_friend_request(uid(bob)), "not_allowed", 403) == (
        "privacy_friends_of_friends"
    )
    await befriend(bob, carol)  # bob asks: his own add-me rule does not apply
    await befriend(alice, carol)  # now alice and bob share a friend
    assert (await alice.send_friend_request(uid(bob)))["state"] == "pending"
    assert (await bob.friend_requests())["incoming"][0]["user"]["id"] == uid(alice)
    # A refusal with no privacy behind it has no reason.
    err = await expect("bad_request", dave.send_friend_request(uid(dave)))
    assert err.reason is None


async def test_friend_request_across_a_block(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "A", "B")
    await bob.block(uid(alice))
    assert await reason_of(alice.send_friend_request(uid(bob)), "not_allowed", 403) == "blocked"
    assert await reason_of(bob.send_friend_request(uid(alice)), "blocked", 403) == ("blocked_by_me")
    assert (await alice.friend_requests())["incoming"] == []
    await bob.unblock(uid(alice))
    assert (await alice.send_friend_request(uid(bob)))["state"] == "pending"


async def test_messages_say_strangers_off_or_blocked(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, eve = await users(server, closing, "A", "B", "Eve")
    assert await reason_of(eve.open_direct(uid(alice)), "not_friends", 403) == "strangers_off"
    await alice.update_privacy(stranger_messages=True)
    chat = (await eve.open_direct(uid(alice)))["id"]
    await alice.update_privacy(stranger_messages=False)
    assert await reason_of(eve.send_text(chat, "hello?"), "not_friends", 403) == "strangers_off"

    direct = await befriend(alice, bob)
    await alice.block(uid(bob))
    assert await reason_of(bob.send_text(direct, "hi"), "blocked", 403) == "blocked"
    assert await reason_of(alice.send_text(direct, "hi"), "blocked", 403) == "blocked_by_me"
    conn = await live(bob, closing)
    with pytest.raises(FrameError) as err:
        await conn.send_text(direct, "over the socket")
    assert (err.value.code, err.value.reason) == ("blocked", "blocked")
    texts = [e.get("text") for e in (await alice.history(direct))["events"]]
    assert "hi" not in texts and "over the socket" not in texts


async def test_search_never_tells_hidden_from_unknown(
    server: ServerThread, closing: list[Any]
) -> None:
    """Hidden and unregistered look the same, so phone numbers cannot be tested."""
    alice, bob = await users(server, closing, "A", "B")
    handle = new_handle()
    await bob.update_me(handle=handle)
    await bob.update_privacy(find_by_phone=False, find_by_handle=False)
    hidden_phone = await expect("not_found", alice.search(phone(bob)))
    unknown_phone = await expect("not_found", alice.search(next_phone()))
    hidden_id = await expect("not_found", alice.search(handle))
    unknown_id = await expect("not_found", alice.search(new_handle()))
    assert hidden_phone.reason == unknown_phone.reason == "phone_unlisted_or_unknown"
    assert hidden_id.reason == unknown_id.reason == "id_unlisted_or_unknown"
    assert hidden_phone.message == unknown_phone.message
    assert hidden_id.message == unknown_id.message
    await bob.update_privacy(find_by_phone=True)
    assert (await alice.search(phone(bob)))["id"] == uid(bob)


async def test_nearby_reasons(server: ServerThread, closing: list[Any]) -> None:
    lat, lon = spot()
    me, near, picky, fof = await users(server, closing, "Me", "Near", "Picky", "Fof")
    assert await reason_of(me.nearby(), "conflict", 409) == "nearby_not_sharing"
    assert await reason_of(me.say_hi(uid(near)), "conflict", 409) == "nearby_not_sharing"
    for who, dy in ((me, 0.0), (near, 0.001), (picky, 0.002), (fof, 0.003)):
        await who.share_position(lat + dy, lon)
    await picky.update_privacy(add_me="nobody")
    await fof.update_privacy(add_me="friends_of_friends")
    assert await reason_of(me.say_hi(uid(picky)), "not_allowed", 403) == "privacy_nobody"
    assert await reason_of(me.say_hi(uid(fof)), "not_allowed", 403) == (
        "privacy_friends_of_friends"
    )
    await near.update_privacy(find_nearby=False)
    assert await reason_of(me.say_hi(uid(near)), "not_found", 404) == "not_nearby"
    await near.update_privacy(find_nearby=True)
    await near.block(uid(me))
    assert await reason_of(me.say_hi(uid(near)), "not_found", 404) == "not_nearby"
    await near.unblock(uid(me))
    assert (await me.say_hi(uid(near), "hi"))["user"]["id"] == uid(near)


async def test_reason_is_in_the_rest_body(server: ServerThread, closing: list[Any]) -> None:
    """The wire shape: ``reason`` next to ``code`` and ``message`` (absent when unset)."""
    alice, bob = await users(server, closing, "A", "B")
    await bob.update_privacy(add_me="nobody")
    headers = {"Authorization": f"Bearer {alice.token}"}
    async with httpx.AsyncClient(base_url=server.url) as http:
        resp = await http.post(
            "/api/v1/friend-requests", json={"user_id": uid(bob)}, headers=headers
        )
        assert resp.status_code == 403
        assert resp.json() == {
            "code": "not_allowed",
            "message": "this user does not accept friend requests",
            "reason": "privacy_nobody",
        }
        resp = await http.get("/api/v1/users/search", params={"q": " "}, headers=headers)
        assert resp.status_code == 400 and "reason" not in resp.json()
