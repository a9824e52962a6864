"""Resume: what a reconnecting device missed, without a reload.

Two kinds of state, two mechanisms:

* **Chat events** (messages, recalls, membership changes, ...) are replayed exactly,
  by each chat's gap-free ``seq``: the device says the last seq it has per chat and
  gets everything after it, in pages. If one chat missed more than
  ``catchup_max_per_chat`` events, only the newest page is sent, with a ``gap`` marker
  the device fills on demand by paging history.
* **State** (chat list entries, friends, requests, profiles, delete-for-me marks) is
  sent as idempotent upserts changed since the ``since`` token. The token is a server
  time minus a safety overlap, so a transaction that committed late is never skipped;
  re-sending a few entries is harmless because they replace, never append.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import chats as chat_actions
from lianxin.actions import media_messages, presence, reactions, views
from lianxin.actions.accounts import Identity
from lianxin.errors import Code, LianxinError
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import chats as chats_store
from lianxin.store import contacts as contacts_store

OVERLAP_MS = 10_000


@dataclass(frozen=True, slots=True)
class CatchUp:
    """Replay events of ``chat`` with after < seq <= upto."""

    chat: int
    after: int
    upto: int
    gap: tuple[int, int] | None = None  # (after, before): events the device must page in


@dataclass(slots=True)
class SyncPlan:
    frame: dict[str, Any]
    catchups: list[CatchUp] = field(default_factory=list)
    # The catch-up's ``evs`` pages, per item of ``catchups`` (read with the plan).
    pages: list[list[list[dict[str, Any]]]] = field(default_factory=list)
    # Per chat, the highest seq the device has once the catch-up is sent.
    tops: dict[int, int] = field(default_factory=dict)


def check_seqs(raw: Any) -> dict[int, int]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(raw) > 100_000:
        raise LianxinError(Code.bad_frame, "seqs is an object of chat id -> last seq")
    try:
        return {int(k): int(v) for k, v in raw.items()}
    except (TypeError, ValueError) as exc:
        raise LianxinError(Code.bad_frame, "seqs is an object of chat id -> last seq") from exc


async def do_sync(
    svc: Services,
    me: Identity,
    since: int | None,
    seqs: dict[int, int],
    *,
    came_online: bool = False,
) -> SyncPlan:
    """The sync frame and catch-up for a device, read in one snapshot.

    ``came_online``: the device's session is the user's first (``presence.came_online``),
    so the friends who may see it are told, from the same reads (friends, blocks both
    ways, the user's setting) instead of a read scope of their own.
    """
    s = svc.settings
    token = svc.clock.now_ms() - OVERLAP_MS
    async with svc.db.read() as conn:
        rows = await chats_store.memberships_of(conn, me.user_id, since)
        chat_rows = await chats_store.get_chats(conn, [m.chat_id for m in rows])
        changed = []
        plan = SyncPlan(frame={})
        for m in rows:
            chat = chat_rows[m.chat_id]
            top = int(chat.last_seq if m.active else m.left_seq or 0)
            floor = int(m.joined_seq)
            have = seqs.get(m.chat_id)
            touched = since is None or chat.updated_at > since or m.updated_at > since
            if have is None or have < top or touched:
                changed.append(m)
            plan.tops[m.chat_id] = max(top, have or 0)
            if have is None:
                start = max(floor, top - s.catchup_page)
                if start < top:
                    plan.catchups.append(CatchUp(m.chat_id, start, top))
            elif have < top:
                start = max(have, floor)
                if top - start > s.catchup_max_per_chat:
                    cut = top - s.catchup_page
                    plan.catchups.append(CatchUp(m.chat_id, cut, top, gap=(start, cut + 1)))
                else:
                    plan.catchups.append(CatchUp(m.chat_id, start, top))
        friend_rows = await contacts_store.friend_rows(conn, me.user_id, since)
        all_friends = await contacts_store.friend_ids(conn, me.user_id)
        requests = await contacts_store.requests_for(conn, me.user_id, since)
        # One read for every user the frame shows: me, friends, both sides of requests
        # (and the chat list's direct peers, who are mostly friends).
        users = await accounts_store.get_users(
            conn,
            [me.user_id, *(f.friend_id for f in friend_rows), *all_friends]
            + [r.from_id for r in requests]
            + [r.to_id for r in requests],
        )
        me_row = users.get(me.user_id)
        chat_list = await chat_actions.summaries(
            conn, me.user_id, changed, chats=chat_rows, users=users
        )
        hidden = (
            await chats_store.hidden_since(conn, me.user_id, since) if since is not None else []
        )
        blocked = await contacts_store.blocked_ids(conn, me.user_id)
        hidden_users = set(blocked)
        hidden_users.update(await contacts_store.blocker_ids(conn, me.user_id))
        seen = await presence.read_presence(conn, me, all_friends, users=users, hidden=hidden_users)
        # The catch-up in the same snapshot: every event up to each top is committed in
        # it, and one scope serves all of the device's chats.
        for item in plan.catchups:
            plan.pages.append(await _pages(conn, me, item, s.catchup_page))
    assert me_row is not None
    if came_online:
        watchers = presence.watchers(me_row, all_friends, hidden_users)
        await presence.announce_online(svc, me.user_id, watchers)
    changed_friend_ids = {f.friend_id for f in friend_rows}
    profile_updates = [
        views.public_user(users[f])
        for f in all_friends
        if f not in changed_friend_ids and since is not None and users[f].updated_at > since
    ]
    friends = [
        {**views.public_user(users[f.friend_id]), **views.friend_meta(f), "active": bool(f.active)}
        for f in friend_rows
    ]
    other = {r.id: (r.from_id if r.to_id == me.user_id else r.to_id) for r in requests}
    plan.frame = {
        "t": "sync",
        "since": token,
        "me": views.own_user(me_row),
        "chats": chat_list,
        "friends": friends,
        "profiles": profile_updates,
        "requests": [
            {**views.request(r), "user": views.public_user(users[other[r.id]])} for r in requests
        ],
        "hidden": [{"chat": h.chat_id, "seq": h.seq} for h in hidden],
        "blocked": blocked,  # the whole (short) list: devices replace theirs
        "presence": await seen.resolve(svc),
        "full": since is None,
    }
    return plan


async def _page(
    conn: AsyncConnection, me: Identity, chat: int, after: int, upto: int, limit: int
) -> list[dict[str, Any]]:
    rows = await chats_store.catchup_events(
        conn, chat, after=after, upto=upto, limit=limit, user_id=me.user_id
    )
    events = [views.event(r) for r in rows]
    events = await reactions.add_mine(conn, chat, me.user_id, events)
    return await media_messages.add_my_marks(conn, chat, me.user_id, events)


async def _pages(
    conn: AsyncConnection, me: Identity, item: CatchUp, limit: int
) -> list[list[dict[str, Any]]]:
    """The events of one catch-up, ``limit`` per page, oldest first."""
    pages = []
    after = item.after
    while after < item.upto:
        events = await _page(conn, me, item.chat, after, item.upto, limit)
        if not events:
            break
        pages.append(events)
        after = events[-1]["seq"]
    return pages


@dataclass(frozen=True, slots=True)
class Fill:
    """Events a live session missed in one chat, and the seq it is then up to."""

    events: list[dict[str, Any]]
    top: int
    gap: tuple[int, int] | None = None


async def do_fill(
    svc: Services, me: Identity, chat_id: int, after: int | None, upto: int | None
) -> Fill:
    """The events of a chat with after < seq <= upto (None: up to its newest) that I may see.

    A session calls this when live delivery skipped seqs (the bus is best effort and
    nodes publish in no global order) or when a chat's routing has just become live
    (a publish between joining and subscribing reached no one here). The database is
    the truth: afterwards the session is up to ``top`` even if some seqs were not mine.
    """
    async with svc.db.read() as conn:
        member = await chats_store.get_member(conn, chat_id, me.user_id)
        chat = await chats_store.get_chat(conn, chat_id)
        if member is None or chat is None:
            return Fill([], max(after or 0, upto or 0))
        ceiling = int(chat.last_seq if member.active else member.left_seq or 0)
        end = ceiling if upto is None else min(upto, ceiling)
        start = max(after or 0, int(member.joined_seq))
        top = max(end, after or 0) if upto is None else max(upto, after or 0)
        if end <= start:
            return Fill([], top)
        s = svc.settings
        gap = None
        if end - start > s.catchup_max_per_chat:
            cut = end - s.catchup_page
            gap, start = (start, cut + 1), cut
        pages = await _pages(conn, me, CatchUp(chat_id, start, end), s.catchup_page)
    return Fill([ev for page in pages for ev in page], top, gap)
