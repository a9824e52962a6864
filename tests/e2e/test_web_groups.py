"""Groups in the browser: @mentions, forwarding, multi-select, read counts, member roles.

Alice (desktop) owns a group with Bob (phone), Carol and Dan (REST). Every step is
checked on the other side too (another browser or the REST API), so a UI that only
looks right fails.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx

from tests.e2e.web import (
    DESKTOP,
    MARKS,
    PHONE,
    befriend,
    expect,
    open_chat,
    open_signed_in,
    rest_signup,
    shoot,
    wait_code,
)
from tests.harness import ServerThread

pytestmark = MARKS


def history(http: httpx.Client, chat: int) -> list[dict[str, Any]]:
    resp = http.get(f"/api/v1/chats/{chat}/messages", params={"limit": 100})
    resp.raise_for_status()
    events: list[dict[str, Any]] = resp.json()["events"]
    return events


def last_text(http: httpx.Client, chat: int, text: str) -> dict[str, Any]:
    hits = [e for e in history(http, chat) if e.get("text") == text]
    assert hits, f"{text!r} is not in chat {chat}"
    return hits[-1]


def wait_reads(http: httpx.Client, chat: int, seq: int, read: int) -> None:
    deadline = time.time() + 10
    while True:
        got = http.get(f"/api/v1/chats/{chat}/messages/{seq}/reads").json()["read"]
        if got >= read:
            return
        assert time.time() < deadline, f"only {got} read seq {seq}"
        time.sleep(0.1)


def member(page: Any, name: str) -> Any:
    return page.get_by_test_id("member").filter(has_text=name)


def member_action(page: Any, name: str, action: str) -> None:
    member(page, name).get_by_test_id("member-more").click()
    page.get_by_test_id(f"member-{action}").click()


def test_group_mentions_forward_select_and_roles(web_server: ServerThread, browser: Any) -> None:
    alice_http, alice = rest_signup(web_server, "Alice")
    bob_http, bob_body = rest_signup(web_server, "Bob")
    carol_http, carol_body = rest_signup(web_server, "Carol")
    dan_http, dan_body = rest_signup(web_server, "Dan")
    ids = {n: b["user"]["id"] for n, b in (("bob", bob_body), ("carol", carol_body))}
    ids["dan"] = dan_body["user"]["id"]
    befriend(bob_http, alice_http, alice["user"]["id"])
    befriend(carol_http, alice_http, alice["user"]["id"])
    befriend(dan_http, alice_http, alice["user"]["id"])
    made = alice_http.post(
        "/api/v1/chats/groups",
        json={"title": "Book club", "members": [ids["bob"], ids["carol"], ids["dan"]]},
    )
    made.raise_for_status()
    gid = int(made.json()["id"])

    a = open_signed_in(browser, web_server, alice, DESKTOP)
    b = open_signed_in(browser, web_server, bob_body, PHONE)
    open_chat(a, "Book club")

    # @ca offers only Carol; Enter picks her; the message carries her id.
    box = a.get_by_test_id("composer")
    box.press_sequentially("@ca")
    options = a.get_by_test_id("mention-option")
    expect(options).to_have_count(1)
    expect(options).to_contain_text("Carol")
    box.press("Enter")
    expect(box).to_have_value("@Carol ")
    box.press_sequentially("what are you reading?")
    box.press("Enter")
    sent = a.get_by_test_id("message").filter(has_text="what are you reading?")
    expect(sent.get_by_test_id("mention")).to_have_text("@Carol")
    expect(sent).to_have_attribute("data-seq", re.compile(r"\d+"))
    assert last_text(carol_http, gid, "@Carol what are you reading?")["mentions"] == [ids["carol"]]

    # The owner may mention everyone: "@" lists @all first.
    box.press_sequentially("@")
    expect(options.first).to_contain_text("everyone")
    expect(options).to_have_count(4)
    shoot(a, "20-mention-picker")
    box.press("Enter")
    expect(box).to_have_value("@all ")
    box.press_sequentially("meeting at 8")
    box.press("Enter")
    acked = a.get_by_test_id("message").filter(has_text="meeting at 8")
    expect(acked).to_have_attribute("data-seq", re.compile(r"\d+"))
    meeting = last_text(bob_http, gid, "@all meeting at 8")
    assert meeting["mention_all"] is True

    # Bob sees he was mentioned in his list and in the message; he can't @all himself.
    row = b.get_by_test_id("chat-row").filter(has_text="Book club")
    expect(row.get_by_test_id("mention-flag")).to_have_text("[You were mentioned]")
    row.click()
    mention_me = b.get_by_test_id("message").filter(has_text="meeting at 8")
    expect(mention_me).to_have_class(re.compile("mentions-me"))
    expect(mention_me.locator(".mention.me")).to_have_text("@all")
    bob_box = b.get_by_test_id("composer")
    bob_box.press_sequentially("@")
    expect(b.get_by_test_id("mention-option")).to_have_count(3)
    expect(b.get_by_test_id("mention-option").filter(has_text="everyone")).to_have_count(0)
    shoot(b, "21-mention-me")
    bob_box.press("Escape")
    expect(b.get_by_test_id("mention-picker")).to_have_count(0)
    bob_box.fill("")
    to_chats = b.get_by_role("link", name="Back")
    to_chats.click()
    expect(row.get_by_test_id("mention-flag")).to_have_count(0)

    # Message info: Bob has read it, Carol and Dan have not.
    wait_reads(alice_http, gid, meeting["seq"], 1)
    mine = a.get_by_test_id("message").filter(has_text="meeting at 8")
    mine.hover()
    mine.get_by_test_id("msg-info").click()
    expect(a.get_by_test_id("info-reads")).to_have_text("1 of 3 members")
    shoot(a, "22-message-info")
    a.keyboard.press("Escape")
    expect(a.get_by_test_id("message-info")).to_have_count(0)
    expect(mine.get_by_test_id("read-count")).to_have_text("Read by 1", timeout=15_000)

    # Forward Carol's message to Bob's direct chat; Bob sees where it came from.
    carol_http.post(
        f"/api/v1/chats/{gid}/messages",
        json={"client_id": uuid.uuid4().hex, "text": "Reading list: Dune"},
    ).raise_for_status()
    dune = a.get_by_test_id("message").filter(has_text="Reading list: Dune")
    dune.hover()
    dune.get_by_test_id("forward").click()
    picker = a.get_by_test_id("forward-picker")
    expect(picker).to_be_visible()
    shoot(a, "23-forward-picker")
    a.emulate_media(color_scheme="dark")
    shoot(a, "23-forward-picker-dark")
    a.emulate_media(color_scheme="light")
    picker.get_by_test_id("forward-target").filter(has_text="Bob").click()
    expect(picker).to_have_count(0)
    open_chat(b, "Alice")
    fwd = b.get_by_test_id("message").filter(has_text="Reading list: Dune")
    expect(fwd.get_by_test_id("forwarded")).to_have_text("Forwarded from Carol")

    # Multi-select two of Alice's messages and delete them for her only.
    sent.hover()
    sent.get_by_test_id("select").click()
    expect(a.get_by_test_id("selection-count")).to_have_text("1 selected")
    expect(a.get_by_test_id("composer")).to_have_count(0)
    mine.click()
    expect(a.get_by_test_id("selection-count")).to_have_text("2 selected")
    shoot(a, "24-selection")
    a.get_by_test_id("sel-delete").click()
    a.get_by_test_id("confirm").get_by_role("button", name="Delete").click()
    expect(a.get_by_test_id("selection-bar")).to_have_count(0)
    expect(a.get_by_test_id("message").filter(has_text="meeting at 8")).to_have_count(0)
    expect(a.get_by_test_id("message").filter(has_text="what are you reading?")).to_have_count(0)
    texts = [e.get("text") for e in history(alice_http, gid)]
    assert "@all meeting at 8" not in texts and "Reading list: Dune" in texts
    assert "@all meeting at 8" in [e.get("text") for e in history(bob_http, gid)]

    # Group info: roles, make admin, remove, announcement, hand over, leave.
    a.get_by_test_id("chat-info").click()
    expect(a.get_by_test_id("member")).to_have_count(4)
    expect(member(a, "Alice").get_by_test_id("role")).to_have_text("owner")
    member_action(a, "Bob", "make_admin")
    expect(member(a, "Bob").get_by_test_id("role")).to_have_text("admin")
    member_action(a, "Dan", "remove")
    confirm = a.get_by_test_id("confirm")
    expect(confirm).to_contain_text("Remove Dan from the group?")
    shoot(a, "25-remove-confirm")
    confirm.get_by_role("button", name="Remove from group").click()
    expect(a.get_by_test_id("member")).to_have_count(3)
    members = alice_http.get(f"/api/v1/chats/{gid}/members").json()
    assert sorted(m["name"] for m in members) == ["Alice", "Bob", "Carol"]
    a.get_by_test_id("announcement-input").fill("Chapter 3 by Friday")
    a.get_by_test_id("announcement-save").click()
    shoot(a, "26-group-info-roles")

    # Bob, now an admin, sees the announcement and may @all.
    open_chat(b, "Book club")
    expect(b.locator(".announcement")).to_contain_text("Chapter 3 by Friday")
    expect(
        b.get_by_test_id("messages").get_by_text("Alice made you admin", exact=True)
    ).to_be_visible()
    b.get_by_test_id("composer").press_sequentially("@")
    expect(b.get_by_test_id("mention-option").first).to_contain_text("everyone")
    b.get_by_test_id("composer").press("Escape")

    member_action(a, "Carol", "make_owner")
    a.get_by_test_id("confirm").get_by_role("button", name="Make group owner").click()
    expect(member(a, "Carol").get_by_test_id("role")).to_have_text("owner")
    expect(member(a, "Alice").get_by_test_id("role")).to_have_text("admin")
    a.get_by_test_id("leave-group").click()
    a.get_by_test_id("confirm").get_by_role("button", name="Leave group").click()
    left = a.get_by_test_id("chat-row").filter(has_text="Book club")
    expect(left).to_contain_text("You left this group")
    assert alice_http.get(f"/api/v1/chats/{gid}").json()["active"] is False

    for http in (alice_http, bob_http, carol_http, dan_http):
        http.close()
    a.context.close()
    b.context.close()


def test_chat_menu_archive_search_and_devices(web_server: ServerThread, browser: Any) -> None:
    alice_http, alice = rest_signup(web_server, "Alice")
    for name in ("Bob", "Carol"):
        http, body = rest_signup(web_server, name)
        befriend(http, alice_http, alice["user"]["id"])
        http.post(
            f"/api/v1/chats/{befriend_chat(alice_http, body['user']['id'])}/messages",
            json={"client_id": uuid.uuid4().hex, "text": f"hi from {name}"},
        ).raise_for_status()
        http.close()
    a = open_signed_in(browser, web_server, alice, DESKTOP)
    rows = a.get_by_test_id("chat-list").get_by_test_id("chat-row")
    bob_row = rows.filter(has_text="Bob")
    carol_row = rows.filter(has_text="Carol")
    expect(rows).to_have_count(2)

    # Right-click → Archive: Bob moves to "Archived chats".
    bob_row.click(button="right")
    expect(a.get_by_test_id("menu")).to_be_visible()
    shoot(a, "27-chat-menu")
    a.get_by_test_id("menu-archive").click()
    expect(rows).to_have_count(1)
    archived = a.get_by_test_id("archived-row")
    expect(archived).to_contain_text("1")
    archived.click()
    arch_list = a.get_by_test_id("archived-list")
    expect(arch_list.get_by_test_id("chat-row")).to_have_count(1)
    expect(arch_list).to_contain_text("Bob")
    shoot(a, "28-archived")
    arch_list.get_by_test_id("chat-row").click(button="right")
    expect(a.get_by_test_id("menu-archive")).to_have_text("Unarchive")
    a.get_by_test_id("menu-archive").click()
    expect(arch_list).to_contain_text("No archived chats.")
    assert not any(c["archived"] for c in alice_http.get("/api/v1/chats").json())
    a.get_by_role("link", name="Back").click()
    expect(rows).to_have_count(2)

    # Keyboard: the menu button opens the menu, Enter pins, Esc closes.
    carol_row.hover()
    wrap = a.get_by_test_id("chat-list").locator(".chat-row-wrap").filter(has_text="Carol")
    more = wrap.get_by_test_id("chat-more")
    more.focus()
    more.press("Enter")
    expect(a.get_by_test_id("menu-pin")).to_be_focused()
    a.keyboard.press("Escape")
    expect(a.get_by_test_id("menu")).to_have_count(0)
    carol_row.click(button="right")
    a.get_by_test_id("menu-pin").press("Enter")
    expect(rows.first).to_contain_text("Carol")
    expect(rows.first).to_have_class(re.compile("pinned"))
    carol_row.click(button="right")
    a.get_by_test_id("menu-mute").click()
    expect(carol_row.get_by_title("Muted")).to_have_count(1)

    # Search by name.
    search = a.get_by_test_id("chat-search")
    search.fill("car")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Carol")
    search.fill("zzz")
    expect(a.get_by_text("No chats match “zzz”.")).to_be_visible()
    search.press("Escape")
    expect(rows).to_have_count(2)

    # Devices: a second sign-in shows up in Me and can be signed out from here.
    phone = alice["user"]["phone"]
    alice_http.post("/api/v1/auth/code", json={"phone": phone}).raise_for_status()
    other = alice_http.post(
        "/api/v1/auth/verify",
        json={"phone": phone, "code": wait_code(web_server, phone), "device_name": "Old laptop"},
    ).json()
    a.get_by_test_id("nav-me").click()
    devices = a.get_by_test_id("device")
    expect(devices).to_have_count(2)
    devices.filter(has_text="Old laptop").get_by_test_id("device-sign-out").click()
    a.get_by_test_id("confirm").get_by_role("button", name="Sign out").click()
    expect(devices).to_have_count(1)
    gone = httpx.get(
        web_server.url + "/api/v1/me", headers={"Authorization": f"Bearer {other['token']}"}
    )
    assert gone.status_code == 401

    # Long-press on a touch phone opens the same menu.
    p = open_signed_in(browser, web_server, alice, PHONE, has_touch=True, is_mobile=True)
    row = p.get_by_test_id("chat-row").filter(has_text="Bob")
    box = row.bounding_box()
    assert box
    row.dispatch_event(
        "pointerdown",
        {
            "pointerType": "touch",
            "clientX": box["x"] + 40,
            "clientY": box["y"] + 20,
            "bubbles": True,
        },
    )
    expect(p.get_by_test_id("menu")).to_be_visible()
    expect(p.get_by_test_id("menu-archive")).to_have_text("Archive")
    shoot(p, "29-chat-menu-phone")
    p.keyboard.press("Escape")
    expect(p.get_by_test_id("menu")).to_have_count(0)

    # The same menu in Chinese, in dark mode.
    p.evaluate("localStorage.setItem('lx.lang', 'zh')")
    p.reload()
    p.emulate_media(color_scheme="dark")
    row.dispatch_event("pointerdown", {"pointerType": "touch", "clientX": 60, "clientY": 150})
    expect(p.get_by_test_id("menu-archive")).to_have_text("归档")
    expect(p.get_by_test_id("menu-pin")).to_have_text("置顶")
    shoot(p, "30-chat-menu-zh-dark")

    alice_http.close()
    a.context.close()
    p.context.close()


def befriend_chat(http: httpx.Client, user_id: int) -> int:
    """The direct chat with a friend."""
    resp = http.post("/api/v1/chats/direct", json={"user_id": user_id})
    resp.raise_for_status()
    return int(resp.json()["id"])
