"""The node's hub: which local sessions belong to which users and chats, and routing.

Bus topics: ``c.<chat>`` is subscribed while any member of the chat is connected to
this node; ``u.<user>`` while that user is. A chat event reaches each local member's
sessions once; one ``Outbound`` per event is shared by every recipient, so neither the
JSON nor the WebSocket frame around it is built per recipient.

Bus messages are routed one loop iteration after they arrive, in arrival order: the
publisher (a send, before its ack) does not wait for thousands of writes, and adjacent
events of one chat that arrive meanwhile (a busy group: sends completing while the
previous fan-out ran) reach each session as one write (``Run``) instead of one each.
Each session then writes what it got at once (``Flushes``), not an iteration later.

No join window: a user's topic is live before their chat list is read, and every chat
topic before their resync reads the database; a chat joined later is routed from the
user topic, and its sessions then read what was published before the route was live.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lianxin.bus import Bus
from lianxin.events.envelope import Envelope
from lianxin.events.publish import chat_topic, user_topic
from lianxin.gateway.wire import Outbound

if TYPE_CHECKING:
    from lianxin.gateway.session import Session

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Run:
    """Events ``first``..``last`` of one chat, consecutive, none with members joining or
    leaving: every recipient gets the same bytes unless it sent one of them."""

    chat: int
    first: int
    last: int
    items: list[tuple[Envelope, Outbound]]
    out: Outbound  # every frame of the run, one write
    excluded: set[str]  # the sending sessions (they get seqs, not their own messages)


class Flushes:
    """The sessions given frames this loop iteration; one callback writes them all.

    One ``call_soon`` per iteration, not one per session: a fan-out to 5,000 sessions
    scheduled 5,000 callbacks (handles to allocate, run and free), all after the hub had
    already written what they were for.
    """

    __slots__ = ("_sessions",)

    def __init__(self) -> None:
        self._sessions: list[Session] = []

    def add(self, session: Session) -> None:
        """``session`` has a batch to write at the end of this iteration (or sooner)."""
        sessions = self._sessions
        if not sessions:
            session.loop.call_soon(self.run)
        sessions.append(session)

    def run(self) -> None:
        """Write every pending batch now, in the order the sessions got their first frame."""
        sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.flush()


class Hub:
    def __init__(self, bus: Bus, *, admit: int = 32) -> None:
        self.bus = bus
        # Sessions between hello and synced at once (``Session.run``); the others queue.
        self.admission = asyncio.Semaphore(admit)
        self.sessions: defaultdict[int, set[Session]] = defaultdict(set)
        self.chat_users: defaultdict[int, set[int]] = defaultdict(set)
        self.user_chats: defaultdict[int, set[int]] = defaultdict(set)
        self._tasks: set[asyncio.Task[None]] = set()
        # Per user with sessions here: done once their topics are live on the bus.
        self._ready: dict[int, asyncio.Future[None]] = {}
        # What arrived this loop iteration, in order: (chat topic?, chat or user, envelope).
        self._due: list[tuple[bool, int, Envelope]] = []
        # Sessions with frames to write: the routing below writes them as it ends.
        self.flushes = Flushes()
        self._loop: asyncio.AbstractEventLoop | None = None  # kept: see Session.loop

    @property
    def session_count(self) -> int:
        return sum(len(s) for s in self.sessions.values())

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.bus.start(self.on_message)

    async def register(
        self, session: Session, load_chats: Callable[[], Awaitable[list[int]]]
    ) -> None:
        """Route the user's topics here; returns once the bus subscriptions are live.

        The user topic goes live first, then the chat list is read: a chat joined in
        between arrives on the user topic. A second session of the user waits for the
        first one's subscriptions instead of returning before they are live.
        """
        uid = session.user_id
        self.sessions[uid].add(session)
        ready = self._ready.get(uid)
        if ready is not None:
            await asyncio.shield(ready)
            return
        ready = self._ready[uid] = asyncio.get_running_loop().create_future()
        try:
            await self.bus.subscribe([user_topic(uid)])
            topics: list[str] = []
            for chat in await load_chats():
                if uid in self.sessions:
                    topics.extend(self._join(uid, chat))
            await self.bus.subscribe(topics)
        finally:
            ready.set_result(None)

    async def unregister(self, session: Session) -> None:
        uid = session.user_id
        mine = self.sessions.get(uid)
        if mine is None or session not in mine:
            return
        mine.discard(session)
        if mine:
            return
        del self.sessions[uid]
        self._ready.pop(uid, None)
        topics = [user_topic(uid)]
        for chat in self.user_chats.pop(uid, set()):
            users = self.chat_users.get(chat)
            if users is not None:
                users.discard(uid)
                if not users:
                    del self.chat_users[chat]
                    topics.append(chat_topic(chat))
        await self.bus.unsubscribe(topics)

    def _join(self, uid: int, chat: int) -> list[str]:
        """Bookkeeping for a local user in a chat; the topics that newly need subscribing."""
        self.user_chats[uid].add(chat)
        users = self.chat_users[chat]
        new = not users
        users.add(uid)
        return [chat_topic(chat)] if new else []

    def _leave(self, uid: int, chat: int) -> list[str]:
        self.user_chats.get(uid, set()).discard(chat)
        users = self.chat_users.get(chat)
        if users is None:
            return []
        users.discard(uid)
        if users:
            return []
        del self.chat_users[chat]
        return [chat_topic(chat)]

    def on_message(self, topic: str, env: Envelope) -> None:
        """Bus callback: never blocks; what arrives is routed on the next loop iteration."""
        kind, _, raw_id = topic.partition(".")
        if kind != "c" and kind != "u":
            return
        due = self._due
        if not due:
            assert self._loop is not None  # the bus delivers only once started
            self._loop.call_soon(self._flush)
        due.append((kind == "c", int(raw_id), env))

    def _flush(self) -> None:
        """Route in arrival order; adjacent events of one chat as runs."""
        due, self._due = self._due, []
        i, n = 0, len(due)
        while i < n:
            is_chat, key, env = due[i]
            j = i + 1
            if is_chat and _runnable(env):
                while j < n and due[j][0] and due[j][1] == key and _runnable(due[j][2]):
                    j += 1
            try:
                if j - i > 1:
                    self._send_run(key, [item[2] for item in due[i:j]])
                elif is_chat:
                    self._send(key, env)
                else:
                    self._on_user(key, env)
            except Exception:  # a bug here must not cost the others their events
                log.exception("routing to %s %s failed", "chat" if is_chat else "user", key)
            i = j
        self.flushes.run()

    def _send_run(self, chat: int, envs: list[Envelope]) -> None:
        if len(envs) > 1:
            envs.sort(key=_seq)  # publishes from different tasks (or nodes) may cross
            first, last = _seq(envs[0]), _seq(envs[-1])
            if last - first == len(envs) - 1:  # sorted: n seqs spanning n-1 are consecutive
                texts = [Outbound(env.frame) for env in envs]
                excluded = {env.exclude for env in envs if env.exclude is not None}
                run = Run(
                    chat,
                    first,
                    last,
                    list(zip(envs, texts, strict=True)),
                    Outbound.joined(texts),
                    excluded,
                )
                for uid in list(self.chat_users.get(chat, ())):
                    for session in list(self.sessions.get(uid, ())):
                        session.deliver_run(run)
                return
        for env in envs:
            self._send(chat, env)

    def _send(self, chat: int, env: Envelope) -> None:
        # They get this event through their user topic.
        joined: set[int] | tuple[()] = set(env.joined) if env.joined else ()
        text = Outbound(env.frame)  # once per event, shared by every local session
        for uid in list(self.chat_users.get(chat, ())):
            if uid not in joined:
                for session in list(self.sessions.get(uid, ())):
                    # The sender's own session gets only the seq (it has an ack instead).
                    session.deliver(env, text if session.session_id != env.exclude else None)
        unsubscribe: list[str] = []
        for uid in env.left:
            unsubscribe.extend(self._leave(uid, chat))
        if unsubscribe:
            self._unsubscribe_later(unsubscribe)

    def _on_user(self, uid: int, env: Envelope) -> None:
        if env.kick_device is not None:
            for session in list(self.sessions.get(uid, ())):
                if session.device_id == env.kick_device:
                    session.kick(env.frame)
            return
        if env.chat is not None and uid in env.joined and uid in self.sessions:
            self._spawn(self._route(uid, env.chat, self._join(uid, env.chat)))
        self._deliver(uid, env)

    async def _route(self, uid: int, chat: int, topics: list[str]) -> None:
        """Subscribe a chat a local user just joined, then let their sessions read what
        was published to it before the subscription was live."""
        await self.bus.subscribe(topics or [chat_topic(chat)])
        for session in list(self.sessions.get(uid, ())):
            session.routed(chat)

    def _deliver(self, uid: int, env: Envelope) -> None:
        sessions = self.sessions.get(uid)
        if not sessions:
            return
        text = Outbound(env.frame)
        for session in list(sessions):
            session.deliver(env, text if session.session_id != env.exclude else None)

    def _unsubscribe_later(self, topics: list[str]) -> None:
        self._spawn(self.bus.unsubscribe(topics))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close_all(self, code: int, reason: str) -> None:
        for sessions in list(self.sessions.values()):
            for session in list(sessions):
                await session.close(code, reason)


def _runnable(env: Envelope) -> bool:
    """A chat event that can share a write: it has a seq and changes no membership."""
    return env.seq is not None and not env.joined and not env.left


def _seq(env: Envelope) -> int:
    assert env.seq is not None
    return env.seq
