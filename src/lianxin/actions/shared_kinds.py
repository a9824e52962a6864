"""Message kinds that share something other than media: a location, a contact card,
and the preview a reply carries of the message it answers."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions.accounts import Identity
from lianxin.actions.contacts import can_see_profile
from lianxin.errors import Code, LianxinError
from lianxin.services import Services
from lianxin.store import accounts as accounts_store

if TYPE_CHECKING:  # kinds.py imports this module to list its kinds
    from lianxin.actions.kinds import Content, Draft

PLACE_MAX = 100
ADDRESS_MAX = 300
QUOTE_MAX = 100


def _no_text(draft: Draft, kind: str) -> None:
    if draft.text is not None:
        raise LianxinError(Code.bad_request, f"a {kind} message has no text")


def _fields(draft: Draft, kind: str, allowed: set[str]) -> dict[str, Any]:
    content = draft.content
    if not isinstance(content, dict):
        raise LianxinError(Code.bad_request, f"a {kind} message needs a content object")
    unknown = set(content) - allowed
    if unknown:
        raise LianxinError(Code.bad_request, f"unknown {kind} field {sorted(unknown)[0]!r}")
    return content


def _coordinate(value: object, name: str, bound: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LianxinError(Code.bad_request, f"{name} must be a number")
    number = float(value)
    if not math.isfinite(number) or not -bound <= number <= bound:
        raise LianxinError(Code.bad_request, f"{name} must be between -{bound:g} and {bound:g}")
    return round(number, 7)  # about 1 cm: more digits are noise


def _label(value: object, name: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise LianxinError(Code.bad_request, f"{name} must be text")
    value = " ".join(value.split())
    if len(value) > limit:
        raise LianxinError(Code.bad_request, f"{name} is at most {limit} characters")
    if any(not ch.isprintable() for ch in value):
        raise LianxinError(Code.bad_request, f"{name} may not contain control characters")
    return value or None


async def check_location_kind(
    conn: AsyncConnection, svc: Services, me: Identity, draft: Draft
) -> Content:
    """``{"lat", "lon", "name"?, "address"?}``: WGS 84 degrees plus an optional place."""
    from lianxin.actions.kinds import Content

    _no_text(draft, "location")
    content = _fields(draft, "location", {"lat", "lon", "name", "address"})
    data: dict[str, Any] = {
        "lat": _coordinate(content.get("lat"), "lat", 90),
        "lon": _coordinate(content.get("lon"), "lon", 180),
    }
    for key, limit in (("name", PLACE_MAX), ("address", ADDRESS_MAX)):
        label = _label(content.get(key), key, limit)
        if label is not None:
            data[key] = label
    return Content(None, data)


async def check_contact_kind(
    conn: AsyncConnection, svc: Services, me: Identity, draft: Draft
) -> Content:
    """``{"user": id}``: a card of someone whose profile I may see, as I see it.

    Name and handle are read now (a forwarded card is re-read for its new sender); any
    ``name`` / ``handle`` in the content is ignored for that reason.
    """
    from lianxin.actions.kinds import Content

    _no_text(draft, "contact")
    content = _fields(draft, "contact", {"user", "name", "handle"})
    user_id = content.get("user")
    if isinstance(user_id, bool) or not isinstance(user_id, int) or not 1 <= user_id <= 2**53:
        raise LianxinError(Code.bad_request, "user must be a user id")
    row = await accounts_store.get_user(conn, user_id)
    if row is None or not await can_see_profile(conn, me.user_id, user_id):
        raise LianxinError(Code.not_found, "no such user")
    return Content(None, {"user": user_id, "name": row.name, "handle": row.handle})


# What a quote of a media or shared message needs to name it ("[Voice 0:12]", "[File] a.pdf")
# and draw a thumbnail, for a device that has not loaded the quoted message.
_QUOTE_DATA = (
    "media", "variants", "animated", "poster", "width", "height",
    "duration_ms", "name", "title", "emoji", "url",
)  # fmt: skip
_QUOTE_NO_DATA = ("text", "system", "view_once")  # a view-once photo is never quoted


def reply_preview(target: Row[Any]) -> dict[str, Any]:
    """What a reply shows of the message it answers: sender, kind, the start of its text
    and, for media and shared kinds, the few data fields that name them."""
    preview: dict[str, Any] = {"seq": target.seq, "from": target.sender_id, "kind": target.kind}
    if target.recalled_at is not None:
        preview["recalled"] = True
        return preview
    if target.text:
        text = " ".join(target.text.split())
        preview["text"] = text if len(text) <= QUOTE_MAX else text[:QUOTE_MAX] + "…"
    if target.data and target.kind not in _QUOTE_NO_DATA:
        data = orjson.loads(target.data)
        kept = {k: data[k] for k in _QUOTE_DATA if k in data}
        if kept:
            preview["data"] = kept
    return preview
