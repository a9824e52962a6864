"""SQLite write batches: one writer connection kept between batches, and SQLite's write
lock taken on the loop when it is free, in a thread (waiting) when another process
holds it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, insert, select, text

from lianxin.store import sqlite_inline
from lianxin.store.db import Database

meta = MetaData()
items = Table("items", meta, Column("id", Integer, primary_key=True))
notes = Table(
    "notes",
    meta,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id")),
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "w.db"


@pytest.fixture
async def db(path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{path}")
    async with database.engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    yield database
    await database.close()


@pytest.fixture
def thread_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the sqlite3 calls ``sqlite_inline`` hands to a thread."""
    calls: list[str] = []
    to_thread = asyncio.to_thread

    def counted(call: Callable[..., Any], *args: Any) -> Any:
        calls.append(getattr(call, "__name__", repr(call)))
        return to_thread(call, *args)

    monkeypatch.setattr(sqlite_inline.asyncio, "to_thread", counted)
    return calls


async def add(db: Database, i: int) -> Any:
    async with db.write() as conn:
        await conn.execute(insert(items).values(id=i))
    return conn


async def stored(db: Database) -> set[int]:
    async with db.read() as conn:
        return set((await conn.execute(select(items.c.id))).scalars())


async def test_batches_write_on_one_kept_connection(db: Database) -> None:
    first = await add(db, 1)
    second = await add(db, 2)
    assert first is second
    assert await stored(db) == {1, 2}


async def test_only_the_commit_goes_to_a_thread_when_the_lock_is_free(
    db: Database, thread_calls: list[str]
) -> None:
    for i in range(1, 4):
        await add(db, i)
    assert thread_calls == ["commit"] * 3
    assert await stored(db) == {1, 2, 3}


async def test_the_busy_timeout_is_restored_after_begin(db: Database) -> None:
    conn = await add(db, 1)
    raw = conn.sync_connection.connection.dbapi_connection
    timeout = sqlite3.Cursor(raw).execute("PRAGMA busy_timeout").fetchone()[0]
    assert timeout == sqlite_inline.BUSY_TIMEOUT_MS


async def test_a_lock_held_elsewhere_is_waited_for_in_a_thread(
    db: Database, path: Path, thread_calls: list[str]
) -> None:
    """Another process's writer: the scope waits for the lock without failing, and
    the loop keeps running meanwhile."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        asyncio.get_running_loop().call_later(0.3, other.execute, "COMMIT")
        await add(db, 1)
        ticker.cancel()
    finally:
        other.close()
    assert ticks >= 10  # the loop was not blocked while the scope waited
    assert thread_calls == ["execute", "commit"]
    assert await stored(db) == {1}
    thread_calls.clear()
    await add(db, 2)  # the lock is free again: inline, and the timeout is back
    assert thread_calls == ["commit"]


async def test_after_a_failed_commit_the_next_batch_starts_on_a_fresh_connection(
    db: Database,
) -> None:
    kept = await add(db, 1)
    with pytest.raises(Exception, match="FOREIGN KEY"):
        async with db.write() as conn:
            await conn.execute(insert(items).values(id=2))
            # A deferred foreign key is checked only at COMMIT, which then fails.
            await conn.execute(text("PRAGMA defer_foreign_keys = ON"))
            await conn.execute(insert(notes).values(id=1, item_id=999))
    fresh = await add(db, 3)
    assert fresh is not kept
    assert await stored(db) == {1, 3}
