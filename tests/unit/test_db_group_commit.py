"""SQLite group commit: concurrent write scopes share a transaction, fail alone, and
return only once their batch is durable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, event, insert, select, text

from lianxin.store.db import Database

meta = MetaData()
parents = Table("parents", meta, Column("id", Integer, primary_key=True))
children = Table(
    "children",
    meta,
    Column("id", Integer, primary_key=True),
    Column("parent_id", Integer, ForeignKey("parents.id"), nullable=True),
)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'g.db'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    yield database
    await database.close()


def count_commits(database: Database) -> list[int]:
    commits = [0]

    @event.listens_for(database.engine.sync_engine, "commit")
    def _count(_conn: object) -> None:
        commits[0] += 1

    return commits


async def stored(database: Database) -> set[int]:
    async with database.read() as conn:
        return set((await conn.execute(select(parents.c.id))).scalars())


async def test_concurrent_scopes_share_commits(db: Database) -> None:
    commits = count_commits(db)

    async def add(i: int) -> None:
        async with db.write() as conn:
            await conn.execute(insert(parents).values(id=i))
            await conn.execute(select(parents.c.id).where(parents.c.id == i))

    await asyncio.gather(*(add(i) for i in range(1, 51)))
    assert await stored(db) == set(range(1, 51))
    assert 1 <= commits[0] <= 3  # the first scope's batch, then the 49 that queued meanwhile


async def test_a_failing_scope_undoes_only_its_own_writes(db: Database) -> None:
    async def add(i: int) -> None:
        async with db.write() as conn:
            await conn.execute(insert(parents).values(id=i))
            if i % 3 == 0:
                raise ValueError(f"refused {i}")

    results = await asyncio.gather(*(add(i) for i in range(1, 31)), return_exceptions=True)
    failed = {i for i, r in zip(range(1, 31), results, strict=True) if isinstance(r, ValueError)}
    assert failed == {i for i in range(1, 31) if i % 3 == 0}
    assert await stored(db) == set(range(1, 31)) - failed


async def test_leaving_a_scope_means_it_is_committed(db: Database) -> None:
    seen_after_exit = []

    async def add(i: int) -> None:
        async with db.write() as conn:
            await conn.execute(insert(parents).values(id=i))
        seen_after_exit.append(i in await stored(db))  # another connection sees it

    await asyncio.gather(*(add(i) for i in range(1, 21)))
    assert seen_after_exit == [True] * 20


async def test_a_failed_commit_fails_every_scope_of_its_batch(db: Database) -> None:
    """A deferred foreign key is only checked at COMMIT: the whole batch is refused."""
    gate = asyncio.Event()

    async def first() -> None:
        async with db.write():
            await gate.wait()  # the others queue behind this scope and join its batch

    async def bad() -> None:
        async with db.write() as conn:
            await conn.execute(text("PRAGMA defer_foreign_keys = ON"))
            await conn.execute(insert(children).values(id=1, parent_id=999))

    async def good(i: int) -> None:
        async with db.write() as conn:
            await conn.execute(insert(parents).values(id=i))

    tasks = [asyncio.create_task(first()), asyncio.create_task(bad())]
    tasks += [asyncio.create_task(good(i)) for i in (1, 2, 3)]
    await asyncio.sleep(0.05)
    gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, Exception) for r in results), results
    assert await stored(db) == set()
    await good(4)  # the next batch is unaffected
    assert await stored(db) == {4}
