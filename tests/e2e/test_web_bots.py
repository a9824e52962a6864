"""The open platform in the browser: a real bot (native Bot API, long polling in a thread)
and an official account, used the way a person uses them.

A user starts the bot by its Lianxin ID, gets a reply keyboard (one-time, with an input
placeholder), picks a command from the "/" list and the menu button, presses inline
buttons on a card (the bot's toast, the card edited live, an alert), and sees URL buttons
open safely. A follower finds a verified official account, follows it, taps its menu,
receives a broadcast the owner sends from the web client (with progress) and a template
notice once allowed. Screenshots of each screen go to test-artifacts/.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from lianxin.cli import main
from tests.e2e.web import (
    MARKS,
    PHONE,
    expect,
    new_page,
    open_signed_in,
    rest_signup,
    shoot,
    sign_up,
)
from tests.harness import ServerThread

pytestmark = MARKS

Handler = Callable[[httpx.Client, dict[str, Any]], None]


class NativeBot:
    """A bot on the native Bot API: long polls its updates in a thread and calls `handle`."""

    def __init__(self, srv: ServerThread, token: str, handle: Handler) -> None:
        self.http = httpx.Client(
            base_url=srv.url + "/api/v1/bot", headers={"Authorization": f"Bot {token}"}, timeout=30
        )
        self.handle = handle
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        offset = None
        while not self.stop.is_set():
            params: dict[str, Any] = {"timeout": 1}
            if offset is not None:
                params["offset"] = offset
            try:
                resp = self.http.get("/updates", params=params)
                resp.raise_for_status()
                for update in resp.json()["updates"]:
                    offset = update["update_id"] + 1
                    self.handle(self.http, update)
            except Exception as e:  # keep polling; the test reports what went wrong
                if not self.stop.is_set():
                    self.errors.append(repr(e))

    def __enter__(self) -> NativeBot:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.http.close()


MENU_CARD = {
    "title": "Today's menu",
    "buttons": [
        [{"text": "Add tea", "data": "add:tea"}, {"text": "Add coffee", "data": "add:coffee"}],
        [{"text": "Website", "url": "https://example.org/menu"}],
    ],
}


def food_bot(http: httpx.Client, update: dict[str, Any]) -> None:
    """/start offers a one-time drinks keyboard, /menu a card with buttons; presses edit it."""
    chat = update["chat"]
    if update["type"] == "message":
        text = update["message"].get("text", "")
        if update["message"].get("from") is None:
            return
        if text.startswith("/start"):
            keyboard = {
                "rows": [[{"text": "Tea"}, {"text": "Coffee"}]],
                "resize": True,
                "one_time": True,
                "placeholder": "Pick a drink",
            }
            body = {"kind": "rich", "text": "Welcome! What would you like?"}
            http.post(f"/chats/{chat}/messages", json={**body, "content": {"keyboard": keyboard}})
        elif text == "/menu":
            body = {"kind": "card", "text": "Fresh every morning", "content": MENU_CARD}
            http.post(f"/chats/{chat}/messages", json=body)
        elif text in ("Tea", "Coffee"):
            http.post(f"/chats/{chat}/messages", json={"text": f"{text} it is"})
    elif update["type"] == "callback_query":
        if update["data"] == "add:tea":
            http.post(f"/callbacks/{update['id']}/answer", json={"text": "Added tea"})
            content = {
                "title": "Your cart",
                "buttons": [[{"text": "Checkout", "data": "checkout"}]],
            }
            http.post(
                f"/chats/{chat}/messages/{update['seq']}/edit",
                json={"text": "1 tea", "content": content},
            )
        elif update["data"] == "checkout":
            answer = {"text": "Order placed", "alert": True}
            http.post(f"/callbacks/{update['id']}/answer", json=answer)


@pytest.fixture
def bot(web_server: ServerThread) -> Iterator[tuple[NativeBot, dict[str, Any]]]:
    owner, _ = rest_signup(web_server, "Bot Owner")
    made = owner.post("/api/v1/bots", json={"name": "Food Bot", "handle": "food_bot_web"})
    made.raise_for_status()
    body = made.json()
    commands = [
        {"command": "start", "description": "Start over"},
        {"command": "menu", "description": "Today's menu"},
        {"command": "help", "description": "What I can do"},
    ]
    with NativeBot(web_server, body["token"], food_bot) as running:
        running.http.put("/commands", json={"commands": commands}).raise_for_status()
        yield running, body["bot"]
    assert not running.errors, running.errors


def test_start_a_bot_and_use_its_keyboards_commands_and_buttons(
    browser: Any, web_server: ServerThread, bot: tuple[NativeBot, dict[str, Any]]
) -> None:
    page = new_page(browser, PHONE)
    sign_up(page, web_server, "Mei")

    # Open the bot by its Lianxin ID (a link) and start it.
    page.goto(web_server.url + "/#/bot/food_bot_web")
    expect(page.get_by_test_id("bot-profile")).to_contain_text("Food Bot")
    expect(page.get_by_test_id("bot-badge")).to_be_visible()
    expect(page.get_by_test_id("bot-profile")).to_contain_text("Today's menu")  # its commands
    page.get_by_test_id("bot-start").click()
    expect(page.get_by_test_id("chat-title")).to_have_text("Food Bot")
    messages = page.get_by_test_id("messages")
    expect(messages).to_contain_text("Welcome! What would you like?")

    # The reply keyboard replaces typing: its placeholder, its keys; one-time folds after use.
    keyboard = page.get_by_test_id("reply-keyboard")
    expect(keyboard).to_be_visible()
    expect(page.get_by_test_id("composer")).to_have_attribute("placeholder", "Pick a drink")
    shoot(page, "bot-reply-keyboard")
    keyboard.get_by_role("button", name="Tea").click()
    expect(messages).to_contain_text("Tea it is")
    expect(keyboard).to_have_count(0)
    page.get_by_test_id("keyboard-toggle").click()  # still reachable
    expect(keyboard).to_be_visible()
    page.get_by_test_id("keyboard-toggle").click()
    expect(keyboard).to_have_count(0)

    # "/" lists the bot's commands with descriptions; typing narrows; Enter sends.
    box = page.get_by_test_id("composer")
    box.fill("/")
    options = page.get_by_test_id("command-option")
    expect(options).to_have_count(3)
    expect(page.get_by_test_id("command-list")).to_contain_text("What I can do")
    box.fill("/me")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("/menu")
    box.press("Enter")
    expect(box).to_have_value("")
    card = page.get_by_test_id("bot-card").last
    expect(card.get_by_test_id("card-title")).to_have_text("Today's menu")

    # The menu button lists every command too.
    page.get_by_test_id("bot-menu").click()
    expect(options).to_have_count(3)
    page.get_by_test_id("bot-menu").click()
    expect(options).to_have_count(0)

    # URL buttons are plain safe links.
    link = card.get_by_role("link", name="Website")
    expect(link).to_have_attribute("href", "https://example.org/menu")
    expect(link).to_have_attribute("target", "_blank")
    assert "noopener" in (link.get_attribute("rel") or "")
    shoot(page, "bot-card")
    page.emulate_media(color_scheme="dark")
    shoot(page, "bot-card-dark")
    page.emulate_media(color_scheme="light")

    # A callback button: the bot's answer is a toast, its edit changes the card live.
    card.get_by_role("button", name="Add tea").click()
    expect(page.locator(".toast").filter(has_text="Added tea")).to_be_visible()
    expect(card.get_by_test_id("card-title")).to_have_text("Your cart")
    expect(card).to_contain_text("1 tea")
    expect(card.get_by_role("button", name="Add tea")).to_have_count(0)
    card.get_by_role("button", name="Checkout").click()
    alert = page.get_by_test_id("bot-alert")
    expect(alert).to_contain_text("Order placed")
    alert.get_by_role("button", name="OK").click()
    expect(alert).to_have_count(0)


def _verify(srv: ServerThread, handle: str) -> None:
    """`lianxin official verify` as an operator runs it (in a thread: it runs its own loop)."""
    args = ["official", "verify", handle, "--data-dir", str(srv.settings.data_dir)]
    out: list[Any] = []
    runner = threading.Thread(target=lambda: out.append(CliRunner().invoke(main, args)))
    runner.start()
    runner.join(timeout=30)
    assert out and out[0].exit_code == 0, out and out[0].output


def test_follow_an_official_account_use_its_menu_and_get_broadcasts_and_notices(
    browser: Any, web_server: ServerThread
) -> None:
    owner, owner_body = rest_signup(web_server, "Tea House")
    made = owner.post(
        "/api/v1/official",
        json={
            "name": "Tea House News",
            "handle": "teahouse_web",
            "description": "New teas and opening hours, every week.",
        },
    )
    made.raise_for_status()
    account = made.json()["id"]
    menu = [
        {"name": "Latest", "action": {"type": "command", "text": "latest"}},
        {
            "name": "More",
            "entries": [
                {"name": "About us", "action": {"type": "url", "url": "https://example.org/about"}},
                {"name": "Opening hours", "action": {"type": "command", "text": "hours"}},
            ],
        },
    ]
    owner.put(f"/api/v1/official/{account}/menu", json={"menu": menu}).raise_for_status()
    _verify(web_server, "teahouse_web")

    page = new_page(browser, PHONE)
    sign_up(page, web_server, "Lan")
    page.get_by_test_id("nav-friends").click()
    page.get_by_test_id("official-accounts").click()
    page.get_by_test_id("oa-search").fill("tea house")
    page.get_by_test_id("oa-row").filter(has_text="Tea House News").click()
    profile = page.get_by_test_id("oa-profile")
    expect(profile.get_by_test_id("verified")).to_be_visible()
    expect(profile.get_by_test_id("oa-description")).to_have_text(
        "New teas and opening hours, every week."
    )
    expect(profile.get_by_test_id("oa-menu-preview")).to_contain_text("Opening hours")
    shoot(page, "official-profile")

    # Follow: straight into the chat, with the account's menu under the input.
    page.get_by_test_id("oa-follow").click()
    expect(page.get_by_test_id("chat-title")).to_have_text("Tea House News")
    oa_menu = page.get_by_test_id("oa-menu")
    expect(oa_menu).to_be_visible()
    oa_menu.get_by_role("button", name="Latest").click()
    messages = page.get_by_test_id("messages")
    expect(messages.get_by_test_id("message").filter(has_text="latest")).to_have_count(1)
    oa_menu.get_by_role("button", name="More").click()
    sub = page.get_by_test_id("oa-submenu")
    about = sub.get_by_role("menuitem", name="About us")
    expect(about).to_have_attribute("href", "https://example.org/about")
    assert "noopener" in (about.get_attribute("rel") or "")
    shoot(page, "official-menu")
    page.emulate_media(color_scheme="dark")
    shoot(page, "official-menu-dark")
    page.emulate_media(color_scheme="light")
    sub.get_by_role("menuitem", name="Opening hours").click()
    expect(sub).to_have_count(0)
    expect(messages.get_by_test_id("message").filter(has_text="hours")).to_have_count(1)

    # The owner broadcasts from the web client and watches it finish.
    boss = open_signed_in(browser, web_server, owner_body, PHONE)
    boss.goto(f"{web_server.url}/#/official/{account}")
    panel = boss.get_by_test_id("oa-broadcast")
    panel.get_by_test_id("broadcast-text").fill("Spring teas are here!")
    panel.get_by_test_id("broadcast-send").click()
    boss.get_by_test_id("confirm").get_by_role("button", name="Send to all followers").click()
    done = panel.get_by_test_id("broadcast").filter(has_text="Spring teas are here!")
    expect(done).to_have_attribute("data-state", "done", timeout=20_000)
    expect(done).to_contain_text("1 of 1 sent")
    shoot(boss, "official-broadcast")
    expect(messages).to_contain_text("Spring teas are here!", timeout=15_000)

    # Template notices need the follower's permission.
    chat = owner.get(f"/api/v1/official/{account}/chats").json()[0]["id"]
    notice = {
        "client_id": "notice-1",
        "kind": "template",
        "content": {
            "title": "Order ready",
            "fields": [
                {"label": "Order", "value": "#1024"},
                {"label": "Pick up", "value": "Counter 2"},
            ],
            "button": {"text": "Details", "url": "https://example.org/orders/1024"},
        },
    }
    refused = owner.post(f"/api/v1/official/{account}/chats/{chat}/messages", json=notice)
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed", refused.text
    page.goto(f"{web_server.url}/#/official/{account}")
    page.locator(".toggle-row", has_text="Allow notifications").click()
    expect(page.get_by_role("switch", name="Allow notifications")).to_be_checked()
    page.get_by_test_id("oa-open-chat").click()
    sent = owner.post(f"/api/v1/official/{account}/chats/{chat}/messages", json=notice)
    assert sent.status_code == 200, sent.text
    template = page.get_by_test_id("template")
    expect(template).to_contain_text("Order ready")
    expect(template).to_contain_text("Counter 2")
    expect(template.get_by_test_id("template-button")).to_have_attribute(
        "href", "https://example.org/orders/1024"
    )
    shoot(page, "official-template")
