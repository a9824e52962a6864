"""Reactions: a small fixed set of emoji that members put on messages.

Each change is one reaction row inserted or deleted, the message's per-emoji counts
rewritten in place (O(1) per reaction, whatever the group size), and a ``system`` event
``{"type": "reaction", "seq", "user", "emoji", "on", "counts"}`` with the chat's next seq,
so devices replay reactions on resume like any other chat event. The event carries the
new counts, so applying it is idempotent.

Live ``ev`` frames are encoded once for every member, so they cannot say whose reactions
are whose; the per-user reads (history pages and resume catch-up) add ``my_reactions`` to
each message that has reactions, so a fresh device knows which chips are mine.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import views
from lianxin.actions.accounts import Identity
from lianxin.actions.chats import (
    access_member,
    access_readable,
    check_direct_allowed,
    publish_event,
)
from lianxin.errors import Code, LianxinError
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import chats as store
from lianxin.store import extras

REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🙏")
PAGE_MAX = 200


def check_emoji(emoji: str) -> str:
    if emoji not in REACTIONS:
        raise LianxinError(Code.bad_request, "react with one of " + " ".join(REACTIONS))
    return emoji


async def do_react(
    svc: Services,
    me: Identity,
    chat_id: int,
    seq: int,
    emoji: str,
    *,
    on: bool = True,
    session_id: str | None = None,
) -> dict[str, Any]:
    """Add (``on``) or take back my reaction; a repeat changes nothing and appends no event."""
    emoji = check_emoji(emoji)
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        chat = await store.lock_chat_txn(conn, chat_id)  # counts are decided on current data
        member = await access_member(conn, chat_id, me.user_id)
        assert chat is not None
        target = await store.get_event(conn, chat_id, seq)
        if target is None or target.seq <= member.joined_seq:
            raise LianxinError(Code.not_found, "no such message")
        if target.kind == "system" or target.recalled_at is not None:
            raise LianxinError(Code.not_allowed, "this message cannot take reactions")
        if chat.kind == "direct" and on:
            peer = next(u for u in map(int, chat.direct_key.split(":")) if u != me.user_id)
            await check_direct_allowed(conn, me.user_id, peer)
        counts: dict[str, int] = orjson.loads(target.reactions) if target.reactions else {}
        if on:
            changed = await extras.add_reaction_txn(conn, chat_id, seq, me.user_id, emoji, now)
        else:
            changed = await extras.remove_reaction_txn(conn, chat_id, seq, me.user_id, emoji)
        if not changed:
            return {"chat": chat_id, "seq": seq, "reactions": counts, "event": None}
        counts[emoji] = counts.get(emoji, 0) + (1 if on else -1)
        counts = {e: counts[e] for e in REACTIONS if counts.get(e, 0) > 0}
        await extras.set_reaction_counts_txn(conn, chat_id, seq, counts)
        data = {"type": "reaction", "seq": seq, "user": me.user_id, "emoji": emoji, "on": on}
        event = await store.append_event_txn(
            conn,
            chat_id=chat_id,
            sender_id=me.user_id,
            kind="system",
            now=now,
            data={**data, "counts": counts},
        )
    await publish_event(svc, event, exclude=session_id)
    return {"chat": chat_id, "seq": seq, "reactions": counts, "event": views.event(event)}


async def add_mine(
    conn: AsyncConnection, chat_id: int, user_id: int, events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Set ``my_reactions`` (possibly empty) on every event of one chat that has reactions."""
    with_counts = [e for e in events if e.get("reactions")]
    mine = await extras.my_reactions(conn, chat_id, [e["seq"] for e in with_counts], user_id)
    for e in with_counts:
        e["my_reactions"] = mine.get(e["seq"], [])
    return events


async def access_reactions(
    svc: Services,
    me: Identity,
    chat_id: int,
    seq: int,
    *,
    emoji: str | None = None,
    after: int = 0,
    limit: int = 50,
) -> dict[str, Any]:
    """Who reacted to a message I can read, with what, in the order they did (paged).

    ``next`` is the ``after`` of the following page, or null on the last one.
    """
    if emoji is not None:
        emoji = check_emoji(emoji)
    limit = max(1, min(limit, PAGE_MAX))
    async with svc.db.read() as conn:
        member, upto = await access_readable(conn, chat_id, me.user_id)
        target = await store.get_event(conn, chat_id, seq)
        if target is None or not (member.joined_seq < seq <= upto) or target.kind == "system":
            raise LianxinError(Code.not_found, "no such message")
        if target.recalled_at is not None:
            raise LianxinError(Code.not_found, "this message was recalled")
        rows = await extras.reactors(conn, chat_id, seq, emoji=emoji, after=after, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        users = await accounts_store.get_users(conn, {r.user_id for r in rows})
    page = [
        {
            "id": r.id,
            "user": r.user_id,
            "name": users[r.user_id].name if r.user_id in users else "",
            "emoji": r.emoji,
            "ts": r.created_at,
        }
        for r in rows
    ]
    counts = orjson.loads(target.reactions) if target.reactions else {}
    return {
        "chat": chat_id,
        "seq": seq,
        "counts": counts,
        "reactions": page,
        "next": page[-1]["id"] if more else None,
    }
