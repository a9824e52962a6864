"""The open platform in the browser, part two: bots added to a group from its info page and
commands addressed to one of two bots (`/help@handle` reaches that bot only); the owner of
an official account answering followers from its inbox, live; and the composer in bot and
ordinary chats on a phone (attach and stickers folded into "+", the mic turning into send).
Screenshots of each screen, light and dark, go to test-artifacts/.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tests import media_samples as samples
from tests.e2e.test_web_bots import NativeBot
from tests.e2e.web import (
    MARKS,
    PHONE,
    befriend,
    expect,
    open_chat,
    open_signed_in,
    rest_signup,
    shoot,
)
from tests.harness import ServerThread

pytestmark = MARKS


def _tag() -> str:
    return uuid.uuid4().hex[:6]


def _send(http: httpx.Client, chat: int, text: str) -> dict[str, Any]:
    resp = http.post(
        f"/api/v1/chats/{chat}/messages", json={"client_id": uuid.uuid4().hex, "text": text}
    )
    resp.raise_for_status()
    out: dict[str, Any] = resp.json()
    return out


def _eventually(check: Callable[[], bool], what: str, timeout: float = 10) -> None:
    deadline = time.time() + timeout
    while not check():
        assert time.time() < deadline, what
        time.sleep(0.1)


def _shoot_both(page: Any, name: str) -> None:
    """Phone and desktop screenshots, light then dark."""
    shoot(page, name)
    page.emulate_media(color_scheme="dark")
    shoot(page, f"{name}-dark")
    page.emulate_media(color_scheme="light")


def _helper_bot(name: str, seen: list[str]) -> Callable[[httpx.Client, dict[str, Any]], None]:
    """Notes every message text it gets; answers /help (addressed or not) with its name."""

    def handle(http: httpx.Client, update: dict[str, Any]) -> None:
        if update["type"] != "message" or update["message"].get("from") is None:
            return
        text = update["message"].get("text") or ""
        seen.append(text)
        if text.startswith("/help"):
            http.post(f"/chats/{update['chat']}/messages", json={"text": f"{name} can help"})
        elif text.startswith("/start"):
            keyboard = {"rows": [[{"text": "Tea"}, {"text": "Coffee"}]], "resize": True}
            body = {"kind": "rich", "text": f"{name} here", "content": {"keyboard": keyboard}}
            http.post(f"/chats/{update['chat']}/messages", json=body)

    return handle


def _make_bot(
    owner: httpx.Client, name: str, handle: str, commands: list[tuple[str, str]]
) -> tuple[str, dict[str, Any]]:
    made = owner.post("/api/v1/bots", json={"name": name, "handle": handle})
    made.raise_for_status()
    body = made.json()
    with httpx.Client(
        base_url=str(owner.base_url) + "/api/v1/bot",
        headers={"Authorization": f"Bot {body['token']}"},
    ) as http:
        listed = [{"command": c, "description": d} for c, d in commands]
        http.put("/commands", json={"commands": listed}).raise_for_status()
    return body["token"], body["bot"]


def test_bots_added_from_group_info_and_commands_addressed_to_one(
    browser: Any, web_server: ServerThread
) -> None:
    tag = _tag()
    maker, _ = rest_signup(web_server, "Bot Maker")
    food_handle, weather_handle = f"food_{tag}", f"weather_{tag}"
    food_token, _ = _make_bot(
        maker, "Food Bot", food_handle, [("help", "What I cook"), ("menu", "Today's menu")]
    )
    weather_token, _ = _make_bot(
        maker, "Weather Bot", weather_handle, [("help", "What I forecast"), ("today", "Today")]
    )
    mei_http, mei = rest_signup(web_server, "Mei")
    made = mei_http.post("/api/v1/chats/groups", json={"title": "Lunch crew", "members": []})
    made.raise_for_status()
    group = made.json()["id"]
    food_seen: list[str] = []
    weather_seen: list[str] = []
    with (
        NativeBot(web_server, food_token, _helper_bot("Food Bot", food_seen)) as food_bot,
        NativeBot(web_server, weather_token, _helper_bot("Weather Bot", weather_seen)) as w_bot,
    ):
        page = open_signed_in(browser, web_server, mei, PHONE)
        page.goto(web_server.url + f"/#/bot/{food_handle}")
        profile = page.get_by_test_id("bot-profile")
        expect(profile.get_by_test_id("bot-avatar")).to_be_visible()
        expect(profile).to_contain_text("What I cook")
        _shoot_both(page, "bot-profile")
        page.goto(web_server.url + f"/#/chat/{group}/info")
        card = page.get_by_test_id("group-bots")
        box = page.get_by_test_id("add-bot-handle")

        # Refusals in words: nobody by that ID, and a person is not a bot.
        box.fill(f"nobody_{tag}")
        page.get_by_test_id("add-bot").click()
        expect(card.get_by_role("alert")).to_have_text("No bot has that Lianxin ID.")
        expect(card.get_by_test_id("bot-avatar")).to_have_count(0)

        for handle, name, n in ((food_handle, "Food Bot", 1), (weather_handle, "Weather Bot", 2)):
            box.fill(handle)
            page.get_by_test_id("add-bot").click()
            expect(
                page.locator(".toast").filter(has_text=f"{name} joined the group")
            ).to_be_visible()
            expect(card.get_by_test_id("bot-avatar")).to_have_count(n)
            expect(box).to_have_value("")
        expect(card).to_contain_text(f"@{food_handle}")
        expect(card).to_contain_text(f"@{weather_handle}")
        box.fill(food_handle)
        page.get_by_test_id("add-bot").click()
        expect(card.get_by_role("alert")).to_have_text("Food Bot is already in this group.")
        box.fill("")
        _shoot_both(page, "group-bots")

        # Both bots declare /help: the list says whose is whose, and a pick is addressed.
        page.goto(web_server.url + f"/#/chat/{group}")
        composer = page.get_by_test_id("composer")
        composer.fill("/help")
        options = page.get_by_test_id("command-option")
        expect(options).to_have_count(2)
        expect(options.filter(has_text=f"@{weather_handle}")).to_contain_text("What I forecast")
        options.filter(has_text=f"@{weather_handle}").click()
        messages = page.get_by_test_id("messages")
        expect(messages).to_contain_text(f"/help@{weather_handle}")
        expect(messages).to_contain_text("Weather Bot can help")

        # Typed by hand, the other bot's address reaches that bot.
        composer.fill(f"/help@{food_handle}")
        expect(options).to_have_count(1)
        expect(options).to_contain_text("What I cook")
        page.get_by_test_id("send").click()
        expect(messages).to_contain_text("Food Bot can help")
        expect(messages.get_by_text("Weather Bot can help")).to_have_count(1)
        time.sleep(1.5)  # a poll's length: anything misrouted would have arrived by now
        assert weather_seen == [f"/help@{weather_handle}"], weather_seen
        assert food_seen == [f"/help@{food_handle}"], food_seen
        assert not food_bot.errors and not w_bot.errors


def test_composer_on_a_phone_in_bot_and_ordinary_chats(
    browser: Any, web_server: ServerThread
) -> None:
    tag = _tag()
    maker, _ = rest_signup(web_server, "Bot Maker")
    token, bot = _make_bot(
        maker, "Tea Bot", f"tea_{tag}", [("help", "What I do"), ("menu", "The menu")]
    )
    seen: list[str] = []
    kai_http, kai = rest_signup(web_server, "Kai")
    ann_http, ann = rest_signup(web_server, "Ann")
    befriend(kai_http, ann_http, ann["user"]["id"])
    with NativeBot(web_server, token, _helper_bot("Tea Bot", seen)):
        started = kai_http.post(f"/api/v1/bots/{bot['id']}/start", json={})
        started.raise_for_status()
        _eventually(lambda: "/start" in seen, "the bot got /start")
        page = open_signed_in(browser, web_server, kai, PHONE)
        open_chat(page, "Tea Bot")
        expect(page.get_by_test_id("reply-keyboard")).to_be_visible()
        box = page.get_by_test_id("composer")

        # Menu, keyboard toggle, "+", text, mic: the text field keeps a usable width.
        expect(page.get_by_test_id("bot-menu")).to_be_visible()
        expect(page.get_by_test_id("keyboard-toggle")).to_be_visible()
        expect(page.get_by_test_id("sticker-button")).to_have_count(0)  # folded into "+"
        width = box.bounding_box()["width"]
        assert width >= 170, f"text field only {width}px wide at 390px"
        _shoot_both(page, "composer-bot-chat")

        # "+" opens the sheet: photos, file, stickers.
        page.get_by_test_id("attach").click()
        sheet = page.get_by_test_id("attach-menu")
        for item in ("attach-photos", "attach-file", "sticker-button"):
            expect(sheet.get_by_test_id(item)).to_be_visible()
        _shoot_both(page, "composer-more-sheet")
        page.keyboard.press("Escape")
        expect(sheet).to_have_count(0)

        # The mic turns into send while there is text, and back.
        expect(page.get_by_test_id("voice-record")).to_be_visible()
        expect(page.get_by_test_id("send")).to_have_count(0)
        box.fill("Hello")
        expect(page.get_by_test_id("voice-record")).to_have_count(0)
        page.get_by_test_id("send").click()
        expect(page.get_by_test_id("messages")).to_contain_text("Hello")
        expect(box).to_have_value("")
        expect(page.get_by_test_id("voice-record")).to_be_visible()

        # An ordinary chat: the same "+", the stickers behind it.
        page.goto(web_server.url + "/#/chats")
        open_chat(page, "Ann")
        expect(page.get_by_test_id("bot-menu")).to_have_count(0)
        _shoot_both(page, "composer-chat")
        page.get_by_test_id("attach").click()
        page.get_by_test_id("attach-menu").get_by_test_id("sticker-button").click()
        expect(page.locator(".sticker-panel")).to_be_visible()
        box.fill("Hi Ann")
        box.press("Enter")
        _eventually(
            lambda: any(
                e.get("text") == "Hi Ann"
                for chat in ann_http.get("/api/v1/chats").json()
                for e in [chat.get("last") or {}]
            ),
            "Ann got the message",
        )


def test_official_account_owner_answers_followers_from_the_inbox(
    browser: Any, web_server: ServerThread
) -> None:
    tag = _tag()
    boss_http, boss = rest_signup(web_server, "Tea Boss")
    made = boss_http.post(
        "/api/v1/official", json={"name": "Tea House Desk", "handle": f"desk_{tag}"}
    )
    made.raise_for_status()
    acct = made.json()["id"]
    fans: dict[str, tuple[httpx.Client, int]] = {}
    for name in ("Ling", "Wei"):
        http, _ = rest_signup(web_server, name)
        followed = http.put(f"/api/v1/official/{acct}/follow")
        followed.raise_for_status()
        fans[name] = (http, followed.json()["chat_id"])
    ling, ling_chat = fans["Ling"]
    wei, wei_chat = fans["Wei"]
    _send(ling, ling_chat, "Do you open on Sundays?")
    _send(wei, wei_chat, "Hi!")
    _send(wei, wei_chat, "Is the oolong back in stock?")

    page = open_signed_in(browser, web_server, boss, PHONE)
    page.goto(web_server.url + f"/#/official/{acct}")
    profile = page.get_by_test_id("oa-profile")
    expect(profile.get_by_test_id("oa-owner-note")).to_be_visible()
    expect(profile.get_by_test_id("oa-follow")).to_have_count(0)  # owners act as it
    expect(page.get_by_test_id("oa-messages-unread")).to_have_text("3")
    _shoot_both(page, "official-owner-profile")
    page.get_by_test_id("oa-messages").click()

    # Newest conversation first, with unread counts.
    rows = page.get_by_test_id("inbox-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Wei")
    expect(rows.first).to_contain_text("Is the oolong back in stock?")
    expect(rows.first.get_by_test_id("inbox-unread")).to_have_text("2")
    expect(rows.nth(1).get_by_test_id("inbox-unread")).to_have_text("1")
    _shoot_both(page, "official-inbox")

    # Opening reads it as the account: the follower sees the receipt, the count clears.
    rows.first.click()
    convo = page.get_by_test_id("inbox-messages")
    expect(convo).to_contain_text("Is the oolong back in stock?")
    expect(page.get_by_test_id("inbox-chat-title")).to_have_text("Wei")

    def wei_read() -> bool:
        chats = boss_http.get(f"/api/v1/official/{acct}/chats").json()
        return any(c["id"] == wei_chat and c["unread"] == 0 for c in chats)

    _eventually(wei_read, "the account read Wei's chat")

    # A reply goes out as the account.
    reply = page.get_by_test_id("inbox-composer")
    expect(reply).to_have_attribute("placeholder", "Reply as Tea House Desk")
    reply.fill("Yes, since this morning.")
    reply.press("Enter")
    expect(convo.get_by_test_id("inbox-message").last).to_contain_text("Yes, since this morning.")
    expect(convo.locator("[data-pending]")).to_have_count(0)

    def wei_got_reply() -> bool:
        events = wei.get(f"/api/v1/chats/{wei_chat}/messages").json()["events"]
        return any(
            e.get("text") == "Yes, since this morning." and e["from"] == acct for e in events
        )

    _eventually(wei_got_reply, "Wei got the reply from the account")

    # The follower answers: live in the open conversation, and it stays read.
    _send(wei, wei_chat, "Great, I'll come by at noon")
    expect(convo).to_contain_text("Great, I'll come by at noon")

    # A follower's photo shows too (the owner reads it through the account).
    up = wei.post(
        "/api/v1/media",
        params={"kind": "photo", "name": "tin.jpg"},
        content=samples.jpeg(480, 360),
        headers={"Content-Type": "image/jpeg"},
    )
    up.raise_for_status()
    sent = wei.post(
        f"/api/v1/chats/{wei_chat}/messages",
        json={
            "client_id": uuid.uuid4().hex,
            "kind": "photo",
            "text": "This one",
            "content": {"media": up.json()["id"]},
        },
    )
    sent.raise_for_status()
    img = convo.get_by_test_id("photo-img")
    expect(img).to_be_visible()
    img.evaluate("el => el.decode()")
    assert img.evaluate("el => el.naturalWidth") > 0
    _shoot_both(page, "official-inbox-chat")

    # Back in the list, another follower's new message moves their chat to the top, live.
    page.go_back()
    expect(rows.first).to_contain_text("Wei")
    expect(rows.first.get_by_test_id("inbox-unread")).to_have_count(0)
    _send(ling, ling_chat, "And on holidays?")
    expect(rows.first).to_contain_text("And on holidays?")
    expect(rows.first.get_by_test_id("inbox-unread")).to_have_text("2")
    expect(rows.nth(1)).to_contain_text("Wei")
