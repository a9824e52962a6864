"""Connection.wait_for finds a chat event whether it came live or inside an ``evs`` page."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.client import Connection, SyncState


def ev(chat: int, seq: int, text: str = "") -> dict[str, Any]:
    return {"t": "ev", "chat": chat, "seq": seq, "kind": "text", "text": text}


def conn_with(*frames: dict[str, Any]) -> Connection:
    conn = Connection("ws://127.0.0.1:9/ws", "token", SyncState())
    for frame in frames:
        conn.events.put_nowait(frame)
    return conn


def is_text(text: str) -> Any:
    return lambda f: f.get("t") == "ev" and f.get("text") == text


async def test_an_event_inside_a_page_is_found_and_the_rest_of_the_page_kept_in_order() -> None:
    page = {"t": "evs", "chat": 4, "events": [ev(4, 2, "a"), ev(4, 3, "b"), ev(4, 4, "c")]}
    conn = conn_with({"t": "presence", "user": 1}, page, ev(4, 5, "d"))
    assert await conn.wait_for(is_text("b")) == ev(4, 3, "b")
    # What followed the match in the page comes next, before later frames.
    assert await conn.wait_for(lambda f: f.get("t") == "ev") == ev(4, 4, "c")
    assert await conn.next_event() == ev(4, 5, "d")


async def test_a_matcher_for_the_page_itself_gets_the_page() -> None:
    page = {"t": "evs", "chat": 4, "events": [ev(4, 2, "a")]}
    conn = conn_with(page)
    assert await conn.wait_for(lambda f: f.get("t") == "evs") == page
    assert conn.drain() == []


async def test_drain_and_iter_events_include_what_a_page_left() -> None:
    page = {"t": "evs", "chat": 4, "events": [ev(4, 2, "a"), ev(4, 3, "b")]}
    conn = conn_with(page, {"t": "closed", "code": 1000})
    assert (await conn.wait_for(is_text("a")))["seq"] == 2
    assert [f async for f in conn.iter_events()] == [ev(4, 3, "b"), {"t": "closed", "code": 1000}]

    conn = conn_with(page, ev(4, 4, "c"))
    await conn.wait_for(is_text("a"))
    assert conn.drain() == [ev(4, 3, "b"), ev(4, 4, "c")]


async def test_no_match_anywhere_times_out() -> None:
    conn = conn_with({"t": "evs", "chat": 4, "events": [ev(4, 2, "a")]})
    with pytest.raises(TimeoutError):
        await conn.wait_for(is_text("z"), timeout=0.05)
