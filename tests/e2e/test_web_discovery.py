"""Contacts and discovery in the browser with several users: remarks and tags, suggestions,
people nearby, scanning a QR code, group invites with approval, privacy settings, blocking
from a chat's menu."""

from __future__ import annotations

from pathlib import Path
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
    to_tab,
)
from tests.harness import ServerThread

pytestmark = MARKS

HERE = {"latitude": 31.2304, "longitude": 121.4737}  # Shanghai
NEAR = {"latitude": 31.2334, "longitude": 121.4737}  # ~330 m north


def test_remark_and_tags_show_everywhere(web_server: ServerThread, browser: Any) -> None:
    alice_http, alice = rest_signup(web_server, "Alice")
    bob_http, bob = rest_signup(web_server, "Bob")
    carol_http, carol = rest_signup(web_server, "Carol")
    chat = befriend(alice_http, bob_http, bob["user"]["id"])
    befriend(alice_http, carol_http, carol["user"]["id"])
    bob_http.post(
        f"/api/v1/chats/{chat}/messages", json={"client_id": "c1", "text": "hi Alice"}
    ).raise_for_status()
    page = open_signed_in(browser, web_server, alice, DESKTOP)
    page.goto(f"{web_server.url}/#/user/{bob['user']['id']}")
    expect(page.get_by_test_id("friend-profile")).to_be_visible()
    page.get_by_test_id("remark").fill("Uncle Bob")
    page.get_by_test_id("tags").fill("gym, family")
    page.get_by_test_id("save-friend").click()
    expect(page.get_by_test_id("profile-name")).to_have_text("Uncle Bob")
    page.locator(".toggle-row", has_text="Star this friend").click()
    expect(page.get_by_role("switch", name="Star this friend")).to_be_checked()
    shoot(page, "40-friend-profile")
    meta = next(f for f in alice_http.get("/api/v1/friends").json() if f["id"] == bob["user"]["id"])
    assert (meta["remark"], meta["tags"], meta["starred"]) == ("Uncle Bob", ["gym", "family"], True)

    # The remark is the name in the chat list and the conversation.
    to_tab(page, "chats")
    row = page.get_by_test_id("chat-row").filter(has_text="Uncle Bob")
    expect(row).to_have_count(1)
    row.click()
    expect(page.get_by_test_id("chat-title")).to_have_text("Uncle Bob")

    # Friends: Bob is starred; the "gym" tag leaves Carol out; search finds by remark.
    to_tab(page, "friends")
    expect(page.get_by_test_id("starred-list")).to_contain_text("Uncle Bob")
    expect(page.get_by_test_id("friend")).to_have_count(2)
    page.get_by_test_id("tag-chip").filter(has_text="gym").click()
    expect(page.get_by_test_id("friend")).to_have_count(1)
    expect(page.get_by_test_id("friend")).to_contain_text("Uncle Bob")
    page.get_by_test_id("tag-chip").filter(has_text="All").click()
    page.get_by_test_id("friend-search").fill("carol")
    expect(page.get_by_test_id("friend")).to_have_count(1)
    expect(page.get_by_test_id("friend")).to_contain_text("Carol")
    page.get_by_test_id("friend-search").fill("")
    shoot(page, "41-friends-tags")

    # A fresh browser (new device) shows the same names from sync.
    fresh = open_signed_in(browser, web_server, alice, PHONE)
    expect(fresh.get_by_test_id("chat-row").filter(has_text="Uncle Bob")).to_have_count(1)
    fresh.context.close()
    page.context.close()


def test_suggestions_with_reason_and_dismiss(web_server: ServerThread, browser: Any) -> None:
    alice_http, alice = rest_signup(web_server, "Alice")
    bob_http, bob = rest_signup(web_server, "Bob")
    dave_http, dave = rest_signup(web_server, "Dave")
    erin_http, erin = rest_signup(web_server, "Erin")
    befriend(alice_http, bob_http, bob["user"]["id"])
    befriend(bob_http, dave_http, dave["user"]["id"])
    befriend(bob_http, erin_http, erin["user"]["id"])
    page = open_signed_in(browser, web_server, alice, DESKTOP)
    to_tab(page, "friends")
    page.get_by_test_id("suggestions").click()
    rows = page.get_by_test_id("suggestion")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Dave")).to_contain_text("1 mutual friend")
    shoot(page, "42-suggestions")
    rows.filter(has_text="Dave").get_by_test_id("suggestion-dismiss").click()
    expect(rows).to_have_count(1)
    rows.filter(has_text="Erin").get_by_test_id("suggestion-add").click()
    expect(rows.filter(has_text="Erin")).to_contain_text("Request sent")
    assert [r["from"] for r in erin_http.get("/api/v1/friend-requests").json()["incoming"]] == [
        alice["user"]["id"]
    ]
    page.reload()
    expect(page.get_by_test_id("suggestion")).to_have_count(1)  # Dave stays dismissed
    page.context.close()


def test_people_nearby_say_hi_and_accept(web_server: ServerThread, browser: Any) -> None:
    _, mei = rest_signup(web_server, "Mei")
    _, lei = rest_signup(web_server, "Lei")
    geo = {"permissions": ["geolocation"]}
    a = open_signed_in(browser, web_server, mei, PHONE, geolocation=HERE, **geo)
    b = open_signed_in(browser, web_server, lei, DESKTOP, geolocation=NEAR, **geo)
    b.goto(web_server.url + "/#/friends/nearby")
    expect(b.get_by_test_id("nearby-optin")).to_be_visible()
    b.get_by_label("Gender").select_option("male")
    b.locator(".toggle-row", has_text="Show my gender").click()
    shoot(b, "43-nearby-optin")
    b.get_by_test_id("nearby-share").click()
    expect(b.get_by_test_id("nearby-clear")).to_be_visible()

    a.goto(web_server.url + "/#/friends/nearby")
    a.get_by_test_id("nearby-share").click()
    person = a.get_by_test_id("nearby-person").filter(has_text="Lei")
    expect(person).to_contain_text("400 m · Male")
    a.get_by_test_id("nearby-gender").select_option("female")
    expect(a.get_by_test_id("nearby-person")).to_have_count(0)
    a.get_by_test_id("nearby-gender").select_option("male")
    expect(person).to_have_count(1)
    shoot(a, "44-nearby-list")
    person.get_by_test_id("say-hi").click()
    a.get_by_test_id("hi-greeting").fill("Hi from the café!")
    a.get_by_test_id("hi-send").click()
    expect(a.get_by_text("Greeting sent to Lei")).to_be_visible()

    # Lei sees the greeting as a friend request and accepts: they are friends.
    to_tab(b, "friends")
    request = b.get_by_test_id("request").filter(has_text="Hi from the café!")
    expect(request).to_be_visible()
    request.get_by_role("button", name="Accept").click()
    expect(b.get_by_test_id("friend").filter(has_text="Mei")).to_have_count(1)
    to_tab(a, "friends")
    expect(a.get_by_test_id("friend").filter(has_text="Lei")).to_have_count(1)

    # Clearing the position hides Lei again.
    b.goto(web_server.url + "/#/friends/nearby")
    b.get_by_test_id("nearby-clear").click()
    expect(b.get_by_test_id("nearby-optin")).to_be_visible()
    a.goto(web_server.url + "/#/friends/nearby")
    expect(a.get_by_text("No one nearby right now.")).to_be_visible()
    a.context.close()
    b.context.close()


def test_nearby_without_location_permission(web_server: ServerThread, browser: Any) -> None:
    _, zoe = rest_signup(web_server, "Zoe")
    page = open_signed_in(browser, web_server, zoe, PHONE)  # no geolocation permission
    page.goto(web_server.url + "/#/friends/nearby")
    page.get_by_test_id("nearby-share").click()
    expect(page.get_by_test_id("nearby-error")).to_contain_text("Location access is off")
    shoot(page, "45-nearby-denied")
    page.context.close()


def test_scan_a_qr_image_to_add_a_friend(
    web_server: ServerThread, browser: Any, tmp_path: Path
) -> None:
    _, alice = rest_signup(web_server, "Alice")
    bob_http, _ = rest_signup(web_server, "Bob")
    image = tmp_path / "bob-qr.png"
    image.write_bytes(bob_http.get("/api/v1/me/qr/image?format=png").content)
    page = open_signed_in(browser, web_server, alice, PHONE)
    page.goto(web_server.url + "/#/friends/scan")
    page.get_by_test_id("qr-link").fill("not a code at all")
    page.get_by_test_id("qr-open").click()
    expect(page.get_by_text("That isn't a Lianxin QR link.")).to_be_visible()
    shoot(page, "46-scan-qr")
    page.get_by_test_id("qr-upload").set_input_files(str(image))
    card = page.get_by_test_id("qr-user")
    expect(card).to_contain_text("Bob")
    page.get_by_test_id("qr-add").click()
    expect(card).to_contain_text("Request sent to Bob")
    assert [r["from"] for r in bob_http.get("/api/v1/friend-requests").json()["incoming"]] == [
        alice["user"]["id"]
    ]
    page.context.close()


def test_group_invite_link_and_approval(web_server: ServerThread, browser: Any) -> None:
    owner_http, owner = rest_signup(web_server, "Owner")
    bob_http, bob = rest_signup(web_server, "Bob")
    _, carol = rest_signup(web_server, "Carol")
    _, dave = rest_signup(web_server, "Dave")
    erin_http, erin = rest_signup(web_server, "Erin")
    befriend(owner_http, bob_http, bob["user"]["id"])
    group = owner_http.post(
        "/api/v1/chats/groups", json={"title": "Hikers", "members": [bob["user"]["id"]]}
    ).json()["id"]
    page = open_signed_in(browser, web_server, owner, DESKTOP)
    page.goto(f"{web_server.url}/#/chat/{group}/info")
    page.get_by_test_id("invite-show").click()
    expect(page.get_by_test_id("invite-qr")).to_be_visible()
    page.wait_for_function("document.querySelector('[data-testid=invite-qr]').naturalWidth > 0")
    link = page.get_by_test_id("invite-link").inner_text()
    assert "#/qr/" in link
    page.get_by_test_id("group-invite").scroll_into_view_if_needed()
    shoot(page, "47-group-invite")

    # Carol opens the link and joins at once.
    c = open_signed_in(browser, web_server, carol, PHONE)
    c.goto(link)
    expect(c.get_by_test_id("join-card")).to_contain_text("Hikers")
    shoot(c, "48-join-group")
    c.get_by_test_id("join-group").click()
    expect(c.get_by_test_id("chat-title")).to_have_text("Hikers")

    # With approval on, Dave asks; his request shows in the open group info at once (no
    # reload), and the owner approves him there.
    page.locator(".toggle-row", has_text="Approval required to join").click()
    expect(page.get_by_role("switch", name="Approval required to join")).to_be_checked()
    d = open_signed_in(browser, web_server, dave, PHONE)
    d.goto(link)
    d.get_by_test_id("join-group").filter(has_text="Request to join").click()
    expect(d.get_by_test_id("join-note")).to_contain_text("An admin will let you in")
    request = page.get_by_test_id("join-request").filter(has_text="Dave")
    expect(request).to_be_visible()
    # The group's row in the chat list counts them for the admin, live.
    row_badge = (
        page.get_by_test_id("chat-row")
        .filter(has_text="Hikers")
        .get_by_test_id("join-requests-badge")
    )
    expect(row_badge).to_have_text("1")
    token = link.rsplit("/", 1)[-1]
    asked = erin_http.post(f"/api/v1/qr/{token}/join").json()["request"]
    expect(page.get_by_test_id("join-request")).to_have_count(2)
    expect(row_badge).to_have_text("2")
    shoot(page, "49-join-requests")
    # The chat's header shows the count too and leads to the requests in group info.
    page.get_by_test_id("chat-row").filter(has_text="Hikers").click()
    header_badge = page.get_by_test_id("header-join-requests")
    expect(header_badge).to_have_text("2")
    shoot(page, "49b-join-requests-badge")
    # Another device of the owner learns the count when it connects.
    o2 = open_signed_in(browser, web_server, owner, PHONE)
    o2_row = o2.get_by_test_id("chat-row").filter(has_text="Hikers")
    expect(o2_row.get_by_test_id("join-requests-badge")).to_have_text("2")
    header_badge.click()
    # Decided on another device (or by another admin): it leaves this list live.
    owner_http.post(f"/api/v1/chats/{group}/join-requests/{asked['id']}/decline").raise_for_status()
    expect(page.get_by_test_id("join-request").filter(has_text="Erin")).to_have_count(0)
    expect(row_badge).to_have_text("1")
    request.get_by_test_id("join-approve").click()
    expect(page.get_by_test_id("join-request")).to_have_count(0)
    expect(row_badge).to_have_count(0)
    expect(o2_row.get_by_test_id("join-requests-badge")).to_have_count(0)
    o2.context.close()
    members = {m["id"] for m in owner_http.get(f"/api/v1/chats/{group}/members").json()}
    assert {carol["user"]["id"], dave["user"]["id"]} <= members
    assert erin["user"]["id"] not in members

    # A member who is not an admin sees the code but cannot regenerate or revoke it.
    b = open_signed_in(browser, web_server, bob, PHONE)
    b.goto(f"{web_server.url}/#/chat/{group}/info")
    b.get_by_test_id("invite-show").click()
    expect(b.get_by_test_id("invite-qr")).to_be_visible()
    expect(b.get_by_test_id("invite-revoke")).to_have_count(0)
    expect(b.get_by_test_id("join-requests-badge")).to_have_count(0)  # not an admin
    for p in (page, c, d, b):
        p.context.close()


def test_who_can_add_me_nobody_is_refused_in_words(web_server: ServerThread, browser: Any) -> None:
    _, alice = rest_signup(web_server, "Alice")
    bob_http, bob = rest_signup(web_server, "Bob")
    handle = f"bob{bob['user']['id']}"
    bob_http.patch("/api/v1/me", json={"handle": handle}).raise_for_status()
    b = open_signed_in(browser, web_server, bob, DESKTOP)
    to_tab(b, "me")
    b.get_by_test_id("privacy-link").click()
    b.get_by_test_id("privacy-add-me").select_option("nobody")
    b.locator(".toggle-row", has_text="Read receipts").click()
    expect(b.get_by_role("switch", name="Read receipts")).not_to_be_checked()
    shoot(b, "50-privacy-settings")
    settings = bob_http.get("/api/v1/me/privacy").json()
    assert (settings["add_me"], settings["read_receipts"]) == ("nobody", False)

    a = open_signed_in(browser, web_server, alice, PHONE)
    a.goto(web_server.url + "/#/friends/add")
    a.get_by_test_id("friend-query").fill(handle)
    a.get_by_role("button", name="Find").click()
    a.get_by_role("button", name="Send friend request").click()
    expect(a.locator(".form-error")).to_have_text("This person doesn't accept friend requests.")
    assert bob_http.get("/api/v1/friend-requests").json()["incoming"] == []
    a.context.close()
    b.context.close()


def test_block_from_the_chat_menu(web_server: ServerThread, browser: Any) -> None:
    """The app's own dialog asks first (Cancel blocks no one); then the peer is refused."""
    alice_http, alice = rest_signup(web_server, "Alice")
    bob_http, bob = rest_signup(web_server, "Bob")
    chat = befriend(alice_http, bob_http, bob["user"]["id"])
    a = open_signed_in(browser, web_server, alice, DESKTOP)
    b = open_signed_in(browser, web_server, bob, PHONE)
    row = a.get_by_test_id("chat-row").filter(has_text="Bob")
    open_chat(a, "Bob")
    expect(a.get_by_test_id("chat-subtitle")).to_have_text("online")  # Bob's page is open

    row.click(button="right")
    a.get_by_test_id("menu-block").click()
    dialog = a.get_by_test_id("confirm")
    expect(dialog).to_contain_text("Block Bob?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert alice_http.get("/api/v1/blocks").json() == []

    row.click(button="right")
    a.get_by_test_id("menu-block").click()
    expect(dialog).to_be_visible()
    shoot(a, "51-block-confirm")
    dialog.get_by_role("button", name="Block").click()
    expect(a.locator(".toast").filter(has_text="Bob")).to_be_visible()
    # His presence goes at once (the server stops sending it), not at the next reload.
    expect(a.get_by_test_id("chat-subtitle")).to_have_text("")
    shoot(a, "51b-blocked-no-presence")
    assert [u["id"] for u in alice_http.get("/api/v1/blocks").json()] == [bob["user"]["id"]]

    open_chat(b, "Alice")
    send(b, "are you there?")
    expect(b.locator(".failed-row")).to_be_visible()
    expect(b.locator(".toast").filter(has_text="isn't accepting messages")).to_be_visible()
    shoot(b, "52-message-refused-blocked")
    texts = [
        e.get("text") for e in alice_http.get(f"/api/v1/chats/{chat}/messages").json()["events"]
    ]
    assert "are you there?" not in texts
    a.context.close()
    b.context.close()
