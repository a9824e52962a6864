"""`lianxin bench` end to end: every scenario at a tiny size through the real CLI."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from lianxin import fdlimit
from lianxin.bench.runner import BenchError, BenchOptions, check_fds, source_hosts
from lianxin.bench.workers import WorkerSpec, _host, _node

COMMON = (
    "scenario",
    "elapsed_s",
    "delivered",
    "msgs_per_s",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "errors",
    "lost",
    "duplicated",
    "server_rss_kb",
    "server_cpu_s",
    "client_cpu_s",
)


def bench(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "lianxin", "bench", *args, "--json", "--timeout", "40"],
        capture_output=True,
        timeout=50,
        check=False,
    )
    assert out.returncode == 0, out.stderr.decode()[-3000:] + out.stdout.decode()[-3000:]
    result: dict[str, Any] = json.loads(out.stdout)
    for key in COMMON:
        assert key in result, key
    assert result["errors"] == 0, result
    assert result["lost"] == 0, result
    assert result["duplicated"] == 0, result
    assert result["server_cpu_s"] is not None and result["server_cpu_s"] >= 0
    assert result["server_rss_kb"] > 0
    return result


def test_direct() -> None:
    r = bench("direct", "--pairs", "3", "--messages", "15", "--window", "3", "--workers", "2")
    assert r["scenario"] == "direct"
    assert (r["pairs"], r["messages"], r["window"], r["workers"]) == (3, 15, 3, 2)
    assert r["delivered"] == r["acked"] == 45
    assert r["msgs_per_s"] > 0
    assert 0 < r["p50_ms"] <= r["p95_ms"] <= r["p99_ms"]


def test_direct_at_a_fixed_rate() -> None:
    """--rate paces the senders: 2 pairs x 10 messages at 20/s take about a second."""
    r = bench("direct", "--pairs", "2", "--messages", "10", "--rate", "20")
    assert r["rate"] == 20
    assert r["delivered"] == r["acked"] == 20
    assert 0.8 <= r["elapsed_s"] < 5, r
    assert r["msgs_per_s"] <= 25, r


def test_group_at_a_fixed_rate() -> None:
    """--rate paces a group's senders too: 2 senders x 6 messages at 10/s take ~1.1 s."""
    r = bench("group", "--members", "5", "--senders", "2", "--messages", "6", "--rate", "10")
    assert r["rate"] == 10
    assert r["acked"] == 12 and r["delivered"] == 12 * 4
    assert 1.0 <= r["elapsed_s"] < 6, r
    assert r["msgs_per_s"] <= 4 * 12, r


def test_rate_is_for_direct_and_group_only() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lianxin", "bench", "idle", "--rate", "10", "--json"],
        capture_output=True,
        timeout=50,
        check=False,
    )
    assert out.returncode == 2
    assert b"--rate" in out.stderr


def test_group() -> None:
    r = bench("group", "--members", "6", "--senders", "2", "--messages", "4")
    assert r["acked"] == 8
    assert r["delivered"] == 8 * 5  # every message reaches every member but its sender
    assert r["p50_ms"] is not None and r["p99_ms"] >= r["p50_ms"]


def test_idle() -> None:
    r = bench("idle", "--connections", "20", "--hold", "0.5", "--workers", "2")
    assert r["connections"] == 20
    assert r["delivered"] == 20  # every connection still answers a ping after the hold
    assert "rss_kb_per_conn" in r


def test_connect() -> None:
    r = bench("connect", "--devices", "12", "--concurrency", "4")
    assert r["delivered"] == 12
    assert r["msgs_per_s"] > 0 and r["p50_ms"] > 0


def test_resume() -> None:
    r = bench("resume", "--clients", "5", "--missed", "6", "--workers", "2")
    assert r["acked"] == 30
    assert r["delivered"] == 30  # each client got exactly what it missed
    assert r["p99_ms"] is not None


def test_refuses_non_loopback_and_missing_seed_target() -> None:
    for args in (
        ["direct", "--url", "http://example.com:8080", "--data-dir", "/tmp/x"],
        ["direct", "--url", "http://127.0.0.1:9"],
    ):
        out = subprocess.run(
            [sys.executable, "-m", "lianxin", "bench", *args, "--json"],
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert out.returncode == 2, out.stderr.decode()
        assert b"error:" in out.stderr


def test_cluster_refuses_unreachable_services_in_one_line() -> None:
    for args in (
        ["--database-url", "postgresql://postgres@127.0.0.1:1/postgres"],
        ["--redis-url", "redis://127.0.0.1:1/0"],
    ):
        out = subprocess.run(
            [sys.executable, "-m", "lianxin", "bench", "direct", "--cluster", "2", *args],
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert out.returncode == 2, out.stderr.decode()
        errors = [line for line in out.stderr.decode().splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "cannot reach" in errors[0], out.stderr.decode()


def test_pair_ends_and_members_land_on_different_nodes() -> None:
    """With several --url nodes, a pair's sender and receiver never share one."""
    urls = ["http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"]
    for workers in (1, 2, 3):
        for w in range(workers):
            spec = WorkerSpec(scenario="direct", index=w, urls=urls, deadline=0.0, params={})
            ends = [(_node(spec, 2 * i), _node(spec, 2 * i + 1)) for i in range(6)]
            assert all(a != b for a, b in ends)
            assert {u for pair in ends for u in pair} == set(urls)


def test_too_many_connections_for_one_server_process_fail_up_front() -> None:
    """With a small open-files limit the bench says what to do before seeding anything."""
    out = subprocess.run(
        [sys.executable, "-m", "lianxin", "bench", "idle", "--connections", "1000"],
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (512, 512)),
        capture_output=True,
        timeout=30,
        check=False,
    )
    err = out.stderr.decode()
    assert out.returncode == 2, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    assert "1000 connections on one server process" in errors[0]
    assert "may open 512 files" in errors[0] and "--cluster 4" in errors[0]
    assert "seeding" not in err


def fd_check(limit: int, server_limits: list[int | None] | None = None, **kw: Any) -> BenchOptions:
    opts = BenchOptions(**kw)
    check_fds(opts, limit, server_limits or [])
    return opts


def test_fd_limits_per_node_and_per_worker() -> None:
    # 50,000 sockets here (hard limit 20,000): not on one node, fine on three.
    with pytest.raises(BenchError, match="--cluster 3"):
        fd_check(20_000, scenario="idle", connections=50_000)
    opts = fd_check(20_000, scenario="idle", connections=50_000, cluster=3)
    assert opts.workers == 3  # left to the bench: enough processes for the generator
    with pytest.raises(BenchError, match="use --workers 3 or more"):
        fd_check(20_000, scenario="idle", connections=50_000, cluster=3, workers=2)
    assert fd_check(20_000, scenario="idle", connections=50_000, cluster=3, workers=5).workers == 5
    assert fd_check(20_000, scenario="direct", pairs=500).workers == 1
    # resume holds one side at a time: 10,000 clients fit one node and one worker.
    assert fd_check(20_000, scenario="resume", clients=10_000).workers == 1
    # Against --url, the server's own limit (from /proc/<pid>/limits) counts.
    url = {"urls": ["http://127.0.0.1:8080"], "data_dir": Path("/tmp/x")}
    with pytest.raises(BenchError, match="raise the server's limit"):
        fd_check(20_000, [1024], scenario="idle", connections=5_000, **url)
    fd_check(20_000, [None], scenario="idle", connections=5_000, **url)  # unknown: no check
    assert fdlimit.process_nofile(os.getpid()) == resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def test_source_addresses_cover_the_ports_needed() -> None:
    with pytest.raises(BenchError, match="--source-addresses 2"):
        fd_check(20_000, scenario="idle", connections=50_000, cluster=3, source_addresses=1)
    fd_check(20_000, scenario="idle", connections=50_000, cluster=3, source_addresses=2)


def test_connections_spread_evenly_over_source_addresses() -> None:
    """50,000 connections over 4 workers and 16 addresses: ~3,125 per address, so no
    address comes near its ~28,000 ephemeral ports."""
    workers, total = 4, 50_000
    per_host: Counter[str] = Counter()
    for w in range(workers):
        spec = WorkerSpec(
            scenario="idle",
            index=w,
            urls=["http://127.0.0.1:1"],
            deadline=0.0,
            params={},
            source_hosts=source_hosts(16, w),
        )
        per_host.update(_host(spec, i) for i in range(len(range(w, total, workers))))
    assert set(per_host) == {f"127.0.0.{i}" for i in range(1, 17)}
    assert max(per_host.values()) - min(per_host.values()) <= workers
    assert source_hosts(300, 0)[-1] == "127.0.0.250"  # stays inside 127.0.0.0/24


pytestmark = pytest.mark.timeout(60)


# -- bulk seeding ---------------------------------------------------------------------------

_ROW_IDS = {
    "id",
    "created_at",
    "updated_at",
    "last_activity_at",
    "last_active_at",
    "since",
    "joined_at",
}


async def _seed_through_actions(data_dir: Path, n: int, pairs: list[tuple[int, int]]) -> None:
    """The reference: what ``bench.bulk`` replaces, user by user and pair by pair."""
    from lianxin.actions import contacts
    from lianxin.actions.accounts import Identity, do_create_user
    from lianxin.bus import MemoryBus
    from lianxin.clock import Clock
    from lianxin.config import Settings
    from lianxin.ids import DeviceId, UserId
    from lianxin.services import Services
    from lianxin.sms import ConsoleSms
    from lianxin.store.db import Database
    from lianxin.store.migrate import upgrade

    settings = Settings(data_dir=data_dir, sqlite_synchronous="NORMAL")
    db = Database(settings.effective_database_url, sqlite_synchronous="NORMAL")
    try:
        await upgrade(db.engine)
        svc = Services(settings, db, MemoryBus(), ConsoleSms(), Clock())
        who = []
        for i in range(n):
            signed = await do_create_user(svc, f"+8613900{i:06d}", f"bench{i}")
            who.append(Identity(UserId(int(signed.user["id"])), DeviceId(signed.device_id)))
        for a, b in pairs:
            req = await contacts.do_send_request(svc, who[a], who[b].user_id, "bench")
            await contacts.do_accept_request(svc, who[b], int(req["id"]))
    finally:
        await db.close()


def _rows(data_dir: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every non-empty table's rows, minus ids, times, phones and token hashes."""
    import sqlite3

    db = sqlite3.connect(data_dir / "lianxin.db")
    try:
        names = [
            r[0]
            for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if r[0] not in ("alembic_version", "sqlite_sequence")
        ]
        out = {}
        for name in names:
            cur = db.execute(f'SELECT * FROM "{name}"')
            cols = [c[0] for c in cur.description]
            keep = [i for i, c in enumerate(cols) if c not in (*_ROW_IDS, "phone", "token_hash")]
            rows = sorted(tuple(row[i] for i in keep) for row in cur)
            if rows:
                out[name] = rows
        return out
    finally:
        db.close()


def test_bulk_seed_writes_the_rows_the_actions_write(tmp_path: Path) -> None:
    from lianxin.bench.seed import seed

    pairs = [(0, 1), (2, 3), (0, 2)]
    (tmp_path / "actions").mkdir()
    asyncio.run(_seed_through_actions(tmp_path / "actions", 5, pairs))
    asyncio.run(seed(data_dir=tmp_path / "bulk", database_url=None, users=5, pairs=pairs))
    expected, got = _rows(tmp_path / "actions"), _rows(tmp_path / "bulk")
    assert sorted(got) == sorted(expected)
    for table, rows in expected.items():
        assert got[table] == rows, table


async def test_bulk_seeded_users_sign_in_sync_and_chat(tmp_path: Path) -> None:
    from lianxin.bench.seed import seed
    from lianxin.client import Client
    from tests.harness import ServerThread, test_settings

    seeded = await seed(data_dir=tmp_path, database_url=None, users=3, pairs=[(0, 1), (1, 2)])
    server = ServerThread(test_settings(tmp_path)).start()
    try:
        a, b = (Client(server.url, token=seeded.tokens[i]) for i in (0, 1))
        async with a, b:
            assert (await a.me())["id"] == seeded.user_ids[0]
            assert [f["id"] for f in await a.friends()] == [seeded.user_ids[1]]
            chat = seeded.pair_chats[0]
            assert {c["id"] for c in await b.chats()} == set(seeded.pair_chats)
            ca, cb = await a.connect(), await b.connect()
            try:
                ack = await ca.send_text(chat, "hi")
                assert ack["seq"] == 2  # after the "friends" event
                ev = await cb.wait_for(lambda f: f.get("t") == "ev" and f["kind"] == "text")
                assert (ev["chat"], ev["seq"], ev["text"]) == (chat, 2, "hi")
            finally:
                await ca.close()
                await cb.close()
    finally:
        server.stop()
