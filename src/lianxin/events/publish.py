"""Publishing helpers used by actions, always after their transaction has committed."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import orjson

from lianxin.bus import Bus
from lianxin.events.envelope import Envelope

log = logging.getLogger(__name__)


async def _publish(bus: Bus, topic: str, env: Envelope) -> None:
    """Best effort: the data is committed already and devices catch up on resume, so a bus
    failure must not turn a stored message into an error for its sender."""
    try:
        await bus.publish(topic, env)
    except Exception:
        log.exception("publish to %s failed; receivers will catch up on resume", topic)


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
    await _publish(bus, chat_topic(chat_id), env)
    for uid in new:
        mine = Envelope(frame=data, chat=chat_id, seq=seq, exclude=exclude, joined=(uid,))
        await _publish(bus, user_topic(uid), mine)


async def to_users(
    bus: Bus, user_ids: Iterable[int], frame: dict[str, Any], *, exclude: str | None = None
) -> None:
    """One frame to many users' topics, batched into one bus round trip."""
    env = Envelope(frame=orjson.dumps(frame), exclude=exclude)
    topics = [user_topic(uid) for uid in dict.fromkeys(user_ids)]
    if len(topics) == 1:
        await _publish(bus, topics[0], env)
    elif topics:
        try:
            await bus.publish_many(topics, env)
        except Exception:
            log.exception("publish to %d users failed; they will catch up on resume", len(topics))


async def kick_device(bus: Bus, user_id: int, device_id: int) -> None:
    frame = orjson.dumps({"t": "signed_out", "device": device_id})
    await _publish(bus, user_topic(user_id), Envelope(frame=frame, kick_device=device_id))
