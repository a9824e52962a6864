"""More media in the browser: location, contact card, chat-record bundle, link preview,
video (poster + duration), group album, drag and drop onto the composer, quotes of media,
played marks from history pages, stable media URLs, and dark-mode screenshots.

Alice sends over REST (the API the web client itself uses); Bob sees it in Chromium.
"""

from __future__ import annotations

import http.server
import io
import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from lianxin.bench.proc import free_port
from tests import media_samples as samples
from tests.e2e.web import (
    ARTIFACTS,
    DESKTOP,
    MARKS,
    PHONE,
    befriend,
    expect,
    open_chat,
    open_signed_in,
    rest_signup,
    serving,
    shoot,
)
from tests.harness import ServerThread, test_settings

pytestmark = MARKS

PAGE = (
    b"<!doctype html><html><head><title>fallback</title>"
    b'<meta property="og:title" content="Harbour walk guide">'
    b'<meta property="og:description" content="Five stops along the old harbour.">'
    b'<meta property="og:site_name" content="Walks">'
    b"</head><body>hi</body></html>"
)


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The server of this module may fetch link previews from loopback (the page server)."""
    settings = test_settings(
        tmp_path_factory.mktemp("web-media"), link_preview_allow_networks=["127.0.0.0/8"]
    )
    yield from serving(settings)


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Page)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/walk"
    srv.shutdown()
    srv.server_close()


def jpeg(size: tuple[int, int] = (800, 600), colour: str = "#3b82f6") -> bytes:
    img = Image.new("RGB", size, colour)
    for x in range(0, size[0], 40):
        for y in range(0, size[1], 40):
            if (x + y) // 40 % 2:
                img.paste("#f59e0b", (x, y, x + 40, y + 40))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def upload(http: httpx.Client, data: bytes, kind: str, name: str | None = None) -> dict[str, Any]:
    params = {"kind": kind, **({"name": name} if name else {})}
    resp = http.post("/api/v1/media", params=params, content=data)
    resp.raise_for_status()
    out: dict[str, Any] = resp.json()
    return out


def post(http: httpx.Client, chat: int, kind: str, **body: Any) -> dict[str, Any]:
    resp = http.post(
        f"/api/v1/chats/{chat}/messages",
        json={"client_id": uuid.uuid4().hex, "kind": kind, **body},
    )
    resp.raise_for_status()
    out: dict[str, Any] = resp.json()
    return out


def loaded(img: Any) -> None:
    expect(img).to_be_visible()
    img.evaluate("el => el.decode()")
    assert img.evaluate("el => el.naturalWidth") > 0


def people(srv: ServerThread) -> tuple[httpx.Client, dict[str, Any], httpx.Client, int]:
    alice_http, _ = rest_signup(srv, "Alice")
    bob_http, bob = rest_signup(srv, "Bob")
    chat = befriend(alice_http, bob_http, bob["user"]["id"])
    return alice_http, bob, bob_http, chat


def test_location_contact_record_and_quotes(web_server: ServerThread, browser: Any) -> None:
    alice_http, bob, _, chat = people(web_server)
    carol_http, carol = rest_signup(web_server, "Carol")
    befriend(alice_http, carol_http, carol["user"]["id"])

    hello = post(alice_http, chat, "text", text="Meet at the pier?")
    pic = upload(alice_http, jpeg(), "photo")
    shot = post(alice_http, chat, "photo", content={"media": pic["id"]}, text="the pier")
    place = {"lat": 31.2304, "lon": 121.4737, "name": "Pier 3", "address": "Bund, Shanghai"}
    post(alice_http, chat, "location", content=place)
    post(alice_http, chat, "contact", content={"user": carol["user"]["id"]})
    post(alice_http, chat, "text", text="That one?", reply_to=shot["seq"])
    record = {"chat": chat, "seqs": [hello["seq"], shot["seq"]], "title": "Pier plans"}
    post(alice_http, chat, "chat_record", content=record)

    b = open_signed_in(browser, web_server, bob, DESKTOP)
    open_chat(b, "Alice")

    # A location: its name, address and coordinates, opening a map in a new tab.
    loc = b.get_by_test_id("location")
    expect(loc).to_contain_text("Pier 3")
    expect(loc).to_contain_text("Bund, Shanghai")
    expect(loc).to_contain_text("31.23040°N, 121.47370°E")
    assert "mlat=31.2304" in (loc.get_attribute("href") or "")
    assert loc.get_attribute("target") == "_blank"

    # A reply to a photo quotes it as "[Photo] caption" with a tiny thumbnail.
    quote = b.get_by_test_id("message").filter(has_text="That one?").get_by_test_id("quote")
    expect(quote).to_contain_text("Alice")
    expect(quote).to_contain_text("[Photo] the pier")
    loaded(quote.get_by_test_id("quote-thumb"))

    # The chat record shows its title and first lines, and opens a viewer of every item.
    card = b.get_by_test_id("chat-record")
    expect(card).to_contain_text("Chat history: Pier plans")
    expect(card).to_contain_text("Alice: Meet at the pier?")
    expect(card).to_contain_text("2 messages")
    card.click()
    viewer = b.get_by_test_id("record-viewer")
    expect(viewer).to_be_visible()
    expect(viewer.locator(".record-item")).to_have_count(2)
    expect(viewer.locator(".record-item").nth(1)).to_contain_text("[Photo] the pier")
    b.keyboard.press("Escape")
    expect(viewer).to_have_count(0)

    # The contact card names Carol; tapping it opens her profile, where Bob can add her.
    contact = b.get_by_test_id("contact")
    expect(contact).to_contain_text("Carol")
    contact.click()
    expect(b.get_by_test_id("profile-name")).to_have_text("Carol")
    assert b.url.endswith(f"#/user/{carol['user']['id']}")
    expect(b.get_by_test_id("profile-add")).to_be_visible()

    # The chat list names the last message's kind.
    b.go_back()
    expect(b.get_by_test_id("chat-row").filter(has_text="Alice")).to_contain_text(
        "[Chat history] Pier plans"
    )


def test_link_preview_card(web_server: ServerThread, browser: Any, page_url: str) -> None:
    alice_http, bob, _, chat = people(web_server)
    b = open_signed_in(browser, web_server, bob, PHONE)
    open_chat(b, "Alice")
    post(alice_http, chat, "text", text=f"This walk looks good {page_url}")
    card = b.get_by_test_id("link-preview")
    expect(card).to_be_visible(timeout=15_000)  # arrives live once the server has fetched it
    expect(card.locator(".link-title")).to_have_text("Harbour walk guide")
    expect(card.locator(".link-desc")).to_have_text("Five stops along the old harbour.")
    expect(card.locator(".link-site")).to_have_text("Walks")
    assert card.get_attribute("href") == page_url
    assert card.get_attribute("rel") == "noopener noreferrer"


@pytest.mark.skipif(samples.FFMPEG is None, reason="ffmpeg is not installed")
def test_video_poster_and_duration(web_server: ServerThread, browser: Any) -> None:
    alice_http, bob, _, chat = people(web_server)
    clip = upload(alice_http, samples.mp4(3.0), "video", "clip.mp4")
    assert "poster" in clip["variants"]
    post(alice_http, chat, "video", content={"media": clip["id"]}, text="the harbour")
    b = open_signed_in(browser, web_server, bob, PHONE)
    open_chat(b, "Alice")
    video = b.get_by_test_id("video")
    poster = video.locator(".video-poster img")
    loaded(poster)
    assert "variant=poster" in (poster.get_attribute("src") or "")
    expect(video.locator(".video-duration")).to_have_text("0:03")
    box = video.bounding_box()
    assert box is not None and round(box["width"]) == 240 and round(box["height"]) == 180
    expect(b.get_by_test_id("message").filter(has=video)).to_contain_text("the harbour")
    video.get_by_role("button", name="Play video").click()
    player = video.locator("video")
    expect(player).to_have_count(1)
    expect(player).to_have_attribute("src", re.compile(r"sig="))


def test_group_album_add_and_browse(web_server: ServerThread, browser: Any, tmp_path: Path) -> None:
    alice_http, bob, _, _ = people(web_server)
    group = alice_http.post(
        "/api/v1/chats/groups", json={"title": "Trip", "members": [bob["user"]["id"]]}
    )
    group.raise_for_status()
    gid = int(group.json()["id"])
    first = upload(alice_http, jpeg((600, 400), "#22c55e"), "photo")
    added = alice_http.post(f"/api/v1/chats/{gid}/album", json={"media": first["id"]})
    added.raise_for_status()

    b = open_signed_in(browser, web_server, bob, PHONE)
    open_chat(b, "Trip")
    expect(
        b.get_by_test_id("system-line").filter(has_text="Alice added a photo to the group album")
    ).to_be_visible()
    b.get_by_test_id("chat-info").click()
    album = b.get_by_test_id("album")
    cells = album.get_by_test_id("album-cell")
    expect(cells).to_have_count(1)
    expect(cells.first).to_contain_text("Alice")
    loaded(cells.first.locator("img"))

    mine = tmp_path / "dunes.jpg"
    mine.write_bytes(jpeg((500, 700), "#ef4444"))
    album.get_by_test_id("album-input").set_input_files(str(mine))
    expect(cells).to_have_count(2, timeout=15_000)
    expect(cells.first).to_contain_text("Bob")  # newest first
    loaded(cells.first.locator("img"))
    album.scroll_into_view_if_needed()
    shoot(b, "media-album")

    cells.nth(1).click()
    viewer = b.get_by_test_id("album-viewer")
    expect(viewer).to_contain_text("2 / 2")
    expect(viewer).to_contain_text("Alice")
    loaded(viewer.locator(".lightbox-stage img"))
    b.keyboard.press("ArrowLeft")
    expect(viewer).to_contain_text("1 / 2")
    expect(viewer).to_contain_text("Bob")
    b.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    entries = alice_http.get(f"/api/v1/chats/{gid}/album").json()["entries"]
    assert [e["uploader"] for e in entries] == [bob["user"]["id"], first["owner"]]


DROP = """async ([b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const file = new File([bytes], name, { type: "image/jpeg" });
  const dt = new DataTransfer();
  dt.items.add(file);
  const target = document.querySelector('[data-testid="composer"]');
  for (const type of ["dragenter", "dragover", "drop"]) {
    target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }
}"""


def test_drop_an_image_onto_the_composer(web_server: ServerThread, browser: Any) -> None:
    import base64

    alice_http, bob, _, chat = people(web_server)
    b = open_signed_in(browser, web_server, bob, DESKTOP)
    open_chat(b, "Alice")
    data = jpeg((640, 480), "#a855f7")
    b.evaluate(DROP, [base64.b64encode(data).decode(), "dropped.jpg"])
    sheet = b.get_by_test_id("attach-sheet")
    expect(sheet).to_be_visible()
    expect(sheet.get_by_test_id("attach-item")).to_have_count(1)
    sheet.get_by_test_id("attach-caption").fill("dropped in")
    sheet.get_by_test_id("attach-send").click()
    expect(b.get_by_test_id("upload")).to_have_count(0, timeout=15_000)
    photo = b.get_by_test_id("photo")
    expect(photo).to_have_count(1)
    loaded(photo.get_by_test_id("photo-img"))
    events = alice_http.get(f"/api/v1/chats/{chat}/messages").json()["events"]
    sent = [e for e in events if e["kind"] == "photo"]
    assert len(sent) == 1 and sent[0]["text"] == "dropped in"
    assert (sent[0]["data"]["width"], sent[0]["data"]["height"]) == (640, 480)


def test_marks_and_urls_survive_a_reload_without_extra_requests(
    web_server: ServerThread, browser: Any
) -> None:
    """Played state comes with the history page (no marks request per bubble), and media
    URLs are the same after a reload, so the browser's cache answers."""
    alice_http, bob, bob_http, chat = people(web_server)
    note = upload(alice_http, samples.ogg_opus(1.5), "voice")
    heard = post(alice_http, chat, "voice", content={"media": note["id"]})
    post(alice_http, chat, "voice", content={"media": note["id"]})
    pic = upload(alice_http, jpeg(), "photo")
    post(alice_http, chat, "photo", content={"media": pic["id"]})
    played = bob_http.post(f"/api/v1/chats/{chat}/messages/{heard['seq']}/played")
    assert played.json() == {"played": True}

    b = open_signed_in(browser, web_server, bob, DESKTOP)
    asked: list[str] = []
    b.on("request", lambda r: asked.append(r.url))
    open_chat(b, "Alice")
    notes = b.get_by_test_id("voice")
    expect(notes).to_have_count(2)
    expect(notes.first).to_have_attribute("data-played", "yes")
    expect(notes.nth(1)).to_have_attribute("data-played", "no")
    img = b.get_by_test_id("photo-img")
    loaded(img)
    before = img.get_attribute("src")
    assert not [u for u in asked if u.endswith("/marks")], "no marks request per bubble"

    b.reload()
    open_chat(b, "Alice")
    img = b.get_by_test_id("photo-img")
    loaded(img)
    assert img.get_attribute("src") == before  # the same URL: served from the cache
    expect(b.get_by_test_id("voice").first).to_have_attribute("data-played", "yes")
    assert not [u for u in asked if u.endswith("/marks")]


def test_dark_mode_screens(web_server: ServerThread, browser: Any, tmp_path: Path) -> None:
    """Dark-mode screenshots of a media conversation, the lightbox and the sticker panel."""
    from tests.e2e.test_web_media import install_pack

    install_pack(web_server, tmp_path)
    alice_http, bob, _, chat = people(web_server)
    pic = upload(alice_http, jpeg(), "photo")
    shot = post(alice_http, chat, "photo", content={"media": pic["id"]}, text="Beach day")
    note = upload(alice_http, samples.ogg_opus(2.0), "voice")
    post(alice_http, chat, "voice", content={"media": note["id"]})
    doc = upload(alice_http, b"Minutes\n" * 300, "file", "minutes.txt")
    post(alice_http, chat, "file", content={"media": doc["id"]})
    place = {"lat": 31.2304, "lon": 121.4737, "name": "Pier 3", "address": "Bund, Shanghai"}
    post(alice_http, chat, "location", content=place)
    post(alice_http, chat, "text", text="Lovely!", reply_to=shot["seq"])

    b = open_signed_in(browser, web_server, bob, PHONE, color_scheme="dark")
    open_chat(b, "Alice")
    loaded(b.get_by_test_id("photo-img"))
    loaded(b.get_by_test_id("quote-thumb"))
    b.get_by_test_id("message").last.scroll_into_view_if_needed()
    shoot(b, "media-dark-conversation")

    b.get_by_test_id("photo").click()
    loaded(b.get_by_test_id("lightbox-img"))
    shoot(b, "media-dark-lightbox")
    b.keyboard.press("Escape")
    expect(b.get_by_test_id("lightbox")).to_have_count(0)

    b.set_viewport_size(DESKTOP)
    b.get_by_test_id("sticker-button").click()
    panel = b.get_by_test_id("sticker-panel")
    expect(panel).to_be_visible()
    panel.get_by_test_id("sticker-store-open").click()
    store = b.get_by_test_id("sticker-store")
    store.get_by_test_id("store-pack").filter(has_text="Cats").get_by_test_id(
        "store-pack-toggle"
    ).click()
    b.keyboard.press("Escape")
    expect(panel.get_by_test_id("sticker-cell")).to_have_count(4)
    loaded(panel.get_by_test_id("sticker-cell").first.locator("img"))
    shoot(b, "media-dark-sticker-panel")
    b.get_by_test_id("sticker-button").click()
    expect(panel).to_have_count(0)

    # Replying names what is quoted, with a thumbnail of a photo.
    voice = b.get_by_test_id("message").filter(has=b.get_by_test_id("voice"))
    voice.hover()
    voice.get_by_role("button", name="Reply").click()
    bar = b.locator(".reply-bar")
    expect(bar).to_contain_text("[Voice 0:02]")
    expect(bar.get_by_test_id("quote-thumb")).to_have_count(0)
    pic_msg = b.get_by_test_id("message").filter(has=b.get_by_test_id("photo"))
    pic_msg.hover()
    pic_msg.get_by_role("button", name="Reply").click()
    expect(bar).to_contain_text("[Photo] Beach day")
    loaded(bar.get_by_test_id("quote-thumb"))
    shoot(b, "media-dark-reply-bar")


def test_forward_several_combined_as_chat_history(web_server: ServerThread, browser: Any) -> None:
    alice_http, bob, bob_http, chat = people(web_server)
    carol_http, _ = rest_signup(web_server, "Carol")
    to_carol = befriend(carol_http, bob_http, bob["user"]["id"])
    post(alice_http, chat, "text", text="Dinner at 7")
    pic = upload(alice_http, jpeg(), "photo")
    post(alice_http, chat, "photo", content={"media": pic["id"]}, text="the place")

    b = open_signed_in(browser, web_server, bob, DESKTOP)
    open_chat(b, "Alice")
    first = b.get_by_test_id("message").filter(has_text="Dinner at 7")
    first.hover()
    first.get_by_test_id("select").click()
    b.get_by_test_id("message").filter(has=b.get_by_test_id("photo")).click()
    expect(b.get_by_test_id("selection-count")).to_have_text("2 selected")
    b.get_by_test_id("sel-forward").click()
    picker = b.get_by_test_id("forward-picker")
    expect(picker.get_by_test_id("forward-mode")).to_contain_text("One by one")
    picker.get_by_text("Combined as chat history").click()
    expect(picker.get_by_test_id("forward-combined")).to_be_checked()
    shoot(b, "media-forward-combined")
    picker.get_by_test_id("forward-target").filter(has_text="Carol").click()
    expect(picker).to_have_count(0)
    expect(b.locator(".toasts")).to_contain_text("Forwarded to Carol")

    # Carol gets one message: the record, titled after the chat, with both items.
    events = carol_http.get(f"/api/v1/chats/{to_carol}/messages").json()["events"]
    records = [e for e in events if e["kind"] == "chat_record"]
    assert len(records) == 1 and records[0]["data"]["title"] == "Bob and Alice"
    assert [i.get("text") for i in records[0]["data"]["items"]] == ["Dinner at 7", "the place"]
    assert not [e for e in events if e["kind"] in ("text", "photo")]

    open_chat(b, "Carol")
    card = b.get_by_test_id("chat-record")
    expect(card).to_contain_text("Chat history: Bob and Alice")
    expect(card).to_contain_text("2 messages")
    card.click()
    viewer = b.get_by_test_id("record-viewer")
    expect(viewer.locator(".record-item")).to_have_count(2)
    expect(viewer.locator(".record-item").nth(1)).to_contain_text("[Photo] the place")


def test_share_location_and_contact_card(web_server: ServerThread, browser: Any) -> None:
    alice_http, bob, bob_http, chat = people(web_server)
    carol_http, carol = rest_signup(web_server, "Carol")
    befriend(carol_http, bob_http, bob["user"]["id"])
    here = {"latitude": 31.2304, "longitude": 121.4737, "accuracy": 12}
    b = open_signed_in(
        browser, web_server, bob, PHONE, geolocation=here, permissions=["geolocation"]
    )
    open_chat(b, "Alice")

    # Location: the browser's position, a place name, sent as a map card.
    b.get_by_test_id("attach").click()
    expect(b.get_by_test_id("attach-menu")).to_be_visible()
    b.screenshot(path=str(ARTIFACTS / "media-attach-menu-phone.png"))
    b.get_by_test_id("attach-location").click()
    sheet = b.get_by_test_id("location-sheet")
    expect(sheet.get_by_test_id("location-coords")).to_have_text("31.23040°N, 121.47370°E")
    expect(sheet).to_contain_text("Accurate to about 12 m")
    sheet.get_by_test_id("location-name").fill("Pier 3")
    shoot(b, "media-share-location")
    sheet.get_by_test_id("location-send").click()
    expect(sheet).to_have_count(0)
    card = b.get_by_test_id("location")
    expect(card).to_contain_text("Pier 3")
    expect(card).to_contain_text("31.23040°N, 121.47370°E")

    # Contact card: pick a friend; the card carries her real name.
    b.get_by_test_id("attach").click()
    b.get_by_test_id("attach-contact").click()
    picker = b.get_by_test_id("contact-sheet")
    expect(picker.get_by_test_id("contact-pick")).to_have_count(2)  # Alice and Carol
    picker.get_by_role("searchbox").fill("car")
    expect(picker.get_by_test_id("contact-pick")).to_have_count(1)
    picker.get_by_test_id("contact-pick").click()
    expect(b.get_by_test_id("contact")).to_contain_text("Carol")

    def sent(kind: str) -> dict[str, Any]:
        """The stored message of that kind, once the outbox has delivered it."""
        deadline = time.time() + 10
        while True:
            events = alice_http.get(f"/api/v1/chats/{chat}/messages").json()["events"]
            found = [e for e in events if e["kind"] == kind]
            if found or time.time() > deadline:
                assert found, f"no {kind} message arrived"
                return found[0]
            time.sleep(0.1)

    loc = sent("location")["data"]
    assert loc == {"lat": 31.2304, "lon": 121.4737, "name": "Pier 3"}
    assert sent("contact")["data"]["user"] == carol["user"]["id"]


def test_location_refused_by_the_browser_says_so(web_server: ServerThread, browser: Any) -> None:
    _, bob, _, _ = people(web_server)
    b = open_signed_in(browser, web_server, bob, DESKTOP)  # no permission granted
    open_chat(b, "Alice")
    b.get_by_test_id("attach").click()
    b.get_by_test_id("attach-location").click()
    sheet = b.get_by_test_id("location-sheet")
    expect(sheet.get_by_test_id("location-status")).to_contain_text(
        "may not use your location", timeout=20_000
    )
    expect(sheet.get_by_test_id("location-send")).to_be_disabled()
