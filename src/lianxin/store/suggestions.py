"""Candidates for "people you may know": friends of friends and fellow group members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import Select

from lianxin.store.discovery import dismissed_suggestions
from lianxin.store.tables import chats, friends, members

SCAN_MAX = 500


async def mutual_counts(conn: AsyncConnection, user_id: int) -> dict[int, int]:
    """Friends of my friends (not me) -> how many of my friends they are friends with."""
    mine, theirs = friends.alias("mine"), friends.alias("theirs")
    stmt: Select[Any] = (
        select(theirs.c.friend_id, func.count())
        .select_from(mine.join(theirs, theirs.c.user_id == mine.c.friend_id))
        .where(
            mine.c.user_id == user_id,
            mine.c.active,
            theirs.c.active,
            theirs.c.friend_id != user_id,
        )
        .group_by(theirs.c.friend_id)
        .order_by(func.count().desc())
        .limit(SCAN_MAX)
    )
    return {int(r[0]): int(r[1]) for r in (await conn.execute(stmt)).all()}


async def group_mates(conn: AsyncConnection, user_id: int) -> Sequence[Any]:
    """(user_id, chat_id, title) for people in groups I am in."""
    me, other = members.alias("me"), members.alias("other")
    stmt = (
        select(other.c.user_id, chats.c.id.label("chat_id"), chats.c.title)
        .select_from(
            me.join(other, other.c.chat_id == me.c.chat_id).join(chats, chats.c.id == me.c.chat_id)
        )
        .where(
            me.c.user_id == user_id,
            me.c.active,
            other.c.active,
            other.c.user_id != user_id,
            chats.c.kind == "group",
        )
        .order_by(chats.c.last_activity_at.desc())
        .limit(SCAN_MAX)
    )
    return (await conn.execute(stmt)).all()


async def dismissed(conn: AsyncConnection, user_id: int) -> set[int]:
    stmt = select(dismissed_suggestions.c.suggested_id).where(
        dismissed_suggestions.c.user_id == user_id
    )
    return {int(x) for x in (await conn.execute(stmt)).scalars()}


async def dismiss_txn(conn: AsyncConnection, user_id: int, suggested: int, now: int) -> None:
    if suggested not in await dismissed(conn, user_id):
        await conn.execute(
            insert(dismissed_suggestions).values(
                user_id=user_id, suggested_id=suggested, created_at=now
            )
        )
