"""The ``lianxin`` command: serve, db upgrade, user create.

Mistakes an operator makes (a bad flag, phone number, name or LIANXIN_* setting) exit
with status 2 and one line saying what to fix; a database that cannot be reached or
created exits with status 1, also without a traceback. Tracebacks are for bugs.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from pydantic import ValidationError

from lianxin import __version__
from lianxin.bench.command import bench
from lianxin.config import Settings
from lianxin.errors import LianxinError
from lianxin.sticker_command import stickers

if TYPE_CHECKING:  # the database stack loads only for commands that use it: --help stays fast
    from lianxin.store.db import Database

T = TypeVar("T")

DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")

EPILOG = """\b
Examples:
  lianxin serve
      one process: SQLite, media and everything else in ./data
  lianxin serve --database-url postgresql://lianxin@db/lianxin --redis-url redis://cache
      one node of a cluster
  lianxin user create --phone +8613800138000 --name "Li Lei"
      an account, and a device token for it

Every option can also be set with a LIANXIN_* environment variable
(LIANXIN_DATA_DIR, LIANXIN_DATABASE_URL, LIANXIN_REDIS_URL, LIANXIN_PORT, ...)."""


def _settings(**overrides: Any) -> Settings:
    """Settings from flags over LIANXIN_* variables, refused with a usage error if invalid."""
    values = {k: v for k, v in overrides.items() if v is not None}
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"])
        raise click.UsageError(
            f"invalid setting {name} (--{name.replace('_', '-')} or "
            f"LIANXIN_{name.upper()}): {first['msg']}"
        ) from None
    if settings.effective_database_url.split("://", 1)[0] not in DRIVERS:
        raise click.UsageError(
            "--database-url must be postgresql://user@host/db or sqlite:///path/to/file.db"
        )
    return settings


def _with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Open the database, bring its schema up to date, run ``work``, close it."""
    from sqlalchemy.exc import SQLAlchemyError

    from lianxin.store.db import Database
    from lianxin.store.migrate import upgrade

    async def run() -> T:
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(
            settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous
        )
        try:
            await upgrade(database.engine)
            return await work(database)
        finally:
            await database.close()

    try:
        return asyncio.run(run())
    except (OSError, SQLAlchemyError) as exc:
        raise click.ClickException(
            f"cannot use the database {_where(settings)}: {_reason(exc)}"
        ) from None


def _where(settings: Settings) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if settings.is_sqlite:
        return f"at {settings.sqlite_path}"
    try:
        return make_url(settings.effective_database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "given"


def _reason(exc: BaseException) -> str:
    """The first line of the underlying driver error: what an operator can act on."""
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip()
    return text.splitlines()[0] if text else type(cause).__name__


_common = [
    click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where the SQLite file and media live [default ./data; env LIANXIN_DATA_DIR].",
    ),
    click.option(
        "--database-url",
        metavar="URL",
        help="postgresql://user:password@host/db for cluster mode, instead of SQLite in "
        "the data dir [env LIANXIN_DATABASE_URL].",
    ),
]


def common(f: Any) -> Any:
    for option in reversed(_common):
        f = option(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
@click.version_option(version=__version__, prog_name="lianxin")
def main() -> None:
    """Lianxin: a self-hostable, open, interconnected messaging server."""


# `lianxin bench SCENARIO ...` lives in its own package (see docs/performance.md).
main.add_command(bench)
main.add_command(stickers)  # `lianxin stickers import DIR | list` (sticker_command.py)


@main.command()
@click.option("--host", help="Interface to listen on [default 127.0.0.1; env LIANXIN_HOST].")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="Port to listen on [default 8080; env LIANXIN_PORT].",
)
@common
@click.option(
    "--redis-url",
    metavar="URL",
    help="redis://host:6379 for fan-out and presence across nodes; without it the bus "
    "is in-process [env LIANXIN_REDIS_URL].",
)
@click.option(
    "--max-connections",
    type=click.IntRange(1),
    help="WebSocket connections to hold at most; refuses to start if the open-files limit "
    "cannot hold them [default: what the limit allows; env LIANXIN_MAX_CONNECTIONS].",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    help="How much to log [default info; env LIANXIN_LOG_LEVEL].",
)
def serve(**options: Any) -> None:
    """Start the server: REST API, WebSocket gateway and web client on one port.

    Without options it runs embedded: SQLite in the data dir and an in-process bus.
    The schema is migrated before the server accepts connections.
    """
    import uvicorn

    from lianxin.app import UVICORN_OPTIONS, create_app

    settings = _settings(**options)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    capacity = _connection_capacity(settings.max_connections)
    if settings.redis_url:
        _check_redis(settings.redis_url)
    _with_database(settings, _nothing)
    backend = "PostgreSQL" if not settings.is_sqlite else f"SQLite at {settings.sqlite_path}"
    bus = "Redis" if settings.redis_url else "in-process"
    click.echo(f"Lianxin {backend}, {bus} bus")
    click.echo(capacity)
    click.echo(
        f"Lianxin is running at http://{settings.host}:{settings.port}/  (API docs: /api/docs)"
    )
    app = create_app(settings)
    # The startup heap (modules, routes, schemas: ~160k objects) lives as long as the
    # process: frozen, full collections no longer rescan it. And a young collection
    # every 10,000 allocations, not 700, so a connect's short-lived objects are mostly
    # freed before any scan. Collections were ~14 % of the server's CPU in `bench
    # connect`, now ~4 % (docs/performance.md, fifth round).
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        backlog=settings.listen_backlog,
        **UVICORN_OPTIONS,
    )


def _connection_capacity(wanted: int | None) -> str:
    """Raise the open-files limit and check ``max_connections`` against it, before serving:
    past the limit ``accept`` fails and clients hang, so ask for what cannot be held now."""
    from lianxin import fdlimit

    limit = fdlimit.raise_nofile()
    capacity = fdlimit.server_capacity(limit)
    if wanted is not None and wanted > capacity:
        raise click.ClickException(
            f"max_connections is {wanted}, but this process may open {limit} files "
            f"(RLIMIT_NOFILE) and keeps {fdlimit.SERVER_RESERVED_FDS} for itself, so it can "
            f"hold {capacity} connections: {fdlimit.HOW_TO_RAISE} to at least "
            f"{wanted + fdlimit.SERVER_RESERVED_FDS}, or spread the connections over "
            f"{fdlimit.processes_needed(wanted, capacity)} or more nodes"
        )
    held = wanted if wanted is not None else capacity
    return f"Up to {held} WebSocket connections (open-files limit {limit})"


async def _nothing(_: Database) -> None:
    """Opening the database and migrating it is the whole job (a preflight check)."""


def _check_redis(url: str) -> None:
    """Fail before serving, with one line, when the cluster bus is unreachable."""
    import redis

    try:
        with redis.Redis.from_url(url, socket_connect_timeout=5) as client:
            client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise click.ClickException(f"cannot reach Redis at {url}: {exc}") from None


@main.group()
def db() -> None:
    """Database schema: migrations for SQLite and PostgreSQL."""


@db.command("upgrade")
@common
def db_upgrade(**options: Any) -> None:
    """Apply pending migrations and print the schema revision.

    The server also does this when it starts; run it by hand to migrate a cluster's
    database before rolling out new nodes. Safe to run more than once.
    """
    from lianxin.store.migrate import current_revision

    settings = _settings(**options)
    revision = _with_database(settings, lambda database: current_revision(database.engine))
    click.echo(f"schema at revision {revision}")


@main.group()
def user() -> None:
    """Operator tools for accounts."""


@user.command("create")
@click.option("--phone", required=True, help="Phone number, ideally in E.164 (+8613800138000).")
@click.option("--name", required=True, help="Display name (1 to 64 characters).")
@common
def user_create(phone: str, name: str, **options: Any) -> None:
    """Create an account (or reuse the one with this phone) and print a new device token.

    The token goes to standard output alone, for scripts; what happened goes to
    standard error. Use it as ``Authorization: Bearer <token>``.
    """
    from lianxin.actions.accounts import check_name, do_create_user, normalize_phone
    from lianxin.bus import MemoryBus
    from lianxin.clock import Clock
    from lianxin.services import Services
    from lianxin.sms import ConsoleSms

    settings = _settings(**options)
    phone = _checked(lambda: normalize_phone(phone, settings.default_region), "--phone")
    name = _checked(lambda: check_name(name), "--name")

    async def create(database: Database) -> Any:
        svc = Services(settings, database, MemoryBus(), ConsoleSms(), Clock())
        return await do_create_user(svc, phone, name)

    result = _with_database(settings, create)
    state = "created" if result.new_user else "exists"
    click.echo(
        f"user {result.user['id']} ({state}) {result.user['phone']} {result.user['name']}", err=True
    )
    click.echo(result.token)


def _checked(check: Callable[[], str], option: str) -> str:
    """Run an action's ``check_*`` on a flag, turning its refusal into a usage error."""
    try:
        return check()
    except LianxinError as exc:
        raise click.BadParameter(exc.message, param_hint=f"'{option}'") from None


@main.group()
def official() -> None:
    """Operator tools for official accounts (see docs/official-accounts.md)."""


@official.command("create")
@click.option(
    "--owner", required=True, metavar="HANDLE", help="The owner's Lianxin ID (or phone number)."
)
@click.option("--name", required=True, help="The account's display name (1 to 64 characters).")
@click.option("--handle", metavar="HANDLE", help="A Lianxin ID for the account itself.")
@click.option("--description", default="", help="What the account is for (up to 500 characters).")
@common
def official_create(
    owner: str, name: str, handle: str | None, description: str, **options: Any
) -> None:
    """Create an official account owned by an existing user; print its id.

    The owner then manages it with their own sign-in (REST /api/v1/official/...).
    """
    from lianxin.actions.accounts import check_handle, check_name
    from lianxin.actions.official import check_description, do_create_account, find_person

    settings = _settings(**options)
    name = _checked(lambda: check_name(name), "--name")
    if handle is not None:
        _checked(lambda: check_handle(handle), "--handle")
    _checked(lambda: check_description(description), "--description")

    async def create(database: Database) -> dict[str, Any]:
        svc = _offline_services(settings, database)
        owner_id = await _refused_as_usage(find_person(svc, owner), "--owner")
        return await _refused_as_usage(
            do_create_account(svc, owner_id, name=name, handle=handle, description=description),
            "--handle",
        )

    made = _with_database(settings, create)
    click.echo(f"official account {made['id']} {made['name']} (owner {made['owner']})", err=True)
    click.echo(made["id"])


@official.command("verify")
@click.argument("account", metavar="HANDLE")
@click.option("--revoke", is_flag=True, help="Remove the verified badge instead.")
@common
def official_verify(account: str, revoke: bool, **options: Any) -> None:
    """Give an official account (by Lianxin ID or id) the verified badge, or take it away."""
    from lianxin.actions.official import do_verify

    settings = _settings(**options)

    async def verify(database: Database) -> dict[str, Any]:
        svc = _offline_services(settings, database)
        return await _refused_as_usage(do_verify(svc, account, not revoke), "HANDLE")

    row = _with_database(settings, verify)
    state = "verified" if row["verified"] else "not verified"
    click.echo(f"official account {row['id']} {row['name']}: {state}")


def _offline_services(settings: Settings, database: Database) -> Any:
    """Services for an operator command: no bus or SMS traffic leaves this process."""
    from lianxin.bus import MemoryBus
    from lianxin.clock import Clock
    from lianxin.services import Services
    from lianxin.sms import ConsoleSms

    return Services(settings, database, MemoryBus(), ConsoleSms(), Clock())


async def _refused_as_usage(work: Awaitable[T], option: str) -> T:
    """An action's refusal (unknown user, taken ID, ...) is the operator's to fix: status 2."""
    try:
        return await work
    except LianxinError as exc:
        raise click.BadParameter(exc.message, param_hint=f"'{option}'") from None


@main.group()
def bot() -> None:
    """Operator tools for bots (see docs/bots.md): create, list, rotate, revoke, delete."""


_owner = click.option(
    "--owner", required=True, metavar="WHO", help="The owner's Lianxin ID or user id."
)


@bot.command("create")
@_owner
@click.option("--name", required=True, help="The bot's display name (1 to 64 characters).")
@click.option("--handle", metavar="HANDLE", help="A Lianxin ID for the bot (default bot<id>).")
@common
def bot_create(owner: str, name: str, handle: str | None, **options: Any) -> None:
    """Create a bot owned by an existing user and print its token.

    The token (``<bot id>:<secret>``) goes to standard output alone and is never shown
    again (only its hash is kept): use ``bot rotate`` if it is lost.
    """
    from lianxin.actions.accounts import check_handle, check_name
    from lianxin.actions.bots import access_owner, do_create_bot

    settings = _settings(**options)
    name = _checked(lambda: check_name(name), "--name")
    if handle is not None:
        _checked(lambda: check_handle(handle), "--handle")

    async def create(database: Database) -> dict[str, Any]:
        svc = _offline_services(settings, database)
        me = await _refused_as_usage(access_owner(svc, owner), "--owner")
        return await _refused_as_usage(do_create_bot(svc, me, name, handle), "--handle")

    made = _with_database(settings, create)
    info = made["bot"]
    click.echo(
        f"bot {info['id']} @{info['handle']} {info['name']} (owner {info['owner']})", err=True
    )
    click.echo(made["token"])


@bot.command("list")
@_owner
@common
def bot_list(owner: str, **options: Any) -> None:
    """List a user's bots: id, handle, whether the token works, webhook."""
    from lianxin.actions.bots import access_owner, list_bots

    settings = _settings(**options)

    async def listing(database: Database) -> list[dict[str, Any]]:
        svc = _offline_services(settings, database)
        me = await _refused_as_usage(access_owner(svc, owner), "--owner")
        return await list_bots(svc, me)

    for info in _with_database(settings, listing):
        state = "active" if info["token_active"] else "revoked"
        click.echo(f"{info['id']}\t@{info['handle']}\t{state}\t{info['webhook'] or '-'}")


def _bot_token_command(name: str, summary: str, rotate: bool) -> None:
    @bot.command(name, help=summary)
    @_owner
    @click.argument("bot_id", type=click.IntRange(min=1))
    @common
    def run(owner: str, bot_id: int, **options: Any) -> None:
        from lianxin.actions.bots import access_owner, do_revoke_token, do_rotate_token

        settings = _settings(**options)

        async def change(database: Database) -> str | None:
            svc = _offline_services(settings, database)
            me = await _refused_as_usage(access_owner(svc, owner), "--owner")
            if rotate:
                return await _refused_as_usage(do_rotate_token(svc, me, bot_id), "BOT_ID")
            await _refused_as_usage(do_revoke_token(svc, me, bot_id), "BOT_ID")
            return None

        token = _with_database(settings, change)
        done = "new token issued" if rotate else "token revoked"
        click.echo(f"bot {bot_id}: {done}", err=True)
        if token:
            click.echo(token)


_bot_token_command(
    "rotate", "Issue a new token for BOT_ID and print it; the old one stops working.", True
)
_bot_token_command("revoke", "Revoke BOT_ID's token (and its webhook) until a rotate.", False)


@bot.command("delete")
@_owner
@click.argument("bot_id", type=click.IntRange(min=1))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@common
def bot_delete(owner: str, bot_id: int, yes: bool, **options: Any) -> None:
    """Delete BOT_ID for good: token, webhook and queued updates; its Lianxin ID is freed."""
    from lianxin.actions.bots import access_owner, do_delete_bot

    if not yes:
        click.confirm(f"Delete bot {bot_id} for good?", abort=True)
    settings = _settings(**options)

    async def delete(database: Database) -> None:
        svc = _offline_services(settings, database)
        me = await _refused_as_usage(access_owner(svc, owner), "--owner")
        await _refused_as_usage(do_delete_bot(svc, me, bot_id), "BOT_ID")

    _with_database(settings, delete)
    click.echo(f"bot {bot_id}: deleted", err=True)


@main.group()
def reports() -> None:
    """Operator tools for reports of users and messages: list, resolve."""


@reports.command("list")
@click.option(
    "--open/--all", "open_only", default=True, help="Only open reports (default) or all of them."
)
@common
def reports_list(open_only: bool, **options: Any) -> None:
    """List reports, oldest first: id, state, reason, who reported whom, the message."""
    from lianxin.actions.reports import list_reports

    settings = _settings(**options)

    async def fetch(database: Database) -> list[dict[str, Any]]:
        return await list_reports(_offline_services(settings, database), open_only=open_only)

    rows = _with_database(settings, fetch)
    if not rows:
        click.echo("no open reports" if open_only else "no reports", err=True)
    for r in rows:
        when = datetime.fromtimestamp(r["created_at"] / 1000, UTC).strftime("%Y-%m-%d %H:%M")
        where = f" message {r['chat']}/{r['seq']}" if r["chat"] is not None else ""
        line = (
            f"{r['id']}\t{r['state']}\t{when}\t{r['reason']}\t"
            f"user {r['user']}{where} (by {r['reporter']})"
        )
        if r.get("text"):
            line += f"\ttext: {r['text'][:80]!r}"
        if r["note"]:
            line += f"\tnote: {r['note']}"
        if r["resolution"]:
            line += f"\tresolution: {r['resolution']}"
        click.echo(line)


@reports.command("resolve")
@click.argument("report_id", metavar="ID", type=click.IntRange(min=1))
@click.option("--note", default="", help="What was done (kept with the report).")
@common
def reports_resolve(report_id: int, note: str, **options: Any) -> None:
    """Mark report ID resolved, with an optional note."""
    from lianxin.actions.reports import do_resolve

    settings = _settings(**options)

    async def resolve(database: Database) -> dict[str, Any]:
        svc = _offline_services(settings, database)
        return await _refused_as_usage(do_resolve(svc, report_id, note), "ID")

    row = _with_database(settings, resolve)
    click.echo(f"report {row['id']} resolved")
