"""Seeding for the bench: users and friendships in bulk (``bench.bulk``: the rows their
actions write), the group through the actions the server uses (no SMS codes, no HTTP).

Runs before the embedded server starts (or next to an external server that uses the
same ``--data-dir`` / ``--database-url``; SQLite's busy timeout covers the overlap).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from lianxin.actions import messages
from lianxin.actions.accounts import Identity
from lianxin.actions.chats import do_create_group
from lianxin.bench import bulk
from lianxin.bus import MemoryBus
from lianxin.clock import Clock
from lianxin.config import Settings
from lianxin.ids import DeviceId, UserId
from lianxin.services import Services
from lianxin.sms import ConsoleSms
from lianxin.store.db import Database
from lianxin.store.migrate import upgrade

# Accounts (or friendships) written per transaction, a few multi-row statements each.
CHUNK = 5000
# Between chunks the database has no writer for this long, so a server running on the
# same SQLite file (``--url``) gets its write lock (its busy handler retries < 100 ms).
CHUNK_PAUSE_S = 0.1


@dataclass
class Seeded:
    tokens: list[str] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    device_ids: list[int] = field(default_factory=list)
    pair_chats: list[int] = field(default_factory=list)
    group_chat: int | None = None
    # Per user, the top seq of each chat seeded for them (group scenario): their devices
    # start synced up to it, as devices that were online before, so connecting 5,000
    # members is not 5,000 catch-ups of the group's creation (and the owner's 4,999).
    seen: list[dict[int, int]] = field(default_factory=list)
    seconds: float = 0.0


def _phones(count: int) -> list[str]:
    """Fresh mainland-China mobile numbers; a random block so reruns on one db don't clash."""
    base = random.randrange(0, 90_000_000)
    prefix = random.choice(("135", "136", "137", "139", "150", "151"))
    return [f"+86{prefix}{(base + i) % 100_000_000:08d}" for i in range(count)]


async def seed(
    *,
    data_dir: Path | None,
    database_url: str | None,
    users: int,
    pairs: Sequence[tuple[int, int]] = (),
    group: tuple[int, list[int]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Seeded:
    """Create ``users`` accounts (one device token each), befriend each pair (index into the
    created users; the friendship opens their direct chat), and create one group."""
    values: dict[str, object] = {"sqlite_synchronous": "NORMAL"}
    if data_dir is not None:
        values["data_dir"] = data_dir
    if database_url:
        values["database_url"] = database_url
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Seeding is set-up, not the measured path: no fsync per transaction here.
    db = Database(settings.effective_database_url, sqlite_synchronous="NORMAL")
    loop = asyncio.get_running_loop()
    started = loop.time()
    out = Seeded()
    try:
        await upgrade(db.engine)
        svc = Services(settings, db, MemoryBus(), ConsoleSms(), Clock())
        phones = _phones(users)
        for start in range(0, users, CHUNK):
            made = range(start, min(users, start + CHUNK))
            async with db.write() as conn:
                accounts = await bulk.create_users(
                    conn,
                    [phones[i] for i in made],
                    [f"bench{i}" for i in made],
                    stranger_messages=settings.stranger_messages_default,
                    now=svc.clock.now_ms(),
                )
            out.tokens.extend(a.token for a in accounts)
            out.user_ids.extend(a.user_id for a in accounts)
            out.device_ids.extend(a.device_id for a in accounts)
            await asyncio.sleep(CHUNK_PAUSE_S)
            if progress is not None:
                progress(f"seeded {made[-1] + 1}/{users} users")
        ident = [
            Identity(UserId(u), DeviceId(d))
            for u, d in zip(out.user_ids, out.device_ids, strict=True)
        ]
        friendships = list(pairs)
        if group is not None:
            owner, members = group
            friendships.extend((owner, m) for m in members if m != owner)
        chats: list[int] = []
        for start in range(0, len(friendships), CHUNK):
            chunk = friendships[start : start + CHUNK]
            async with db.write() as conn:
                chats += await bulk.befriend(
                    conn,
                    [(out.user_ids[a], out.user_ids[b]) for a, b in chunk],
                    "bench",
                    now=svc.clock.now_ms(),
                )
            await asyncio.sleep(CHUNK_PAUSE_S)
        out.pair_chats = chats[: len(pairs)]
        if group is not None:
            owner, members = group
            summary = await do_create_group(
                svc, ident[owner], "bench group", [out.user_ids[m] for m in members]
            )
            out.group_chat = int(summary["id"])
            # A group that has talked: its last event (every device's sync shows it) is a
            # short text, not the creation event that names every member.
            sent = await messages.do_send(
                svc, ident[owner], out.group_chat, client_id="seed", text="welcome"
            )
            async with db.read() as conn:
                rows = await conn.execute(text("SELECT id, last_seq FROM chats"))
                tops = {int(chat): int(top) for chat, top in rows}
            out.seen = [{out.group_chat: int(sent.event["seq"])} for _ in range(users)]
            for (a, b), chat in zip(friendships, chats, strict=True):
                out.seen[a][chat] = out.seen[b][chat] = tops[chat]
    finally:
        await db.close()
    out.seconds = loop.time() - started
    return out
