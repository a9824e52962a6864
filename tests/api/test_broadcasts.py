"""Broadcasts: every follower gets the message exactly once, also when the job is
interrupted (server stopped mid-way) or a node holding it dies (its lease lapses and the
job is redone from an old cursor); people who unfollowed or never followed get nothing."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from lianxin.client import Client
from lianxin.store.official import official_broadcasts
from tests.harness import ServerThread, refused, test_settings, uid


async def status_when(
    owner: Client, account: int, job: int, ready: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """Poll the broadcast's progress (as its owner would) until ``ready`` says so."""
    deadline = time.monotonic() + 60
    status = await owner.broadcast_status(account, job)
    while not ready(status):
        assert time.monotonic() < deadline, status
        await asyncio.sleep(0.05)
        status = await owner.broadcast_status(account, job)
    return status


async def finished(owner: Client, account: int, job: int) -> dict[str, Any]:
    return await status_when(owner, account, job, lambda s: s["state"] == "done")


async def received(client: Client, chat: int, text: str) -> int:
    """How many messages with ``text`` this user has in the chat."""
    events = (await client.history(chat, limit=200))["events"]
    return sum(1 for e in events if e.get("text") == text)


async def audience(
    server: Any, owner: Client, n: int, closing: list[Any]
) -> tuple[int, list[Client]]:
    account = (await owner.create_official("Daily"))["id"]
    fans = [await server.signup(f"Fan {i}") for i in range(n)]
    closing.extend(fans)
    for fan in fans:
        await fan.follow(account)
    return account, fans


async def test_broadcast_reaches_each_follower_once(
    server: ServerThread, closing: list[Any]
) -> None:
    owner = await server.signup("Owner")
    outsider = await server.signup("Outsider")
    closing.extend([owner, outsider])
    account, fans = await audience(server, owner, 4, closing)
    leaver = fans.pop()
    await leaver.unfollow(account)
    blocker = fans.pop()
    await blocker.block(account)  # still a follower, but refuses the account's messages
    owner_conn = await owner.connect()
    closing.append(owner_conn)

    cid = uuid.uuid4().hex
    job = await owner.broadcast(account, "Hello followers", client_id=cid)
    assert (job["state"], job["total"]) == ("queued", 3)
    again = await owner.broadcast(account, "Hello followers", client_id=cid)
    assert again["id"] == job["id"]
    await refused(owner.broadcast(account, "Other text", client_id=cid), "conflict", 409)
    await refused(owner.broadcast(account, "  "), "bad_request", 400)

    done = await finished(owner, account, job["id"])
    assert (done["sent"], done["skipped"], done["total"]) == (2, 1, 3)
    for fan in fans:
        chat = (await fan.official(account))["chat_id"]
        assert await received(fan, chat, "Hello followers") == 1
    for other in (leaver, blocker):
        chat = (await other.official(account))["chat_id"]
        assert await received(other, chat, "Hello followers") == 0
    assert (await outsider.official(account))["chat_id"] is None

    while (frame := await owner_conn.next_event()).get("t") != "broadcast" or (
        frame["broadcast"]["state"] != "done"
    ):
        pass
    assert frame["broadcast"]["id"] == job["id"] and frame["broadcast"]["sent"] == 2
    assert [b["id"] for b in await owner.broadcasts(account)] == [job["id"]]

    await refused(outsider.broadcast_status(account, job["id"]), "not_found", 404)
    await refused(outsider.cancel_broadcast(account, job["id"]), "not_found", 404)
    await refused(owner.cancel_broadcast(account, job["id"]), "conflict", 409)


async def test_cancel_stops_a_broadcast(make_server: Any, closing: list[Any]) -> None:
    srv = make_server(official_broadcast_rate=2, official_broadcast_poll_s=0.1)
    owner = await srv.signup("Owner")
    closing.append(owner)
    account, fans = await audience(srv, owner, 6, closing)
    job = await owner.broadcast(account, "Slow news")
    await status_when(owner, account, job["id"], lambda s: s["state"] != "queued")
    cancelled = await owner.cancel_broadcast(account, job["id"])
    assert cancelled["state"] == "cancelled"
    await asyncio.sleep(1.5)
    got = 0
    for fan in fans:
        got += await received(fan, (await fan.official(account))["chat_id"], "Slow news")
    assert got < len(fans)
    assert (await owner.broadcast_status(account, job["id"]))["state"] == "cancelled"


def _restart(data_dir: Path, **overrides: Any) -> ServerThread:
    return ServerThread(test_settings(data_dir, **overrides)).start()


def _rebind(clients: list[Client], srv: ServerThread, closing: list[Any]) -> list[Client]:
    fresh = [Client(srv.url, c.token) for c in clients]
    closing.extend(fresh)
    return fresh


async def test_interrupted_broadcast_resumes_exactly_once(
    tmp_path: Path, closing: list[Any]
) -> None:
    slow = {"official_broadcast_rate": 4.0, "official_broadcast_poll_s": 0.1}
    first = _restart(tmp_path, **slow)
    try:
        owner = await first.signup("Owner")
        account, fans = await audience(first, owner, 8, closing)
        job = await owner.broadcast(account, "Part one")
        await status_when(owner, account, job["id"], lambda s: s["sent"] > 0)
        await owner.close()
    finally:
        first.stop()  # mid-way: the worker is cancelled and gives the job back

    engine = create_async_engine(first.settings.effective_database_url)
    try:
        async with engine.connect() as conn:
            query = select(official_broadcasts).where(official_broadcasts.c.id == job["id"])
            mid = (await conn.execute(query)).one()
    finally:
        await engine.dispose()
    assert mid.state == "sending" and mid.lease_owner is None  # released on shutdown
    assert 0 < mid.sent < len(fans), mid

    second = _restart(tmp_path, official_broadcast_poll_s=0.1)
    try:
        owner, *fans = _rebind([owner, *fans], second, closing)
        done = await finished(owner, account, job["id"])
        assert done["sent"] == len(fans)
        for fan in fans:
            chat = (await fan.official(account))["chat_id"]
            assert await received(fan, chat, "Part one") == 1, uid(fan)
    finally:
        second.stop()


async def test_dead_nodes_lease_lapses_and_resend_makes_no_twins(
    make_server: Any, closing: list[Any]
) -> None:
    srv = make_server(official_broadcast_poll_s=0.1)
    owner = await srv.signup("Owner")
    closing.append(owner)
    account, fans = await audience(srv, owner, 5, closing)
    job = await owner.broadcast(account, "Once only")
    await finished(owner, account, job["id"])

    # A node claimed the job again, sent nothing it saved, and died: its lease still runs,
    # and the cursor is back at the start.
    lease_until = srv.clock.now_ms() + 1500
    engine = create_async_engine(srv.settings.effective_database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(official_broadcasts)
                .where(official_broadcasts.c.id == job["id"])
                .values(
                    state="sending",
                    cursor=0,
                    sent=0,
                    skipped=0,
                    lease_owner="dead-node",
                    lease_until=lease_until,
                    finished_at=None,
                )
            )
    finally:
        await engine.dispose()
    await asyncio.sleep(0.5)
    held = await owner.broadcast_status(account, job["id"])
    assert (held["state"], held["sent"]) == ("sending", 0)  # nobody takes a live lease
    done = await finished(owner, account, job["id"])
    assert done["sent"] == len(fans)  # every send found its original: a duplicate
    for fan in fans:
        chat = (await fan.official(account))["chat_id"]
        assert await received(fan, chat, "Once only") == 1
