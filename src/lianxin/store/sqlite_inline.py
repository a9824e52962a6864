"""SQLite for the async engine without a thread round trip per call.

The ``aiosqlite`` driver sends every cursor(), execute(), fetch and close() to a worker
thread and back: about four round trips per statement, which the send-path profile
showed as the largest single cost of a message. SQLite answers an indexed query in
microseconds, so this dialect runs the standard ``sqlite3`` driver inline, on the event
loop. Only what can block for long goes to a thread, so the loop keeps serving sockets
meanwhile: ``COMMIT`` (the fsync), and ``BEGIN IMMEDIATE`` when another process holds
SQLite's write lock. That lock is free almost always (the server is the only writer), so
``begin_immediate`` first tries it on the loop without waiting: each thread round trip
costs two thread wake-ups, which at a low message rate were a large part of a send.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.util.concurrency import await_, in_greenlet

BUSY_TIMEOUT_MS = 10_000  # how long a connection waits for a lock another one holds


async def _ready() -> None:
    """An awaitable that is done at once: tells SQLAlchemy's async layer we were async."""


def _may_block(call: Any, *args: Any) -> Any:
    if in_greenlet():
        return await_(asyncio.to_thread(call, *args))
    return call(*args)


def begin_immediate(raw: sqlite3.Connection) -> None:
    """``BEGIN IMMEDIATE`` on ``raw``: at once if SQLite's write lock is free, else in a
    thread that waits for it up to the busy timeout (from a greenlet: ``Connection``
    events run in one)."""
    run = sqlite3.Cursor.execute  # the plain driver's: no greenlet hand-off for these
    cur = sqlite3.Cursor(raw)
    run(cur, "PRAGMA busy_timeout=0")
    try:
        run(cur, "BEGIN IMMEDIATE")
        return
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # extended codes too
            raise
    finally:
        run(cur, f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}").close()
    _may_block(run, sqlite3.Cursor(raw), "BEGIN IMMEDIATE")


class _Cursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        if in_greenlet():
            await_(_ready())
        super().execute(sql, parameters)
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _Cursor:
        if in_greenlet():
            await_(_ready())
        super().executemany(sql, seq_of_parameters)
        return self

    async def _async_soft_close(self) -> None:
        """Asked of async cursors before results are read: sqlite3 rows stay readable."""


class _Connection(sqlite3.Connection):
    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)

    def commit(self) -> None:
        _may_block(super().commit)


class SQLiteDialect_inline(SQLiteDialect_pysqlite):  # SQLAlchemy names dialects so
    driver = "lianxin"
    is_async = True
    supports_statement_cache = True

    @classmethod
    def get_pool_class(cls, url: Any) -> type[pool.Pool]:
        return pool.AsyncAdaptedQueuePool

    def create_connect_args(self, url: Any) -> Any:
        args, opts = super().create_connect_args(url)
        # The loop thread runs statements and a helper thread commits, never both at once.
        opts.update(factory=_Connection, check_same_thread=False)
        return args, opts


DRIVERNAME = "sqlite+lianxin"
registry.register("sqlite.lianxin", __name__, "SQLiteDialect_inline")
