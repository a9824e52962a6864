"""The database handle: an async SQLAlchemy engine plus read/write transaction scopes.

SQLite (embedded) allows one writer at a time. Write scopes in this process therefore
queue on an asyncio lock, and consecutive scopes share one transaction (group commit):
each scope runs inside a SAVEPOINT of the batch's transaction, so a scope that fails
undoes only its own writes, and leaving the scope waits until the whole batch has
committed. One fsync then covers every write that queued meanwhile, instead of one
fsync per message. PostgreSQL takes row locks instead and commits each scope itself.
SQLite statements run inline on the event loop (``sqlite_inline``), commits in a thread;
every batch writes on one connection that stays checked out between batches.

On PostgreSQL every statement is a round trip, so scopes add none of their own: read
scopes run in autocommit (under READ COMMITTED each statement takes its own snapshot
anyway, so BEGIN / ROLLBACK around reads bought nothing), and the pool does not ping a
connection at checkout (``pool_pre_ping`` cost BEGIN, a query and ROLLBACK per scope).
A connection that died with its server fails one statement; SQLAlchemy then discards
the whole pool's connections, and the next scopes open fresh ones. ``raw_pg`` lends a
pooled connection's asyncpg connection itself, for statements that skip SQLAlchemy
(``store/pg_send.py``); it keeps the same rule for a dead connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any

import asyncpg
from sqlalchemy import Connection, event, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util import await_

from lianxin.store import hot, sqlite_inline

if TYPE_CHECKING:
    from lianxin.store import pg_send

_CONNECTION_LOST = (
    OSError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # the protocol lost track: do not reuse the connection
)
_WRITER = "lianxin_writer"  # execution option: this connection's transactions write
READERS_KEPT = 8  # idle SQLite read connections kept for the next read scopes


class _Batch:
    """One SQLite write transaction shared by the scopes that queued while it was open."""

    def __init__(self, conn: AsyncConnection, raw: Any) -> None:
        self.conn = conn
        self.raw = raw  # the sqlite3 connection (sqlite_inline runs it on the loop)
        # One future per scope that left cleanly, resolved by the commit: a scope whose
        # task is cancelled cancels only its own (no ``shield`` per scope needed).
        self.waiters: list[asyncio.Future[None]] = []
        self.broken: BaseException | None = None


class _Scope:
    """``Database.write()`` on SQLite: a savepoint of the open batch, held under the write
    lock; leaving it waits for the batch's commit. A class, not ``asynccontextmanager``:
    this runs once per message."""

    __slots__ = ("batch", "db")

    def __init__(self, db: Database) -> None:
        self.db = db
        self.batch: _Batch | None = None

    async def __aenter__(self) -> AsyncConnection:
        db = self.db
        await db._write_lock.acquire()
        try:
            batch = db._batch or await db._open_batch()
            # The savepoint goes straight to sqlite3 (microseconds): SQLAlchemy's
            # begin_nested compiles SAVEPOINT / RELEASE anew each time, which cost as
            # much as the statements of a send. No code inside a scope nests its own.
            db._end(batch, "SAVEPOINT w")
        except BaseException:
            db._write_lock.release()
            raise
        self.batch = batch
        return batch.conn

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        db, batch = self.db, self.batch
        assert batch is not None
        try:
            if exc_type is not None:
                db._end(batch, "ROLLBACK TO w", "RELEASE w")
                return
            db._end(batch, "RELEASE w")
            waiter = asyncio.get_running_loop().create_future()
            batch.waiters.append(waiter)
        finally:
            db._write_lock.release()
        await waiter


class Database:
    def __init__(
        self,
        url: str,
        *,
        sqlite_synchronous: str = "FULL",
        pool_size: int = 20,
        max_overflow: int = 20,
    ) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            url = make_url(url).set(drivername=sqlite_inline.DRIVERNAME).render_as_string()
        else:
            kwargs.update(pool_size=pool_size, max_overflow=max_overflow)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self._reader = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._write_lock = asyncio.Lock()
        self._batch: _Batch | None = None
        self._committers: set[asyncio.Task[None]] = set()
        self._writer: AsyncConnection | None = None  # SQLite: see ``_connect_writer``
        self._writer_raw: Any = None
        self._readers: list[AsyncConnection] = []
        if self.is_sqlite:
            _configure_sqlite(self.engine, sqlite_synchronous)
        else:
            _configure_pg(self.engine)
        self.pg_texts = None if self.is_sqlite else _pg_sender(self)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads (no writes: they would bypass the SQLite write queue).

        On SQLite a scope's reads share one snapshot, taken at its first statement and
        ended when the scope exits, so a scope sees every commit made before it began; the
        connections of finished scopes are kept and reused (a pool checkout and return
        cost more than the indexed reads of a typical scope). On PostgreSQL reads run in
        autocommit: under READ COMMITTED each statement takes its own snapshot anyway.
        """
        if not self.is_sqlite:
            async with self._reader.connect() as conn:
                yield conn
            return
        idle = self._readers
        conn = idle.pop() if idle else await self.engine.connect()
        try:
            yield conn
        except BaseException:
            await conn.close()
            raise
        # End the snapshot, so the next scope sees newer commits: through SQLAlchemy if
        # it began the transaction, else on sqlite3 (``Hot`` reads begin it there).
        if conn.in_transaction():
            await conn.rollback()
        else:
            raw = conn.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
            if raw.in_transaction:  # type: ignore[union-attr]
                raw.rollback()  # type: ignore[union-attr]
        if len(idle) < READERS_KEPT and not conn.invalidated:
            idle.append(conn)
        else:
            await conn.close()

    @asynccontextmanager
    async def raw_pg(self) -> AsyncIterator[Any]:
        """PostgreSQL only: the asyncpg connection of a pooled connection in autocommit.

        Each statement on it is its own transaction. Statements run through asyncpg's
        own prepared-statement cache, with none of SQLAlchemy's per-execution work (a
        send on the hot path is one round trip, ``pg_send``). If the connection turns
        out dead, the pool is invalidated as SQLAlchemy does for its own statements.
        """
        async with self._reader.connect() as conn:
            fairy = await conn.get_raw_connection()
            raw: Any = fairy.driver_connection
            try:
                yield raw
            except BaseException as exc:
                if raw.is_closed() or isinstance(exc, _CONNECTION_LOST):
                    # Like SQLAlchemy's disconnect handling: this connection and every
                    # other pooled one opened before now are replaced.
                    self.engine.sync_engine.pool._invalidate(fairy, exc, _checkin=False)
                    await conn.invalidate(exc if isinstance(exc, Exception) else None)
                raise

    def write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A transaction scope: durable once the block exits cleanly, undone if it raises."""
        if not self.is_sqlite:
            return self.engine.begin()
        return _Scope(self)

    @staticmethod
    def _end(batch: _Batch, *sql: str) -> None:
        """Run savepoint statements; if one fails the batch's transaction is unusable."""
        try:
            for statement in sql:
                batch.raw.execute(statement).close()
        except BaseException as exc:
            batch.broken = exc
            raise

    async def _open_batch(self) -> _Batch:
        """Start a batch and queue its committer behind every scope already waiting.

        Scopes that queued before the committer join this batch; later ones wait for
        the commit and start the next batch, so a batch never grows without bound.
        """
        conn = self._writer or await self._connect_writer()
        try:
            await conn.begin()  # BEGIN IMMEDIATE (``_on_begin``)
        except BaseException:
            self._writer = None
            await conn.close()
            raise
        batch = self._batch = _Batch(conn, self._writer_raw)
        hot.note_writer(conn, batch.raw)
        task = asyncio.create_task(self._commit(batch))
        self._committers.add(task)
        task.add_done_callback(self._committers.discard)
        return batch

    async def _connect_writer(self) -> AsyncConnection:
        """The connection every batch writes on, kept between batches: at a low rate
        most batches hold one send, and a pool checkout, its return (a ROLLBACK) and
        SQLAlchemy's connection setup cost as much as the send's own statements."""
        conn = await (await self.engine.connect()).execution_options(**{_WRITER: True})
        self._writer_raw = (await conn.get_raw_connection()).dbapi_connection
        self._writer = conn
        return conn

    async def _commit(self, batch: _Batch) -> None:
        async with self._write_lock:
            self._batch = None
            hot.forget_writer(batch.conn)
            try:
                if batch.broken is not None:
                    raise batch.broken
                await batch.conn.commit()
                for waiter in batch.waiters:
                    if not waiter.done():
                        waiter.set_result(None)
            except BaseException as exc:
                for waiter in batch.waiters:
                    if not waiter.done():
                        waiter.set_exception(exc)
                self._writer = None  # the next batch starts on a fresh connection
                try:
                    await batch.conn.rollback()
                finally:
                    await batch.conn.close()

    async def close(self) -> None:
        readers, self._readers = self._readers, []
        for conn in readers:
            await conn.close()
        if self._committers:
            await asyncio.gather(*self._committers, return_exceptions=True)
        writer, self._writer = self._writer, None
        if writer is not None:
            await writer.close()
        await self.engine.dispose()


def _pg_sender(db: Database) -> pg_send.Sender:
    from lianxin.store import pg_send  # it imports this module

    return pg_send.Sender(db)


def _configure_pg(engine: AsyncEngine) -> None:
    from lianxin.store import pg_send  # it imports this module

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # The one-round-trip send's function, in this session's own schema (pg_send).
        await_(dbapi_conn.driver_connection.execute(pg_send.FUNCTION))


def _configure_sqlite(engine: AsyncEngine, synchronous: str) -> None:
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError(f"sqlite synchronous must be FULL or NORMAL, not {synchronous!r}")

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # SQLAlchemy, not the driver, decides where transactions begin (see _on_begin):
        # the driver's own implicit BEGIN would break SAVEPOINT.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={sqlite_inline.BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes SQLite's write lock up front: a read transaction that later
        # writes could otherwise fail with SQLITE_BUSY when another process wrote first.
        if conn.get_execution_options().get(_WRITER, False):
            sqlite_inline.begin_immediate(conn.connection.dbapi_connection)  # type: ignore[arg-type]
            return
        # A read scope's ``Hot`` statements may have begun the transaction on sqlite3
        # already; SQLAlchemy then joins it. A plain BEGIN never waits: straight to sqlite3.
        raw = conn.connection.dbapi_connection
        if not raw.in_transaction:  # type: ignore[union-attr]
            raw.execute("BEGIN").close()  # type: ignore[union-attr]
