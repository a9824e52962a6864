"""Direct chats and groups: membership, roles, settings, and the chat list.

Every change visible to members is appended to the chat's event log as a ``system``
event (so devices that were offline replay it in order), then published after commit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import bot_fanout, views
from lianxin.actions.accounts import Identity
from lianxin.errors import Code, LianxinError, Reason
from lianxin.events import publish
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import bots as bots_store
from lianxin.store import chats as store
from lianxin.store import contacts as contacts_store
from lianxin.store import official as official_store

ROLES = ("owner", "admin", "member")
TITLE_MAX = 64
ANNOUNCEMENT_MAX = 2000


def direct_key(a: int, b: int) -> str:
    lo, hi = sorted((a, b))
    return f"{lo}:{hi}"


async def publish_event(
    svc: Services,
    row: Row[Any],
    *,
    exclude: str | None = None,
    joined: Iterable[int] = (),
    left: Iterable[int] = (),
    event: dict[str, Any] | None = None,
) -> None:
    """Fan a stored chat event out to every member's sessions (call after commit).

    ``event``: ``views.event(row)`` if the caller built it already."""
    await publish.to_chat(
        svc.bus,
        row.chat_id,
        views.event(row) if event is None else event,
        seq=row.seq,
        exclude=exclude,
        joined=joined,
        left=left,
    )


async def ensure_direct_txn(conn: AsyncConnection, a: int, b: int, now: int) -> tuple[int, bool]:
    """The one direct chat of a pair, created on first use; (chat id, created)."""
    key = direct_key(a, b)
    existing = await store.get_direct_chat(conn, key)
    if existing is not None:
        return int(existing.id), False
    chat_id = await store.insert_chat_txn(conn, kind="direct", title="", direct_key=key, now=now)
    for uid in (a, b):
        await store.add_member_txn(
            conn, chat_id=chat_id, user_id=uid, role="member", joined_seq=0, now=now
        )
    await store.update_chat_txn(conn, chat_id, {"member_count": 2})
    await bot_fanout.joined_txn(conn, chat_id, [], (a, b), now)
    return chat_id, True


async def access_member(conn: AsyncConnection, chat_id: int, user_id: int) -> Row[Any]:
    """The caller's active membership, or ``not_member`` (404: other people's chats don't exist)."""
    member = await store.get_member(conn, chat_id, user_id)
    if member is None or not member.active:
        raise LianxinError(Code.not_member, "no such chat")
    return member


async def access_readable(
    conn: AsyncConnection, chat_id: int, user_id: int
) -> tuple[Row[Any], int]:
    """Membership plus the highest seq the user may read (their leave point, if gone)."""
    member = await store.get_member(conn, chat_id, user_id)
    if member is None:
        raise LianxinError(Code.not_member, "no such chat")
    chat = await store.get_chat(conn, chat_id)
    assert chat is not None
    upto = chat.last_seq if member.active else (member.left_seq or 0)
    return member, int(upto)


async def check_direct_allowed(
    conn: AsyncConnection, sender: int, peer: int, standing: Row[Any] | None = None
) -> None:
    """Blocks stop 1:1 messages both ways; strangers only when the peer allows them, or
    when one is an official account the other follows.

    ``standing``: the pair's ``contacts_store.standing`` if the caller read it already."""
    if standing is None:
        standing = await contacts_store.standing(conn, sender, peer)
    if standing.a_blocked_b:
        raise LianxinError(
            Code.blocked,
            "you blocked this user; unblock them to send",
            reason=Reason.blocked_by_me,
        )
    if standing.b_blocked_a:
        raise LianxinError(
            Code.blocked, "this user is not accepting your messages", reason=Reason.blocked
        )
    if standing.friends:
        return
    if await bots_store.bot_ids_among(conn, [sender, peer]):
        return  # anyone may start a bot; it answers in chats users opened (actions/bots.py)
    if await official_store.follows_either_way(conn, sender, peer):
        return  # an official account and its active follower (actions/official.py)
    target = await accounts_store.get_user(conn, peer)
    if target is None or not target.stranger_messages:
        raise LianxinError(
            Code.not_friends,
            "add this user as a friend to message them",
            reason=Reason.strangers_off,
        )


def _check_admin(member: Row[Any]) -> None:
    if member.role not in ("owner", "admin"):
        raise LianxinError(Code.not_allowed, "only the group owner or an admin can do this")


async def _lock_group_txn(
    conn: AsyncConnection, chat_id: int, user_id: int
) -> tuple[Row[Any], Row[Any]]:
    """The group (row locked until commit) and the caller's active membership.

    Taking the lock before reading members serialises changes to one group across nodes,
    so member counts, limits and roles are decided on current data, never a stale read.
    """
    chat = await store.lock_chat_txn(conn, chat_id)
    member = await access_member(conn, chat_id, user_id)
    assert chat is not None  # a membership implies its chat
    if chat.kind != "group":
        raise LianxinError(Code.bad_request, "this works on groups only")
    return chat, member


def check_title(title: str) -> str:
    """A group name is one line: whitespace runs become one space, control characters
    (which PostgreSQL may refuse to store, and nobody can see) are refused."""
    cleaned = " ".join(title.split())
    if not cleaned or len(cleaned) > TITLE_MAX:
        raise LianxinError(Code.bad_request, f"a group name is 1 to {TITLE_MAX} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        raise LianxinError(Code.bad_request, "a group name cannot contain control characters")
    return cleaned


def check_announcement(text: str) -> str:
    """An announcement is free text (empty clears it), like a message: no NUL characters."""
    cleaned = text.strip()
    if len(cleaned) > ANNOUNCEMENT_MAX:
        raise LianxinError(Code.bad_request, f"at most {ANNOUNCEMENT_MAX} characters")
    if "\x00" in cleaned:
        raise LianxinError(Code.bad_request, "an announcement cannot contain NUL characters")
    return cleaned


async def _names(conn: AsyncConnection, ids: Iterable[int]) -> dict[str, str]:
    return {str(uid): row.name for uid, row in (await accounts_store.get_users(conn, ids)).items()}


# -- reading ---------------------------------------------------------------------------


async def summaries(
    conn: AsyncConnection,
    user_id: int,
    memberships: Sequence[Row[Any]],
    *,
    chats: Mapping[int, Row[Any]] | None = None,
    users: Mapping[int, Row[Any]] | None = None,
) -> list[dict[str, Any]]:
    """Chat-list entries for these memberships of one user, in chat-list order.

    ``chats`` (holding every membership's chat) and ``users``: rows the caller read in
    the same scope (a sync), not read again; users missing from ``users`` are read.
    """
    if not memberships:
        return []
    chat_rows = (
        chats
        if chats is not None
        else await store.get_chats(conn, [m.chat_id for m in memberships])
    )
    direct_ids = [m.chat_id for m in memberships if chat_rows[m.chat_id].kind == "direct"]
    peers = await store.direct_peers(conn, direct_ids, user_id)
    known = users or {}
    missing = [u for u in [user_id, *(p.user_id for p in peers.values())] if u not in known]
    peer_users = {**known, **await accounts_store.get_users(conn, missing)} if missing else known
    my_receipts = user_id in peer_users and bool(peer_users[user_id].read_receipts)
    unread = await store.unread_counts(conn, user_id)
    tops = {
        m.chat_id: (chat_rows[m.chat_id].last_seq if m.active else m.left_seq or 0)
        for m in memberships
    }
    lasts = await store.last_events_of(conn, user_id, tops)
    out = []
    for m in memberships:
        chat = chat_rows[m.chat_id]
        last = lasts.get(m.chat_id)
        entry: dict[str, Any] = {
            "id": chat.id,
            "kind": chat.kind,
            "title": chat.title,
            "announcement": chat.announcement,
            "member_count": chat.member_count,
            "last_seq": tops[m.chat_id],
            "last_activity_at": chat.last_activity_at,
            "active": bool(m.active),
            "role": m.role,
            "visible_from": m.joined_seq,
            "read_seq": m.read_seq,
            "unread": unread.get(m.chat_id, 0) if m.active else 0,
            "muted": bool(m.muted),
            "pinned": m.pinned_at is not None,
            "pinned_at": m.pinned_at,
            "archived": bool(m.archived),
            "last": views.event(last) if last is not None and last.seq > m.joined_seq else None,
        }
        peer = peers.get(m.chat_id)
        if peer is not None:
            entry["peer"] = views.public_user(peer_users[peer.user_id])
            entry["title"] = peer_users[peer.user_id].name
            if my_receipts and peer_users[peer.user_id].read_receipts:
                entry["peer_read_seq"] = peer.read_seq  # receipts.py: both ways or not at all
            entry["peer_delivered_seq"] = peer.delivered_seq
        out.append(entry)
    out.sort(key=_list_order, reverse=True)
    return out


def _list_order(entry: dict[str, Any]) -> tuple[bool, int, int]:
    """Pinned chats first, then the most recent activity; the newer chat wins a tie."""
    return entry["pinned"], entry["last_activity_at"], entry["id"]


async def list_chats(svc: Services, me: Identity) -> list[dict[str, Any]]:
    async with svc.db.read() as conn:
        rows = await store.memberships_of(conn, me.user_id, None)
        return await summaries(conn, me.user_id, rows)


async def access_chat(svc: Services, me: Identity, chat_id: int) -> dict[str, Any]:
    async with svc.db.read() as conn:
        member = await store.get_member(conn, chat_id, me.user_id)
        if member is None:
            raise LianxinError(Code.not_member, "no such chat")
        return (await summaries(conn, me.user_id, [member]))[0]


async def list_members(svc: Services, me: Identity, chat_id: int) -> list[dict[str, Any]]:
    async with svc.db.read() as conn:
        await access_member(conn, chat_id, me.user_id)
        rows = await store.active_members(conn, chat_id)
        users = await accounts_store.get_users(conn, [r.user_id for r in rows])
    return [
        {**views.public_user(users[r.user_id]), "role": r.role, "joined_at": r.joined_at}
        for r in rows
    ]


# -- direct chats ----------------------------------------------------------------------


async def do_open_direct(svc: Services, me: Identity, peer_id: int) -> dict[str, Any]:
    """The direct chat with ``peer_id``, created when messaging them is allowed."""
    if peer_id == me.user_id:
        raise LianxinError(Code.bad_request, "you cannot chat with yourself")
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        if await accounts_store.get_user(conn, peer_id) is None:
            raise LianxinError(Code.not_found, "no such user")
        existing = await store.get_direct_chat(conn, direct_key(me.user_id, peer_id))
        if existing is None:
            await check_direct_allowed(conn, me.user_id, peer_id)
        chat_id, _ = await ensure_direct_txn(conn, me.user_id, peer_id, now)
        member = await store.get_member(conn, chat_id, me.user_id)
        assert member is not None
        return (await summaries(conn, me.user_id, [member]))[0]


# -- groups ----------------------------------------------------------------------------


async def do_create_group(
    svc: Services, me: Identity, title: str, member_ids: list[int]
) -> dict[str, Any]:
    """A new group owned by me, with friends of mine as the first members."""
    title = check_title(title)
    invited = [u for u in dict.fromkeys(member_ids) if u != me.user_id]
    if 1 + len(invited) > svc.settings.group_member_limit:
        raise LianxinError(Code.member_limit, "too many members for one group")
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        await _check_invitable(conn, me.user_id, invited)
        chat_id = await store.insert_chat_txn(
            conn, kind="group", title=title, direct_key=None, now=now
        )
        everyone = [me.user_id, *invited]
        for uid in everyone:
            role = "owner" if uid == me.user_id else "member"
            await store.add_member_txn(
                conn, chat_id=chat_id, user_id=uid, role=role, joined_seq=0, now=now
            )
        await store.update_chat_txn(conn, chat_id, {"member_count": len(everyone)})
        event = await store.append_event_txn(
            conn,
            chat_id=chat_id,
            sender_id=me.user_id,
            kind="system",
            now=now,
            data={
                "type": "created",
                "by": me.user_id,
                "title": title,
                "users": everyone,
                "names": await _names(conn, everyone),
            },
        )
        await bot_fanout.joined_txn(conn, chat_id, [], everyone, now, event)
        member = await store.get_member(conn, chat_id, me.user_id)
        assert member is not None
        summary = (await summaries(conn, me.user_id, [member]))[0]
    await publish_event(svc, event, joined=everyone)
    return summary


async def _check_invitable(conn: AsyncConnection, inviter: int, user_ids: list[int]) -> None:
    for uid in user_ids:
        if await accounts_store.get_user(conn, uid) is None:
            raise LianxinError(Code.not_found, f"no such user: {uid}")
        is_bot = bool(await bots_store.bot_ids_among(conn, [uid]))  # bots need no friendship
        if not is_bot and not await contacts_store.are_friends(conn, inviter, uid):
            raise LianxinError(Code.not_friends, "you can only add your friends to a group")
        if await contacts_store.block_between(conn, inviter, uid):
            raise LianxinError(Code.not_allowed, "this user cannot be added")


async def do_update_group(
    svc: Services,
    me: Identity,
    chat_id: int,
    *,
    title: str | None = None,
    announcement: str | None = None,
) -> dict[str, Any]:
    """Rename (any member) or set the announcement (owner / admin)."""
    now = svc.clock.now_ms()
    events = []
    async with svc.db.write() as conn:
        _, member = await _lock_group_txn(conn, chat_id, me.user_id)
        if title is not None:
            title = check_title(title)
            await store.update_chat_txn(conn, chat_id, {"title": title})
            events.append(
                await store.append_event_txn(
                    conn,
                    chat_id=chat_id,
                    sender_id=me.user_id,
                    kind="system",
                    now=now,
                    data={"type": "renamed", "by": me.user_id, "title": title},
                )
            )
        if announcement is not None:
            _check_admin(member)
            text = check_announcement(announcement)
            await store.update_chat_txn(conn, chat_id, {"announcement": text})
            events.append(
                await store.append_event_txn(
                    conn,
                    chat_id=chat_id,
                    sender_id=me.user_id,
                    kind="system",
                    now=now,
                    data={"type": "announcement", "by": me.user_id, "text": text},
                )
            )
        fresh = await store.get_member(conn, chat_id, me.user_id)
        assert fresh is not None
        summary = (await summaries(conn, me.user_id, [fresh]))[0]
    for event in events:
        await publish_event(svc, event)
    return summary


async def do_add_members(
    svc: Services, me: Identity, chat_id: int, user_ids: list[int]
) -> list[int]:
    """Any member may add their friends (WeChat's default); returns who was added."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        chat, _ = await _lock_group_txn(conn, chat_id, me.user_id)
        current = set(await store.active_member_ids(conn, chat_id))
        new = [u for u in dict.fromkeys(user_ids) if u not in current]
        if not new:
            return []
        if len(current) + len(new) > svc.settings.group_member_limit:
            raise LianxinError(Code.member_limit, "the group is full")
        await _check_invitable(conn, me.user_id, new)
        event = await store.append_event_txn(
            conn,
            chat_id=chat_id,
            sender_id=me.user_id,
            kind="system",
            now=now,
            data={
                "type": "members_added",
                "by": me.user_id,
                "users": new,
                "names": await _names(conn, new),
            },
        )
        for uid in new:
            # New members see history from the event that added them.
            await store.add_member_txn(
                conn, chat_id=chat_id, user_id=uid, role="member", joined_seq=event.seq - 1, now=now
            )
        await store.update_chat_txn(conn, chat_id, {"member_count": chat.member_count + len(new)})
        await bot_fanout.joined_txn(conn, chat_id, bot_fanout.bot_ids(chat), new, now, event)
    await publish_event(svc, event, joined=new)
    return new


async def do_remove_member(svc: Services, me: Identity, chat_id: int, user_id: int) -> None:
    """Owner removes anyone; admins remove plain members."""
    if user_id == me.user_id:
        raise LianxinError(Code.bad_request, "use leave to leave a group")
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        chat, member = await _lock_group_txn(conn, chat_id, me.user_id)
        _check_admin(member)
        target = await store.get_member(conn, chat_id, user_id)
        if target is None or not target.active:
            raise LianxinError(Code.not_found, "not a member of this group")
        if member.role == "admin" and target.role != "member":
            raise LianxinError(Code.not_allowed, "admins can only remove members")
        event = await store.append_event_txn(
            conn,
            chat_id=chat_id,
            sender_id=me.user_id,
            kind="system",
            now=now,
            data={
                "type": "member_removed",
                "by": me.user_id,
                "user": user_id,
                "names": await _names(conn, [user_id]),
            },
        )
        await _end_membership_txn(conn, chat, user_id, event.seq, now)
        await bot_fanout.left_txn(conn, chat, user_id, event, now)
    await publish_event(svc, event, left=[user_id])


async def do_leave(svc: Services, me: Identity, chat_id: int) -> None:
    """Leave a group; an owner who leaves hands ownership to the longest-serving admin/member."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        chat, member = await _lock_group_txn(conn, chat_id, me.user_id)
        heir = None
        if member.role == "owner":
            others = [
                m for m in await store.active_members(conn, chat_id) if m.user_id != me.user_id
            ]
            admins = [m for m in others if m.role == "admin"]
            heir = (admins or others)[0] if (admins or others) else None
        data: dict[str, Any] = {
            "type": "member_left",
            "user": me.user_id,
            "names": await _names(conn, [me.user_id]),
        }
        if heir is not None:
            data["new_owner"] = heir.user_id
            await store.update_member_txn(
                conn, chat_id, heir.user_id, {"role": "owner", "updated_at": now}
            )
        event = await store.append_event_txn(
            conn, chat_id=chat_id, sender_id=me.user_id, kind="system", now=now, data=data
        )
        await _end_membership_txn(conn, chat, me.user_id, event.seq, now)
    await publish_event(svc, event, left=[me.user_id])


async def _end_membership_txn(
    conn: AsyncConnection, chat: Row[Any], user_id: int, seq: int, now: int
) -> None:
    values = {
        "active": False,
        "left_seq": seq,
        "role": "member",
        "pinned_at": None,
        "updated_at": now,
    }
    await store.update_member_txn(conn, chat.id, user_id, values)
    await store.update_chat_txn(conn, chat.id, {"member_count": chat.member_count - 1})


async def do_set_role(svc: Services, me: Identity, chat_id: int, user_id: int, role: str) -> None:
    """The owner names admins, demotes them, or hands over ownership."""
    if role not in ROLES:
        raise LianxinError(Code.bad_request, "role is owner, admin or member")
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        _, member = await _lock_group_txn(conn, chat_id, me.user_id)
        if member.role != "owner":
            raise LianxinError(Code.not_allowed, "only the group owner can change roles")
        target = await store.get_member(conn, chat_id, user_id)
        if target is None or not target.active or user_id == me.user_id:
            raise LianxinError(Code.not_found, "not another member of this group")
        await store.update_member_txn(conn, chat_id, user_id, {"role": role, "updated_at": now})
        if role == "owner":
            await store.update_member_txn(
                conn, chat_id, me.user_id, {"role": "admin", "updated_at": now}
            )
        event = await store.append_event_txn(
            conn,
            chat_id=chat_id,
            sender_id=me.user_id,
            kind="system",
            now=now,
            data={"type": "role_changed", "by": me.user_id, "user": user_id, "role": role},
        )
    await publish_event(svc, event)


async def do_update_settings(
    svc: Services,
    me: Identity,
    chat_id: int,
    *,
    muted: bool | None = None,
    pinned: bool | None = None,
    archived: bool | None = None,
) -> dict[str, Any]:
    """My own view of a chat (mute / pin / archive), synced to my other devices."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        member = await access_member(conn, chat_id, me.user_id)
        values: dict[str, Any] = {"updated_at": now}
        if muted is not None:
            values["muted"] = muted
        if archived is not None:
            values["archived"] = archived
        if pinned is not None:
            values["pinned_at"] = (member.pinned_at or now) if pinned else None
        await store.update_member_txn(conn, chat_id, me.user_id, values)
        fresh = await store.get_member(conn, chat_id, me.user_id)
        assert fresh is not None
        summary = (await summaries(conn, me.user_id, [fresh]))[0]
    await publish.to_users(svc.bus, [me.user_id], {"t": "chat", "chat": summary})
    return summary
