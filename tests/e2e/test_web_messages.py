"""Message edits and reactions in the browser, checked from the other side."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.e2e.web import (
    DESKTOP,
    MARKS,
    PHONE,
    befriend,
    expect,
    open_chat,
    open_signed_in,
    rest_signup,
    send,
    shoot,
)
from tests.harness import ServerThread

pytestmark = MARKS


def test_edit_and_react(web_server: ServerThread, browser: Any) -> None:
    alice_http, alice = rest_signup(web_server, "Alice")
    bob_http, bob = rest_signup(web_server, "Bob")
    chat = befriend(bob_http, alice_http, alice["user"]["id"])
    a = open_signed_in(browser, web_server, alice, DESKTOP)
    b = open_signed_in(browser, web_server, bob, PHONE)
    open_chat(a, "Bob")
    open_chat(b, "Alice")

    # Alice fixes a typo: Bob's copy changes and says "edited"; the history keeps both.
    send(a, "See you at 7")
    mine = a.get_by_test_id("message").filter(has_text="See you at 7")
    expect(mine).to_have_attribute("data-seq", re.compile(r"\d+"))
    seq = int(mine.get_attribute("data-seq") or 0)
    mine.hover()
    mine.get_by_test_id("edit").click()
    expect(a.get_by_test_id("editing-bar")).to_be_visible()
    box = a.get_by_test_id("composer")
    expect(box).to_have_value("See you at 7")
    box.fill("See you at 8")
    box.press("Enter")
    expect(a.get_by_test_id("editing-bar")).to_have_count(0)
    theirs = b.get_by_test_id("message").filter(has_text="See you at 8")
    expect(theirs.get_by_test_id("edited")).to_have_text("edited")
    expect(b.get_by_test_id("message").filter(has_text="See you at 7")).to_have_count(0)
    versions = alice_http.get(f"/api/v1/chats/{chat}/messages/{seq}/edits").json()["versions"]
    assert [v["text"] for v in versions] == ["See you at 7", "See you at 8"]
    row = a.get_by_test_id("chat-row").filter(has_text="Bob")
    expect(row).to_contain_text("See you at 8")

    # Esc leaves edit mode without saving.
    edited = a.get_by_test_id("message").filter(has_text="See you at 8")
    edited.hover()
    edited.get_by_test_id("edit").click()
    box.fill("never saved")
    box.press("Escape")
    expect(a.get_by_test_id("editing-bar")).to_have_count(0)
    expect(box).to_have_value("")
    expect(edited).to_contain_text("See you at 8")

    # Bob reacts from the palette; Alice sees the count; Alice adds hers, then Bob takes his back.
    theirs.click()
    theirs.get_by_test_id("react").click()
    palette = b.get_by_test_id("menu")
    expect(palette.get_by_test_id("react-option")).to_have_count(6)
    shoot(b, "31-reaction-palette")
    palette.get_by_role("menuitem", name="React with 👍").click()
    chip = edited.get_by_test_id("reaction")
    expect(chip).to_have_text("👍1")
    expect(chip).to_have_attribute("aria-pressed", "false")
    chip.click()
    expect(chip).to_have_text("👍2")
    expect(chip).to_have_attribute("aria-pressed", "true")
    bob_chip = theirs.get_by_test_id("reaction")
    expect(bob_chip).to_have_text("👍2")
    expect(bob_chip).to_have_attribute("aria-pressed", "true")
    bob_chip.click()
    expect(chip).to_have_text("👍1")
    counts = alice_http.get(f"/api/v1/chats/{chat}/messages/{seq}/reactions").json()["counts"]
    assert counts == {"👍": 1}

    # Message info lists the versions.
    edited.hover()
    edited.get_by_test_id("msg-info").click()
    expect(a.get_by_test_id("edit-history").locator("li")).to_have_count(2)
    shoot(a, "32-edit-history")
    a.keyboard.press("Escape")

    # A message from REST can be reacted to as well, and the reaction shows after a reload.
    bob_http.post(
        f"/api/v1/chats/{chat}/messages",
        json={"client_id": uuid.uuid4().hex, "text": "photo later"},
    ).raise_for_status()
    later = a.get_by_test_id("message").filter(has_text="photo later")
    later.hover()
    later.get_by_test_id("react").click()
    a.get_by_role("menuitem", name="React with ❤️").click()
    expect(later.get_by_test_id("reaction")).to_have_text("❤️1")
    a.reload()
    expect(
        a.get_by_test_id("message").filter(has_text="photo later").get_by_test_id("reaction")
    ).to_have_attribute("aria-pressed", "true")
    shoot(a, "33-reactions")

    alice_http.close()
    bob_http.close()
    a.context.close()
    b.context.close()
