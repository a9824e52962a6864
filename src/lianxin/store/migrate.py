"""Run Alembic migrations programmatically (on server start and ``lianxin db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _upgrade(conn: Connection, url: str) -> None:
    if conn.dialect.name == "postgresql":
        # Several nodes may start at once: only one migrates, the others wait for it.
        conn.execute(text("SELECT pg_advisory_xact_lock(7426001)"))
    cfg = alembic_config(url)
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "heads")  # feature branches may each add their own head


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; a no-op when it already is."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, engine.url.render_as_string(hide_password=False))


async def current_revision(engine: AsyncEngine) -> str | None:
    """The applied revision(s), comma-separated when several branches are at their heads."""
    async with engine.connect() as conn:
        exists = await conn.run_sync(lambda c: c.dialect.has_table(c, "alembic_version"))
        if not exists:
            return None
        rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        return ",".join(sorted(str(r[0]) for r in rows)) or None


def head_revisions() -> str:
    """What ``current_revision`` reports once every migration has run."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return ",".join(sorted(script.get_heads()))
