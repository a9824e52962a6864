"""The query behind live group read counts: who sent the messages a read mark passed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.store.tables import members, messages, users


async def senders_between(conn: AsyncConnection, chat_id: int, after: int, upto: int) -> list[int]:
    """Distinct senders, still members and not bots (they show no read counts, and a frame
    would wake their long polls), of the non-system events with ``after < seq <= upto``."""
    on = (members.c.chat_id == messages.c.chat_id) & (members.c.user_id == messages.c.sender_id)
    stmt = (
        select(messages.c.sender_id)
        .join(members, on)
        .join(users, users.c.id == messages.c.sender_id)
        .where(
            members.c.active,
            users.c.is_bot.is_(False),
            messages.c.chat_id == chat_id,
            messages.c.seq > after,
            messages.c.seq <= upto,
            messages.c.kind != "system",
            messages.c.sender_id.is_not(None),
        )
        .distinct()
    )
    return [int(row.sender_id) for row in (await conn.execute(stmt)).all()]
