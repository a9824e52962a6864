"""Test harness: real servers on loopback (in a thread, or as a process) and signed-up users."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from lianxin.app import UVICORN_OPTIONS, create_app
from lianxin.bench.proc import free_port, reachable
from lianxin.client import ApiError, Client
from lianxin.client.connection import Connection
from lianxin.clock import Clock
from lianxin.config import Settings
from lianxin.sms import MemorySms

PG_ADMIN_URL = os.environ.get("LIANXIN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("LIANXIN_TEST_REDIS", "redis://127.0.0.1:6379/0")

_phones = itertools.count(int(time.time() * 1000) % 10_000_000 * 10)


def next_phone() -> str:
    """A fresh, valid mainland-China mobile number (E.164)."""
    return f"+86138{next(_phones) % 100_000_000:08d}"


def test_settings(data_dir: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "data_dir": data_dir,
        "sms_provider": "memory",
        "code_max_per_ip_per_hour": 1_000_000,
        "code_max_per_number_per_hour": 1000,
        "code_resend_interval_s": 0,
        "sqlite_synchronous": "NORMAL",
    }
    base.update(overrides)
    return Settings(**base)


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


class ServerThread:
    """A real uvicorn server for one app, on its own event loop in a daemon thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sms = MemorySms()
        self.clock = Clock()
        self.app = create_app(settings, sms=self.sms, clock=self.clock)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=free_port(),
            log_level="warning",
            **UVICORN_OPTIONS,
        )
        self.port = config.port
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.time() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)

    async def signup(
        self, name: str = "user", *, phone: str | None = None, device: str = "test"
    ) -> Client:
        """A new account, signed in through the real code flow."""
        phone = phone or next_phone()
        client = Client(self.url)
        await client.request_code(phone)
        await client.verify(phone, self.sms.codes[phone], device_name=device, name=name)
        return client

    async def signin(self, phone: str, device: str = "second") -> Client:
        client = Client(self.url)
        await client.request_code(phone)
        await client.verify(phone, self.sms.codes[phone], device_name=device)
        return client


class ServerProcess:
    """``lianxin serve`` as a child process, for crash (kill -9) tests."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.env = {**os.environ, "LIANXIN_SQLITE_SYNCHRONOUS": "FULL", **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        cmd = [
            sys.executable,
            "-m",
            "lianxin",
            "serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--log-level",
            "warning",
        ]
        # The log goes to a file: a pipe nobody reads could fill up and stall the server.
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.data_dir / "server.log"
        with log_path.open("ab") as log:
            self.proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=log)
        deadline = time.time() + 30
        while not reachable("127.0.0.1", self.port):
            if self.proc.poll() is not None or time.time() > deadline:
                self.kill()
                tail = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"server process did not start: {tail}")
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def create_user(self, phone: str, name: str) -> str:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "lianxin",
                "user",
                "create",
                "--phone",
                phone,
                "--name",
                name,
                "--data-dir",
                str(self.data_dir),
            ],
            env=self.env,
            capture_output=True,
            check=True,
            timeout=60,
        )
        return out.stdout.decode().strip()


@dataclass
class PgDatabase:
    url: str
    name: str


async def create_pg_database() -> PgDatabase:
    import asyncpg

    name = f"lianxin_test_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return PgDatabase(url=f"{base}/{name}", name=name)


async def drop_pg_database(db: PgDatabase) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
    finally:
        await conn.close()


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def befriend(a: Client, b: Client) -> int:
    """Make a and b friends; returns their direct chat id."""
    assert b.account is not None
    req = await a.send_friend_request(b.account["id"], "hi")
    accepted = await b.accept_request(req["id"])
    return int(accepted["chat_id"])


def uid(client: Client) -> int:
    assert client.account is not None
    return int(client.account["id"])


# -- helpers for API tests --------------------------------------------------------------


async def refused(call: Awaitable[Any], code: str, status: int = 400) -> ApiError:
    """The call fails with this error code and HTTP status; the error, to look at further."""
    with pytest.raises(ApiError) as err:
        await call
    assert (err.value.code, err.value.status) == (code, status)
    return err.value


async def people(server: ServerThread, closing: list[Any], *names: str) -> list[Client]:
    """Signed-up users, closed when the test ends."""
    clients = [await server.signup(name) for name in names]
    closing.extend(clients)
    return clients


async def live(client: Client, closing: list[Any]) -> Connection:
    """An open WebSocket for the client, closed when the test ends."""
    conn = await client.connect()
    closing.append(conn)
    return conn
