"""History and resume carry the played / opened marks a viewer needs, so a client draws
voice and view-once bubbles without one marks request per bubble."""

from __future__ import annotations

from typing import Any

import pytest

from tests import media_samples as samples
from tests.harness import ServerThread, befriend, people, uid

pytestmark = pytest.mark.timeout(120)


def by_seq(events: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {e["seq"]: e for e in events}


async def test_pages_carry_my_marks_and_my_notes_counts(
    server: ServerThread, closing: list[Any]
) -> None:
    owner, ann, ben = await people(server, closing, "Owner", "Ann", "Ben")
    for friend in (ann, ben):
        await befriend(owner, friend)
    group = int((await owner.create_group("Band", [uid(ann), uid(ben)]))["id"])
    note = await owner.upload(samples.ogg_opus(1.5), "voice")
    played = await owner.send_voice(group, note["id"])
    unheard = await owner.send_voice(group, note["id"])
    photo = await owner.upload(samples.png(), "photo")
    flash = await owner.send_view_once(group, photo["id"])
    text = await owner.send_text(group, "no marks here")
    reply = await ann.send_voice(group, note["id"])

    assert await ann.mark_played(group, played["seq"])
    assert await ben.mark_played(group, played["seq"])
    await ann.open_view_once(group, flash["seq"])

    anns = by_seq((await ann.history(group))["events"])
    assert anns[played["seq"]]["my_mark"] == "played"
    assert anns[unheard["seq"]]["my_mark"] is None  # said, not left out: no request needed
    assert anns[flash["seq"]]["my_mark"] == "opened"
    assert anns[reply["seq"]]["mark_count"] == 0 and "my_mark" not in anns[reply["seq"]]
    assert "my_mark" not in anns[text["seq"]] and "mark_count" not in anns[text["seq"]]

    bens = by_seq((await ben.history(group))["events"])
    assert bens[played["seq"]]["my_mark"] == "played"
    assert bens[flash["seq"]]["my_mark"] is None  # Ann's opening is not Ben's

    mine = by_seq((await owner.history(group))["events"])
    assert mine[played["seq"]]["mark_count"] == 2
    assert mine[unheard["seq"]]["mark_count"] == 0
    assert mine[flash["seq"]]["mark_count"] == 1
    assert "my_mark" not in mine[played["seq"]]

    # A fresh device of Ben's learns the same in the resume catch-up.
    tablet = await server.signin(ben.account["phone"], device="tablet")  # type: ignore[index]
    closing.append(tablet)
    conn = await tablet.connect()
    closing.append(conn)
    caught = by_seq([e for f in conn.drain() if f.get("t") == "evs" for e in f["events"]])
    assert caught[played["seq"]]["my_mark"] == "played"
    assert caught[unheard["seq"]]["my_mark"] is None
    assert caught[reply["seq"]]["my_mark"] is None

    # Playing on one device shows on the next page of any other.
    assert await ben.mark_played(group, unheard["seq"])
    page = by_seq((await conn.history(group))["events"])
    assert page[unheard["seq"]]["my_mark"] == "played"


async def test_recalled_notes_carry_no_marks(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await people(server, closing, "Alice", "Bob")
    chat = await befriend(alice, bob)
    note = await alice.upload(samples.ogg_opus(1.0), "voice")
    sent = await alice.send_voice(chat, note["id"])
    assert await bob.mark_played(chat, sent["seq"])
    await alice.recall(chat, sent["seq"])
    for who in (alice, bob):
        ev = by_seq((await who.history(chat))["events"])[sent["seq"]]
        assert ev["recalled"] and "my_mark" not in ev and "mark_count" not in ev
