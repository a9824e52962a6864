"""Official accounts driven through the Bot API: the owner issues a token, followers'
messages reach a signed webhook (and getUpdates) while the owner's devices still see them
live, and the token gives the account none of a bot's freedoms."""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

import pytest
from aiohttp import web

from lianxin.actions.webhooks import sign, webhook_key
from lianxin.client import ApiError
from tests.harness import ServerThread, befriend, live, people, refused, uid
from tests.platform.helpers import frame_where, tg, tg_ok
from tests.platform.test_webhooks import FAST, receiver


async def test_followers_messages_reach_the_accounts_webhook(
    make_server: Any, closing: list[Any]
) -> None:
    server: ServerThread = make_server(**FAST)
    owner, fan, stranger = await people(server, closing, "Owner", "Fan", "Stranger")
    acct = (await owner.create_official("Helpdesk"))["id"]
    chat = (await fan.follow(acct))["chat_id"]
    with pytest.raises(ApiError) as err:
        await stranger.official_token(acct)
    assert err.value.status == 404
    token = await owner.official_token(acct)
    assert (await tg_ok(server, token, "getMe"))["id"] == acct
    assert await owner.my_bots() == []  # an account is not listed as a bot

    # Polling first: the follower's message is an update, and the owner still sees it live.
    phone = await live(owner, closing)
    await fan.send_text(chat, "hello there")
    updates = await tg_ok(server, token, "getUpdates")
    assert [u["message"]["text"] for u in updates] == ["hello there"]
    assert updates[0]["message"]["from"]["id"] == uid(fan)
    await frame_where(phone, lambda f: f.get("t") == "official_message")
    await tg_ok(server, token, "getUpdates", offset=updates[-1]["update_id"] + 1)

    seen: list[tuple[dict[str, str], bytes]] = []

    async def answer(request: web.Request, body: bytes) -> web.Response:
        seen.append((dict(request.headers), body))
        update = json.loads(body)
        text = update["message"]["text"]
        return web.json_response(
            {
                "method": "sendMessage",
                "chat_id": update["message"]["chat"]["id"],
                "text": f"re: {text}",
            }
        )

    fan_conn = await live(fan, closing)
    async with receiver(answer) as url:
        assert await tg_ok(server, token, "setWebhook", url=url)
        await fan.send_text(chat, "where is my order?")
        reply = await frame_where(
            fan_conn, lambda f: f.get("t") == "ev" and f.get("text") == "re: where is my order?"
        )
        assert reply["from"] == acct and reply["chat"] == chat
        headers, body = seen[-1]
        stamp = int(headers["X-Lianxin-Signature"].split(",")[0].removeprefix("t="))
        assert abs(time.time() - stamp) < 30
        assert hmac.compare_digest(
            headers["X-Lianxin-Signature"], sign(webhook_key(token), stamp, body)
        )
        # Unfollowed: the account may no longer write to them, by any API.
        await fan.unfollow(acct)
        resp = await tg(server, token, "sendMessage", chat_id=uid(fan), text="come back")
        assert resp.status_code == 403
    await owner.revoke_official_token(acct)
    assert (await tg(server, token, "getMe")).status_code == 401
    fresh = await owner.official_token(acct)
    assert (await tg_ok(server, fresh, "getMe"))["id"] == acct


async def test_a_token_gives_no_bot_freedoms(server: ServerThread, closing: list[Any]) -> None:
    owner, user, friend = await people(server, closing, "Owner", "User", "Friend")
    acct = (await owner.create_official("Shop"))["id"]
    token = await owner.official_token(acct)
    # Not startable, not addable to groups, not writable without following.
    await refused(user.start_bot(acct), "not_found", 404)
    await befriend(user, friend)
    with pytest.raises(ApiError):
        await user.create_group("G", [uid(friend), acct])
    await refused(user.open_direct(acct), "not_friends", 403)
    resp = await tg(server, token, "sendMessage", chat_id=uid(user), text="ad")
    assert resp.status_code == 403
    assert all((c.get("peer") or {}).get("id") != acct for c in await user.chats())
