"""Online / last-seen, shown only as the user's privacy setting allows.

A user is online while any of their sessions is live on any node (the bus counts
sessions). Changes are pushed to friends who may see them; anyone else asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions.accounts import Identity
from lianxin.events import publish
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import contacts as contacts_store


async def _hidden_from(conn: AsyncConnection, user_id: int) -> set[int]:
    """Users on either side of a block with this one: presence never crosses a block."""
    hidden = set(await contacts_store.blocked_ids(conn, user_id))
    hidden.update(await contacts_store.blocker_ids(conn, user_id))
    return hidden


async def _visible(
    conn: AsyncConnection, viewer: int, targets: list[Row[Any]], hidden: set[int] | None
) -> set[int]:
    """Whose presence ``viewer`` may see: not across a block either way, and as each
    user's setting says. At most three queries for any number of users (none for
    ``hidden``, :func:`_hidden_from` of the viewer, when the caller read it): every sync asks this for all of the device's
    friends."""
    if not targets:
        return set()
    if hidden is None:
        hidden = await _hidden_from(conn, viewer)
    ask = [t.id for t in targets if t.last_seen_visibility == "friends" and t.id not in hidden]
    befriended = await contacts_store.friended_by(conn, viewer, ask) if ask else set()
    out = set()
    for t in targets:
        if t.id == viewer:
            out.add(t.id)
        elif t.id in hidden:
            continue
        elif t.last_seen_visibility == "everyone" or (
            t.last_seen_visibility == "friends" and t.id in befriended
        ):
            out.add(t.id)
    return out


def watchers(user: Row[Any], friend_ids: list[int], hidden: set[int]) -> list[int]:
    """Friends who may see this user's presence (a block either way hides it, as in
    _visible); ``hidden`` is :func:`hidden_from` of the user."""
    if user.last_seen_visibility == "nobody":
        return []
    return [f for f in friend_ids if f not in hidden]


async def _watchers(conn: AsyncConnection, user: Row[Any]) -> list[int]:
    if user.last_seen_visibility == "nobody":
        return []
    friend_ids = await contacts_store.friend_ids(conn, user.id)
    return watchers(user, friend_ids, await _hidden_from(conn, user.id))


async def came_online(svc: Services, user_id: int, session_id: str) -> bool:
    """Count a new session of the user; True if it is their first (online now), when its
    sync reads the friends to tell (:func:`watchers`) and :func:`announce_online` tells
    them: a resume then reads the database once, not once more for presence."""
    return await svc.bus.presence_add(user_id, session_id)


async def announce_online(svc: Services, user_id: int, watcher_ids: list[int]) -> None:
    frame = {"t": "presence", "user": user_id, "online": True, "last_seen": None}
    await publish.to_users(svc.bus, watcher_ids, frame)


async def do_session_offline(svc: Services, user_id: int, session_id: str) -> None:
    if not await svc.bus.presence_remove(user_id, session_id):
        return
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        await accounts_store.set_last_seen_txn(conn, user_id, now)
        user = await accounts_store.get_user(conn, user_id)
        watchers = await _watchers(conn, user) if user is not None else []
    frame = {"t": "presence", "user": user_id, "online": False, "last_seen": now}
    await publish.to_users(svc.bus, watchers, frame)


async def access_presence(svc: Services, me: Identity, user_ids: list[int]) -> list[dict[str, Any]]:
    """Presence of these users; ``online: null`` where their setting hides it from me."""
    async with svc.db.read() as conn:
        seen = await read_presence(conn, me, user_ids)
    return await seen.resolve(svc)


@dataclass(frozen=True, slots=True)
class Seen:
    """Presence read in a caller's scope; :meth:`resolve` asks the bus who is online."""

    ids: list[int]
    users: dict[int, Row[Any]]
    visible: set[int]

    async def resolve(self, svc: Services) -> list[dict[str, Any]]:
        return _presence(self.ids, self.users, self.visible, await svc.bus.online(self.visible))


async def read_presence(
    conn: AsyncConnection,
    me: Identity,
    user_ids: list[int],
    *,
    users: dict[int, Row[Any]] | None = None,
    hidden: set[int] | None = None,
) -> Seen:
    """The database half of :func:`access_presence`, in the caller's read scope (a sync
    reads it in the same snapshot as the rest of its frame, and passes what it read
    already: ``users`` rows holding these ids, :func:`hidden_from` of ``me``)."""
    ids = list(dict.fromkeys(user_ids))[:500]
    if users is None:
        users = await accounts_store.get_users(conn, ids)
    visible = await _visible(conn, me.user_id, [users[u] for u in ids if u in users], hidden)
    return Seen(ids, users, visible)


def _presence(
    ids: list[int], users: dict[int, Row[Any]], visible: set[int], online: set[int]
) -> list[dict[str, Any]]:
    out = []
    for uid in ids:
        if uid not in users:
            continue
        if uid in visible:
            seen = None if uid in online else users[uid].last_seen_at
            out.append({"user": uid, "online": uid in online, "last_seen": seen})
        else:
            out.append({"user": uid, "online": None, "last_seen": None})
    return out
