"""A live chat event reaches ``Connection.events`` as an ``ev``, however it travelled."""

from __future__ import annotations

from typing import Any

import orjson

from lianxin.client import Connection, SyncState


def ev(chat: int, seq: int, text: str = "") -> dict[str, Any]:
    return {"t": "ev", "chat": chat, "seq": seq, "kind": "text", "text": text}


def receive(conn: Connection, *frames: dict[str, Any]) -> None:
    for frame in frames:
        conn._on_message(orjson.dumps(frame))


def test_a_catch_up_page_before_synced_stays_a_page() -> None:
    conn = Connection("ws://127.0.0.1:9/ws", "token", SyncState())
    page = {"t": "evs", "chat": 4, "events": [ev(4, 1, "a"), ev(4, 2, "b")]}
    receive(conn, {"t": "sync", "since": 5, "chats": []}, page)
    assert conn.drain() == [{"t": "sync", "since": 5, "chats": []}, page]


def test_a_page_after_synced_comes_as_its_events_in_order() -> None:
    conn = Connection("ws://127.0.0.1:9/ws", "token", SyncState())
    page = {"t": "evs", "chat": 4, "events": [ev(4, 3, "b"), ev(4, 4, "c")]}
    receive(conn, {"t": "synced"}, ev(4, 2, "a"), {"t": "gap", "chat": 4, "after": 0, "before": 2})
    receive(conn, page, ev(4, 5, "d"))
    assert conn.drain() == [
        {"t": "synced"},
        ev(4, 2, "a"),
        {"t": "gap", "chat": 4, "after": 0, "before": 2},
        ev(4, 3, "b"),
        ev(4, 4, "c"),
        ev(4, 5, "d"),
    ]
    assert conn.state.seqs[4] == 5  # the resume point counts the page's events


def test_on_event_still_gets_the_page_itself() -> None:
    got: list[dict[str, Any]] = []
    conn = Connection("ws://127.0.0.1:9/ws", "token", SyncState(), on_event=got.append)
    page = {"t": "evs", "chat": 4, "events": [ev(4, 3, "b")]}
    receive(conn, {"t": "synced"}, page)
    assert got == [page]
    assert conn.drain() == [{"t": "synced"}]
