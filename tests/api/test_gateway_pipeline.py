"""Pipelined sends: a session reads its next frame while earlier sends commit, and still
answers every frame in order, stores each client id once, and gives each chat's
messages gap-free seqs in the order they were sent."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect

from lianxin.client import Client
from lianxin.gateway.session import PIPELINE_MAX
from tests.harness import ServerThread, befriend, uid


async def hello(srv: ServerThread, token: str | None) -> ClientConnection:
    ws = await connect(srv.url.replace("http", "ws") + "/ws")
    await ws.send(orjson.dumps({"t": "hello", "token": token}).decode())
    while orjson.loads(await asyncio.wait_for(ws.recv(), 5))["t"] != "synced":
        pass
    return ws


async def replies(ws: ClientConnection, n: int) -> list[dict[str, Any]]:
    """The next ``n`` frames answering a request (``r`` set), in arrival order."""
    out: list[dict[str, Any]] = []
    while len(out) < n:
        frame = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
        if "r" in frame:
            out.append(frame)
    return out


async def events(ws: ClientConnection, chat: int, n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while len(out) < n:
        frame = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["t"] == "ev" and frame["chat"] == chat:
            out.append(frame)
        elif frame["t"] == "evs" and frame["chat"] == chat:
            out.extend(frame["events"])
    return out


async def blast(ws: ClientConnection, frames: list[str]) -> None:
    """Write every frame without waiting for any answer."""
    for frame in frames:
        await ws.send(frame)


async def friends_online(
    server: ServerThread, closing: list[Any]
) -> tuple[Client, Client, int, ClientConnection, ClientConnection]:
    """Alice and Bob, friends, each with a socket past hello: (alice, bob, chat, a, b)."""
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    a, b = await hello(server, alice.token), await hello(server, bob.token)
    closing += [a, b]
    return alice, bob, chat, a, b


def send(r: int, chat: int, cid: str, text: str = "hi", **extra: Any) -> str:
    frame = {"t": "send", "r": r, "chat": chat, "id": cid, "text": text, **extra}
    return orjson.dumps(frame).decode()


async def test_back_to_back_sends_ack_in_order_with_gap_free_seqs(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, _bob, chat, a, b = await friends_online(server, closing)
    n = PIPELINE_MAX * 2 + 5  # past the session's window: reading pauses, nothing is lost
    await blast(a, [send(i, chat, f"m{i}", f"text {i}") for i in range(n)])
    acks = await replies(a, n)
    assert [f["r"] for f in acks] == list(range(n))
    assert all(f["t"] == "ack" and not f["duplicate"] for f in acks)
    seqs = [f["seq"] for f in acks]
    assert seqs == list(range(seqs[0], seqs[0] + n))
    got = await events(b, chat, n)
    assert [(e["seq"], e["cid"], e["text"]) for e in got] == [
        (seqs[i], f"m{i}", f"text {i}") for i in range(n)
    ]
    page = await alice.history(chat, limit=200)
    assert [e.get("cid") for e in page["events"] if e["kind"] == "text"] == [
        f"m{i}" for i in range(n)
    ]


async def test_repeated_client_ids_in_one_pipeline_store_once(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, chat, a, b = await friends_online(server, closing)
    cids = ["x", "y", "x", "z", "y", "x"]
    await blast(a, [send(i, chat, cid) for i, cid in enumerate(cids)])
    acks = await replies(a, len(cids))
    assert [f["r"] for f in acks] == list(range(len(cids)))
    first = {}
    for f in acks:
        first.setdefault(f["id"], f)
        assert (f["seq"], f["mid"]) == (first[f["id"]]["seq"], first[f["id"]]["mid"])
        assert f["duplicate"] == (f is not first[f["id"]])
    assert [first[c]["seq"] for c in "xyz"] == [acks[0]["seq"] + i for i in range(3)]
    got = await events(b, chat, 3)
    assert [e["cid"] for e in got] == ["x", "y", "z"]
    # A later resend (next batch) is a duplicate too, and nothing more reached Bob.
    await a.send(send(9, chat, "y"))
    (again,) = await replies(a, 1)
    assert again["duplicate"] and again["seq"] == first["y"]["seq"]
    page = await bob.history(chat)
    assert [e.get("cid") for e in page["events"] if e["kind"] == "text"] == ["x", "y", "z"]
    # A repeat is answered after the batch; a send to another chat behind it still waits
    # for it, so the acks keep the frames' order.
    carol = await server.signup("Carol")
    closing.append(carol)
    other = await befriend(alice, carol)
    await blast(a, [send(20, chat, "w"), send(21, chat, "w"), send(22, other, "v")])
    w1, w2, v = await replies(a, 3)
    assert [(f["r"], f["id"], f["duplicate"]) for f in (w1, w2, v)] == [
        (20, "w", False),
        (21, "w", True),
        (22, "v", False),
    ]


async def test_refused_sends_mid_pipeline_leave_the_others_in_order(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol = [await server.signup(n) for n in ("Alice", "Bob", "Carol")]
    closing += [alice, bob, carol]
    chat = await befriend(alice, bob)
    theirs = await befriend(bob, carol)  # Alice is no member of it
    a, b = await hello(server, alice.token), await hello(server, bob.token)
    closing += [a, b]
    frames = [
        send(0, chat, "a0"),
        send(1, theirs, "a1"),  # not a member
        send(2, chat, "a2"),
        send(3, chat, "a3", "字" * 5000),  # too long: refused before it is queued
        '{"t":"send","r":4,"chat":"nope","id":"a4"}',  # invalid frame
        send(5, chat, "a5"),
        send(6, 999_999, "a6"),  # no such chat
        send(7, chat, "a1"),  # the refused send's client id is still free
        '{"t":"ping","r":8}',  # any other frame is answered after the sends before it
        send(9, chat, "a9"),
    ]
    await blast(a, frames)
    got = await replies(a, len(frames))
    assert [f["r"] for f in got] == list(range(len(frames)))
    kinds = [f["t"] if f["t"] != "error" else f["code"] for f in got]
    assert kinds == [
        "ack",
        "not_member",
        "ack",
        "text_too_long",
        "bad_frame",
        "ack",
        "not_member",
        "ack",
        "pong",
        "ack",
    ]
    seqs = [f["seq"] for f in got if f["t"] == "ack"]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    assert [e["cid"] for e in await events(b, chat, 5)] == ["a0", "a2", "a5", "a1", "a9"]
    page = await carol.history(theirs)
    assert not [e for e in page["events"] if e["kind"] == "text"]


async def test_blocked_pipeline_is_refused_without_seqs(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    await bob.block(uid(alice))
    a = await hello(server, alice.token)
    closing.append(a)
    await blast(a, [send(i, chat, f"b{i}") for i in range(5)])
    got = await replies(a, 5)
    assert [(f["r"], f["t"], f.get("code")) for f in got] == [
        (i, "error", "blocked") for i in range(5)
    ]
    await bob.unblock(uid(alice))
    await a.send(send(5, chat, "after"))
    (ack,) = await replies(a, 1)
    before = await bob.history(chat)
    assert ack["seq"] == max(e["seq"] for e in before["events"])
    assert [e["seq"] for e in before["events"]] == list(range(1, ack["seq"] + 1))


async def test_two_sessions_pipelining_into_one_chat(
    server: ServerThread, closing: list[Any]
) -> None:
    _alice, bob, chat, a, b = await friends_online(server, closing)
    n = 40
    frames_a = [send(i, chat, f"a{i}") for i in range(n)]
    frames_b = [send(i, chat, f"b{i}") for i in range(n)]
    await asyncio.gather(blast(a, frames_a), blast(b, frames_b))
    acks_a, acks_b = await asyncio.gather(replies(a, n), replies(b, n))
    for acks in (acks_a, acks_b):
        assert [f["r"] for f in acks] == list(range(n))
        seqs = [f["seq"] for f in acks]
        assert seqs == sorted(seqs)  # each sender's messages in the order it sent them
    every = sorted(f["seq"] for f in acks_a + acks_b)
    assert every == list(range(every[0], every[0] + 2 * n))
    # A reply (the general send path) after a pipeline keeps its place too.
    reply_seq = acks_a[-1]["seq"]
    await blast(a, [send(100, chat, "r1", reply_to=reply_seq), send(101, chat, "r2")])
    r1, r2 = await replies(a, 2)
    assert (r1["r"], r2["r"]) == (100, 101) and r2["seq"] == r1["seq"] + 1
    page = await bob.history(chat, limit=200)
    texts = [e for e in page["events"] if e["kind"] == "text"]
    assert [e["seq"] for e in texts] == sorted({e["seq"] for e in texts})
    assert len(texts) == 2 * n + 2


async def test_bad_send_frames_are_refused_word_for_word(
    server: ServerThread, closing: list[Any]
) -> None:
    """Refusals of ``send`` frames are pydantic's, as before the fast path (which never
    refuses); frames it leaves to pydantic that pydantic coerces are still acked."""
    _, _, chat, a, _ = await friends_online(server, closing)
    invalid = "invalid frame: send."
    table = [
        (send(1, 0, "b1"), f"{invalid}chat: Input should be greater than or equal to 1"),
        (send(2, 2**53 + 1, "b2"), f"{invalid}chat: Input should be less than or equal to {2**53}"),
        (send(3, chat, ""), f"{invalid}id: String should have at least 1 character"),
        (send(4, chat, "x" * 65), f"{invalid}id: String should have at most 64 characters"),
        (send(5, chat, "b5", 5), f"{invalid}text: Input should be a valid string"),  # type: ignore[arg-type]
        (send(6, chat, "b6", evil=1), f"{invalid}evil: Extra inputs are not permitted"),
        (send(7, chat, 7), f"{invalid}id: Input should be a valid string"),  # type: ignore[arg-type]
        (
            send(1.5, chat, "b8"),  # type: ignore[arg-type]
            f"{invalid}r.int: Input should be a valid integer, got a number with a fractional part",
        ),
    ]
    await blast(a, [raw for raw, _ in table])
    got = await replies(a, len(table))
    assert [(f["t"], f["code"], f["r"], f["message"]) for f in got] == [
        ("error", "bad_frame", orjson.loads(raw)["r"], message) for raw, message in table
    ]
    coerced = [
        send(9, float(chat), "c9"),  # type: ignore[arg-type]
        send(10, str(chat), "c10"),  # type: ignore[arg-type]
        send("r11", chat, "c11"),  # type: ignore[arg-type]
        send(12, chat, "c12"),
    ]
    await blast(a, coerced)
    acks = await replies(a, len(coerced))
    assert [(f["t"], f["r"], f["id"], f["chat"]) for f in acks] == [
        ("ack", 9, "c9", chat),
        ("ack", 10, "c10", chat),
        ("ack", "r11", "c11", chat),
        ("ack", 12, "c12", chat),
    ]
    assert [f["seq"] for f in acks] == list(range(acks[0]["seq"], acks[0]["seq"] + 4))
