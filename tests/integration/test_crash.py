"""kill -9 in the middle of a burst: nothing acknowledged is lost, exactly once, in order.

The sender keeps a window of unacknowledged sends in flight over one WebSocket, the
server process is SIGKILLed after a few hundred acks, restarted on the same data,
and the sender retries every send it has no ack for (and a few whose acks it "lost"),
with the same client id. The chat's history must then hold every message exactly once,
in the order sent, under a gap-free sequence, and every ack must point at its message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from lianxin.client import Client, Connection
from tests.conftest import requires_pg
from tests.harness import (
    ServerProcess,
    befriend,
    create_pg_database,
    drop_pg_database,
    next_phone,
)

MESSAGES = 800
KILL_AFTER_ACKS = 300
WINDOW = 50
LOST_ACKS = 10

# Two server starts and a few thousand fsyncs: generous on a busy machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
async def process(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ServerProcess]:
    """A ``lianxin serve`` child process (not started yet) on embedded SQLite or PostgreSQL."""
    if request.param == "sqlite":
        srv = ServerProcess(tmp_path / "data")  # the harness asks for synchronous=FULL
        yield srv
        crash(srv)
        return
    requires_pg()
    db = await create_pg_database()
    srv = ServerProcess(tmp_path / "data", env={"LIANXIN_DATABASE_URL": db.url})
    try:
        yield srv
    finally:
        crash(srv)
        await drop_pg_database(db)


def crash(srv: ServerProcess) -> None:
    """SIGKILL the server."""
    srv.kill()


async def signed_in(srv: ServerProcess, token: str, closing: list[Any]) -> Client:
    client = Client(srv.url, token)
    closing.append(client)
    client.account = await client.me()
    return client


async def pump(
    conn: Connection, chat: int, client_ids: list[str], *, kill: ServerProcess | None = None
) -> dict[str, dict[str, Any]]:
    """Send with up to WINDOW acks outstanding; acks by client id, in the order they came.

    With ``kill``, the server is SIGKILLed once KILL_AFTER_ACKS acks are in, with sends
    still in flight; acks already on their way are still read until the socket closes.
    """
    acks: dict[str, dict[str, Any]] = {}
    sent = 0
    killed = False
    while len(acks) < len(client_ids):
        while not killed and sent < len(client_ids) and sent - len(acks) < WINDOW:
            cid = client_ids[sent]
            await conn.send_frame({"t": "send", "r": cid, "id": cid, "chat": chat, "text": cid})
            sent += 1
        frame = await conn.next_event(timeout=30)
        if frame["t"] == "closed":
            assert killed, f"connection closed before the kill: {frame}"
            break
        assert frame["t"] != "error", frame
        if frame["t"] != "ack":
            continue
        assert frame["r"] == frame["id"] and frame["id"] not in acks
        acks[frame["id"]] = frame
        if kill is not None and not killed and len(acks) >= KILL_AFTER_ACKS:
            assert sent > len(acks), "the kill must hit sends in flight"
            crash(kill)
            killed = True
    return acks


async def full_history(client: Client, chat: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while True:
        page = await client.history(chat, after=events[-1]["seq"] if events else 0, limit=200)
        events += page["events"]
        if not page["more"]:
            return events


async def test_kill_9_mid_burst_loses_nothing_acknowledged(
    process: ServerProcess, closing: list[Any]
) -> None:
    alice_token = process.create_user(next_phone(), "Alice")
    bob_token = process.create_user(next_phone(), "Bob")
    process.start()
    alice = await signed_in(process, alice_token, closing)
    bob = await signed_in(process, bob_token, closing)
    chat = await befriend(alice, bob)
    client_ids = [f"burst-{i:04d}" for i in range(MESSAGES)]

    conn = await alice.connect()
    closing.append(conn)
    before = await pump(conn, chat, client_ids, kill=process)
    assert KILL_AFTER_ACKS <= len(before) < MESSAGES
    # Acks come back in the order the sends went out, with increasing seqs.
    assert list(before) == client_ids[: len(before)]
    seqs = [a["seq"] for a in before.values()]
    assert seqs == sorted(set(seqs))
    assert not any(a["duplicate"] for a in before.values())

    process.start()  # same port, same data
    conn = await alice.connect()
    closing.append(conn)
    # Retry everything without an ack, plus the last few acked sends as if their acks
    # had been lost in the crash: those must come back as the stored originals.
    unacked = client_ids[len(before) :]
    lost_acks = client_ids[len(before) - LOST_ACKS : len(before)]
    retried = await pump(conn, chat, lost_acks + unacked)
    assert list(retried) == lost_acks + unacked
    for cid in lost_acks:
        assert retried[cid]["duplicate"] is True
        assert (retried[cid]["seq"], retried[cid]["mid"]) == (
            before[cid]["seq"],
            before[cid]["mid"],
        )
    # Sends stored just before the kill but never acked also come back as duplicates;
    # they can only be the first retries, as the server handles a socket's sends in order.
    duplicates = [c for c in unacked if retried[c]["duplicate"]]
    assert duplicates == unacked[: len(duplicates)]

    acks = {**before, **retried}
    for reader in (alice, bob):
        events = await full_history(reader, chat)
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        messages = [e for e in events if e["kind"] == "text"]
        assert [e["cid"] for e in messages] == client_ids  # each once, in send order
        for ev in messages:
            ack = acks[ev["cid"]]
            assert (ev["seq"], ev["id"], ev["text"]) == (ack["seq"], ack["mid"], ev["cid"])
