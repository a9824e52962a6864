"""``--cluster N``: N ``lianxin serve`` nodes on PostgreSQL + Redis, private to one run.

The run gets a fresh database (created next to ``--database-url``'s, dropped at the
end) and its own Redis prefix (its keys deleted at the end), so runs never see each
other's users or channels. Every node gets the same media and contacts secrets, as an
operator would configure a real cluster, and a connection pool sized so that all nodes
together stay within the connections PostgreSQL has free (a default server allows 100:
three nodes at the default 20 + 20 would fail bursts with "too many clients").
"""

from __future__ import annotations

import asyncio
import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit

from lianxin.bench.proc import ServerProcess, cpu_seconds

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class ClusterError(Exception):
    """PostgreSQL or Redis is unreachable, or a node did not start."""


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class Cluster:
    def __init__(self, nodes: int, root: Path, *, pg_url: str, redis_url: str) -> None:
        if nodes < 1:
            raise ClusterError("--cluster is at least 1 node")
        self.size = nodes
        self.root = root
        self.pg_url = pg_url
        self.redis_url = redis_url
        tag = secrets.token_hex(5)
        self.db_name = f"lianxin_bench_{tag}"
        self.prefix = f"lxbench{tag}"
        base, sep, query = pg_url.partition("?")  # keep e.g. ?host=/run/postgresql
        self.database_url = f"{base.rsplit('/', 1)[0]}/{self.db_name}{sep}{query}"
        self.nodes: list[ServerProcess] = []
        self.redis_pid: int | None = None
        self.pool = (20, 20)  # per node: pool size, overflow
        self._created = False

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    @property
    def pids(self) -> list[int]:
        return [n.pid for n in self.nodes if n.pid is not None]

    def create(self) -> None:
        """Check Redis, then create the database (the seeding migrates it)."""
        self.redis_pid = self._redis_check()
        free = asyncio.run(self._admin(f'CREATE DATABASE "{self.db_name}"'))
        self._created = True
        per_node = min(40, (free - 10) // self.size)  # 10 spare: seeding, psql, others
        if per_node < 2:
            raise ClusterError(
                f"PostgreSQL has {free} connections free: too few for {self.size} nodes "
                "(raise max_connections or use fewer nodes)"
            )
        pool = min(20, max(1, per_node // 2))
        self.pool = (pool, per_node - pool)

    def start(self, timeout: float = 90.0) -> None:
        secret = secrets.token_hex(32)
        env = {
            "LIANXIN_DATABASE_URL": self.database_url,
            "LIANXIN_REDIS_URL": self.redis_url,
            "LIANXIN_REDIS_PREFIX": self.prefix,
            "LIANXIN_MEDIA_SECRET": secret,
            "LIANXIN_CONTACTS_SECRET": secret,
            "LIANXIN_DB_POOL_SIZE": str(self.pool[0]),
            "LIANXIN_DB_POOL_OVERFLOW": str(self.pool[1]),
        }
        self.nodes = [ServerProcess(self.root / f"node{i + 1}", env=env) for i in range(self.size)]
        for node in self.nodes:
            node.launch()
        deadline = time.monotonic() + timeout
        try:
            for node in self.nodes:
                node.wait_ready(deadline)
        except RuntimeError as exc:
            raise ClusterError(str(exc)) from None

    def dead_nodes(self) -> list[str]:
        return [
            f"node {n.url} exited: {n.log_tail(500)}"
            for n in self.nodes
            if n.proc is not None and n.proc.poll() is not None
        ]

    def stop(self) -> None:
        """Stop the nodes, drop the database, delete the run's Redis keys."""
        for node in self.nodes:
            if node.proc is not None and node.proc.poll() is None:
                node.proc.terminate()
        for node in self.nodes:
            node.stop()
        if self._created:
            asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))
            self._created = False
        self._redis_cleanup()

    async def _admin(self, sql: str) -> int:
        """Run one statement as the admin; returns the connections PostgreSQL has free."""
        import asyncpg

        try:
            conn = await asyncpg.connect(self.pg_url, timeout=5)
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            where = urlsplit(self.pg_url)
            place = f"{where.hostname or 'localhost'}:{where.port or 5432}"
            if "host=" in where.query:
                place = where.query
            raise ClusterError(
                f"cannot reach PostgreSQL at {place} (--database-url): {_one_line(exc)}"
            ) from None
        try:
            await conn.execute(sql)
            free = await conn.fetchval(
                "SELECT current_setting('max_connections')::int"
                " - current_setting('superuser_reserved_connections')::int"
                " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
            )
            return int(free)
        except asyncpg.PostgresError as exc:
            raise ClusterError(f"PostgreSQL refused {sql.split()[0]}: {_one_line(exc)}") from None
        finally:
            await conn.close()

    def _redis_check(self) -> int | None:
        import redis

        try:
            with redis.Redis.from_url(self.redis_url, socket_connect_timeout=3) as client:
                info = client.info("server")
        except (redis.RedisError, ValueError) as exc:
            raise ClusterError(
                f"cannot reach Redis at {self.redis_url} (--redis-url): {_one_line(exc)}"
            ) from None
        pid = info.get("process_id") if isinstance(info, dict) else None
        return int(pid) if pid else None

    def redis_used_memory(self) -> int | None:
        """Redis ``used_memory`` (bytes, ``INFO memory``), or None if unreadable."""
        import redis

        try:
            with redis.Redis.from_url(self.redis_url, socket_connect_timeout=3) as client:
                info = client.info("memory")
        except redis.RedisError:
            return None
        used = info.get("used_memory") if isinstance(info, dict) else None
        return int(used) if used is not None else None

    def _redis_cleanup(self) -> None:
        import redis

        try:
            with redis.Redis.from_url(self.redis_url, socket_connect_timeout=3) as client:
                keys = list(client.scan_iter(match=f"{self.prefix}:*", count=1000))
                for i in range(0, len(keys), 1000):
                    client.delete(*keys[i : i + 1000])
        except redis.RedisError:
            pass  # presence keys expire by themselves within 90 s


class BackendCpu:
    """CPU seconds of the PostgreSQL backends serving one database, cumulative.

    Backends come and go with the nodes' pools: each call adds what every backend seen
    so far has used (an exited backend keeps its last reading), so the difference of two
    calls is what the database did between them.
    """

    def __init__(self, db_name: str) -> None:
        self.db_name = db_name
        self.seen: dict[int, float] = {}

    def __call__(self) -> float:
        for pid in pg_backend_pids(self.db_name):
            cpu = cpu_seconds(pid)
            if cpu is not None:
                self.seen[pid] = cpu
        return sum(self.seen.values())


def pg_backend_pids(db_name: str) -> list[int]:
    """PostgreSQL backends serving one database (their cmdline names it), via /proc."""
    pids: list[int] = []
    needle = f" {db_name} ".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.startswith(b"postgres:") and needle in cmdline:
            pids.append(int(entry.name))
    return pids
