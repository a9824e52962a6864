"""The bot API's refusals and rules: tokens, other bots' chats and callbacks, 409s, SSRF,
rate limits, privacy mode in groups, button presses, the native API and the CLI."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from lianxin.cli import main
from lianxin.client import ApiError
from tests.harness import ServerThread, befriend, uid
from tests.platform.helpers import make_bot, tg, tg_ok


async def error(server: ServerThread, token: str, method: str, **params: Any) -> tuple[int, str]:
    resp = await tg(server, token, method, **params)
    body = resp.json()
    assert body["ok"] is False and body["error_code"] == resp.status_code
    return resp.status_code, body["description"]


async def test_tokens(server: ServerThread, closing: list[Any]) -> None:
    bot = await make_bot(server, closing)
    bot_id, secret = bot.token.split(":")
    assert bot_id == str(bot.id) and len(secret) >= 32
    for bad in ("nonsense", f"{bot_id}:{'x' * 43}", f"0{bot.token}", f"{bot.id + 1}:{secret}"):
        assert await error(server, bad, "getMe") == (401, "Unauthorized: invalid token specified")
    assert (await error(server, bot.token, "noSuchMethod"))[0] == 404
    assert (await tg_ok(server, bot.token, "GETME"))["id"] == bot.id  # case-insensitive
    fresh = await bot.owner.rotate_bot_token(bot.id)
    assert (await error(server, bot.token, "getMe"))[0] == 401
    assert (await tg_ok(server, fresh, "getMe"))["id"] == bot.id
    await bot.owner.revoke_bot_token(bot.id)
    assert (await error(server, fresh, "getMe"))[0] == 401
    stranger = await server.signup("stranger")
    closing.append(stranger)
    with pytest.raises(ApiError) as err:
        await stranger.rotate_bot_token(bot.id)
    assert err.value.status == 404
    assert await stranger.my_bots() == []


async def test_other_bots_chats_and_callbacks(server: ServerThread, closing: list[Any]) -> None:
    a, b = await make_bot(server, closing, "A"), await make_bot(server, closing, "B")
    user = await server.signup("u")
    closing.append(user)
    chat = (await user.start_bot(a.id))["chat"]
    sent = await tg_ok(
        server,
        a.token,
        "sendMessage",
        chat_id=uid(user),
        text="go",
        reply_markup={"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]},
    )
    # B was never started by the user and shares no group with them (Telegram's 403).
    assert await error(server, b.token, "sendMessage", chat_id=uid(user), text="hi") == (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )
    assert (await error(server, b.token, "sendMessage", chat_id=-chat, text="hi"))[0] == 400
    assert (await error(server, b.token, "getChat", chat_id=uid(user)))[0] == 403
    pressed = await user.press_button(chat, sent["message_id"], "go")
    assert (await error(server, b.token, "answerCallbackQuery", callback_query_id=pressed["id"]))[
        0
    ] == 400
    assert await tg_ok(server, a.token, "answerCallbackQuery", callback_query_id=pressed["id"])
    again = await error(server, a.token, "answerCallbackQuery", callback_query_id=pressed["id"])
    assert again[0] == 400
    assert (
        await error(
            server,
            b.token,
            "editMessageText",
            chat_id=uid(user),
            message_id=sent["message_id"],
            text="x",
        )
    )[0] == 403
    with pytest.raises(ApiError) as err:
        await user.press_button(chat, sent["message_id"], "never-offered")
    assert err.value.status == 400
    outsider = await server.signup("outsider")
    closing.append(outsider)
    with pytest.raises(ApiError) as err:
        await outsider.press_button(chat, sent["message_id"], "go")
    assert err.value.status == 404
    long = "x" * 65
    assert (
        "BUTTON_DATA_INVALID"
        in (
            await error(
                server,
                a.token,
                "sendMessage",
                chat_id=uid(user),
                text="t",
                reply_markup={"inline_keyboard": [[{"text": "L", "callback_data": long}]]},
            )
        )[1]
    )


async def test_poll_conflicts_and_webhook_refusals(
    server: ServerThread, closing: list[Any]
) -> None:
    bot = await make_bot(server, closing)
    first = asyncio.create_task(tg(server, bot.token, "getUpdates", timeout=10))
    await asyncio.sleep(0.5)
    second = asyncio.create_task(tg(server, bot.token, "getUpdates", timeout=1))
    old = await asyncio.wait_for(first, 5)
    assert old.status_code == 409 and "terminated by other getUpdates" in old.json()["description"]
    assert (await second).json() == {"ok": True, "result": []}
    for url in (
        "http://127.0.0.1:9/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest",
        "https://[::1]/hook",
        "ftp://example.org/",
    ):
        status, description = await error(server, bot.token, "setWebhook", url=url)
        assert status == 400 and "bad webhook" in description, url
    assert (await tg_ok(server, bot.token, "getWebhookInfo"))["url"] == ""
    assert await tg_ok(server, bot.token, "setWebhook", url="https://93.184.216.34/hook")
    status, description = await error(server, bot.token, "getUpdates")
    assert status == 409 and "webhook is active" in description
    info = await tg_ok(server, bot.token, "getWebhookInfo")
    assert info["url"] == "https://93.184.216.34/hook"
    assert await tg_ok(server, bot.token, "deleteWebhook")
    assert await tg_ok(server, bot.token, "getUpdates") == []


async def test_long_poll_wakes_on_a_message(server: ServerThread, closing: list[Any]) -> None:
    bot = await make_bot(server, closing)
    user = await server.signup("waker")
    closing.append(user)
    chat = (await user.start_bot(bot.id))["chat"]
    first = await tg_ok(server, bot.token, "getUpdates")
    offset = first[-1]["update_id"] + 1
    poll = asyncio.create_task(tg_ok(server, bot.token, "getUpdates", offset=offset, timeout=20))
    await asyncio.sleep(0.3)
    started = asyncio.get_running_loop().time()
    await user.send_text(chat, "ping")
    updates = await asyncio.wait_for(poll, 5)
    assert asyncio.get_running_loop().time() - started < 3
    assert [u["message"]["text"] for u in updates] == ["ping"]
    again = await tg_ok(server, bot.token, "getUpdates", offset=offset)
    assert [u["update_id"] for u in again] == [updates[0]["update_id"]]  # not acked yet
    assert await tg_ok(server, bot.token, "getUpdates", offset=updates[0]["update_id"] + 1) == []


async def test_privacy_mode_in_groups(server: ServerThread, closing: list[Any]) -> None:
    bot = await make_bot(server, closing, handle="PrivBot")
    owner, other = bot.owner, await server.signup("other")
    closing.append(other)
    await befriend(owner, other)
    await owner.start_bot(bot.id)
    group = (await owner.create_group("G", [uid(other), bot.id]))["id"]
    # Pending, in the order they happened: the /start message, then the group join.
    joined = await tg_ok(server, bot.token, "getUpdates")
    assert [next(k for k in u if k != "update_id") for u in joined] == [
        "message",
        "my_chat_member",
    ]
    assert joined[1]["my_chat_member"]["chat"]["id"] == -group
    await tg_ok(server, bot.token, "getUpdates", offset=joined[-1]["update_id"] + 1)
    await other.send_text(group, "chatter")
    await other.send_text(group, "/help@PrivBot")
    await other.send_text(group, "/help@OtherBot")  # meant for another bot
    await other.send_text(group, "/menu now")  # unaddressed: for every bot
    await other.send_text(group, "hey @privbot")
    said = await tg_ok(server, bot.token, "sendMessage", chat_id=-group, text="I am here")
    await other.send(group, "text", text="answer", reply_to=said["message_id"])
    updates = await tg_ok(server, bot.token, "getUpdates")
    texts = [u["message"]["text"] for u in updates]
    assert texts == ["/help@PrivBot", "/menu now", "hey @privbot", "answer"]
    command = updates[0]["message"]["entities"][0]
    assert command == {"type": "bot_command", "offset": 0, "length": 13}
    await owner.update_bot(bot.id, privacy=False)
    await other.send_text(group, "more chatter")
    await other.send_text(group, "/help@OtherBot")
    updates = await tg_ok(server, bot.token, "getUpdates", offset=updates[-1]["update_id"] + 1)
    assert [u["message"]["text"] for u in updates] == ["more chatter", "/help@OtherBot"]


async def test_rate_limits(make_server: Any, closing: list[Any]) -> None:
    server = make_server(bot_msgs_per_s=1000, bot_chat_msgs_per_min=3)
    bot = await make_bot(server, closing)
    user = await server.signup("flood")
    closing.append(user)
    await user.start_bot(bot.id)
    for n in range(3):
        await tg_ok(server, bot.token, "sendMessage", chat_id=uid(user), text=f"m{n}")
    resp = await tg(server, bot.token, "sendMessage", chat_id=uid(user), text="too many")
    body = resp.json()
    assert resp.status_code == 429 and body["description"].startswith(
        "Too Many Requests: retry after"
    )
    assert 1 <= body["parameters"]["retry_after"] <= 60
    assert resp.headers["Retry-After"] == str(body["parameters"]["retry_after"])
    history = await user.history((await user.chats())[0]["id"])
    assert "too many" not in [e.get("text") for e in history["events"]]


async def test_native_api_and_commands(server: ServerThread, closing: list[Any]) -> None:
    bot = await make_bot(server, closing)
    user = await server.signup("native")
    closing.append(user)
    chat = (await user.start_bot(bot.id, "promo_7"))["chat"]
    headers = {"Authorization": f"Bot {bot.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as http:
        assert (await http.get("/api/v1/bot/me")).json()["id"] == bot.id
        got = (await http.get("/api/v1/bot/updates", params={"timeout": 1})).json()["updates"]
        assert got[0]["message"]["text"] == "/start promo_7" and got[0]["chat"] == chat
        card = {"title": "Menu", "buttons": [[{"text": "Tea", "data": "tea"}]]}
        sent = await http.post(
            f"/api/v1/bot/chats/{chat}/messages",
            json={"kind": "card", "text": "Today", "content": card},
        )
        assert sent.status_code == 200 and sent.json()["data"]["title"] == "Menu"
        commands = [{"command": "menu", "description": "Show the menu"}]
        assert (
            await http.put("/api/v1/bot/commands", json={"commands": commands})
        ).status_code == 204
        bad = await http.put(
            "/api/v1/bot/commands", json={"commands": [{"command": "Bad Cmd", "description": "x"}]}
        )
        assert bad.status_code == 400
        assert (
            await http.get("/api/v1/bot/me", headers={"Authorization": "Bot 1:nope"})
        ).status_code == 401
    assert await user.bot_commands(bot.id) == commands
    assert await tg_ok(server, bot.token, "getMyCommands") == commands
    with pytest.raises(ApiError) as err:
        await user.send(chat, "card", text="x", content=card)
    assert err.value.status == 400  # only bots send cards


def test_cli_bot_commands(tmp_path: Any) -> None:
    runner = CliRunner()
    env = {"LIANXIN_DATA_DIR": str(tmp_path)}
    made = runner.invoke(
        main, ["user", "create", "--phone", "+8613800138001", "--name", "O"], env=env
    )
    assert made.exit_code == 0, made.output
    created = runner.invoke(main, ["bot", "create", "--owner", "1", "--name", "Helper"], env=env)
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("2:")
    listed = runner.invoke(main, ["bot", "list", "--owner", "1"], env=env)
    assert "@bot2\tactive" in listed.stdout
    rotated = runner.invoke(main, ["bot", "rotate", "--owner", "1", "2"], env=env)
    assert rotated.exit_code == 0 and rotated.stdout.strip().splitlines()[-1] != token
    revoked = runner.invoke(main, ["bot", "revoke", "--owner", "1", "2"], env=env)
    assert revoked.exit_code == 0
    assert "revoked" in runner.invoke(main, ["bot", "list", "--owner", "1"], env=env).stdout
    wrong = runner.invoke(main, ["bot", "revoke", "--owner", "nobody_here", "2"], env=env)
    assert wrong.exit_code == 2 and "no user" in wrong.output
    gone = runner.invoke(main, ["bot", "delete", "--owner", "1", "2", "--yes"], env=env)
    assert gone.exit_code == 0, gone.output
    assert runner.invoke(main, ["bot", "list", "--owner", "1"], env=env).stdout == ""
    again = runner.invoke(main, ["bot", "delete", "--owner", "1", "2", "--yes"], env=env)
    assert again.exit_code == 2 and "no such bot" in again.output
