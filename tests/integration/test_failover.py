"""Three `lianxin serve` processes on one PostgreSQL and one Redis; one is SIGKILLed mid-traffic.

Six users, two per node, chat 1:1 (three pairs across nodes) and in one group of all six,
each keeping sends going with a client id per message. Node 0 is killed with sends in
flight. Its users' sockets fail over to the other nodes (the client's list of node URLs)
and resume with their seqs, then resend whatever had no ack with the same client ids.
Then, for every device: nothing acked is missing, nothing arrived twice, each chat's
events arrived in seq order, and what others sent while it was cut off did arrive.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lianxin.client import Client, Connection
from tests.conftest import requires_pg, requires_redis
from tests.harness import (
    REDIS_URL,
    ServerProcess,
    befriend,
    create_pg_database,
    drop_pg_database,
    next_phone,
)

NODES = 3
USERS = 6
PER_USER = 30  # sends per user, alternating between the direct chat and the group
KILL_AFTER_ACKS = 50  # of USERS * PER_USER = 180
RECONNECT_DELAY_S = 0.5  # the outage the failed-over devices see, at least

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.fixture
async def nodes(tmp_path: Path) -> AsyncIterator[list[ServerProcess]]:
    requires_pg()
    requires_redis()
    db = await create_pg_database()
    env = {
        "LIANXIN_DATABASE_URL": db.url,
        "LIANXIN_REDIS_URL": REDIS_URL,
        "LIANXIN_REDIS_PREFIX": db.name,  # isolated from other tests on this Redis
    }
    procs = [ServerProcess(tmp_path / f"node{i}", env=env) for i in range(NODES)]
    try:
        # The first start migrates; the others would wait on the migration lock anyway.
        await asyncio.to_thread(procs[0].start)
        await asyncio.gather(*(asyncio.to_thread(p.start) for p in procs[1:]))
        yield procs
    finally:
        for p in procs:
            p.kill()
        await drop_pg_database(db)


@dataclass
class Device:
    """One user's socket and everything it received, by chat."""

    index: int
    name: str
    client: Client
    conn: Connection
    got: dict[int, list[tuple[int, str | None]]] = field(default_factory=dict)
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    ack_times: dict[str, float] = field(default_factory=dict)
    closed_at: float | None = None
    reconnected_at: float | None = None
    reader: asyncio.Task[None] | None = None

    def seen(self, chat: int, event: dict[str, Any]) -> None:
        if event.get("kind") == "text":
            self.got.setdefault(chat, []).append((event["seq"], event.get("cid")))

    async def read(self) -> None:
        async for frame in _frames(self.conn):
            kind = frame["t"]
            if kind == "ev":
                self.seen(frame["chat"], frame)
            elif kind == "evs":
                for ev in frame["events"]:
                    self.seen(frame["chat"], ev)
            elif kind == "closed" and self.closed_at is None:
                self.closed_at = time.monotonic()
                print(self.name, "closed", frame.get("code"))
            elif kind == "reconnected":
                self.reconnected_at = time.monotonic()
                print(self.name, "reconnected", frame["url"])


async def _frames(conn: Connection) -> AsyncIterator[dict[str, Any]]:
    while True:
        yield await conn.events.get()


CREATE = """
import sys
from click.testing import CliRunner
from lianxin.cli import main
for phone, name in zip(sys.argv[2::2], sys.argv[3::2]):
    out = CliRunner().invoke(main, ["user", "create", "--phone", phone, "--name", name,
                                    "--data-dir", sys.argv[1]])
    assert out.exit_code == 0, out.output
    print(out.stdout.strip().splitlines()[-1])
"""


def create_users(node: ServerProcess, n: int) -> list[str]:
    """Device tokens of n new users, made by `lianxin user create` in one interpreter."""
    args = [a for i in range(n) for a in (next_phone(), f"User{i}")]
    cmd = [sys.executable, "-c", CREATE, str(node.data_dir), *args]
    out = subprocess.run(cmd, env=node.env, capture_output=True, check=True, timeout=60)
    tokens = out.stdout.decode().split()
    assert len(tokens) == n, out
    return tokens


async def send_all(dev: Device, plan: list[tuple[int, str]], acked: list[int]) -> None:
    """Send each (chat, client id) until acked, resending the same id across a failover."""
    for chat, cid in plan:
        while True:
            try:
                ack = await dev.conn.send_text(chat, cid, client_id=cid)
                break
            except (ConnectionError, TimeoutError):
                await dev.conn.ready(timeout=30)
        dev.acks[cid] = ack
        dev.ack_times[cid] = time.monotonic()
        acked[0] += 1
        await asyncio.sleep(0.01)  # a steady stream, not one burst


async def test_sigkill_one_of_three_nodes_mid_traffic(
    nodes: list[ServerProcess], closing: list[Any]
) -> None:
    started = time.monotonic()
    tokens = await asyncio.to_thread(create_users, nodes[0], USERS)
    # REST for setup and checks goes to node 1, which survives.
    clients = [Client(nodes[1].url, t) for t in tokens]
    closing.extend(clients)
    for c in clients:
        c.account = await c.me()
    pairs = [(0, 3), (1, 4), (2, 5)]  # user i is on node i % 3: each pair spans two nodes
    direct: dict[int, int] = {}
    for a, b in pairs:
        direct[a] = direct[b] = await befriend(clients[a], clients[b])
    for i in range(1, USERS):
        if (0, i) not in pairs:
            await befriend(clients[0], clients[i])
    group = await clients[0].create_group(
        "three nodes", [int(c.account["id"]) for c in clients[1:]]
    )  # type: ignore[index]
    chat_group = int(group["id"])
    print(f"setup {time.monotonic() - started:.1f}s")

    devices: list[Device] = []
    for i, token in enumerate(tokens):
        home = i % NODES
        order = [nodes[(home + k) % NODES].url for k in range(NODES)]
        node_client = Client(order[0], token)
        closing.append(node_client)
        conn = await node_client.connect(nodes=order[1:], reconnect=True)
        conn.reconnect_delay = RECONNECT_DELAY_S
        closing.append(conn)
        dev = Device(i, f"user{i}@node{home}", node_client, conn)
        dev.reader = asyncio.create_task(dev.read())
        devices.append(dev)

    plans = [
        [((direct[i], chat_group)[k % 2], f"u{i}-{k:03d}") for k in range(PER_USER)]
        for i in range(USERS)
    ]
    acked = [0]
    senders = [
        asyncio.create_task(send_all(d, p, acked)) for d, p in zip(devices, plans, strict=True)
    ]
    while acked[0] < KILL_AFTER_ACKS:  # noqa: ASYNC110 - polls a counter the senders bump
        await asyncio.sleep(0.005)
    nodes[0].kill()  # SIGKILL, with sends in flight on its sockets
    killed_at = time.monotonic()
    print(f"killed at {killed_at - started:.1f}s")
    await asyncio.wait_for(asyncio.gather(*senders), 60)
    print(f"all acked at {time.monotonic() - started:.1f}s")

    all_acks = {cid: ack for d in devices for cid, ack in d.acks.items()}
    assert len(all_acks) == USERS * PER_USER
    members = {chat_group: set(range(USERS))} | {direct[a]: {a, b} for a, b in pairs}

    # Every device ends up with every message the others sent in its chats.
    def expected(i: int) -> dict[int, set[str]]:
        out: dict[int, set[str]] = {}
        for j in range(USERS):
            if j == i:
                continue
            for chat, cid in plans[j]:
                if i in members[chat]:
                    out.setdefault(chat, set()).add(cid)
        return out

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all(
            want <= {cid for _, cid in devices[i].got.get(chat, [])}
            for i in range(USERS)
            for chat, want in expected(i).items()
        ):
            break
        await asyncio.sleep(0.05)

    for i, dev in enumerate(devices):
        for chat, want in expected(i).items():
            got = dev.got.get(chat, [])
            seqs = [s for s, _ in got]
            cids = [c for _, c in got]
            assert want <= set(cids), (dev.name, chat, sorted(want - set(cids))[:5])  # no loss
            assert len(cids) == len(set(cids)), (dev.name, chat, "duplicate")
            assert seqs == sorted(seqs), (dev.name, chat, "out of order")
            for seq, cid in got:  # each delivery is the acked message at its seq
                assert cid is not None and all_acks[cid]["seq"] == seq, (dev.name, cid)

    # The killed node's devices failed over; what others sent while they were cut off
    # reached them afterwards.
    for dev in devices[0::NODES]:
        assert dev.closed_at is not None and dev.reconnected_at is not None, dev.name
        assert dev.conn.url != dev.conn.urls[0], f"{dev.name} still on the killed node"
        during = {
            cid
            for other in devices
            if other is not dev
            for cid, t in other.ack_times.items()
            if killed_at <= t <= dev.reconnected_at and dev.index in members[all_acks[cid]["chat"]]
        }
        assert during, f"{dev.name}: no traffic during its outage; the test proved nothing"
        received = {cid for msgs in dev.got.values() for _, cid in msgs}
        assert during <= received, (dev.name, sorted(during - received)[:5])

    # Stored exactly once, gap-free, in each sender's order.
    for chat in members:
        events: list[dict[str, Any]] = []
        while True:
            page = await clients[min(members[chat])].history(
                chat, after=events[-1]["seq"] if events else 0, limit=200
            )
            events += page["events"]
            if not page["more"]:
                break
        assert [e["seq"] for e in events] == list(range(events[0]["seq"], events[-1]["seq"] + 1))
        texts = [e["cid"] for e in events if e["kind"] == "text"]
        assert len(texts) == len(set(texts))
        for i in range(USERS):
            mine = [c for c in texts if c.startswith(f"u{i}-")]
            assert mine == [cid for ch, cid in plans[i] if ch == chat]
    for dev in devices:
        if dev.reader is not None:
            dev.reader.cancel()
    assert time.monotonic() - started < 90
