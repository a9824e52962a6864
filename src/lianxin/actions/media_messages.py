"""What recipients do with media messages: open a view-once photo, mark a voice note played.

Opening a view-once photo is a write: the opening is recorded, a ``system`` event
``{"type": "opened"}`` tells the chat (so the sender sees it, live and on resume), and
once every recipient has opened it the content is deleted. A played mark is not a chat
event (it would flood groups); the sender's devices get a ``played`` frame and can ask
who played a note. The per-user reads (history pages and resume catch-up) carry the
marks a viewer needs to draw a bubble, so a client asks nothing per bubble: on others'
voice and view-once messages ``my_mark`` (``"played"``, ``"opened"`` or null), on the
viewer's own ``mark_count`` (how many listeners played / opened it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import media as media_actions
from lianxin.actions.accounts import Identity
from lianxin.actions.chats import access_member, access_readable, publish_event
from lianxin.errors import Code, LianxinError
from lianxin.events import publish
from lianxin.services import Services
from lianxin.store import chats as chats_store
from lianxin.store import media as store


@dataclass(frozen=True, slots=True)
class Opened:
    download: media_actions.Download
    stream: AsyncIterator[bytes]
    release: Row[Any] | None  # delete this object's bytes once the response is sent


async def _media_event(
    conn: AsyncConnection, chat_id: int, seq: int, me: Identity, kind: str
) -> Row[Any]:
    member = await access_member(conn, chat_id, me.user_id)
    event = await chats_store.get_event(conn, chat_id, seq)
    if (
        event is None
        or event.seq <= member.joined_seq
        or event.kind != kind
        or event.recalled_at is not None
    ):
        raise LianxinError(Code.not_found, "no such message")
    return event


def _media_id(event: Row[Any]) -> int:
    return int(orjson.loads(event.data or "{}")["media"])


async def do_open_view_once(
    svc: Services, me: Identity, chat_id: int, seq: int, *, session_id: str | None = None
) -> Opened:
    """Hand a recipient the photo once; a second open (or after the lifetime) is 410."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        chat = await chats_store.lock_chat_txn(conn, chat_id)
        event = await _media_event(conn, chat_id, seq, me, "view_once")
        assert chat is not None
        if event.sender_id == me.user_id:
            raise LianxinError(Code.not_allowed, "only the recipients can open a view-once photo")
        row = await store.lock_media_txn(conn, _media_id(event))
        assert row is not None
        expired = now - row.created_at > svc.settings.media_view_once_ttl_s * 1000
        if row.gone_at is not None or expired:
            raise LianxinError(Code.gone, "this view-once photo is gone")
        if not await store.add_mark_txn(conn, chat_id, seq, me.user_id, "opened", now):
            raise LianxinError(Code.gone, "you already opened this view-once photo")
        opened = len(await store.marks_of(conn, chat_id, seq))
        last = opened >= int(chat.member_count) - 1
        if last:
            await store.mark_gone_txn(conn, row.id, now)
        notice = await chats_store.append_event_txn(
            conn,
            chat_id=chat_id,
            sender_id=me.user_id,
            kind="system",
            now=now,
            data={"type": "opened", "seq": seq, "by": me.user_id, "sender": event.sender_id},
        )
    await publish_event(svc, notice, exclude=session_id)
    dl = media_actions.download(row, None)
    stream = await media_actions.open_stream(svc, dl, 0, dl.size - 1)
    return Opened(dl, stream, row if last else None)


async def do_mark_played(
    svc: Services, me: Identity, chat_id: int, seq: int, *, session_id: str | None = None
) -> bool:
    """Note that I played a voice note; the sender and my other devices are told once."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        event = await _media_event(conn, chat_id, seq, me, "voice")
        if event.sender_id == me.user_id:
            return False
        added = await store.add_mark_txn(conn, chat_id, seq, me.user_id, "played", now)
    if added:
        frame = {"t": "played", "chat": chat_id, "seq": seq, "user": me.user_id, "ts": now}
        users = [event.sender_id, me.user_id]
        await publish.to_users(svc.bus, users, frame, exclude=session_id)
    return added


MARKED_KINDS = ("voice", "view_once")


async def add_my_marks(
    conn: AsyncConnection, chat_id: int, user_id: int, events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Set ``my_mark`` / ``mark_count`` on the voice and view-once events of one chat's page
    (two indexed queries per page, none when it holds no such message)."""
    marked = [e for e in events if e["kind"] in MARKED_KINDS and not e.get("recalled")]
    theirs = [e["seq"] for e in marked if e["from"] != user_id]
    mine = [e["seq"] for e in marked if e["from"] == user_id]
    my_marks = await store.my_marks(conn, chat_id, theirs, user_id)
    counts = await store.mark_counts(conn, chat_id, mine)
    for e in marked:
        if e["from"] == user_id:
            e["mark_count"] = counts.get(e["seq"], 0)
        else:
            e["my_mark"] = my_marks.get(e["seq"])
    return events


async def media_marks(svc: Services, me: Identity, chat_id: int, seq: int) -> dict[str, Any]:
    """Who played a voice note / opened a view-once photo, and when."""
    async with svc.db.read() as conn:
        member, upto = await access_readable(conn, chat_id, me.user_id)
        event = await chats_store.get_event(conn, chat_id, seq)
        if event is None or not (member.joined_seq < seq <= upto):
            raise LianxinError(Code.not_found, "no such message")
        marks = await store.marks_of(conn, chat_id, seq)
    return {
        "chat": chat_id,
        "seq": seq,
        "marks": [{"user": m.user_id, "mark": m.mark, "ts": m.created_at} for m in marks],
    }
