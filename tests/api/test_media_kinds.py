"""Media message kinds end to end: voice (duration, waveform, played), video (poster, and
without ffmpeg), view-once photos, forwarding by reference, and group albums.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from PIL import Image

from lianxin.client.connection import Connection
from tests import media_samples as samples
from tests.api.test_media import blob_files, people, refused
from tests.harness import ServerThread, befriend, uid

pytestmark = pytest.mark.timeout(120)
needs_ffmpeg = pytest.mark.skipif(samples.FFMPEG is None, reason="ffmpeg is not installed")


async def next_matching(conn: Connection, match: Any) -> dict[str, Any]:
    while not match(frame := await conn.next_event()):
        pass
    return frame


async def test_voice_ogg_opus_duration_waveform_and_played(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, eve = await people(server, closing, "Alice", "Bob", "Eve")
    chat = await befriend(alice, bob)
    voice = await alice.upload(samples.ogg_opus(2.0), "voice")
    assert voice["mime"] == "audio/ogg" and abs(voice["duration_ms"] - 2000) < 50
    wave = voice["waveform"]
    assert len(wave) == 64 and all(0 <= v <= 255 for v in wave)
    assert max(wave) == 255 and wave[0] < wave[32] < wave[-1]  # the tone swells
    await refused(
        alice.send(chat, "voice", text="hi", content={"media": voice["id"]}), "bad_request", 400
    )
    sent = await alice.send_voice(chat, voice["id"])
    assert sent["data"]["duration_ms"] == voice["duration_ms"]

    alice_live = await alice.connect()
    closing.append(alice_live)
    assert await bob.mark_played(chat, sent["seq"]) is True
    frame = await next_matching(alice_live, lambda f: f.get("t") == "played")
    assert (frame["chat"], frame["seq"], frame["user"]) == (chat, sent["seq"], uid(bob))
    assert await bob.mark_played(chat, sent["seq"]) is False  # once
    assert await alice.mark_played(chat, sent["seq"]) is False  # the sender does not count
    marks = await alice.media_marks(chat, sent["seq"])
    assert [(m["user"], m["mark"]) for m in marks] == [(uid(bob), "played")]
    await refused(eve.mark_played(chat, sent["seq"]), "not_member", 404)
    await refused(eve.media_marks(chat, sent["seq"]), "not_member", 404)
    text = await alice.send_text(chat, "not a voice note")
    await refused(bob.mark_played(chat, text["seq"]), "not_found", 404)


async def test_voice_longer_than_the_limit_is_refused(
    server: ServerThread, closing: list[Any]
) -> None:
    (alice,) = await people(server, closing, "Alice")
    await refused(alice.upload(samples.ogg_opus(61.0), "voice"), "too_large", 413)
    exactly = await alice.upload(samples.ogg_opus(60.0), "voice")  # encoder padding is allowed
    assert 59_900 <= exactly["duration_ms"] <= 60_500
    if samples.FFMPEG is not None:
        m4a = await alice.upload(samples.m4a(60.0), "voice")  # AAC priming makes it 60.01 s
        assert 60_000 <= m4a["duration_ms"] <= 60_500


@needs_ffmpeg
async def test_voice_m4a_and_webm_with_ffmpeg(server: ServerThread, closing: list[Any]) -> None:
    (alice,) = await people(server, closing, "Alice")
    m4a = await alice.upload(samples.m4a(3.0), "voice")
    assert m4a["mime"] == "audio/mp4" and abs(m4a["duration_ms"] - 3000) < 100
    assert len(m4a["waveform"]) == 64
    webm = await alice.upload(samples.webm_opus(1.5), "voice")
    assert webm["mime"] == "audio/webm" and abs(webm["duration_ms"] - 1500) < 100
    await refused(alice.upload(samples.mp4(1.0), "voice"), "unsupported_media", 415)  # has video


@needs_ffmpeg
async def test_video_poster_and_duration(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    clip = await alice.upload(samples.mp4(2.0), "video", name="clip.mp4")
    assert clip["mime"] == "video/mp4" and abs(clip["duration_ms"] - 2000) < 100
    assert (clip["width"], clip["height"], clip["poster"]) == (320, 240, True)
    sent = await alice.send_video(chat, clip["id"], caption="看")
    assert sent["data"]["variants"] == ["poster"]
    poster = Image.open(io.BytesIO((await bob.download(clip["id"], variant="poster")).content))
    assert poster.format == "JPEG" and poster.size == (320, 240)


@needs_ffmpeg
async def test_without_ffmpeg_video_has_no_poster_and_webm_voice_is_refused(
    make_server: Any, closing: list[Any]
) -> None:
    server = make_server(media_ffmpeg="", media_ffprobe="")
    (alice,) = await people(server, closing, "Alice")
    clip = await alice.upload(samples.mp4(1.0), "video")
    assert (clip["duration_ms"], clip["width"], clip["poster"]) == (None, None, False)
    assert clip["variants"] == []
    await refused(alice.upload(samples.webm_opus(1.0), "voice"), "unsupported_media", 415)
    m4a = await alice.upload(samples.m4a(2.0), "voice")  # duration from the header
    assert abs(m4a["duration_ms"] - 2000) < 100 and m4a["waveform"] is None
    ogg = await alice.upload(samples.ogg_opus(1.0), "voice")  # libsndfile needs no ffmpeg
    assert len(ogg["waveform"]) == 64


async def test_view_once_photo_opens_once(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, eve = await people(server, closing, "Alice", "Bob", "Eve")
    chat = await befriend(alice, bob)
    other = await befriend(bob, eve)
    photo = await alice.upload(samples.jpeg(300, 200, gps=True), "photo")
    blobs_before = len(blob_files(server))
    await refused(
        alice.send(chat, "view_once", text="x", content={"media": photo["id"]}), "bad_request", 400
    )
    sent = await alice.send_view_once(chat, photo["id"])
    assert sent["data"] == {
        "media": photo["id"], "mime": "image/jpeg", "width": 300, "height": 200, "view_once": True
    }  # fmt: skip
    # Only opening the message serves it: no download, no forward, no re-send.
    await refused(bob.download(photo["id"]), "not_found", 404)
    await refused(alice.download(photo["id"]), "not_found", 404)
    await refused(bob.forward(chat, sent["seq"], other), "not_found", 404)
    await refused(alice.send_photo(chat, photo["id"]), "not_found", 404)
    await refused(alice.open_view_once(chat, sent["seq"]), "not_allowed", 403)
    await refused(eve.open_view_once(chat, sent["seq"]), "not_member", 404)

    alice_live = await alice.connect()
    closing.append(alice_live)
    data = await bob.open_view_once(chat, sent["seq"])
    img = Image.open(io.BytesIO(data))
    assert img.size == (300, 200) and samples.GPS_IFD not in img.getexif()
    opened = await next_matching(
        alice_live, lambda f: f.get("t") == "ev" and (f.get("data") or {}).get("type") == "opened"
    )
    assert opened["data"] == {
        "type": "opened",
        "seq": sent["seq"],
        "by": uid(bob),
        "sender": uid(alice),
    }
    await refused(bob.open_view_once(chat, sent["seq"]), "gone", 410)
    if server.settings.media_backend == "local":
        # The content is deleted once the last open's response has gone out (a background
        # task), which can be after the client has already made its next request.
        for _ in range(100):
            if len(blob_files(server)) < blobs_before:
                break
            await asyncio.sleep(0.05)
        assert len(blob_files(server)) < blobs_before


async def test_view_once_expires_after_its_lifetime(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    photo = await alice.upload(samples.jpeg(100, 100), "photo")
    sent = await alice.send_view_once(chat, photo["id"])
    server.clock.advance(server.settings.media_view_once_ttl_s + 60)
    try:
        await refused(bob.open_view_once(chat, sent["seq"]), "gone", 410)
    finally:
        server.clock.advance(-(server.settings.media_view_once_ttl_s + 60))


async def test_forward_shares_media_by_reference(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol, eve = await people(server, closing, "Alice", "Bob", "Carol", "Eve")
    chat = await befriend(alice, bob)
    photo = await alice.upload(samples.png(), "photo")
    sent = await alice.send_photo(chat, photo["id"], caption="look")
    await refused(carol.download(photo["id"]), "not_found", 404)
    group = int((await bob.create_group("G", []))["id"])
    await befriend(bob, carol)
    await bob.add_members(group, [uid(carol)])
    fwd = await bob.forward(chat, sent["seq"], group)
    assert fwd["kind"] == "photo" and fwd["data"]["media"] == photo["id"] and fwd["text"] == "look"
    assert (await carol.download(photo["id"])).status_code == 200  # now a member of a chat it is in
    # Sending someone else's media id directly needs the same right to read it.
    pair = await befriend(eve, carol)
    await refused(eve.send_photo(pair, photo["id"]), "not_found", 404)
    assert (await carol.send_photo(pair, photo["id"]))["kind"] == "photo"
    assert (await eve.download(photo["id"])).status_code == 200


async def test_group_album(server: ServerThread, closing: list[Any]) -> None:
    owner, ann, ben, eve = await people(server, closing, "Owner", "Ann", "Ben", "Eve")
    for other in (ann, ben):
        await befriend(owner, other)
    group = int((await owner.create_group("Trip", [uid(ann), uid(ben)]))["id"])
    photos = [await ann.upload(samples.jpeg(60 + i, 40), "photo") for i in range(3)]
    entries = [await ann.album_add(group, p["id"], caption=f"#{i}") for i, p in enumerate(photos)]
    assert entries[0]["uploader"] == uid(ann) and entries[0]["media"]["id"] == photos[0]["id"]

    page = await ben.album(group, limit=2)
    assert [e["caption"] for e in page["entries"]] == ["#2", "#1"] and page["more"] is True
    rest = await ben.album(group, before=page["entries"][-1]["id"], limit=2)
    assert [e["caption"] for e in rest["entries"]] == ["#0"] and rest["more"] is False
    assert (await ben.download(photos[0]["id"])).status_code == 200  # members may read it
    assert page["entries"][0]["media"]["urls"]["thumb"]

    await refused(eve.album(group), "not_member", 404)
    await refused(eve.download(photos[0]["id"]), "not_found", 404)
    await refused(ben.album_remove(group, entries[0]["id"]), "not_allowed", 403)
    await refused(ben.album_add(group, 10**12), "not_found", 404)
    doc = await ben.upload(samples.pdf(), "file")
    await refused(ben.album_add(group, doc["id"]), "unsupported_media", 415)
    await owner.album_remove(group, entries[0]["id"])
    assert len((await ben.album(group))["entries"]) == 2
    direct = await befriend(ann, eve)
    await refused(ann.album(direct), "bad_request", 400)
