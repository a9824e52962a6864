"""The owner of an official account sees followers' messages live on every device, and
nobody else does (not another account's owner, not other followers)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.harness import ServerThread, live, people


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


async def test_owner_gets_followers_messages_live(
    server: ServerThread, closing: list[Any]
) -> None:
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

    # The account's own replies are not echoed as follower messages, and nobody else hears.
    await owner.send_as_official(acct, chat, text="On its way")
    await _none_within(phone, 1.0)
    await _none_within(snoop, 0.2)
    await _none_within(fan_conn, 0.2)

    # Unfollowed: the chat is closed, so nothing more reaches the owner.
    await fan.unfollow(acct)
    await _none_within(phone, 0.5)
