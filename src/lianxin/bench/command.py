"""The ``lianxin bench`` click command (registered on the main CLI group in ``cli.py``).

Heavy imports happen inside the command so ``lianxin --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

SCENARIO_NAMES = ("direct", "group", "idle", "connect", "resume")


@click.command(context_settings={"show_default": True})
@click.argument("scenario", type=click.Choice(SCENARIO_NAMES))
@click.option(
    "--url",
    "urls",
    multiple=True,
    help="A running server on loopback; default: start an embedded one. Repeat it (or "
    "give a comma list) for the nodes of a cluster: clients are spread over them.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The server's data dir, where bench users are created (needed with --url; "
    "without --url the embedded server uses it instead of a temp dir, and keeps it).",
)
@click.option(
    "--database-url",
    help="With --url: seed users into this PostgreSQL database. With --cluster: the "
    "PostgreSQL server to create the run's database on "
    "[postgresql://postgres@127.0.0.1:5432/postgres].",
)
@click.option(
    "--server-pid",
    "server_pids",
    type=int,
    multiple=True,
    help="With --url: a server's pid, for CPU and RSS; repeat it to sum over nodes.",
)
@click.option(
    "--cluster",
    type=int,
    help="Start this many nodes on PostgreSQL + Redis (a temporary database and Redis "
    "prefix, removed afterwards) and spread the clients over them.",
)
@click.option("--redis-url", help="With --cluster: the Redis [redis://127.0.0.1:6379/0].")
@click.option(
    "--workers",
    type=int,
    help="Load-generator processes [as many as the open-files limit needs, at least 1].",
)
@click.option("--pairs", type=int, default=10, help="direct: sender/receiver pairs.")
@click.option("--window", type=int, default=4, help="Unacked sends in flight per sender.")
@click.option(
    "--rate",
    type=float,
    help="direct/group: send this many messages per second in total, on a fixed schedule "
    "(latency below saturation); default: as fast as acks allow.",
)
@click.option("--messages", type=int, help="direct/group: messages per sender [100 / 20].")
@click.option("--duration", type=float, help="direct/group: send for this many seconds instead.")
@click.option("--members", type=int, default=50, help="group: members, all online.")
@click.option("--senders", type=int, default=1, help="group: members who send.")
@click.option("--connections", type=int, default=100, help="idle: signed-in idle connections.")
@click.option("--hold", type=float, default=30.0, help="idle: seconds to stay idle.")
@click.option("--devices", type=int, default=100, help="connect: devices that sign in.")
@click.option("--concurrency", type=int, default=50, help="connect: sign-ins in flight.")
@click.option("--clients", type=int, default=100, help="resume: clients that go offline.")
@click.option("--missed", type=int, default=20, help="resume: messages each one misses.")
@click.option("--drain", type=float, default=30.0, help="Max seconds to wait for stragglers.")
@click.option("--timeout", type=float, help="Hard limit for the run in seconds [scaled].")
@click.option("--source-addresses", type=int, default=16, help="Loopback source IPs 127.0.0.x.")
@click.option(
    "--sqlite-synchronous",
    type=click.Choice(["FULL", "NORMAL"]),
    default="FULL",
    help="Embedded server: FULL fsyncs every commit (durable); NORMAL to isolate fsync cost.",
)
@click.option("--keep-data", is_flag=True, help="Keep the embedded server's temp data dir.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench(scenario: str, as_json: bool, **options: Any) -> None:
    """Drive a real workload through the real protocol and print what it measured.

    \b
    direct   --pairs P [--window W] [--rate R] (--messages N | --duration S)
    group    --members K [--senders S] [--rate R] (--messages N | --duration S)
    idle     --connections N [--hold S]
    connect  --devices N [--concurrency C]
    resume   --clients N --missed M
    """
    import orjson

    from lianxin.bench.report import table
    from lianxin.bench.runner import PARAMS, BenchError, BenchOptions, run_bench

    def log(message: str) -> None:
        if not as_json:
            click.echo(message, err=True)

    options["urls"] = list(options["urls"])
    options["server_pids"] = list(options["server_pids"])
    opts = BenchOptions(scenario=scenario, show_progress=not as_json, log=log, **options)
    try:
        result = run_bench(opts)
    except BenchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(orjson.dumps(result).decode())
    else:
        click.echo(table(result, PARAMS[scenario]))
    if result.get("failures"):
        sys.exit(1)
