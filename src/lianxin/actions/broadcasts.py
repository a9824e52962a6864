"""Broadcasts: an official account's owner sends one message to every follower.

A broadcast is a persisted job, not a loop in a request. The job walks the account's
active followers in id order up to the newest follower at creation, with a cursor saved
as it goes, and delivers into each follower's chat with the account through ``do_send``
with the client id ``b<job>.<follower>``. That id makes a resend after a crash return
the stored message instead of a twin, so a job resumed from a stale cursor never
delivers twice (the exactly-once rule every send follows).

One node runs a given job: ``BroadcastWorker`` (one per node, started by the app) claims
it in the database with a lease it renews with each save of progress; if the node dies
the lease lapses and another node's worker resumes from the cursor. Each job is paced at
``official_broadcast_rate`` messages per second. Progress (sent / total / state) is
readable by the owner over REST and pushed to the owner's devices as ``broadcast``
frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import orjson
from sqlalchemy import Row

from lianxin.actions.accounts import Identity
from lianxin.actions.kinds import check_text
from lianxin.actions.messages import check_client_id, do_send
from lianxin.actions.official import access_owned_txn
from lianxin.errors import Code, LianxinError
from lianxin.events import publish
from lianxin.ids import DeviceId, UserId
from lianxin.services import Services
from lianxin.store import official as store

log = logging.getLogger(__name__)

PAGE = 100
SAVE_EVERY_S = 1.0
LIST_MAX = 50


def view(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "account": row.account_id,
        "client_id": row.client_id,
        "kind": row.kind,
        "text": row.text,
        "state": row.state,
        "total": row.total,
        "sent": row.sent,
        "skipped": row.skipped,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "finished_at": row.finished_at,
    }


def client_id_for(broadcast_id: int, user_id: int) -> str:
    """The send's client id for one follower: the same on every attempt, on every node."""
    return f"b{broadcast_id}.{user_id}"


async def _tell_owner(svc: Services, row: Row[Any]) -> None:
    await publish.to_users(svc.bus, [row.created_by], {"t": "broadcast", "broadcast": view(row)})


# -- the owner's side ------------------------------------------------------------------


async def do_create_broadcast(
    svc: Services, me: Identity, account_id: int, *, client_id: str, text: str
) -> dict[str, Any]:
    """Owner only: queue a text broadcast to the current followers. Idempotent per client id."""
    client_id = check_client_id(client_id)
    checked = check_text(text, svc.settings.text_limit)
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        await access_owned_txn(conn, me.user_id, account_id)
        account = await store.lock_account_txn(conn, account_id)
        assert account is not None
        existing = await store.broadcast_by_client_id(conn, account_id, client_id)
        if existing is not None:
            if existing.text != checked:
                raise LianxinError(Code.conflict, "this client id was used for another broadcast")
            return view(existing)
        job_id = await store.insert_broadcast_txn(
            conn,
            account_id=account_id,
            created_by=me.user_id,
            client_id=client_id,
            kind="text",
            text=checked,
            content=None,
            state="queued",
            total=account.follower_count,
            upto=await store.newest_follower_id(conn, account_id),
            created_at=now,
            updated_at=now,
        )
        row = await store.get_broadcast(conn, job_id)
    assert row is not None
    await _tell_owner(svc, row)
    return view(row)


async def access_broadcast(
    svc: Services, me: Identity, account_id: int, broadcast_id: int
) -> dict[str, Any]:
    async with svc.db.read() as conn:
        await access_owned_txn(conn, me.user_id, account_id)
        row = await store.get_broadcast(conn, broadcast_id)
    if row is None or row.account_id != account_id:
        raise LianxinError(Code.not_found, "no such broadcast")
    return view(row)


async def list_broadcasts(svc: Services, me: Identity, account_id: int) -> list[dict[str, Any]]:
    async with svc.db.read() as conn:
        await access_owned_txn(conn, me.user_id, account_id)
        rows = await store.broadcasts_of(conn, account_id, LIST_MAX)
    return [view(r) for r in rows]


async def do_cancel_broadcast(
    svc: Services, me: Identity, account_id: int, broadcast_id: int
) -> dict[str, Any]:
    """Owner only: stop an unfinished broadcast; followers already reached keep it."""
    async with svc.db.write() as conn:
        await access_owned_txn(conn, me.user_id, account_id)
        row = await store.get_broadcast(conn, broadcast_id)
        if row is None or row.account_id != account_id:
            raise LianxinError(Code.not_found, "no such broadcast")
        if not await store.cancel_broadcast_txn(conn, broadcast_id, svc.clock.now_ms()):
            raise LianxinError(Code.conflict, f"this broadcast is already {row.state}")
        row = await store.get_broadcast(conn, broadcast_id)
    assert row is not None
    await _tell_owner(svc, row)
    return view(row)


# -- the worker ------------------------------------------------------------------------


class _LeaseLost(Exception):
    """The job was cancelled or taken over by another node: stop working on it."""


class BroadcastWorker:
    """Runs broadcast jobs on this node, one at a time, until stopped."""

    def __init__(self, svc: Services, node: str | None = None) -> None:
        self.svc = svc
        self.node = node or uuid.uuid4().hex
        self._task: asyncio.Task[None] | None = None
        self._job: int | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="broadcast-worker")

    async def stop(self) -> None:
        """Stop at once; the job in hand keeps its cursor and is released for any node."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        if self._job is not None:
            with contextlib.suppress(Exception):
                await self._release(self._job)

    async def _run(self) -> None:
        poll = self.svc.settings.official_broadcast_poll_s
        while True:
            try:
                job = await self._claim()
                if job is None:
                    await asyncio.sleep(poll)
                    continue
                self._job = job.id
                await self._deliver(job)
            except _LeaseLost:
                pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("broadcast worker failed; retrying")
                await asyncio.sleep(poll)
            self._job = None

    async def _claim(self) -> Row[Any] | None:
        now = self.svc.clock.now_ms()
        async with self.svc.db.write() as conn:
            return await store.claim_broadcast_txn(conn, self.node, now, self._lease_ms())

    def _lease_ms(self) -> int:
        return int(self.svc.settings.official_broadcast_lease_s * 1000)

    async def _release(self, job_id: int) -> None:
        async with self.svc.db.write() as conn:
            row = await store.get_broadcast(conn, job_id)
            if row is not None:
                await store.advance_broadcast_txn(
                    conn,
                    job_id,
                    self.node,
                    cursor=row.cursor,
                    sent=0,
                    skipped=0,
                    lease_until=None,
                    state="sending",
                    now=self.svc.clock.now_ms(),
                )

    async def _deliver(self, job: Row[Any]) -> None:
        """Send to every follower after the cursor, paced, saving progress as it goes."""
        loop = asyncio.get_running_loop()
        interval = 1.0 / self.svc.settings.official_broadcast_rate
        account = Identity(UserId(job.account_id), DeviceId(0))
        content = orjson.loads(job.content) if job.content else None
        cursor, sent, skipped = int(job.cursor), 0, 0
        next_at = saved_at = loop.time()
        while True:
            async with self.svc.db.read() as conn:
                page = await store.followers_page(
                    conn, job.account_id, after=cursor, upto=job.upto, limit=PAGE
                )
            if not page:
                await self._save(job.id, cursor, sent, skipped, done=True)
                return
            for follower in page:
                delay = next_at - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                next_at = max(next_at, loop.time() - interval) + interval
                try:
                    await do_send(
                        self.svc,
                        account,
                        follower.chat_id,
                        client_id=client_id_for(job.id, follower.user_id),
                        kind=job.kind,
                        text=job.text,
                        content=content,
                    )
                    sent += 1
                except LianxinError:
                    skipped += 1  # unfollowed or blocked the account since the page was read
                cursor = int(follower.id)
                if loop.time() - saved_at >= SAVE_EVERY_S:
                    await self._save(job.id, cursor, sent, skipped, done=False)
                    sent, skipped, saved_at = 0, 0, loop.time()
            await self._save(job.id, cursor, sent, skipped, done=False)
            sent, skipped, saved_at = 0, 0, loop.time()

    async def _save(self, job_id: int, cursor: int, sent: int, skipped: int, *, done: bool) -> None:
        now = self.svc.clock.now_ms()
        async with self.svc.db.write() as conn:
            kept = await store.advance_broadcast_txn(
                conn,
                job_id,
                self.node,
                cursor=cursor,
                sent=sent,
                skipped=skipped,
                lease_until=None if done else now + self._lease_ms(),
                state="done" if done else "sending",
                now=now,
            )
            row = await store.get_broadcast(conn, job_id)
        if not kept or row is None:
            raise _LeaseLost
        await _tell_owner(self.svc, row)
