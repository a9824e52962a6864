"""Redis bus for clusters: pub/sub per topic, presence in one sorted set per user.

Presence entries carry an expiry score that the owning node refreshes; a node that dies
stops refreshing, so its sessions fall out of presence within ``presence_ttl_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub

from lianxin.bus.base import Handler

log = logging.getLogger(__name__)


def _presence_key(user_id: int) -> str:
    return f"lx:presence:{user_id}"


class RedisBus:
    def __init__(self, url: str, *, presence_ttl_s: float = 90.0) -> None:
        self._redis: aioredis.Redis = aioredis.from_url(url)
        self._pubsub: PubSub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._handler: Handler | None = None
        self._reader: asyncio.Task[None] | None = None
        self._refresher: asyncio.Task[None] | None = None
        self._local: dict[str, int] = {}  # session id -> user id, for refreshing
        self._ttl_s = presence_ttl_s
        self._subscribed = asyncio.Event()

    async def start(self, handler: Handler) -> None:
        self._handler = handler
        await self._redis.ping()
        # A channel nobody publishes to keeps the pubsub connection open from the start.
        await self._pubsub.subscribe("lx:node")
        self._reader = asyncio.create_task(self._read_loop(), name="redis-bus-reader")
        self._refresher = asyncio.create_task(self._refresh_loop(), name="redis-presence")

    async def close(self) -> None:
        for task in (self._reader, self._refresher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._local:
            pipe = self._redis.pipeline(transaction=False)
            for session_id, user_id in self._local.items():
                pipe.zrem(_presence_key(user_id), session_id)
            await pipe.execute()
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._redis.aclose()

    async def _read_loop(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis bus read failed; retrying")
                await asyncio.sleep(0.5)
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"]
            topic = channel.decode() if isinstance(channel, bytes) else str(channel)
            if self._handler is not None:
                self._handler(topic, message["data"])

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self._ttl_s / 3)
            try:
                expires = time.time() + self._ttl_s
                pipe = self._redis.pipeline(transaction=False)
                for session_id, user_id in self._local.items():
                    pipe.zadd(_presence_key(user_id), {session_id: expires})
                await pipe.execute()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("presence refresh failed")

    async def publish(self, topic: str, payload: bytes) -> None:
        await self._redis.publish(topic, payload)

    async def subscribe(self, topics: Iterable[str]) -> None:
        names = list(topics)
        if names:
            await self._pubsub.subscribe(*names)

    async def unsubscribe(self, topics: Iterable[str]) -> None:
        names = list(topics)
        if names:
            await self._pubsub.unsubscribe(*names)

    async def presence_add(self, user_id: int, session_id: str) -> bool:
        key = _presence_key(user_id)
        now = time.time()
        self._local[session_id] = user_id
        pipe = self._redis.pipeline(transaction=True)
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zcard(key)
        pipe.zadd(key, {session_id: now + self._ttl_s})
        pipe.expire(key, int(self._ttl_s * 2))
        _, before, _, _ = await pipe.execute()
        return int(before) == 0

    async def presence_remove(self, user_id: int, session_id: str) -> bool:
        key = _presence_key(user_id)
        self._local.pop(session_id, None)
        pipe = self._redis.pipeline(transaction=True)
        pipe.zrem(key, session_id)
        pipe.zremrangebyscore(key, "-inf", time.time())
        pipe.zcard(key)
        removed, _, left = await pipe.execute()
        return bool(removed) and int(left) == 0

    async def online(self, user_ids: Iterable[int]) -> set[int]:
        ids = list(user_ids)
        if not ids:
            return set()
        now = time.time()
        pipe = self._redis.pipeline(transaction=False)
        for uid in ids:
            pipe.zcount(_presence_key(uid), now, "+inf")
        counts = await pipe.execute()
        return {uid for uid, n in zip(ids, counts, strict=True) if int(n) > 0}
