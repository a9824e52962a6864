"""Message kinds: what each kind of message may carry, checked before it is stored.

A send names a ``kind`` plus optional ``text`` and a kind-specific ``content`` object.
The kind's check runs inside the send's write transaction (so it can look up, and
attach, things such as uploaded media) and returns what is stored: the text and a JSON
``data`` object that every client receives in the event. A feature adds a kind by
writing its check and listing it in ``KINDS``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import media_kinds, records, shared_kinds, stickers
from lianxin.actions.accounts import Identity
from lianxin.actions.bot_kinds import check_card_kind, check_rich_kind
from lianxin.actions.official_kinds import check_template_kind
from lianxin.errors import Code, LianxinError
from lianxin.services import Services


@dataclass(frozen=True, slots=True)
class Content:
    """What a checked message stores: its text (body or caption) and structured data."""

    text: str | None
    data: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """A send as it arrived, for a kind's check to judge."""

    chat_id: int
    text: str | None
    content: dict[str, Any] | None


ContentCheck = Callable[[AsyncConnection, Services, Identity, Draft], Awaitable[Content]]


def check_text(text: object, limit: int, *, required: bool = True) -> str | None:
    """Text of a message or caption: non-blank when required, bounded, no NUL."""
    if text is None and not required:
        return None
    if not isinstance(text, str) or (required and not text.strip()):
        raise LianxinError(Code.bad_request, "a message needs some text")
    if len(text) > limit:
        raise LianxinError(Code.text_too_long, f"a message is at most {limit} characters")
    if "\x00" in text:
        raise LianxinError(Code.bad_request, "text may not contain NUL characters")
    return text


async def check_text_kind(
    conn: AsyncConnection, svc: Services, me: Identity, draft: Draft
) -> Content:
    # ``messages._plain_text`` relies on this storing the text as it is, with no data and
    # no query (PostgreSQL's batched send, ``store/pg_send.py``, skips calling it).
    if draft.content:
        raise LianxinError(Code.bad_request, "a text message has no content object")
    return Content(check_text(draft.text, svc.settings.text_limit))


KINDS: dict[str, ContentCheck] = {
    "text": check_text_kind,
    "location": shared_kinds.check_location_kind,
    "contact": shared_kinds.check_contact_kind,
    "chat_record": records.check_record_kind,
    "sticker": stickers.check_sticker_kind,
    "photo": media_kinds.check_photo_kind,
    "voice": media_kinds.check_voice_kind,
    "video": media_kinds.check_video_kind,
    "file": media_kinds.check_file_kind,
    "view_once": media_kinds.check_view_once_kind,
    "rich": check_rich_kind,  # bots only
    "card": check_card_kind,  # bots only
    "template": check_template_kind,  # official accounts only
}


def content_check(kind: str) -> ContentCheck:
    """The check for a kind users may send; unknown (and internal) kinds are refused."""
    check = KINDS.get(kind)
    if check is None:
        raise LianxinError(Code.bad_request, f"unknown message kind {kind!r}")
    return check


# Data keys that describe a message's place in its chat, not what it carries.
CONTEXT_KEYS = ("forwarded", "reply", "link")


def forward_content(row: Any) -> dict[str, Any] | None:
    """The content that sends a copy of a stored message again (checked by its kind).

    A chat record is re-sent by reference, so the forwarder's right to read it is checked.
    """
    if row.kind == "chat_record":
        return {"record": {"chat": row.chat_id, "seq": row.seq}}
    data = orjson.loads(row.data) if row.data else {}
    return {k: v for k, v in data.items() if k not in CONTEXT_KEYS} or None
