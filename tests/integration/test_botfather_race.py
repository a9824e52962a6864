"""BotFather's account is created once even when every node of a cluster starts at once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from lianxin.actions import botfather
from lianxin.bus import MemoryBus
from lianxin.clock import Clock
from lianxin.config import Settings
from lianxin.services import Services
from lianxin.sms import ConsoleSms
from lianxin.store.db import Database
from lianxin.store.migrate import upgrade
from tests.conftest import requires_pg
from tests.harness import create_pg_database, drop_pg_database

pytestmark = pytest.mark.integration

NODES = 4


async def test_nodes_starting_together_share_one_botfather() -> None:
    requires_pg()
    database = await create_pg_database()
    settings = Settings(database_url=database.url, db_pool_size=2, db_pool_overflow=0)
    dbs = [Database(settings.effective_database_url, pool_size=2) for _ in range(NODES)]
    try:
        await upgrade(dbs[0].engine)
        for db in dbs:  # connected already, so the nodes' first reads really overlap
            async with db.read() as conn:
                await conn.execute(text("SELECT 1"))
        nodes = [Services(settings, db, MemoryBus(), ConsoleSms(), Clock()) for db in dbs]
        bots = await asyncio.gather(*(botfather.ensure_account(svc) for svc in nodes))
        assert len({bot.user_id for bot in bots}) == 1
        async with dbs[0].read() as conn:
            count = (
                await conn.execute(text("SELECT count(*) FROM users WHERE handle = 'botfather'"))
            ).scalar()
        assert count == 1
    finally:
        await asyncio.gather(*(db.close() for db in dbs))
        await drop_pg_database(database)
