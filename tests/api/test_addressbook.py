"""Address-book sync: matching, privacy, hashed storage, caps, auto-friend, join notices."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable
from typing import Any

from lianxin.client import Client
from tests.api.test_contacts import barrier, expect, is_t, phone, users
from tests.harness import ServerThread, next_phone, uid


def local(number: str) -> str:
    """A +86 number as people type it at home: ``138 1234 5678``."""
    national = number.removeprefix("+86")
    return f"{national[:3]} {national[3:7]} {national[7:]}"


def entry(number: str, name: str = "someone") -> dict[str, str]:
    return {"name": name, "phone": number}


async def test_upload_tells_who_is_on_lianxin(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    stranger = next_phone()
    result = await alice.upload_contacts(
        [entry(local(phone(bob)), "Bobby"), entry(stranger), entry("not a number")]
    )
    assert result["matches"] == [
        {
            "phone": phone(bob),
            "name": "Bobby",
            "user": result["matches"][0]["user"],
            "friend": False,
        }
    ]
    assert result["matches"][0]["user"]["id"] == uid(bob)
    assert result["invalid"] == ["not a number"]
    assert (result["added"], result["total"]) == (2, 2)
    assert [m["user"]["id"] for m in await alice.contact_matches()] == [uid(bob)]
    again = await alice.upload_contacts([entry(phone(bob))])  # already there: nothing new
    assert (again["added"], again["total"]) == (0, 2)
    anonymous = Client(server.url)
    closing.append(anonymous)
    await expect("unauthorized", anonymous.contact_matches())


async def test_numbers_are_read_in_the_uploaders_country(
    server: ServerThread, closing: list[Any]
) -> None:
    (cn,) = await users(server, closing, "CN")
    us_number = f"+1202555{secrets.randbelow(10_000):04d}"
    us = await server.signup("US", phone=us_number)
    closing.append(us)
    # "(202) 555-xxxx" is the US user for another US uploader, not for a Chinese one.
    written = f"({us_number[2:5]}) {us_number[5:8]}-{us_number[8:]}"
    assert (await cn.upload_contacts([entry(written)]))["matches"] == []
    us2 = await server.signup("US2", phone=f"+1212555{secrets.randbelow(10_000):04d}")
    closing.append(us2)
    assert [m["user"]["id"] for m in (await us2.upload_contacts([entry(written)]))["matches"]] == [
        uid(us)
    ]
    us_book = await us.upload_contacts([entry(local(phone(cn))), entry("+86" + local(phone(cn)))])
    assert [m["user"]["id"] for m in us_book["matches"]] == [uid(cn)]


async def test_matching_obeys_find_by_phone_and_blocks(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, hidden, blocker, blocked = await users(server, closing, "A", "Hidden", "Blk", "Bd")
    await hidden.update_privacy(find_by_phone=False)
    await blocker.block(uid(alice))
    await alice.block(uid(blocked))
    book = [entry(phone(c)) for c in (hidden, blocker, blocked)]
    assert (await alice.upload_contacts(book))["matches"] == []
    assert await alice.contact_matches() == []
    await hidden.update_privacy(find_by_phone=True)
    assert [m["user"]["id"] for m in await alice.contact_matches()] == [uid(hidden)]


async def test_removing_entries_and_purging(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol = await users(server, closing, "A", "B", "C")
    await alice.upload_contacts([entry(phone(bob)), entry(phone(carol))])
    result = await alice.upload_contacts(remove=[local(phone(bob))])
    assert result["total"] == 1
    assert [m["user"]["id"] for m in await alice.contact_matches()] == [uid(carol)]
    replaced = await alice.upload_contacts([entry(phone(bob))], replace=True)
    assert replaced["total"] == 1
    assert [m["user"]["id"] for m in await alice.contact_matches()] == [uid(bob)]
    assert await alice.purge_contacts() == 1
    assert await alice.contact_matches() == []
    # A purged number no longer announces its owner's arrival.
    newcomer = next_phone()
    await alice.upload_contacts([entry(newcomer)])
    await alice.purge_contacts()
    closing.append(await server.signup("New", phone=newcomer))
    assert await alice.joined_contacts() == []


async def test_bad_uploads_change_nothing(server: ServerThread, closing: list[Any]) -> None:
    (alice,) = await users(server, closing, "A")
    await expect(
        "bad_request",
        alice.call("POST", "/api/v1/addressbook", json={"add": [{"phone": "1", "x": 1}]}),
    )
    await expect("bad_request", alice.call("POST", "/api/v1/addressbook", json={"adds": []}))
    await expect("bad_request", alice.upload_contacts([entry("1" * 41)]))
    assert (await alice.upload_contacts())["total"] == 0


async def test_numbers_of_non_users_are_not_stored_in_plain_text(
    make_server: Callable[..., ServerThread], closing: list[Any]
) -> None:
    srv = make_server()
    alice = await srv.signup("A")
    closing.append(alice)
    outsider = next_phone()
    await alice.upload_contacts([entry(outsider, "Secret Name")])
    srv.stop()  # let go of the files (the WAL is checkpointed on close)
    db = srv.settings.sqlite_path
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    for needle in (outsider, outsider.removeprefix("+"), outsider[-8:], "Secret Name"):
        assert needle.encode() not in raw
    with sqlite3.connect(db) as conn:
        (key,) = conn.execute("SELECT phone_key FROM address_book").fetchone()
    assert len(key) == 64 and outsider[-8:] not in key


async def test_enumeration_is_cut_off_by_the_daily_cap(
    make_server: Callable[..., ServerThread], closing: list[Any]
) -> None:
    srv = make_server(addressbook_new_per_day=30, addressbook_max_entries=1000)
    alice = await srv.signup("A")
    closing.append(alice)
    numbers = [next_phone() for _ in range(40)]
    await alice.upload_contacts([entry(n) for n in numbers[:25]])
    err = await expect("rate_limited", alice.upload_contacts([entry(n) for n in numbers[25:35]]))
    assert err.details["retry_after_s"] > 0
    # The refused batch stored nothing; removing and re-adding still counts as new.
    assert (await alice.upload_contacts())["total"] == 25
    await alice.upload_contacts(remove=numbers[:5])
    await alice.upload_contacts([entry(n) for n in numbers[:5]])
    await expect("rate_limited", alice.upload_contacts([entry(numbers[39])]))
    srv.clock.advance(86_400)
    assert (await alice.upload_contacts([entry(numbers[39])]))["added"] == 1


async def test_stored_entries_are_capped(
    make_server: Callable[..., ServerThread], closing: list[Any]
) -> None:
    srv = make_server(addressbook_max_entries=10, addressbook_max_per_request=12)
    alice = await srv.signup("A")
    closing.append(alice)
    numbers = [next_phone() for _ in range(13)]
    await expect("bad_request", alice.upload_contacts([entry(n) for n in numbers]))
    await alice.upload_contacts([entry(n) for n in numbers[:8]])
    await expect("quota_exceeded", alice.upload_contacts([entry(n) for n in numbers[8:11]]))
    assert (await alice.upload_contacts([entry(numbers[8]), entry(numbers[9])]))["total"] == 10


async def test_mutual_numbers_make_friends(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    conn = await bob.connect()
    closing.append(conn)
    first = await alice.upload_contacts([entry(phone(bob))])
    assert first["auto_friended"] == []
    assert await alice.friends() == []
    second = await bob.upload_contacts([entry(local(phone(alice)))])
    assert second["auto_friended"] == [uid(alice)]
    assert second["matches"][0]["friend"] is True
    friend = await conn.wait_for(is_t("friend"))
    assert friend["user"]["id"] == uid(alice) and friend["active"] is True
    ev = await conn.wait_for(is_t("ev"))
    assert ev["data"] == {"type": "friends", "users": [uid(bob), uid(alice)]}
    assert [f["id"] for f in await alice.friends()] == [uid(bob)]
    chats = await alice.chats()
    assert [c["peer"]["id"] for c in chats if c["kind"] == "direct"] == [uid(bob)]


async def test_auto_friend_needs_both_sides(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol = await users(server, closing, "Alice", "Bob", "Carol")
    await bob.update_privacy(auto_friend=False)
    await alice.upload_contacts([entry(phone(bob)), entry(phone(carol))])
    assert (await bob.upload_contacts([entry(phone(alice))]))["auto_friended"] == []
    await carol.update_privacy(auto_friend=False)
    await carol.update_privacy(auto_friend=True)
    await carol.block(uid(alice))
    assert (await carol.upload_contacts([entry(phone(alice))]))["auto_friended"] == []
    assert await alice.friends() == []
    assert (await alice.me())["privacy"]["auto_friend"] is True


async def test_joining_tells_people_who_have_the_number(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, dave = await users(server, closing, "Alice", "Dave")
    number = next_phone()
    await alice.upload_contacts([entry(local(number), "Newbie")])
    conn = await alice.connect()
    dave_conn = await dave.connect()
    closing.extend([conn, dave_conn])
    newbie = await server.signup("Newbie", phone=number)
    closing.append(newbie)
    joined = await conn.wait_for(is_t("contact_joined"))
    assert joined["user"]["id"] == uid(newbie)
    assert [j["user"]["id"] for j in await alice.joined_contacts()] == [uid(newbie)]
    assert [m["user"]["id"] for m in await alice.contact_matches()] == [uid(newbie)]
    assert not [f for f in await barrier(dave, dave_conn) if f["t"] == "contact_joined"]
    assert await dave.joined_contacts() == []
    # A notice disappears for someone who blocks the newcomer.
    await alice.block(uid(newbie))
    assert await alice.joined_contacts() == []
