"""Shared helpers for the browser tests: pages, sign-up, screenshots and REST-made users.

The browser is Debian's Chromium (``/usr/bin/chromium``, ``make chromium``) driven by
Playwright against an in-thread server serving the built client (``make web``).
"""

from __future__ import annotations

import gc
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from lianxin.app import WEB_DIST
from lianxin.config import Settings
from tests.harness import ServerThread, next_phone

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

# Every browser test module sets `pytestmark = MARKS`.
MARKS = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
    pytest.mark.skipif(
        not (WEB_DIST / "index.html").is_file(), reason="web client not built (make web)"
    ),
    pytest.mark.timeout(180),
]

LOGS: list[str] = []
PAGES: list[Any] = []
CLIENTS: list[httpx.Client] = []  # REST users of the current test, closed after it


def serving(settings: Settings) -> Iterator[ServerThread]:
    """A module's in-thread server, started with the test process's heap frozen.

    The server shares this process (and its GIL) with everything the suite has run: a
    full collection over that heap paused it for seconds on a loaded machine, long
    enough for a browser's connect to miss its deadline (CI: pages stuck "Connecting…"
    for 15 s, only in the one module whose server skipped this). Frozen, the heap so far
    is no longer scanned; collections cover what this module allocates."""
    gc.collect()
    gc.freeze()
    srv = ServerThread(settings).start()
    try:
        yield srv
    finally:
        srv.stop()


def new_page(browser: Any, size: dict[str, int], locale: str = "en-US", **ctx: Any) -> Any:
    ctx = {"service_workers": "block", **ctx}  # a test of the worker itself allows it
    context = browser.new_context(viewport=size, locale=locale, **ctx)
    context.set_default_timeout(10_000)
    context.on("page", watch)
    return context.new_page()


def watch(page: Any) -> None:
    PAGES.append(page)
    page.on("console", lambda m: LOGS.append(f"[{m.type}] {m.text}"))
    page.on("pageerror", lambda e: LOGS.append(f"[pageerror] {e}"))
    page.on("websocket", watch_socket)


def watch_socket(ws: Any) -> None:
    """The page's sockets, for a failure's evidence: when each opened, what it got, how
    it ended (a page stuck "connecting…" shows whether the server ever answered)."""
    at = time.monotonic()

    def log(what: str) -> None:
        LOGS.append(f"[ws {ws.url} +{time.monotonic() - at:.2f}s] {what}")

    log("open")
    ws.on("framesent", lambda payload: log(f"sent {str(payload)[:60]}"))
    ws.on("framereceived", lambda payload: log(f"got {str(payload)[:60]}"))
    ws.on("socketerror", lambda error: log(f"error {error}"))
    ws.on("close", lambda _: log("closed"))


def wait_code(srv: ServerThread, phone: str) -> str:
    deadline = time.time() + 10
    while phone not in srv.sms.codes:
        assert time.time() < deadline, "no sign-in code was sent"
        time.sleep(0.05)
    return srv.sms.codes.pop(phone)


def sign_up(page: Any, srv: ServerThread, name: str, shots: str | None = None) -> str:
    phone = next_phone()
    page.goto(srv.url + "/")
    expect(page.get_by_test_id("signin")).to_be_visible()
    if shots:
        shoot(page, shots)
    page.get_by_label("Phone number").fill(phone)
    page.get_by_role("button", name="Send code").click()
    page.get_by_label("Sign-in code").fill(wait_code(srv, phone))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Chats")).to_be_visible()
    expect(page.get_by_test_id("conn-status")).to_have_count(0)
    return phone


def shoot(page: Any, name: str) -> None:
    """Screenshots at phone and desktop size, then back to the page's own size."""
    ARTIFACTS.mkdir(exist_ok=True)
    own = page.viewport_size
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"))
    page.set_viewport_size(own)
    page.wait_for_timeout(100)


def session(page: Any) -> dict[str, Any]:
    raw = page.evaluate("localStorage.getItem('lx.session')")
    assert raw, "not signed in"
    data: dict[str, Any] = json.loads(raw)
    return data


def to_tab(page: Any, name: str) -> None:
    """Open a main tab; on a phone, first leave the screen that covers the tabs."""
    back = page.get_by_role("link", name="Back")
    if back.count() and back.first.is_visible():
        back.first.click()
    page.get_by_test_id(f"nav-{name}").click()


def open_chat(page: Any, title: str) -> None:
    to_tab(page, "chats")
    page.get_by_test_id("chat-row").filter(has_text=title).first.click()
    expect(page.get_by_test_id("chat-title")).to_have_text(title)


def send(page: Any, text: str) -> None:
    box = page.get_by_test_id("composer")
    box.fill(text)
    box.press("Enter")


def rest_user(srv: ServerThread, name: str) -> tuple[httpx.Client, int]:
    http, body = rest_signup(srv, name)
    return http, int(body["user"]["id"])


def rest_signup(srv: ServerThread, name: str) -> tuple[httpx.Client, dict[str, Any]]:
    http = httpx.Client(base_url=srv.url, timeout=10)
    CLIENTS.append(http)
    phone = next_phone()
    http.post("/api/v1/auth/code", json={"phone": phone}).raise_for_status()
    resp = http.post(
        "/api/v1/auth/verify",
        json={"phone": phone, "code": wait_code(srv, phone), "name": name, "device_name": "rest"},
    )
    resp.raise_for_status()
    body: dict[str, Any] = resp.json()
    http.headers["Authorization"] = f"Bearer {body['token']}"
    return http, body


def rest_signin(srv: ServerThread, phone: str, device: str = "rest 2") -> dict[str, Any]:
    """Another device of an existing account: the verify body (token, device_id, user)."""
    with httpx.Client(base_url=srv.url, timeout=10) as http:
        http.post("/api/v1/auth/code", json={"phone": phone}).raise_for_status()
        body = {"phone": phone, "code": wait_code(srv, phone), "device_name": device}
        resp = http.post("/api/v1/auth/verify", json=body)
        resp.raise_for_status()
        out: dict[str, Any] = resp.json()
        return out


def befriend(a: httpx.Client, b: httpx.Client, b_id: int) -> int:
    """A asks, B accepts; the id of their direct chat."""
    req = a.post("/api/v1/friend-requests", json={"user_id": b_id, "greeting": ""})
    req.raise_for_status()
    accepted = b.post(f"/api/v1/friend-requests/{req.json()['id']}/accept")
    accepted.raise_for_status()
    return int(accepted.json()["chat_id"])


def open_signed_in(
    browser: Any, srv: ServerThread, body: dict[str, Any], size: dict[str, int], **ctx: Any
) -> Any:
    """A page signed in as a REST-made user (their token in localStorage), on the chat list."""
    page = new_page(browser, size, **ctx)
    page.goto(srv.url + "/")
    saved = {"token": body["token"], "userId": body["user"]["id"], "deviceId": body["device_id"]}
    page.evaluate(f"localStorage.setItem('lx.session', {json.dumps(json.dumps(saved))})")
    page.goto(srv.url + "/#/chats")
    page.reload()
    expect(page.get_by_role("heading", name="Chats")).to_be_visible()
    # Connected and synced. A connect takes well under a second even on a loaded machine;
    # the margin covers a stalled first attempt, which the client gives up on after 10 s
    # (connection.ts CONNECT_TIMEOUT_MS) and retries.
    bar = page.get_by_test_id("conn-status")
    try:
        expect(bar).to_have_count(0, timeout=15_000)
    except AssertionError as exc:
        state = bar.get_attribute("data-state", timeout=1_000) if bar.count() else "gone"
        raise AssertionError(f"still {state} after 15 s") from exc
    return page
