"""``lianxin reports list | resolve`` against a data dir the server wrote."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from lianxin.cli import main
from tests.harness import ServerThread, befriend, test_settings, uid


async def lianxin(data_dir: Path, *args: str) -> Any:
    """Run the command in a thread: it starts its own event loop, as it does from a shell."""
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, main, [*args, "--data-dir", str(data_dir)])


async def test_list_and_resolve_reports(tmp_path: Path) -> None:
    srv = ServerThread(test_settings(tmp_path)).start()
    try:
        me = await srv.signup("Me")
        bad = await srv.signup("Bad")
        chat = await befriend(me, bad)
        seq = int((await bad.send_text(chat, "buy cheap watches"))["seq"])
        first = await me.report("spam", user_id=uid(bad), note="keeps adding me")
        second = await me.report("fraud", chat_id=chat, seq=seq)
        await me.close()
        await bad.close()
    finally:
        srv.stop()

    listed = await lianxin(tmp_path, "reports", "list")
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.strip().splitlines()
    assert [int(line.split("\t")[0]) for line in lines] == [first["id"], second["id"]]
    assert "spam" in lines[0] and f"user {uid(bad)}" in lines[0] and "keeps adding me" in lines[0]
    assert f"message {chat}/{seq}" in lines[1] and "buy cheap watches" in lines[1]

    done = await lianxin(tmp_path, "reports", "resolve", str(first["id"]), "--note", "warned")
    assert done.exit_code == 0 and f"report {first['id']} resolved" in done.output
    open_now = await lianxin(tmp_path, "reports", "list", "--open")
    assert [int(x.split("\t")[0]) for x in open_now.stdout.strip().splitlines()] == [second["id"]]
    every = await lianxin(tmp_path, "reports", "list", "--all")
    assert "resolution: warned" in every.stdout and "resolved" in every.stdout

    for args, message in (
        (("resolve", str(first["id"])), "already resolved"),
        (("resolve", "999999"), "no report 999999"),
        (("resolve", "0"), "ID"),
        (("resolve", "abc"), "ID"),
    ):
        refused = await lianxin(tmp_path, "reports", *args)
        assert refused.exit_code == 2 and message in refused.output, refused.output
        assert "Traceback" not in refused.output

    await lianxin(tmp_path, "reports", "resolve", str(second["id"]))
    empty = await lianxin(tmp_path, "reports", "list")
    assert empty.exit_code == 0 and "no open reports" in empty.output


async def test_help() -> None:
    runner = CliRunner()
    for args in (
        ["reports", "--help"],
        ["reports", "list", "--help"],
        ["reports", "resolve", "-h"],
    ):
        result = await asyncio.to_thread(runner.invoke, main, args)
        assert result.exit_code == 0 and "Usage" in result.output
    listing = await asyncio.to_thread(runner.invoke, main, ["--help"])
    assert "  reports " in listing.output
