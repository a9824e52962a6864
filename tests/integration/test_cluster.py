"""Two nodes on one PostgreSQL database and one Redis: users on different nodes talk live.

Each node has its own in-memory SMS, so a user signs up (or in) on the node whose
``srv.sms`` gets the code; device tokens then work on either node, as behind a load
balancer. Every check waits on frames; nothing sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import websockets.asyncio.client
import websockets.exceptions

from lianxin.client import ApiError, Client, Connection
from tests.conftest import requires_pg, requires_redis
from tests.harness import (
    REDIS_URL,
    ServerThread,
    befriend,
    create_pg_database,
    drop_pg_database,
    run,
    test_settings,
    uid,
)

pytestmark = pytest.mark.integration

Cluster = tuple[ServerThread, ServerThread]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Node 1 and node 2: same database, same Redis, separate processes' worth of state."""
    requires_pg()
    requires_redis()
    db = run(create_pg_database())
    nodes: list[ServerThread] = []
    try:
        for name in ("node1", "node2"):
            data_dir: Path = tmp_path_factory.mktemp(name)
            settings = test_settings(data_dir, database_url=db.url, redis_url=REDIS_URL)
            nodes.append(ServerThread(settings).start())
        yield nodes[0], nodes[1]
    finally:
        for node in nodes:
            node.stop()
        run(drop_pg_database(db))


def is_ev(chat: int, kind: str | None = None) -> Any:
    return lambda f: (
        f.get("t") == "ev" and f["chat"] == chat and (kind is None or f["kind"] == kind)
    )


async def connect(client: Client, closing: list[Any]) -> Connection:
    conn = await client.connect()
    closing.append(conn)
    return conn


async def test_direct_messages_cross_nodes_both_ways(cluster: Cluster, closing: list[Any]) -> None:
    node1, node2 = cluster
    alice = await node1.signup("Alice")
    bob = await node2.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    a, b = await connect(alice, closing), await connect(bob, closing)

    acks = [await a.send_text(chat, f"to bob {i}") for i in range(10)]
    for ack in acks:
        got = await b.wait_for(is_ev(chat, "text"))
        assert (got["seq"], got["id"], got["from"]) == (ack["seq"], ack["mid"], uid(alice))
    # Receipts travel back across the nodes.
    await b.mark_read(chat, acks[-1]["seq"])
    read = await a.wait_for(lambda f: f.get("t") == "read")
    assert read == {"t": "read", "chat": chat, "user": uid(bob), "seq": acks[-1]["seq"]}

    reply = await b.send_text(chat, "hi alice, from node 2")
    got = await a.wait_for(is_ev(chat, "text"))
    assert got["text"] == "hi alice, from node 2" and got["seq"] == reply["seq"]


async def test_group_message_reaches_each_session_once_in_order(
    cluster: Cluster, closing: list[Any]
) -> None:
    node1, node2 = cluster
    alice = await node1.signup("Alice")
    bob = await node2.signup("Bob")
    carol = await node1.signup("Carol")
    dave = await node1.signup("Dave")
    assert dave.account is not None
    dave2 = await node2.signin(dave.account["phone"], device="laptop")
    closing += [alice, bob, carol, dave, dave2]
    for friend in (bob, carol, dave):
        await befriend(alice, friend)
    sessions = {
        "alice@1": await connect(alice, closing),
        "bob@2": await connect(bob, closing),
        "carol@1": await connect(carol, closing),
        "dave@1": await connect(dave, closing),
        "dave@2": await connect(dave2, closing),
    }
    group = await alice.create_group("two nodes", [uid(bob), uid(carol), uid(dave)])
    chat = int(group["id"])
    for conn in sessions.values():
        await conn.wait_for(is_ev(chat, "system"))

    senders = ["alice@1", "bob@2", "dave@2", "alice@1", "dave@1", "bob@2", "carol@1"]
    sent: list[tuple[str, int]] = []
    for i, name in enumerate(senders):
        ack = await sessions[name].send_text(chat, f"message {i} from {name}")
        sent.append((name, ack["seq"]))
    # Through REST no session is the sender's: it reaches every session, carol's too.
    # Published after everything above, it proves nothing else is still on its way.
    end = await carol.send_text(chat, "end")
    sent.append(("rest", end["seq"]))

    for name, conn in sessions.items():
        expected = [seq for sender, seq in sent if sender != name]
        own = {seq for sender, seq in sent if sender == name}
        got: list[int] = []
        while len([seq for seq in got if seq not in own]) < len(expected):
            # Live, or in an evs page: a send just as the route to the new group went
            # live on a node reaches its sessions from the database (docs/protocol.md),
            # and that read may hold the session's own send too (as a resume's would).
            got.append((await conn.wait_for(is_ev(chat, "text")))["seq"])
        assert len(got) == len(set(got)), name  # no event twice
        # Each other session's message once, in chat order.
        assert [seq for seq in got if seq not in own] == expected, name
        assert [f for f in conn.drain() if f.get("t") in ("ev", "evs") and f["chat"] == chat] == []


async def test_presence_of_a_friend_on_the_other_node(cluster: Cluster, closing: list[Any]) -> None:
    node1, node2 = cluster
    alice = await node1.signup("Alice")
    bob = await node2.signup("Bob")
    closing += [alice, bob]
    await befriend(alice, bob)
    a = await connect(alice, closing)
    assert await alice.presence([uid(bob)]) == [
        {"user": uid(bob), "online": False, "last_seen": None}
    ]

    b = await connect(bob, closing)
    online = await a.wait_for(lambda f: f.get("t") == "presence")
    assert online == {"t": "presence", "user": uid(bob), "online": True, "last_seen": None}
    assert (await alice.presence([uid(bob)]))[0]["online"] is True  # asked on node 1
    assert (await a.presence([uid(bob)]))[0]["online"] is True

    await b.close()
    offline = await a.wait_for(lambda f: f.get("t") == "presence")
    assert offline["user"] == uid(bob) and offline["online"] is False
    assert isinstance(offline["last_seen"], int)
    [seen] = await alice.presence([uid(bob)])
    assert seen == {"user": uid(bob), "online": False, "last_seen": offline["last_seen"]}


async def test_signing_out_a_device_on_one_node_kicks_its_socket_on_the_other(
    cluster: Cluster, closing: list[Any]
) -> None:
    node1, node2 = cluster
    laptop = await node1.signup("Bob", device="laptop")
    assert laptop.account is not None
    phone = await node2.signin(laptop.account["phone"], device="phone")
    closing += [laptop, phone]
    on_node2 = await connect(phone, closing)
    on_node1 = await connect(laptop, closing)
    phone_device = on_node2.welcome["device"]

    await laptop.sign_out_device(phone_device)  # REST on node 1
    assert (await on_node2.wait_for(lambda f: f["t"] == "signed_out")) == {
        "t": "signed_out",
        "device": phone_device,
    }
    closed = await on_node2.wait_for(lambda f: f["t"] == "closed")
    assert closed["code"] == 4002
    assert (await on_node1.ping())["t"] == "pong"  # the other device stays connected
    for node in (node1, node2):
        revoked = Client(node.url, phone.token)
        closing.append(revoked)
        with pytest.raises(ApiError) as err:
            await revoked.me()
        assert err.value.status == 401


async def test_typing_crosses_nodes(cluster: Cluster, closing: list[Any]) -> None:
    node1, node2 = cluster
    alice = await node1.signup("Alice")
    bob = await node2.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    a, b = await connect(alice, closing), await connect(bob, closing)

    await a.typing(chat)
    assert await b.wait_for(lambda f: f["t"] == "typing") == {
        "t": "typing",
        "chat": chat,
        "user": uid(alice),
    }
    await b.typing(chat)
    typing = await a.wait_for(lambda f: f["t"] == "typing")
    assert typing["user"] == uid(bob) and typing["chat"] == chat


async def test_sign_out_on_one_node_is_immediate_on_the_other(
    cluster: Cluster, closing: list[Any]
) -> None:
    """Tokens are checked against the database on every request and connection, so a
    device signed out through node 1 is refused by node 2 on its very next use."""
    node1, node2 = cluster
    user = await node1.signup("Leaving")
    assert user.account is not None and user.token is not None
    keep = await node1.signin(user.account["phone"], device="keep")
    on_node2 = Client(node2.url, token=user.token)
    closing += [user, keep, on_node2]
    assert (await on_node2.me())["id"] == uid(user)
    live = await connect(on_node2, closing)  # this device's socket lives on node 2

    await user.sign_out()  # through node 1
    try:
        await on_node2.me()
        raise AssertionError("node 2 still accepted a signed-out token")
    except ApiError as exc:
        assert exc.code == "unauthorized"
    await live.wait_for(lambda f: f.get("t") == "closed")
    assert live.close_code == 4002
    async with websockets.asyncio.client.connect(node2.url.replace("http", "ws") + "/ws") as ws:
        await ws.send(orjson.dumps({"t": "hello", "token": user.token, "r": 1}).decode())
        refusal = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        assert (refusal["t"], refusal["code"]) == ("error", "unauthorized")
        with pytest.raises(websockets.exceptions.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code == 4001
    keep_on_node2 = Client(node2.url, token=keep.token)
    closing.append(keep_on_node2)  # closed by the fixture: an unclosed client leaks its socket
    assert (await keep_on_node2.me())["id"] == uid(user)
