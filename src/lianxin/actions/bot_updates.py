"""A bot's update stream: polled, acknowledged.

Updates are queued when their event commits (``actions/bot_fanout.py``), so this
module only reads them. An update stays until a later poll's ``offset`` passes it
(Telegram's rule).

What a bot sees: every message from others in its direct chats; in groups with privacy
mode on only ``/commands``, mentions of the bot and replies to it (all messages with
privacy off); ``callback_query`` when a user presses its buttons; and
``my_chat_member`` when it is added to or removed from a group.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import orjson
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import bot_fanout
from lianxin.actions.bots import Bot
from lianxin.errors import Code, LianxinError
from lianxin.events import publish
from lianxin.services import Services
from lianxin.store import bots as store
from lianxin.store import chats as chats_store

UPDATE_TYPES = bot_fanout.UPDATE_TYPES
LIMIT_MAX = 100


class Wakeups(Protocol):
    """Wakes a waiting poll when anything happens in the bot's chats or queue."""

    def listen(self, bot_id: int) -> AbstractAsyncContextManager[asyncio.Event]: ...


def check_allowed_updates(value: object) -> list[str] | None:
    """``allowed_updates``: a list of update types; [] means the default (all we have)."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LianxinError(Code.bad_request, "allowed_updates is a list of update types")
    return [v for v in value if v in UPDATE_TYPES]


async def wake(svc: Services, bot_id: int) -> None:
    """Tell the bot's waiting polls (on any node) to look again. Call after commit."""
    await publish.to_users(svc.bus, [bot_id], {"t": "bot_wake"})


async def add_update_txn(
    conn: AsyncConnection, bot_id: int, type_: str, now: int, **fields: Any
) -> bool:
    """Queue a non-message update (e.g. a callback query) unless the bot filtered it out."""
    return await bot_fanout.queue_txn(conn, bot_id, type_, now, **fields)


# -- polling ---------------------------------------------------------------------------


async def _begin_poll(
    svc: Services, bot: Bot, offset: int | None, allowed: list[str] | None
) -> str:
    """Take the poll lease (a newer poll ends older ones), acknowledge, store settings."""
    lease = secrets.token_hex(8)
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        row = await store.lock_bot_txn(conn, bot.user_id)
        assert row is not None
        if row.webhook_url:
            raise LianxinError(
                Code.conflict,
                "can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        values: dict[str, Any] = {"poll_lease": lease}
        if allowed is not None:
            values["allowed_updates"] = orjson.dumps(allowed).decode()
        await store.update_bot_txn(conn, bot.user_id, values, now)
        if offset is not None and offset > 0:
            await store.ack_updates_txn(conn, bot.user_id, offset)
    return lease


async def _ack_negative(svc: Services, bot: Bot, offset: int) -> int:
    """A negative offset keeps only the last ``-offset`` updates; returns the new offset."""
    async with svc.db.write() as conn:
        rows = await store.pending_updates(conn, bot.user_id, offset=0, limit=10**9)
        if not rows:
            return 0
        first = int(rows[-1].update_id) + 1 + offset
        await store.ack_updates_txn(conn, bot.user_id, first)
    return first


async def _check_lease(svc: Services, bot: Bot, lease: str) -> None:
    async with svc.db.read() as conn:
        row = await store.get_bot(conn, bot.user_id)
    if row is None or row.poll_lease != lease:
        raise LianxinError(
            Code.conflict,
            "terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        )
    if row.webhook_url:
        raise LianxinError(Code.conflict, "the webhook was set while polling")


async def do_poll(
    svc: Services,
    bot: Bot,
    wakeups: Wakeups,
    *,
    offset: int | None,
    limit: int,
    timeout: float,
    allowed_updates: list[str] | None = None,
) -> Sequence[Row[Any]]:
    """Telegram's getUpdates: the updates from ``offset``, waiting up to ``timeout`` seconds
    for the first one. One poller per bot: a newer poll makes this one end with 409."""
    limit = max(1, min(limit, LIMIT_MAX))
    timeout = max(0.0, min(timeout, float(svc.settings.bot_poll_timeout_max_s)))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with wakeups.listen(bot.user_id) as woken:
        lease = await _begin_poll(svc, bot, offset, allowed_updates)
        await wake(svc, bot.user_id)  # an older poll, anywhere, sees it lost the lease
        if offset is not None and offset < 0:
            offset = await _ack_negative(svc, bot, offset)
        start = offset if offset is not None and offset > 0 else 0
        while True:
            woken.clear()
            await _check_lease(svc, bot, lease)
            async with svc.db.read() as conn:
                rows = await store.pending_updates(conn, bot.user_id, offset=start, limit=limit)
            remaining = deadline - loop.time()
            if rows or remaining <= 0:
                return rows
            try:
                await asyncio.wait_for(woken.wait(), remaining)
            except TimeoutError:
                continue


async def load_events(svc: Services, rows: Sequence[Row[Any]]) -> dict[tuple[int, int], Row[Any]]:
    """The chat events that message updates refer to, by (chat, seq)."""
    out: dict[tuple[int, int], Row[Any]] = {}
    async with svc.db.read() as conn:
        for row in rows:
            if row.chat_id is not None and row.seq is not None and row.type == "message":
                event = await chats_store.get_event(conn, row.chat_id, row.seq)
                if event is not None:
                    out[(row.chat_id, row.seq)] = event
    return out
