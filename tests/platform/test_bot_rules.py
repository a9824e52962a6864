"""Who may talk to whom with bots (no friendship needed), and one update order for all
sources: messages, button presses and membership changes arrive as they happened."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lianxin.client import ApiError
from tests.harness import ServerThread, befriend, uid
from tests.platform.helpers import make_bot, tg, tg_ok


def _kind(update: dict[str, Any]) -> str:
    return next(k for k in update if k != "update_id")


async def test_start_a_bot_without_friendship(server: ServerThread, closing: list[Any]) -> None:
    bot = await make_bot(server, closing)
    user = await server.signup("starter")
    closing.append(user)
    chat = (await user.start_bot(bot.id))["chat"]
    assert bot.id not in [f["id"] for f in await user.friends()]
    assert uid(user) not in [f["id"] for f in await bot.owner.friends()]
    reply = await tg_ok(server, bot.token, "sendMessage", chat_id=uid(user), text="hello")
    assert reply["chat"]["id"] == uid(user)
    await user.send_text(chat, "thanks")
    texts = [u["message"]["text"] for u in await tg_ok(server, bot.token, "getUpdates")]
    assert texts == ["/start", "thanks"]
    # Stopping the bot is blocking it: the bot is refused, the user can start it again later.
    await user.block(bot.id)
    resp = await tg(server, bot.token, "sendMessage", chat_id=uid(user), text="come back")
    assert resp.status_code == 403 and resp.json()["description"].startswith("Forbidden:")
    history = await user.history(chat)
    assert "come back" not in [e.get("text") for e in history["events"]]
    await user.unblock(bot.id)
    await tg_ok(server, bot.token, "sendMessage", chat_id=uid(user), text="welcome back")


async def test_a_bot_cannot_write_first(server: ServerThread, closing: list[Any]) -> None:
    bot = await make_bot(server, closing)
    stranger = await server.signup("never-started")
    closing.append(stranger)
    resp = await tg(server, bot.token, "sendMessage", chat_id=uid(stranger), text="buy now")
    assert resp.status_code == 403
    assert resp.json()["description"] == "Forbidden: bot can't initiate conversation with a user"
    assert await stranger.chats() == []


async def test_bot_in_a_group_may_answer_members_privately(
    server: ServerThread, closing: list[Any]
) -> None:
    bot = await make_bot(server, closing)
    member = await server.signup("member")
    closing.append(member)
    await befriend(bot.owner, member)
    # The owner adds the bot to a group without being its friend (bots need none).
    group = (await bot.owner.create_group("Shop", [uid(member), bot.id]))["id"]
    assert group > 0
    sent = await tg_ok(server, bot.token, "sendMessage", chat_id=uid(member), text="psst")
    direct = [c for c in await member.chats() if c["kind"] == "direct" and c["id"] != group]
    assert sent["chat"]["type"] == "private" and len(direct) >= 1
    await member.block(bot.id)
    resp = await tg(server, bot.token, "sendMessage", chat_id=uid(member), text="again")
    assert resp.status_code == 403


async def test_updates_keep_event_order_across_sources(
    server: ServerThread, closing: list[Any]
) -> None:
    bot = await make_bot(server, closing, handle="OrderBot")
    user, friend = bot.owner, await server.signup("friend")
    closing.append(friend)
    await befriend(user, friend)
    chat = (await user.start_bot(bot.id))["chat"]  # 1: message /start
    offer = await tg_ok(
        server,
        bot.token,
        "sendMessage",
        chat_id=uid(user),
        text="pick",
        reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    )
    await user.press_button(chat, offer["message_id"], "a")  # 2: callback_query
    await user.send_text(chat, "after the press")  # 3: message
    group = (await user.create_group("G", [uid(friend), bot.id]))["id"]  # 4: my_chat_member
    await friend.send_text(group, "/menu")  # 5: message in the group
    await user.remove_member(group, bot.id)  # 6: my_chat_member (kicked)
    await user.send_text(chat, "last")  # 7: message
    updates = await tg_ok(server, bot.token, "getUpdates")
    assert [_kind(u) for u in updates] == [
        "message",
        "callback_query",
        "message",
        "my_chat_member",
        "message",
        "my_chat_member",
        "message",
    ]
    ids = [u["update_id"] for u in updates]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert updates[0]["message"]["text"] == "/start"
    assert updates[1]["callback_query"]["data"] == "a"
    assert updates[3]["my_chat_member"]["new_chat_member"]["status"] == "member"
    assert updates[4]["message"]["text"] == "/menu"
    assert updates[5]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    # offset=-1 keeps only the newest and acknowledges the rest, older sources included.
    newest = await tg_ok(server, bot.token, "getUpdates", offset=-1)
    assert [u["update_id"] for u in newest] == [ids[-1]]
    assert await tg_ok(server, bot.token, "getUpdates", offset=ids[-1] + 1) == []


async def test_owner_describes_and_deletes_a_bot(server: ServerThread, closing: list[Any]) -> None:
    bot = await make_bot(server, closing, handle=f"gone_{uid(await _user(server, closing))}")
    other = await _user(server, closing)
    with pytest.raises(ApiError) as err:
        await other.update_bot(bot.id, description="mine now")
    assert err.value.status == 404
    with pytest.raises(ApiError) as err:
        await other.delete_bot(bot.id)
    assert err.value.status == 404
    shown = await bot.owner.update_bot(bot.id, description="Answers questions")
    assert shown["description"] == "Answers questions"
    chat = (await other.start_bot(bot.id))["chat"]
    await bot.owner.delete_bot(bot.id)
    assert await bot.owner.my_bots() == []
    assert (await tg(server, bot.token, "getMe")).status_code == 401
    with pytest.raises(ApiError):
        await other.start_bot(bot.id)
    assert any(e.get("text") == "/start" for e in (await other.history(chat))["events"])
    again = await bot.owner.create_bot("Again", bot.handle)  # the Lianxin ID is free
    assert again["bot"]["handle"] == bot.handle


async def test_overall_rate_limit(make_server: Any, closing: list[Any]) -> None:
    server = make_server(bot_msgs_per_s=2, bot_chat_msgs_per_min=1000)
    bot = await make_bot(server, closing)
    users = [await _user(server, closing) for _ in range(3)]
    for user in users:
        await user.start_bot(bot.id)
    codes = []
    for n in range(6):  # across three chats; the 1 s window may turn once, not three times
        user = users[n % 3]
        resp = await tg(server, bot.token, "sendMessage", chat_id=uid(user), text="news")
        codes.append(resp.status_code)
        if resp.status_code == 429:
            break
    assert codes[-1] == 429 and codes.count(200) <= 4, codes
    assert resp.json()["parameters"]["retry_after"] == 1
    headers = {"Authorization": f"Bot {bot.token}"}
    chat = (await users[0].chats())[0]["id"]
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        for _ in range(4):  # the native API shares the same counters
            native = await http.post(f"/api/v1/bot/chats/{chat}/messages", json={"text": "x"})
            if native.status_code != 200:
                break
    assert native.status_code == 429
    assert native.json()["code"] == "rate_limited"


async def _user(server: ServerThread, closing: list[Any]) -> Any:
    user = await server.signup("someone")
    closing.append(user)
    return user
