"""Statements on the send path, run without SQLAlchemy's per-execution work.

``conn.execute(stmt)`` costs about 40 µs of Python per statement even for a prebuilt
statement (compile-cache lookup, parameter processing, result setup, a greenlet switch);
SQLite itself answers an indexed query in a few µs. A ``Hot`` statement is compiled
once per backend. Inside a SQLite scope it runs directly on the ``sqlite3`` connection
(already inline on the loop, see ``sqlite_inline``); on PostgreSQL directly on the scope's
asyncpg connection, as a prepared statement from asyncpg's own cache, inside the scope's
transaction if it has one. Rows are small named tuples with the same attribute names as
SQLAlchemy rows, with the column types' result conversions (e.g. ``Boolean`` 0/1 -> bool)
applied. An error on PostgreSQL goes through SQLAlchemy's handling (the same exception
classes, and a dead connection invalidates the pool), so callers see no difference.
A list bind (``in_``) is one array parameter on PostgreSQL (``= ANY($n)``).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any, NoReturn, cast

from sqlalchemy import Row
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

_DIALECT = sqlite.dialect(paramstyle="qmark")
_PG: Any = PGDialect_asyncpg()  # type: ignore[no-untyped-call]  # paramstyle numeric_dollar: $1, $2 ...
_INLINE_DRIVER = "lianxin"  # sqlite_inline: its DBAPI connection is sqlite3, used inline


class _RowBase(tuple[Any, ...]):
    """Rows also answer ``_mapping``, like SQLAlchemy's."""

    __slots__ = ()

    @property
    def _mapping(self) -> Mapping[str, Any]:
        return self._asdict()  # type: ignore[attr-defined,no-any-return]


def _row_type(names: list[str]) -> Any:
    base = namedtuple("HotRow", names)  # type: ignore[misc]
    return type("HotRow", (_RowBase, base), {"__slots__": ()})


class Hot:
    """One statement and its SQLite form: SQL text, bind order and a row maker."""

    def __init__(self, stmt: Executable, keys: tuple[str, ...] | None = None) -> None:
        self.stmt = stmt
        # ``keys``: for an INSERT, the columns it sets (SQLAlchemy compiles per key set).
        clause = cast(ClauseElement, stmt)
        column_keys = list(keys) if keys else None
        compiled = cast(SQLCompiler, clause.compile(dialect=_DIALECT, column_keys=column_keys))
        self.sql = compiled.string
        self.order = tuple(compiled.positiontup or ())
        procs = cast(dict[str, Callable[[Any], Any]], compiled._bind_processors)
        # Literals in the statement (``last_seq + 1``) are binds with a fixed value.
        fixed = {n: b.effective_value for n, b in compiled.binds.items() if not b.required}
        self.binds = tuple((n, n in fixed, fixed.get(n)) for n in self.order)
        self.has_fixed = any(f for _, f, _ in self.binds)
        # One C call picks the parameters in bind order (itemgetter of one key is no tuple).
        self.pick = itemgetter(*self.order) if len(self.order) > 1 else None
        self.bind_conv = tuple(
            (i, procs[n]) for i, n in enumerate(self.order) if procs.get(n) is not None
        )
        self.bind_procs = {n: procs[n] for n in self.order if procs.get(n) is not None}
        # ``bindparam(name, expanding=True)`` (``col.in_(...)``): a list, one ``?`` per item.
        self.expanding = {n for n in self.order if compiled.binds[n].expanding}
        self._sized: dict[tuple[int, ...], str] = {}
        cols = compiled._result_columns or []
        self.names = [c[0] for c in cols]
        self.procs: list[Callable[[Any], Any] | None] = [
            c[3]._cached_result_processor(_DIALECT, None) for c in cols
        ]
        # Only the columns that need a conversion are touched per row.
        self.conv = tuple((i, p) for i, p in enumerate(self.procs) if p)
        self.row = _row_type(self.names) if cols else None
        self.pg = _PgForm.make(clause, column_keys, self.row, self.expanding)

    def _query(self, params: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """The SQL text and its parameters (expanding lists spelled out)."""
        if not self.expanding:
            return self.sql, self._params(params)
        sizes = tuple(len(params[n]) for n in self.order if n in self.expanding)
        sql = self._sized.get(sizes)
        if sql is None:
            sql = self.sql
            names = [n for n in self.order if n in self.expanding]
            for name, size in zip(names, sizes, strict=True):
                sql = sql.replace(f"__[POSTCOMPILE_{name}]", ", ".join("?" * size), 1)
            self._sized[sizes] = sql
        out: list[Any] = []
        for name, is_fixed, value in self.binds:
            proc = self.bind_procs.get(name)
            if name in self.expanding:  # a list bind is never a literal
                items: list[Any] = list(params[name])
                out.extend([proc(x) for x in items] if proc else items)
            else:
                v = value if is_fixed else params[name]
                out.append(proc(v) if proc else v)
        return sql, tuple(out)

    def _params(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        if self.has_fixed:
            out = [value if is_fixed else params[name] for name, is_fixed, value in self.binds]
        elif self.pick is not None:
            picked: tuple[Any, ...] = self.pick(params)
            if not self.bind_conv:
                return picked
            out = list(picked)
        else:
            out = [params[name] for name in self.order]
        for i, proc in self.bind_conv:
            out[i] = proc(out[i])
        return tuple(out)

    def _make(self, values: tuple[Any, ...]) -> Any:
        if self.conv:
            converted = list(values)
            for i, proc in self.conv:
                converted[i] = proc(converted[i])
            return self.row._make(converted)  # type: ignore[union-attr]
        return self.row._make(values)  # type: ignore[union-attr]

    async def first(self, conn: AsyncConnection, params: Mapping[str, Any]) -> Row[Any] | None:
        """The first row or None (on SQLite a row that quacks like ``Row``)."""
        raw = sqlite_raw(conn) or await _raw_begun(conn)
        if raw is None:
            pg = await _pg_raw(conn) if self.pg else None
            if pg is not None and self.pg:
                return cast("Row[Any] | None", await self.pg.first(conn, pg, params))
            return (await conn.execute(self.stmt, params)).first()
        cur = raw.execute(*self._query(params))
        try:
            values = cur.fetchone()
            return None if values is None else cast("Row[Any]", self._make(values))
        finally:
            cur.close()

    async def all(self, conn: AsyncConnection, params: Mapping[str, Any]) -> list[Row[Any]]:
        """Every row (on SQLite rows that quack like ``Row``)."""
        raw = await _raw_begun(conn)
        if raw is None:
            pg = await _pg_raw(conn) if self.pg else None
            if pg is not None and self.pg:
                return await self.pg.all(conn, pg, params)
            return list((await conn.execute(self.stmt, params)).all())
        cur = raw.execute(*self._query(params))
        try:
            return [cast("Row[Any]", self._make(values)) for values in cur.fetchall()]
        finally:
            cur.close()

    async def scalars(self, conn: AsyncConnection, params: Mapping[str, Any]) -> list[Any]:
        """The first column of every row."""
        raw = await _raw_begun(conn)
        if raw is None:
            pg = await _pg_raw(conn) if self.pg else None
            if pg is not None and self.pg:
                return [r[0] for r in await self.pg.all(conn, pg, params)]
            return list((await conn.execute(self.stmt, params)).scalars())
        cur = raw.execute(*self._query(params))
        try:
            proc = self.procs[0]
            rows = cur.fetchall()
            return [proc(r[0]) for r in rows] if proc else [r[0] for r in rows]
        finally:
            cur.close()

    async def rowcount(self, conn: AsyncConnection, params: Mapping[str, Any]) -> int:
        """Run a statement without rows; how many rows it changed."""
        raw = sqlite_raw(conn)
        if raw is None:
            pg = await _pg_raw(conn) if self.pg else None
            if pg is not None and self.pg:
                return await self.pg.rowcount(conn, pg, params)
            return int((await conn.execute(self.stmt, params)).rowcount)
        cur = raw.execute(*self._query(params))
        try:
            return int(cur.rowcount)
        finally:
            cur.close()


class _PgForm:
    """A ``Hot`` statement's PostgreSQL form, run on the asyncpg connection itself."""

    @classmethod
    def make(
        cls, clause: ClauseElement, column_keys: list[str] | None, row: Any, expanding: set[str]
    ) -> _PgForm | None:
        """The PostgreSQL form; None for a statement it cannot spell (SQLAlchemy runs it)."""
        compiled = cast(SQLCompiler, clause.compile(dialect=_PG, column_keys=column_keys))
        sql = compiled.string
        order = [n for n in compiled.positiontup or () if n not in expanding]
        # A list bind is one array parameter: ``col IN (…)`` as ``col = ANY($n)`` (the same
        # answer, an empty list included), numbered after the others, one prepared statement
        # for every length.
        for name in [n for n in compiled.positiontup or () if n in expanding]:
            spelled = f"IN (__[POSTCOMPILE_{name}])"
            if sql.count(spelled) != 1:
                return None
            order.append(name)
            sql = sql.replace(spelled, f"= ANY(${len(order)})")
        if "POSTCOMPILE" in sql:
            return None
        return cls(compiled, sql, tuple(order), row)

    def __init__(self, compiled: SQLCompiler, sql: str, order: tuple[str, ...], row: Any) -> None:
        self.sql = sql
        procs = cast(dict[str, Callable[[Any], Any]], compiled._bind_processors)
        fixed = {n: b.effective_value for n, b in compiled.binds.items() if not b.required}
        self.binds = tuple((n, n in fixed, fixed.get(n), procs.get(n)) for n in order)
        cols = compiled._result_columns or []
        self.conv = tuple(
            (i, p)
            for i, c in enumerate(cols)
            if (p := c[3]._cached_result_processor(_PG, None)) is not None
        )
        self.row = row

    def _args(self, params: Mapping[str, Any]) -> list[Any]:
        out: list[Any] = []
        for name, is_fixed, value, proc in self.binds:
            v = value if is_fixed else params[name]
            if isinstance(v, (list, tuple, set, frozenset)):  # a list bind: one array
                out.append([proc(x) for x in v] if proc else list(v))
            else:
                out.append(proc(v) if proc else v)
        return out

    def _make(self, record: Any) -> Any:
        if self.conv:
            values = list(record)
            for i, proc in self.conv:
                values[i] = proc(values[i])
            return self.row._make(values)
        return self.row._make(record)

    async def first(self, conn: AsyncConnection, raw: Any, params: Mapping[str, Any]) -> Any:
        args = self._args(params)
        try:
            record = await raw.fetchrow(self.sql, *args)
        except Exception as exc:
            await _pg_failed(conn, exc, self.sql, args)
        return None if record is None else self._make(record)

    async def all(self, conn: AsyncConnection, raw: Any, params: Mapping[str, Any]) -> list[Any]:
        args = self._args(params)
        try:
            records = await raw.fetch(self.sql, *args)
        except Exception as exc:
            await _pg_failed(conn, exc, self.sql, args)
        return [self._make(r) for r in records]

    async def rowcount(self, conn: AsyncConnection, raw: Any, params: Mapping[str, Any]) -> int:
        args = self._args(params)
        try:
            status: str = await raw.execute(self.sql, *args)  # e.g. "UPDATE 1"
        except Exception as exc:
            await _pg_failed(conn, exc, self.sql, args)
        return int(status.rpartition(" ")[2] or 0)


async def _pg_raw(conn: AsyncConnection) -> Any:
    """The asyncpg connection behind ``conn`` on PostgreSQL (else None), inside the
    scope's transaction: SQLAlchemy's driver begins it lazily, at a scope's first
    statement, and so does this."""
    sync = conn.sync_connection
    if sync is None or sync.dialect.name != "postgresql":
        return None
    adapter: Any = sync.connection.dbapi_connection
    if adapter._transaction is None and not adapter.autocommit:
        try:
            await adapter._start_transaction()  # raises SQLAlchemy's errors itself
        except Exception as exc:
            await _pg_failed(conn, exc, "BEGIN", [])
    return adapter._connection


async def _pg_failed(conn: AsyncConnection, exc: Exception, sql: str, args: list[Any]) -> NoReturn:
    """Raise ``exc`` as ``conn.execute`` would: SQLAlchemy's exception class, and a dead
    connection invalidated (with the pool's older connections)."""
    adapter: Any = conn.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
    try:
        adapter._handle_exception(exc)  # the DBAPI error class, as the driver raises it
    except Exception as dbapi_exc:
        err = dbapi_exc

    def handle(sync: Any) -> None:
        sync._handle_dbapi_exception(err, sql, tuple(args), None, None)

    await conn.run_sync(handle)
    raise exc  # not reached: SQLAlchemy raises


# The open write batch's connection -> its sqlite3 connection (``store/db.py`` keeps this
# current): the statements of a send find it with one lookup instead of asking SQLAlchemy.
_writers: dict[int, Any] = {}  # by id(): AsyncConnection hashes in Python


def note_writer(conn: AsyncConnection, raw: Any) -> None:
    """``conn`` has begun a write transaction on the sqlite3 connection ``raw``."""
    _writers[id(conn)] = raw


def forget_writer(conn: AsyncConnection) -> None:
    """``conn``'s write transaction is about to end."""
    _writers.pop(id(conn), None)


def sqlite_raw(conn: AsyncConnection) -> Any:
    """The sqlite3 connection behind ``conn``; None on other backends, and before the
    scope's transaction has begun (SQLAlchemy begins it, so the scope's reads share one
    snapshot)."""
    raw = _writers.get(id(conn))
    if raw is not None:
        return raw
    sync = conn.sync_connection
    if sync is None or sync.dialect.driver != _INLINE_DRIVER or not sync.in_transaction():
        return None
    return sync.connection.dbapi_connection


async def _raw_begun(conn: AsyncConnection) -> Any:
    """Like ``sqlite_raw``, but a read scope's transaction is begun first if it has not
    been, so the scope's later statements share its snapshot. The BEGIN goes straight to
    sqlite3 (SQLAlchemy's begin costs more than the reads); a SQLAlchemy statement later
    in the scope joins that transaction (see ``db._on_begin``) and ``Database.read``
    ends it."""
    sync = conn.sync_connection
    if sync is None or sync.dialect.driver != _INLINE_DRIVER:
        return None
    raw = sync.connection.dbapi_connection
    if not raw.in_transaction:  # type: ignore[union-attr]
        raw.execute("BEGIN").close()  # type: ignore[union-attr]
    return raw
