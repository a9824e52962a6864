"""Media store end to end: uploads (whole, streamed, resumable), downloads with Range and
caching, signed URLs, access control, size limits, quota and content-addressed storage.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from lianxin.client import ApiError
from tests import media_samples as samples
from tests.harness import ServerThread, befriend, people, refused

pytestmark = pytest.mark.timeout(120)


def blob_files(server: ServerThread) -> list[Path]:
    root = server.settings.data_dir / "media" / "blobs"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def scratch_files(server: ServerThread) -> list[Path]:
    root = server.settings.data_dir / "media" / "tmp"
    return list(root.iterdir()) if root.exists() else []


async def test_photo_round_trip_strips_gps_keeps_orientation(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, eve = await people(server, closing, "Alice", "Bob", "Eve")
    chat = await befriend(alice, bob)
    original = samples.jpeg(640, 480, gps=True, orientation=6)
    assert samples.GPS_IFD in Image.open(io.BytesIO(original)).getexif()

    photo = await alice.upload(original, "photo", name="beach.jpg", mime="text/plain")
    assert photo["kind"] == "photo" and photo["mime"] == "image/jpeg"  # sniffed, not declared
    assert (photo["width"], photo["height"]) == (480, 640)  # rotated by its orientation
    assert photo["animated"] is False and photo["variants"] == ["thumb"]

    sent = await alice.send_photo(chat, photo["id"], caption="海边")
    assert sent["kind"] == "photo" and sent["text"] == "海边"
    assert sent["data"]["media"] == photo["id"] and sent["data"]["width"] == 480

    got = await bob.download(photo["id"])
    stored = Image.open(io.BytesIO(got.content))
    exif = stored.getexif()
    assert samples.GPS_IFD not in exif  # location gone
    assert exif[samples.ORIENTATION] == 6 and exif[0x010F] == "LianxinCam"  # the rest kept
    assert stored.size == (640, 480)
    assert got.headers["etag"] == f'"{photo["sha256"]}"'
    assert got.headers["x-content-type-options"] == "nosniff"

    thumb = Image.open(io.BytesIO((await bob.download(photo["id"], variant="thumb")).content))
    assert thumb.format == "JPEG" and max(thumb.size) == 320 and thumb.size[1] > thumb.size[0]

    # Eve is in no chat it was sent into: the id does not exist for her.
    await refused(eve.download(photo["id"]), "not_found", 404)
    await refused(eve.media(photo["id"]), "not_found", 404)
    await refused(bob.download(photo["id"], variant="poster"), "not_found", 404)


async def test_large_photo_gets_preview_and_animated_gif_stays_animated(
    server: ServerThread, closing: list[Any]
) -> None:
    (alice,) = await people(server, closing, "Alice")
    big = await alice.upload(samples.jpeg(2000, 1500), "photo")
    assert big["variants"] == ["preview", "thumb"]
    preview = Image.open(io.BytesIO((await alice.download(big["id"], variant="preview")).content))
    assert preview.size == (1280, 960)

    gif = await alice.upload(samples.animated_gif(5), "photo")
    assert gif["mime"] == "image/gif" and gif["animated"] is True
    again = Image.open(io.BytesIO((await alice.download(gif["id"])).content))
    assert again.n_frames == 5  # type: ignore[attr-defined]


async def test_wrong_types_are_refused(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    err = await refused(
        alice.upload(samples.pdf(), "photo", mime="image/jpeg"), "unsupported_media", 415
    )
    assert err.details["mime"] == "application/pdf"
    await refused(alice.upload(samples.png(), "voice"), "unsupported_media", 415)
    await refused(alice.upload(samples.ogg_opus(1), "video"), "unsupported_media", 415)
    await refused(alice.upload(b"\x00" * 100, "photo"), "unsupported_media", 415)
    await refused(alice.upload(b"", "file"), "bad_request", 400)
    await refused(alice.upload(b"x", "sticker"), "bad_request", 400)
    # A PDF uploaded as a file cannot be sent as a photo.
    doc = await alice.upload(samples.pdf(), "file", name="a.pdf")
    await refused(alice.send_photo(chat, doc["id"]), "unsupported_media", 415)
    await refused(alice.send(chat, "photo", content={"media": "1"}), "bad_request", 400)
    await refused(
        alice.send(chat, "photo", content={"media": doc["id"], "x": 1}), "bad_request", 400
    )
    assert scratch_files(server) == []


async def test_decompression_bomb_is_refused(server: ServerThread, closing: list[Any]) -> None:
    (alice,) = await people(server, closing, "Alice")
    bomb = samples.huge_png(12_000, 12_000)  # 144 megapixels in a few KB
    assert len(bomb) < 100_000
    await refused(alice.upload(bomb, "photo"), "too_large", 413)


async def test_file_download_is_an_attachment(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    doc = await alice.upload(samples.pdf(), "file", name="../../报告 final.pdf")
    assert doc["name"] == "报告 final.pdf" and doc["mime"] == "application/pdf"
    sent = await alice.send_file(chat, doc["id"])
    assert sent["data"]["name"] == "报告 final.pdf" and sent["data"]["size"] == len(samples.pdf())
    got = await bob.download(doc["id"])
    assert got.content == samples.pdf()
    assert got.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
    assert "sandbox" in got.headers["content-security-policy"]


async def test_range_requests_and_caching(server: ServerThread, closing: list[Any]) -> None:
    (alice,) = await people(server, closing, "Alice")
    data = samples.pdf() * 20
    doc = await alice.upload(data, "file")
    size = len(data)

    part = await alice.download(doc["id"], headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == data[:10]
    assert part.headers["content-range"] == f"bytes 0-9/{size}"
    tail = await alice.download(doc["id"], headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == data[-5:]
    rest = await alice.download(doc["id"], headers={"Range": f"bytes={size - 3}-"})
    assert rest.content == data[-3:]
    clipped = await alice.download(doc["id"], headers={"Range": f"bytes=5-{size + 100}"})
    assert clipped.content == data[5:]

    for bad in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"):
        with pytest.raises(ApiError) as err:
            await alice.download(doc["id"], headers={"Range": bad})
        assert err.value.status == 416
    r = await alice._http.get(
        f"/api/v1/media/{doc['id']}/content",
        headers={"Authorization": f"Bearer {alice.token}", "Range": f"bytes={size}-"},
    )
    assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{size}"

    for ignored in ("bytes=abc", "lines=0-3", "bytes=9-2", "bytes=0-1,4-5"):
        whole = await alice.download(doc["id"], headers={"Range": ignored})
        assert whole.status_code == 200 and whole.content == data

    etag = whole.headers["etag"]
    window = server.settings.media_url_ttl_s
    assert whole.headers["cache-control"] == f"private, max-age={window}, immutable"
    assert (await alice.download(doc["id"], headers={"If-None-Match": etag})).status_code == 304
    since = whole.headers["last-modified"]
    assert (
        await alice.download(doc["id"], headers={"If-Modified-Since": since})
    ).status_code == 304
    stale = await alice.download(doc["id"], headers={"If-Range": '"other"', "Range": "bytes=0-1"})
    assert stale.status_code == 200 and stale.content == data


async def test_signed_urls_work_without_a_token_until_they_expire(
    server: ServerThread, closing: list[Any]
) -> None:
    (alice,) = await people(server, closing, "Alice")
    photo = await alice.upload(samples.png(), "photo")
    urls = photo["urls"]
    async with httpx.AsyncClient(base_url=server.url) as anon:
        assert (await anon.get(urls["content"])).content == (
            await alice.download(photo["id"])
        ).content
        assert (await anon.get(urls["thumb"])).headers["content-type"] == "image/jpeg"
        assert (await anon.get(f"/api/v1/media/{photo['id']}/content")).status_code == 401
        tampered = urls["content"].replace(f"/media/{photo['id']}/", f"/media/{photo['id'] + 1}/")
        assert (await anon.get(tampered)).status_code == 404
        wrong_variant = urls["thumb"].replace("variant=thumb", "variant=")
        assert (await anon.get(wrong_variant)).status_code == 404
        late = urls["expires_at"] - server.clock.now_ms() // 1000 + 5
        server.clock.advance(late)
        try:
            assert (await anon.get(urls["content"])).status_code == 404
        finally:
            server.clock.advance(-late)


async def test_identical_uploads_are_stored_once(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    data = samples.jpeg(321, 123)
    before = len(blob_files(server))
    one = await alice.upload(data, "photo")
    after_one = len(blob_files(server))
    two = await bob.upload(data, "photo")
    assert one["id"] != two["id"] and one["sha256"] == two["sha256"]
    if server.settings.media_backend == "local":
        assert after_one == before + 2  # the photo and its thumbnail
        assert len(blob_files(server)) == after_one  # nothing new for the same bytes
    await refused(alice.download(two["id"]), "not_found", 404)  # same bytes, not her object


async def test_size_limits_stop_the_stream(make_server: Any, closing: list[Any]) -> None:
    server = make_server(media_photo_max_bytes=20_000, media_file_max_bytes=50_000)
    (alice,) = await people(server, closing, "Alice")
    big = samples.jpeg(800, 600)
    assert len(big) > 20_000
    await refused(alice.upload(big, "photo"), "too_large", 413)  # by Content-Length

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(200):
            yield b"z" * 1000

    r = await alice._http.post(
        "/api/v1/media",
        params={"kind": "file"},
        content=endless(),  # chunked: no Content-Length, the limit stops the stream
        headers={"Authorization": f"Bearer {alice.token}"},
    )
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    assert scratch_files(server) == []
    assert blob_files(server) == []
    ok = await alice.upload(b"z" * 50_000, "file")
    assert ok["size"] == 50_000


async def test_quota_counts_each_content_once(make_server: Any, closing: list[Any]) -> None:
    server = make_server(media_quota_bytes=100_000)
    (alice,) = await people(server, closing, "Alice")
    first = b"a" * 60_000
    await alice.upload(first, "file")
    await alice.upload(first, "file")  # the same bytes: no more space used
    err = await refused(alice.upload(b"b" * 60_000, "file"), "storage_full", 507)
    assert err.details == {"used": 60_000, "quota": 100_000}
    await refused(alice.start_upload("file", 50_000), "storage_full", 507)
    await alice.upload(b"c" * 40_000, "file")


async def test_chunked_upload_resumes_after_an_interruption(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, eve = await people(server, closing, "Alice", "Eve")
    data = samples.jpeg(1500, 1000, gps=True)
    session = await alice.start_upload("photo", len(data), name="big.jpg")
    upload_id = session["id"]
    assert session["offset"] == 0 and session["size"] == len(data)
    await alice.upload_chunk(upload_id, 0, data[:10_000])

    # The connection drops in the middle of the second chunk.
    async def breaks() -> AsyncIterator[bytes]:
        yield data[10_000:15_000]
        await asyncio.sleep(0.3)
        raise ConnectionAbortedError("network gone")

    # The client's transport (aiohttp) reports the broken body as a network error.
    with pytest.raises(httpx.TransportError):
        await alice._http.patch(
            f"/api/v1/uploads/{upload_id}",
            content=breaks(),
            headers={"Authorization": f"Bearer {alice.token}", "Upload-Offset": "10000"},
        )
    for _ in range(50):  # the server notices the disconnect
        offset = (await alice.upload_status(upload_id))["offset"]
        if offset == 15_000:
            break
        await asyncio.sleep(0.05)
    assert offset == 15_000  # what arrived before the drop is kept

    err = await refused(alice.upload_chunk(upload_id, 10_000, data[10_000:20_000]), "conflict", 409)
    assert err.details == {"offset": 15_000}
    await refused(alice.finish_upload(upload_id), "conflict", 409)
    await refused(eve.upload_status(upload_id), "not_found", 404)
    await refused(eve.upload_chunk(upload_id, 15_000, b"x"), "not_found", 404)
    await refused(alice.upload_chunk(upload_id, 15_000, data[15_000:] + b"extra"), "too_large", 413)

    photo = await alice.upload_chunked(data, "photo", upload_id=upload_id, chunk_size=7_000)
    assert (photo["width"], photo["height"], photo["name"]) == (1500, 1000, "big.jpg")
    stored = Image.open(io.BytesIO((await alice.download(photo["id"])).content))
    assert samples.GPS_IFD not in stored.getexif()
    await refused(alice.upload_status(upload_id), "not_found", 404)  # finished: gone


async def test_chunked_upload_limits(server: ServerThread, closing: list[Any]) -> None:
    (alice,) = await people(server, closing, "Alice")
    limit = server.settings.media_photo_max_bytes
    await refused(alice.start_upload("photo", limit + 1), "too_large", 413)
    session = await alice.start_upload("file", 10)
    await alice.cancel_upload(session["id"])
    await refused(alice.upload_status(session["id"]), "not_found", 404)
    await refused(alice.upload_status("0" * 32), "not_found", 404)
