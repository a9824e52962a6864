"""Lianxin rows as Telegram objects: User, Chat, Message (with its photo, document,
voice or video), CallbackQuery, Update.

Ids as Telegram bots expect them: a private chat's id is the other user's id, a group's
id is negative (``-<chat id>``), and a message id is the message's ``seq`` in its chat.
One ``Shaper`` serves one request and caches the users and chats it looked up.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions.bots import Bot
from lianxin.errors import Code, LianxinError
from lianxin.platform.telegram import files
from lianxin.platform.telegram.formatting import derived
from lianxin.store import accounts as accounts_store
from lianxin.store import chats as chats_store
from lianxin.store import media as media_store

Obj = dict[str, Any]


def user(row: Row[Any]) -> Obj:
    out: Obj = {"id": row.id, "is_bot": bool(row.is_bot), "first_name": row.name}
    if row.handle:
        out["username"] = row.handle
    return out


def me(bot: Bot) -> Obj:
    return {
        "id": bot.user_id,
        "is_bot": True,
        "first_name": bot.name,
        "username": bot.handle,
        "can_join_groups": True,
        "can_read_all_group_messages": not bot.privacy,
        "supports_inline_queries": False,
    }


def markup(data: Obj) -> Obj | None:
    """A message's inline buttons as InlineKeyboardMarkup."""
    rows = data.get("buttons")
    if not rows:
        return None
    keyboard = [
        [
            {"text": b["text"], "url": b["url"]}
            if "url" in b
            else {"text": b["text"], "callback_data": b["data"]}
            for b in row
        ]
        for row in rows
    ]
    return {"inline_keyboard": keyboard}


class Shaper:
    def __init__(self, conn: AsyncConnection, bot: Bot) -> None:
        self.conn = conn
        self.bot = bot
        self._users: dict[int, Row[Any]] = {}
        self._chats: dict[int, Obj] = {}

    async def user_row(self, user_id: int) -> Row[Any]:
        if user_id not in self._users:
            row = await accounts_store.get_user(self.conn, user_id)
            if row is None:
                raise LianxinError(Code.not_found, "user not found")
            self._users[user_id] = row
        return self._users[user_id]

    async def chat(self, chat_id: int) -> Obj:
        if chat_id in self._chats:
            return self._chats[chat_id]
        row = await chats_store.get_chat(self.conn, chat_id)
        if row is None:
            raise LianxinError(Code.not_found, "chat not found")
        if row.kind == "direct":
            peer_id = next(int(u) for u in row.direct_key.split(":") if int(u) != self.bot.user_id)
            peer = await self.user_row(peer_id)
            shaped: Obj = {"id": peer.id, "type": "private", "first_name": peer.name}
            if peer.handle:
                shaped["username"] = peer.handle
        else:
            shaped = {"id": -int(row.id), "type": "group", "title": row.title}
        self._chats[chat_id] = shaped
        return shaped

    async def message(self, event: Row[Any], *, nested: bool = False) -> Obj:
        data: Obj = orjson.loads(event.data or "{}")
        out: Obj = {
            "message_id": event.seq,
            "date": max(1, event.created_at // 1000),
            "chat": await self.chat(event.chat_id),
        }
        if event.sender_id is not None:
            out["from"] = user(await self.user_row(event.sender_id))
        text = event.text
        if event.kind == "card":
            text = "\n\n".join(p for p in (data.get("title"), event.text) if p)
        if event.kind in files.FOLDERS:
            out.update(await self._media(event.kind, data))
            if text:
                out["caption"] = text
                found = derived(text)
                if found:
                    out["caption_entities"] = found
        elif text:
            out["text"] = text
            entities = data.get("entities") if event.kind == "rich" else None
            entities = entities or derived(text)
            if entities:
                out["entities"] = [await self._entity(e) for e in entities]
        reply_markup = markup(data)
        if reply_markup:
            out["reply_markup"] = reply_markup
        if event.reply_to is not None and not nested:
            target = await chats_store.get_event(self.conn, event.chat_id, event.reply_to)
            if target is not None and target.kind != "system":
                out["reply_to_message"] = await self.message(target, nested=True)
        if "forwarded" in data:
            out["forward_date"] = max(1, data["forwarded"].get("ts", 1000) // 1000)
        return out

    async def _media(self, kind: str, data: Obj) -> Obj:
        """photo / document / voice / video, with file ids the bot can getFile."""
        media_id = data.get("media")
        row = (
            await media_store.get_media(self.conn, media_id) if isinstance(media_id, int) else None
        )
        return files.media_fields(kind, data, row if row is not None and not row.gone_at else None)

    async def _entity(self, entity: Obj) -> Obj:
        if entity.get("type") != "text_mention":
            return entity
        row = await accounts_store.get_user(self.conn, entity["user"]["id"])
        name = row.name if row is not None else "user"
        is_bot = bool(row.is_bot) if row is not None else False
        return {
            **entity,
            "user": {"id": entity["user"]["id"], "is_bot": is_bot, "first_name": name},
        }

    async def update(self, row: Row[Any], event: Row[Any] | None) -> Obj | None:
        """One Update; None when its message is gone (recalled since)."""
        out: Obj = {"update_id": row.update_id}
        payload: Obj = orjson.loads(row.payload) if row.payload else {}
        if row.type == "message":
            if event is None or event.recalled_at is not None:
                return None
            out["message"] = await self.message(event)
        elif row.type == "callback_query":
            target = await chats_store.get_event(self.conn, row.chat_id, row.seq)
            query: Obj = {
                "id": payload["id"],
                "from": user(await self.user_row(payload["from"])),
                "chat_instance": str(row.chat_id),
                "data": payload["data"],
            }
            if target is not None and target.recalled_at is None:
                query["message"] = await self.message(target)
            out["callback_query"] = query
        elif row.type == "my_chat_member":
            by = payload.get("by") or self.bot.user_id
            me_row = await self.user_row(self.bot.user_id)
            old, new = ("left", "member") if payload["status"] == "member" else ("member", "kicked")
            out["my_chat_member"] = {
                "chat": await self.chat(row.chat_id),
                "from": user(await self.user_row(by)),
                "date": max(1, row.created_at // 1000),
                "old_chat_member": {"status": old, "user": user(me_row)},
                "new_chat_member": _member_status(new, user(me_row)),
            }
        else:
            return None
        return out


def _member_status(status: str, who: Obj) -> Obj:
    if status == "kicked":
        return {"status": "kicked", "user": who, "until_date": 0}
    return {"status": status, "user": who}
