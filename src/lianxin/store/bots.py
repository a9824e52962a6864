"""Bots: accounts with a token, their update queue, callback queries and cursors.

A bot is a ``users`` row with ``is_bot``; ``bots`` adds its owner, token hash, settings
and webhook. ``bot_updates`` holds every update of every type, written in the
transaction that commits its event (``actions/bot_fanout.py``): one monotonic
``update_id`` per bot, the webhook retry state, deleted once acknowledged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    Row,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.store.official import official_accounts
from lianxin.store.tables import chats, members, messages, metadata, users

bots = Table(
    "bots",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("owner_id", BigInteger, ForeignKey("users.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=True, unique=True),  # null: revoked
    Column("privacy", Boolean, nullable=False, server_default="1"),
    Column("commands", Text, nullable=False, server_default="[]"),
    Column("description", String(512), nullable=False, server_default=""),
    Column("allowed_updates", Text, nullable=True),  # JSON list; null: the default set
    Column("next_update_id", BigInteger, nullable=False, server_default="1"),
    Column("poll_lease", String(32), nullable=True),  # the newest getUpdates call
    Column("webhook_url", String(2048), nullable=True),
    Column("webhook_secret", String(256), nullable=True),  # Telegram's secret_token header
    Column("webhook_key", String(64), nullable=True),  # HMAC key, derived from the token
    Column("webhook_node", String(32), nullable=True),  # the node delivering right now
    Column("webhook_until", BigInteger, nullable=False, server_default="0"),
    Column("max_connections", Integer, nullable=False, server_default="40"),
    Column("last_error_at", BigInteger, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

bot_updates = Table(
    "bot_updates",
    metadata,
    Column("bot_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("update_id", BigInteger, primary_key=True),
    Column("type", String(32), nullable=False),  # message | callback_query | my_chat_member
    Column("chat_id", BigInteger, nullable=True),
    Column("seq", BigInteger, nullable=True),
    Column("payload", Text, nullable=True),  # JSON, for updates that are not chat events
    Column("created_at", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", BigInteger, nullable=False, server_default="0"),
    Column("last_error", String(500), nullable=True),
    Column("dead", Boolean, nullable=False, server_default="0"),  # webhook gave up
)

# A user's conversation with BotFather between messages (actions/botfather.py).
botfather_dialogs = Table(
    "botfather_dialogs",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("step", String(32), nullable=False),
    Column("data", Text, nullable=False, server_default="{}"),
    Column("updated_at", BigInteger, nullable=False),
)

# A button press, kept so the bot's answer reaches the user who pressed it.
bot_callbacks = Table(
    "bot_callbacks",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("bot_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("data", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("answered_at", BigInteger, nullable=True),
)


# -- bots ------------------------------------------------------------------------------


async def insert_bot_txn(
    conn: AsyncConnection, *, user_id: int, owner_id: int, token_hash: str, now: int
) -> None:
    values = {"user_id": user_id, "owner_id": owner_id, "token_hash": token_hash}
    await conn.execute(insert(bots).values(**values, created_at=now, updated_at=now))


async def get_bot(conn: AsyncConnection, user_id: int) -> Row[Any] | None:
    stmt = select(bots, users.c.name, users.c.handle).join(users, users.c.id == bots.c.user_id)
    return (await conn.execute(stmt.where(bots.c.user_id == user_id))).first()


async def bot_by_token_hash(conn: AsyncConnection, token_hash: str) -> Row[Any] | None:
    stmt = select(bots, users.c.name, users.c.handle).join(users, users.c.id == bots.c.user_id)
    return (await conn.execute(stmt.where(bots.c.token_hash == token_hash))).first()


async def bots_of(conn: AsyncConnection, owner_id: int) -> Sequence[Row[Any]]:
    """The owner's bots (official accounts with an API token are listed with those)."""
    stmt = (
        select(bots, users.c.name, users.c.handle)
        .select_from(_plain_bots().join(users, users.c.id == bots.c.user_id))
        .where(bots.c.owner_id == owner_id, official_accounts.c.user_id.is_(None))
    )
    return (await conn.execute(stmt)).all()


async def lock_bot_txn(conn: AsyncConnection, user_id: int) -> Row[Any] | None:
    """The bot row locked until commit: update ids and leases are taken in turn."""
    stmt = select(bots).where(bots.c.user_id == user_id).with_for_update()
    return (await conn.execute(stmt)).first()


async def update_bot_txn(
    conn: AsyncConnection, user_id: int, values: dict[str, Any], now: int
) -> None:
    stmt = update(bots).where(bots.c.user_id == user_id).values(**values, updated_at=now)
    await conn.execute(stmt)


async def delete_bot_txn(conn: AsyncConnection, user_id: int) -> None:
    """Remove a bot's rows: its updates, button presses and the bot itself."""
    await conn.execute(delete(bot_updates).where(bot_updates.c.bot_id == user_id))
    await conn.execute(delete(bot_callbacks).where(bot_callbacks.c.bot_id == user_id))
    await conn.execute(delete(bots).where(bots.c.user_id == user_id))


async def get_dialog(conn: AsyncConnection, user_id: int) -> Row[Any] | None:
    stmt = select(botfather_dialogs).where(botfather_dialogs.c.user_id == user_id)
    return (await conn.execute(stmt)).first()


async def set_dialog_txn(
    conn: AsyncConnection, user_id: int, step: str | None, data: dict[str, Any], now: int
) -> None:
    """Where a user is in a BotFather conversation (``step`` None: nowhere)."""
    await conn.execute(delete(botfather_dialogs).where(botfather_dialogs.c.user_id == user_id))
    if step is not None:
        values = {"step": step, "data": orjson.dumps(data).decode(), "updated_at": now}
        await conn.execute(insert(botfather_dialogs).values(user_id=user_id, **values))


async def claim_webhooks_txn(
    conn: AsyncConnection, node: str, now: int, until: int, limit: int
) -> list[int]:
    """Bots with a webhook whose delivery lease is free or already this node's: take them.

    The UPDATE's condition is re-checked under the row lock, so two nodes never both win.
    """
    free = or_(bots.c.webhook_until < now, bots.c.webhook_node == node)
    candidates = select(bots.c.user_id).where(bots.c.webhook_url.is_not(None), free).limit(limit)
    ids = [int(x) for x in (await conn.execute(candidates)).scalars()]
    won = []
    for bot_id in ids:
        stmt = (
            update(bots)
            .where(bots.c.user_id == bot_id, bots.c.webhook_url.is_not(None), free)
            .values(webhook_node=node, webhook_until=until)
        )
        if (await conn.execute(stmt)).rowcount:
            won.append(bot_id)
    return won


# -- updates ---------------------------------------------------------------------------


async def insert_update_txn(
    conn: AsyncConnection,
    *,
    bot_id: int,
    update_id: int,
    type_: str,
    now: int,
    chat_id: int | None = None,
    seq: int | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    stmt = insert(bot_updates).values(
        bot_id=bot_id,
        update_id=update_id,
        type=type_,
        chat_id=chat_id,
        seq=seq,
        payload=orjson.dumps(payload).decode() if payload is not None else None,
        created_at=now,
    )
    await conn.execute(stmt)


async def pending_updates(
    conn: AsyncConnection, bot_id: int, *, offset: int, limit: int, due_by: int | None = None
) -> Sequence[Row[Any]]:
    """Live (not dead-lettered) updates from ``offset`` on; ``due_by``: only those due then."""
    stmt = select(bot_updates).where(
        bot_updates.c.bot_id == bot_id, bot_updates.c.update_id >= offset, ~bot_updates.c.dead
    )
    if due_by is not None:
        stmt = stmt.where(bot_updates.c.next_attempt_at <= due_by)
    return (await conn.execute(stmt.order_by(bot_updates.c.update_id).limit(limit))).all()


async def count_pending(conn: AsyncConnection, bot_id: int) -> int:
    stmt = select(func.count()).where(bot_updates.c.bot_id == bot_id, ~bot_updates.c.dead)
    return int((await conn.execute(stmt)).scalar_one())


async def dead_updates(conn: AsyncConnection, bot_id: int) -> Sequence[Row[Any]]:
    stmt = select(bot_updates).where(bot_updates.c.bot_id == bot_id, bot_updates.c.dead)
    return (await conn.execute(stmt.order_by(bot_updates.c.update_id))).all()


async def ack_updates_txn(conn: AsyncConnection, bot_id: int, below: int) -> None:
    """Forget live updates under ``below`` (acknowledged); dead letters stay for the owner."""
    cond = and_(
        bot_updates.c.bot_id == bot_id, bot_updates.c.update_id < below, ~bot_updates.c.dead
    )
    await conn.execute(delete(bot_updates).where(cond))


async def delete_update_txn(conn: AsyncConnection, bot_id: int, update_id: int) -> None:
    cond = and_(bot_updates.c.bot_id == bot_id, bot_updates.c.update_id == update_id)
    await conn.execute(delete(bot_updates).where(cond))


async def drop_updates_txn(conn: AsyncConnection, bot_id: int) -> None:
    cond = and_(bot_updates.c.bot_id == bot_id, ~bot_updates.c.dead)
    await conn.execute(delete(bot_updates).where(cond))


async def update_update_txn(
    conn: AsyncConnection, bot_id: int, update_id: int, values: dict[str, Any]
) -> None:
    cond = and_(bot_updates.c.bot_id == bot_id, bot_updates.c.update_id == update_id)
    await conn.execute(update(bot_updates).where(cond).values(**values))


async def revive_dead_txn(conn: AsyncConnection, bot_id: int) -> int:
    """Put every dead letter back in the queue, due now; returns how many."""
    stmt = (
        update(bot_updates)
        .where(bot_updates.c.bot_id == bot_id, bot_updates.c.dead)
        .values(dead=False, attempts=0, next_attempt_at=0, last_error=None)
    )
    return int((await conn.execute(stmt)).rowcount)


# -- bots in chats ------------------------------------------------------------------------


def _plain_bots() -> Any:
    """Bots that are not official accounts (an account with an API token has a bots row
    but keeps the official rules: follow to talk, never in groups)."""
    return bots.outerjoin(official_accounts, official_accounts.c.user_id == bots.c.user_id)


async def bot_ids_among(conn: AsyncConnection, user_ids: list[int]) -> list[int]:
    """Which of these users are bots (not official accounts, even with an API token)."""
    if not user_ids:
        return []
    stmt = (
        select(bots.c.user_id)
        .select_from(_plain_bots())
        .where(bots.c.user_id.in_(user_ids), official_accounts.c.user_id.is_(None))
    )
    return sorted(int(x) for x in (await conn.execute(stmt)).scalars())


async def platform_account(conn: AsyncConnection, user_id: int) -> Row[Any] | None:
    """A chat member the platform serves, in one read: its bots row (``has_bot``, the
    bot's settings and handle) and, for an official account, its ``official_owner``."""
    stmt = (
        select(
            bots,
            users.c.name,
            users.c.handle,
            bots.c.user_id.is_not(None).label("has_bot"),
            official_accounts.c.owner_id.label("official_owner"),
        )
        .select_from(
            users.outerjoin(bots, bots.c.user_id == users.c.id).outerjoin(
                official_accounts, official_accounts.c.user_id == users.c.id
            )
        )
        .where(users.c.id == user_id)
    )
    return (await conn.execute(stmt)).first()


async def platform_ids_among(conn: AsyncConnection, user_ids: list[int]) -> list[int]:
    """Bots and official accounts among these users: accounts whose chats the platform
    serves (bots get updates, official accounts' owners get live frames)."""
    if not user_ids:
        return []
    found = await bot_ids_among(conn, user_ids)
    stmt = select(official_accounts.c.user_id).where(official_accounts.c.user_id.in_(user_ids))
    return sorted({*found, *(int(x) for x in (await conn.execute(stmt)).scalars())})


async def owner_of_official(conn: AsyncConnection, account_id: int) -> int | None:
    stmt = select(official_accounts.c.owner_id).where(official_accounts.c.user_id == account_id)
    owner = (await conn.execute(stmt)).scalar()
    return int(owner) if owner is not None else None


async def share_group(conn: AsyncConnection, a: int, b: int) -> bool:
    """Whether two users are both active members of some group."""
    other = members.alias("other")
    stmt = (
        select(members.c.chat_id)
        .join(other, other.c.chat_id == members.c.chat_id)
        .join(chats, chats.c.id == members.c.chat_id)
        .where(
            members.c.user_id == a,
            members.c.active,
            other.c.user_id == b,
            other.c.active,
            chats.c.kind == "group",
        )
        .limit(1)
    )
    return (await conn.execute(stmt)).first() is not None


async def senders_of(conn: AsyncConnection, chat_id: int, seqs: list[int]) -> dict[int, int | None]:
    """Who sent each of these events of one chat (to tell replies to the bot)."""
    if not seqs:
        return {}
    stmt = select(messages.c.seq, messages.c.sender_id).where(
        messages.c.chat_id == chat_id, messages.c.seq.in_(seqs)
    )
    return {int(s): u for s, u in (await conn.execute(stmt)).all()}


async def update_message_txn(
    conn: AsyncConnection, message_id: int, values: dict[str, Any]
) -> Row[Any]:
    """Change a stored message in place (a bot editing its own message); the new row."""
    stmt = update(messages).where(messages.c.id == message_id).values(**values)
    await conn.execute(stmt)
    return (await conn.execute(select(messages).where(messages.c.id == message_id))).one()


# -- callback queries --------------------------------------------------------------------


async def insert_callback_txn(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(bot_callbacks).values(**values))


async def get_callback(conn: AsyncConnection, callback_id: str) -> Row[Any] | None:
    stmt = select(bot_callbacks).where(bot_callbacks.c.id == callback_id)
    return (await conn.execute(stmt)).first()


async def answer_callback_txn(conn: AsyncConnection, callback_id: str, now: int) -> bool:
    """Mark a press answered; False when it already was (answers are single-use)."""
    stmt = (
        update(bot_callbacks)
        .where(bot_callbacks.c.id == callback_id, bot_callbacks.c.answered_at.is_(None))
        .values(answered_at=now)
    )
    return bool((await conn.execute(stmt)).rowcount)
