"""Waking a bot's long poll the moment something happens in its chats, on any node.

A waiting bot is registered with the node's hub exactly like a user's session: the hub
subscribes to the bot's user topic and its chats' topics, so chat events, new chats and
``bot_wake`` frames (callback queries, a newer poll) reach it locally or through Redis.
The listener only sets an event; the poll then reads the database. It stays registered
for a while after the last poll so that back-to-back polls do not re-subscribe.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, cast

from lianxin.events.envelope import Envelope
from lianxin.gateway.hub import Hub
from lianxin.services import Services
from lianxin.store import chats as chats_store

if TYPE_CHECKING:
    from lianxin.gateway.session import Session

LINGER_S = 60.0


class _Listener:
    """What the hub needs of a session (ids, deliver, kick); it only wakes waiters."""

    def __init__(self, bot_id: int) -> None:
        self.user_id = bot_id
        self.session_id = f"bot-{uuid.uuid4().hex}"
        self.device_id = 0
        self.waiters: set[asyncio.Event] = set()
        self.expiry: asyncio.TimerHandle | None = None

    def deliver(self, env: Envelope, text: str | None) -> None:
        for event in self.waiters:
            event.set()

    def routed(self, chat: int) -> None:
        """A chat just joined went live here: something may have happened before; look."""
        for event in self.waiters:
            event.set()

    def kick(self, frame: bytes) -> None:
        """Bots have no devices to sign out."""


class HubWakeups:
    """The node's bot listeners (implements ``actions.bot_updates.Wakeups``)."""

    def __init__(self, svc: Services, hub: Hub) -> None:
        self.svc = svc
        self.hub = hub
        self._listeners: dict[int, _Listener] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def listen(self, bot_id: int) -> AsyncIterator[asyncio.Event]:
        listener = self._listeners.get(bot_id)
        if listener is None:
            listener = _Listener(bot_id)
            self._listeners[bot_id] = listener
            await self.hub.register(cast("Session", listener), self._chats_of(bot_id))
        if listener.expiry is not None:
            listener.expiry.cancel()
            listener.expiry = None
        event = asyncio.Event()
        listener.waiters.add(event)
        try:
            yield event
        finally:
            listener.waiters.discard(event)
            if not listener.waiters:
                loop = asyncio.get_running_loop()
                listener.expiry = loop.call_later(LINGER_S, self._expire, listener)

    def _chats_of(self, bot_id: int) -> Callable[[], Awaitable[list[int]]]:
        async def load() -> list[int]:
            async with self.svc.db.read() as conn:
                return await chats_store.chat_ids_of(conn, bot_id)

        return load

    def _expire(self, listener: _Listener) -> None:
        if listener.waiters or self._listeners.get(listener.user_id) is not listener:
            return
        del self._listeners[listener.user_id]
        task = asyncio.get_running_loop().create_task(self._unregister(listener))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _unregister(self, listener: _Listener) -> None:
        await self.hub.unregister(cast("Session", listener))

    async def close(self) -> None:
        for listener in list(self._listeners.values()):
            if listener.expiry is not None:
                listener.expiry.cancel()
            await self._unregister(listener)
        self._listeners.clear()
