"""Plain text sends from WebSocket sessions, stored a batch at a time (embedded SQLite).

A session does not wait for one send's commit before reading its next frame
(``gateway/session.py``), so the sends that queue while a batch commits can share the
database work: the next batch stores all of them in one write scope, with per chat one
read of the chat row, one membership check per sender, one seq claim (``last_seq += n``)
and one advance of each sender's read mark, and a few multi-row inserts for the whole
batch; ``do_send`` spends six statements and a savepoint on every message.

The decisions are ``do_send``'s (membership, a resend by client id, a direct chat's
blocks and friendship), made before any seq is claimed, so a refused send leaves no gap.
What the batch does not decide (a chat with bots, a client id repeated inside the batch)
goes through ``do_send`` after the batch, in arrival order, together with the sends
after it in the same chat, so each chat's seqs follow the order its sends arrived in.
Outcomes are reported after the batch's commit (nothing is acked before it is durable),
events are published in seq order. Only one batch is open at a time.

A batch of fewer than ``GATHER_FULL`` sends first waits ``GATHER_S`` for more. Below
saturation a batch otherwise holds one or two sends, and its commit (a thread round trip
and the fsync) wakes the server's threads a few times: on the 2-core VM we measure on,
each wake-up of an idle thread costs tens of microseconds of CPU and the code after it
runs slower, so at 500 to 3,000 sends/s a message cost 3 to 5 times its saturated CPU
(docs/performance.md, sixth round). At saturation, when that many already wait, the
batch is stored at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import kinds, previews, views
from lianxin.actions.accounts import Identity
from lianxin.actions.chats import check_direct_allowed, publish_event
from lianxin.actions.messages import Sent, check_client_id, do_send
from lianxin.errors import Code, LianxinError
from lianxin.services import Services
from lianxin.store import chats as store

log = logging.getLogger(__name__)

Done = Callable[[Sent | None, LianxinError | None], None]

GATHER_S = 0.002  # how long a small batch waits for more sends before it is stored
GATHER_FULL = 64  # sends that make a batch worth storing at once


@dataclass(slots=True)
class Request:
    me: Identity
    chat_id: int
    client_id: str
    text: str
    session_id: str | None
    done: Done  # called once, after the commit: (what was sent, None) or (None, refusal)


@dataclass(slots=True)
class _Stored:
    req: Request
    joined: list[int]  # the first event of a direct chat subscribes both users' sessions
    row: Row[Any] | None = None


class SendBatcher:
    """Collects plain text sends and stores them a batch at a time (see the module)."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.pending: list[Request] = []
        self._task: asyncio.Task[None] | None = None  # only while sends wait

    def submit(
        self,
        me: Identity,
        chat_id: int,
        *,
        client_id: str,
        text: str | None,
        session_id: str | None,
        done: Done,
    ) -> None:
        """Queue a text send; ``done`` hears its outcome. Bad input raises at once."""
        client_id = check_client_id(client_id)
        checked = kinds.check_text(text, self.svc.settings.text_limit)
        assert checked is not None
        self.pending.append(Request(me, chat_id, client_id, checked, session_id, done))
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        """Let the batch being stored finish (sessions are closed by then)."""
        task = self._task
        if task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(task), 5.0)

    async def _run(self) -> None:
        try:
            while self.pending:
                if len(self.pending) < GATHER_FULL:
                    await asyncio.sleep(GATHER_S)
                await self._flush()
        finally:
            self._task = None

    async def _flush(self) -> None:
        batch: list[Request] = []
        outcomes: list[tuple[Request, Sent | None, LianxinError | None]] = []
        stored: list[_Stored] = []
        later: list[Request] = []
        try:
            async with self.svc.db.write() as conn:
                # Taken under the write lock: everything that queued meanwhile joins.
                batch, self.pending = self.pending, []
                await self._store(conn, batch, outcomes, stored, later)
        except asyncio.CancelledError:
            for req in batch:
                req.done(None, LianxinError(Code.internal, "the server is stopping"))
            raise
        except Exception:
            # Nothing of the batch was kept: each send again on its own, in order (also
            # when the scope could not even begin, so a failing database is no busy loop).
            if not batch:
                batch, self.pending = self.pending, []
            log.exception("a send batch failed; its %d sends go one by one", len(batch))
            for req in batch:
                await self._one(req)
            return
        for req, sent, error in outcomes:  # refusals and resends
            req.done(sent, error)
        svc = self.svc
        for item in stored:  # in seq order per chat
            row, req = item.row, item.req
            assert row is not None
            event = views.event(row)
            try:
                await publish_event(
                    svc, row, exclude=req.session_id, joined=item.joined, event=event
                )
                previews.schedule(svc, row)
            except Exception:  # stored and durable: the ack stands, a resume delivers it
                log.exception("publishing message %s failed", row.id)
            req.done(Sent(event, duplicate=False), None)
        for req in later:
            await self._one(req)

    async def _one(self, req: Request) -> None:
        """A send through ``do_send`` (the general path)."""
        try:
            sent = await do_send(
                self.svc,
                req.me,
                req.chat_id,
                client_id=req.client_id,
                text=req.text,
                session_id=req.session_id,
            )
        except LianxinError as exc:
            req.done(None, exc)
        except Exception:
            log.exception("send to chat %s failed", req.chat_id)
            req.done(None, LianxinError(Code.internal, "something went wrong; try again"))
        else:
            req.done(sent, None)

    async def _store(
        self,
        conn: AsyncConnection,
        batch: list[Request],
        outcomes: list[tuple[Request, Sent | None, LianxinError | None]],
        stored: list[_Stored],
        later: list[Request],
    ) -> None:
        now = self.svc.clock.now_ms()
        by_chat: dict[int, list[Request]] = {}
        first: dict[tuple[int, str], Request] = {}  # per client id, the one that came first
        for req in batch:
            by_chat.setdefault(req.chat_id, []).append(req)
            first.setdefault((req.me.user_id, req.client_id), req)
        events: list[tuple[Any, ...]] = []
        for chat_id, reqs in by_chat.items():
            chat = await store.chat_for_send(conn, chat_id)
            if chat is not None and chat.bot_ids:  # bots' updates: do_send's bot_fanout
                later.extend(reqs)
                continue
            direct = chat.direct_key if chat is not None and chat.kind == "direct" else None
            accepted: list[Request] = []
            checks: dict[int, tuple[Row[Any] | None, set[str]]] = {}
            for i, req in enumerate(reqs):
                me = req.me.user_id
                if first[me, req.client_id] is not req:  # a repeat in the batch: do_send's turn
                    later.extend(reqs[i:])
                    break
                peer = _other(direct, me) if direct is not None else None
                check = checks.get(me)
                if check is None:
                    check = checks[me] = await self._checks(conn, chat_id, reqs, me, peer)
                member, dups = check
                try:
                    if member is None or req.client_id in dups:
                        dup = await store.event_by_client_id(conn, me, req.client_id)
                        if dup is not None:
                            outcomes.append((req, _resent(dup, chat_id), None))
                            continue
                    if member is None or not member.active:
                        raise LianxinError(Code.not_member, "no such chat")
                    if peer is not None:
                        await check_direct_allowed(conn, me, peer, standing=member)
                except LianxinError as exc:
                    outcomes.append((req, None, exc))
                    continue
                accepted.append(req)
            if not accepted:
                continue
            assert chat is not None
            seq0 = await store.claim_seqs_txn(conn, chat_id, len(accepted), now)
            assert seq0 is not None
            tops: dict[int, int] = {}
            for seq, req in enumerate(accepted, seq0):
                events.append(
                    store.event_params(
                        chat_id=chat_id,
                        seq=seq,
                        sender_id=req.me.user_id,
                        kind="text",
                        now=now,
                        text=req.text,
                        client_id=req.client_id,
                    )
                )
                opened = direct.split(":") if direct is not None and seq == 1 else ()
                stored.append(_Stored(req, [int(u) for u in opened]))
                tops[req.me.user_id] = seq
            for user_id, top in tops.items():
                await store.advance_member_seq_txn(conn, chat_id, user_id, "read_seq", top, now)
        if events:
            rows = await store.insert_events_txn(conn, events)
            for item, row in zip(stored, rows, strict=True):
                item.row = row

    @staticmethod
    async def _checks(
        conn: AsyncConnection, chat_id: int, reqs: list[Request], me: int, peer: int | None
    ) -> tuple[Row[Any] | None, set[str]]:
        """The sender's membership (``send_checks``) and which of their client ids in
        this chat's requests were used before."""
        mine = [r.client_id for r in reqs if r.me.user_id == me]
        member = await store.send_checks(conn, chat_id, me, mine[0], peer)
        dups = {mine[0]} if member is not None and member.dup_id is not None else set()
        if len(mine) > 1:
            dups |= await store.dup_client_ids(conn, me, mine[1:])
        return member, dups


def _other(direct_key: str, me: int) -> int:
    lo, hi = direct_key.split(":")
    return int(hi) if int(lo) == me else int(lo)


def _resent(row: Row[Any], chat_id: int) -> Sent:
    if row.chat_id != chat_id:
        raise LianxinError(Code.conflict, "this client id was used for another chat")
    return Sent(views.event(row), duplicate=True)
