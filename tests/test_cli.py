"""The ``lianxin`` command as operators run it: a subprocess, its output and exit status."""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lianxin.client import ApiError, Client
from lianxin.store.migrate import head_revisions
from tests.conftest import requires_pg
from tests.harness import PgDatabase, ServerThread, next_phone

HEAD = head_revisions()


@dataclass
class Run:
    status: int
    out: str
    err: str


async def lianxin(*args: str, env: dict[str, str] | None = None) -> Run:
    """Run ``python -m lianxin`` with no LIANXIN_* settings leaking in from this shell."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "lianxin",
        *args,
        env={**clean, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(), err.decode())


def no_traceback(run: Run) -> None:
    assert "Traceback" not in run.out + run.err


async def test_help_lists_every_command() -> None:
    run = await lianxin("--help")
    assert run.status == 0
    for command in ("serve", "db", "user", "bench"):
        assert f"  {command} " in run.out
    assert "LIANXIN_DATABASE_URL" in run.out  # how to configure without flags
    short = await lianxin("-h")
    assert short.out == run.out


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["serve"], ["--host", "--port", "--data-dir", "--database-url", "--redis-url"]),
        (["db", "upgrade"], ["--data-dir", "--database-url", "revision"]),
        (["user", "create"], ["--phone", "--name", "token", "[required]"]),
    ],
)
async def test_each_command_explains_itself(command: list[str], expected: list[str]) -> None:
    run = await lianxin(*command, "--help")
    assert run.status == 0, run.err
    usage = run.out.splitlines()[0]
    assert usage.startswith("Usage: ") and usage.endswith(f"lianxin {' '.join(command)} [OPTIONS]")
    for word in expected:
        assert word in run.out


async def test_version() -> None:
    from lianxin import __version__

    run = await lianxin("--version")
    assert run.status == 0 and run.out.strip() == f"lianxin, version {__version__}"


async def test_created_user_token_works_against_a_running_server(
    make_server: Callable[..., ServerThread], closing: list[Any]
) -> None:
    srv = make_server()
    phone = next_phone()
    data_dir = str(srv.settings.data_dir)
    run = await lianxin(
        "user", "create", "--phone", phone, "--name", "Li Lei", "--data-dir", data_dir
    )
    assert run.status == 0, run.err
    token = run.out.strip()
    assert token.startswith("lx_") and "\n" not in token  # stdout is the token alone
    assert "(created)" in run.err and phone in run.err

    client = Client(srv.url, token)
    closing.append(client)
    me = await client.me()
    assert (me["phone"], me["name"]) == (phone, "Li Lei")

    # Again for the same number: the same account, a second device with its own token.
    again = await lianxin("user", "create", "--phone", phone, "--name", "X", "--data-dir", data_dir)
    assert again.status == 0 and "(exists)" in again.err
    assert again.out.strip() != token
    second = Client(srv.url, again.out.strip())
    closing.append(second)
    assert (await second.me())["id"] == me["id"]
    assert len(await second.devices()) == 2

    forged = Client(srv.url, token[:-2] + "xx")
    closing.append(forged)
    with pytest.raises(ApiError) as err:
        await forged.me()
    assert err.value.status == 401


async def test_created_user_is_announced_like_a_sign_up(
    make_server: Callable[..., ServerThread], closing: list[Any]
) -> None:
    """People who have the number hear "X joined Lianxin", as with the sign-up API."""
    srv = make_server()
    alice = await srv.signup("Alice")
    closing.append(alice)
    phone = next_phone()
    await alice.upload_contacts([{"name": "Li", "phone": phone}])
    assert await alice.joined_contacts() == []
    run = await lianxin(
        "user",
        "create",
        "--phone",
        phone,
        "--name",
        "Li Lei",
        "--data-dir",
        str(srv.settings.data_dir),
    )
    assert run.status == 0, run.err
    joined = await alice.joined_contacts()
    assert [(j["user"]["name"]) for j in joined] == ["Li Lei"]
    # Again for the same number: the account exists, so no second notice.
    again = await lianxin(
        "user", "create", "--phone", phone, "--name", "X", "--data-dir", str(srv.settings.data_dir)
    )
    assert again.status == 0 and len(await alice.joined_contacts()) == 1


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--phone", "12345", "--name", "Li"], "Invalid value for '--phone'"),
        (["--phone", "not a phone", "--name", "Li"], "Invalid value for '--phone'"),
        (["--phone", "+8613800138000", "--name", "   "], "Invalid value for '--name'"),
        (["--phone", "+8613800138000", "--name", "x" * 65], "Invalid value for '--name'"),
        (["--name", "Li"], "Missing option '--phone'"),
    ],
)
async def test_user_mistakes_get_a_clear_error_and_status_2(
    tmp_path: Path, args: list[str], complaint: str
) -> None:
    run = await lianxin("user", "create", *args, "--data-dir", str(tmp_path / "data"))
    assert run.status == 2
    assert complaint in run.err and run.out == ""
    no_traceback(run)
    assert not (tmp_path / "data").exists()  # refused before touching anything


async def test_invalid_settings_are_usage_errors(tmp_path: Path) -> None:
    bad_env = await lianxin(
        "db", "upgrade", "--data-dir", str(tmp_path), env={"LIANXIN_SQLITE_SYNCHRONOUS": "OFF"}
    )
    assert bad_env.status == 2 and "LIANXIN_SQLITE_SYNCHRONOUS" in bad_env.err
    bad_url = await lianxin("db", "upgrade", "--database-url", "mysql://db/lianxin")
    assert bad_url.status == 2 and "--database-url must be" in bad_url.err
    bad_port = await lianxin("serve", "--port", "70000")
    assert bad_port.status == 2 and "'--port'" in bad_port.err
    for run in (bad_env, bad_url, bad_port):
        no_traceback(run)


async def test_unreachable_services_fail_in_one_line(tmp_path: Path) -> None:
    no_db = await lianxin(
        "db", "upgrade", "--database-url", "postgresql://lianxin:s3cret@127.0.0.1:1/lianxin"
    )
    assert no_db.status == 1
    assert "cannot use the database" in no_db.err and "s3cret" not in no_db.err
    no_dir = await lianxin(
        "user", "create", "--phone", next_phone(), "--name", "Li", "--data-dir", "/proc/lianxin"
    )
    assert no_dir.status == 1 and "cannot use the database" in no_dir.err
    no_redis = await lianxin(
        "serve", "--data-dir", str(tmp_path), "--port", "1", "--redis-url", "redis://127.0.0.1:1"
    )
    assert no_redis.status == 1 and "cannot reach Redis" in no_redis.err
    for run in (no_db, no_dir, no_redis):
        no_traceback(run)


def low_nofile() -> None:
    """In the child: an open-files limit of 512, soft and hard (as a small container's)."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (512, 512))


def test_serve_refuses_more_connections_than_its_open_files_limit(tmp_path: Path) -> None:
    """Asked for more sockets than the limit allows, serve says so before it starts,
    instead of accepting until EMFILE leaves clients hanging."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")}
    for args, env in (
        (["--max-connections", "1000"], {}),
        ([], {"LIANXIN_MAX_CONNECTIONS": "1000"}),
    ):
        out = subprocess.run(
            [sys.executable, "-m", "lianxin", "serve", "--data-dir", str(tmp_path / "d"), *args],
            env={**clean, **env},
            preexec_fn=low_nofile,
            capture_output=True,
            timeout=30,
            check=False,
        )
        err = out.stderr.decode()
        assert out.returncode == 1, err
        assert "max_connections is 1000" in err and "may open 512 files" in err, err
        assert "hold 256 connections" in err and "4 or more nodes" in err, err
        assert "LimitNOFILE" in err and "Traceback" not in err
        assert not (tmp_path / "d").exists()  # refused before touching anything


async def test_db_upgrade_sqlite_prints_revision_and_repeats(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    first = await lianxin("db", "upgrade", "--data-dir", str(data_dir))
    assert first.status == 0, first.err
    assert first.out.strip() == f"schema at revision {HEAD}"
    assert (data_dir / "lianxin.db").is_file()
    again = await lianxin("db", "upgrade", "--data-dir", str(data_dir))
    assert (again.status, again.out) == (0, first.out)


@pytest.mark.integration
async def test_db_upgrade_postgres_prints_revision(pg_database: PgDatabase) -> None:
    requires_pg()
    run = await lianxin("db", "upgrade", "--database-url", pg_database.url)
    assert run.status == 0, run.err
    assert run.out.strip() == f"schema at revision {HEAD}"
    from_env = await lianxin("db", "upgrade", env={"LIANXIN_DATABASE_URL": pg_database.url})
    assert from_env.out == run.out


def test_serve_listens_with_the_configured_backlog(tmp_path: Path) -> None:
    """``listen_backlog`` reaches listen(2): ``ss`` shows it as a listener's Send-Q."""
    import shutil
    import subprocess

    from lianxin.bench.proc import ServerProcess

    if shutil.which("ss") is None:
        pytest.skip("needs ss (iproute2)")
    somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
    wanted = min(999, somaxconn)
    server = ServerProcess(tmp_path, env={"LIANXIN_LISTEN_BACKLOG": str(wanted)}).start()
    try:
        out = subprocess.run(
            ["ss", "-Hlnt", f"sport = :{server.port}"], capture_output=True, text=True, check=True
        ).stdout.split()
        assert int(out[2]) == wanted, out
    finally:
        server.stop()
