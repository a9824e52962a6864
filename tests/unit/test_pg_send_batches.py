"""The PostgreSQL send batcher's bookkeeping (``store/pg_send.py``), without a database:
sends queued together go in one call, and a call PostgreSQL refuses as a whole is
retried one send per call, so one send cannot fail another."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from lianxin.store import pg_send


def sender(fail: dict[str, Exception]) -> tuple[pg_send.Sender, list[list[str]]]:
    """A Sender whose calls store every send, except that a call holding a client id in
    ``fail`` raises that error."""
    texts = pg_send.Sender(db=None)  # type: ignore[arg-type]
    calls: list[list[str]] = []

    async def call(batch: list[Any]) -> None:
        cids = [item[2] for item, _ in batch]
        calls.append(cids)
        await asyncio.sleep(0)
        for cid in cids:
            if cid in fail:
                raise fail[cid]
        pg_send._settle(batch, {n: (100 + n, n + 1) for n in range(len(batch))})

    texts._call = call  # type: ignore[method-assign]
    return texts, calls


async def test_sends_queued_together_share_one_call() -> None:
    texts, calls = sender({})
    rows = await asyncio.gather(*(texts.send(1, 7, f"c{k}", "hi", 5) for k in range(10)))
    assert calls == [[f"c{k}" for k in range(10)]]
    assert [r.client_id for r in rows] == [f"c{k}" for k in range(10)]
    assert rows[0].created_at == 5 and rows[0].kind == "text" and rows[0].mention_all is False


async def test_a_refused_call_is_retried_one_send_at_a_time() -> None:
    race = asyncpg.UniqueViolationError("duplicate key")
    broken = asyncpg.DataError("bad data")
    texts, calls = sender({"race": race, "broken": broken})
    results = await asyncio.gather(
        texts.send(1, 7, "a", "hi", 5),
        texts.send(1, 7, "race", "hi", 5),
        texts.send(2, 7, "broken", "hi", 5),
        texts.send(3, 7, "b", "hi", 5),
        return_exceptions=True,
    )
    assert calls[0] == ["a", "race", "broken", "b"]
    assert sorted(calls[1:]) == [["a"], ["b"], ["broken"], ["race"]]
    a, raced, failed, b = results
    assert a.client_id == "a" and b.client_id == "b"  # type: ignore[union-attr]
    assert raced is None  # left to the general send, which finds the original
    assert failed is broken


async def test_a_lost_connection_fails_the_whole_call() -> None:
    lost = ConnectionResetError("gone")
    texts, calls = sender({"a": lost})
    results = await asyncio.gather(
        texts.send(1, 7, "a", "hi", 5), texts.send(1, 7, "b", "hi", 5), return_exceptions=True
    )
    assert calls == [["a", "b"]] and results == [lost, lost]  # not retried one by one
