"""The web client in a real browser: two people sign up, befriend, chat, make a group, go offline.

Screenshots of the main screens at phone and desktop sizes go to ``test-artifacts/`` on
every run (see ``tests/e2e/web.py`` for the browser and server set-up).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx

from tests.e2e.web import (
    DESKTOP,
    MARKS,
    PHONE,
    expect,
    new_page,
    open_chat,
    rest_signup,
    rest_user,
    send,
    session,
    shoot,
    sign_up,
    to_tab,
    wait_code,
)
from tests.harness import ServerThread, next_phone

pytestmark = MARKS


def test_two_people_chat_in_the_browser(web_server: ServerThread, browser: Any) -> None:
    alice = new_page(browser, DESKTOP)
    bob = new_page(browser, PHONE)

    # Both sign up in the UI (new users give a name).
    sign_up(alice, web_server, "Alice", shots="01-signin")
    sign_up(bob, web_server, "Bob")
    shoot(alice, "02-empty-chats")

    # Alice picks a Lianxin ID; Bob finds her by it and asks to be friends.
    handle = f"alice_{uuid.uuid4().hex[:6]}"
    alice.get_by_test_id("nav-me").click()
    alice.get_by_test_id("handle-input").fill(handle)
    alice.get_by_role("button", name="Save").click()
    expect(alice.get_by_test_id("my-handle")).to_contain_text(handle)
    shoot(alice, "03-me")

    bob.get_by_test_id("nav-friends").click()
    bob.get_by_role("link", name="Add friend").first.click()
    bob.get_by_test_id("friend-query").fill(handle)
    bob.get_by_role("button", name="Find").click()
    expect(bob.get_by_test_id("found-user")).to_contain_text("Alice")
    bob.get_by_test_id("greeting").fill("Hi Alice, it's Bob")
    shoot(bob, "04-add-friend")
    bob.get_by_role("button", name="Send friend request").click()
    expect(bob.get_by_text("Request sent to Alice")).to_be_visible()

    # Alice gets the request live, with a badge, and accepts.
    expect(alice.get_by_test_id("nav-friends").locator(".badge")).to_have_text("1")
    alice.get_by_test_id("nav-friends").click()
    request = alice.get_by_test_id("request").filter(has_text="Bob")
    expect(request).to_contain_text("Hi Alice, it's Bob")
    shoot(alice, "05-friend-request")
    request.get_by_role("button", name="Accept").click()
    expect(alice.get_by_test_id("friend").filter(has_text="Bob")).to_be_visible()

    # Both have the direct chat, opened by a centred system line.
    alice.get_by_test_id("friend").filter(has_text="Bob").click()
    alice.get_by_test_id("message-friend").click()
    expect(alice.get_by_test_id("chat-title")).to_have_text("Bob")
    expect(alice.get_by_test_id("system-line")).to_contain_text("You are now friends")
    to_tab(bob, "chats")
    expect(bob.get_by_test_id("chat-row").filter(has_text="Alice")).to_be_visible()

    # Alice writes; Bob sees it arrive in his list with an unread badge.
    send(alice, "Hello Bob! 👋")
    mine = alice.get_by_test_id("message").filter(has_text="Hello Bob!")
    expect(mine.locator("[data-tick]")).to_have_attribute("data-tick", re.compile("sent|delivered"))
    row = bob.get_by_test_id("chat-row").filter(has_text="Alice")
    expect(row.get_by_test_id("unread")).to_have_text("1")
    expect(row).to_contain_text("Hello Bob!")
    expect(mine.locator("[data-tick]")).to_have_attribute("data-tick", "delivered")
    shoot(bob, "06-chat-list")

    # Bob opens the chat: Alice's tick turns to "read"; presence shows online.
    row.click()
    expect(bob.get_by_test_id("message").filter(has_text="Hello Bob!")).to_be_visible()
    expect(mine.locator("[data-tick]")).to_have_attribute("data-tick", "read")
    expect(alice.get_by_test_id("chat-subtitle")).to_have_text("online")

    # Typing shows in Alice's header; Shift+Enter makes a newline, Enter sends.
    box = bob.get_by_test_id("composer")
    box.press_sequentially("Hi Alice")
    expect(alice.get_by_test_id("chat-subtitle")).to_have_text("typing…")
    box.press("Shift+Enter")
    box.press_sequentially("second line")
    box.press("Enter")
    reply = alice.get_by_test_id("message").filter(has_text="second line")
    expect(reply).to_contain_text("Hi Alice\nsecond line")
    expect(box).to_have_value("")

    # Reply with a quote.
    reply.hover()
    reply.get_by_role("button", name="Reply").click()
    send(alice, "Quoting you")
    quoted = bob.get_by_test_id("message").filter(has_text="Quoting you")
    expect(quoted.locator(".quote")).to_contain_text("Hi Alice")

    # Recall a recent message of mine.
    send(alice, "oops, wrong chat")
    oops = alice.get_by_test_id("message").filter(has_text="oops, wrong chat")
    expect(oops).to_have_attribute("data-seq", re.compile(r"\d+"))
    expect(bob.get_by_test_id("messages").get_by_text("oops, wrong chat")).to_be_visible()
    oops.hover()
    oops.get_by_test_id("recall").click()
    expect(alice.get_by_test_id("messages").get_by_text("You recalled a message")).to_be_visible()
    expect(bob.get_by_test_id("messages").get_by_text("Alice recalled a message")).to_be_visible()
    expect(bob.get_by_test_id("messages").get_by_text("oops, wrong chat")).to_have_count(0)
    shoot(alice, "07-conversation")
    shoot(bob, "08-conversation-bob")

    # A third person (made over REST) befriends Alice; Alice makes a group of three.
    carol, _carol_id = rest_user(web_server, "Carol")
    alice_id = session(alice)["userId"]
    carol.post(
        "/api/v1/friend-requests", json={"user_id": alice_id, "greeting": "Carol here"}
    ).raise_for_status()
    alice.get_by_test_id("nav-friends").click()
    alice.get_by_test_id("request").filter(has_text="Carol").get_by_role(
        "button", name="Accept"
    ).click()
    expect(alice.get_by_test_id("friend").filter(has_text="Carol")).to_be_visible()
    alice.get_by_test_id("new-group").click()
    alice.get_by_test_id("group-title").fill("Weekend hike")
    alice.get_by_test_id("pick-friend").filter(has_text="Bob").click()
    alice.get_by_test_id("pick-friend").filter(has_text="Carol").click()
    shoot(alice, "09-new-group")
    alice.get_by_test_id("create-group").click()
    expect(alice.get_by_test_id("chat-title")).to_have_text("Weekend hike")
    expect(alice.get_by_test_id("system-line").first).to_contain_text(
        "You created the group “Weekend hike”"
    )
    group_id = int(alice.url.rsplit("/", 1)[1])

    open_chat(bob, "Weekend hike")
    expect(bob.get_by_test_id("system-line").first).to_contain_text(
        "Alice created the group “Weekend hike”"
    )
    carol.post(
        f"/api/v1/chats/{group_id}/messages",
        json={"client_id": uuid.uuid4().hex, "text": "Saturday 9am?"},
    ).raise_for_status()
    for page in (alice, bob):
        msg = page.get_by_test_id("message").filter(has_text="Saturday 9am?")
        expect(msg.locator(".sender")).to_have_text("Carol")
    send(bob, "I'm in")
    expect(alice.get_by_test_id("message").filter(has_text="I'm in")).to_be_visible()
    expect(alice.get_by_test_id("chat-subtitle")).to_have_text("3 members")
    shoot(alice, "10-group")
    alice.emulate_media(color_scheme="dark")
    shoot(alice, "10-group-dark")
    alice.emulate_media(color_scheme="light")

    # Group info: members, rename (everyone sees a system line).
    alice.get_by_test_id("chat-info").click()
    expect(alice.get_by_test_id("members")).to_contain_text("Carol")
    alice.get_by_test_id("group-rename").fill("Saturday hike")
    alice.get_by_role("button", name="Save").first.click()
    expect(alice.get_by_test_id("members")).to_contain_text("Bob")
    shoot(alice, "11-group-info")
    expect(bob.get_by_test_id("chat-title")).to_have_text("Saturday hike")
    expect(
        bob.get_by_test_id("messages").get_by_text("Alice renamed the group to “Saturday hike”")
    ).to_be_visible()

    # Bob goes offline: he sees it, his typing is queued, and Alice's message waits.
    bob.context.set_offline(True)
    expect(bob.get_by_test_id("conn-status")).to_be_visible()
    send(bob, "typed while offline")
    expect(
        bob.get_by_test_id("message").filter(has_text="typed while offline").locator("[data-tick]")
    ).to_have_attribute("data-tick", "queued")
    open_chat(alice, "Saturday hike")
    send(alice, "Bring water")
    shoot(bob, "12-offline")
    bob.context.set_offline(False)
    expect(bob.get_by_test_id("conn-status")).to_have_count(0, timeout=15_000)
    expect(bob.get_by_test_id("message").filter(has_text="Bring water")).to_be_visible()
    expect(alice.get_by_test_id("message").filter(has_text="typed while offline")).to_have_count(1)
    expect(bob.locator("[data-pending]")).to_have_count(0)

    # Bob closes the app; a message arrives; he comes back and resumes from where he was.
    bob_ctx = bob.context
    bob.close()
    send(alice, "See you there")
    expect(alice.get_by_test_id("message").filter(has_text="See you there")).to_be_visible()
    bob = bob_ctx.new_page()
    bob.goto(web_server.url + "/#/chats")
    row = bob.get_by_test_id("chat-row").filter(has_text="Saturday hike")
    expect(row).to_contain_text("See you there")
    expect(row.get_by_test_id("unread")).to_have_text("1")
    row.click()
    expect(bob.get_by_test_id("message").filter(has_text="See you there")).to_have_count(1)
    expect(bob.get_by_test_id("message").filter(has_text="typed while offline")).to_have_count(1)

    # Friends list and the Chinese UI.
    to_tab(bob, "me")
    bob.get_by_test_id("lang").select_option("zh")
    expect(bob.get_by_role("heading", name="我", exact=True)).to_be_visible()
    shoot(bob, "13-me-zh")
    to_tab(bob, "friends")
    expect(bob.get_by_test_id("friend").filter(has_text="Alice")).to_be_visible()
    shoot(bob, "14-friends-zh")
    alice.get_by_test_id("nav-friends").click()
    shoot(alice, "15-friends")

    carol.close()
    alice.context.close()
    bob_ctx.close()


def test_history_scrolls_back(web_server: ServerThread, browser: Any) -> None:
    """A long chat opens at the newest message and pages older ones in on scrolling up."""
    dan, _ = rest_signup(web_server, "Dan")
    eve, eve_body = rest_signup(web_server, "Eve")
    req = dan.post(
        "/api/v1/friend-requests", json={"user_id": eve_body["user"]["id"], "greeting": ""}
    ).json()
    chat_id = eve.post(f"/api/v1/friend-requests/{req['id']}/accept").json()["chat_id"]
    for i in range(1, 131):
        dan.post(
            f"/api/v1/chats/{chat_id}/messages",
            json={"client_id": f"m{i}", "text": f"message number {i}"},
        ).raise_for_status()

    page = new_page(browser, PHONE)
    page.goto(web_server.url + "/")
    session = {
        "token": eve_body["token"],
        "userId": eve_body["user"]["id"],
        "deviceId": eve_body["device_id"],
    }
    page.evaluate(f"localStorage.setItem('lx.session', {json.dumps(json.dumps(session))})")
    page.goto(f"{web_server.url}/#/chat/{chat_id}")
    page.reload()
    messages = page.get_by_test_id("messages")
    expect(messages.get_by_text("message number 130", exact=True)).to_be_visible()
    first = messages.get_by_text("message number 1", exact=True)
    expect(first).to_have_count(0)
    for _ in range(20):
        messages.evaluate("el => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); }")
        page.wait_for_timeout(150)
        if first.count():
            break
    expect(first).to_have_count(1)
    expect(page.get_by_text("This is the beginning of the chat")).to_be_visible()
    expect(page.get_by_test_id("message")).to_have_count(130)
    dan.close()
    eve.close()
    page.context.close()


def test_sign_in_errors_are_human(web_server: ServerThread, browser: Any) -> None:
    page = new_page(browser, PHONE)
    page.goto(web_server.url + "/")
    page.get_by_label("Phone number").fill("12")
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_role("alert")).to_contain_text("phone number doesn't look valid")
    phone = next_phone()
    page.get_by_label("Phone number").fill(phone)
    page.get_by_role("button", name="Send code").click()
    wait_code(web_server, phone)
    page.get_by_label("Sign-in code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    shoot(page, "00-signin-error")
    assert "{" not in (page.get_by_role("alert").text_content() or "")
    page.context.close()


def test_pwa_files_are_served(web_server: ServerThread) -> None:
    with httpx.Client(base_url=web_server.url) as http:
        manifest = http.get("/manifest.webmanifest")
        assert manifest.status_code == 200 and manifest.json()["name"] == "Lianxin"
        assert http.get("/sw.js").status_code == 200
        assert http.get("/icon.svg").status_code == 200
