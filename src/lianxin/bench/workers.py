"""Load generators: one worker process runs one asyncio loop holding many connections.

Every worker speaks the real protocol through :mod:`lianxin.client` (``Connection`` for
the WebSocket, ``Client`` for REST). Timestamps are ``time.monotonic_ns()``, which on
Linux is one system-wide clock, so a send time written into a message's text by one
process can be compared with the receive time seen by another.

Workers meet the parent at barriers (``Shared.barrier``) so that every phase starts at
once; the parent samples the server there. Each worker puts one result dict on
``Shared.results``. Every wait is bounded: by ``WorkerSpec.deadline`` (monotonic
seconds) and by per-request timeouts.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import ssl
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_aiohttp import AiohttpTransport

from lianxin.bench.proc import self_cpu_seconds
from lianxin.client import Client, Connection, FrameError, SyncState
from lianxin.client.connection import backoff

REQUEST_TIMEOUT_S = 30.0
ONE_CONNECTION = httpx.Limits(max_connections=1, max_keepalive_connections=1)
CONNECT_CONCURRENCY = 100
SEND_RETRIES = 3
# A deep window on a slow server can queue sends for many seconds: wait for the ack (a
# retry resends the same client id, so a late ack is never a twin), but not forever.
SEND_TIMEOUT_S = 60.0
RECONNECTS_MAX = 5


@dataclass
class Shared:
    """Objects shared with the parent (multiprocessing primitives, inherited by fork)."""

    barrier: Any  # multiprocessing Barrier: parent + workers
    progress: Any  # multiprocessing Value('q'): deliveries (or connections) so far
    acked: Any  # multiprocessing Value('q'): messages acked, summed over workers
    results: Any  # multiprocessing Queue: one result dict per worker


@dataclass
class WorkerSpec:
    scenario: str
    index: int
    urls: list[str]  # the nodes; connection slot i uses urls[(index + i) % len(urls)]
    deadline: float  # time.monotonic() by which the worker must have reported
    params: dict[str, Any]
    # direct / resume: (sender token, receiver token, chat id); idle / connect: (token,);
    # group: (token, is_sender)
    items: list[tuple[Any, ...]] = field(default_factory=list)
    source_hosts: list[str] = field(default_factory=list)


# -- connections ------------------------------------------------------------------------------


EventHandler = Callable[[dict[str, Any], int], None]


class Peer:
    """One device: a connection, a task consuming its events, reconnect-and-resume.

    On an unexpected close (e.g. 4008 "too slow") it reconnects with its ``SyncState``,
    exactly as a real client would, so a slow generator shows up as ``reconnects``, and
    lost / duplicated stays a property of the server's resume.
    """

    def __init__(
        self,
        ws_url: str,
        token: str,
        on_event: EventHandler | None,
        local_host: str | None,
        counters: Counters,
        seqs: dict[int, int] | None = None,
    ) -> None:
        self.ws_url = ws_url
        self.token = token
        self.on_event = on_event
        self.local_host = local_host
        self.counters = counters
        self.state = SyncState(seqs=dict(seqs or {}))
        self.conn: Connection | None = None
        self.task: asyncio.Task[None] | None = None
        self.stopping = False
        self.ready = asyncio.Event()

    def _connection(self) -> Connection:
        return Connection(
            self.ws_url,
            self.token,
            self.state,
            local_host=self.local_host,
            on_event=self._on_event,
            proxy=None,
        )

    def _on_event(self, frame: dict[str, Any]) -> None:
        """Events straight from the connection's reader (no queue, no task switch)."""
        handler = self.on_event
        if handler is None:
            return
        now = time.monotonic_ns()
        if frame["t"] == "ev":
            handler(frame, now)
        else:
            for ev in frame["events"]:
                handler(ev, now)

    async def open(self, *, timeout: float = REQUEST_TIMEOUT_S) -> None:
        self.stopping = False
        conn = self._connection()
        try:
            await conn.open(timeout=timeout)
        except BaseException:
            await _quiet_close(conn)
            raise
        self.conn = conn
        self.ready.set()
        self.task = asyncio.create_task(self._consume())

    async def reopen(self, deadline: float) -> None:
        """Come back as a real client does: a failed attempt is retried, backing off with
        jitter, until ``deadline`` (monotonic)."""
        delays = backoff(0.2, 2.0)
        while True:
            try:
                await self.open(timeout=max(1.0, deadline - time.monotonic()))
                return
            except Exception:
                pause = next(delays)
                if time.monotonic() + pause >= deadline:
                    raise
                self.counters.reconnects += 1
                await asyncio.sleep(pause)

    async def _consume(self) -> None:
        """Events go to ``_on_event``; this task sees the rest and reconnects on a close."""
        while True:
            conn = self.conn
            assert conn is not None
            frame = await conn.events.get()
            if frame.get("t") == "closed":
                if self.stopping:
                    return
                if not await self._reconnect():
                    return

    async def _reconnect(self) -> bool:
        self.ready.clear()
        delays = backoff(0.2, 2.0)
        for _ in range(RECONNECTS_MAX):
            if self.stopping:
                return False
            self.counters.reconnects += 1
            conn = self._connection()
            try:
                await conn.open(wait_synced=False, timeout=REQUEST_TIMEOUT_S)
            except Exception:
                await _quiet_close(conn)
                await asyncio.sleep(next(delays))
                continue
            self.conn = conn
            self.ready.set()
            return True
        self.counters.errors += 1
        return False

    async def send_text(self, chat: int, text: str, client_id: str) -> dict[str, Any] | None:
        """Send and await the ack; on a dropped connection resend with the same client id."""
        for _ in range(SEND_RETRIES):
            if not self.ready.is_set():  # reconnecting (checked first: no task per send)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.ready.wait(), REQUEST_TIMEOUT_S)
            conn = self.conn
            if conn is None:
                break
            try:
                frame = {"t": "send", "id": client_id, "chat": chat, "text": text}
                return await conn.request(frame, timeout=SEND_TIMEOUT_S)
            except FrameError:
                self.counters.errors += 1
                return None
            except (ConnectionError, TimeoutError, OSError):
                if self.stopping:
                    break
                await asyncio.sleep(0.05)
                continue
            except Exception:
                break  # the socket closed under us (websockets' ConnectionClosed, ...)
        self.counters.errors += 1
        return None

    async def close(self) -> None:
        self.stopping = True
        if self.conn is not None:
            await _quiet_close(self.conn)
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self.task, 5.0)


async def _quiet_close(conn: Connection) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(conn.close(), 5.0)


@dataclass
class Counters:
    errors: int = 0
    reconnects: int = 0
    delivered: int = 0
    duplicated: int = 0


# -- helpers ----------------------------------------------------------------------------------


def ws_url(url: str) -> str:
    base = url.rstrip("/")
    scheme = "wss" if base.startswith("https") else "ws"
    return scheme + ":" + base.split(":", 1)[1] + "/ws"


async def _bounded(
    items: Iterable[Any], fn: Callable[[Any], Awaitable[None]], limit: int
) -> list[BaseException]:
    """Run fn over items with at most ``limit`` in flight; returns the failures."""
    sem = asyncio.Semaphore(limit)
    failures: list[BaseException] = []

    async def one(item: Any) -> None:
        async with sem:
            try:
                await fn(item)
            except Exception as exc:
                failures.append(exc)

    await asyncio.gather(*(one(i) for i in items))
    return failures


async def _barrier(shared: Shared, spec: WorkerSpec) -> None:
    timeout = max(1.0, spec.deadline - time.monotonic())
    await asyncio.to_thread(shared.barrier.wait, timeout)


class Progress:
    """Pushes a local count to the shared counter a few times a second."""

    def __init__(self, shared: Shared, counters: Counters) -> None:
        self.shared = shared
        self.counters = counters
        self.pushed = 0
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.25)
            self.push()

    def push(self) -> None:
        value = self.counters.delivered
        if value != self.pushed:
            with self.shared.progress.get_lock():
                self.shared.progress.value += value - self.pushed
            self.pushed = value

    def stop(self) -> None:
        self.task.cancel()
        self.push()


def _node(spec: WorkerSpec, i: int) -> str:
    """The node (base URL) of connection slot ``i``: round-robin, so on a cluster the two
    ends of a pair (slots 2k, 2k+1) sit on different nodes and a group spreads evenly."""
    return spec.urls[(spec.index + i) % len(spec.urls)]


def _ws(spec: WorkerSpec, i: int) -> str:
    return ws_url(_node(spec, i))


def _host(spec: WorkerSpec, i: int) -> str | None:
    hosts = spec.source_hosts
    return hosts[i % len(hosts)] if hosts else None


async def _wait_until(done: Callable[[], bool], deadline: float, step: float = 0.02) -> bool:
    while not done():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(step)
    return True


def _sender_budget(spec: WorkerSpec) -> tuple[int | None, float | None]:
    messages = spec.params.get("messages")
    duration = spec.params.get("duration")
    return (int(messages) if messages else None), (float(duration) if duration else None)


async def _send_stream(
    peer: Peer,
    chat: int,
    tag: str,
    window: int,
    messages: int | None,
    stop_at: float | None,
    on_ack: Callable[[dict[str, Any]], None],
    interval: float | None = None,
    offset: float = 0.0,
) -> None:
    """``window`` sends in flight on one connection until the count or the time is used up.

    With ``interval`` (``--rate``), message n is due ``offset + n * interval`` seconds
    from now, and its latency counts from when it was due: a send held back because the
    window was full still counts its wait (no coordinated omission).
    """
    counter = iter(range(messages if messages is not None else 10**12))
    start_ns = time.monotonic_ns() + int(offset * 1e9)

    async def lane() -> None:
        for n in counter:
            sent_ns = time.monotonic_ns()
            if interval is not None:
                due_ns = start_ns + int(n * interval * 1e9)
                if due_ns > sent_ns:
                    await asyncio.sleep((due_ns - sent_ns) / 1e9)
                sent_ns = due_ns
            if stop_at is not None and time.monotonic() >= stop_at:
                return
            text = f"{sent_ns} bench message {n}"
            ack = await peer.send_text(chat, text, f"{tag}-{n}")
            if ack is not None:
                on_ack(ack)
            elif peer.stopping:
                return

    await asyncio.gather(*(lane() for _ in range(window)))


def _parse_sent_ns(ev: dict[str, Any]) -> int | None:
    if ev.get("kind") != "text":
        return None
    head = str(ev.get("text", "")).split(" ", 1)[0]
    return int(head) if head.isdigit() else None


# -- scenarios --------------------------------------------------------------------------------


async def run_direct(spec: WorkerSpec, shared: Shared) -> dict[str, Any]:
    counters = Counters()
    window = int(spec.params["window"])
    interval = spec.params.get("interval")
    messages, duration = _sender_budget(spec)
    latencies: list[float] = []
    seen: list[set[int]] = [set() for _ in spec.items]
    acked: list[set[int]] = [set() for _ in spec.items]
    last_recv = [0]

    def receiver_for(i: int) -> EventHandler:
        mine = seen[i]
        chat = spec.items[i][2]

        def on_event(ev: dict[str, Any], now: int) -> None:
            if ev.get("chat") != chat:
                return
            sent = _parse_sent_ns(ev)
            if sent is None:
                return
            seq = ev["seq"]
            if seq in mine:
                counters.duplicated += 1
                return
            mine.add(seq)
            counters.delivered += 1
            latencies.append((now - sent) / 1e6)
            last_recv[0] = now

        return on_event

    senders = [
        Peer(_ws(spec, 2 * i), item[0], None, _host(spec, 2 * i), counters)
        for i, item in enumerate(spec.items)
    ]
    receivers = [
        Peer(_ws(spec, 2 * i + 1), item[1], receiver_for(i), _host(spec, 2 * i + 1), counters)
        for i, item in enumerate(spec.items)
    ]
    failures = await _bounded([*receivers, *senders], lambda p: p.open(), CONNECT_CONCURRENCY)
    counters.errors += len(failures)
    await _barrier(shared, spec)
    cpu0 = self_cpu_seconds()
    started = time.monotonic_ns()
    progress = Progress(shared, counters)
    stop_at = time.monotonic() + duration if duration else None

    def acker(i: int) -> Callable[[dict[str, Any]], None]:
        mine = acked[i]

        def on_ack(ack: dict[str, Any]) -> None:
            mine.add(int(ack["seq"]))

        return on_ack

    sends = [
        _send_stream(
            senders[i],
            int(item[2]),
            f"d{spec.index}-{i}",
            window,
            messages,
            stop_at,
            acker(i),
            interval,
            # Senders start spread over one interval, so the rate is even, not bursts.
            interval * i / len(spec.items) if interval else 0.0,
        )
        for i, item in enumerate(spec.items)
        if senders[i].conn is not None
    ]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*sends), max(1.0, spec.deadline - time.monotonic()))
    sent_done = time.monotonic_ns()
    drain_deadline = min(spec.deadline, time.monotonic() + float(spec.params["drain"]))
    await _wait_until(lambda: all(a <= s for a, s in zip(acked, seen, strict=True)), drain_deadline)
    progress.stop()
    cpu = self_cpu_seconds() - cpu0
    lost = sum(len(a - s) for a, s in zip(acked, seen, strict=True))
    await asyncio.gather(*(p.close() for p in [*senders, *receivers]))
    return {
        "started_ns": started,
        "ended_ns": max(last_recv[0], started) if lost == 0 else max(sent_done, last_recv[0]),
        "acked": sum(len(a) for a in acked),
        "delivered": counters.delivered,
        "duplicated": counters.duplicated,
        "lost": lost,
        "errors": counters.errors,
        "reconnects": counters.reconnects,
        "latencies_ms": latencies,
        "client_cpu_s": cpu,
    }


async def run_group(spec: WorkerSpec, shared: Shared) -> dict[str, Any]:
    counters = Counters()
    chat = int(spec.params["chat"])
    window = int(spec.params["window"])
    interval = spec.params.get("interval")
    messages, duration = _sender_budget(spec)
    # seq -> [receipts, last receive ns, send ns]
    per_seq: dict[int, list[int]] = {}
    own_acked: list[int] = []

    def member_handler() -> EventHandler:
        mine: set[int] = set()

        def on_event(ev: dict[str, Any], now: int) -> None:
            if ev.get("chat") != chat:
                return
            sent = _parse_sent_ns(ev)
            if sent is None:
                return
            seq = ev["seq"]
            if seq in mine:
                counters.duplicated += 1
                return
            mine.add(seq)
            counters.delivered += 1
            entry = per_seq.get(seq)
            if entry is None:
                per_seq[seq] = [1, now, sent]
            else:
                entry[0] += 1
                if now > entry[1]:
                    entry[1] = now

        return on_event

    # Members were online before: synced up to what was seeded (item[2]), no catch-ups.
    peers = [
        Peer(_ws(spec, i), item[0], member_handler(), _host(spec, i), counters, item[2])
        for i, item in enumerate(spec.items)
    ]
    failures = await _bounded(peers, lambda p: p.open(), CONNECT_CONCURRENCY)
    counters.errors += len(failures)
    await _barrier(shared, spec)  # everyone online
    cpu0 = self_cpu_seconds()
    started = time.monotonic_ns()
    progress = Progress(shared, counters)
    stop_at = time.monotonic() + duration if duration else None

    def on_ack(ack: dict[str, Any]) -> None:
        own_acked.append(int(ack["seq"]))
        with shared.acked.get_lock():
            shared.acked.value += 1

    senders = [
        (i, peer)
        for i, (peer, item) in enumerate(zip(peers, spec.items, strict=True))
        if item[1] and peer.conn is not None
    ]
    sends = [
        _send_stream(
            peer,
            chat,
            f"g{spec.index}-{i}",
            window,
            messages,
            stop_at,
            on_ack,
            interval,
            interval * k / len(senders) if interval else 0.0,  # spread over one interval
        )
        for k, (i, peer) in enumerate(senders)
    ]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*sends), max(1.0, spec.deadline - time.monotonic()))
    sent_done = time.monotonic_ns()
    await _barrier(shared, spec)  # every sender everywhere is done: shared.acked is final
    total_acked = int(shared.acked.value)
    expected = total_acked * len(peers) - len(own_acked)
    drain_deadline = min(spec.deadline, time.monotonic() + float(spec.params["drain"]))
    await _wait_until(lambda: counters.delivered >= expected, drain_deadline)
    progress.stop()
    cpu = self_cpu_seconds() - cpu0
    last = max((e[1] for e in per_seq.values()), default=started)
    # The parent samples the server's CPU here: closing thousands of sessions (each a
    # presence write) is not the cost of the deliveries.
    await _barrier(shared, spec)
    await asyncio.gather(*(p.close() for p in peers))
    return {
        "started_ns": started,
        "ended_ns": max(last, started) if counters.delivered >= expected else sent_done,
        "acked_seqs": own_acked,
        "per_seq": per_seq,
        "local_members": len(peers),
        "delivered": counters.delivered,
        "duplicated": counters.duplicated,
        "errors": counters.errors,
        "reconnects": counters.reconnects,
        "client_cpu_s": cpu,
    }


async def run_idle(spec: WorkerSpec, shared: Shared) -> dict[str, Any]:
    counters = Counters()
    peers = [
        Peer(_ws(spec, i), item[0], None, _host(spec, i), counters)
        for i, item in enumerate(spec.items)
    ]
    latencies: list[float] = []
    cpu0 = self_cpu_seconds()
    started = time.monotonic_ns()
    progress = Progress(shared, counters)

    async def open_one(peer: Peer) -> None:
        t0 = time.monotonic_ns()
        await peer.open()
        latencies.append((time.monotonic_ns() - t0) / 1e6)
        counters.delivered += 1

    failures = await _bounded(peers, open_one, CONNECT_CONCURRENCY)
    counters.errors += len(failures)
    connected_ns = time.monotonic_ns()
    progress.stop()
    await _barrier(shared, spec)  # all connected
    await asyncio.sleep(float(spec.params["hold"]))  # idle: only heartbeats flow
    await _barrier(shared, spec)  # the parent samples the server's memory now
    alive = 0

    async def ping(peer: Peer) -> None:
        nonlocal alive
        if peer.conn is not None and not peer.conn.closed:
            await peer.conn.ping()
            alive += 1

    failures = await _bounded(peers, ping, 500)
    counters.errors += len(failures)
    cpu = self_cpu_seconds() - cpu0
    await _bounded(peers, lambda p: p.close(), 500)
    return {
        "started_ns": started,
        "ended_ns": connected_ns,
        "delivered": alive,
        "connected": counters.delivered,
        "duplicated": 0,
        "lost": 0,
        "errors": counters.errors,
        "reconnects": counters.reconnects,
        "latencies_ms": latencies,
        "client_cpu_s": cpu,
    }


async def run_connect(spec: WorkerSpec, shared: Shared) -> dict[str, Any]:
    counters = Counters()
    concurrency = min(int(spec.params["concurrency"]), max(1, len(spec.items)))
    latencies: list[float] = []
    peers: list[Peer] = []
    todo = iter(range(len(spec.items)))
    # One keep-alive HTTP connection per lane, on the client's own transport (what
    # ``Client`` uses by default): a pool scans its connections on each request. They share one TLS context (each would load the CA
    # bundle, ~20 ms). Lanes take the nodes in turn; a device signs in and opens its
    # socket on its lane's node.
    tls = ssl.create_default_context()
    pools = [
        httpx.AsyncClient(
            base_url=spec.urls[k % len(spec.urls)],
            timeout=REQUEST_TIMEOUT_S,
            transport=AiohttpTransport(verify=tls, limits=ONE_CONNECTION),
        )
        for k in range(concurrency)
    ]

    async def lane(http: httpx.AsyncClient) -> None:
        node = str(http.base_url)
        for i in todo:
            token = spec.items[i][0]
            t0 = time.monotonic_ns()
            try:
                # Sign-in equivalent: the token is checked over REST and the profile read,
                # then the device opens its socket and waits for the end of its resume.
                await Client(node, token, http=http).me()
                peer = Peer(ws_url(node), token, None, _host(spec, i), counters)
                peers.append(peer)
                await peer.open()
            except Exception:
                counters.errors += 1
                continue
            latencies.append((time.monotonic_ns() - t0) / 1e6)
            counters.delivered += 1

    try:
        await _barrier(shared, spec)
        cpu0 = self_cpu_seconds()
        started = time.monotonic_ns()
        progress = Progress(shared, counters)
        await asyncio.gather(*(lane(http) for http in pools))
        ended = time.monotonic_ns()
        progress.stop()
        cpu = self_cpu_seconds() - cpu0
    finally:
        await asyncio.gather(*(http.aclose() for http in pools))
    await _bounded(peers, lambda p: p.close(), 500)
    return {
        "started_ns": started,
        "ended_ns": ended,
        "delivered": counters.delivered,
        "duplicated": 0,
        "lost": 0,
        "errors": counters.errors,
        "reconnects": counters.reconnects,
        "latencies_ms": latencies,
        "client_cpu_s": cpu,
    }


async def run_resume(spec: WorkerSpec, shared: Shared) -> dict[str, Any]:
    counters = Counters()
    window = int(spec.params["window"])
    missed = int(spec.params["missed"])
    seen: list[set[int]] = [set() for _ in spec.items]
    acked: list[set[int]] = [set() for _ in spec.items]
    caught_up: list[int] = [0] * len(spec.items)

    def receiver_for(i: int) -> EventHandler:
        mine = seen[i]
        want = acked[i]
        chat = spec.items[i][2]

        def on_event(ev: dict[str, Any], now: int) -> None:
            if ev.get("chat") != chat or ev.get("kind") != "text":
                return
            seq = ev["seq"]
            if seq in mine:
                counters.duplicated += 1
                return
            mine.add(seq)
            counters.delivered += 1
            if not caught_up[i] and want <= mine:
                caught_up[i] = now

        return on_event

    senders = [
        Peer(_ws(spec, 2 * i), item[0], None, _host(spec, 2 * i), counters)
        for i, item in enumerate(spec.items)
    ]
    receivers = [
        Peer(_ws(spec, 2 * i + 1), item[1], receiver_for(i), _host(spec, 2 * i + 1), counters)
        for i, item in enumerate(spec.items)
    ]
    # 1. Every receiver syncs once (so it has a since token and seqs), then goes offline.
    failures = await _bounded(receivers, lambda p: p.open(), CONNECT_CONCURRENCY)
    counters.errors += len(failures)
    await _bounded(receivers, lambda p: p.close(), 500)
    # 2. Each receiver's peer sends it `missed` messages while it is away.
    failures = await _bounded(senders, lambda p: p.open(), CONNECT_CONCURRENCY)
    counters.errors += len(failures)

    def acker(i: int) -> Callable[[dict[str, Any]], None]:
        mine = acked[i]

        def on_ack(ack: dict[str, Any]) -> None:
            mine.add(int(ack["seq"]))

        return on_ack

    sends = [
        _send_stream(senders[i], int(item[2]), f"r{spec.index}-{i}", window, missed, None, acker(i))
        for i, item in enumerate(spec.items)
        if senders[i].conn is not None
    ]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*sends), max(1.0, spec.deadline - time.monotonic()))
    await _bounded(senders, lambda p: p.close(), 500)
    # 3. All receivers come back at once; time until each has everything it missed.
    await _barrier(shared, spec)
    cpu0 = self_cpu_seconds()
    started = time.monotonic_ns()
    progress = Progress(shared, counters)
    counters.delivered = 0
    reopened = await asyncio.gather(
        *(p.reopen(spec.deadline) for p in receivers), return_exceptions=True
    )
    counters.errors += sum(1 for f in reopened if isinstance(f, BaseException))
    drain_deadline = min(spec.deadline, time.monotonic() + float(spec.params["drain"]))
    await _wait_until(lambda: all(caught_up), drain_deadline)
    progress.stop()
    cpu = self_cpu_seconds() - cpu0
    lost = sum(len(a - s) for a, s in zip(acked, seen, strict=True))
    ended = max(caught_up, default=started)
    latencies = [(c - started) / 1e6 for c in caught_up if c]
    await _bounded(receivers, lambda p: p.close(), 500)
    return {
        "started_ns": started,
        "ended_ns": ended if all(caught_up) else time.monotonic_ns(),
        "acked": sum(len(a) for a in acked),
        "delivered": counters.delivered,
        "duplicated": counters.duplicated,
        "lost": lost,
        "errors": counters.errors,
        "reconnects": counters.reconnects,
        "latencies_ms": latencies,
        "client_cpu_s": cpu,
    }


RUNNERS: dict[str, Callable[[WorkerSpec, Shared], Awaitable[dict[str, Any]]]] = {
    "direct": run_direct,
    "group": run_group,
    "idle": run_idle,
    "connect": run_connect,
    "resume": run_resume,
}


def worker_main(spec: WorkerSpec, shared: Shared) -> None:
    """Entry point of a worker process: run the scenario, report one result dict."""
    # As ``lianxin serve`` does: the inherited heap frozen, young collections rarer.
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    run: Any = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop

        run = uvloop.run
    try:
        result = run(
            asyncio.wait_for(
                RUNNERS[spec.scenario](spec, shared), max(1.0, spec.deadline - time.monotonic())
            )
        )
        result["worker"] = spec.index
        result["pid"] = os.getpid()
    except BaseException as exc:
        with contextlib.suppress(Exception):
            shared.barrier.abort()
        result = {
            "worker": spec.index,
            "failed": f"{type(exc).__name__}: {exc}",
            "trace": traceback.format_exc()[-3000:],
        }
    shared.results.put(result)
