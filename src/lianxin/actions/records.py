"""Chat records: several messages of one chat forwarded together as one message.

Kind ``chat_record`` with content ``{"chat": id, "seqs": [...]}`` (up to 100 messages of
a chat the sender can read) stores a copy of what those messages showed: each item's
sender id and name, kind, text, time and data. Media is referenced through the item's
data (the same object the original carries), never copied. Forwarding a record again
sends content ``{"record": {"chat", "seq"}}``: the stored record is copied, after checking
that the forwarder can read it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions.accounts import Identity
from lianxin.actions.chats import access_readable
from lianxin.errors import Code, LianxinError
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import chats as store
from lianxin.store import extras

if TYPE_CHECKING:  # kinds.py imports this module to list its kinds
    from lianxin.actions.kinds import Content, Draft

RECORD_MAX = 100
TITLE_MAX = 64
# Keys of a message's data that describe its place in a chat, not its content.
_CONTEXT_KEYS = ("forwarded", "reply", "link")


def _id(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**53:
        raise LianxinError(Code.bad_request, f"{name} must be a positive integer")
    return value


async def check_record_kind(
    conn: AsyncConnection, svc: Services, me: Identity, draft: Draft
) -> Content:
    from lianxin.actions.kinds import Content

    content = draft.content
    if not isinstance(content, dict):
        raise LianxinError(Code.bad_request, "a chat record needs a content object")
    if draft.text is not None:
        raise LianxinError(Code.bad_request, "a chat record has no text")
    if set(content) == {"record"} and isinstance(content["record"], dict):
        return Content(None, await _copy_record(conn, me, content["record"]))
    if set(content) - {"chat", "seqs", "title"} or "seqs" not in content:
        raise LianxinError(Code.bad_request, "a chat record is {chat, seqs, title?}")
    return Content(None, await _new_record(conn, me, content))


async def _new_record(
    conn: AsyncConnection, me: Identity, content: dict[str, Any]
) -> dict[str, Any]:
    chat_id = _id(content.get("chat"), "chat")
    seqs = content["seqs"]
    if not isinstance(seqs, list) or not 1 <= len(seqs) <= RECORD_MAX:
        raise LianxinError(Code.bad_request, f"a chat record holds 1 to {RECORD_MAX} messages")
    wanted = sorted({_id(s, "seq") for s in seqs})
    member, upto = await access_readable(conn, chat_id, me.user_id)
    if any(not member.joined_seq < s <= upto for s in wanted):
        raise LianxinError(Code.not_found, "no such message")
    picked = await extras.events_at(conn, chat_id, wanted, hidden_for=me.user_id)
    if len(picked) != len(wanted) or any(not _recordable(r) for r in picked):
        raise LianxinError(Code.not_found, "some of these messages cannot be forwarded")
    users = await accounts_store.get_users(conn, {r.sender_id for r in picked})
    title = content.get("title")
    if title is not None and (not isinstance(title, str) or len(title) > TITLE_MAX):
        raise LianxinError(Code.bad_request, f"a record title is at most {TITLE_MAX} characters")
    record: dict[str, Any] = {"chat": chat_id, "items": [_item(r, users) for r in picked]}
    if title and title.strip():
        record["title"] = " ".join(title.split())
    return record


def _recordable(row: Row[Any]) -> bool:
    from lianxin.actions.kinds import KINDS

    return row.kind in KINDS and row.recalled_at is None and row.sender_id is not None


def _item(row: Row[Any], users: dict[int, Row[Any]]) -> dict[str, Any]:
    sender = users.get(row.sender_id)
    item: dict[str, Any] = {
        "seq": row.seq,
        "from": row.sender_id,
        "name": sender.name if sender is not None else "",
        "kind": row.kind,
        "ts": row.created_at,
    }
    if row.text is not None:
        item["text"] = row.text
    data = orjson.loads(row.data) if row.data else {}
    data = {k: v for k, v in data.items() if k not in _CONTEXT_KEYS}
    if row.kind == "chat_record":  # a record inside a record: its title and size only
        data = {"title": data.get("title"), "count": len(data.get("items", []))}
    if data:
        item["data"] = data
    return item


async def _copy_record(conn: AsyncConnection, me: Identity, ref: dict[str, Any]) -> dict[str, Any]:
    if set(ref) != {"chat", "seq"}:
        raise LianxinError(Code.bad_request, "a record reference is {chat, seq}")
    chat_id, seq = _id(ref["chat"], "chat"), _id(ref["seq"], "seq")
    member, upto = await access_readable(conn, chat_id, me.user_id)
    row = await store.get_event(conn, chat_id, seq)
    if (
        row is None
        or not member.joined_seq < seq <= upto
        or row.kind != "chat_record"
        or row.recalled_at is not None
    ):
        raise LianxinError(Code.not_found, "no such chat record")
    data = orjson.loads(row.data or "{}")
    return {k: v for k, v in data.items() if k not in _CONTEXT_KEYS}
