"""One contract suite for every bus backend (in-process and Redis), plus cluster behaviour.

Absence of a delivery is proven without sleeping: after the publish that must not
arrive, a marker is published on a subscribed topic; a bus delivers one publisher's
messages in order, so once the marker is in, the other would have been too.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as aioredis

from lianxin.bus import Bus, MemoryBus
from lianxin.bus import redis as redis_bus
from lianxin.bus.redis import RedisBus
from lianxin.events.envelope import Envelope
from tests.conftest import requires_redis
from tests.harness import REDIS_URL

# Presence keys live in a shared Redis: ids far above anything a test server allocates.
_users = itertools.count(10**15 + secrets.randbelow(10**12) * 1000)


def ev(frame: bytes) -> Envelope:
    """An envelope with every routing field set: a bus that encodes must keep them all."""
    return Envelope(frame=frame, chat=7, seq=9, exclude="s1", joined=(1, 2), left=(3,))


class Recorder:
    """A bus handler that keeps every delivery (its frame, and the whole envelope) and
    lets a test wait for the next one."""

    def __init__(self, *, fail_on: bytes | None = None) -> None:
        self.got: list[tuple[str, bytes]] = []
        self.envs: list[Envelope] = []
        self._queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self._fail_on = fail_on

    def __call__(self, topic: str, env: Envelope) -> None:
        self.envs.append(env)
        payload = env.frame
        self.got.append((topic, payload))
        self._queue.put_nowait((topic, payload))
        if payload == self._fail_on:
            raise RuntimeError("handler bug")

    async def next(self) -> tuple[str, bytes]:
        return await asyncio.wait_for(self._queue.get(), 5.0)

    async def until(self, topic: str, payload: bytes) -> None:
        """Wait for this delivery, skipping earlier ones (they stay in ``got``)."""
        while await self.next() != (topic, payload):
            pass


MakeBus = Callable[..., Awaitable[tuple[Bus, Recorder]]]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.integration)])
async def make_bus(request: pytest.FixtureRequest) -> AsyncIterator[MakeBus]:
    """Started buses of one backend, each with its own recorder; closed after the test."""
    if request.param == "redis":
        requires_redis()
    made: list[Bus] = []

    async def make(recorder: Recorder | None = None) -> tuple[Bus, Recorder]:
        bus: Bus = MemoryBus() if request.param == "memory" else RedisBus(REDIS_URL)
        rec = recorder or Recorder()
        await bus.start(rec)
        made.append(bus)
        return bus, rec

    yield make
    for bus in made:
        await bus.close()


@pytest.fixture
async def two_nodes() -> AsyncIterator[tuple[RedisBus, Recorder, RedisBus, Recorder]]:
    """Two Redis buses on one Redis: what two cluster nodes share."""
    requires_redis()
    a, b = RedisBus(REDIS_URL), RedisBus(REDIS_URL)
    ra, rb = Recorder(), Recorder()
    await a.start(ra)
    await b.start(rb)
    yield a, ra, b, rb
    await a.close()
    await b.close()


def topic(name: str) -> str:
    """A topic no other test (or server on the same Redis) uses."""
    return f"test.{name}.{secrets.token_hex(6)}"


async def test_only_subscribed_topics_are_delivered(make_bus: MakeBus) -> None:
    bus, rec = await make_bus()
    mine, other = topic("mine"), topic("other")
    await bus.subscribe([mine])
    await bus.publish(other, ev(b"not for me"))
    await bus.publish(mine, ev(b"for me"))
    assert await rec.next() == (mine, b"for me")
    assert rec.got == [(mine, b"for me")]


async def test_subscribe_is_idempotent_and_unsubscribe_stops_delivery(make_bus: MakeBus) -> None:
    bus, rec = await make_bus()
    chat, marker = topic("chat"), topic("marker")
    await bus.subscribe([chat, chat, marker])
    await bus.subscribe([chat])
    await bus.publish(chat, ev(b"1"))
    assert await rec.next() == (chat, b"1")
    await bus.unsubscribe([chat])
    await bus.publish(chat, ev(b"2"))
    await bus.publish(marker, ev(b"end"))
    await rec.until(marker, b"end")
    assert rec.got == [(chat, b"1"), (marker, b"end")]
    await bus.subscribe([chat])
    await bus.publish(chat, ev(b"3"))
    assert await rec.next() == (chat, b"3")


async def test_unsubscribing_one_topic_keeps_the_others(make_bus: MakeBus) -> None:
    bus, rec = await make_bus()
    a, b = topic("a"), topic("b")
    await bus.subscribe([a, b])
    await bus.unsubscribe([a, topic("never-subscribed")])
    await bus.unsubscribe([])
    await bus.publish(a, ev(b"gone"))
    await bus.publish(b, ev(b"kept"))
    await rec.until(b, b"kept")
    assert rec.got == [(b, b"kept")]


@pytest.mark.parametrize(
    "payload",
    [b"", bytes(range(256)), "表情 🎉\n第二行".encode(), b"\x00" * 7 + b"x" * 300_000],
    ids=["empty", "all-bytes", "utf8-newline", "large"],
)
async def test_payload_bytes_arrive_unchanged(make_bus: MakeBus, payload: bytes) -> None:
    bus, rec = await make_bus()
    t = topic("bytes")
    await bus.subscribe([t])
    await bus.publish(t, ev(payload))
    got_topic, got = await rec.next()
    assert got_topic == t and type(got) is bytes and got == payload


async def test_envelopes_arrive_whole(make_bus: MakeBus) -> None:
    bus, rec = await make_bus()
    t = topic("whole")
    await bus.subscribe([t])
    sent = [ev(b"{}"), Envelope(frame=b"k", kick_device=5), Envelope(frame=b"u")]
    for env in sent:
        await bus.publish(t, env)
    for _ in sent:
        await rec.next()
    assert rec.envs == sent


async def test_the_in_process_bus_hands_over_the_envelope_itself() -> None:
    """Nothing encoded or decoded in one process: the subscriber gets the same object."""
    bus, rec = MemoryBus(), Recorder()
    await bus.start(rec)
    t = topic("same")
    await bus.subscribe([t])
    env = ev(b"{}")
    await bus.publish(t, env)
    await bus.publish_many([t], env)
    assert len(rec.envs) == 2 and all(got is env for got in rec.envs)


@pytest.mark.integration
async def test_a_redis_message_that_is_no_envelope_is_dropped() -> None:
    """Redis is shared: a stray publish on a subscribed channel must not reach the hub."""
    requires_redis()
    bus, rec = RedisBus(REDIS_URL), Recorder()
    await bus.start(rec)
    raw = aioredis.from_url(REDIS_URL)
    try:
        t = topic("stray")
        await bus.subscribe([t])
        await raw.publish("lx:" + t, b"not an envelope")
        await bus.publish(t, ev(b"after"))
        await rec.until(t, b"after")
        assert rec.got == [(t, b"after")]
    finally:
        await raw.aclose()
        await bus.close()


async def test_publishes_arrive_in_order(make_bus: MakeBus) -> None:
    bus, rec = await make_bus()
    t = topic("order")
    await bus.subscribe([t])
    sent = [str(i).encode() for i in range(200)]
    for payload in sent:
        await bus.publish(t, ev(payload))
    assert [(await rec.next())[1] for _ in sent] == sent


async def test_a_failing_handler_neither_reaches_the_publisher_nor_stops_delivery(
    make_bus: MakeBus,
) -> None:
    bus, rec = await make_bus(Recorder(fail_on=b"boom"))
    t = topic("errors")
    await bus.subscribe([t])
    await bus.publish(t, ev(b"boom"))  # must not raise: the publisher already committed
    await bus.publish(t, ev(b"after"))
    await rec.until(t, b"after")
    assert [p for _, p in rec.got] == [b"boom", b"after"]


async def test_presence_counts_sessions_per_user(make_bus: MakeBus) -> None:
    bus, _ = await make_bus()
    alice, bob, carol = next(_users), next(_users), next(_users)
    assert await bus.online([alice, bob, carol]) == set()
    assert await bus.presence_add(alice, "a-phone") is True  # first session: came online
    assert await bus.presence_add(alice, "a-web") is False
    assert await bus.presence_add(bob, "b-phone") is True
    assert await bus.online([alice, bob, carol]) == {alice, bob}
    assert await bus.online([alice, alice]) == {alice}
    assert await bus.online([]) == set()

    assert await bus.presence_remove(alice, "a-phone") is False  # the browser is still on
    assert await bus.online([alice, bob]) == {alice, bob}
    assert await bus.presence_remove(alice, "a-phone") is False  # already gone
    assert await bus.presence_remove(alice, "b-phone") is False  # someone else's session
    assert await bus.presence_remove(carol, "c-none") is False  # never online
    assert await bus.presence_remove(alice, "a-web") is True  # last session: went offline
    assert await bus.online([alice, bob, carol]) == {bob}
    assert await bus.presence_add(alice, "a-phone") is True  # back again
    assert await bus.online([alice]) == {alice}


async def test_presence_is_independent_of_topics(make_bus: MakeBus) -> None:
    bus, rec = await make_bus()
    user = next(_users)
    assert await bus.presence_add(user, "s1") is True
    t = topic("quiet")
    await bus.subscribe([t])
    await bus.publish(t, ev(b"x"))
    await rec.next()
    assert await bus.online([user]) == {user}


async def test_two_nodes_see_each_others_publishes(
    two_nodes: tuple[RedisBus, Recorder, RedisBus, Recorder],
) -> None:
    a, ra, b, rb = two_nodes
    shared, only_b = topic("shared"), topic("only-b")
    await a.subscribe([shared])
    await b.subscribe([shared, only_b])
    await a.publish(shared, ev(b"from a"))  # right after subscribe: must reach b
    await b.publish(only_b, ev(b"b-only"))
    await b.publish(shared, ev(b"from b"))
    # Each node sends its publishes in order; two nodes' publishes interleave as their
    # writers reach Redis (receivers order a chat's events by seq, not by arrival).
    assert sorted([await ra.next(), await ra.next()]) == [(shared, b"from a"), (shared, b"from b")]
    for _ in range(3):
        await rb.next()
    assert sorted(rb.got) == sorted([(shared, b"from a"), (only_b, b"b-only"), (shared, b"from b")])
    assert rb.got.index((only_b, b"b-only")) < rb.got.index((shared, b"from b"))
    assert sorted(ra.got) == [(shared, b"from a"), (shared, b"from b")]  # nothing from only-b


async def test_two_nodes_share_presence(
    two_nodes: tuple[RedisBus, Recorder, RedisBus, Recorder],
) -> None:
    a, _, b, _ = two_nodes
    user, other = next(_users), next(_users)
    assert await a.presence_add(user, "phone-on-a") is True
    assert await b.online([user, other]) == {user}
    assert await b.presence_add(user, "web-on-b") is False  # already online via node a
    assert await a.presence_remove(user, "phone-on-a") is False
    assert await a.online([user]) == {user}
    assert await b.presence_remove(user, "web-on-b") is True
    assert await a.online([user]) == set()


async def test_a_node_that_shuts_down_takes_its_sessions_offline(
    two_nodes: tuple[RedisBus, Recorder, RedisBus, Recorder],
) -> None:
    a, _, _, _ = two_nodes
    user = next(_users)
    leaving = RedisBus(REDIS_URL)
    await leaving.start(Recorder())
    await leaving.presence_add(user, "s1")
    await leaving.presence_add(user, "s2")
    assert await a.online([user]) == {user}
    await leaving.close()
    assert await a.online([user]) == set()
    assert await a.presence_add(user, "s3") is True


async def test_refresh_keeps_a_long_lived_session_online() -> None:
    """The refresher must extend the key's lifetime too, not only the entry's score."""
    requires_redis()
    bus = RedisBus(REDIS_URL, presence_ttl_s=60)
    raw = aioredis.from_url(REDIS_URL)
    user = next(_users)
    key = f"lx:presence:{user}"
    try:
        await bus.start(Recorder())
        await bus.presence_add(user, "s1")
        await raw.pexpire(key, 50)  # as if the session had been up for nearly 2 * ttl
        await bus._refresh_presence()
        assert await raw.pttl(key) > 60_000
        assert await bus.online([user]) == {user}
    finally:
        await bus.close()
        await raw.aclose()


async def test_refresh_covers_every_session_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sessions are refreshed a chunk at a time; every one gets a later expiry, and one
    that ended before the refresh is not put back."""
    requires_redis()
    monkeypatch.setattr(redis_bus, "REFRESH_CHUNK", 3)
    bus = RedisBus(REDIS_URL, presence_ttl_s=60)
    raw = aioredis.from_url(REDIS_URL)
    users = [next(_users) for _ in range(8)]
    try:
        await bus.start(Recorder())
        for i, user in enumerate(users):
            await bus.presence_add(user, f"s{i}")
        await bus.presence_remove(users[-1], "s7")
        for i, user in enumerate(users[:-1]):  # as if every entry were about to expire
            await raw.zadd(f"lx:presence:{user}", {f"s{i}": time.time() + 1})
        await bus._refresh_presence()
        for i, user in enumerate(users[:-1]):
            score = await raw.zscore(f"lx:presence:{user}", f"s{i}")
            assert score is not None and score > time.time() + 50, (user, score)
            assert await raw.pttl(f"lx:presence:{user}") > 60_000
        assert await raw.exists(f"lx:presence:{users[-1]}") == 0
        assert await bus.online(users) == set(users[:-1])
    finally:
        await bus.close()
        await raw.aclose()


async def test_publish_many_reaches_each_subscribed_topic_once(make_bus: MakeBus) -> None:
    bus, rec = await make_bus()
    one, two, other = topic("one"), topic("two"), topic("other")
    await bus.subscribe([one, two])
    await bus.publish_many([one, other, two], ev(b"hello"))
    await bus.publish(one, ev(b"after"))
    assert await rec.next() == (one, b"hello")
    assert await rec.next() == (two, b"hello")
    assert await rec.next() == (one, b"after")
    assert rec.got == [(one, b"hello"), (two, b"hello"), (one, b"after")]


async def test_hundreds_of_concurrent_publishes_all_reach_the_other_node(
    two_nodes: tuple[RedisBus, Recorder, RedisBus, Recorder],
) -> None:
    """Concurrent publishes share pipelines: one connection per publish ran out of
    redis-py's pool (100) and dropped events."""
    a, _, b, rb = two_nodes
    t = topic("burst")
    await b.subscribe([t])
    sent = [str(i).encode() for i in range(500)]
    await asyncio.gather(*(a.publish(t, ev(p)) for p in sent))
    assert [(await rb.next())[1] for _ in sent] == sent


async def test_publishes_queued_before_close_still_go_out(
    two_nodes: tuple[RedisBus, Recorder, RedisBus, Recorder],
) -> None:
    _, _, b, rb = two_nodes
    t = topic("closing")
    await b.subscribe([t])
    leaving = RedisBus(REDIS_URL)
    await leaving.start(Recorder())
    for i in range(50):
        await leaving.publish(t, ev(str(i).encode()))
    await leaving.close()
    assert [(await rb.next())[1] for _ in range(50)] == [str(i).encode() for i in range(50)]


async def test_a_failed_publish_call_neither_reaches_the_publisher_nor_stops_the_writer(
    two_nodes: tuple[RedisBus, Recorder, RedisBus, Recorder],
) -> None:
    a, _, b, rb = two_nodes
    t = topic("flaky")
    await b.subscribe([t])
    script = a._publish_script
    calls = 0

    async def fail_once(**kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("redis went away")
        return await script(**kwargs)  # type: ignore[arg-type]

    a._publish_script = fail_once  # type: ignore[assignment]
    await a.publish(t, ev(b"lost"))  # queued: the failure is the writer's, logged
    writer = a._writer
    assert writer is not None
    await writer
    await a.publish(t, ev(b"after"))
    assert await rb.next() == (t, b"after")
