"""Migrations build exactly the schema ``store/tables.py`` describes, on every database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from lianxin.store.migrate import current_revision, head_revisions, upgrade
from lianxin.store.schema import metadata
from lianxin.store.tables import throttles
from tests.conftest import requires_pg
from tests.harness import create_pg_database, drop_pg_database

HEAD = head_revisions()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
async def empty_engine(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    """An engine on a brand-new, empty database of each kind."""
    if request.param == "sqlite":
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
        yield engine
        await engine.dispose()
        return
    requires_pg()
    db = await create_pg_database()
    engine = create_async_engine("postgresql+asyncpg://" + db.url.split("://", 1)[1])
    try:
        yield engine
    finally:
        await engine.dispose()
        await drop_pg_database(db)


def _differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def schema_differences(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return await conn.run_sync(_differences)


async def test_upgrade_builds_the_declared_schema(empty_engine: AsyncEngine) -> None:
    assert await current_revision(empty_engine) is None
    assert await schema_differences(empty_engine) != []  # the comparison does see tables
    await upgrade(empty_engine)
    assert await current_revision(empty_engine) == HEAD
    assert await schema_differences(empty_engine) == []


async def test_upgrading_twice_changes_nothing(empty_engine: AsyncEngine) -> None:
    await upgrade(empty_engine)
    async with empty_engine.begin() as conn:
        await conn.execute(insert(throttles).values(key="k", window_start=1, hits=3, last_at=1))
    await upgrade(empty_engine)
    assert await current_revision(empty_engine) == HEAD
    assert await schema_differences(empty_engine) == []
    async with empty_engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(throttles))).scalar() == 1
