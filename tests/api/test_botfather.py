"""BotFather: a user finds @botfather, talks to it over the WebSocket like to any bot, and
makes and manages bots with the same rules as the REST API and `lianxin bot`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lianxin.client import ApiError, Client
from lianxin.client.connection import Connection
from tests.harness import ServerThread, live, people
from tests.platform.helpers import frame_where, tg, tg_ok


class Chat:
    """One user's direct chat with BotFather: say something, read the answer."""

    def __init__(self, user: Client, conn: Connection, chat: int, father: int) -> None:
        self.user, self.conn, self.chat, self.father = user, conn, chat, father

    async def answer(self) -> str:
        frame = await frame_where(
            self.conn,
            lambda f: (
                f.get("t") == "ev" and f.get("chat") == self.chat and f["from"] == self.father
            ),
        )
        return str(frame["text"])

    async def say(self, text: str) -> str:
        await self.user.send_text(self.chat, text)
        return await self.answer()


async def talk(user: Client, closing: list[Any]) -> Chat:
    found = await user.search("botfather")
    father = found["id"]
    assert found["is_bot"] is True
    conn = await live(user, closing)
    chat = (await user.start_bot(father))["chat"]
    talk = Chat(user, conn, chat, father)
    assert "/newbot" in await talk.answer()  # /start is answered with the help
    return talk


@pytest.fixture
def fast(make_server: Any) -> ServerThread:
    server: ServerThread = make_server(webhook_poll_interval_s=0.05)
    return server


async def test_newbot_then_manage_it(fast: ServerThread, closing: list[Any]) -> None:
    (owner,) = await people(fast, closing, "Maker")
    bf = await talk(owner, closing)
    assert "You have no bots yet" in await bf.say("/mybots")
    assert "choose a name" in await bf.say("/newbot")
    assert "Lianxin ID" in await bf.say("Weather")
    assert "Sorry" in await bf.say("no spaces allowed")  # the handle rules of every surface
    done = await bf.say("weather_bot")
    token = done.splitlines()[-1]
    assert "@weather_bot" in done and token.count(":") == 1
    me = await tg_ok(fast, token, "getMe")
    assert me["username"] == "weather_bot" and me["first_name"] == "Weather"
    assert [b["handle"] for b in await owner.my_bots()] == ["weather_bot"]
    assert "@weather_bot - Weather" in await bf.say("/mybots")

    assert "@weather_bot" in await bf.say("/setcommands")
    assert "one per line" in await bf.say("@weather_bot")
    assert "Success" in await bf.say("today - Today's weather\n/week - The week ahead")
    assert await tg_ok(fast, token, "getMyCommands") == [
        {"command": "today", "description": "Today's weather"},
        {"command": "week", "description": "The week ahead"},
    ]
    await bf.say("/setdescription")
    await bf.say("weather_bot")
    assert "Success" in await bf.say("Forecasts for your city")
    assert (await owner.my_bots())[0]["description"] == "Forecasts for your city"

    await bf.say("/setprivacy")
    assert "ENABLED" in await bf.say("@weather_bot")
    assert "disabled" in await bf.say("Disable")
    assert (await owner.my_bots())[0]["privacy"] is False

    await bf.say("/token")
    fresh = (await bf.say("@weather_bot")).splitlines()[-1]
    assert fresh != token and (await tg(fast, token, "getMe")).status_code == 401
    assert (await tg_ok(fast, fresh, "getMe"))["id"] == me["id"]
    await bf.say("/revoke")
    assert "revoked" in await bf.say("@weather_bot")
    assert (await tg(fast, fresh, "getMe")).status_code == 401

    await bf.say("/deletebot")
    assert "Are you sure" in await bf.say("@weather_bot")
    assert "Send exactly" in await bf.say("yes")
    assert "deleted" in await bf.say("Yes, I am totally sure.")
    assert await owner.my_bots() == []
    # The Lianxin ID is free again: a new bot can take it.
    await bf.say("/newbot")
    await bf.say("Weather 2")
    assert "@weather_bot" in await bf.say("@weather_bot")


async def test_only_your_own_bots(fast: ServerThread, closing: list[Any]) -> None:
    alice, mallory = await people(fast, closing, "Alice", "Mallory")
    made = await alice.create_bot("Shop", "alice_shop_bot")
    a, m = await talk(alice, closing), await talk(mallory, closing)
    assert a.chat != m.chat
    assert "You have no bots yet" in await m.say("/token")
    await m.say("/newbot")
    await m.say("Mine")
    await m.say("mallory_bot")
    assert "Choose a bot" in await m.say("/revoke")
    assert "Invalid bot selected" in await m.say("@alice_shop_bot")
    assert "Invalid bot selected" in await m.say(str(made["bot"]["id"]))
    assert (await tg_ok(fast, made["token"], "getMe"))["username"] == "alice_shop_bot"
    # A taken Lianxin ID is refused with the API's own rule.
    await m.say("/cancel")
    await m.say("/newbot")
    await m.say("Copy")
    assert "Sorry" in await m.say("alice_shop_bot")
    # Unknown input and commands get help, not silence.
    assert "/help" in await a.say("/nonsense")
    assert "commands" in await a.say("hello?")


async def test_botfather_is_not_a_bot_anyone_can_drive(
    fast: ServerThread, closing: list[Any]
) -> None:
    (user,) = await people(fast, closing, "Curious")
    bf = await talk(user, closing)
    async with httpx.AsyncClient(base_url=fast.url) as http:
        # Nobody holds BotFather's token; guessing one is refused like any bad token.
        resp = await http.post(f"/bot{bf.father}:{'x' * 43}/getUpdates")
        assert resp.status_code == 401
    with pytest.raises(ApiError) as err:
        await user.rotate_bot_token(bf.father)  # not the user's bot
    assert err.value.status == 404
