"""Live "Read by N" for group senders, coalesced per chat.

A group read mark moves one member's ``read_seq``; every message it passes has one more
reader. A frame per reader per message would make a busy 10,000-member group send a storm,
and a row per reader would break O(1) writes. Instead each node keeps, per chat, the seq
range whose counts changed, and at most once per ``read_counts_interval_ms`` sends
``{"t": "reads", "chat", "after", "upto"}`` to the senders of the recent messages in it
(the newest ``RECENT`` seqs): one indexed read and one frame per distinct sender, no
writes. The first mark in a quiet chat goes out at once; later ones wait for the interval.
Devices re-read ``…/messages/{seq}/reads`` for the counts they show. Like all bus
traffic this is best effort: a device that missed a frame re-reads on reconnect.
"""

from __future__ import annotations

import asyncio
import logging

from lianxin.bus import Bus
from lianxin.events import publish
from lianxin.store import read_counts as store
from lianxin.store.db import Database

log = logging.getLogger(__name__)

RECENT = 200


class ReadCountNotifier:
    """One per node; ``note`` never blocks, the frames go out from a task per busy chat."""

    def __init__(self, db: Database, bus: Bus, *, interval_s: float, recent: int = RECENT) -> None:
        self._db, self._bus = db, bus
        self._interval_s, self._recent = interval_s, recent
        self._pending: dict[int, tuple[int, int]] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}

    def note(self, chat_id: int, after: int, upto: int) -> None:
        """Counts of ``after < seq <= upto`` changed (call after the read mark committed)."""
        if upto <= after:
            return
        old = self._pending.get(chat_id)
        self._pending[chat_id] = (
            (after, upto) if old is None else (min(old[0], after), max(old[1], upto))
        )
        if chat_id not in self._tasks:
            task = asyncio.get_running_loop().create_task(self._run(chat_id))
            self._tasks[chat_id] = task

    async def _run(self, chat_id: int) -> None:
        """Flush now, then once per interval while marks keep coming; end after a quiet one."""
        try:
            while chat_id in self._pending:
                after, upto = self._pending.pop(chat_id)
                await self._flush(chat_id, after, upto)
                await asyncio.sleep(self._interval_s)
        finally:
            self._tasks.pop(chat_id, None)

    async def _flush(self, chat_id: int, after: int, upto: int) -> None:
        try:
            async with self._db.read() as conn:
                lo = max(after, upto - self._recent)
                senders = await store.senders_between(conn, chat_id, lo, upto)
            frame = {"t": "reads", "chat": chat_id, "after": after, "upto": upto}
            await publish.to_users(self._bus, senders, frame)
        except Exception:  # a background task: log, never crash the loop
            log.exception("read counts for chat %s failed", chat_id)

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._pending.clear()
