"""Publishing helpers used by actions, always after their transaction has committed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from lianxin.bus import Bus
from lianxin.events.envelope import Envelope, encode


def chat_topic(chat_id: int) -> str:
    return f"c.{chat_id}"


def user_topic(user_id: int) -> str:
    return f"u.{user_id}"


async def to_chat(
    bus: Bus,
    chat_id: int,
    frame: dict[str, Any],
    *,
    seq: int | None = None,
    exclude: str | None = None,
    joined: Iterable[int] = (),
    left: Iterable[int] = (),
) -> None:
    """Publish a chat frame to every member's sessions.

    Users who just ``joined`` get it through their own user topic instead: their node
    may not be subscribed to the chat yet. Their hub then starts routing the chat to them.
    """
    data = orjson.dumps(frame)
    new = tuple(joined)
    env = Envelope(frame=data, chat=chat_id, seq=seq, exclude=exclude, joined=new, left=tuple(left))
    await bus.publish(chat_topic(chat_id), encode(env))
    for uid in new:
        mine = Envelope(frame=data, chat=chat_id, seq=seq, exclude=exclude, joined=(uid,))
        await bus.publish(user_topic(uid), encode(mine))


async def to_users(
    bus: Bus, user_ids: Iterable[int], frame: dict[str, Any], *, exclude: str | None = None
) -> None:
    payload = encode(Envelope(frame=orjson.dumps(frame), exclude=exclude))
    for uid in dict.fromkeys(user_ids):
        await bus.publish(user_topic(uid), payload)


async def kick_device(bus: Bus, user_id: int, device_id: int) -> None:
    frame = orjson.dumps({"t": "signed_out", "device": device_id})
    await bus.publish(user_topic(user_id), encode(Envelope(frame=frame, kick_device=device_id)))
