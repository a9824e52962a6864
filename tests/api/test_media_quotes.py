"""A reply to a media message carries what names it, so a device that never loaded the
quoted message still shows "[Voice 0:02]", "[File] plan.pdf" or a photo's thumbnail."""

from __future__ import annotations

from typing import Any

import pytest

from tests import media_samples as samples
from tests.harness import ServerThread, befriend, people

pytestmark = pytest.mark.timeout(120)


async def test_replies_to_media_carry_naming_data(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    photo = await alice.upload(samples.jpeg(640, 480), "photo")
    pic = await alice.send_photo(chat, photo["id"], caption="the pier")
    note = await alice.upload(samples.ogg_opus(2.0), "voice")
    voice = await alice.send_voice(chat, note["id"])
    doc = await alice.upload(samples.pdf(), "file", name="plan.pdf")
    file = await alice.send_file(chat, doc["id"])
    secret = await alice.send_view_once(chat, (await alice.upload(samples.png(), "photo"))["id"])

    on_pic = (await bob.send_text(chat, "nice", reply_to=pic["seq"]))["data"]["reply"]
    assert on_pic["text"] == "the pier" and on_pic["kind"] == "photo"
    assert on_pic["data"]["media"] == photo["id"] and on_pic["data"]["variants"] == ["thumb"]
    assert "mime" not in on_pic["data"] and "size" not in on_pic["data"]  # only what names it

    on_voice = (await bob.send_text(chat, "ok", reply_to=voice["seq"]))["data"]["reply"]
    assert 1900 <= on_voice["data"]["duration_ms"] <= 2100
    assert "waveform" not in on_voice["data"]

    on_file = (await bob.send_text(chat, "read it", reply_to=file["seq"]))["data"]["reply"]
    assert on_file["data"]["name"] == "plan.pdf"

    on_secret = (await bob.send_text(chat, "?", reply_to=secret["seq"]))["data"]["reply"]
    assert on_secret == {"seq": secret["seq"], "from": pic["from"], "kind": "view_once"}

    await alice.recall(chat, voice["seq"])
    late = (await bob.send_text(chat, "gone", reply_to=voice["seq"]))["data"]["reply"]
    assert late == {"seq": voice["seq"], "from": voice["from"], "kind": "voice", "recalled": True}
