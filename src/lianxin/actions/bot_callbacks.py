"""Inline buttons: a user presses one, the bot answers (a toast) and may edit its message.

A press is checked against the message itself: the user must be able to read it, it
must be the bot's, and it must carry a button with exactly that data, so nobody can send
a bot callback data it never offered. The bot's answer goes to the pressing user's
sessions only. A bot's edit changes the stored message and appends an ``edit`` system
event (the shape message edits use), so devices that were offline replay it in order.
"""

from __future__ import annotations

import secrets
from typing import Any

import orjson

from lianxin.actions import kinds, views
from lianxin.actions.accounts import Identity
from lianxin.actions.bot_updates import add_update_txn, wake
from lianxin.actions.bots import Bot
from lianxin.actions.chats import access_member, publish_event
from lianxin.errors import Code, LianxinError
from lianxin.events import publish
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import bots as store
from lianxin.store import chats as chats_store

ANSWER_TEXT_MAX = 200
EDITABLE = ("text", "rich", "card")


def _has_button(data: dict[str, Any], pressed: str) -> bool:
    rows = data.get("buttons") or []
    return any(b.get("data") == pressed for row in rows for b in row)


async def do_press(
    svc: Services, me: Identity, chat_id: int, seq: int, data: str
) -> dict[str, Any]:
    """Press an inline button of a bot's message; the bot gets a callback_query update."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        member = await access_member(conn, chat_id, me.user_id)
        target = await chats_store.get_event(conn, chat_id, seq)
        if target is None or seq <= member.joined_seq or target.recalled_at is not None:
            raise LianxinError(Code.not_found, "no such message")
        sender = await accounts_store.get_user(conn, target.sender_id or 0)
        content = orjson.loads(target.data or "{}")
        if sender is None or not sender.is_bot or not _has_button(content, data):
            raise LianxinError(Code.bad_request, "this message has no such button")
        callback_id = secrets.token_hex(8)
        await store.insert_callback_txn(
            conn,
            id=callback_id,
            bot_id=sender.id,
            user_id=me.user_id,
            chat_id=chat_id,
            seq=seq,
            data=data,
            created_at=now,
        )
        payload = {"id": callback_id, "from": me.user_id, "data": data}
        await add_update_txn(
            conn, sender.id, "callback_query", now, chat_id=chat_id, seq=seq, payload=payload
        )
    await wake(svc, sender.id)
    return {"id": callback_id}


async def do_answer(
    svc: Services,
    bot: Bot,
    callback_id: str,
    *,
    text: str | None = None,
    alert: bool = False,
    url: str | None = None,
) -> None:
    """Answer a press once: the toast (or alert) goes to the user who pressed."""
    if text is not None and len(text) > ANSWER_TEXT_MAX:
        raise LianxinError(Code.bad_request, f"an answer is at most {ANSWER_TEXT_MAX} characters")
    async with svc.db.write() as conn:
        press = await store.get_callback(conn, callback_id)
        if press is None or press.bot_id != bot.user_id:
            raise LianxinError(Code.bad_request, "query ID is invalid")
        if not await store.answer_callback_txn(conn, callback_id, svc.clock.now_ms()):
            raise LianxinError(Code.bad_request, "query is too old or was already answered")
    frame: dict[str, Any] = {
        "t": "callback_answer",
        "id": callback_id,
        "chat": press.chat_id,
        "seq": press.seq,
        "alert": alert,
    }
    if text:
        frame["text"] = text
    if url:
        frame["url"] = url
    await publish.to_users(svc.bus, [press.user_id], frame)


async def do_bot_edit(
    svc: Services,
    bot: Bot,
    chat_id: int,
    seq: int,
    *,
    text: str | None,
    content: dict[str, Any] | None,
) -> dict[str, Any]:
    """Replace the text and/or buttons of one of the bot's own messages.

    ``content`` is checked as the ``rich`` kind (or ``card`` for a card); a plain text
    message that gains buttons becomes ``rich``. Returns the message as it is now.
    """
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        await chats_store.lock_chat_txn(conn, chat_id)  # edits and sends take turns per chat
        member = await access_member(conn, chat_id, bot.user_id)
        target = await chats_store.get_event(conn, chat_id, seq)
        if target is None or seq <= member.joined_seq or target.recalled_at is not None:
            raise LianxinError(Code.not_found, "message to edit not found")
        if target.sender_id != bot.user_id or target.kind not in EDITABLE:
            raise LianxinError(Code.bad_request, "message can't be edited")
        kind = "card" if target.kind == "card" else ("rich" if content else target.kind)
        old = orjson.loads(target.data or "{}")
        if kind == "card":
            content = {"title": old.get("title"), "image": old.get("image"), **(content or {})}
            content = {k: v for k, v in content.items() if v is not None}
        draft = kinds.Draft(
            chat_id=chat_id, text=target.text if text is None else text, content=content
        )
        checked = await kinds.content_check(kind)(conn, svc, bot.identity, draft)
        if checked.text == target.text and (checked.data or {}) == old:
            raise LianxinError(Code.bad_request, "message is not modified")
        values = {
            "kind": kind,
            "text": checked.text,
            "data": orjson.dumps(checked.data).decode() if checked.data else None,
        }
        fresh = await store.update_message_txn(conn, target.id, values)
        edit: dict[str, Any] = {"type": "edit", "seq": seq, "by": bot.user_id, "text": checked.text}
        if checked.data:
            edit["content"] = checked.data
        event = await chats_store.append_event_txn(
            conn,
            chat_id=chat_id,
            sender_id=bot.user_id,
            kind="system",
            now=now,
            data={**edit, "edited_at": now},
        )
    await publish_event(svc, event)
    return views.event(fresh)
