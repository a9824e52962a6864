"""Edit history and reactions of messages: tables and queries.

An edit replaces ``messages.text`` and keeps the previous text here, so members can read
how a message changed. A reaction is one row per (message, user, emoji); the per-emoji
counts live on the message row (``messages.reactions``) so that every write stays O(1)
and history pages show counts without a join.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.store.tables import Id, hidden_messages, messages, metadata

# One row per replaced version of a message: the text it had before the edit at edited_at,
# and the seq of the ``edit`` system event that announced the edit.
message_edits = Table(
    "message_edits",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("text", Text, nullable=False),
    Column("edited_at", BigInteger, nullable=False),
    Column("event_seq", BigInteger, nullable=False),
    Index(None, "chat_id", "seq"),
)

reactions = Table(
    "reactions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("emoji", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("chat_id", "seq", "user_id", "emoji"),
)


# -- edits -----------------------------------------------------------------------------


async def record_edit_txn(
    conn: AsyncConnection,
    *,
    chat_id: int,
    seq: int,
    old_text: str,
    new_text: str,
    data: dict[str, Any] | None,
    now: int,
    event_seq: int,
) -> None:
    """Keep the replaced text, then put the new text (and data) on the message."""
    await conn.execute(
        insert(message_edits).values(
            chat_id=chat_id, seq=seq, text=old_text, edited_at=now, event_seq=event_seq
        )
    )
    values: dict[str, Any] = {
        "text": new_text,
        "edited_at": now,
        "data": orjson.dumps(data).decode() if data else None,
    }
    stmt = update(messages).where(messages.c.chat_id == chat_id, messages.c.seq == seq)
    await conn.execute(stmt.values(**values))


async def edits_of(conn: AsyncConnection, chat_id: int, seq: int) -> Sequence[Any]:
    """Replaced versions of one message, oldest first."""
    stmt = (
        select(message_edits)
        .where(message_edits.c.chat_id == chat_id, message_edits.c.seq == seq)
        .order_by(message_edits.c.id)
    )
    return (await conn.execute(stmt)).all()


async def forget_edits_txn(conn: AsyncConnection, chat_id: int, seq: int) -> None:
    """A recalled message takes its old versions with it, including the texts its ``edit``
    events carried (they keep only which message was edited)."""
    rows = await edits_of(conn, chat_id, seq)
    for row in rows:
        data = orjson.dumps({"type": "edit", "seq": seq, "recalled": True}).decode()
        stmt = update(messages).where(
            messages.c.chat_id == chat_id, messages.c.seq == row.event_seq
        )
        await conn.execute(stmt.values(data=data))
    cond = (message_edits.c.chat_id == chat_id) & (message_edits.c.seq == seq)
    await conn.execute(delete(message_edits).where(cond))


# -- reactions -------------------------------------------------------------------------


async def add_reaction_txn(
    conn: AsyncConnection, chat_id: int, seq: int, user_id: int, emoji: str, now: int
) -> bool:
    """True when the reaction is new (the caller holds the chat lock, so no race)."""
    if await _has_reaction(conn, chat_id, seq, user_id, emoji):
        return False
    values = {"chat_id": chat_id, "seq": seq, "user_id": user_id, "emoji": emoji}
    await conn.execute(insert(reactions).values(created_at=now, **values))
    return True


async def remove_reaction_txn(
    conn: AsyncConnection, chat_id: int, seq: int, user_id: int, emoji: str
) -> bool:
    stmt = delete(reactions).where(
        reactions.c.chat_id == chat_id,
        reactions.c.seq == seq,
        reactions.c.user_id == user_id,
        reactions.c.emoji == emoji,
    )
    return bool((await conn.execute(stmt)).rowcount)


async def _has_reaction(
    conn: AsyncConnection, chat_id: int, seq: int, user_id: int, emoji: str
) -> bool:
    stmt = select(reactions.c.id).where(
        reactions.c.chat_id == chat_id,
        reactions.c.seq == seq,
        reactions.c.user_id == user_id,
        reactions.c.emoji == emoji,
    )
    return (await conn.execute(stmt)).first() is not None


async def set_reaction_counts_txn(
    conn: AsyncConnection, chat_id: int, seq: int, counts: dict[str, int]
) -> None:
    value = orjson.dumps(counts).decode() if counts else None
    stmt = update(messages).where(messages.c.chat_id == chat_id, messages.c.seq == seq)
    await conn.execute(stmt.values(reactions=value))


async def my_reactions(
    conn: AsyncConnection, chat_id: int, seqs: Sequence[int], user_id: int
) -> dict[int, list[str]]:
    """The emoji ``user_id`` put on each of ``seqs`` (one indexed query for a page)."""
    if not seqs:
        return {}
    stmt = select(reactions.c.seq, reactions.c.emoji).where(
        reactions.c.chat_id == chat_id,
        reactions.c.seq.in_(list(seqs)),
        reactions.c.user_id == user_id,
    )
    out: dict[int, list[str]] = {}
    for row in (await conn.execute(stmt.order_by(reactions.c.id))).all():
        out.setdefault(int(row.seq), []).append(row.emoji)
    return out


async def reactors(
    conn: AsyncConnection, chat_id: int, seq: int, *, emoji: str | None, after: int, limit: int
) -> Sequence[Any]:
    """Who reacted to one message, in the order they did, from reaction id ``after`` on."""
    stmt = select(reactions).where(
        reactions.c.chat_id == chat_id, reactions.c.seq == seq, reactions.c.id > after
    )
    if emoji is not None:
        stmt = stmt.where(reactions.c.emoji == emoji)
    return (await conn.execute(stmt.order_by(reactions.c.id).limit(limit))).all()


async def set_data_txn(
    conn: AsyncConnection, chat_id: int, seq: int, data: dict[str, Any] | None
) -> None:
    """Replace a message's data object (e.g. to attach a link preview)."""
    value = orjson.dumps(data).decode() if data else None
    stmt = update(messages).where(messages.c.chat_id == chat_id, messages.c.seq == seq)
    await conn.execute(stmt.values(data=value))


async def events_at(
    conn: AsyncConnection, chat_id: int, seqs: Sequence[int], *, hidden_for: int
) -> list[Any]:
    """The events of one chat at these seqs (oldest first), leaving out those the user
    deleted for themselves."""
    hidden = select(hidden_messages.c.seq).where(
        hidden_messages.c.user_id == hidden_for, hidden_messages.c.chat_id == chat_id
    )
    stmt = select(messages).where(
        messages.c.chat_id == chat_id, messages.c.seq.in_(list(seqs)), messages.c.seq.not_in(hidden)
    )
    return list((await conn.execute(stmt.order_by(messages.c.seq))).all())
