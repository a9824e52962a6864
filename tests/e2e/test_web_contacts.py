"""Contacts and discovery in the browser: sign in by scanning a QR code, my QR code."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.web import (
    MARKS,
    PHONE,
    expect,
    new_page,
    rest_signup,
    session,
    shoot,
)
from tests.harness import ServerThread

pytestmark = MARKS


def test_sign_in_by_qr_and_my_qr_code(web_server: ServerThread, browser: Any) -> None:
    phone_http, alice = rest_signup(web_server, "Alice")
    page = new_page(browser, PHONE)
    page.goto(web_server.url + "/")
    page.get_by_test_id("qr-toggle").click()
    image = page.get_by_test_id("qr-login-image")
    expect(image).to_be_visible()
    expect(page.get_by_test_id("qr-status")).to_contain_text("scan this code")
    assert page.evaluate("document.querySelector('[data-testid=qr-login-image]').naturalWidth")
    src = image.get_attribute("src") or ""
    token = re.search(r"/qr/login/([^/]+)/image", src)
    assert token, src
    shoot(page, "34-qr-signin")

    # The phone scans: the browser says so; the phone confirms: the browser is signed in.
    scanned = phone_http.post(f"/api/v1/qr/login/{token.group(1)}/scan")
    scanned.raise_for_status()
    assert "Chrome" in scanned.json()["device_name"]
    expect(page.get_by_test_id("qr-status")).to_contain_text("Confirm the sign-in on your phone")
    phone_http.post(f"/api/v1/qr/login/{token.group(1)}/confirm").raise_for_status()
    expect(page.get_by_role("heading", name="Chats")).to_be_visible()
    assert session(page)["userId"] == alice["user"]["id"]
    devices = phone_http.get("/api/v1/me/devices").json()
    assert len(devices) == 2

    # My QR code shows on Me; resetting it gives a new token.
    page.get_by_test_id("nav-me").click()
    mine = page.get_by_test_id("my-qr")
    expect(mine).to_be_visible()
    page.wait_for_function("document.querySelector('[data-testid=my-qr]').naturalWidth > 0")
    before = phone_http.get("/api/v1/me/qr").json()["token"]
    page.get_by_test_id("qr-reset").click()
    page.get_by_test_id("confirm").get_by_role("button", name="Reset QR code").click()
    expect(page.get_by_text("Your QR code was reset")).to_be_visible()
    assert phone_http.get("/api/v1/me/qr").json()["token"] != before
    mine.scroll_into_view_if_needed()
    shoot(page, "35-my-qr")

    phone_http.close()
    page.context.close()
