"""The ``lianxin`` command: serve, db upgrade, user create."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

import click

from lianxin import __version__
from lianxin.config import Settings


def _settings(**overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**values)


_common = [
    click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where the SQLite file and media live.",
    ),
    click.option(
        "--database-url",
        help="postgresql://user@host/db for cluster mode [env LIANXIN_DATABASE_URL].",
    ),
]


def common(f: Any) -> Any:
    for option in reversed(_common):
        f = option(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="lianxin")
def main() -> None:
    """Lianxin: a self-hostable, open, interconnected messaging server."""


@main.command()
@click.option("--host", help="Interface to listen on [default 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [default 8080].")
@common
@click.option(
    "--redis-url", help="redis://host:6379 for cross-node fan-out [env LIANXIN_REDIS_URL]."
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]))
def serve(**options: Any) -> None:
    """Start the server (embedded SQLite + in-process bus unless told otherwise)."""
    import uvicorn

    from lianxin.app import create_app

    settings = _settings(**options)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    backend = "PostgreSQL" if not settings.is_sqlite else f"SQLite at {settings.sqlite_path}"
    bus = "Redis" if settings.redis_url else "in-process"
    click.echo(f"Lianxin {backend}, {bus} bus")
    click.echo(
        f"Lianxin is running at http://{settings.host}:{settings.port}/  (API docs: /api/docs)"
    )
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        ws_max_size=1024 * 1024,
        ws_ping_interval=None,
        lifespan="on",
    )


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@common
def db_upgrade(**options: Any) -> None:
    """Apply pending migrations (the server also does this when it starts)."""
    from lianxin.store.db import Database
    from lianxin.store.migrate import current_revision, upgrade

    settings = _settings(**options)

    async def run() -> str | None:
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(settings.effective_database_url)
        try:
            await upgrade(database.engine)
            return await current_revision(database.engine)
        finally:
            await database.close()

    click.echo(f"schema at revision {asyncio.run(run())}")


@main.group()
def user() -> None:
    """Operator tools for accounts."""


@user.command("create")
@click.option("--phone", required=True, help="Phone number, ideally in E.164 (+8613800138000).")
@click.option("--name", required=True, help="Display name.")
@common
def user_create(phone: str, name: str, **options: Any) -> None:
    """Create (or reuse) an account and print a new device token for it."""
    from lianxin.actions.accounts import do_create_user
    from lianxin.bus import MemoryBus
    from lianxin.clock import Clock
    from lianxin.errors import LianxinError
    from lianxin.services import Services
    from lianxin.sms import ConsoleSms
    from lianxin.store.db import Database
    from lianxin.store.migrate import upgrade

    settings = _settings(**options)

    async def run() -> Any:
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(settings.effective_database_url)
        try:
            await upgrade(database.engine)
            svc = Services(settings, database, MemoryBus(), ConsoleSms(), Clock())
            return await do_create_user(svc, phone, name)
        finally:
            await database.close()

    try:
        result = asyncio.run(run())
    except LianxinError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    state = "created" if result.new_user else "exists"
    click.echo(
        f"user {result.user['id']} ({state}) {result.user['phone']} {result.user['name']}", err=True
    )
    click.echo(result.token)


# `lianxin bench SCENARIO ...` lives in its own package (see docs/performance.md).
from lianxin.bench.command import bench as _bench  # noqa: E402

main.add_command(_bench)
