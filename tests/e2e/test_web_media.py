"""Media in the browser: photos with the lightbox, files, voice notes recorded with
MediaRecorder (Chromium's fake microphone), stickers from the panel and store, view-once."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

from lianxin.cli import main
from tests.e2e.web import (
    ARGS,
    CHROMIUM,
    DESKTOP,
    MARKS,
    PHONE,
    befriend,
    expect,
    open_chat,
    open_signed_in,
    playwright_sync,
    rest_signup,
    shoot,
)
from tests.harness import ServerThread

pytestmark = MARKS

FAKE_MEDIA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium with a fake microphone that is allowed without a prompt (for MediaRecorder)."""
    with playwright_sync.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, *FAKE_MEDIA])
        yield b
        b.close()


def photo(path: Path, size: tuple[int, int] = (800, 600)) -> Path:
    img = Image.new("RGB", size, "#3b82f6")
    for x in range(0, size[0], 40):
        for y in range(0, size[1], 40):
            if (x + y) // 40 % 2:
                img.paste("#f59e0b", (x, y, x + 40, y + 40))
    img.save(path, "JPEG", quality=85)
    return path


def pair(srv: ServerThread, browser: Any) -> tuple[Any, Any, Any, Any, int]:
    """Alice on a desktop and Bob on a phone, friends, each in their chat."""
    alice_http, alice = rest_signup(srv, "Alice")
    bob_http, bob = rest_signup(srv, "Bob")
    chat = befriend(bob_http, alice_http, alice["user"]["id"])
    a = open_signed_in(browser, srv, alice, DESKTOP)
    b = open_signed_in(browser, srv, bob, PHONE)
    open_chat(a, "Bob")
    open_chat(b, "Alice")
    return a, b, alice_http, bob_http, chat


def attach(page: Any, which: str, files: list[Path]) -> None:
    page.get_by_test_id(f"{which}-input").set_input_files([str(f) for f in files])
    expect(page.get_by_test_id("attach-sheet")).to_be_visible()


def loaded(img: Any) -> None:
    expect(img).to_be_visible()
    img.evaluate("el => el.decode()")
    assert img.evaluate("el => el.naturalWidth") > 0


def test_photo_lightbox_and_file(web_server: ServerThread, browser: Any, tmp_path: Path) -> None:
    a, b, _, bob_http, chat = pair(web_server, browser)

    # Alice sends two photos with a caption; Bob sees both, sized before they load.
    attach(a, "photo", [photo(tmp_path / "one.jpg"), photo(tmp_path / "two.jpg", (500, 900))])
    expect(a.get_by_test_id("attach-item")).to_have_count(2)
    expect(a.get_by_test_id("view-once-toggle")).to_have_count(0)  # only for one photo
    a.get_by_test_id("attach-caption").fill("Beach day")
    a.get_by_test_id("attach-send").click()
    expect(a.get_by_test_id("upload")).to_have_count(0)
    expect(a.get_by_test_id("photo")).to_have_count(2)
    photos = b.get_by_test_id("photo")
    expect(photos).to_have_count(2)
    box = photos.first.bounding_box()
    assert box is not None and round(box["width"]) == 240 and round(box["height"]) == 180
    loaded(photos.first.get_by_test_id("photo-img"))
    loaded(photos.nth(1).get_by_test_id("photo-img"))
    expect(b.get_by_test_id("message").filter(has_text="Beach day")).to_have_count(1)
    urls = photos.first.get_by_test_id("photo-img").get_attribute("src") or ""
    assert "sig=" in urls and "token" not in urls.lower()
    shoot(b, "media-conversation")

    # The lightbox opens large, steps with the arrow keys and closes with Esc.
    photos.first.click()
    lightbox = b.get_by_test_id("lightbox")
    expect(lightbox).to_be_visible()
    loaded(lightbox.get_by_test_id("lightbox-img"))
    expect(lightbox).to_contain_text("1 / 2")
    shoot(b, "media-lightbox")
    b.keyboard.press("ArrowRight")
    expect(lightbox).to_contain_text("2 / 2")
    b.keyboard.press("Escape")
    expect(lightbox).to_have_count(0)

    # A file arrives with its name and size and downloads as itself.
    doc = tmp_path / "minutes.txt"
    doc.write_text("Minutes of the meeting\n" * 200)
    attach(a, "file", [doc])
    a.get_by_test_id("attach-send").click()
    card = b.get_by_test_id("file")
    expect(card.get_by_test_id("file-name")).to_have_text("minutes.txt")
    expect(card.get_by_test_id("file-size")).to_have_text("4.5 KB")
    expect(card).to_have_attribute(
        "href", re.compile(r"sig=")
    )  # the signed URL arrives after the card
    with b.expect_download() as dl:
        card.click()
    assert Path(dl.value.path()).read_bytes() == doc.read_bytes()
    assert dl.value.suggested_filename == "minutes.txt"

    # The chat list shows what kind the last message was.
    history = bob_http.get(f"/api/v1/chats/{chat}/messages").json()["events"]
    assert [e["kind"] for e in history if e["kind"] != "system"] == ["photo", "photo", "file"]


def test_voice_note_recorded_and_played(web_server: ServerThread, browser: Any) -> None:
    a, b, alice_http, _, chat = pair(web_server, browser)

    # Desktop: click to start, click to stop and send.
    a.get_by_test_id("voice-record").click()
    expect(a.get_by_test_id("recording-bar")).to_be_visible()
    expect(a.get_by_test_id("rec-time")).to_have_text("0:02", timeout=6000)
    a.get_by_test_id("voice-record").click()
    expect(a.get_by_test_id("recording-bar")).to_have_count(0)
    expect(a.get_by_test_id("upload")).to_have_count(0, timeout=15_000)

    note = b.get_by_test_id("voice")
    expect(note).to_have_count(1)
    bars = note.get_by_test_id("waveform").locator(".bar")
    assert bars.count() >= 16
    heights = bars.evaluate_all("els => els.map(e => parseFloat(e.style.height))")
    assert max(heights) > min(heights), "the server's waveform is drawn, not a flat line"
    expect(note).to_have_attribute("data-played", "no")
    expect(note.get_by_test_id("unplayed")).to_be_visible()
    events = alice_http.get(f"/api/v1/chats/{chat}/messages").json()["events"]
    voice = next(e for e in events if e["kind"] == "voice")
    assert voice["data"]["mime"] == "audio/webm" and 1500 <= voice["data"]["duration_ms"] <= 5000

    # Bob plays it: the dot goes, the server knows, and Alice's devices were told.
    note.get_by_test_id("voice-play").click()
    expect(note).to_have_attribute("data-played", "yes")
    expect(note.get_by_test_id("unplayed")).to_have_count(0)
    # The sender's bubble turns "played" from the server's live frame, so by then the
    # mark is stored (the listener's own bubble turns at once, before the server has it).
    expect(a.get_by_test_id("voice")).to_have_attribute("data-played", "yes")
    marks = alice_http.get(f"/api/v1/chats/{chat}/messages/{voice['seq']}/marks").json()["marks"]
    assert [m["mark"] for m in marks] == ["played"]


def install_pack(srv: ServerThread, root: Path) -> None:
    folder = root / "cats"
    folder.mkdir()
    for i, colour in enumerate(("#ef4444", "#22c55e", "#3b82f6", "#eab308")):
        out = io.BytesIO()
        img = Image.new("RGBA", (128, 128), (0, 0, 0, 0))
        img.paste(colour, (16, 16, 112, 112))
        img.save(out, "PNG")
        (folder / f"{i}.png").write_bytes(out.getvalue())
    spec = {
        "slug": "cats",
        "title": "Cats",
        "stickers": [{"file": f"{i}.png", "emoji": e} for i, e in enumerate("😺😸😹😻")],
    }
    (folder / "manifest.json").write_text(json.dumps(spec))
    argv = ["stickers", "import", str(folder), "--data-dir", str(srv.settings.data_dir)]
    # Playwright's sync API runs an event loop in this thread; the CLI starts its own.
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(CliRunner().invoke, main, argv).result()
    assert result.exit_code == 0, result.output


def test_sticker_from_panel_and_store(
    web_server: ServerThread, browser: Any, tmp_path: Path
) -> None:
    install_pack(web_server, tmp_path)
    a, b, _, _, _ = pair(web_server, browser)

    a.get_by_test_id("sticker-button").click()
    panel = a.get_by_test_id("sticker-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("sticker store")
    panel.get_by_test_id("sticker-store-open").click()
    store = a.get_by_test_id("sticker-store")
    pack = store.get_by_test_id("store-pack").filter(has_text="Cats")
    expect(pack).to_contain_text("4 stickers")
    pack.get_by_test_id("store-pack-toggle").click()
    expect(pack.get_by_test_id("store-pack-toggle")).to_have_text("Remove")
    a.keyboard.press("Escape")
    expect(store).to_have_count(0)
    cells = panel.get_by_test_id("sticker-cell")
    expect(cells).to_have_count(4)
    loaded(cells.first.locator("img"))
    shoot(a, "media-sticker-panel")
    cells.nth(1).click()
    expect(panel).to_have_count(0)

    got = b.get_by_test_id("sticker")
    expect(got).to_have_count(1)
    loaded(got.locator("img"))
    expect(got).to_have_attribute("title", "😸")
    bubble = b.get_by_test_id("message").filter(has=got).locator(".bubble")
    assert bubble.evaluate("el => getComputedStyle(el).backgroundColor") == "rgba(0, 0, 0, 0)"
    expect(b.get_by_test_id("message").last).to_be_visible()


def test_view_once_photo(web_server: ServerThread, browser: Any, tmp_path: Path) -> None:
    a, b, _, bob_http, chat = pair(web_server, browser)

    attach(a, "photo", [photo(tmp_path / "secret.jpg")])
    a.get_by_test_id("view-once-toggle").locator("input").check(force=True)
    expect(a.get_by_test_id("attach-caption")).to_have_count(0)
    a.get_by_test_id("attach-send").click()
    mine = a.get_by_test_id("view-once")
    expect(mine).to_have_attribute("data-state", "sent")
    expect(mine).to_be_disabled()

    theirs = b.get_by_test_id("view-once")
    expect(theirs).to_have_attribute("data-state", "ready")
    theirs.click()
    viewer = b.get_by_test_id("view-once-viewer")
    expect(viewer).to_be_visible()
    loaded(viewer.locator("img"))
    src = viewer.locator("img").get_attribute("src") or ""
    assert src.startswith("blob:")
    b.get_by_test_id("view-once-close").click()
    expect(viewer).to_have_count(0)
    expect(theirs).to_have_attribute("data-state", "opened")
    expect(theirs).to_be_disabled()

    # Alice sees it opened, live; Bob can never open it again (the server says gone).
    expect(mine).to_have_attribute("data-state", "opened")
    expect(
        a.get_by_test_id("system-line").filter(has_text="opened your view-once photo")
    ).to_be_visible()
    seq = int(b.get_by_test_id("message").filter(has=theirs).get_attribute("data-seq") or 0)
    again = bob_http.post(f"/api/v1/chats/{chat}/messages/{seq}/open")
    assert again.status_code == 410 and again.json()["code"] == "gone"
    b.reload()
    expect(b.get_by_test_id("view-once")).to_have_attribute("data-state", "opened")
