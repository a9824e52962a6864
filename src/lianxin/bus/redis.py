"""Redis bus for clusters: pub/sub per topic, presence in one sorted set per user.

Presence entries carry an expiry score that the owning node refreshes; a node that dies
stops refreshing, so its sessions fall out of presence within ``presence_ttl_s``.

One pub/sub connection per node carries every topic. ``subscribe`` returns only once
Redis has registered the topics (a PING sent after SUBSCRIBE comes back as a pong in
order), so a publish that happens after it, from any node, is delivered.

Every node, the publisher included, gets its events from Redis: Redis puts all
publishes to a channel in one order, so a group with senders on several nodes reaches
each session in seq order. (Delivering a node's own events to its sessions at once was
measured and dropped: its copy still came back and was parsed, so `direct` gained
nothing, and in groups the local events overtook the other nodes' and every session
held and reordered them; docs/performance.md, seventh round.)

Publishes are queued and a single writer sends what queued meanwhile as one script
call (``PUBLISH_LUA``), in the order they were made: one command and one reply per
chunk, where a pipeline packed and parsed one of each per event. A command per publish
took a pooled connection each: at a few hundred concurrent sends a node ran out of
redis-py's 100 connections and dropped events (``MaxConnectionsError``), which its
sessions then read back from the database as gaps (docs/performance.md, seventh round).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Iterable

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub

from lianxin.bus.base import Handler
from lianxin.events.envelope import Envelope, decode, encode

log = logging.getLogger(__name__)

BARRIER_TIMEOUT_S = 10.0
PUBLISH_MAX = 1000  # publishes per script call: one round trip, a bounded stall of the loop
QUEUE_MAX = 50_000  # publishes queued beyond this wait for the writer (Redis is slow)
# Sessions refreshed per script call: one call packs a few KB, so the event loop is never
# held for long, and every session costs one argument instead of two pipelined commands.
REFRESH_CHUNK = 1000
# KEYS: presence keys; ARGV: expiry score, key lifetime (ms), then one session id per key.
REFRESH_LUA = """
local expires, ttl = ARGV[1], ARGV[2]
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, expires, ARGV[i + 2])
  redis.call('PEXPIRE', key, ttl)
end
return #KEYS
"""
# KEYS: channels; ARGV: one payload per channel. Published in order, atomically.
PUBLISH_LUA = """
for i, channel in ipairs(KEYS) do
  redis.call('PUBLISH', channel, ARGV[i])
end
return #KEYS
"""


class RedisBus:
    """``prefix`` namespaces channels and keys: Redis pub/sub ignores the database number,
    so two installations sharing one Redis must not share channel names."""

    def __init__(self, url: str, *, prefix: str = "lx", presence_ttl_s: float = 90.0) -> None:
        self._prefix = prefix + ":"
        self._redis: aioredis.Redis = aioredis.from_url(url)
        self._pubsub: PubSub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._handler: Handler | None = None
        self._reader: asyncio.Task[None] | None = None
        self._refresher: asyncio.Task[None] | None = None
        self._local: dict[str, int] = {}  # session id -> user id, for refreshing
        self._topics: set[str] = set()
        self._pongs: dict[str, asyncio.Future[None]] = {}
        # Topics whose SUBSCRIBE is on its way: a second subscriber waits for the same barrier.
        self._pending: dict[str, asyncio.Future[None]] = {}
        self._ttl_s = presence_ttl_s
        self._key_ttl_ms = int(presence_ttl_s * 2000)  # a dead node's keys vanish too
        self._refresh_script = self._redis.register_script(REFRESH_LUA)
        self._publish_script = self._redis.register_script(PUBLISH_LUA)
        self._outbox: list[tuple[str, bytes]] = []  # (channel, payload), in publish order
        self._writer: asyncio.Task[None] | None = None  # only while publishes are queued
        self._drained = asyncio.Event()  # set each time the writer empties a chunk

    def _presence_key(self, user_id: int) -> str:
        return f"{self._prefix}presence:{user_id}"

    async def start(self, handler: Handler) -> None:
        self._handler = handler
        await self._redis.ping()
        # A channel nobody publishes to keeps the pubsub connection open from the start.
        await self._pubsub.subscribe(self._prefix + "node")
        self._reader = asyncio.create_task(self._read_loop(), name="redis-bus-reader")
        self._refresher = asyncio.create_task(self._refresh_loop(), name="redis-presence")

    async def close(self) -> None:
        writer = self._writer
        if writer is not None:  # what was published before closing still goes out
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(writer), 5.0)
        for task in (self._reader, self._refresher, self._writer):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._local:
            pipe = self._redis.pipeline(transaction=False)
            for session_id, user_id in self._local.items():
                pipe.zrem(self._presence_key(user_id), session_id)
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
            if message is not None:
                self._dispatch(message)

    def _dispatch(self, message: dict[str, object]) -> None:
        """Hand one pub/sub message on; a failing handler must not stop the reader."""
        kind, data = message.get("type"), message.get("data")
        if kind == "pong":
            self._on_pong(data)
            return
        if kind != "message" or not isinstance(data, bytes):
            return
        channel = message["channel"]
        name = channel.decode() if isinstance(channel, bytes) else str(channel)
        topic = name.removeprefix(self._prefix)
        # Unsubscribing takes effect at once, not when Redis gets round to it.
        if self._handler is None or topic not in self._topics:
            return
        try:
            env = decode(data)
        except ValueError:  # Redis is shared: drop what another writer put on the channel
            log.error("dropping undecodable bus message on %s", topic)
            return
        try:
            self._handler(topic, env)
        except Exception:
            log.exception("bus handler failed on %s", topic)

    def _on_pong(self, data: object) -> None:
        token = data.decode() if isinstance(data, bytes) else str(data)
        waiter = self._pongs.get(token)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _barrier(self) -> None:
        """Wait until Redis has processed every command sent on the pubsub connection."""
        token = secrets.token_hex(8)
        waiter = asyncio.get_running_loop().create_future()
        self._pongs[token] = waiter
        try:
            await self._pubsub.ping(token)
            await asyncio.wait_for(waiter, BARRIER_TIMEOUT_S)
        finally:
            del self._pongs[token]

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self._ttl_s / 3)
            try:
                await self._refresh_presence()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("presence refresh failed")

    async def _refresh_presence(self) -> None:
        """Push this node's sessions' expiry (and their keys' lifetime) forward.

        A script per chunk of sessions: at 17,000 sessions a pipeline of ZADD + PEXPIRE
        per session took ~0.8 s of CPU in redis-py and held the event loop for all of it;
        the script calls take ~0.07 s. Sessions that ended since the copy are skipped; one
        that ends while its chunk is in flight can stay listed until its expiry score
        passes (as with the pipeline)."""
        sessions = list(self._local.items())
        for start in range(0, len(sessions), REFRESH_CHUNK):
            chunk = sessions[start : start + REFRESH_CHUNK]
            chunk = [(s, u) for s, u in chunk if s in self._local]  # ended since the copy
            if not chunk:
                continue
            expires = time.time() + self._ttl_s
            await self._refresh_script(
                keys=[self._presence_key(user_id) for _, user_id in chunk],
                args=[expires, self._key_ttl_ms, *(session_id for session_id, _ in chunk)],
            )

    async def publish(self, topic: str, env: Envelope) -> None:
        """Queue for Redis; returns before it is sent (see the module)."""
        await self._queue([(self._prefix + topic, encode(env))])

    async def publish_many(self, topics: Iterable[str], env: Envelope) -> None:
        """Encoded once for every topic (a connect's presence to each friend)."""
        payload = encode(env)
        await self._queue([(self._prefix + topic, payload) for topic in topics])

    async def _queue(self, items: list[tuple[str, bytes]]) -> None:
        self._outbox.extend(items)
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write())
        while len(self._outbox) > QUEUE_MAX and self._writer is not None:
            self._drained.clear()
            await self._drained.wait()

    async def _write(self) -> None:
        """Send the queue in order, a script call at a time; a failed call's events are
        lost to the bus (best effort: receivers catch up on resume), not retried."""
        try:
            while self._outbox:
                chunk = self._outbox[:PUBLISH_MAX]
                del self._outbox[:PUBLISH_MAX]
                try:
                    await self._publish_script(
                        keys=[channel for channel, _ in chunk],
                        args=[payload for _, payload in chunk],
                    )
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("publishing %d events failed; receivers catch up", len(chunk))
                self._drained.set()
        finally:
            self._writer = None
            self._drained.set()

    async def subscribe(self, topics: Iterable[str]) -> None:
        """Subscribe, returning once Redis delivers these topics here (needs ``start``)."""
        wanted = list(dict.fromkeys(topics))
        names = [t for t in wanted if t not in self._topics]
        # Someone else's SUBSCRIBE for a topic may not be live yet: returning now would let
        # the caller read the database before a publish it must not miss can reach it.
        others = {self._pending[t] for t in wanted if t in self._pending}
        if names:
            self._topics.update(names)
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            for t in names:
                self._pending[t] = done
            try:
                await self._pubsub.subscribe(*(self._prefix + t for t in names))
                await self._barrier()
            finally:
                for t in names:
                    if self._pending.get(t) is done:
                        del self._pending[t]
                done.set_result(None)
        for waiter in others:
            await asyncio.shield(waiter)

    async def unsubscribe(self, topics: Iterable[str]) -> None:
        names = [t for t in dict.fromkeys(topics) if t in self._topics]
        if names:
            self._topics.difference_update(names)
            await self._pubsub.unsubscribe(*(self._prefix + t for t in names))

    async def presence_add(self, user_id: int, session_id: str) -> bool:
        key = self._presence_key(user_id)
        now = time.time()
        self._local[session_id] = user_id
        pipe = self._redis.pipeline(transaction=True)
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zcard(key)
        pipe.zadd(key, {session_id: now + self._ttl_s})
        pipe.pexpire(key, self._key_ttl_ms)
        _, before, _, _ = await pipe.execute()
        return int(before) == 0

    async def presence_remove(self, user_id: int, session_id: str) -> bool:
        key = self._presence_key(user_id)
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
            pipe.zcount(self._presence_key(uid), now, "+inf")
        counts = await pipe.execute()
        return {uid for uid, n in zip(ids, counts, strict=True) if int(n) > 0}
