"""Broadcast leases: one node holds a job; a lapsed lease passes it on; a node that lost
its lease (or whose job was cancelled) can no longer record progress."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from lianxin.store import official as store
from lianxin.store.schema import metadata

LEASE = 1000


@pytest.fixture
async def conn(tmp_path: Path) -> AsyncIterator[AsyncConnection]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'lease.db'}")
    async with engine.begin() as c:
        await c.run_sync(metadata.create_all)
        yield c
    await engine.dispose()


async def job(conn: AsyncConnection, client_id: str = "c1") -> int:
    return await store.insert_broadcast_txn(
        conn,
        account_id=1,
        created_by=2,
        client_id=client_id,
        kind="text",
        text="hi",
        content=None,
        state="queued",
        total=3,
        upto=3,
        created_at=0,
        updated_at=0,
    )


async def advance(conn: AsyncConnection, job_id: int, node: str, now: int, **kw: object) -> bool:
    args: dict[str, object] = {
        "cursor": 1,
        "sent": 1,
        "skipped": 0,
        "lease_until": now + LEASE,
        "state": "sending",
    }
    args.update(kw)
    return await store.advance_broadcast_txn(conn, job_id, node, now=now, **args)  # type: ignore[arg-type]


async def test_one_holder_until_the_lease_lapses(conn: AsyncConnection) -> None:
    first = await job(conn)
    taken = await store.claim_broadcast_txn(conn, "a", 0, LEASE)
    assert taken is not None and (taken.id, taken.lease_owner, taken.state) == (
        first,
        "a",
        "sending",
    )
    assert await store.claim_broadcast_txn(conn, "b", LEASE - 1, LEASE) is None
    assert await advance(conn, first, "a", 500)  # renews to 1500
    assert await store.claim_broadcast_txn(conn, "b", 1400, LEASE) is None
    stolen = await store.claim_broadcast_txn(conn, "b", 1501, LEASE)
    assert stolen is not None and stolen.lease_owner == "b" and stolen.cursor == 1
    assert not await advance(conn, first, "a", 1600)  # a stalled node stops here
    assert await advance(conn, first, "b", 1600, cursor=3, sent=2)
    row = await store.get_broadcast(conn, first)
    assert row is not None and (row.cursor, row.sent) == (3, 3)


async def test_finished_and_cancelled_jobs_are_never_claimed(conn: AsyncConnection) -> None:
    done, cancelled = await job(conn, "d"), await job(conn, "x")
    assert (await store.claim_broadcast_txn(conn, "a", 0, LEASE)).id == done  # type: ignore[union-attr]
    assert await advance(conn, done, "a", 10, lease_until=None, state="done")
    assert await store.cancel_broadcast_txn(conn, cancelled, 20)
    assert not await store.cancel_broadcast_txn(conn, cancelled, 30)
    assert await store.claim_broadcast_txn(conn, "b", 10**9, LEASE) is None
    row = await store.get_broadcast(conn, done)
    assert row is not None and (row.state, row.lease_owner, row.finished_at) == ("done", None, 10)


async def test_released_job_is_claimable_at_once(conn: AsyncConnection) -> None:
    first = await job(conn)
    await store.claim_broadcast_txn(conn, "a", 0, LEASE)
    assert await advance(conn, first, "a", 5, lease_until=None)  # graceful shutdown
    again = await store.claim_broadcast_txn(conn, "b", 6, LEASE)
    assert again is not None and again.lease_owner == "b"
