"""``lianxin official create | verify``: operator commands, checked against the server's view."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from lianxin.cli import main
from lianxin.client import Client
from tests.harness import ServerThread, test_settings


async def lianxin(data_dir: Path, *args: str) -> Any:
    """Run the command in a thread: it starts its own event loop, as it does from a shell."""
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, main, [*args, "--data-dir", str(data_dir)])


async def test_create_and_verify_from_the_command_line(tmp_path: Path) -> None:
    made = await lianxin(tmp_path, "user", "create", "--phone", "+8613800138111", "--name", "Li")
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]

    created = await lianxin(
        tmp_path,
        "official",
        "create",
        "--owner",
        "+8613800138111",
        "--name",
        "Daily News",
        "--handle",
        "dailynews",
        "--description",
        "News every morning",
    )
    assert created.exit_code == 0, created.output
    account = int(created.stdout.strip().splitlines()[-1])

    for args, where in (
        (("create", "--owner", "nobody_here", "--name", "X"), "--owner"),
        (
            ("create", "--owner", "+8613800138111", "--name", "X", "--handle", "dailynews"),
            "--handle",
        ),
        (("create", "--owner", "+8613800138111", "--name", " "), "--name"),
        (("verify", "no_such_account"), "HANDLE"),
    ):
        refused = await lianxin(tmp_path, "official", *args)
        assert refused.exit_code == 2 and where in refused.output, refused.output
        assert "Traceback" not in refused.output

    verified = await lianxin(tmp_path, "official", "verify", "dailynews")
    assert verified.exit_code == 0 and "verified" in verified.output

    srv = ServerThread(test_settings(tmp_path)).start()
    try:
        async with Client(srv.url, token) as owner:
            profile = await owner.official(account)
            assert (profile["name"], profile["verified"], profile["owner"]) == (
                "Daily News",
                True,
                owner_id(await owner.me()),
            )
            assert [a["id"] for a in await owner.official_mine()] == [account]
    finally:
        srv.stop()

    revoked = await lianxin(tmp_path, "official", "verify", str(account), "--revoke")
    assert revoked.exit_code == 0 and "not verified" in revoked.output


def owner_id(me: dict[str, Any]) -> int:
    return int(me["id"])
