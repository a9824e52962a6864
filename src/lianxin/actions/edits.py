"""Editing text messages, and reading how a message changed.

An edit is a chat event like a recall: the message row gets the new text and
``edited_at``, the replaced text is kept in ``message_edits``, and a ``system`` event
``{"type": "edit", "seq", "by", "text", "edited_at"}`` takes the chat's next seq, so
every device (live, or resuming later) learns of it in order.
"""

from __future__ import annotations

from typing import Any

import orjson

from lianxin.actions import kinds, previews, views
from lianxin.actions.accounts import Identity
from lianxin.actions.chats import access_member, access_readable, publish_event
from lianxin.actions.chats import check_direct_allowed as _check_direct
from lianxin.errors import Code, LianxinError
from lianxin.services import Services
from lianxin.store import chats as store
from lianxin.store import extras


async def do_edit(
    svc: Services,
    me: Identity,
    chat_id: int,
    seq: int,
    text: str,
    *,
    session_id: str | None = None,
) -> dict[str, Any]:
    """Replace the text of my own text message within ``edit_window_s``.

    Returns the message as it is now and the ``edit`` event. Setting the same text again
    changes nothing and appends no event (so a retried edit is harmless).
    """
    checked = kinds.check_text(text, svc.settings.text_limit)
    assert checked is not None
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        chat = await store.lock_chat_txn(conn, chat_id)  # edits and sends take turns per chat
        member = await access_member(conn, chat_id, me.user_id)
        assert chat is not None
        target = await store.get_event(conn, chat_id, seq)
        if target is None or target.seq <= member.joined_seq or target.kind == "system":
            raise LianxinError(Code.not_found, "no such message")
        if target.recalled_at is not None:
            raise LianxinError(Code.conflict, "this message was recalled")
        if target.sender_id != me.user_id:
            raise LianxinError(Code.not_allowed, "you can only edit your own messages")
        if target.kind != "text":
            raise LianxinError(Code.bad_request, "only text messages can be edited")
        if target.text == checked:
            return {"message": views.event(target), "event": None}
        window = svc.settings.edit_window_s
        if now - target.created_at > window * 1000:
            hours = window // 3600
            raise LianxinError(Code.edit_expired, f"messages can only be edited for {hours} hours")
        if chat.kind == "direct":
            peer = next(u for u in map(int, chat.direct_key.split(":")) if u != me.user_id)
            await _check_direct(conn, me.user_id, peer)
        data = orjson.loads(target.data) if target.data else {}
        stale = previews.stale_link(data, checked)
        event = await store.append_event_txn(
            conn,
            chat_id=chat_id,
            sender_id=me.user_id,
            kind="system",
            now=now,
            data={"type": "edit", "by": me.user_id, "seq": seq, "text": checked, "edited_at": now},
        )
        await extras.record_edit_txn(
            conn,
            chat_id=chat_id,
            seq=seq,
            old_text=target.text or "",
            new_text=checked,
            data={k: v for k, v in data.items() if not (stale and k == "link")},
            now=now,
            event_seq=event.seq,
        )
        updated = await store.get_event(conn, chat_id, seq)
    assert updated is not None
    await publish_event(svc, event, exclude=session_id)
    if stale or "link" not in data:
        previews.schedule(svc, updated)
    return {"message": views.event(updated), "event": views.event(event)}


async def access_edits(svc: Services, me: Identity, chat_id: int, seq: int) -> dict[str, Any]:
    """Every version of a message I can read, oldest first, each with when it was written."""
    async with svc.db.read() as conn:
        member, upto = await access_readable(conn, chat_id, me.user_id)
        target = await store.get_event(conn, chat_id, seq)
        if (
            target is None
            or not (member.joined_seq < seq <= upto)
            or target.kind == "system"
            or target.recalled_at is not None
        ):
            raise LianxinError(Code.not_found, "no such message")
        rows = await extras.edits_of(conn, chat_id, seq)
    times = [int(target.created_at)] + [int(r.edited_at) for r in rows]
    texts = [r.text for r in rows] + [target.text]
    versions = [{"text": t, "ts": ts} for t, ts in zip(texts, times, strict=True)]
    return {"chat": chat_id, "seq": seq, "versions": versions}
