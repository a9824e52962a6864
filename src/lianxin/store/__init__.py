"""Persistence: SQLAlchemy Core tables, queries per aggregate, Alembic migrations.

Query modules take a connection first; functions that must run inside a write
transaction end in ``_txn``. Nothing here knows HTTP or WebSocket.
"""
