"""Telegram Bot API methods: each parses its parameters and calls one action.

``METHODS`` maps lower-cased method names (Telegram's are case-insensitive) to handlers
``(ctx, params) -> result``. Webhook replies reuse the same table.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from lianxin.actions import bot_updates, bots, messages, webhooks
from lianxin.actions.bot_callbacks import do_answer, do_bot_edit
from lianxin.actions.bots import Bot
from lianxin.actions.chats import access_member
from lianxin.errors import Code, LianxinError
from lianxin.media.process import MediaKind
from lianxin.platform.telegram import files, formatting, shapes
from lianxin.platform.telegram.params import Params
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import chats as chats_store


@dataclass(frozen=True, slots=True)
class Ctx:
    svc: Services
    bot: Bot
    token: str
    wakeups: bot_updates.Wakeups


Method = Callable[[Ctx, Params], Awaitable[Any]]
METHODS: dict[str, Method] = {}
# Methods a webhook response may not call (Telegram's rule: their result is invisible).
NOT_FROM_WEBHOOK = ("get", "setwebhook", "deletewebhook", "close", "logout")


def method(fn: Method) -> Method:
    METHODS[fn.__name__.replace("_", "").lower()] = fn
    return fn


def _bad(message: str) -> LianxinError:
    return LianxinError(Code.bad_request, message)


async def chat_of(ctx: Ctx, p: Params, name: str = "chat_id") -> int:
    """A Telegram chat id as a Lianxin chat: a user id is the private chat with that user,
    a negative id is a group. Chats the bot is not in are "not found"; a user who never
    started the bot (and shares no group with it) is 403, as on Telegram."""
    raw = p.string(name, required=True)
    try:
        value = int(raw or "")
    except ValueError:
        raise _bad("chat not found") from None
    if value > 0:
        try:
            return await bots.direct_chat_with(ctx.svc, ctx.bot, value)
        except LianxinError as exc:
            if exc.code != Code.not_found:
                raise  # 403: the user never started the bot, or blocked it
            raise _bad("chat not found") from None
    if value < 0:
        return -value
    raise _bad("chat not found")


async def _message(ctx: Ctx, chat_id: int, seq: int) -> dict[str, Any]:
    async with ctx.svc.db.read() as conn:
        row = await chats_store.get_event(conn, chat_id, seq)
        assert row is not None
        return await shapes.Shaper(conn, ctx.bot).message(row)


def _buttons(markup: Any) -> list[list[dict[str, str]]]:
    rows = []
    for row in markup.get("inline_keyboard") or []:
        out = []
        for b in row if isinstance(row, list) else []:
            if not isinstance(b, dict):
                raise _bad("bad inline keyboard button")
            if "callback_data" in b:
                out.append({"text": b.get("text"), "data": b["callback_data"]})
            elif "url" in b:
                out.append({"text": b.get("text"), "url": b["url"]})
            else:
                raise _bad("only callback_data and url inline buttons are supported")
        rows.append(out)
    return rows


def _content(markup: Any, entities: list[dict[str, Any]]) -> dict[str, Any]:
    """reply_markup + entities as ``rich`` content (empty: a plain text message)."""
    content: dict[str, Any] = {}
    if entities:
        content["entities"] = entities
    if markup is None:
        return content
    if not isinstance(markup, dict):
        raise _bad("reply_markup must be an object")
    if "inline_keyboard" in markup:
        content["buttons"] = _buttons(markup)
    elif "keyboard" in markup:
        content["keyboard"] = {
            "rows": markup["keyboard"],
            "resize": bool(markup.get("resize_keyboard")),
            "one_time": bool(markup.get("one_time_keyboard")),
            "persistent": bool(markup.get("is_persistent")),
            "placeholder": markup.get("input_field_placeholder") or "",
        }
    elif markup.get("remove_keyboard"):
        content["keyboard"] = {"remove": True}
    elif markup.get("force_reply"):
        content["force_reply"] = {"placeholder": markup.get("input_field_placeholder") or ""}
    return content


def _text_and_entities(p: Params) -> tuple[str, list[dict[str, Any]]]:
    text = p.text("text")
    given = p.json("entities")
    if given:
        return text, list(given)
    return formatting.parse(text, p.string("parse_mode"))


def _reply_to(p: Params) -> int | None:
    params = p.json("reply_parameters")
    if isinstance(params, dict) and params.get("message_id") is not None:
        return int(params["message_id"])
    return p.integer("reply_to_message_id")


# -- identity and updates ----------------------------------------------------------------


@method
async def get_me(ctx: Ctx, p: Params) -> Any:
    return shapes.me(ctx.bot)


@method
async def log_out(ctx: Ctx, p: Params) -> Any:
    """Nothing to log out of: there is no other cloud behind this server."""
    return True


@method
async def close(ctx: Ctx, p: Params) -> Any:
    """Nothing to close: bot instances hold no state on this server between calls."""
    return True


@method
async def get_updates(ctx: Ctx, p: Params) -> Any:
    allowed = bot_updates.check_allowed_updates(p.json("allowed_updates"))
    rows = await bot_updates.do_poll(
        ctx.svc,
        ctx.bot,
        ctx.wakeups,
        offset=p.integer("offset"),
        limit=p.integer("limit", default=100) or 100,
        timeout=p.number("timeout", 0.0),
        allowed_updates=allowed,
    )
    events = await bot_updates.load_events(ctx.svc, rows)
    out = []
    async with ctx.svc.db.read() as conn:
        shaper = shapes.Shaper(conn, ctx.bot)
        for row in rows:
            update = await shaper.update(row, events.get((row.chat_id, row.seq)))
            if update is not None:
                out.append(update)
    return out


@method
async def set_webhook(ctx: Ctx, p: Params) -> Any:
    await webhooks.do_set_webhook(
        ctx.svc,
        ctx.bot,
        ctx.token,
        p.string("url") or "",
        secret_token=p.string("secret_token"),
        max_connections=p.integer("max_connections"),
        allowed_updates=p.json("allowed_updates"),
        drop_pending=p.boolean("drop_pending_updates"),
    )
    return True


@method
async def delete_webhook(ctx: Ctx, p: Params) -> Any:
    await webhooks.do_delete_webhook(
        ctx.svc, ctx.bot, drop_pending=p.boolean("drop_pending_updates")
    )
    return True


@method
async def get_webhook_info(ctx: Ctx, p: Params) -> Any:
    return await webhooks.webhook_info(ctx.svc, ctx.bot)


# -- messages ------------------------------------------------------------------------------


@method
async def send_message(ctx: Ctx, p: Params) -> Any:
    chat_id = await chat_of(ctx, p)
    text, entities = _text_and_entities(p)
    content = _content(p.json("reply_markup"), entities)
    event = await bots.do_bot_send(
        ctx.svc,
        ctx.bot,
        chat_id,
        kind="rich" if content else "text",
        text=text,
        content=content or None,
        reply_to=_reply_to(p),
    )
    return await _message(ctx, chat_id, event["seq"])


@method
async def edit_message_text(ctx: Ctx, p: Params) -> Any:
    if p.has("inline_message_id"):
        raise _bad("inline messages are not supported")
    chat_id = await chat_of(ctx, p)
    text, entities = _text_and_entities(p)
    content = _content(p.json("reply_markup"), entities)
    await do_bot_edit(
        ctx.svc, ctx.bot, chat_id, p.req_int("message_id"), text=text, content=content or None
    )
    shaped = await _message(ctx, chat_id, p.req_int("message_id"))
    return {**shaped, "edit_date": max(1, ctx.svc.clock.now_ms() // 1000)}


@method
async def edit_message_reply_markup(ctx: Ctx, p: Params) -> Any:
    if p.has("inline_message_id"):
        raise _bad("inline messages are not supported")
    chat_id = await chat_of(ctx, p)
    content = _content(p.json("reply_markup") or {"inline_keyboard": []}, [])
    await do_bot_edit(
        ctx.svc, ctx.bot, chat_id, p.req_int("message_id"), text=None, content=content
    )
    shaped = await _message(ctx, chat_id, p.req_int("message_id"))
    return {**shaped, "edit_date": max(1, ctx.svc.clock.now_ms() // 1000)}


@method
async def delete_message(ctx: Ctx, p: Params) -> Any:
    chat_id = await chat_of(ctx, p)
    try:
        await messages.do_recall(ctx.svc, ctx.bot.identity, chat_id, p.req_int("message_id"))
    except LianxinError as exc:
        if exc.code in (Code.recall_expired, Code.not_allowed, Code.conflict):
            raise _bad("message can't be deleted") from None
        if exc.code == Code.not_found:
            raise _bad("message to delete not found") from None
        raise
    return True


@method
async def forward_message(ctx: Ctx, p: Params) -> Any:
    to_chat = await chat_of(ctx, p)
    from_chat = await chat_of(ctx, p, "from_chat_id")
    await bots.do_check_rate(ctx.svc, ctx.bot, to_chat)
    sent = await messages.do_forward(
        ctx.svc,
        ctx.bot.identity,
        from_chat,
        p.req_int("message_id"),
        to_chat,
        client_id=uuid.uuid4().hex,
    )
    return await _message(ctx, to_chat, sent.event["seq"])


@method
async def send_chat_action(ctx: Ctx, p: Params) -> Any:
    chat_id = await chat_of(ctx, p)
    p.text("action")
    await messages.do_typing(
        ctx.svc, ctx.bot.identity, chat_id, session_id=f"bot-{ctx.bot.user_id}"
    )
    return True


@method
async def answer_callback_query(ctx: Ctx, p: Params) -> Any:
    await do_answer(
        ctx.svc,
        ctx.bot,
        p.text("callback_query_id"),
        text=p.string("text"),
        alert=p.boolean("show_alert"),
        url=p.string("url"),
    )
    return True


# -- commands and chats ----------------------------------------------------------------------


def _default_scope(p: Params) -> None:
    scope = p.json("scope")
    if scope and (not isinstance(scope, dict) or scope.get("type") != "default"):
        raise _bad("only the default command scope is supported")
    if p.string("language_code"):
        raise _bad("per-language command lists are not supported")


@method
async def set_my_commands(ctx: Ctx, p: Params) -> Any:
    _default_scope(p)
    await bots.do_set_commands(ctx.svc, ctx.bot, p.json("commands"))
    return True


@method
async def get_my_commands(ctx: Ctx, p: Params) -> Any:
    _default_scope(p)
    return await bots.access_commands(ctx.svc, ctx.bot.user_id)


@method
async def delete_my_commands(ctx: Ctx, p: Params) -> Any:
    _default_scope(p)
    await bots.do_set_commands(ctx.svc, ctx.bot, [])
    return True


@method
async def get_chat(ctx: Ctx, p: Params) -> Any:
    chat_id = await chat_of(ctx, p)
    async with ctx.svc.db.read() as conn:
        await access_member(conn, chat_id, ctx.bot.user_id)
        shaped = await shapes.Shaper(conn, ctx.bot).chat(chat_id)
        chat = await chats_store.get_chat(conn, chat_id)
    assert chat is not None
    extra = {"description": chat.announcement} if chat.kind == "group" else {}
    return {**shaped, **extra, "accent_color_id": 0, "max_reaction_count": 0}


_ADMIN_RIGHTS = [
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
]


@method
async def get_chat_member(ctx: Ctx, p: Params) -> Any:
    chat_id = await chat_of(ctx, p)
    user_id = p.req_int("user_id")
    async with ctx.svc.db.read() as conn:
        await access_member(conn, chat_id, ctx.bot.user_id)
        member = await chats_store.get_member(conn, chat_id, user_id)
        row = await accounts_store.get_user(conn, user_id)
    if row is None:
        raise _bad("user not found")
    who = shapes.user(row)
    if member is None or not member.active:
        return {"status": "left", "user": who}
    if member.role == "owner":
        return {"status": "creator", "user": who, "is_anonymous": False}
    if member.role == "admin":
        rights = dict.fromkeys(_ADMIN_RIGHTS, True)
        return {
            "status": "administrator",
            "user": who,
            "can_be_edited": False,
            "is_anonymous": False,
            **rights,
        }
    return {"status": "member", "user": who}


# -- media -------------------------------------------------------------------------------


async def _send_media(ctx: Ctx, p: Params, field: str, kind: MediaKind, message_kind: str) -> Any:
    """sendPhoto / sendDocument / sendVoice: store (or reuse) the file, then send it."""
    chat_id = await chat_of(ctx, p)
    if p.json("reply_markup") is not None:
        raise _bad("reply_markup is not supported on media messages")
    caption = p.string("caption") or None
    if caption is not None:
        caption, _ = formatting.parse(caption, p.string("parse_mode"))
        if message_kind == "voice":
            raise _bad("voice messages have no caption here")
    await bots.do_check_rate(ctx.svc, ctx.bot, chat_id)  # before storing anything
    media_id = await files.input_media(ctx.svc, ctx.bot, p.upload(field), kind, field)
    event = await bots.do_bot_send(
        ctx.svc,
        ctx.bot,
        chat_id,
        kind=message_kind,
        text=caption,
        content={"media": media_id},
        reply_to=_reply_to(p),
        checked_rate=True,
    )
    return await _message(ctx, chat_id, event["seq"])


@method
async def send_photo(ctx: Ctx, p: Params) -> Any:
    return await _send_media(ctx, p, "photo", "photo", "photo")


@method
async def send_document(ctx: Ctx, p: Params) -> Any:
    return await _send_media(ctx, p, "document", "file", "file")


@method
async def send_voice(ctx: Ctx, p: Params) -> Any:
    return await _send_media(ctx, p, "voice", "voice", "voice")


@method
async def get_file(ctx: Ctx, p: Params) -> Any:
    row, variant = await files.access_file(ctx.svc, ctx.bot, p.text("file_id"))
    return files.file_object(row, variant)
