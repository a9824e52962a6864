"""The owner of an official account sees followers' messages live on every device, and
nobody else does (not another account's owner, not other followers)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests import media_samples as samples
from tests.harness import ServerThread, live, people, refused


async def _official_frames(conn: Any, want: int, timeout: float = 10) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []

    async def collect() -> None:
        while len(got) < want:
            frame = await conn.next_event(timeout=timeout)
            if frame.get("t") == "official_message":
                got.append(frame)

    await asyncio.wait_for(collect(), timeout)
    return got


async def _none_within(conn: Any, seconds: float) -> None:
    try:
        frame = await asyncio.wait_for(_official_frames(conn, 1, seconds), seconds)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected frame {frame}")


async def test_owner_gets_followers_messages_live(server: ServerThread, closing: list[Any]) -> None:
    owner, fan, other_owner, other_fan = await people(
        server, closing, "Owner", "Fan", "OtherOwner", "OtherFan"
    )
    acct = (await owner.create_official("Helpdesk"))["id"]
    other = (await other_owner.create_official("Elsewhere"))["id"]
    chat = (await fan.follow(acct))["chat_id"]
    await other_fan.follow(other)
    phone, laptop = await live(owner, closing), await live(owner, closing)
    snoop, fan_conn = await live(other_owner, closing), await live(fan, closing)

    asked = await fan.send_text(chat, "Where is my order?")
    for conn in (phone, laptop):
        (frame,) = await _official_frames(conn, 1)
        assert frame["account"] == acct
        assert frame["event"]["chat"] == chat and frame["event"]["seq"] == asked["seq"]
        assert frame["event"]["text"] == "Where is my order?" and frame["event"]["from"] != acct

    # A reply sent as the account from one device reaches the owner's other devices too
    # (so every inbox shows it); nobody else hears of it this way.
    reply = await owner.send_as_official(acct, chat, text="On its way")
    for conn in (phone, laptop):
        (frame,) = await _official_frames(conn, 1)
        assert frame["event"]["from"] == acct and frame["event"]["seq"] == reply["seq"]
    await _none_within(snoop, 0.2)
    await _none_within(fan_conn, 0.2)

    # Unfollowed: the chat is closed, so nothing more reaches the owner.
    await fan.unfollow(acct)
    await _none_within(phone, 0.5)


async def _frame(conn: Any, kind: str, timeout: float = 10) -> dict[str, Any]:
    while (frame := await conn.next_event(timeout=timeout)).get("t") != kind:
        pass
    return frame


async def test_owner_reads_as_the_account(server: ServerThread, closing: list[Any]) -> None:
    owner, fan, other_owner = await people(server, closing, "Owner", "Fan", "OtherOwner")
    acct = (await owner.create_official("Helpdesk"))["id"]
    other = (await other_owner.create_official("Elsewhere"))["id"]
    chat = (await fan.follow(acct))["chat_id"]
    await fan.send_text(chat, "Hello?")
    last = await fan.send_text(chat, "Anyone there?")
    (row,) = await owner.official_chats(acct)
    assert row["id"] == chat and row["unread"] == 2

    laptop, fan_conn = await live(owner, closing), await live(fan, closing)
    assert await owner.official_read(acct, chat, last["seq"] + 100) == last["seq"]  # clamped
    (row,) = await owner.official_chats(acct)
    assert row["unread"] == 0 and row["read_seq"] == last["seq"]
    seen = await _frame(laptop, "official_read")
    assert (seen["account"], seen["chat"], seen["seq"]) == (acct, chat, last["seq"])
    receipt = await _frame(fan_conn, "read")  # the follower sees the account read it
    assert (receipt["user"], receipt["seq"]) == (acct, last["seq"])

    # Another account's owner cannot mark it, even through their own account; nor a follower.
    await refused(other_owner.official_read(acct, chat, 1), "not_found", 404)
    await refused(other_owner.official_read(other, chat, 1), "not_member", 404)
    await refused(fan.official_read(acct, chat, 1), "not_found", 404)
    assert (await owner.official_chats(acct))[0]["read_seq"] == last["seq"]


async def test_owner_sees_followers_media_through_the_account(
    server: ServerThread, closing: list[Any]
) -> None:
    owner, fan, other_owner = await people(server, closing, "Owner", "Fan", "OtherOwner")
    acct = (await owner.create_official("Helpdesk"))["id"]
    other = (await other_owner.create_official("Elsewhere"))["id"]
    chat = (await fan.follow(acct))["chat_id"]
    photo = await fan.upload(samples.png(), "photo")
    unsent = await fan.upload(samples.jpeg(40, 30), "photo")
    await fan.send_photo(chat, photo["id"], caption="Is this the right tea?")

    # The owner is not in the chat, so the ordinary route refuses; the owner route serves it.
    await refused(owner.media(photo["id"]), "not_found", 404)
    seen = await owner.official_media(acct, photo["id"])
    assert seen["id"] == photo["id"] and seen["kind"] == "photo"
    async with httpx.AsyncClient(base_url=server.url) as anon:
        got = await anon.get(seen["urls"]["content"])
        assert got.status_code == 200 and got.content == (await fan.download(photo["id"])).content

    # Not sent into the account's chats, another owner, through another account: nothing.
    await refused(owner.official_media(acct, unsent["id"]), "not_found", 404)
    await refused(other_owner.official_media(acct, photo["id"]), "not_found", 404)
    await refused(other_owner.official_media(other, photo["id"]), "not_found", 404)
    await refused(fan.official_media(acct, photo["id"]), "not_found", 404)
