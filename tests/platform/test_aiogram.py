"""aiogram v3, unmodified, against a Lianxin server (TelegramAPIServer.from_base):
an echo bot with polling and inline buttons with callback answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from tests.harness import ServerThread
from tests.platform.helpers import frame_where, make_bot, text_ev


@asynccontextmanager
async def polling(server: ServerThread, token: str, dp: Dispatcher) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.url))
    bot = Bot(token, session=session)
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        yield bot
    finally:
        await dp.stop_polling()
        await task
        await session.close()


def echo_dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        assert message.from_user is not None
        await message.answer(f"<b>Welcome</b>, {message.from_user.first_name}", parse_mode="HTML")

    @dp.message(Command("shop"))
    async def shop(message: Message) -> None:
        buttons = [[InlineKeyboardButton(text="Buy", callback_data="buy:1")]]
        await message.answer("Shop", reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons))

    @dp.callback_query(F.data.startswith("buy:"))
    async def buy(query: CallbackQuery) -> None:
        await query.answer("Added", show_alert=True)
        assert isinstance(query.message, Message)
        await query.message.edit_text("Bought 1")

    @dp.message()
    async def echo(message: Message) -> None:
        await message.send_copy(chat_id=message.chat.id)

    return dp


async def test_echo_and_callbacks_with_polling(server: ServerThread, closing: list[Any]) -> None:
    made = await make_bot(server, closing, "Shop")
    user = await server.signup("Hua")
    closing.append(user)
    conn = await user.connect()
    closing.append(conn)
    async with polling(server, made.token, echo_dispatcher()) as bot:
        me = await bot.me()
        assert me.id == made.id and me.username == made.handle
        chat = (await user.start_bot(made.id))["chat"]
        welcome = await frame_where(conn, text_ev(chat, "Welcome, Hua"))
        assert welcome["data"]["entities"] == [{"type": "bold", "offset": 0, "length": 7}]
        await user.send_text(chat, "你好 👋")
        copy = await frame_where(
            conn, lambda f: text_ev(chat, "你好 👋")(f) and f["from"] == made.id
        )
        assert copy["kind"] == "text"
        await user.send_text(chat, "/shop")
        shop = await frame_where(conn, text_ev(chat, "Shop"))
        await user.press_button(chat, shop["seq"], "buy:1")
        answer = await frame_where(conn, lambda f: f.get("t") == "callback_answer")
        assert answer["alert"] is True and answer["text"] == "Added"
        await frame_where(
            conn, lambda f: f.get("kind") == "system" and f["data"]["text"] == "Bought 1"
        )
