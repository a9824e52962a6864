"""Orchestration: seed, start (or find) the server or cluster, run the workers, gather one
result."""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import queue
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from lianxin import fdlimit
from lianxin.bench.cluster import (
    DEFAULT_PG_URL,
    DEFAULT_REDIS_URL,
    BackendCpu,
    Cluster,
    ClusterError,
)
from lianxin.bench.proc import ServerProcess, cpu_seconds, total_cpu_seconds, total_rss_kb
from lianxin.bench.report import percentile
from lianxin.bench.seed import Seeded, seed
from lianxin.bench.workers import Shared, WorkerSpec, worker_main

SCENARIOS = ("direct", "group", "idle", "connect", "resume")

# Parameters each scenario reports (and takes).
PARAMS: dict[str, tuple[str, ...]] = {
    "direct": ("pairs", "window", "rate", "messages", "duration", "workers"),
    "group": ("members", "senders", "window", "rate", "messages", "duration", "workers"),
    "idle": ("connections", "hold", "workers"),
    "connect": ("devices", "concurrency", "workers"),
    "resume": ("clients", "missed", "window", "workers"),
}

# How many times the workers meet the parent at the barrier.
BARRIERS = {"direct": 1, "group": 3, "idle": 2, "connect": 1, "resume": 1}
# The barrier at which the measured phase ends (the parent samples CPU), if not at the end.
END_BARRIER = {"group": 2}

LOOPBACK = ("127.", "localhost", "::1", "[::1]")
# Ephemeral ports per loopback source address (net.ipv4.ip_local_port_range, 32768-60999
# by default); a worker binds (address, 0), so each address is one port range.
EPHEMERAL_PORTS = 28_000


class BenchError(Exception):
    """The bench could not run as asked (bad options, server failed to start, ...)."""


@dataclass
class BenchOptions:
    scenario: str
    urls: list[str] = field(default_factory=list)
    data_dir: Path | None = None
    database_url: str | None = None
    server_pids: list[int] = field(default_factory=list)
    cluster: int | None = None
    redis_url: str | None = None
    workers: int | None = None  # None: as many as the open-files limit needs (at least 1)
    pairs: int = 10
    window: int = 4
    rate: float | None = None
    messages: int | None = None
    duration: float | None = None
    members: int = 50
    senders: int = 1
    connections: int = 100
    hold: float = 30.0
    devices: int = 100
    concurrency: int = 50
    clients: int = 100
    missed: int = 20
    drain: float = 30.0
    timeout: float | None = None
    source_addresses: int = 16
    sqlite_synchronous: str = "FULL"
    keep_data: bool = False
    show_progress: bool = False
    log: Callable[[str], None] = field(default=lambda _m: None)


def _check(opts: BenchOptions) -> None:
    if opts.scenario not in SCENARIOS:
        raise BenchError(f"unknown scenario {opts.scenario!r}; one of {', '.join(SCENARIOS)}")
    if opts.workers is not None and opts.workers < 1:
        raise BenchError("--workers is at least 1")
    opts.urls = [u.strip().rstrip("/") for raw in opts.urls for u in raw.split(",") if u.strip()]
    if opts.cluster is not None:
        if opts.urls:
            raise BenchError("--cluster starts its own nodes: leave out --url")
        if opts.cluster < 1:
            raise BenchError("--cluster is at least 1 node")
        if opts.data_dir is not None:
            raise BenchError("--cluster keeps its data in a temporary PostgreSQL database")
    elif opts.redis_url is not None:
        raise BenchError("--redis-url goes with --cluster")
    for url in opts.urls:
        host = urlsplit(url).hostname or ""
        if not host.startswith(LOOPBACK[:2]) and host not in ("::1",):
            raise BenchError("the bench only talks to loopback servers (127.x / localhost)")
    if opts.urls and opts.data_dir is None and opts.database_url is None:
        raise BenchError(
            "with --url, pass the server's --data-dir (or --database-url) so the bench "
            "can create its users there"
        )
    if opts.scenario in ("direct", "group") and opts.messages is None and opts.duration is None:
        opts.messages = 100 if opts.scenario == "direct" else 20
    if opts.scenario == "group" and opts.members < 2:
        raise BenchError("--members is at least 2")
    if opts.scenario == "group":
        opts.senders = max(1, min(opts.senders, opts.members))
    if opts.window < 1:
        raise BenchError("--window is at least 1")
    if opts.rate is not None and (opts.scenario not in ("direct", "group") or not opts.rate > 0):
        raise BenchError("--rate is a positive number of messages per second, for direct/group")
    if opts.source_addresses < 1:
        raise BenchError("--source-addresses is at least 1")


def peak_connections(opts: BenchOptions) -> int:
    """Sockets open at once, over all nodes: each scenario's most at one time."""
    s = opts.scenario
    if s == "direct":
        return 2 * opts.pairs
    if s == "group":
        return opts.members
    if s == "idle":
        return opts.connections
    if s == "connect":
        return opts.devices
    return opts.clients  # resume: receivers, then senders, then receivers again


def check_fds(opts: BenchOptions, limit: int, server_limits: list[int | None]) -> None:
    """Fail up front, saying what to do, when the open-files limits cannot hold the run.

    ``limit`` is this process's (raised) limit, which workers and the nodes the bench
    starts inherit; ``server_limits`` those of ``--server-pid`` processes (None: unknown).
    Sets ``opts.workers`` when it was left to the bench.
    """
    peak = peak_connections(opts)
    nodes = opts.cluster or len(opts.urls) or 1
    per_node = math.ceil(peak / nodes)
    if opts.urls:
        known = [n for n in server_limits if n is not None]
        node_limit = min(known) if known else None
    else:
        node_limit = limit
    if node_limit is not None and per_node > fdlimit.server_capacity(node_limit):
        capacity = fdlimit.server_capacity(node_limit)
        where = "one server process" if nodes == 1 else f"each of {nodes} nodes"
        more = fdlimit.processes_needed(peak, capacity)
        fix = (
            f"use --cluster {more} (PostgreSQL + Redis) or more nodes"
            if not opts.urls
            else f"raise the server's limit or run {more} or more nodes"
        )
        raise BenchError(
            f"{opts.scenario} puts {per_node} connections on {where}, but a process here may "
            f"open {node_limit} files (RLIMIT_NOFILE) and a server keeps "
            f"{fdlimit.SERVER_RESERVED_FDS} for itself ({capacity} connections): {fix}, or "
            f"{fdlimit.HOW_TO_RAISE} to at least {per_node + fdlimit.SERVER_RESERVED_FDS}"
        )
    per_worker = fdlimit.worker_capacity(limit)
    needed = fdlimit.processes_needed(peak, per_worker)
    if opts.workers is None:
        opts.workers = needed
    elif opts.workers < needed:
        raise BenchError(
            f"{peak} connections over {opts.workers} worker(s) is "
            f"{math.ceil(peak / opts.workers)} per process, but a process here may open "
            f"{limit} files (RLIMIT_NOFILE): use --workers {needed} or more (or leave it out)"
        )
    loopback = not opts.urls or (urlsplit(opts.urls[0]).hostname or "").startswith("127.")
    addresses = fdlimit.processes_needed(peak, EPHEMERAL_PORTS)
    if loopback and min(opts.source_addresses, 250) < addresses:
        raise BenchError(
            f"{peak} connections need {addresses} or more loopback source addresses "
            f"({EPHEMERAL_PORTS} ephemeral ports each): use --source-addresses {addresses}"
        )


def _plan(opts: BenchOptions) -> tuple[int, list[tuple[int, int]], tuple[int, list[int]] | None]:
    """Users to create, friendships (index pairs) and the group (owner, members)."""
    s = opts.scenario
    if s == "direct":
        return 2 * opts.pairs, [(2 * i, 2 * i + 1) for i in range(opts.pairs)], None
    if s == "resume":
        return 2 * opts.clients, [(2 * i, 2 * i + 1) for i in range(opts.clients)], None
    if s == "group":
        return opts.members, [], (0, list(range(1, opts.members)))
    if s == "idle":
        return opts.connections, [], None
    return opts.devices, [], None


def _items(opts: BenchOptions, seeded: Seeded) -> list[tuple[Any, ...]]:
    s = opts.scenario
    t = seeded.tokens
    if s in ("direct", "resume"):
        return [(t[2 * i], t[2 * i + 1], c) for i, c in enumerate(seeded.pair_chats)]
    if s == "group":
        return [(tok, i < opts.senders, seeded.seen[i]) for i, tok in enumerate(t)]
    return [(tok,) for tok in t]


def _expected(opts: BenchOptions) -> int | None:
    s = opts.scenario
    if s == "direct" and opts.messages:
        return opts.pairs * opts.messages
    if s == "group" and opts.messages:
        return opts.senders * opts.messages * (opts.members - 1)
    if s == "resume":
        return opts.clients * opts.missed
    if s == "idle":
        return opts.connections
    if s == "connect":
        return opts.devices
    return None


def _params(opts: BenchOptions) -> dict[str, Any]:
    p: dict[str, Any] = {
        "window": opts.window,
        # Seconds between one sender's messages on the --rate schedule.
        "interval": _senders(opts) / opts.rate if opts.rate else None,
        "messages": opts.messages,
        "duration": opts.duration,
        "drain": opts.drain,
        "hold": opts.hold,
        "missed": opts.missed,
        "concurrency": max(1, opts.concurrency // (opts.workers or 1)),
    }
    return p


def _senders(opts: BenchOptions) -> int:
    return opts.senders if opts.scenario == "group" else opts.pairs


def _deadline_s(opts: BenchOptions, users: int) -> float:
    if opts.timeout is not None:
        return opts.timeout
    base = 120.0 + (opts.duration or 0.0) + opts.drain + 0.05 * users
    if opts.scenario == "idle":
        base += opts.hold
    if opts.scenario in ("direct", "group") and opts.messages:
        per_sender = opts.messages * (opts.members if opts.scenario == "group" else 1)
        base += per_sender * 0.05
        if opts.rate:  # the schedule alone takes this long
            base += opts.messages * _senders(opts) / opts.rate
    if opts.scenario == "resume":
        base += opts.clients * opts.missed * 0.005
    return base


def run_bench(opts: BenchOptions) -> dict[str, Any]:
    _check(opts)
    nofile = fdlimit.raise_nofile()
    check_fds(opts, nofile, [fdlimit.process_nofile(pid) for pid in opts.server_pids])
    try:
        return _run(opts, nofile)
    except ClusterError as exc:
        raise BenchError(str(exc)) from None


def _run(opts: BenchOptions, nofile: int) -> dict[str, Any]:
    users, pairs, group = _plan(opts)
    temp: Path | None = None
    server: ServerProcess | None = None
    cluster: Cluster | None = None
    data_dir = opts.data_dir
    database_url = opts.database_url
    if not opts.urls and data_dir is None and (database_url is None or opts.cluster):
        temp = Path(tempfile.mkdtemp(prefix="lianxin-bench-"))
        data_dir = temp
    try:
        if opts.cluster is not None:
            assert temp is not None
            cluster = Cluster(
                opts.cluster,
                temp,
                pg_url=opts.database_url or DEFAULT_PG_URL,
                redis_url=opts.redis_url or DEFAULT_REDIS_URL,
            )
            opts.log(f"creating database {cluster.db_name}, Redis prefix {cluster.prefix}")
            cluster.create()
            database_url = cluster.database_url
        opts.log(f"seeding {users} users, {len(pairs) + (users - 1 if group else 0)} friendships")
        seeded = asyncio.run(
            seed(
                data_dir=data_dir,
                database_url=database_url,
                users=users,
                pairs=pairs,
                group=group,
                progress=opts.log,
            )
        )
        opts.log(f"seeded in {seeded.seconds:.1f} s")
        probes: dict[str, Callable[[], float | None]] = {}
        if cluster is not None:
            opts.log(f"starting {cluster.size} node(s) on PostgreSQL + Redis")
            cluster.start()
            urls, pids = cluster.urls, cluster.pids
            label = f"cluster of {cluster.size}, PostgreSQL + Redis"
            pool, overflow = cluster.pool
            redis_pid = cluster.redis_pid
            probes["db_cpu_s"] = BackendCpu(cluster.db_name)
            if redis_pid is not None:
                probes["redis_cpu_s"] = lambda: cpu_seconds(redis_pid)
            opts.log(f"node pids {pids} at {' '.join(urls)}; pool {pool} + {overflow} each")
        elif not opts.urls:
            if opts.database_url is not None:
                raise BenchError(
                    "--database-url needs --url or --cluster (the embedded server is SQLite)"
                )
            assert data_dir is not None
            server = ServerProcess(data_dir, synchronous=opts.sqlite_synchronous).start()
            urls, pids = [server.url], [server.pid] if server.pid else []
            label = f"embedded, SQLite synchronous={opts.sqlite_synchronous}"
            opts.log(f"server pid {server.pid} at {server.url}")
        else:
            urls, pids, label = opts.urls, opts.server_pids, " ".join(opts.urls)
        redis_memory = cluster.redis_used_memory if cluster is not None else None
        result = _run_workers(opts, urls, pids, seeded, users, probes, redis_memory)
        result["server"] = label
        result["urls"] = urls
        result["nodes"] = len(urls)
        result["seed_s"] = round(seeded.seconds, 2)
        result["nofile_limit"] = nofile
        dead: list[str] = []
        if server is not None and server.proc is not None and server.proc.poll() is not None:
            dead.append(f"server exited: {server.log_tail(500)}")
        if cluster is not None:
            result["database"], result["redis_prefix"] = cluster.db_name, cluster.prefix
            result["db_pool"] = list(cluster.pool)
            dead.extend(cluster.dead_nodes())
        if dead:
            result["errors"] += len(dead)
            result.setdefault("failures", []).extend(dead)
        return result
    finally:
        if server is not None:
            server.stop()
        if cluster is not None:
            opts.log("stopping the nodes, dropping the database")
            cluster.stop()
        if temp is not None and not opts.keep_data:
            shutil.rmtree(temp, ignore_errors=True)


def source_hosts(addresses: int, worker: int) -> list[str]:
    """Loopback source addresses for one worker: 127.0.0.1..N, each worker starting at a
    different one, so that slot i of every worker (``workers._host``) spreads the
    connections evenly and no address runs out of its ephemeral ports."""
    hosts = [f"127.0.0.{i}" for i in range(1, 1 + max(1, min(addresses, 250)))]
    k = worker % len(hosts)
    return hosts[k:] + hosts[:k]


def _run_workers(
    opts: BenchOptions,
    urls: list[str],
    pids: list[int],
    seeded: Seeded,
    users: int,
    probes: dict[str, Callable[[], float | None]],
    redis_memory: Callable[[], int | None] | None = None,
) -> dict[str, Any]:
    """Run the workers; ``pids`` are the server processes (CPU and RSS summed over them),
    ``probes`` further CPU counters (a cluster's database and Redis) sampled alike,
    ``redis_memory`` a cluster's Redis ``used_memory`` in bytes."""
    ctx = multiprocessing.get_context("fork")
    n = opts.workers or 1
    shared = Shared(
        barrier=ctx.Barrier(n + 1),
        progress=ctx.Value("q", 0),
        acked=ctx.Value("q", 0),
        results=ctx.Queue(),
    )
    items = _items(opts, seeded)
    group_chat = seeded.group_chat
    params = _params(opts)
    if group_chat is not None:
        params["chat"] = group_chat
    deadline = time.monotonic() + _deadline_s(opts, users)
    loopback = (urlsplit(urls[0]).hostname or "").startswith("127.")
    specs = [
        WorkerSpec(
            scenario=opts.scenario,
            index=w,
            urls=urls,
            deadline=deadline,
            params=params,
            items=items[w::n],
            source_hosts=source_hosts(opts.source_addresses, w) if loopback else [],
        )
        for w in range(n)
    ]
    probes = {"server_cpu_s": lambda: total_cpu_seconds(pids), **probes}

    def sample() -> dict[str, float | None]:
        return {name: probe() for name, probe in probes.items()}

    baseline_rss = total_rss_kb(pids)
    redis_base = redis_memory() if redis_memory is not None else None
    cpu_spawn = sample()
    procs = [
        ctx.Process(target=worker_main, args=(spec, shared), name=f"bench-{w}", daemon=True)
        for w, spec in enumerate(specs)
    ]
    for p in procs:
        p.start()

    marks: dict[str, Any] = {"rss_peak": baseline_rss or 0}

    def barriers() -> None:
        for i in range(BARRIERS[opts.scenario]):
            try:
                shared.barrier.wait(max(1.0, deadline - time.monotonic()))
            except threading.BrokenBarrierError:
                marks["broken"] = True
                return
            if i == 0:
                marks["cpu_start"] = sample()
                marks["held_from"] = time.monotonic()
            if i == END_BARRIER.get(opts.scenario):
                marks["cpu_end"] = sample()
            if opts.scenario == "idle" and i == 1:
                marks["cpu_held"] = sample()
                marks["held_s"] = time.monotonic() - marks["held_from"]
                marks["rss_idle"] = total_rss_kb(pids) if pids else None
                marks["client_rss_kb"] = total_rss_kb([p.pid for p in procs if p.pid])
                if redis_memory is not None:
                    marks["redis_idle"] = redis_memory()

    sync_thread = threading.Thread(target=barriers, daemon=True)
    sync_thread.start()
    results: list[dict[str, Any]] = []
    expected = _expected(opts)
    bar_ctx: Any = (
        click.progressbar(
            length=expected if expected else int((opts.duration or 1) * 10),
            label=f"{opts.scenario}",
            file=sys.stderr,
            show_pos=bool(expected),
        )
        if opts.show_progress
        else contextlib.nullcontext()
    )
    with bar_ctx as bar:
        shown = 0
        started_at: float | None = None
        while len(results) < n:
            with contextlib.suppress(queue.Empty):
                results.append(shared.results.get(timeout=0.2))
            if pids:
                marks["rss_peak"] = max(marks["rss_peak"], total_rss_kb(pids) or 0)
            if bar is not None:
                if expected:
                    now = int(shared.progress.value)
                else:
                    if started_at is None and "cpu_start" in marks:
                        started_at = time.monotonic()
                    now = int((time.monotonic() - started_at) * 10) if started_at else 0
                    now = min(now, bar.length)
                if now > shown:
                    bar.update(now - shown)
                    shown = now
            if time.monotonic() > deadline + 30:
                break
            if not any(p.is_alive() for p in procs) and shared.results.empty():
                break
    cpu_end = marks.get("cpu_end") or sample()
    with contextlib.suppress(Exception):
        shared.barrier.abort()
    for p in procs:
        p.join(5)
        if p.is_alive():
            p.kill()
            p.join(5)
    out = _aggregate(opts, results, marks, cpu_spawn, cpu_end, baseline_rss)
    if opts.scenario == "idle":
        out.update(_idle_costs(out, marks, cpu_spawn, redis_base))
    return out


def _idle_costs(
    out: dict[str, Any],
    marks: dict[str, Any],
    cpu_spawn: dict[str, float | None],
    redis_base: int | None,
) -> dict[str, Any]:
    """Per connection: server CPU to connect, to stay idle (heartbeats and presence refresh
    per connection-second), the generator's memory and, on a cluster, Redis memory."""
    conns = int(out.get("connections") or 0)
    start, held = marks.get("cpu_start"), marks.get("cpu_held")
    connect = _delta(cpu_spawn, (start or {}).get("server_cpu_s"), "server_cpu_s")
    hold = _delta(start, (held or {}).get("server_cpu_s"), "server_cpu_s")
    held_s = marks.get("held_s")
    costs: dict[str, Any] = {
        "server_cpu_connect_s": connect,
        "server_cpu_hold_s": hold,
        "held_s": round(held_s, 1) if held_s else None,
        "client_rss_kb": marks.get("client_rss_kb"),
    }
    if conns:
        if connect is not None:
            costs["server_cpu_ms_per_connect"] = round(1000 * connect / conns, 3)
        if hold is not None and held_s:
            costs["server_cpu_us_per_conn_s"] = round(1e6 * hold / conns / held_s, 2)
        if marks.get("client_rss_kb"):
            costs["client_rss_kb_per_conn"] = round(marks["client_rss_kb"] / conns, 1)
        redis_idle = marks.get("redis_idle")
        if redis_idle is not None and redis_base is not None:
            costs["redis_kb_per_conn"] = round((redis_idle - redis_base) / 1024 / conns, 2)
    return costs


def _aggregate(
    opts: BenchOptions,
    results: list[dict[str, Any]],
    marks: dict[str, Any],
    cpu_spawn: dict[str, float | None],
    cpu_end: dict[str, float | None],
    baseline_rss: int | None,
) -> dict[str, Any]:
    ok = [r for r in results if "failed" not in r]
    failures = [
        f"worker {r['worker']}: {r['failed']}\n{r.get('trace', '')}"
        for r in results
        if "failed" in r
    ]
    missing = (opts.workers or 1) - len(results)
    if missing:
        failures.append(f"{missing} worker(s) reported nothing before the deadline")
    out: dict[str, Any] = {"scenario": opts.scenario}
    for key in PARAMS[opts.scenario]:
        out[key] = getattr(opts, key)
    errors = sum(int(r["errors"]) for r in ok) + len(failures)
    started = min((r["started_ns"] for r in ok), default=0)
    ended = max((r["ended_ns"] for r in ok), default=0)
    elapsed = max(0.0, (ended - started) / 1e9)
    latencies: list[float] = []
    if opts.scenario == "group":
        delivered, lost, latencies, acked = _group_totals(opts, ok)
    else:
        delivered = sum(int(r["delivered"]) for r in ok)
        lost = sum(int(r["lost"]) for r in ok)
        acked = sum(int(r.get("acked", 0)) for r in ok)
        for r in ok:
            latencies.extend(r["latencies_ms"])
    if opts.scenario == "idle":
        connected = sum(int(r["connected"]) for r in ok)
        rate_base = connected
    else:
        connected = 0
        rate_base = delivered
    cpu_start = cpu_spawn if opts.scenario == "idle" else marks.get("cpu_start")
    out.update(
        {
            "elapsed_s": round(elapsed, 3),
            "delivered": delivered,
            "msgs_per_s": round(rate_base / elapsed, 1) if elapsed > 0 else 0.0,
            "p50_ms": _round(percentile(latencies, 50)),
            "p95_ms": _round(percentile(latencies, 95)),
            "p99_ms": _round(percentile(latencies, 99)),
            "errors": errors,
            "lost": lost,
            "duplicated": sum(int(r["duplicated"]) for r in ok),
            "reconnects": sum(int(r["reconnects"]) for r in ok),
            "server_rss_kb": marks.get("rss_idle") or marks.get("rss_peak") or None,
            **{name: _delta(cpu_start, end, name) for name, end in cpu_end.items()},
            "client_cpu_s": round(sum(float(r["client_cpu_s"]) for r in ok), 2),
        }
    )
    if opts.scenario in ("direct", "group", "resume"):
        out["acked"] = acked
    if opts.scenario == "idle":
        out["connections"] = connected
        rss_idle = marks.get("rss_idle")
        out["rss_kb_per_conn"] = (
            round((rss_idle - baseline_rss) / connected, 1)
            if rss_idle and baseline_rss and connected
            else None
        )
    if marks.get("broken"):
        failures.append("a worker broke the phase barrier (see the other failures)")
    if failures:
        out["failures"] = failures
    return out


def _group_totals(
    opts: BenchOptions, ok: list[dict[str, Any]]
) -> tuple[int, int, list[float], int]:
    """Merge per-message receipts from all workers: lost and time-to-last-member."""
    merged: dict[int, list[int]] = {}
    for r in ok:
        for seq, (count, last, sent) in r["per_seq"].items():
            entry = merged.get(seq)
            if entry is None:
                merged[seq] = [count, last, sent]
            else:
                entry[0] += count
                entry[1] = max(entry[1], last)
    acked = [seq for r in ok for seq in r["acked_seqs"]]
    recipients = opts.members - 1
    lost = 0
    latencies: list[float] = []
    for seq in acked:
        count, last, sent = merged.get(seq, [0, 0, 0])
        if count < recipients:
            lost += recipients - count
        else:
            latencies.append((last - sent) / 1e6)
    delivered = sum(int(r["delivered"]) for r in ok)
    return delivered, lost, latencies, len(acked)


def _delta(start: dict[str, float | None] | None, end: float | None, name: str) -> float | None:
    first = (start or {}).get(name)
    return round(end - first, 2) if end is not None and first is not None else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
