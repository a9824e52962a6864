"""QR codes: personal codes, group invites with approval, and web sign-in by QR."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from lianxin.client import Client
from tests.api.test_contacts import expect, is_t, users
from tests.harness import ServerThread, befriend, uid


async def anonymous(server: ServerThread, closing: list[Any]) -> Client:
    client = Client(server.url)
    closing.append(client)
    return client


# -- personal codes -------------------------------------------------------------------


async def test_personal_code_resolves_to_the_profile(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    code = await alice.my_qr()
    assert code["url"] == f"lianxin://qr/{code['token']}" and code["kind"] == "user"
    assert (await alice.my_qr())["token"] == code["token"]  # stable until rotated
    seen = await bob.resolve_qr(code["token"])
    assert seen["kind"] == "user" and seen["user"]["id"] == uid(alice)
    assert (seen["friend"], seen["can_add"]) == (False, True)
    req = await bob.send_friend_request(seen["user"]["id"], "scanned you")
    await alice.accept_request(req["id"])
    assert (await bob.resolve_qr(code["token"]))["friend"] is True
    await expect("unauthorized", (await anonymous(server, closing)).resolve_qr(code["token"]))


async def test_rotating_voids_the_old_code(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    old = await alice.my_qr()
    new = await alice.my_qr(rotate=True)
    assert new["token"] != old["token"]
    await expect("not_found", bob.resolve_qr(old["token"]))
    assert (await bob.resolve_qr(new["token"]))["user"]["id"] == uid(alice)
    await expect("not_found", bob.resolve_qr("A" * 22))
    await expect("bad_request", bob.resolve_qr("bad token!"))


async def test_code_obeys_add_policy_and_blocks(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol = await users(server, closing, "Alice", "Bob", "Carol")
    token = (await alice.my_qr())["token"]
    await alice.update_privacy(add_me="nobody")
    assert (await bob.resolve_qr(token))["can_add"] is False
    await expect("not_allowed", bob.send_friend_request(uid(alice)))
    await alice.block(uid(carol))
    await expect("not_found", carol.resolve_qr(token))


async def test_code_images(server: ServerThread, closing: list[Any]) -> None:
    (alice,) = await users(server, closing, "Alice")
    svg = await alice.qr_image("/api/v1/me/qr/image", "svg")
    assert b"<svg" in svg[:200]
    png = await alice.qr_image("/api/v1/me/qr/image", "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    await expect("bad_request", alice.qr_image("/api/v1/me/qr/image", "gif"))


# -- group invites --------------------------------------------------------------------


async def group_of(owner: Client, *members: Client) -> int:
    for m in members:
        await befriend(owner, m)
    group = await owner.create_group("Hikers", [uid(m) for m in members])
    return int(group["id"])


async def test_invite_code_joins_the_group(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol = await users(server, closing, "Alice", "Bob", "Carol")
    gid = await group_of(alice, bob)
    invite = await bob.group_invite(gid)  # any member may show it
    assert invite["expires_at"] - invite["created_at"] == 7 * 86_400_000
    await expect("not_member", carol.group_invite(gid))
    seen = await carol.resolve_qr(invite["token"])
    assert seen["kind"] == "group" and seen["chat"]["title"] == "Hikers"
    assert (seen["member"], seen["approval"]) == (False, False)
    conn = await alice.connect()
    closing.append(conn)
    assert (await carol.join_by_qr(invite["token"]))["state"] == "joined"
    ev = await conn.wait_for(is_t("ev", chat=gid))
    assert ev["data"]["type"] == "members_added" and ev["data"]["users"] == [uid(carol)]
    assert uid(carol) in [m["id"] for m in await alice.members(gid)]
    await expect("conflict", carol.join_by_qr(invite["token"]))
    await expect("bad_request", carol.join_by_qr((await alice.my_qr())["token"]))


async def test_only_admins_regenerate_or_revoke(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol = await users(server, closing, "Alice", "Bob", "Carol")
    gid = await group_of(alice, bob)
    first = await bob.group_invite(gid)
    await expect("not_allowed", bob.group_invite(gid, regenerate=True))
    await expect("not_allowed", bob.revoke_group_invite(gid))
    await expect("not_allowed", bob.set_join_approval(gid, True))
    second = await alice.group_invite(gid, regenerate=True)
    await expect("not_found", carol.join_by_qr(first["token"]))
    await alice.revoke_group_invite(gid)
    await expect("not_found", carol.join_by_qr(second["token"]))
    assert (await bob.group_invite(gid))["token"] not in (first["token"], second["token"])


async def test_invites_expire_after_seven_days(
    make_server: Callable[..., ServerThread], closing: list[Any]
) -> None:
    srv = make_server()
    alice, bob, carol = await users(srv, closing, "Alice", "Bob", "Carol")
    gid = await group_of(alice, bob)
    invite = await alice.group_invite(gid)
    srv.clock.advance(7 * 86_400 + 1)
    await expect("expired", carol.resolve_qr(invite["token"]))
    await expect("expired", carol.join_by_qr(invite["token"]))
    assert (await alice.group_invite(gid))["token"] != invite["token"]


async def test_approval_turns_joins_into_requests(server: ServerThread, closing: list[Any]) -> None:
    alice, bob, carol, dave = await users(server, closing, "Alice", "Bob", "Carol", "Dave")
    gid = await group_of(alice, bob)
    await alice.set_join_approval(gid, True)
    token = (await bob.group_invite(gid))["token"]
    conn = await alice.connect()
    closing.append(conn)
    asked = await carol.join_by_qr(token)
    assert asked["state"] == "pending"
    note = await conn.wait_for(is_t("join_request"))
    assert note["request"]["user"]["id"] == uid(carol)
    assert (await carol.join_by_qr(token))["request"]["id"] == asked["request"]["id"]
    assert uid(carol) not in [m["id"] for m in await alice.members(gid)]
    await expect("not_allowed", bob.join_requests(gid))
    await expect("not_allowed", bob.decide_join(gid, asked["request"]["id"], True))
    await expect("not_member", dave.join_requests(gid))
    assert [r["user"]["id"] for r in await alice.join_requests(gid)] == [uid(carol)]
    assert (await alice.decide_join(gid, asked["request"]["id"], True))["state"] == "approved"
    assert uid(carol) in [m["id"] for m in await alice.members(gid)]
    await expect("conflict", alice.decide_join(gid, asked["request"]["id"], False))
    declined = (await dave.join_by_qr(token))["request"]
    assert (await alice.decide_join(gid, declined["id"], False))["state"] == "declined"
    assert uid(dave) not in [m["id"] for m in await alice.members(gid)]
    await expect("not_found", alice.decide_join(gid, 2**40, True))


async def test_pending_requests_across_the_groups_i_run(
    server: ServerThread, closing: list[Any]
) -> None:
    alice, bob, carol, dave, erin = await users(
        server, closing, "Alice", "Bob", "Carol", "Dave", "Erin"
    )
    mine = await group_of(alice, bob)  # Alice owns it
    theirs = int((await bob.create_group("Bob's", [uid(alice)]))["id"])  # Alice: admin
    other = await group_of(bob, carol)  # Alice is not in it
    await bob.set_role(theirs, uid(alice), "admin")
    for gid in (mine, theirs, other):
        await (alice if gid == mine else bob).set_join_approval(gid, True)
    tokens = {gid: (await bob.group_invite(gid))["token"] for gid in (mine, theirs, other)}
    asked = {
        (gid, uid(who)): (await who.join_by_qr(tokens[gid]))["request"]["id"]
        for gid in (mine, theirs, other)
        for who in (dave, erin)
    }
    await alice.decide_join(mine, asked[(mine, uid(erin))], False)

    pending = await alice.pending_join_requests()
    assert [(r["chat"], r["user"]["id"]) for r in pending] == [
        (mine, uid(dave)),
        (theirs, uid(dave)),
        (theirs, uid(erin)),
    ]
    assert all(r["state"] == "pending" for r in pending)
    # A plain member, or someone running no group, sees none; demoted, Alice sees less.
    assert await carol.pending_join_requests() == []
    assert await dave.pending_join_requests() == []
    await bob.set_role(theirs, uid(alice), "member")
    assert [r["chat"] for r in await alice.pending_join_requests()] == [mine]


# -- web sign-in ----------------------------------------------------------------------


async def test_web_sign_in_by_qr(server: ServerThread, closing: list[Any]) -> None:
    alice, bob = await users(server, closing, "Alice", "Bob")
    browser = await anonymous(server, closing)
    code = await browser.qr_login_start("Chrome on Linux")
    token, secret = code["token"], code["secret"]
    assert code["url"] == f"lianxin://qr/login/{token}"
    assert (await browser.qr_image(f"/api/v1/qr/login/{token}/image", "png")).startswith(b"\x89PNG")
    assert (await browser.qr_login_wait(token, secret, 0))["status"] == "pending"
    await expect("not_found", browser.qr_login_wait(token, "wrong secret", 0))
    await expect("conflict", bob.qr_login_confirm(token))  # not scanned yet
    assert (await bob.qr_login_scan(token))["device_name"] == "Chrome on Linux"
    await expect("not_allowed", alice.qr_login_scan(token))
    await expect("not_allowed", alice.qr_login_confirm(token))
    assert (await browser.qr_login_wait(token, secret, 0))["status"] == "scanned"
    waiting = asyncio.create_task(browser.qr_login_wait(token, secret, 10))
    await asyncio.sleep(0.3)
    await bob.qr_login_confirm(token)
    result = await waiting
    assert result["status"] == "signed_in" and result["user"]["id"] == uid(bob)
    assert (await browser.me())["id"] == uid(bob)
    assert "Chrome on Linux" in [d["name"] for d in await bob.devices()]
    # The code works once.
    await expect("conflict", browser.qr_login_wait(token, secret, 0))
    await expect("conflict", bob.qr_login_scan(token))
    await expect("conflict", bob.qr_login_confirm(token))


async def test_web_sign_in_codes_expire(
    make_server: Callable[..., ServerThread], closing: list[Any]
) -> None:
    srv = make_server()
    (bob,) = await users(srv, closing, "Bob")
    browser = await anonymous(srv, closing)
    code = await browser.qr_login_start()
    await bob.qr_login_scan(code["token"])
    srv.clock.advance(121)
    await expect("expired", bob.qr_login_confirm(code["token"]))
    await expect("expired", browser.qr_login_wait(code["token"], code["secret"], 0))
    assert browser.token is None
    await expect("unauthorized", browser.qr_login_scan(code["token"]))


async def test_a_link_opens_in_the_web_client(server: ServerThread, closing: list[Any]) -> None:
    (alice,) = await users(server, closing, "A")
    token = (await alice.my_qr())["token"]
    async with httpx.AsyncClient(base_url=server.url) as http:
        resp = await http.get(f"/qr/{token}")
        assert (resp.status_code, resp.headers["location"]) == (302, f"/#/qr/{token}")
        assert (await http.get("/qr/no%20spaces")).status_code in (400, 422)
