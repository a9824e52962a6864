"""Contacts and discovery in the browser: sign in by scanning a QR code, my QR code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.e2e.web import (
    DESKTOP,
    MARKS,
    PHONE,
    expect,
    new_page,
    open_signed_in,
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
    page.wait_for_function(
        "document.querySelector('[data-testid=qr-login-image]')?.naturalWidth > 0"
    )
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


def test_import_address_book_finds_friends(
    web_server: ServerThread, browser: Any, tmp_path: Path
) -> None:
    alice_http, alice = rest_signup(web_server, "Alice")
    bob_http, bob = rest_signup(web_server, "Bob")
    book = tmp_path / "contacts.csv"
    book.write_text(
        f'Name,Mobile\n"Bobby, from work",{bob["user"]["phone"]}\nNobody,+86 139 0000 0000\n',
        encoding="utf-8",
    )
    page = open_signed_in(browser, web_server, alice, DESKTOP)
    page.get_by_test_id("nav-friends").click()
    page.get_by_test_id("import-contacts").click()
    page.get_by_test_id("import-file").set_input_files(str(book))
    result = page.get_by_test_id("import-result")
    expect(result).to_contain_text("1 of 2 contacts are on Lianxin")
    match = page.get_by_test_id("import-match")
    expect(match).to_have_count(1)
    expect(match).to_contain_text("Bob")
    expect(match).to_contain_text("“Bobby, from work” in your contacts")
    shoot(page, "36-import-contacts")
    match.get_by_test_id("import-add").click()
    expect(match).to_contain_text("Waiting for reply")
    incoming = bob_http.get("/api/v1/friend-requests").json()["incoming"]
    assert [r["from"] for r in incoming] == [alice["user"]["id"]]

    # A file without numbers gets a human message, not an upload.
    empty = tmp_path / "empty.vcf"
    empty.write_text("BEGIN:VCARD\nFN:No Number\nEND:VCARD\n", encoding="utf-8")
    page.get_by_test_id("import-file").set_input_files(str(empty))
    expect(page.locator(".form-error")).to_have_text("No phone numbers found in that file.")

    alice_http.close()
    bob_http.close()
    page.context.close()
