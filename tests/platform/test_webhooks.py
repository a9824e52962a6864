"""Webhooks: a python-telegram-bot webhook bot, and a raw receiver that checks headers and
the HMAC signature, fails to force retries, replies with a method, and dead letters."""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from lianxin.actions.webhooks import sign, webhook_key
from lianxin.bench.proc import free_port
from tests.harness import ServerThread, uid
from tests.platform.helpers import frame_where, make_bot, text_ev, tg_ok

FAST = {
    "webhook_allow_private": True,
    "webhook_poll_interval_s": 0.1,
    "webhook_backoff_max_s": 1,
    "webhook_retry_max_s": 3,
}


async def shout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text + "!")


async def test_ptb_webhook_bot(make_server: Any, closing: list[Any]) -> None:
    server = make_server(**FAST)
    bot = await make_bot(server, closing)
    port = free_port()
    app = Application.builder().token(bot.token).base_url(f"{server.url}/bot").build()
    app.add_handler(MessageHandler(filters.TEXT, shout))
    user = await server.signup("hooked")
    closing.append(user)
    conn = await user.connect()
    closing.append(conn)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="s3cret",
        )
        try:
            info = await tg_ok(server, bot.token, "getWebhookInfo")
            assert info["url"] == f"http://127.0.0.1:{port}/hook"
            chat = (await user.start_bot(bot.id))["chat"]
            await user.send_text(chat, "hello")
            await frame_where(conn, text_ev(chat, "hello!"))
        finally:
            await app.updater.stop()
            await app.stop()


@asynccontextmanager
async def receiver(answer: Callable[[web.Request, bytes], Any]) -> AsyncIterator[str]:
    async def handle(request: web.Request) -> web.StreamResponse:
        result: web.StreamResponse = await answer(request, await request.read())
        return result

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await runner.cleanup()


async def test_signed_retried_replied_and_dead_lettered(
    make_server: Any, closing: list[Any]
) -> None:
    server: ServerThread = make_server(**FAST)
    bot = await make_bot(server, closing)
    user = await server.signup("sender")
    closing.append(user)
    conn = await user.connect()
    closing.append(conn)
    seen: list[tuple[dict[str, str], bytes]] = []
    mode = {"fail": 1}

    async def answer(request: web.Request, body: bytes) -> web.Response:
        seen.append((dict(request.headers), body))
        if mode["fail"] > 0:
            mode["fail"] -= 1
            return web.Response(status=500)
        update = await asyncio.to_thread(__import__("json").loads, body)
        reply = {"method": "sendMessage", "chat_id": uid(user), "text": "reply in response"}
        if "message" in update and update["message"]["text"] == "/start":
            return web.json_response(reply)
        return web.json_response({})

    async with receiver(answer) as url:
        assert await tg_ok(server, bot.token, "setWebhook", url=url, secret_token="tok_1")
        chat = (await user.start_bot(bot.id))["chat"]
        await frame_where(conn, text_ev(chat, "reply in response"))
        assert len(seen) == 2 and seen[0][1] == seen[1][1]  # retried after the 500
        headers, body = seen[1]
        assert headers["Content-Type"] == "application/json"
        assert headers["X-Telegram-Bot-Api-Secret-Token"] == "tok_1"
        stamp = int(headers["X-Lianxin-Signature"].split(",")[0].removeprefix("t="))
        assert abs(time.time() - stamp) < 30
        expected = sign(webhook_key(bot.token), stamp, body)
        assert hmac.compare_digest(headers["X-Lianxin-Signature"], expected)
        assert sign(webhook_key(bot.token), stamp, body + b" ") != expected

        mode["fail"] = 10**6  # now the receiver is down for good
        await user.send_text(chat, "lost?")
        for _ in range(100):
            if await bot.owner.dead_letters(bot.id):
                break
            await asyncio.sleep(0.1)
        dead = await bot.owner.dead_letters(bot.id)
        assert len(dead) == 1 and dead[0]["attempts"] >= 2
        info = await tg_ok(server, bot.token, "getWebhookInfo")
        assert "500" in info["last_error_message"] and info["pending_update_count"] == 0
        mode["fail"] = 0
        assert await bot.owner.replay_dead_letters(bot.id) == 1
        for _ in range(100):
            if b"lost?" in seen[-1][1] and not await bot.owner.dead_letters(bot.id):
                break
            await asyncio.sleep(0.1)
        assert b"lost?" in seen[-1][1]
        assert await tg_ok(server, bot.token, "getWebhookInfo") != {}
