"""Web client quality: live "Read by N", my reactions on a second device, the app shell
offline through the service worker, keyboard-only use, and the main screens in light and
dark at phone and desktop sizes (written to ``test-artifacts/``)."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from tests.e2e.web import (
    ARTIFACTS,
    DESKTOP,
    MARKS,
    PHONE,
    befriend,
    expect,
    open_chat,
    open_signed_in,
    rest_signin,
    rest_signup,
    send,
    to_tab,
)
from tests.harness import ServerThread

pytestmark = MARKS


def group_with(owner: Any, *others: tuple[Any, dict[str, Any]], title: str) -> int:
    """Friends of ``owner`` in a new group; its id."""
    for http, body in others:
        befriend(owner, http, body["user"]["id"])
    ids = [body["user"]["id"] for _, body in others]
    resp = owner.post("/api/v1/chats/groups", json={"title": title, "members": ids})
    resp.raise_for_status()
    return int(resp.json()["id"])


def test_read_by_updates_live(web_server: ServerThread, browser: Any) -> None:
    alice_http, alice = rest_signup(web_server, "Alice")
    bob = rest_signup(web_server, "Bob")
    carol = rest_signup(web_server, "Carol")
    gid = group_with(alice_http, bob, carol, title="Read club")
    page = open_signed_in(browser, web_server, alice, DESKTOP)
    reads: list[str] = []
    page.on("request", lambda r: "/reads" in r.url and reads.append(r.url))
    open_chat(page, "Read club")
    send(page, "Who has read this?")
    mine = page.get_by_test_id("message").filter(has_text="Who has read this?")
    expect(mine).to_have_attribute("data-seq", re.compile(r"\d+"))
    seq = int(mine.get_attribute("data-seq") or 0)
    count = mine.get_by_test_id("read-count")
    expect(count).to_have_text("Not read yet")

    # Bob reads on his phone: the count moves within a couple of seconds, far below the
    # old 10 s poll, and only because the server said so (one re-read per change).
    before = len(reads)
    started = time.monotonic()
    bob[0].post(f"/api/v1/chats/{gid}/read", json={"seq": seq}).raise_for_status()
    expect(count).to_have_text("Read by 1", timeout=4000)
    assert time.monotonic() - started < 4
    assert len(reads) == before + 1
    carol[0].post(f"/api/v1/chats/{gid}/read", json={"seq": seq}).raise_for_status()
    expect(count).to_have_text("Read by everyone", timeout=4000)

    # A quiet chat asks nothing: no polling while nobody reads.
    settled = len(reads)
    page.wait_for_timeout(2500)
    assert len(reads) == settled
    page.context.close()


def test_my_reactions_show_on_a_second_device(web_server: ServerThread, browser: Any) -> None:
    alice_http, alice = rest_signup(web_server, "Alice")
    bob_http, _ = rest_signup(web_server, "Bob")
    chat = befriend(bob_http, alice_http, alice["user"]["id"])
    sent = bob_http.post(
        f"/api/v1/chats/{chat}/messages",
        json={"client_id": uuid.uuid4().hex, "text": "dinner at mine?"},
    )
    sent.raise_for_status()
    seq = sent.json()["seq"]
    first = open_signed_in(browser, web_server, alice, DESKTOP)
    open_chat(first, "Bob")
    msg = first.get_by_test_id("message").filter(has_text="dinner at mine?")
    msg.hover()
    msg.get_by_test_id("react").click()
    first.get_by_role("menuitem", name="React with 🙏").click()
    expect(msg.get_by_test_id("reaction")).to_have_attribute("aria-pressed", "true")
    bob_http.post(
        f"/api/v1/chats/{chat}/messages/{seq}/reactions", json={"emoji": "👍"}
    ).raise_for_status()

    # Alice signs in on a new device (no cache, no reaction events seen): hers is marked,
    # Bob's is not; and toggling there takes hers back everywhere.
    tablet = open_signed_in(
        browser, web_server, rest_signin(web_server, alice["user"]["phone"]), PHONE
    )
    open_chat(tablet, "Bob")
    chips = (
        tablet.get_by_test_id("message")
        .filter(has_text="dinner at mine?")
        .get_by_test_id("reaction")
    )
    expect(chips).to_have_count(2)
    expect(chips.filter(has_text="🙏")).to_have_attribute("aria-pressed", "true")
    expect(chips.filter(has_text="👍")).to_have_attribute("aria-pressed", "false")
    chips.filter(has_text="🙏").click()
    expect(chips).to_have_count(1)
    expect(msg.get_by_test_id("reaction")).to_have_text("👍1")
    expect(msg.get_by_test_id("reaction")).to_have_attribute("aria-pressed", "false")
    first.context.close()
    tablet.context.close()


def test_app_shell_loads_offline(web_server: ServerThread, browser: Any) -> None:
    """Installable, the shell from the worker offline, and a message typed offline (after
    an offline reload) goes out once on reconnect."""
    alice_http, alice = rest_signup(web_server, "Alice")
    bob_http, _ = rest_signup(web_server, "Bob")
    chat = befriend(bob_http, alice_http, alice["user"]["id"])
    page = open_signed_in(browser, web_server, alice, PHONE, service_workers="allow")
    scope = page.evaluate(
        "navigator.serviceWorker.ready.then(r => r.active && r.active.state && r.scope)"
    )
    assert scope == web_server.url + "/"
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    cached = page.evaluate(
        "caches.open('lianxin-shell-v2').then(c => c.keys())"
        ".then(ks => ks.map(k => new URL(k.url).pathname))"
    )
    assert "/index.html" in cached and any(p.startswith("/assets/index-") for p in cached)
    cdp = page.context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Detached: while a second CDP session is attached, Chromium does not carry the emulated
    # offline state into the reloaded document (navigator.onLine stays true there).
    cdp.detach()
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
    manifest = alice_http.get("/manifest.webmanifest").json()
    sizes = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        got = alice_http.get(icon["src"])
        assert got.status_code == 200 and got.headers["content-type"] == icon["type"]
    open_chat(page, "Bob")
    page.wait_for_timeout(1200)  # the client saves its cache a second after a change

    page.context.set_offline(True)
    resp = page.reload()
    assert resp is not None and resp.from_service_worker  # the shell came from the worker
    expect(page.get_by_test_id("chat-title")).to_have_text("Bob")  # the cached chat
    bar = page.get_by_test_id("conn-status")
    expect(bar).to_have_attribute("data-state", "offline")  # offline, not "connecting"
    expect(bar).to_contain_text("Offline")
    send(page, "typed on the train")
    queued = page.get_by_test_id("message").filter(has_text="typed on the train")
    expect(queued.locator("[data-tick]")).to_have_attribute("data-tick", "queued")
    page.screenshot(path=str(ARTIFACTS / "q-offline-shell-phone.png"))

    page.context.set_offline(False)
    expect(page.get_by_test_id("conn-status")).to_have_count(0, timeout=20_000)
    expect(queued.locator("[data-tick]")).not_to_have_attribute(
        "data-tick", re.compile("queued|sending")
    )
    page.wait_for_timeout(500)
    events = bob_http.get(f"/api/v1/chats/{chat}/messages").json()["events"]
    assert [e.get("text") for e in events].count("typed on the train") == 1
    page.context.close()


def test_keyboard_only_send_and_escape(web_server: ServerThread, browser: Any) -> None:
    alice_http, alice = rest_signup(web_server, "Alice")
    bob_http, _ = rest_signup(web_server, "Bob")
    befriend(bob_http, alice_http, alice["user"]["id"])
    page = open_signed_in(browser, web_server, alice, DESKTOP)
    open_chat(page, "Bob")

    # Tab reaches the composer; Shift+Enter is a new line, Enter sends.
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.dataset?.testid") == "composer":
            break
    else:
        raise AssertionError("Tab never reached the composer")
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    expect(page.get_by_test_id("composer")).to_have_value("first line\nsecond line")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("composer")).to_have_value("")
    sent = page.get_by_test_id("message").filter(has_text="second line")
    expect(sent).to_have_attribute("data-seq", re.compile(r"\d+"))
    assert "first line\nsecond line" in (sent.inner_text() or "")

    # Shift+Tab walks back to the message's bubble, Tab goes on into its actions (shown
    # while the message has focus) up to "Message info"; Enter opens the dialog, focus moves
    # into it, Esc closes it and focus comes back.
    seq = sent.get_attribute("data-seq")
    inside = f"document.activeElement?.closest('[data-seq=\"{seq}\"]') !== null"
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        if page.evaluate(inside):
            break
    else:
        raise AssertionError("Shift+Tab never reached the sent message")
    for _ in range(12):
        if page.evaluate("document.activeElement?.dataset?.testid") == "msg-info":
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError("Tab never reached the message's info button")
    visible_focus = page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle !== 'none'"
        " || getComputedStyle(document.activeElement).boxShadow !== 'none'"
    )
    assert visible_focus, "the focused button shows no focus ring"
    page.keyboard.press("Enter")
    dialog = page.get_by_test_id("message-info")
    expect(dialog).to_be_visible()
    page.wait_for_function(  # focus moves in once the dialog has mounted
        "document.querySelector('[data-testid=message-info]')?.contains(document.activeElement)"
    )
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    page.wait_for_function(inside)  # focus comes back to the message
    # The reaction palette (a menu) closes on Esc the same way.
    page.keyboard.press("Tab")
    for _ in range(12):
        if page.evaluate("document.activeElement?.dataset?.testid") == "react":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("menu")).to_be_visible()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("menu")).to_have_count(0)
    page.wait_for_function(inside)  # focus comes back to the message
    page.context.close()


def shots(page: Any, name: str) -> None:
    """The current screen at phone and desktop size, light and dark."""
    ARTIFACTS.mkdir(exist_ok=True)
    own = page.viewport_size
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            page.wait_for_timeout(200)
            page.screenshot(path=str(ARTIFACTS / f"q-{name}-{label}-{scheme}.png"))
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(own)


def test_main_screens_light_and_dark(web_server: ServerThread, browser: Any) -> None:
    alice_http, alice = rest_signup(web_server, "Alice Wang")
    bob = rest_signup(web_server, "Bob Li")
    carol = rest_signup(web_server, "Carol Zhang")
    gid = group_with(alice_http, bob, carol, title="Weekend hike")
    for http, text in ((bob[0], "Meet at the north gate at 8?"), (carol[0], "I'll bring tea 🍵")):
        http.post(
            f"/api/v1/chats/{gid}/messages", json={"client_id": uuid.uuid4().hex, "text": text}
        ).raise_for_status()
    page = open_signed_in(browser, web_server, alice, DESKTOP)
    shots(page, "chats")
    open_chat(page, "Weekend hike")
    send(page, "Sounds good — see you there!")
    expect(page.get_by_test_id("read-count")).to_be_visible()
    shots(page, "conversation")
    page.get_by_test_id("chat-info").click()
    expect(page.get_by_test_id("chat-title").or_(page.get_by_role("heading")).first).to_be_visible()
    shots(page, "group-info")
    to_tab(page, "me")
    expect(page.get_by_test_id("device").first).to_be_visible()
    shots(page, "me")
    page.get_by_test_id("device").first.scroll_into_view_if_needed()
    shots(page, "devices")
    page.context.close()


def test_me_opens_in_the_main_pane_on_desktop(web_server: ServerThread, browser: Any) -> None:
    """Desktop: Me and its settings fill the main pane beside a menu (no "Select a chat");
    a phone keeps the whole Me page in its tab."""
    _, alice = rest_signup(web_server, "Alice")
    page = open_signed_in(browser, web_server, alice, DESKTOP)
    to_tab(page, "me")
    pane = page.locator("main.pane")
    expect(pane.get_by_test_id("me-page")).to_be_visible()
    expect(pane.get_by_test_id("my-name")).to_have_text("Alice")
    expect(page.get_by_text("Select a chat")).to_have_count(0)
    expect(page.locator(".sidebar").get_by_test_id("me-profile-link")).to_have_attribute(
        "aria-current", "page"
    )
    page.screenshot(path=str(ARTIFACTS / "q-me-desktop.png"))
    page.locator(".sidebar").get_by_test_id("me-privacy-link").click()
    expect(pane.get_by_test_id("privacy-settings")).to_be_visible()
    expect(page.locator(".sidebar").get_by_test_id("me-privacy-link")).to_have_attribute(
        "aria-current", "page"
    )
    page.screenshot(path=str(ARTIFACTS / "q-me-privacy-desktop.png"))

    # The same window narrowed to a phone: Me is the tab itself, above the tab bar.
    to_tab(page, "me")
    page.set_viewport_size(PHONE)
    sidebar = page.locator(".sidebar")
    expect(sidebar.get_by_test_id("me-page")).to_be_visible()
    expect(sidebar.get_by_test_id("me-profile-link")).to_have_count(0)
    expect(page.get_by_test_id("nav-me")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "q-me-phone.png"))
    page.context.close()
