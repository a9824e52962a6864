"""Fixtures: one server per backend for the session, shared by tests that make their own users.

The ``backend`` parameter runs every API test against embedded SQLite and, when the
services are reachable on 127.0.0.1, against PostgreSQL + Redis (the cluster backends).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.harness import (
    PG_ADMIN_URL,
    REDIS_URL,
    PgDatabase,
    ServerThread,
    create_pg_database,
    drop_pg_database,
    reachable,
    run,
    test_settings,
)


def _reachable_url(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    return reachable(parts.hostname or "127.0.0.1", parts.port or default_port)


PG_UP = _reachable_url(PG_ADMIN_URL, 5432)
REDIS_UP = _reachable_url(REDIS_URL, 6379)
_skipped: list[str] = []


def pytest_report_header() -> list[str]:
    lines = []
    lines.append(
        "PostgreSQL at 127.0.0.1:5432: "
        + ("used" if PG_UP else "NOT reachable - skipping PostgreSQL suites")
    )
    lines.append(
        "Redis at 127.0.0.1:6379: "
        + ("used" if REDIS_UP else "NOT reachable - skipping Redis suites")
    )
    return lines


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not PG_UP:
        terminalreporter.write_line(
            "SKIPPED integration suites: PostgreSQL (127.0.0.1:5432 not reachable)"
        )
    if not REDIS_UP:
        terminalreporter.write_line(
            "SKIPPED integration suites: Redis (127.0.0.1:6379 not reachable)"
        )


def requires_pg() -> None:
    if not PG_UP:
        pytest.skip("integration: PostgreSQL not reachable at 127.0.0.1:5432")


def requires_redis() -> None:
    if not REDIS_UP:
        pytest.skip("integration: Redis not reachable at 127.0.0.1:6379")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[PgDatabase]:
    requires_pg()
    db = run(create_pg_database())
    yield db
    run(drop_pg_database(db))


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.integration)]


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    """The shared server for API tests, once per backend."""
    data_dir = tmp_path_factory.mktemp(f"server-{request.param}")
    overrides: dict[str, Any] = {}
    if request.param == "postgres":
        db: PgDatabase = request.getfixturevalue("pg_database")
        overrides["database_url"] = db.url
        if REDIS_UP:
            overrides["redis_url"] = REDIS_URL
            overrides["redis_prefix"] = db.name  # isolated from other servers on this Redis
    srv = ServerThread(test_settings(data_dir, **overrides)).start()
    yield srv
    srv.stop()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., ServerThread]]:
    """A private embedded server with custom settings (stopped after the test)."""
    started: list[ServerThread] = []

    def make(**overrides: Any) -> ServerThread:
        srv = ServerThread(test_settings(tmp_path / f"srv{len(started)}", **overrides)).start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
async def closing() -> AsyncIterator[list[Any]]:
    """Collect clients / connections to close at the end of a test."""
    items: list[Any] = []
    yield items
    for item in reversed(items):
        with contextlib.suppress(Exception):
            await item.close()
