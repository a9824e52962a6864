"""People you may know: mutual friends and shared groups, reasons, dismissal, exclusions."""

from __future__ import annotations

from typing import Any

from tests.api.test_contacts import NOBODY, expect, users
from tests.harness import ServerThread, befriend, uid


async def test_mutual_friends_and_groups_with_reasons(
    server: ServerThread, closing: list[Any]
) -> None:
    me, f1, f2, fof, mate, owner = await users(
        server, closing, "Me", "F1", "F2", "Fof", "Mate", "Own"
    )
    await befriend(me, f1)
    await befriend(me, f2)
    await befriend(f1, fof)
    await befriend(f2, fof)
    await befriend(owner, me)
    await befriend(owner, mate)
    group = await owner.create_group("Book club", [uid(me), uid(mate)])
    found = {s["user"]["id"]: s for s in await me.call("GET", "/api/v1/suggestions")}
    assert found[uid(fof)]["reason"] == "2 mutual friends"
    assert found[uid(fof)]["mutual_friends"] == 2
    assert found[uid(mate)]["groups"] == [{"id": group["id"], "title": "Book club"}]
    # mate is also a friend of my friend owner: one mutual friend wins the reason.
    assert found[uid(mate)]["reason"] == "1 mutual friend"
    assert uid(owner) not in found and uid(f1) not in found and uid(me) not in found
    assert next(iter(found)) == uid(fof)  # more mutual friends rank first


async def test_group_reason_dismissal_and_blocks(server: ServerThread, closing: list[Any]) -> None:
    me, owner, mate, other = await users(server, closing, "Me", "Own", "Mate", "Other")
    await befriend(owner, me)
    await befriend(owner, mate)
    await befriend(owner, other)
    await owner.create_group("Climbing", [uid(me), uid(mate), uid(other)])
    await owner.remove_friend(uid(mate))
    await owner.remove_friend(uid(other))
    found = {s["user"]["id"]: s for s in await me.call("GET", "/api/v1/suggestions")}
    assert found[uid(mate)]["reason"] == "in group Climbing"
    await me.call("POST", f"/api/v1/suggestions/{uid(mate)}/dismiss")
    await me.call("POST", f"/api/v1/suggestions/{uid(mate)}/dismiss")  # twice is fine
    await other.block(uid(me))
    assert [s["user"]["id"] for s in await me.call("GET", "/api/v1/suggestions")] == []
    await expect("not_found", me.call("POST", f"/api/v1/suggestions/{NOBODY}/dismiss"))
    # Dismissal is mine alone: the mate still sees me.
    assert uid(me) in [s["user"]["id"] for s in await mate.call("GET", "/api/v1/suggestions")]
