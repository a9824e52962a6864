"""Message kinds that carry media: photo, voice, video, file and view-once photo.

``content`` is ``{"media": <id>}`` (forwarding passes the stored data back, which holds
the same id; the other keys are recomputed, never trusted). The check runs inside the
send's write transaction: it requires that the sender uploaded the object or can read it
through a chat they are in, and records the target chat so its members may read it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions.accounts import Identity
from lianxin.actions.media import message_data
from lianxin.errors import Code, LianxinError
from lianxin.services import Services
from lianxin.store import media as store

if TYPE_CHECKING:  # kinds.py imports this module to list its kinds
    from lianxin.actions.kinds import Content, ContentCheck, Draft

# Keys a stored media message has; forwarded content may carry them back.
DATA_KEYS = {
    "media",
    "mime",
    "size",
    "name",
    "width",
    "height",
    "animated",
    "duration_ms",
    "waveform",
    "poster",
    "variants",
    "view_once",
}


def _media_id(draft: Draft) -> int:
    content = draft.content or {}
    unknown = set(content) - DATA_KEYS
    if unknown:
        raise LianxinError(
            Code.bad_request, f"unknown content fields: {', '.join(sorted(unknown))}"
        )
    media_id = content.get("media")
    if not isinstance(media_id, int) or isinstance(media_id, bool) or not 1 <= media_id <= 2**53:
        raise LianxinError(Code.bad_request, "content.media is the id of an uploaded media object")
    return media_id


async def _readable(conn: AsyncConnection, me: Identity, media_id: int) -> Row[Any]:
    row = await store.lock_media_txn(conn, media_id)
    if row is None or row.view_once:
        raise LianxinError(Code.not_found, "no such media")
    if row.owner_id != me.user_id and not await store.readable_via_chat(conn, media_id, me.user_id):
        raise LianxinError(Code.not_found, "no such media")
    if row.gone_at is not None:
        raise LianxinError(Code.gone, "this media has been deleted")
    return row


def _check_kind(row: Row[Any], expected: str, message_kind: str) -> None:
    if row.kind != expected:
        raise LianxinError(
            Code.unsupported_media,
            f"a {message_kind} message needs a {expected} upload, not a {row.kind}",
        )


def media_check(media_kind: str, *, caption: bool) -> ContentCheck:
    """The check for a kind that carries one ``media_kind`` object (and maybe a caption)."""

    async def check(conn: AsyncConnection, svc: Services, me: Identity, draft: Draft) -> Content:
        from lianxin.actions.kinds import Content, check_text

        media_id = _media_id(draft)
        if not caption and draft.text is not None:
            raise LianxinError(Code.bad_request, f"a {media_kind} message has no text")
        text = check_text(draft.text, svc.settings.text_limit, required=False)
        row = await _readable(conn, me, media_id)
        _check_kind(row, media_kind, media_kind)
        await store.link_chat_txn(conn, media_id, draft.chat_id, svc.clock.now_ms())
        return Content(text, message_data(row))

    return check


async def check_view_once_kind(
    conn: AsyncConnection, svc: Services, me: Identity, draft: Draft
) -> Content:
    """A photo of mine never sent anywhere before; from now on it is served only by
    opening this message once (``media_messages.do_open_view_once``)."""
    from lianxin.actions.kinds import Content

    media_id = _media_id(draft)
    if draft.text is not None:
        raise LianxinError(Code.bad_request, "a view-once photo has no caption")
    row = await store.lock_media_txn(conn, media_id)
    if row is None or row.owner_id != me.user_id:
        raise LianxinError(Code.not_found, "no such media (view-once photos cannot be forwarded)")
    if row.gone_at is not None:
        raise LianxinError(Code.gone, "this media has been deleted")
    _check_kind(row, "photo", "view_once")
    if row.view_once or await store.media_chat_ids(conn, media_id):
        raise LianxinError(Code.conflict, "only a photo that was never sent can be view-once")
    await store.set_view_once_txn(conn, media_id)
    await store.link_chat_txn(conn, media_id, draft.chat_id, svc.clock.now_ms())
    data = {k: v for k, v in message_data(row).items() if k in ("media", "mime", "width", "height")}
    return Content(None, {**data, "view_once": True})


check_photo_kind = media_check("photo", caption=True)
check_voice_kind = media_check("voice", caption=False)
check_video_kind = media_check("video", caption=True)
check_file_kind = media_check("file", caption=True)
