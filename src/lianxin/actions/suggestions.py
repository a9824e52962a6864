"""People you may know: friends of friends and people in my groups, each with a reason.

Friends, people blocked either way, bots and anyone I dismissed are left out; a
dismissed suggestion stays hidden for good.
"""

from __future__ import annotations

from typing import Any

from lianxin.actions import views
from lianxin.actions.accounts import Identity
from lianxin.errors import Code, LianxinError
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import contacts as contacts_store
from lianxin.store import suggestions as store

LIMIT = 50


def reason(mutual: int, groups: list[dict[str, Any]]) -> str:
    if mutual:
        return f"{mutual} mutual friend" + ("s" if mutual > 1 else "")
    return f"in group {groups[0]['title']}"


async def list_suggestions(svc: Services, me: Identity) -> list[dict[str, Any]]:
    async with svc.db.read() as conn:
        mutual = await store.mutual_counts(conn, me.user_id)
        groups: dict[int, list[dict[str, Any]]] = {}
        for row in await store.group_mates(conn, me.user_id):
            groups.setdefault(row.user_id, []).append({"id": row.chat_id, "title": row.title})
        skip = set(await contacts_store.friend_ids(conn, me.user_id))
        skip |= set(await contacts_store.blocked_ids(conn, me.user_id))
        skip |= set(await contacts_store.blocker_ids(conn, me.user_id))
        skip |= await store.dismissed(conn, me.user_id)
        ids = [u for u in {*mutual, *groups} if u not in skip and u != me.user_id]
        users = await accounts_store.get_users(conn, ids)
    ranked = sorted(ids, key=lambda u: (mutual.get(u, 0), len(groups.get(u, ()))), reverse=True)
    out = []
    for uid in ranked[:LIMIT]:
        if users[uid].is_bot:
            continue
        mine = groups.get(uid, [])
        out.append(
            {
                "user": views.public_user(users[uid]),
                "mutual_friends": mutual.get(uid, 0),
                "groups": mine,
                "reason": reason(mutual.get(uid, 0), mine),
            }
        )
    return out


async def do_dismiss(svc: Services, me: Identity, user_id: int) -> None:
    async with svc.db.write() as conn:
        if await accounts_store.get_user(conn, user_id) is None:
            raise LianxinError(Code.not_found, "no such user")
        await store.dismiss_txn(conn, me.user_id, user_id, svc.clock.now_ms())
