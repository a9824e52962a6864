"""Signed media URLs are stable within a window (so browsers cache them across reloads),
bound to one user, and checked against that user's access on every request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests import media_samples as samples
from tests.harness import ServerThread, befriend, people, refused, uid

pytestmark = pytest.mark.timeout(120)


@contextmanager
def window_start(server: ServerThread) -> Iterator[int]:
    """Move the server clock to 10 s into a fresh window (so a test never straddles two);
    yields the window length and puts the clock back afterwards."""
    window = server.settings.media_url_ttl_s
    before = server.clock.offset_ms
    now = server.clock.now_ms() / 1000
    server.clock.advance(window - (now % window) + 10)
    try:
        yield window
    finally:
        server.clock.offset_ms = before  # however far the test moved it


def max_age(resp: httpx.Response) -> int:
    parts = [p.strip() for p in resp.headers["cache-control"].split(",")]
    assert parts[0] == "private" and "immutable" in parts
    return int(next(p for p in parts if p.startswith("max-age="))[8:])


async def test_urls_are_stable_within_a_window_and_cacheable(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    photo = await alice.upload(samples.jpeg(800, 600), "photo")
    await alice.send_photo(chat, photo["id"])
    with window_start(server) as window:
        first = (await alice.media(photo["id"]))["urls"]
        server.clock.advance(window - 20)  # later in the same window
        again = (await alice.media(photo["id"]))["urls"]
        assert again == first  # same URL: the browser's cache answers
        bobs = (await bob.media(photo["id"]))["urls"]
        assert bobs["content"] != first["content"]  # each user's URL is their own
        assert bobs["expires_at"] == first["expires_at"]

        async with httpx.AsyncClient(base_url=server.url) as anon:
            got = await anon.get(first["thumb"])
            assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
            now_s = server.clock.now_ms() // 1000
            assert abs(max_age(got) - (first["expires_at"] - now_s)) <= 2  # never past expiry
            etag = got.headers["etag"]
            again_resp = await anon.get(first["thumb"], headers={"If-None-Match": etag})
            assert again_resp.status_code == 304 and again_resp.content == b""
            assert again_resp.headers["etag"] == etag and max_age(again_resp) > 0
            assert (await anon.get(bobs["thumb"])).content == got.content

            # Someone else's id in the URL breaks the signature.
            query = parse_qs(urlsplit(first["content"]).query)
            assert query["u"] == [str(uid(alice))]
            forged = first["content"].replace(f"u={uid(alice)}", f"u={uid(bob)}")
            assert (await anon.get(forged)).status_code == 404

            server.clock.advance(30)  # the next window: new URLs, the old ones still work
            later = (await alice.media(photo["id"]))["urls"]
            assert later["content"] != first["content"]
            assert later["expires_at"] == first["expires_at"] + window
            assert (await anon.get(first["content"])).status_code == 200
            server.clock.advance(window)  # past the first URL's life
            assert (await anon.get(first["content"])).status_code == 404
            assert (await anon.get(later["content"])).status_code == 200


async def test_a_url_stops_working_when_its_user_loses_access(
    server: ServerThread, closing: list[Any]
) -> None:
    owner, ann, ben, eve = await people(server, closing, "Owner", "Ann", "Ben", "Eve")
    for friend in (ann, ben):
        await befriend(owner, friend)
    group = int((await owner.create_group("Trip", [uid(ann), uid(ben)]))["id"])
    photo = await owner.upload(samples.png(), "photo")
    await owner.send_photo(group, photo["id"])
    anns = (await ann.media(photo["id"]))["urls"]
    bens = (await ben.media(photo["id"]))["urls"]
    await refused(eve.media(photo["id"]), "not_found", 404)
    async with httpx.AsyncClient(base_url=server.url) as anon:
        got = await anon.get(bens["content"])
        assert got.status_code == 200
        etag = got.headers["etag"]

        await owner.remove_member(group, uid(ben))
        # At once, not when the URL expires; a conditional request gets no 304 either.
        assert (await anon.get(bens["content"])).status_code == 404
        cond = await anon.get(bens["content"], headers={"If-None-Match": etag})
        assert cond.status_code == 404
        await refused(ben.download(photo["id"]), "not_found", 404)
        assert (await anon.get(anns["content"])).status_code == 200  # others keep theirs
