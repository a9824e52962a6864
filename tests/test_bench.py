"""`lianxin bench` end to end: every scenario at a tiny size through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from lianxin.bench.workers import WorkerSpec, _node

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


def test_rate_is_for_direct_only() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lianxin", "bench", "group", "--rate", "10", "--json"],
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


pytestmark = pytest.mark.timeout(60)
