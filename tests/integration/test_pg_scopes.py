"""PostgreSQL scopes: reads in autocommit, writes in one transaction, pool from settings,
and no ping at checkout (a connection that died is replaced after one failed scope).
``Hot`` statements, which skip SQLAlchemy on the asyncpg connection, keep all of that."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from lianxin.config import Settings
from lianxin.store import chats, migrate
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


async def kill_connections(database: PgDatabase) -> None:
    """Terminate every server process of ``database``, as a crash or failover would."""
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            database.name,
        )
    finally:
        await admin.close()


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
    await kill_connections(own_database)
    with pytest.raises(DBAPIError):
        async with db.read() as conn:
            await conn.execute(text("SELECT 1"))
    async with db.read() as conn:
        assert (await conn.execute(text("SELECT 1"))).scalar() == 1


async def test_the_raw_asyncpg_scope_recovers_from_a_dead_connection_too(
    db: Database, own_database: PgDatabase
) -> None:
    async with db.raw_pg() as raw:  # every pooled connection has the send's function
        assert await raw.fetchval(
            "SELECT to_regprocedure('pg_temp.lianxin_send_texts(bigint[],bigint[],text[],text[],bigint[])')"
        )
    await kill_connections(own_database)
    lost = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError)
    with pytest.raises(lost):
        async with db.raw_pg() as raw:
            await raw.fetchval("SELECT 1")
    async with db.raw_pg() as raw:
        assert await raw.fetchval("SELECT 1") == 1
    async with db.read() as conn:  # and SQLAlchemy's scopes got fresh connections as well
        assert (await conn.execute(text("SELECT 1"))).scalar() == 1


@pytest.fixture
async def schema_db(db: Database) -> Database:
    await migrate.upgrade(db.engine)
    return db


async def test_hot_statements_run_in_the_scope_s_transaction(schema_db: Database) -> None:
    db = schema_db
    async with db.write() as conn:
        chat = await chats.insert_chat_txn(conn, kind="group", title="t", direct_key=None, now=1)
    with pytest.raises(RuntimeError):
        async with db.write() as conn:  # a Hot statement first: it begins the transaction
            assert await chats.next_seq_txn(conn, chat, 2) == 1
            started = (await conn.execute(STARTED)).scalar()
            assert (await conn.execute(STARTED)).scalar() == started
            raise RuntimeError("undo")
    async with db.write() as conn:
        row = await chats.append_event_txn(conn, chat_id=chat, sender_id=None, kind="system", now=3)
        assert (row.seq, row.mention_all, row.created_at) == (1, False, 3)
    async with db.read() as conn:
        stored = await chats.get_chat(conn, chat)
        assert stored is not None and stored.last_seq == 1  # the undone claim left no gap
        assert await chats.event_by_client_id(conn, 0, "none") is None


async def test_hot_statement_errors_are_sqlalchemy_s(
    schema_db: Database, own_database: PgDatabase
) -> None:
    db = schema_db
    async with db.write() as conn:
        chat = await chats.insert_chat_txn(conn, kind="group", title="t", direct_key=None, now=1)
        await chats.append_event_txn(conn, chat_id=chat, sender_id=None, kind="system", now=1)
    with pytest.raises(IntegrityError):  # the same seq twice
        async with db.write() as conn:
            await chats.append_event_txn(
                conn, chat_id=chat, sender_id=None, kind="system", now=2, seq=1
            )
    await kill_connections(own_database)
    with pytest.raises(DBAPIError):
        async with db.read() as conn:
            await chats.get_member(conn, chat, 1)
    async with db.read() as conn:  # the dead connection was replaced
        assert await chats.get_member(conn, chat, 1) is None


async def test_hot_list_binds_are_one_array(schema_db: Database) -> None:
    db = schema_db
    async with db.write() as conn:
        ids = [
            await chats.insert_chat_txn(conn, kind="group", title=t, direct_key=None, now=1)
            for t in ("a", "b", "c")
        ]
    async with db.read() as conn:
        assert sorted(await chats.get_chats(conn, [*ids[:2], 10**9])) == sorted(ids[:2])
        assert await chats._GET_CHATS.all(conn, {"ids": []}) == []
        assert (await chats.get_chats(conn, ids))[ids[2]].title == "c"
