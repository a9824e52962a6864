"""`lianxin bench` against several nodes on PostgreSQL + Redis, through the real CLI.

``--cluster N`` starts the nodes itself on a temporary database and Redis prefix;
``--url`` (repeated) drives nodes someone else runs. Every run must deliver each acked
message exactly once while the two ends of a pair (or a group's members) sit on
different nodes, so the traffic crosses the Redis bus.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis

from lianxin.bench.proc import ServerProcess
from tests.conftest import requires_pg, requires_redis
from tests.harness import (
    PG_ADMIN_URL,
    REDIS_URL,
    PgDatabase,
    create_pg_database,
    drop_pg_database,
    run,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(150)]


def bench(*args: str) -> dict[str, Any]:
    requires_pg()
    requires_redis()
    out = subprocess.run(
        [sys.executable, "-m", "lianxin", "bench", *args, "--json", "--timeout", "90"],
        capture_output=True,
        timeout=140,
        check=False,
    )
    assert out.returncode == 0, out.stderr.decode()[-3000:] + out.stdout.decode()[-3000:]
    result: dict[str, Any] = json.loads(out.stdout)
    assert (result["errors"], result["lost"], result["duplicated"]) == (0, 0, 0), result
    return result


def cluster(nodes: int) -> tuple[str, ...]:
    return ("--cluster", str(nodes), "--database-url", PG_ADMIN_URL, "--redis-url", REDIS_URL)


async def _database_exists(name: str) -> bool:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


def assert_cleaned_up(result: dict[str, Any]) -> None:
    assert not asyncio.run(_database_exists(result["database"]))
    with redis.Redis.from_url(REDIS_URL) as client:
        assert list(client.scan_iter(match=f"{result['redis_prefix']}:*")) == []


def test_direct_on_a_two_node_cluster() -> None:
    r = bench("direct", *cluster(2), "--pairs", "4", "--messages", "10", "--workers", "2")
    assert r["nodes"] == 2 and len(set(r["urls"])) == 2
    assert r["delivered"] == r["acked"] == 40
    assert r["server"].startswith("cluster of 2")
    # CPU is summed over both nodes, and the database's and Redis's are reported too.
    for key in ("server_cpu_s", "db_cpu_s", "redis_cpu_s"):
        assert r[key] is not None and r[key] >= 0, key
    assert r["server_rss_kb"] > 0
    assert_cleaned_up(r)


def test_group_spread_over_three_nodes() -> None:
    r = bench("group", *cluster(3), "--members", "9", "--senders", "3", "--messages", "4")
    assert r["nodes"] == 3
    assert r["acked"] == 12
    assert r["delivered"] == 12 * 8  # every member but the sender, on every node
    assert_cleaned_up(r)


@pytest.fixture
def two_nodes(tmp_path: Path) -> Iterator[tuple[PgDatabase, list[ServerProcess]]]:
    """Two ``lianxin serve`` processes on one database and Redis prefix, run by the test."""
    requires_pg()
    requires_redis()
    db = run(create_pg_database())
    env = {
        "LIANXIN_DATABASE_URL": db.url,
        "LIANXIN_REDIS_URL": REDIS_URL,
        "LIANXIN_REDIS_PREFIX": db.name,
        "LIANXIN_MEDIA_SECRET": "s" * 32,
        "LIANXIN_CONTACTS_SECRET": "s" * 32,
        "LIANXIN_DB_POOL_SIZE": "5",
    }
    nodes = [ServerProcess(tmp_path / name, env=env) for name in ("a", "b")]
    try:
        for node in nodes:
            node.start()
        yield db, nodes
    finally:
        for node in nodes:
            node.stop()
        run(drop_pg_database(db))


def test_resume_and_connect_against_running_nodes(
    two_nodes: tuple[PgDatabase, list[ServerProcess]],
) -> None:
    db, nodes = two_nodes
    urls = [n.url for n in nodes]
    pids = [str(n.pid) for n in nodes]
    common = ("--database-url", db.url, "--url", urls[0], "--url", urls[1])
    common += ("--server-pid", pids[0], "--server-pid", pids[1])
    r = bench("resume", *common, "--clients", "4", "--missed", "5", "--workers", "2")
    assert r["nodes"] == 2 and r["urls"] == urls
    assert r["delivered"] == r["acked"] == 20  # each client got exactly what it missed
    assert r["server_cpu_s"] > 0 and r["server_rss_kb"] > 0  # summed over both nodes
    r = bench("connect", "--database-url", db.url, "--url", ",".join(urls), "--devices", "6")
    assert r["nodes"] == 2 and r["delivered"] == 6
