"""Alembic environment: runs on the connection handed over by ``lianxin.store.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from lianxin.store.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `lianxin db upgrade`, not the alembic CLI")
_run(connection)
