"""One WebSocket connection: hello/auth, resume, then the read loop, in the ASGI task.

The frames a session gets in one loop iteration (a batch's acks, a hub flush's events)
go to the socket as one write at the end of it (``wire.Socket.write_now``: pre-framed
bytes, no await, one syscall) while nothing is queued and the transport has room.
Otherwise they wait in a queue that a writer task drains; the queue and the task exist
only while frames wait, and a queue at its bound sheds the session (4008). An idle
session is the ASGI task alone.

Close codes: 4000 idle, 4001 unauthorized, 4002 signed out, 4008 too slow (resume);
the ASGI server closes with 1012 when it restarts. See docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from functools import partial
from typing import Any

import orjson
from pydantic import ValidationError

from lianxin.actions import accounts, presence, sync
from lianxin.actions.accounts import Identity
from lianxin.actions.messages import Sent
from lianxin.actions.send_batch import SendBatcher
from lianxin.errors import Code, LianxinError
from lianxin.events.envelope import Envelope
from lianxin.gateway import frames
from lianxin.gateway.handlers import ack as _ack
from lianxin.gateway.handlers import handle
from lianxin.gateway.hub import Hub, Run
from lianxin.gateway.wire import Closed, Outbound, Socket
from lianxin.ids import DeviceId, UserId
from lianxin.services import Services
from lianxin.store import chats as chats_store

log = logging.getLogger(__name__)

CLOSE_IDLE = 4000
CLOSE_UNAUTHORIZED = 4001
CLOSE_SIGNED_OUT = 4002
CLOSE_TOO_SLOW = 4008
CLOSE_RESUME = 1011
HELLO_TIMEOUT_S = 15.0
# A seq that arrives early waits this long for the ones before it (publishes from
# different nodes race on the bus) before the session reads them from the database.
GAP_GRACE_S = 0.1
# Sends of one session stored or waiting for their commit at once (its window): the read
# loop reads no further frame while this many have not been answered.
PIPELINE_MAX = 32


class Session:
    __slots__ = (
        "_batch",
        "_fills",
        "_flushes",
        "_graces",
        "_heard",
        "_idle",
        "_inflight",
        "_last_active_at",
        "_queued",
        "_reading",
        "_room",
        "_tails",
        "_writer",
        "buffer",
        "closing",
        "device_id",
        "held",
        "hub",
        "limit",
        "loop",
        "out",
        "session_id",
        "sock",
        "svc",
        "tops",
        "user_id",
    )

    def __init__(self, sock: Socket, svc: Services, hub: Hub) -> None:
        self.sock = sock
        self.svc = svc
        self.hub = hub
        self.session_id = secrets.token_hex(8)
        self.user_id = UserId(0)
        self.device_id = DeviceId(0)
        self.limit = svc.settings.session_queue_frames
        # Kept: asyncio.get_running_loop() costs a getpid() syscall on every call (3.11).
        self.loop = asyncio.get_running_loop()
        self._flushes = hub.flushes  # writes this session's batch at the iteration's end
        self.out: deque[Outbound] | None = None  # writes waiting for the writer (None: none)
        # Frames in ``out`` (a run or a joined batch is one entry of many frames): what
        # ``limit`` bounds, so a slow reader's backlog is at most that many frames.
        self._queued = 0
        # Put this loop iteration, written at its end: one frame, or a list of them.
        self._batch: Outbound | list[Outbound] | None = None
        self.closing: tuple[int, str] | None = None
        # While catching up, live chat events wait here so none is lost or sent twice.
        self.buffer: list[tuple[Envelope, Outbound | None]] | None = None
        # Per chat, the highest seq this session has sent (or skipped as not its own).
        self.tops: dict[int, int] = {}
        # Chats with a seq gap being filled: live (seq, frame) wait here, in any order.
        self.held: dict[int, list[tuple[int, Outbound | None]]] = {}
        self._tails: set[int] = set()  # chats whose routing went live while busy
        self._fills: set[asyncio.Task[None]] | None = None  # only while a gap is filled
        # Per chat whose fill waits out GAP_GRACE_S: resolved early once the gap closes.
        self._graces: dict[int, asyncio.Future[None]] | None = None
        self._writer: asyncio.Task[None] | None = None  # only while frames wait
        # The read loop's task and its cancel count, while it awaits a frame.
        self._reading: tuple[asyncio.Task[Any], int] | None = None
        self._last_active_at: int | None = None
        self._idle: asyncio.TimerHandle | None = None  # the idle check, while reading
        self._heard = 0.0  # loop time of the last frame read
        # Pipelined sends in frame order: [frame's r, its reply once known]. Replies go
        # out from the front only, so acks keep the order of the sends.
        self._inflight: deque[list[Any]] = deque()
        self._room: tuple[int, asyncio.Future[None]] | None = None  # (at most, waiter)

    @property
    def identity(self) -> Identity:
        return Identity(self.user_id, self.device_id)

    # -- outbound (called by the hub; never blocks) -------------------------------------

    def deliver(self, env: Envelope, text: Outbound | None) -> None:
        """A live frame from the hub; ``None``: a chat event this session caused and must
        not get, but whose seq it has now seen."""
        if self.closing is not None:
            return
        if self.buffer is not None:
            if len(self.buffer) >= self.limit:
                self.close_soon(CLOSE_TOO_SLOW, "too slow; resume")
                return
            self.buffer.append((env, text))
            return
        self._live(env, text)

    def deliver_run(self, run: Run) -> None:
        """Consecutive events of one chat from the hub: one write when this session is
        live in that chat and caused none of them; otherwise each as ``deliver``."""
        chat = run.chat
        top = self.tops.get(chat)
        if (
            self.closing is None
            and self.buffer is None
            and (top is None or top == run.first - 1)
            and chat not in self.held
            and self.session_id not in run.excluded
        ):
            self.tops[chat] = run.last
            self.put(run.out)
            return
        for env, text in run.items:
            self.deliver(env, text if self.session_id != env.exclude else None)

    def _live(self, env: Envelope, text: Outbound | None) -> None:
        """Chat events go out in seq order with no gap; a gap is filled from the database."""
        chat, seq = env.chat, env.seq
        if chat is None or seq is None:
            if text is not None:
                self.put(text)
            return
        held = self.held.get(chat)
        if held is not None:
            if len(held) >= self.limit:
                self.close_soon(CLOSE_TOO_SLOW, "too slow; resume")
                return
            held.append((seq, text))
            graces = self._graces
            if graces is not None and chat in graces and _closed(held, self.tops.get(chat)):
                _resolve(graces[chat])  # the late publish came: release now, not after grace
            return
        top = self.tops.get(chat)
        if top is not None and seq != top + 1:
            if seq > top:
                self.held[chat] = [(seq, text)]
                self._spawn_fill(chat, GAP_GRACE_S, tail=False)
            return  # seq <= top: sent already (in a catch-up or a fill)
        self.tops[chat] = seq
        if text is not None:
            self.put(text)

    def routed(self, chat: int) -> None:
        """The hub now routes ``chat`` here: fetch what was published before it could."""
        if self.closing is not None:
            return
        if self.buffer is not None:
            self._tails.add(chat)  # after the resync, which may have read too early
            return
        if chat in self.held:
            self._tails.add(chat)  # the fill running for this chat reads to the end too
            return
        self.held[chat] = []
        self._spawn_fill(chat, 0.0, tail=True)

    def _spawn_fill(self, chat: int, grace: float, *, tail: bool) -> None:
        task = asyncio.get_running_loop().create_task(self._fill(chat, grace, tail=tail))
        fills = self._fills
        if fills is None:
            fills = self._fills = set()
        fills.add(task)
        task.add_done_callback(fills.discard)

    async def _fill(self, chat: int, grace: float, *, tail: bool) -> None:
        """Release held events in order; read any seqs still missing from the database.

        One fill per chat at a time: it runs while ``self.held[chat]`` exists.
        """
        if grace:
            await self._grace(chat, grace)
        try:
            while self.closing is None:
                held = self.held[chat]
                if chat in self._tails:
                    self._tails.discard(chat)
                    tail = True
                held.sort(key=lambda item: item[0])
                top = self.tops.get(chat)
                released = 0
                for seq, text in held:
                    if top is not None and seq > top + 1:
                        break
                    released += 1
                    if top is None or seq == top + 1:
                        top = seq
                        if text is not None:
                            self.put(text)
                del held[:released]
                if top is not None:
                    self.tops[chat] = top
                if not held and not tail:
                    del self.held[chat]
                    return
                upto = held[0][0] - 1 if held else None
                tail = False
                fill = await sync.do_fill(self.svc, self.identity, chat, top, upto)
                if fill.gap is not None:
                    gap = {"t": "gap", "chat": chat, "after": fill.gap[0], "before": fill.gap[1]}
                    self.send(gap)
                page = self.svc.settings.catchup_page
                for i in range(0, len(fill.events), page):
                    self.send({"t": "evs", "chat": chat, "events": fill.events[i : i + page]})
                self.tops[chat] = max(self.tops.get(chat, 0), fill.top)
        except Exception:
            log.exception("filling a gap in chat %s failed; the device resumes", chat)
            self.close_soon(CLOSE_RESUME, "resume")

    async def _grace(self, chat: int, grace: float) -> None:
        """Wait ``grace`` seconds for the seqs missing before ``held[chat]``, or less: the
        usual gap is two publishes that crossed (other tasks or nodes), and the late one
        arrives within a loop iteration or two."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        graces = self._graces
        if graces is None:
            graces = self._graces = {}
        graces[chat] = waiter
        timer = loop.call_later(grace, _resolve, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            del graces[chat]

    def put(self, text: Outbound) -> None:
        """Send a frame after those put before it; one write per loop iteration."""
        if self.closing is not None:
            return
        out = self.out
        if out is None:
            batch = self._batch
            if batch is None:
                # One frame is kept as it is: a fan-out to thousands of sessions allocates
                # nothing per session, so it triggers no garbage collection of its own.
                self._batch = text
                self._flushes.add(self)
            elif isinstance(batch, list):
                batch.append(text)
            else:
                self._batch = [batch, text]
            return
        frames = _count(text)
        if self._queued + frames > self.limit:
            self.close_soon(CLOSE_TOO_SLOW, "too slow; resume")
            return
        out.append(text)
        self._queued += frames
        self._wake()

    def flush(self) -> None:
        """Write what was put this iteration at once; queue it if the socket is full.

        Runs at the end of the iteration, or earlier from whoever put the last frame
        (the hub, once it has routed what arrived)."""
        batch, self._batch = self._batch, None
        if batch is None:
            return  # shed meanwhile, or written by ``_close_socket``
        out = self.out
        if out is None:
            if self.sock.write_now(Outbound.joined(batch) if isinstance(batch, list) else batch):
                return  # nothing queued before it: order holds
            out = self.out = deque()
        writes = batch if isinstance(batch, list) else [batch]
        frames = sum(_count(text) for text in writes)
        if self._queued + frames > self.limit:
            self.close_soon(CLOSE_TOO_SLOW, "too slow; resume")
            return
        out.extend(writes)
        self._queued += frames
        self._wake()

    def pending(self) -> int:
        """Frames waiting to be written."""
        return self._queued

    def _wake(self) -> None:
        if self._writer is None:
            self._writer = asyncio.create_task(
                self._write_loop(), name=f"ws-writer-{self.session_id}"
            )

    def _stop_reading(self) -> None:
        """Wake the read loop if it awaits a frame (it ends because ``closing`` is set)."""
        reading = self._reading
        if reading is not None:
            self._reading = None
            reading[0].cancel()

    def send(self, frame: dict[str, Any]) -> None:
        self.put(Outbound(orjson.dumps(frame)))

    def kick(self, frame: bytes) -> None:
        self.put(Outbound(frame))
        self.close_soon(CLOSE_SIGNED_OUT, "signed out")

    def close_soon(self, code: int, reason: str) -> None:
        if self.closing is not None:
            return
        self.closing = (code, reason)
        if code == CLOSE_TOO_SLOW:
            self.out = self._batch = None  # a slow reader does not get the backlog
            self._queued = 0
            if self._writer is not None:
                # Its write may be stuck on a full socket: stop it, run() then closes.
                self._writer.cancel()
                self._writer = None
        self._stop_reading()  # run() lets the writer send what is queued, then closes

    async def close(self, code: int, reason: str) -> None:
        self.close_soon(code, reason)

    # -- lifecycle ------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            await self.sock.accept()
        except Closed:
            return
        registered = False
        try:
            hello = await self._hello()
            if hello is None:
                return
            # A reconnect storm: a few dozen resumes at a time, in arrival order, so each
            # finishes in a fraction of the storm instead of all of them at its end.
            async with self.hub.admission:
                welcome = await self._welcome(hello)
                if welcome is None:
                    return
                # Hold live events from the moment routing starts until caught up.
                self.buffer = []
                await self.hub.register(self, self._chat_ids)
                registered = True
                online = await presence.came_online(self.svc, self.user_id, self.session_id)
                await self.resync(
                    hello.r, hello.since, hello.seqs, came_online=online, welcome=welcome
                )
            # After the resume: a due "last active" write waits for its commit (an fsync),
            # which the device's catch-up need not wait for.
            await accounts.do_touch_device(self.svc, self.identity, self._last_active_at)
            await self._read_loop()
            if self._inflight:  # answer the sends read before the loop ended
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(2.0):
                        await self._settle(0)
        finally:
            for task in list(self._fills or ()):
                task.cancel()
            if registered:
                await self.hub.unregister(self)
                await presence.do_session_offline(self.svc, self.user_id, self.session_id)
            self.close_soon(1000, "bye")  # no-op if already closing
            writer = self._writer
            if writer is not None:
                with contextlib.suppress(asyncio.TimeoutError, Exception):
                    await asyncio.wait_for(writer, 2.0)
            await self._close_socket(*(self.closing or (1000, "")))

    async def _hello(self) -> frames.Hello | None:
        try:
            async with asyncio.timeout(HELLO_TIMEOUT_S):
                raw = await self.sock.receive()
        except TimeoutError:
            self.close_soon(CLOSE_UNAUTHORIZED, "say hello first")
            return None
        if raw["type"] == "websocket.disconnect":
            self.sock.closed = True
            return None
        header = self.sock.header(b"authorization")
        self.sock.forget_headers()
        try:
            frame = frames.parse(orjson.loads(raw.get("text") or raw.get("bytes") or b""))
        except (orjson.JSONDecodeError, ValidationError):
            frame = None
        if not isinstance(frame, frames.Hello):
            self.send(_error(None, LianxinError(Code.bad_frame, "the first frame must be hello")))
            self.close_soon(CLOSE_UNAUTHORIZED, "hello expected")
            return None
        if not frame.token and header.lower().startswith("bearer "):
            frame = frame.model_copy(update={"token": header[7:]})
        return frame

    async def _welcome(self, frame: frames.Hello) -> Outbound | None:
        """Authenticate the hello's token; the welcome frame, which goes out with the sync
        (one write), or None: refused and closing."""
        try:
            device = await accounts.authenticate_device(self.svc, frame.token)
        except LianxinError as exc:
            self.send(_error(frame.r, exc))
            self.close_soon(CLOSE_UNAUTHORIZED, "unauthorized")
            return None
        self.user_id, self.device_id = UserId(device.user_id), DeviceId(device.id)
        self._last_active_at = int(device.last_active_at)
        s = self.svc.settings
        return _frame(
            {
                "t": "welcome",
                "r": frame.r,
                "user": self.user_id,
                "device": self.device_id,
                "session": self.session_id,
                "heartbeat_s": s.heartbeat_s,
                "idle_timeout_s": s.idle_timeout_s,
                "limits": {
                    "text": s.text_limit,
                    "recall_window_s": s.recall_window_s,
                    "edit_window_s": s.edit_window_s,
                },
            }
        )

    async def _chat_ids(self) -> list[int]:
        async with self.svc.db.read() as conn:
            return await chats_store.chat_ids_of(conn, self.user_id)

    async def resync(
        self,
        rid: Any,
        since: int | None,
        raw_seqs: dict[str, int] | None,
        *,
        came_online: bool = False,
        welcome: Outbound | None = None,
    ) -> None:
        """Send what the device missed, then release the live events held meanwhile.

        The welcome (at a hello), the sync frame, the catch-up and, when no live event
        waited, ``synced`` go out as one write. ``came_online``: see ``sync.do_sync``.
        """
        self.buffer = self.buffer if self.buffer is not None else []
        parts = [] if welcome is None else [welcome]
        try:
            plan = await sync.do_sync(
                self.svc, self.identity, since, sync.check_seqs(raw_seqs), came_online=came_online
            )
            parts.append(_frame({**plan.frame, "r": rid}))
            for item, pages in zip(plan.catchups, plan.pages, strict=True):
                if item.gap is not None:
                    gap = {
                        "t": "gap",
                        "chat": item.chat,
                        "after": item.gap[0],
                        "before": item.gap[1],
                    }
                    parts.append(_frame(gap))
                for events in pages:
                    parts.append(_frame({"t": "evs", "chat": item.chat, "events": events}))
            self.tops.update(plan.tops)
        finally:
            held, self.buffer = self.buffer, None
        synced = _frame({"t": "synced", "r": rid})
        tails, self._tails = self._tails, set()
        if not held and not tails:
            self.put(Outbound.joined([*parts, synced]))
            return
        self.put(Outbound.joined(parts))
        for env, text in held:
            self._live(env, text)  # drops what the catch-up sent; fills any gap after it
        for chat in tails:
            self.routed(chat)
        self.put(synced)

    async def _write_loop(self) -> None:
        """Write the queued frames as the socket takes them; end once none wait."""
        try:
            out = self.out
            while out:
                text = out[0]
                try:
                    await self.sock.write(text)  # counted until the transport has it
                except Closed:
                    self.out = None
                    self._queued = 0
                    self.closing = self.closing or (1000, "")
                    self._stop_reading()
                    return
                out.popleft()
                self._queued -= _count(text)
            self.out = None  # no await since the queue emptied: nothing was added
        finally:
            if self._writer is asyncio.current_task():
                self._writer = None

    async def _close_socket(self, code: int, reason: str) -> None:
        self.flush()  # frames put just before closing (an error, signed_out) go first
        writer = self._writer
        if writer is not None:
            with contextlib.suppress(asyncio.TimeoutError, Exception):
                await asyncio.wait_for(writer, 2.0)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.sock.close(code, reason), 2.0)

    async def _read_loop(self) -> None:
        limit = self.svc.settings.max_frame_bytes
        sends = self.svc.sends
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        self._heard = loop.time()
        self._idle = loop.call_later(self.svc.settings.idle_timeout_s, self._check_idle)
        try:
            while self.closing is None:
                # close_soon() cancels the receive to end the loop (what asyncio.timeout
                # does, without its object per frame). The idle limit is one timer per
                # session (_check_idle), not one per frame (a timer costs ~15 µs to arm
                # and cancel on uvloop).
                reading = self._reading = (task, task.cancelling())
                try:
                    raw = await self.sock.receive()
                except asyncio.CancelledError:
                    if self._reading is None and task.uncancel() <= reading[1]:
                        return  # woken by close_soon, not cancelled from outside
                    raise
                finally:
                    self._reading = None
                if raw["type"] == "websocket.disconnect":
                    self.sock.closed = True
                    return
                self._heard = loop.time()
                await self._on_frame(raw, limit, sends)
        finally:
            if self._idle is not None:
                self._idle.cancel()
                self._idle = None

    def _check_idle(self) -> None:
        """Close a session that sent nothing for ``idle_timeout_s``; else check again then."""
        loop = asyncio.get_running_loop()
        due = self._heard + self.svc.settings.idle_timeout_s
        if loop.time() >= due:
            self._idle = None
            self.close_soon(CLOSE_IDLE, "idle")
        else:
            self._idle = loop.call_at(due, self._check_idle)

    async def _on_frame(self, raw: Any, limit: int, sends: SendBatcher | None) -> None:
        """One frame read: answer it, or hand a send to the batcher."""
        data: str | bytes = raw.get("text") or raw.get("bytes") or b""
        if len(data) > limit or (isinstance(data, str) and len(data.encode()) > limit):
            self._reply(
                _error(
                    None,
                    LianxinError(Code.frame_too_large, f"frames are at most {limit} bytes"),
                )
            )
            return
        try:
            decoded = orjson.loads(data)
        except orjson.JSONDecodeError:
            self._reply(_error(None, LianxinError(Code.bad_frame, "frames are JSON objects")))
            return
        if sends is not None:
            plain = frames.plain_send(decoded)  # the usual frame, without pydantic
            if plain is not None:
                if len(self._inflight) >= PIPELINE_MAX:
                    await self._settle(PIPELINE_MAX - 1)
                self._pipeline(sends, plain)
                return
        rid = decoded.get("r") if isinstance(decoded, dict) else None
        try:
            frame = frames.parse(decoded)
        except ValidationError as exc:
            self._reply(_error(rid, _validation_error(exc)))
            return
        if sends is not None and type(frame) is frames.Send and _plain(frame):
            if len(self._inflight) >= PIPELINE_MAX:
                await self._settle(PIPELINE_MAX - 1)
            self._pipeline(sends, frames.PlainSend(frame.r, frame.chat, frame.id, frame.text))
            return
        if self._inflight:  # any other frame waits for the sends before it
            await self._settle(0)
        try:
            reply = await handle(self, frame)
        except LianxinError as exc:
            self.send(_error(rid, exc))
            return
        except Exception:
            log.exception("frame %s failed", type(frame).__name__)
            self.send(_error(rid, LianxinError(Code.internal, "something went wrong; try again")))
            return
        if reply is not None:
            self.send(reply)

    # -- pipelined sends ---------------------------------------------------------------------

    def _pipeline(self, sends: SendBatcher, frame: frames.PlainSend) -> None:
        """Hand a send to the batcher and go on reading; its ack goes out in turn."""
        slot: list[Any] = [frame.r, None]
        self._inflight.append(slot)
        try:
            sends.submit(
                self.identity,
                frame.chat,
                client_id=frame.id,
                text=frame.text,
                session_id=self.session_id,
                done=partial(self._sent, slot),
            )
        except LianxinError as exc:
            self._sent(slot, None, exc)

    def _sent(self, slot: list[Any], sent: Sent | None, error: LianxinError | None) -> None:
        slot[1] = _ack(slot[0], sent) if sent is not None else _error(slot[0], error)  # type: ignore[arg-type]
        inflight = self._inflight
        while inflight and inflight[0][1] is not None:
            self.send(inflight.popleft()[1])
        room = self._room
        if room is not None and len(inflight) <= room[0] and not room[1].done():
            room[1].set_result(None)

    async def _settle(self, most: int) -> None:
        """Wait until at most ``most`` pipelined sends are unanswered."""
        while len(self._inflight) > most:
            waiter = self.loop.create_future()
            self._room = (most, waiter)
            try:
                await waiter
            finally:
                self._room = None

    def _reply(self, frame: dict[str, Any]) -> None:
        """A reply to a frame read after pipelined sends goes out after their acks."""
        if self._inflight:
            self._inflight.append([frame.get("r"), frame])
        else:
            self.send(frame)


def _plain(frame: frames.Send) -> bool:
    """A text send with nothing the batcher leaves to ``do_send``."""
    return (
        frame.kind == "text"
        and frame.content is None
        and frame.reply_to is None
        and not frame.mentions
        and not frame.mention_all
    )


def _count(text: Outbound) -> int:
    """The frames in one write: a run or a joined batch holds several."""
    return 1 if text.parts is None else len(text.parts)


def _frame(frame: dict[str, Any]) -> Outbound:
    return Outbound(orjson.dumps(frame))


def _error(rid: Any, exc: LianxinError) -> dict[str, Any]:
    frame: dict[str, Any] = {"t": "error", **exc.to_dict()}
    if rid is not None:
        frame["r"] = rid
    return frame


def _validation_error(exc: ValidationError) -> LianxinError:
    errors = exc.errors()
    if not errors:
        return LianxinError(Code.bad_frame, "invalid frame")
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return LianxinError(Code.bad_frame, f"invalid frame: {where}: {first['msg']}")


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _closed(held: list[tuple[int, Outbound | None]], top: int | None) -> bool:
    """Whether the held seqs continue ``top`` without a hole (then nothing needs reading)."""
    if top is None:
        return False
    lo = hi = held[0][0]
    for seq, _ in held:
        lo, hi = min(lo, seq), max(hi, seq)
    return lo == top + 1 and hi - top == len(held)
