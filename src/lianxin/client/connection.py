"""Realtime half of the client: hello + resume, request/response by ``r``, an event queue.

The connection keeps a :class:`SyncState` (the ``since`` token and the last seq seen per
chat) current as frames arrive, so reconnecting with the same state resumes exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


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
        elif kind == "ack":
            self._seen(frame["chat"], frame["seq"])
        elif kind == "sync":
            self.since = frame["since"]
            for chat in frame["chats"]:
                self.seqs.setdefault(chat["id"], min(chat["last_seq"], chat["visible_from"]))

    def _seen(self, chat: int, seq: int) -> None:
        if seq > self.seqs.get(chat, 0):
            self.seqs[chat] = seq


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
        self, url: str, token: str, state: SyncState, *, local_host: str | None = None
    ) -> None:
        """``local_host`` binds the local address (e.g. 127.0.0.x to spread many loopback
        connections over several source addresses)."""
        self.url = url
        self.local_host = local_host
        self.token = token
        self.state = state
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.welcome: dict[str, Any] = {}
        self.close_code: int | None = None
        self._ws: ClientConnection | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._reader: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._synced = asyncio.Event()

    async def open(self, *, wait_synced: bool = True, timeout: float = 15.0) -> None:
        extra: dict[str, Any] = {}
        if self.local_host is not None:
            extra["local_addr"] = (self.local_host, 0)
        self._ws = await connect(self.url, max_size=8 * 1024 * 1024, open_timeout=timeout, **extra)
        self._reader = asyncio.create_task(self._read_loop())
        hello: dict[str, Any] = {"t": "hello", "token": self.token}
        if self.state.since is not None:
            hello["since"] = self.state.since
        if self.state.seqs:
            hello["seqs"] = {str(k): v for k, v in self.state.seqs.items()}
        await self.send_frame(hello)
        if wait_synced:
            await asyncio.wait_for(self._synced.wait(), timeout)

    async def close(self) -> None:
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
        await self._ws.send(orjson.dumps(frame).decode())

    async def request(self, frame: dict[str, Any], *, timeout: float = 15.0) -> dict[str, Any]:
        """Send a frame with a fresh ``r`` and wait for the answer carrying it."""
        rid = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        try:
            await self.send_frame({**frame, "r": rid})
            reply = await asyncio.wait_for(fut, timeout)
        finally:
            self._pending.pop(rid, None)
        if reply.get("t") == "error":
            raise FrameError(reply)
        return reply

    async def _read_loop(self) -> None:
        assert self._ws is not None
        try:
            async for raw in self._ws:
                frame = orjson.loads(raw)
                self.state.note(frame)
                kind = frame.get("t")
                if kind == "welcome":
                    self.welcome = frame
                    self._heartbeat = asyncio.create_task(self._beat(float(frame["heartbeat_s"])))
                elif kind == "pong" and frame.get("r") is None:
                    continue  # answer to a heartbeat
                elif kind == "synced":
                    self._synced.set()
                rid = frame.get("r")
                fut = self._pending.pop(rid, None) if isinstance(rid, int) else None
                if fut is not None and not fut.done():
                    fut.set_result(frame)
                else:
                    self.events.put_nowait(frame)
        except ConnectionClosed:
            pass
        finally:
            if self._heartbeat is not None:
                self._heartbeat.cancel()
            self.close_code = self._ws.close_code
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError(f"connection closed ({self.close_code})"))
            self.events.put_nowait({"t": "closed", "code": self.close_code})

    async def _beat(self, interval: float) -> None:
        """Keep the session alive while the application is quiet."""
        with contextlib.suppress(ConnectionClosed, asyncio.CancelledError):
            while True:
                await asyncio.sleep(interval)
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
