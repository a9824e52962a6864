"""What a viewer is shown of users and events: the one place rows become API shapes."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Row


def public_user(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "handle": row.handle,
        "bio": row.bio,
        "is_bot": bool(row.is_bot),
    }


def privacy(row: Row[Any]) -> dict[str, Any]:
    """Every privacy and contact setting, as one resource (``/me/privacy``)."""
    return {
        "find_by_phone": bool(row.find_by_phone),
        "find_by_handle": bool(row.find_by_handle),
        "find_nearby": bool(row.find_nearby),
        "add_me": row.add_policy,
        "stranger_messages": bool(row.stranger_messages),
        "last_seen": row.last_seen_visibility,
        "read_receipts": bool(row.read_receipts),
        "auto_friend": bool(row.auto_friend),
    }


def friend_meta(row: Row[Any]) -> dict[str, Any]:
    """My private labels for one friend (a ``friends`` row seen from its owner)."""
    return {
        "since": row.since,
        "remark": row.remark,
        "tags": orjson.loads(row.tags),
        "starred": bool(row.starred),
        "close_friend": bool(row.close_friend),
    }


def own_user(row: Row[Any]) -> dict[str, Any]:
    return {
        **public_user(row),
        "phone": row.phone,
        "privacy": privacy(row),
    }


def event(row: Row[Any]) -> dict[str, Any]:
    """A chat event as every client sees it (``t: "ev"``)."""
    out: dict[str, Any] = {
        "t": "ev",
        "chat": row.chat_id,
        "seq": row.seq,
        "id": row.id,
        "from": row.sender_id,
        "kind": row.kind,
        "ts": row.created_at,
    }
    if row.client_id is not None:
        out["cid"] = row.client_id
    if row.recalled_at is not None:
        out["recalled"] = True
        return out
    if row.text is not None:
        out["text"] = row.text
    if row.reply_to is not None:
        out["reply_to"] = row.reply_to
    if row.mentions:
        out["mentions"] = orjson.loads(row.mentions)
    if row.mention_all:
        out["mention_all"] = True
    if row.data:
        out["data"] = orjson.loads(row.data)
    if row.edited_at is not None:
        out["edited"] = True
        out["edited_at"] = row.edited_at
    if row.reactions:
        out["reactions"] = orjson.loads(row.reactions)
    return out


def request(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "from": row.from_id,
        "to": row.to_id,
        "greeting": row.greeting,
        "state": row.state,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def device(row: Row[Any], current_device: int) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "created_at": row.created_at,
        "last_active_at": row.last_active_at,
        "current": row.id == current_device,
    }
