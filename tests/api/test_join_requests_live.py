"""Group join requests reach the group's owner and admins live, filed and decided.

Only admins (and the requester, for the decision) get ``join_request`` frames: a plain
member hears nothing, so a big group costs a frame per admin, not per member.
"""

from __future__ import annotations

from typing import Any

from lianxin.client.connection import Connection
from tests.api.test_contacts import barrier, is_t, users
from tests.api.test_groups import group_of
from tests.harness import ServerThread, live, uid


def join_frames(frames: list[Any]) -> list[tuple[int, str]]:
    return [
        (f["request"]["user"]["id"], f["request"]["state"])
        for f in frames
        if is_t("join_request")(f)
    ]


async def quiet(client: Any, conn: Connection) -> list[tuple[int, str]]:
    """The join_request frames ``conn`` got before a barrier of the client's own."""
    return join_frames(await barrier(client, conn))


async def test_admins_hear_requests_filed_and_decided(
    server: ServerThread, closing: list[Any]
) -> None:
    owner, admin, member, dave, erin = await users(
        server, closing, "Owner", "Admin", "Member", "Dave", "Erin"
    )
    gid = await group_of(owner, admin, member)
    await owner.set_role(gid, uid(admin), "admin")
    await owner.set_join_approval(gid, True)
    token = (await owner.group_invite(gid))["token"]
    o_conn, a_conn, m_conn, d_conn = [await live(c, closing) for c in (owner, admin, member, dave)]

    asked = (await dave.join_by_qr(token))["request"]
    for conn in (o_conn, a_conn):
        note = await conn.wait_for(is_t("join_request"))
        assert note["request"]["id"] == asked["id"] and note["request"]["chat"] == gid
        assert (note["request"]["user"]["id"], note["request"]["state"]) == (uid(dave), "pending")
        assert note["request"]["user"]["name"] == "Dave"

    await admin.decide_join(gid, asked["id"], True)
    for conn in (o_conn, a_conn, d_conn):
        note = await conn.wait_for(is_t("join_request"))
        assert (note["request"]["id"], note["request"]["state"]) == (asked["id"], "approved")
        assert note["request"]["user"]["id"] == uid(dave)

    declined = (await erin.join_by_qr(token))["request"]
    await owner.decide_join(gid, declined["id"], False)
    decided = await a_conn.wait_for(
        lambda f: is_t("join_request")(f) and f["request"]["state"] == "declined"
    )
    assert decided["request"]["user"]["id"] == uid(erin)

    # A plain member heard of none of it (but did see Dave join the group).
    assert await quiet(member, m_conn) == []
    assert uid(dave) in [m["id"] for m in await member.members(gid)]


async def test_a_demoted_admin_stops_hearing(server: ServerThread, closing: list[Any]) -> None:
    owner, admin, dave = await users(server, closing, "Owner", "Admin", "Dave")
    gid = await group_of(owner, admin)
    await owner.set_role(gid, uid(admin), "admin")
    await owner.set_join_approval(gid, True)
    token = (await owner.group_invite(gid))["token"]
    await owner.set_role(gid, uid(admin), "member")
    a_conn = await live(admin, closing)
    o_conn = await live(owner, closing)
    await dave.join_by_qr(token)
    await o_conn.wait_for(is_t("join_request"))
    assert await quiet(admin, a_conn) == []
