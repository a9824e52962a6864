"""My private labels for friends: a remark (display name), tags, star, close friends.

They live on my own ``friends`` row, so only I ever see them; each change bumps the
row's ``updated_at`` for sync and tells my other devices (``friend_meta``).
"""

from __future__ import annotations

import unicodedata
from typing import Any

import orjson

from lianxin.actions import contacts, views
from lianxin.actions.accounts import Identity
from lianxin.errors import Code, LianxinError
from lianxin.events import publish
from lianxin.services import Services
from lianxin.store import contacts as store

REMARK_MAX = 64
TAG_MAX = 32
TAGS_MAX = 20


def _one_line(text: str, limit: int, what: str) -> str:
    cleaned = " ".join(text.split())
    if len(cleaned) > limit:
        raise LianxinError(Code.bad_request, f"a {what} is at most {limit} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        raise LianxinError(Code.bad_request, f"a {what} cannot contain control characters")
    return cleaned


def check_tags(tags: list[str]) -> list[str]:
    """Distinct, non-empty one-line tags, in the order given."""
    cleaned = [_one_line(t, TAG_MAX, "tag") for t in tags]
    out = list(dict.fromkeys(t for t in cleaned if t))
    if len(out) > TAGS_MAX:
        raise LianxinError(Code.bad_request, f"at most {TAGS_MAX} tags per friend")
    return out


async def do_update(
    svc: Services,
    me: Identity,
    friend_id: int,
    *,
    remark: str | None = None,
    tags: list[str] | None = None,
    starred: bool | None = None,
    close_friend: bool | None = None,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if remark is not None:
        values["remark"] = _one_line(remark, REMARK_MAX, "remark")
    if tags is not None:
        values["tags"] = orjson.dumps(check_tags(tags)).decode()
    if starred is not None:
        values["starred"] = starred
    if close_friend is not None:
        values["close_friend"] = close_friend
    async with svc.db.write() as conn:
        if not await store.are_friends(conn, me.user_id, friend_id):
            raise LianxinError(Code.not_found, "not a friend")
        if values:
            await store.update_friend_meta_txn(
                conn, me.user_id, friend_id, values, svc.clock.now_ms()
            )
        row = await store.friend_row(conn, me.user_id, friend_id)
    assert row is not None
    meta = {"user": friend_id, **views.friend_meta(row)}
    if values:
        await publish.to_users(svc.bus, [me.user_id], {"t": "friend_meta", **meta})
    return meta


async def list_friends(
    svc: Services,
    me: Identity,
    *,
    tag: str | None = None,
    starred: bool | None = None,
    close_friend: bool | None = None,
) -> list[dict[str, Any]]:
    """My friends, optionally only those with a tag / starred / close friends."""
    out = await contacts.list_friends(svc, me)
    if tag is not None:
        out = [f for f in out if tag in f["tags"]]
    if starred is not None:
        out = [f for f in out if f["starred"] == starred]
    if close_friend is not None:
        out = [f for f in out if f["close_friend"] == close_friend]
    return out


async def list_tags(svc: Services, me: Identity) -> list[dict[str, Any]]:
    """Every tag I use, with how many friends carry it."""
    counts: dict[str, int] = {}
    for f in await contacts.list_friends(svc, me):
        for t in f["tags"]:
            counts[t] = counts.get(t, 0) + 1
    return [{"tag": t, "count": n} for t, n in sorted(counts.items())]
