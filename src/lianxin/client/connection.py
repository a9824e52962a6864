"""Realtime half of the client: hello + resume, request/response by ``r``, an event queue.

The connection keeps a :class:`SyncState` (the ``since`` token and the last seq seen per
chat) current as frames arrive, so reconnecting with the same state resumes exactly.
Given several node URLs and ``reconnect=True``, a dropped socket fails over to the next
node and resumes there; the application sees ``closed`` then ``reconnected`` events and
resends what had no ack with the same client ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.protocol import State

from lianxin.client.lean import LeanConnection

_WS_LOG = logging.getLogger("websockets.client")  # websockets' own default logger


def backoff(first: float, cap: float) -> Iterator[float]:
    """Delays before successive reconnect attempts: doubling up to ``cap``, each drawn
    from its upper half at random, so the clients of a restarted node spread out
    instead of coming back in lockstep."""
    delay = first
    while True:
        yield delay * random.uniform(0.5, 1.0)
        delay = min(delay * 2, cap)


@dataclass
class SyncState:
    """What a device has seen: persist it to resume after a restart."""

    since: int | None = None
    seqs: dict[int, int] = field(default_factory=dict)

    def note(self, frame: dict[str, Any]) -> None:
        kind = frame.get("t")
        if kind == "ev":
            self._seen(frame["chat"], frame["seq"])
        elif kind == "evs":
            for ev in frame["events"]:
                self._seen(ev["chat"], ev["seq"])
        elif kind == "ack" and frame["seq"] == self.seqs.get(frame["chat"], 0) + 1:
            # Only right after what the device has: events before an ack may still be on
            # their way, and seqs must mean "everything up to here" to resume without a gap.
            self._seen(frame["chat"], frame["seq"])
        elif kind == "sync":
            self.since = frame["since"]
            for chat in frame["chats"]:
                self.seqs.setdefault(chat["id"], min(chat["last_seq"], chat["visible_from"]))

    def _seen(self, chat: int, seq: int) -> None:
        if seq > self.seqs.get(chat, 0):
            self.seqs[chat] = seq


def _settle(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class FrameError(Exception):
    """An ``error`` frame in answer to a request."""

    def __init__(self, frame: dict[str, Any]) -> None:
        super().__init__(f"{frame.get('code')}: {frame.get('message')}")
        self.code: str = frame.get("code", "error")
        self.message: str = frame.get("message", "")
        self.reason: str | None = frame.get("reason")
        self.frame = frame


class Connection:
    def __init__(
        self,
        url: str | Sequence[str],
        token: str,
        state: SyncState,
        *,
        local_host: str | None = None,
        reconnect: bool = False,
        reconnect_delay: float = 0.2,
        reconnect_timeout: float = 30.0,
        proxy: str | Literal[True] | None = True,
        on_event: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        """``url`` is one node's WebSocket URL or a list of them (tried in turn).

        ``local_host`` binds the local address (e.g. 127.0.0.x to spread many loopback
        connections over several source addresses). With ``reconnect``, a socket that
        drops (not by :meth:`close`) is reopened on the next URL after ``reconnect_delay``
        seconds, backing off with jitter (:func:`backoff`), for up to ``reconnect_timeout``
        seconds. ``proxy``: True finds one in the environment on every connect (websockets'
        default), None connects directly (a load generator on loopback skips the lookup).

        ``on_event`` receives each ``ev`` / ``evs`` frame as it is read, instead of the
        ``events`` queue (a client with many sockets saves a queue hand-off and a task
        switch per event); it must not block. Other frames still go to ``events``.

        In ``events``, the ``evs`` pages of a resume's catch-up come as they are; a page
        after ``synced`` (a gap in live delivery, filled from the database) comes as its
        ``ev`` events, one by one, so waiting for a live event does not depend on how it
        travelled.
        """
        self.urls = [url] if isinstance(url, str) else list(url)
        if not self.urls:
            raise ValueError("at least one URL")
        self.url = self.urls[0]
        self.local_host = local_host
        self.reconnect = reconnect
        self.reconnect_delay = reconnect_delay
        self.reconnect_timeout = reconnect_timeout
        self.token = token
        self.state = state
        self.proxy = proxy
        self.on_event = on_event
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.welcome: dict[str, Any] = {}
        self.close_code: int | None = None
        self._ws: LeanConnection | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._reader: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._heard = 0.0  # time.monotonic() of the last frame from the server
        self._synced = asyncio.Event()
        self._opening: asyncio.Future[None] | None = None  # see _open_at
        self._closing = False
        self._failover: asyncio.Task[None] | None = None

    async def open(self, *, wait_synced: bool = True, timeout: float = 15.0) -> None:
        """Connect to the first URL that answers, say hello with the resume state."""
        start = self.urls.index(self.url)
        order = self.urls[start:] + self.urls[:start]
        for i, url in enumerate(order):
            try:
                await self._open_at(url, wait_synced=wait_synced, timeout=timeout)
                return
            except (OSError, TimeoutError, ConnectionError, InvalidHandshake):
                if i == len(order) - 1:
                    raise

    async def _open_at(self, url: str, *, wait_synced: bool, timeout: float) -> None:
        extra: dict[str, Any] = {}
        if self.local_host is not None:
            extra["local_addr"] = (self.local_host, 0)
        self.url = url
        self._synced = asyncio.Event()
        # ping_interval=None: the protocol's own heartbeat (``_beat``) keeps the session
        # alive and notices a silent server; websockets' keepalive would add a second ping
        # per connection every 20 s, and under CPU starvation its 20 s pong deadline drops
        # connections that are fine (a bench worker with 6,000 sockets spent half its CPU
        # there and reconnected in a loop).
        # compression=None: the server negotiates no extension (and ``LeanConnection``'s
        # frame path is for plain frames), so an offer would only cost a header per
        # connect. A logger passed in saves websockets a locked ``getLogger`` per connect.
        ws: LeanConnection = await connect(  # type: ignore[assignment]
            url,
            max_size=8 * 1024 * 1024,
            open_timeout=timeout,
            ping_interval=None,
            compression=None,
            create_connection=LeanConnection,
            proxy=self.proxy,
            logger=_WS_LOG,
            **extra,
        )
        ws.on_message = self._on_message  # whole frames from here on skip recv()
        self._ws = ws
        self._heard = time.monotonic()
        # Done at ``synced`` or when the read loop ends (a future, not a task waiting on
        # the event plus asyncio.wait: a connect's worth of client CPU, many per second).
        opening: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._opening = opening if wait_synced else None
        self._reader = asyncio.create_task(self._read_loop(opening))
        hello: dict[str, Any] = {"t": "hello", "token": self.token}
        if self.state.since is not None:
            hello["since"] = self.state.since
        if self.state.seqs:
            hello["seqs"] = {str(k): v for k, v in self.state.seqs.items()}
        await self.send_frame(hello)
        if wait_synced:
            timer = asyncio.get_running_loop().call_later(timeout, _settle, opening)
            try:
                await opening
            finally:
                timer.cancel()
                self._opening = None
            if not self._synced.is_set():
                await self._ws.close()
                raise ConnectionError(f"connection closed ({self.close_code}) before resume")

    async def ready(self, timeout: float = 30.0) -> None:
        """Wait until the socket is open and resumed (after a failover, on another node)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.is_open:
            if self._closing or (self.closed and not self.reconnect):
                raise ConnectionError("connection closed")
            await asyncio.sleep(0.02)
            if loop.time() > deadline:
                raise TimeoutError("not reconnected in time")

    @property
    def is_open(self) -> bool:
        """Open, resumed, and not closing: a send now can reach the server."""
        ws = self._ws
        return ws is not None and ws.state is State.OPEN and self._synced.is_set()

    async def _fail_over(self) -> None:
        """Reopen on the next URL (the one that dropped is tried last), backing off."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reconnect_timeout
        delays = backoff(self.reconnect_delay, 2.0)
        index = self.urls.index(self.url)
        while not self._closing:
            await asyncio.sleep(next(delays))
            index = (index + 1) % len(self.urls)
            try:
                left = max(1.0, deadline - loop.time())
                await self._open_at(self.urls[index], wait_synced=True, timeout=min(10.0, left))
            except (OSError, TimeoutError, ConnectionError, InvalidHandshake):
                if loop.time() > deadline:
                    self.events.put_nowait({"t": "failed", "code": self.close_code})
                    return
                continue
            self.events.put_nowait({"t": "reconnected", "url": self.urls[index]})
            return

    async def close(self) -> None:
        self._closing = True
        if self._failover is not None:
            self._failover.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._failover
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def closed(self) -> bool:
        return self._reader is None or self._reader.done()

    async def send_frame(self, frame: dict[str, Any]) -> None:
        assert self._ws is not None, "open() first"
        try:
            await self._ws.send_text(orjson.dumps(frame))
        except ConnectionClosed as exc:
            raise ConnectionError(f"connection closed ({self.close_code})") from exc

    async def request(self, frame: dict[str, Any], *, timeout: float = 15.0) -> dict[str, Any]:
        """Send a frame with a fresh ``r`` and wait for the answer carrying it."""
        rid = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        try:
            await self.send_frame({**frame, "r": rid})
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for wraps the wait in a
            # new task, a measurable cost per request for a client sending thousands a second.
            async with asyncio.timeout(timeout):
                reply = await fut
        finally:
            self._pending.pop(rid, None)
            if fut.done() and not fut.cancelled():
                # The socket dropped while the frame was being sent: the read loop failed
                # the future and send_frame raised; mark the future's error as seen.
                fut.exception()
        if reply.get("t") == "error":
            raise FrameError(reply)
        return reply

    async def _read_loop(self, opening: asyncio.Future[None]) -> None:
        """Wait for the socket to close; frames arrive at ``_on_message``, most of them
        straight from ``LeanConnection``, the rest (before it takes over) through recv().
        ``opening``: its ``_open_at`` waits on it, settled here if the socket ends first."""
        ws = self._ws
        assert ws is not None
        try:
            async for raw in ws:
                self._on_message(raw)
        except ConnectionClosed:
            pass
        finally:
            _settle(opening)
            if self._heartbeat is not None:
                self._heartbeat.cancel()
            self.close_code = ws.close_code
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError(f"connection closed ({self.close_code})"))
            self.events.put_nowait({"t": "closed", "code": self.close_code})
            if self.reconnect and not self._closing and self._synced.is_set():
                self._failover = asyncio.create_task(self._fail_over())

    def _on_message(self, raw: str | bytes) -> None:
        self._heard = time.monotonic()
        frame = orjson.loads(raw)
        self.state.note(frame)
        kind = frame.get("t")
        if kind == "welcome":
            self.welcome = frame
            beat = float(frame["heartbeat_s"])
            silence = float(frame.get("idle_timeout_s") or 3 * beat)
            self._heartbeat = asyncio.create_task(self._beat(beat, silence))
        elif kind == "pong" and frame.get("r") is None:
            return  # answer to a heartbeat
        elif kind == "synced":
            self._synced.set()
            if self._opening is not None:
                _settle(self._opening)
        rid = frame.get("r")
        fut = self._pending.pop(rid, None) if isinstance(rid, int) else None
        if fut is not None and not fut.done():
            fut.set_result(frame)
        elif self.on_event is not None and (kind == "ev" or kind == "evs"):
            self.on_event(frame)
        elif kind == "evs" and self._synced.is_set():
            # After synced a page is a gap in live delivery filled from the database (e.g.
            # a send just as the route to a new group went live on this node): its events
            # are queued one by one, as if live, so the application sees one shape.
            for event in frame["events"]:
                self.events.put_nowait(event)
        else:
            self.events.put_nowait(frame)

    async def _beat(self, interval: float, silence: float) -> None:
        """Keep the session alive while the application is quiet, and drop it when the
        server has sent nothing (not even the ``pong`` every ping gets) for ``silence``
        seconds: a dead node or network, noticed by the same rule the server applies."""
        # send_frame turns ConnectionClosed into ConnectionError: a drop ends the beat quietly.
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while True:
                await asyncio.sleep(interval)
                ws = self._ws
                if ws is not None and time.monotonic() - self._heard > silence:
                    ws.transport.abort()  # the read loop ends: closed, then failover
                    return
                await self.send_frame({"t": "ping"})

    # -- conveniences -----------------------------------------------------------------------

    async def send(
        self,
        chat: int,
        kind: str,
        *,
        text: str | None = None,
        content: dict[str, Any] | None = None,
        client_id: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Send and wait for the ack (sent only once the message is durably stored)."""
        frame = {"t": "send", "id": client_id or uuid.uuid4().hex, "chat": chat, "kind": kind}
        if text is not None:
            frame["text"] = text
        if content is not None:
            frame["content"] = content
        return await self.request({**frame, **extra})

    async def send_text(
        self, chat: int, text: str, *, client_id: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        return await self.send(chat, "text", text=text, client_id=client_id, **extra)

    async def mark_read(self, chat: int, seq: int) -> dict[str, Any]:
        return await self.request({"t": "read", "chat": chat, "seq": seq})

    async def mark_delivered(self, chat: int, seq: int) -> dict[str, Any]:
        return await self.request({"t": "recv", "chat": chat, "seq": seq})

    async def typing(self, chat: int) -> None:
        await self.send_frame({"t": "typing", "chat": chat})

    async def press(self, chat: int, seq: int, data: str) -> dict[str, Any]:
        """Press an inline button of a bot's message; the answer arrives as ``callback_answer``."""
        return await self.request({"t": "callback", "chat": chat, "seq": seq, "data": data})

    async def recall(self, chat: int, seq: int) -> dict[str, Any]:
        return await self.request({"t": "recall", "chat": chat, "seq": seq})

    async def edit(self, chat: int, seq: int, text: str) -> dict[str, Any]:
        return await self.request({"t": "edit", "chat": chat, "seq": seq, "text": text})

    async def react(self, chat: int, seq: int, emoji: str, *, on: bool = True) -> dict[str, Any]:
        frame = {"t": "react", "chat": chat, "seq": seq, "emoji": emoji, "on": on}
        return await self.request(frame)

    async def history(self, chat: int, **page: Any) -> dict[str, Any]:
        return await self.request({"t": "history", "chat": chat, **page})

    async def presence(self, users: list[int]) -> list[dict[str, Any]]:
        reply = await self.request({"t": "presence", "users": users})
        return list(reply["users"])

    async def ping(self) -> dict[str, Any]:
        return await self.request({"t": "ping"})

    async def next_event(self, timeout: float = 10.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def wait_for(
        self, match: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> dict[str, Any]:
        """The next event that matches, dropping the others before it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await asyncio.wait_for(self.events.get(), max(0.0, deadline - loop.time()))
            if match(frame):
                return frame

    def drain(self) -> list[dict[str, Any]]:
        """Every event queued so far, without waiting."""
        out = []
        while not self.events.empty():
            out.append(self.events.get_nowait())
        return out

    async def iter_events(self) -> AsyncIterator[dict[str, Any]]:
        while True:
            frame = await self.events.get()
            yield frame
            if frame.get("t") == "closed":
                return
