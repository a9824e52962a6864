"""The bus interface: topics carry event envelopes; presence counts live sessions.

An ``Envelope`` holds the frame bytes encoded once by the publisher. The in-process bus
hands the object itself to the handler; the Redis bus encodes it once per publish
(``events.envelope``) and decodes it on each node, dropping what is not one.

A node subscribes only to topics it has local interest in (``c.<chat>`` for chats
with an online member here, ``u.<user>`` for users connected here). Delivery is
at-most-once and best effort: correctness comes from the per-chat sequence and resume,
the bus only makes it fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from lianxin.events.envelope import Envelope

Handler = Callable[[str, Envelope], None]


class Bus(Protocol):
    async def start(self, handler: Handler) -> None:
        """Begin delivering messages of subscribed topics to ``handler`` (not re-entrant).

        The handler must not block; an exception it raises is logged, never propagated.
        """

    async def close(self) -> None: ...

    async def publish(self, topic: str, env: Envelope) -> None: ...

    async def publish_many(self, topics: Iterable[str], env: Envelope) -> None:
        """The same envelope to many topics in one round trip (presence to every friend)."""

    async def subscribe(self, topics: Iterable[str]) -> None:
        """Returns once any later publish to these topics, from any node, reaches here."""

    async def unsubscribe(self, topics: Iterable[str]) -> None:
        """Takes effect at once: nothing more of these topics reaches the handler."""

    async def presence_add(self, user_id: int, session_id: str) -> bool:
        """Mark a session online; True when the user was offline before."""

    async def presence_remove(self, user_id: int, session_id: str) -> bool:
        """Mark a session gone; True when the user has no session left."""

    async def online(self, user_ids: Iterable[int]) -> set[int]:
        """Which of these users have at least one live session on any node."""
