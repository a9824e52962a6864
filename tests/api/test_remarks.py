"""Remarks, tags, star and close friends: private to their owner, synced to new devices."""

from __future__ import annotations

from typing import Any

from tests.api.test_contacts import expect, is_t, users
from tests.harness import ServerThread, befriend, uid


async def test_labels_are_mine_alone(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol = await users(server, closing, "A", "B", "C")
    await befriend(alice, bob)
    await befriend(alice, carol)
    meta = await alice.update_friend(uid(bob), remark="  Bobby   B ", tags=["work", "work", "gym"])
    assert (meta["remark"], meta["tags"], meta["starred"]) == ("Bobby B", ["work", "gym"], False)
    await alice.update_friend(uid(carol), tags=["gym"], starred=True, close_friend=True)
    assert [f["id"] for f in await alice.friends_filtered(tag="work")] == [uid(bob)]
    assert sorted(f["id"] for f in await alice.friends_filtered(tag="gym")) == sorted(
        [uid(bob), uid(carol)]
    )
    assert [f["id"] for f in await alice.friends_filtered(starred=True)] == [uid(carol)]
    assert await alice.friend_tags() == [{"tag": "gym", "count": 2}, {"tag": "work", "count": 1}]
    # Bob's own view of Alice carries none of Alice's labels.
    seen_by_bob = next(f for f in await bob.friends() if f["id"] == uid(alice))
    assert not seen_by_bob["remark"] and seen_by_bob["tags"] == []


async def test_labels_refuse_strangers_and_bad_input(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, stranger = await users(server, closing, "A", "B", "S")
    await befriend(alice, bob)
    await expect("not_found", alice.update_friend(uid(stranger), remark="x"))
    await expect("not_found", stranger.update_friend(uid(bob), remark="x"))
    await expect("bad_request", alice.update_friend(uid(bob), remark="x" * 65))
    await expect("bad_request", alice.update_friend(uid(bob), tags=[f"t{i}" for i in range(21)]))
    await expect("bad_request", alice.update_friend(uid(bob), remark="a\x07b"))
    mine = next(f for f in await alice.friends() if f["id"] == uid(bob))
    assert mine["tags"] == [] and not mine["remark"]


async def test_a_new_device_gets_the_labels_in_sync(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await users(server, closing, "A", "B")
    await befriend(alice, bob)
    other_device = await alice.connect()
    closing.append(other_device)
    await alice.update_friend(uid(bob), remark="Bobby", tags=["family"], starred=True)
    live = await other_device.wait_for(is_t("friend_meta", user=uid(bob)))
    assert (live["remark"], live["tags"], live["starred"]) == ("Bobby", ["family"], True)
    fresh = await alice.connect()
    closing.append(fresh)
    sync = next(f for f in fresh.drain() if f["t"] == "sync")
    entry = next(f for f in sync["friends"] if f["id"] == uid(bob))
    assert (entry["remark"], entry["tags"], entry["starred"], entry["close_friend"]) == (
        "Bobby",
        ["family"],
        True,
        False,
    )
    assert entry["name"] == "B" and entry["active"] is True
