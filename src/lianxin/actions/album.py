"""A group's shared album: members post photos and browse them newest first, in pages.

Posting links the photo to the group (so members may read it) and appends a ``system``
event ``{"type": "album"}`` so members learn of it live and on resume.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import media as media_actions
from lianxin.actions.accounts import Identity
from lianxin.actions.chats import access_member, publish_event
from lianxin.actions.kinds import check_text
from lianxin.errors import Code, LianxinError
from lianxin.services import Services
from lianxin.store import chats as chats_store
from lianxin.store import media as store

CAPTION_MAX = 500
PAGE_MAX = 100


async def _group_member(conn: AsyncConnection, chat_id: int, user_id: int) -> Row[Any]:
    member = await access_member(conn, chat_id, user_id)
    chat = await chats_store.get_chat(conn, chat_id)
    if chat is None or chat.kind != "group":
        raise LianxinError(Code.bad_request, "only groups have an album")
    return member


def _entry(svc: Services, entry: Row[Any], photo: Row[Any], viewer: int) -> dict[str, Any]:
    return {
        "id": entry.id,
        "chat": entry.chat_id,
        "uploader": entry.uploader_id,
        "caption": entry.caption,
        "created_at": entry.created_at,
        "media": media_actions.view(svc, photo, viewer),
    }


async def do_album_add(
    svc: Services, me: Identity, chat_id: int, media_id: int, caption: str | None
) -> dict[str, Any]:
    """Post a photo I can read to the group's album."""
    caption = check_text(caption, CAPTION_MAX, required=False)
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        await chats_store.lock_chat_txn(conn, chat_id)
        await _group_member(conn, chat_id, me.user_id)
        photo = await store.lock_media_txn(conn, media_id)
        readable = photo is not None and (
            photo.owner_id == me.user_id
            or await store.readable_via_chat(conn, media_id, me.user_id)
        )
        if photo is None or not readable or photo.view_once or photo.gone_at is not None:
            raise LianxinError(Code.not_found, "no such media")
        if photo.kind != "photo":
            raise LianxinError(Code.unsupported_media, "an album holds photos")
        await store.link_chat_txn(conn, media_id, chat_id, now)
        entry = await store.insert_album_entry_txn(
            conn,
            chat_id=chat_id,
            media_id=media_id,
            uploader_id=me.user_id,
            caption=caption,
            created_at=now,
        )
        event = await chats_store.append_event_txn(
            conn,
            chat_id=chat_id,
            sender_id=me.user_id,
            kind="system",
            now=now,
            data={"type": "album", "entry": entry.id, "media": media_id, "by": me.user_id},
        )
    await publish_event(svc, event)
    return _entry(svc, entry, photo, me.user_id)


async def album(
    svc: Services, me: Identity, chat_id: int, *, before: int | None, limit: int
) -> dict[str, Any]:
    """A page of the album, newest first; ``before`` is the last entry id already seen."""
    limit = max(1, min(limit, PAGE_MAX))
    async with svc.db.read() as conn:
        await _group_member(conn, chat_id, me.user_id)
        rows = await store.album_page(conn, chat_id, before=before, limit=limit + 1)
        photos = await store.get_media_many(conn, [int(r.media_id) for r in rows[:limit]])
    entries = [_entry(svc, r, photos[int(r.media_id)], me.user_id) for r in rows[:limit]]
    return {"chat": chat_id, "entries": entries, "more": len(rows) > limit}


async def do_album_remove(svc: Services, me: Identity, chat_id: int, entry_id: int) -> None:
    """Take a photo out of the album: its uploader, or the group's owner / admins."""
    async with svc.db.write() as conn:
        member = await _group_member(conn, chat_id, me.user_id)
        entry = await store.get_album_entry(conn, chat_id, entry_id)
        if entry is None:
            raise LianxinError(Code.not_found, "no such album entry")
        if entry.uploader_id != me.user_id and member.role not in ("owner", "admin"):
            raise LianxinError(Code.not_allowed, "only the uploader or an admin can remove this")
        await store.remove_album_entry_txn(conn, entry_id, svc.clock.now_ms())
