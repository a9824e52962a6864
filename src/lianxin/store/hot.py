"""Statements on the send path, run without SQLAlchemy's per-execution work on SQLite.

``conn.execute(stmt)`` costs about 40 µs of Python per statement even for a prebuilt
statement (compile-cache lookup, parameter processing, result setup, a greenlet switch);
SQLite itself answers an indexed query in a few µs. A ``Hot`` statement is compiled
once for SQLite and, inside a SQLite scope, runs directly on the ``sqlite3``
connection (already inline on the loop, see ``sqlite_inline``); its rows are small
named tuples with the same attribute names as SQLAlchemy rows, with the column types'
result conversions (e.g. ``Boolean`` 0/1 -> bool) applied. On PostgreSQL it goes through
``conn.execute`` as before, so both backends run the same SQL.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Row
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

_DIALECT = sqlite.dialect(paramstyle="qmark")
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
            return int((await conn.execute(self.stmt, params)).rowcount)
        cur = raw.execute(*self._query(params))
        try:
            return int(cur.rowcount)
        finally:
            cur.close()


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
