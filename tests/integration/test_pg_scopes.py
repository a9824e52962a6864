"""PostgreSQL scopes: reads in autocommit, writes in one transaction, pool from settings,
and no ping at checkout (a connection that died is replaced after one failed scope)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from lianxin.config import Settings
from lianxin.store.db import Database
from tests.conftest import requires_pg
from tests.harness import PG_ADMIN_URL, PgDatabase, create_pg_database, drop_pg_database

pytestmark = pytest.mark.integration

STARTED = text("SELECT transaction_timestamp()")


@pytest.fixture
async def own_database() -> AsyncIterator[PgDatabase]:
    """A private database: one test kills its connections (the shared one serves others)."""
    requires_pg()
    database = await create_pg_database()
    yield database
    await drop_pg_database(database)


@pytest.fixture
async def db(own_database: PgDatabase) -> AsyncIterator[Database]:
    settings = Settings(database_url=own_database.url, db_pool_size=3, db_pool_overflow=1)
    database = Database(
        settings.effective_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_overflow,
    )
    yield database
    await database.close()


async def test_pool_size_comes_from_the_settings(db: Database) -> None:
    pool = db.engine.pool
    assert (pool.size(), pool._max_overflow) == (3, 1)  # type: ignore[attr-defined]


async def test_reads_autocommit_and_writes_share_one_transaction(db: Database) -> None:
    async with db.read() as conn:
        first = (await conn.execute(STARTED)).scalar()
        await asyncio.sleep(0.01)
        second = (await conn.execute(STARTED)).scalar()
    assert first != second  # each statement was its own transaction: no BEGIN round trip
    async with db.write() as conn:
        first = (await conn.execute(STARTED)).scalar()
        await asyncio.sleep(0.01)
        second = (await conn.execute(STARTED)).scalar()
    assert first == second


async def test_a_dead_connection_fails_one_scope_then_the_pool_recovers(
    db: Database, own_database: PgDatabase
) -> None:
    async with db.read() as conn:
        assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            own_database.name,
        )
    finally:
        await admin.close()
    with pytest.raises(DBAPIError):
        async with db.read() as conn:
            await conn.execute(text("SELECT 1"))
    async with db.read() as conn:
        assert (await conn.execute(text("SELECT 1"))).scalar() == 1
