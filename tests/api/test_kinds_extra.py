"""Location, contact card and chat record kinds, and the preview a reply carries."""

from __future__ import annotations

from typing import Any

from tests.harness import ServerThread, befriend, refused, uid


async def test_location(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    place = {"lat": 39.9087, "lon": 116.3975, "name": " Tiananmen ", "address": "Beijing"}
    sent = await alice.send(chat, "location", content=place)
    assert sent["data"] == {**place, "name": "Tiananmen"}
    edge = await alice.send(chat, "location", content={"lat": -90, "lon": 180})
    assert edge["data"] == {"lat": -90.0, "lon": 180.0}
    for bad in (
        {"lat": 90.01, "lon": 0},
        {"lat": 0, "lon": -180.5},
        {"lat": "1", "lon": 2},
        {"lat": True, "lon": 2},
        {"lon": 2},
        {"lat": 1, "lon": 2, "name": "x" * 101},
        {"lat": 1, "lon": 2, "address": "a\x00b"},
        {"lat": 1, "lon": 2, "zoom": 3},
    ):
        await refused(alice.send(chat, "location", content=bad), "bad_request")
    await refused(alice.send(chat, "location", text="hi", content=place), "bad_request")
    history = (await bob.history(chat))["events"]
    assert [e["kind"] for e in history[-2:]] == ["location", "location"]


async def test_contact_card_respects_visibility(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol, stranger = [await server.signup(n) for n in ("A", "Bob", "Carol", "S")]
    closing += [alice, bob, carol, stranger]
    chat = await befriend(alice, bob)
    await befriend(alice, carol)
    await carol.update_me(handle="carol_c")
    card = await alice.send(chat, "contact", content={"user": uid(carol)})
    assert card["data"] == {"user": uid(carol), "name": "Carol", "handle": "carol_c"}
    # Forged fields are ignored: the card shows the profile as the sender sees it.
    forged = await alice.send(chat, "contact", content={"user": uid(carol), "name": "Boss"})
    assert forged["data"]["name"] == "Carol"
    await refused(alice.send(chat, "contact", content={"user": uid(stranger)}), "not_found", 404)
    await refused(alice.send(chat, "contact", content={"user": 10**15}), "not_found", 404)
    await refused(alice.send(chat, "contact", content={"user": "x"}), "bad_request")
    await carol.block(uid(alice))
    await refused(alice.send(chat, "contact", content={"user": uid(carol)}), "not_found", 404)
    # Bob can forward the card he received only while he may see Carol too.
    await refused(bob.forward(chat, card["seq"], chat), "not_found", 404)


async def test_reply_carries_a_preview(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    long = await alice.send_text(chat, "长" * 150)
    reply = await bob.send_text(chat, "ok", reply_to=long["seq"])
    assert reply["reply_to"] == long["seq"]
    quote = reply["data"]["reply"]
    assert quote == {"seq": long["seq"], "from": uid(alice), "kind": "text", "text": quote["text"]}
    assert quote["text"] == "长" * 100 + "…"
    loc = await alice.send(chat, "location", content={"lat": 1, "lon": 2})
    on_loc = await bob.send_text(chat, "where?", reply_to=loc["seq"])
    assert on_loc["data"]["reply"] == {"seq": loc["seq"], "from": uid(alice), "kind": "location"}
    # A forwarded reply is a plain copy: no quote of a message from another chat.
    fwd = await bob.forward(chat, reply["seq"], chat)
    assert "reply" not in fwd.get("data", {}) and fwd["data"]["forwarded"]["seq"] == reply["seq"]


async def test_chat_record(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol, eve = [await server.signup(n) for n in ("Alice", "Bob", "Carol", "Eve")]
    closing += [alice, bob, carol, eve]
    source = await befriend(alice, bob)
    target = await befriend(alice, carol)
    m1 = await alice.send_text(source, "dinner at 7?")
    m2 = await bob.send(source, "location", content={"lat": 31.2, "lon": 121.5, "name": "Bund"})
    m3 = await bob.send_text(source, "see you", reply_to=m1["seq"])
    hidden = await bob.send_text(source, "deleted for alice")
    await alice.delete_for_me(source, hidden["seq"])
    recalled = await bob.send_text(source, "recalled")
    await bob.recall(source, recalled["seq"])

    content = {"chat": source, "seqs": [m3["seq"], m1["seq"], m2["seq"]], "title": "Plans"}
    rec = await alice.send(target, "chat_record", content=content)
    data = rec["data"]
    assert data["chat"] == source and data["title"] == "Plans"
    items = data["items"]
    assert [(i["seq"], i["from"], i["name"], i["kind"]) for i in items] == [
        (m1["seq"], uid(alice), "Alice", "text"),
        (m2["seq"], uid(bob), "Bob", "location"),
        (m3["seq"], uid(bob), "Bob", "text"),
    ]
    assert items[0]["text"] == "dinner at 7?" and items[0]["ts"] == m1["ts"]
    assert items[1]["data"]["name"] == "Bund" and "data" not in items[2]  # no reply context

    # Carol got the record and may forward it on; she never was in the source chat.
    again = await carol.forward(target, rec["seq"], target)
    assert again["data"]["items"] == items and again["data"]["forwarded"]["seq"] == rec["seq"]

    async def bad(client: Any, chat: int, body: dict[str, Any], code: str, status: int) -> None:
        await refused(client.send(chat, "chat_record", content=body), code, status)

    await bad(carol, target, {"chat": source, "seqs": [m1["seq"]]}, "not_member", 404)
    await bad(eve, target, {"chat": source, "seqs": [m1["seq"]]}, "not_member", 404)
    await bad(alice, target, {"chat": source, "seqs": [hidden["seq"]]}, "not_found", 404)
    await bad(alice, target, {"chat": source, "seqs": [recalled["seq"]]}, "not_found", 404)
    await bad(alice, target, {"chat": source, "seqs": [1]}, "not_found", 404)  # system event
    await bad(alice, target, {"chat": source, "seqs": [10**6]}, "not_found", 404)
    await bad(alice, target, {"chat": source, "seqs": []}, "bad_request", 400)
    await bad(alice, target, {"chat": source, "seqs": list(range(1, 102))}, "bad_request", 400)
    await bad(alice, target, {"chat": source, "seqs": [m1["seq"]], "x": 1}, "bad_request", 400)
    await bad(alice, target, {"record": {"chat": source, "seq": m1["seq"]}}, "not_found", 404)
    await bad(eve, target, {"record": {"chat": target, "seq": rec["seq"]}}, "not_member", 404)
