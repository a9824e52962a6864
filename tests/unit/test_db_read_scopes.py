"""SQLite read scopes reuse connections: each scope is still one snapshot that sees every
commit made before it began, and no scope leaves a transaction open for the next."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, insert, select

from lianxin.store.db import Database
from lianxin.store.hot import Hot

meta = MetaData()
items = Table("items", meta, Column("id", Integer, primary_key=True))
_COUNT = Hot(select(items.c.id).where(items.c.id >= bindparam("low")))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    yield database
    await database.close()


async def add(db: Database, i: int) -> None:
    async with db.write() as conn:
        await conn.execute(insert(items).values(id=i))


async def test_a_reused_connection_sees_later_commits(db: Database) -> None:
    await add(db, 1)
    async with db.read() as conn:
        first = conn
        assert await _COUNT.scalars(conn, {"low": 0}) == [1]
    await add(db, 2)
    async with db.read() as conn:
        assert conn is first  # reused
        assert await _COUNT.scalars(conn, {"low": 0}) == [1, 2]
        assert list((await conn.execute(select(items.c.id))).scalars()) == [1, 2]
    await add(db, 3)
    async with db.read() as conn:
        # A SQLAlchemy statement first: it begins the scope's transaction itself.
        assert list((await conn.execute(select(items.c.id))).scalars()) == [1, 2, 3]
        assert await _COUNT.scalars(conn, {"low": 0}) == [1, 2, 3]


async def test_one_scope_is_one_snapshot(db: Database) -> None:
    await add(db, 1)
    async with db.read() as conn:
        assert await _COUNT.scalars(conn, {"low": 0}) == [1]
        await add(db, 2)  # commits while the scope is open
        # Neither a prebuilt nor a SQLAlchemy statement in the scope sees it.
        assert await _COUNT.scalars(conn, {"low": 0}) == [1]
        assert list((await conn.execute(select(items.c.id))).scalars()) == [1]
    async with db.read() as conn:
        assert await _COUNT.scalars(conn, {"low": 0}) == [1, 2]


async def test_a_failed_scope_leaves_no_open_transaction(db: Database) -> None:
    await add(db, 1)
    with pytest.raises(RuntimeError):
        async with db.read() as conn:
            await _COUNT.scalars(conn, {"low": 0})
            raise RuntimeError("boom")
    await add(db, 2)
    async with db.read() as conn:
        assert await _COUNT.scalars(conn, {"low": 0}) == [1, 2]


async def test_concurrent_scopes_get_their_own_connections(db: Database) -> None:
    await add(db, 1)
    async with db.read() as a, db.read() as b:
        assert a is not b
        assert await _COUNT.scalars(a, {"low": 0}) == [1]
        await add(db, 2)
        assert await _COUNT.scalars(b, {"low": 0}) == [1, 2]  # b's snapshot starts now
        assert await _COUNT.scalars(a, {"low": 0}) == [1]


_SOME = Hot(
    select(items.c.id)
    .where(items.c.id.in_(bindparam("ids", expanding=True)), items.c.id != bindparam("skip"))
    .order_by(items.c.id)
)


async def test_prebuilt_in_lists_of_any_length(db: Database) -> None:
    for i in range(1, 8):
        await add(db, i)
    async with db.read() as conn:
        assert await _SOME.scalars(conn, {"ids": [2, 5, 9], "skip": 5}) == [2]
        assert await _SOME.scalars(conn, {"ids": [1, 2, 3, 4, 6], "skip": 0}) == [1, 2, 3, 4, 6]
        assert await _SOME.scalars(conn, {"ids": [7], "skip": 0}) == [7]
        assert await _SOME.scalars(conn, {"ids": [2, 5, 9], "skip": 0}) == [2, 5]
