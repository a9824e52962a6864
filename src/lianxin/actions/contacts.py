"""Finding people, friend requests, friends and blocks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import chats as chat_actions
from lianxin.actions import views
from lianxin.actions.accounts import Identity, normalize_phone
from lianxin.errors import Code, LianxinError, Reason
from lianxin.events import publish
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import chats as chats_store
from lianxin.store import contacts as store

GREETING_MAX = 200


def _looks_like_phone(query: str) -> bool:
    """A Lianxin ID starts with a letter; anything else is read as a phone number.

    That covers every way people write numbers: ``+86 138…``, ``(202) 555-0143``, ``011 …``.
    """
    return not query[0].isalpha()


async def find_user(svc: Services, me: Identity, query: str) -> dict[str, Any]:
    """Look someone up by Lianxin ID or phone number, as their privacy settings allow."""
    query = query.strip()
    if not query:
        raise LianxinError(Code.bad_request, "type a Lianxin ID or a phone number")
    async with svc.db.read() as conn:
        if _looks_like_phone(query):
            phone = normalize_phone(query, svc.settings.default_region)
            row = await accounts_store.get_user_by_phone(conn, phone)
            allowed = row is not None and bool(row.find_by_phone)
            reason = Reason.phone_unlisted_or_unknown
        else:
            row = await accounts_store.get_user_by_handle(conn, query)
            allowed = row is not None and bool(row.find_by_handle)
            reason = Reason.id_unlisted_or_unknown
        if row is not None and row.id != me.user_id:
            friends = await store.are_friends(conn, me.user_id, row.id)
            allowed = (allowed or friends) and not await store.is_blocked(conn, row.id, me.user_id)
    if row is None or not (allowed or row.id == me.user_id):
        raise LianxinError(Code.not_found, "no one found", reason=reason)
    return views.public_user(row)


async def can_see_profile(conn: AsyncConnection, viewer: int, target: int) -> bool:
    """Friends, people who share a chat, and people with a request between them."""
    if viewer == target:
        return True
    if await store.is_blocked(conn, target, viewer):
        return False
    if await store.are_friends(conn, viewer, target):
        return True
    if await store.pending_request(conn, target, viewer) or await store.pending_request(
        conn, viewer, target
    ):
        return True
    mine = set(await chats_store.chat_ids_of(conn, viewer))
    return bool(mine.intersection(await chats_store.chat_ids_of(conn, target)))


async def access_user(svc: Services, me: Identity, user_id: int) -> dict[str, Any]:
    async with svc.db.read() as conn:
        row = await accounts_store.get_user(conn, user_id)
        visible = row is not None and await can_see_profile(conn, me.user_id, user_id)
    if row is None or not visible:
        raise LianxinError(Code.not_found, "no such user")
    return views.public_user(row)


async def list_friends(svc: Services, me: Identity) -> list[dict[str, Any]]:
    async with svc.db.read() as conn:
        rows = await store.friend_rows(conn, me.user_id, None)
        users = await accounts_store.get_users(conn, [r.friend_id for r in rows])
    return [{**views.public_user(users[r.friend_id]), **views.friend_meta(r)} for r in rows]


async def list_requests(svc: Services, me: Identity) -> dict[str, list[dict[str, Any]]]:
    async with svc.db.read() as conn:
        rows = await store.requests_for(conn, me.user_id, None)
        users = await accounts_store.get_users(
            conn, [r.from_id for r in rows] + [r.to_id for r in rows]
        )
    incoming = [
        {**views.request(r), "user": views.public_user(users[r.from_id])}
        for r in rows
        if r.to_id == me.user_id
    ]
    outgoing = [
        {**views.request(r), "user": views.public_user(users[r.to_id])}
        for r in rows
        if r.from_id == me.user_id
    ]
    return {"incoming": incoming, "outgoing": outgoing}


async def do_send_request(svc: Services, me: Identity, to_id: int, greeting: str) -> dict[str, Any]:
    """Ask to be friends; a crossing request from them makes us friends at once."""
    greeting = greeting.strip()
    if len(greeting) > GREETING_MAX:
        raise LianxinError(Code.bad_request, f"a greeting is at most {GREETING_MAX} characters")
    if to_id == me.user_id:
        raise LianxinError(Code.bad_request, "you cannot add yourself")
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        await store.lock_pair_txn(conn, me.user_id, to_id)
        target = await accounts_store.get_user(conn, to_id)
        if target is None:
            raise LianxinError(Code.not_found, "no such user")
        if await store.is_blocked(conn, me.user_id, to_id):
            raise LianxinError(
                Code.blocked,
                "you blocked this user; unblock them first",
                reason=Reason.blocked_by_me,
            )
        if await store.is_blocked(conn, to_id, me.user_id):
            raise LianxinError(Code.not_allowed, "this user cannot be added", reason=Reason.blocked)
        if await store.are_friends(conn, me.user_id, to_id):
            raise LianxinError(Code.already_friends, "you are already friends")
        crossing = await store.pending_request(conn, to_id, me.user_id)
        if crossing is None:
            await check_add_policy(conn, me.user_id, target)
        existing = await store.pending_request(conn, me.user_id, to_id)
        if crossing is not None:
            request_id = crossing.id
        elif existing is not None:
            await store.update_request_txn(conn, existing.id, {"greeting": greeting}, now)
            request_id = existing.id
        else:
            request_id = await store.insert_request_txn(
                conn, from_id=me.user_id, to_id=to_id, greeting=greeting, now=now
            )
        row = await store.get_request(conn, request_id)
        sender = await accounts_store.get_user(conn, me.user_id)
    assert row is not None and sender is not None
    if crossing is not None:
        accepted = await do_accept_request(svc, me, crossing.id)
        return {**accepted["request"], "chat_id": accepted["chat_id"]}
    frame = {"t": "request", "request": {**views.request(row), "user": views.public_user(sender)}}
    await publish.to_users(svc.bus, [to_id], frame)
    mine: dict[str, Any] = {**views.request(row), "user": views.public_user(target)}
    await publish.to_users(svc.bus, [me.user_id], {"t": "request", "request": mine})
    return mine


async def check_add_policy(conn: AsyncConnection, me: int, target: Row[Any]) -> None:
    """The target's "who can add me": anyone, friends of friends, or nobody."""
    if target.add_policy == "nobody":
        raise LianxinError(
            Code.not_allowed,
            "this user does not accept friend requests",
            reason=Reason.privacy_nobody,
        )
    if target.add_policy == "friends_of_friends" and not await store.have_mutual_friend(
        conn, me, target.id
    ):
        raise LianxinError(
            Code.not_allowed,
            "this user only accepts friends of their friends",
            reason=Reason.privacy_friends_of_friends,
        )


async def befriend_txn(
    conn: AsyncConnection, a: int, b: int, now: int
) -> tuple[int, bool, Row[Any]]:
    """Make a and b friends, with their direct chat and its "friends" event.

    Returns (chat id, whether the chat is new, the event); publish with publish_friends.
    """
    await store.set_friends_txn(conn, a, b, True, now)
    chat_id, created = await chat_actions.ensure_direct_txn(conn, a, b, now)
    event = await chats_store.append_event_txn(
        conn,
        chat_id=chat_id,
        sender_id=None,
        kind="system",
        now=now,
        data={"type": "friends", "users": [a, b]},
    )
    return chat_id, created, event


async def publish_friends(
    svc: Services, users: dict[int, Row[Any]], a: int, b: int, event: Row[Any], created: bool
) -> None:
    """After befriend_txn commits: each side gets ``friend``, the chat gets the event."""
    await publish.to_users(
        svc.bus, [a], {"t": "friend", "user": views.public_user(users[b]), "active": True}
    )
    await publish.to_users(
        svc.bus, [b], {"t": "friend", "user": views.public_user(users[a]), "active": True}
    )
    await chat_actions.publish_event(svc, event, joined=(a, b) if created else ())


async def _lock_request_txn(conn: AsyncConnection, request_id: int) -> Row[Any] | None:
    """The request as it is once no one else is changing things between its two people."""
    req = await store.get_request(conn, request_id)
    if req is None:
        return None
    await store.lock_pair_txn(conn, req.from_id, req.to_id)
    return await store.get_request(conn, request_id)


async def do_accept_request(svc: Services, me: Identity, request_id: int) -> dict[str, Any]:
    """Accept a request sent to me: both become friends and get a direct chat."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        req = await _lock_request_txn(conn, request_id)
        if req is None or req.to_id != me.user_id:
            raise LianxinError(Code.not_found, "no such request")
        if req.state != "pending":
            raise LianxinError(Code.conflict, f"this request was already {req.state}")
        if await store.block_between(conn, req.from_id, req.to_id):
            raise LianxinError(Code.not_allowed, "this user cannot be added")
        await store.update_request_txn(conn, request_id, {"state": "accepted"}, now)
        chat_id, created, event = await befriend_txn(conn, req.from_id, req.to_id, now)
        users = await accounts_store.get_users(conn, [req.from_id, req.to_id])
        updated = await store.get_request(conn, request_id)
    assert updated is not None
    a, b = req.from_id, req.to_id
    await publish.to_users(svc.bus, [a, b], {"t": "request", "request": views.request(updated)})
    await publish_friends(svc, users, a, b, event, created)
    return {"request": views.request(updated), "chat_id": chat_id}


async def do_decline_request(svc: Services, me: Identity, request_id: int) -> dict[str, Any]:
    """Decline a request to me, or cancel one I sent."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        req = await _lock_request_txn(conn, request_id)
        if req is None or me.user_id not in (req.to_id, req.from_id):
            raise LianxinError(Code.not_found, "no such request")
        if req.state != "pending":
            raise LianxinError(Code.conflict, f"this request was already {req.state}")
        state = "declined" if req.to_id == me.user_id else "cancelled"
        await store.update_request_txn(conn, request_id, {"state": state}, now)
        updated = await store.get_request(conn, request_id)
    assert updated is not None
    await publish.to_users(
        svc.bus, [req.from_id, req.to_id], {"t": "request", "request": views.request(updated)}
    )
    return views.request(updated)


async def do_remove_friend(svc: Services, me: Identity, friend_id: int) -> None:
    async with svc.db.write() as conn:
        if not await store.are_friends(conn, me.user_id, friend_id):
            raise LianxinError(Code.not_found, "not a friend")
        await store.set_friends_txn(conn, me.user_id, friend_id, False, svc.clock.now_ms())
    await publish.to_users(
        svc.bus, [me.user_id], {"t": "friend", "user": {"id": friend_id}, "active": False}
    )
    await publish.to_users(
        svc.bus, [friend_id], {"t": "friend", "user": {"id": me.user_id}, "active": False}
    )


async def do_block(svc: Services, me: Identity, user_id: int) -> None:
    """Block someone; pending requests between us are declined. They are not told.

    Only my own devices hear of it (``block``, and the declined requests).
    """
    if user_id == me.user_id:
        raise LianxinError(Code.bad_request, "you cannot block yourself")
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        if await accounts_store.get_user(conn, user_id) is None:
            raise LianxinError(Code.not_found, "no such user")
        await store.lock_pair_txn(conn, me.user_id, user_id)
        added = await store.add_block_txn(conn, me.user_id, user_id, now)
        declined = await _decline_pending_txn(conn, me.user_id, user_id, now)
    if added:
        await publish.to_users(
            svc.bus, [me.user_id], {"t": "block", "user": user_id, "blocked": True}
        )
    for req in declined:
        await publish.to_users(svc.bus, [me.user_id], {"t": "request", "request": req})


async def _decline_pending_txn(
    conn: AsyncConnection, a: int, b: int, now: int
) -> list[dict[str, Any]]:
    """Decline the pending requests between a and b, either way; returns them as updated."""
    declined = []
    for sender, target in ((a, b), (b, a)):
        pending = await store.pending_request(conn, sender, target)
        if pending is not None:
            await store.update_request_txn(conn, pending.id, {"state": "declined"}, now)
            updated = await store.get_request(conn, pending.id)
            assert updated is not None
            declined.append(views.request(updated))
    return declined


async def do_unblock(svc: Services, me: Identity, user_id: int) -> None:
    async with svc.db.write() as conn:
        removed = await store.remove_block_txn(conn, me.user_id, user_id)
    if not removed:
        raise LianxinError(Code.not_found, "this user is not blocked")
    await publish.to_users(svc.bus, [me.user_id], {"t": "block", "user": user_id, "blocked": False})


async def list_blocked(svc: Services, me: Identity) -> list[dict[str, Any]]:
    async with svc.db.read() as conn:
        ids = await store.blocked_ids(conn, me.user_id)
        users = await accounts_store.get_users(conn, ids)
    return [views.public_user(users[i]) for i in ids]
