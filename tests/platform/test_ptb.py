"""python-telegram-bot v22, unmodified, against a Lianxin server (base_url / base_file_url):
an echo bot with polling and a bot with an inline keyboard and callback answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.harness import ServerThread, uid
from tests.platform.helpers import frame_where, make_bot, text_ev


@asynccontextmanager
async def polling(app: Application[Any, Any, Any, Any, Any, Any]) -> AsyncIterator[None]:
    """Run the bot the way run_polling does, inside the test's event loop."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5)
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


def application(server: ServerThread, token: str) -> Application[Any, Any, Any, Any, Any, Any]:
    return (
        Application.builder()
        .token(token)
        .base_url(f"{server.url}/bot")
        .base_file_url(f"{server.url}/file/bot")
        .build()
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_user is not None and update.message is not None
    await update.message.reply_html(f"Hi {update.effective_user.mention_html()}!")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text.upper())


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    keyboard = [[InlineKeyboardButton("Tea", callback_data="tea")]]
    await update.message.reply_text("Pick one", reply_markup=InlineKeyboardMarkup(keyboard))


async def picked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"You picked {query.data}")
    await query.edit_message_text(f"Selected: {query.data}")


async def test_echo_bot_with_polling(server: ServerThread, closing: list[Any]) -> None:
    bot = await make_bot(server, closing, "Echo")
    app = application(server, bot.token)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    user = await server.signup("Mei")
    closing.append(user)
    conn = await user.connect()
    closing.append(conn)
    async with polling(app):
        assert app.bot.id == bot.id and app.bot.username == bot.handle
        started = await user.start_bot(bot.id)
        chat = started["chat"]
        greeting = await frame_where(conn, text_ev(chat, "Hi Mei!"))
        assert greeting["kind"] == "rich"
        assert greeting["data"]["entities"][0]["type"] == "text_mention"
        await user.send_text(chat, "hello bot")
        reply = await frame_where(conn, text_ev(chat, "HELLO BOT"))
        assert reply["from"] == bot.id
    assert uid(user) != bot.id


async def test_inline_keyboard_and_callback_answer(
    server: ServerThread, closing: list[Any]
) -> None:
    bot = await make_bot(server, closing, "Menu")
    app = application(server, bot.token)
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CallbackQueryHandler(picked))
    user = await server.signup("Lei")
    closing.append(user)
    conn = await user.connect()
    closing.append(conn)
    async with polling(app):
        chat = (await user.start_bot(bot.id))["chat"]
        await user.send_text(chat, "/menu")
        offer = await frame_where(conn, text_ev(chat, "Pick one"))
        assert offer["data"]["buttons"] == [[{"text": "Tea", "data": "tea"}]]
        pressed = await conn.press(chat, offer["seq"], "tea")
        answer = await frame_where(conn, lambda f: f.get("t") == "callback_answer")
        assert answer["id"] == pressed["id"] and answer["text"] == "You picked tea"
        edit = await frame_where(
            conn, lambda f: f.get("kind") == "system" and f["data"].get("type") == "edit"
        )
        assert edit["data"]["seq"] == offer["seq"] and edit["data"]["text"] == "Selected: tea"
        history = await user.history(chat)
        edited = next(e for e in history["events"] if e["seq"] == offer["seq"])
        assert edited["text"] == "Selected: tea" and "buttons" not in edited.get("data", {})
