"""In-process bus for the embedded, single-node server (and the test suite).

Envelopes are handed over as they are: nothing is encoded or decoded on the way (they
are frozen, so every subscriber may keep the same object).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable

from lianxin.bus.base import Handler
from lianxin.events.envelope import Envelope

log = logging.getLogger(__name__)


class MemoryBus:
    def __init__(self) -> None:
        self._handler: Handler | None = None
        self._topics: set[str] = set()
        self._presence: defaultdict[int, set[str]] = defaultdict(set)

    async def start(self, handler: Handler) -> None:
        self._handler = handler

    async def close(self) -> None:
        self._handler = None

    async def publish(self, topic: str, env: Envelope) -> None:
        """Deliver synchronously; a failing handler is logged, never raised to the publisher.

        Publishers are actions that have already committed: an exception here would
        report a stored message as failed.
        """
        if self._handler is None or topic not in self._topics:
            return
        try:
            self._handler(topic, env)
        except Exception:
            log.exception("bus handler failed on %s", topic)

    async def publish_many(self, topics: Iterable[str], env: Envelope) -> None:
        for topic in topics:
            await self.publish(topic, env)

    async def subscribe(self, topics: Iterable[str]) -> None:
        self._topics.update(topics)

    async def unsubscribe(self, topics: Iterable[str]) -> None:
        self._topics.difference_update(topics)

    async def presence_add(self, user_id: int, session_id: str) -> bool:
        sessions = self._presence[user_id]
        was_offline = not sessions
        sessions.add(session_id)
        return was_offline

    async def presence_remove(self, user_id: int, session_id: str) -> bool:
        sessions = self._presence.get(user_id)
        if sessions is None or session_id not in sessions:
            return False
        sessions.discard(session_id)
        if sessions:
            return False
        del self._presence[user_id]
        return True

    async def online(self, user_ids: Iterable[int]) -> set[int]:
        return {u for u in user_ids if self._presence.get(u)}
