"""A bot's updates are queued in the transaction that commits their event.

Every update a bot receives (a message, a callback query, ``my_chat_member``) takes the
bot's next ``update_id`` under the bot row's lock inside the transaction that stores
the event, so ``update_id`` order is commit order across all sources, on any number of
nodes, and a poll that acknowledged ``offset`` can never see an older id appear later.

What it costs the send path: a chat row carries the ids of the platform accounts that
are members (``chats.bot_ids``: bots and official accounts, maintained here on
membership changes). A send already holds that row, so a chat without them pays
nothing; a chat with bots writes one row per bot that sees the message (privacy mode
filters group chatter before anything is written). A follower's message to an official
account also goes live to the account owner's devices (``official_message`` frames).

This module sits under ``actions/chats.py`` and ``actions/messages.py`` (both call it)
and therefore imports only the store, the bus and ``views``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import views
from lianxin.bus import Bus
from lianxin.events import publish
from lianxin.store import bots as store
from lianxin.store import chats as chats_store

UPDATE_TYPES = frozenset({"message", "edited_message", "callback_query", "my_chat_member"})


def allowed_types(bot_row: Row[Any]) -> frozenset[str]:
    """The update types the bot asked for (``allowed_updates``; empty or unset: all)."""
    if not bot_row.allowed_updates:
        return UPDATE_TYPES
    chosen = orjson.loads(bot_row.allowed_updates)
    return frozenset(chosen) if chosen else UPDATE_TYPES


def bot_ids(chat: Row[Any]) -> list[int]:
    """The bots that are active members of a chat row."""
    return list(orjson.loads(chat.bot_ids)) if chat.bot_ids else []


async def queue_txn(
    conn: AsyncConnection, bot_id: int, type_: str, now: int, **fields: Any
) -> bool:
    """Give one update the bot's next id, unless the bot filtered its type out.

    Takes the bot row's lock until commit (after the chat's, when there is one).
    """
    bot = await store.lock_bot_txn(conn, bot_id)
    if bot is None or type_ not in allowed_types(bot):
        return False
    update_id = int(bot.next_update_id)
    await store.insert_update_txn(
        conn, bot_id=bot_id, update_id=update_id, type_=type_, now=now, **fields
    )
    await store.update_bot_txn(conn, bot_id, {"next_update_id": update_id + 1}, now)
    return True


# -- messages ----------------------------------------------------------------------------


_ADDRESSED = re.compile(r"/[A-Za-z0-9_]{1,64}@([A-Za-z0-9_]{1,64})(?![A-Za-z0-9_])")


async def _sees(conn: AsyncConnection, bot: Row[Any], chat: Row[Any], event: Row[Any]) -> bool:
    """Privacy mode: in groups only commands (bare or addressed to this bot), mentions of
    the bot and replies to it. Without privacy mode a bot sees everything, as on Telegram."""
    if chat.kind == "direct" or not bot.privacy:
        return True
    text = event.text or ""
    if text.startswith("/"):
        # "/cmd@handle" is meant for that bot only (several bots may share a command name);
        # a bare "/cmd" goes to every bot in the group.
        addressed = _ADDRESSED.match(text)
        return addressed is None or addressed.group(1).lower() == (bot.handle or "").lower()
    mentions = orjson.loads(event.mentions) if event.mentions else []
    if bot.user_id in mentions:
        return True
    if "@" in text and f"@{bot.handle}".lower() in text.lower():
        return True
    if event.reply_to is None:
        return False
    senders = await store.senders_of(conn, chat.id, [int(event.reply_to)])
    return bool(senders.get(int(event.reply_to)) == bot.user_id)


async def message_txn(
    conn: AsyncConnection, chat: Row[Any], event: Row[Any], now: int
) -> list[tuple[int, int]]:
    """Queue a new message for the chat's bots that may see it. Returns the (owner,
    official account) pairs to tell after commit (``publish_to_owners``)."""
    owners = []
    for account_id in bot_ids(chat):
        if account_id == event.sender_id:
            continue
        account = await store.platform_account(conn, account_id)
        if account is None:
            continue
        if account.official_owner is not None and event.kind != "system":
            owners.append((int(account.official_owner), account_id))
        if account.has_bot and await _sees(conn, account, chat, event):
            await queue_txn(conn, account_id, "message", now, chat_id=event.chat_id, seq=event.seq)
    return owners


async def publish_to_owners(bus: Bus, owners: list[tuple[int, int]], event: Row[Any]) -> None:
    """After commit: a follower wrote to an official account; its owner's devices see it."""
    for owner, account_id in owners:
        frame = {"t": "official_message", "account": account_id, "event": views.event(event)}
        await publish.to_users(bus, [owner], frame)


# -- membership --------------------------------------------------------------------------


async def _set_bots_txn(conn: AsyncConnection, chat_id: int, ids: list[int]) -> None:
    value = orjson.dumps(sorted(set(ids))).decode() if ids else None
    await chats_store.update_chat_txn(conn, chat_id, {"bot_ids": value})


async def joined_txn(
    conn: AsyncConnection,
    chat_id: int,
    current: list[int],
    user_ids: Iterable[int],
    now: int,
    event: Row[Any] | None = None,
) -> list[int]:
    """Users joined a chat whose bots were ``current``: note the bots among them and, for
    a group event, queue ``my_chat_member`` for each. Returns the bots that joined."""
    joined = await store.platform_ids_among(conn, list(user_ids))
    if not joined:
        return []
    await _set_bots_txn(conn, chat_id, current + joined)
    if event is not None:
        for bot_id in await store.bot_ids_among(conn, joined):
            payload = {"by": event.sender_id, "status": "member"}
            await queue_txn(
                conn, bot_id, "my_chat_member", now, chat_id=chat_id, seq=event.seq, payload=payload
            )
    return joined


async def left_txn(
    conn: AsyncConnection, chat: Row[Any], user_id: int, event: Row[Any], now: int
) -> None:
    """A member left or was removed; a bot gets ``my_chat_member`` (kicked) for it."""
    current = bot_ids(chat)
    if user_id not in current:
        return
    await _set_bots_txn(conn, chat.id, [b for b in current if b != user_id])
    payload = {"by": event.sender_id, "status": "kicked"}
    await queue_txn(
        conn, user_id, "my_chat_member", now, chat_id=chat.id, seq=event.seq, payload=payload
    )
