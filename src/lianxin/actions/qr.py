"""QR codes: a personal code per user and an invite code per group, rendered with segno.

A code carries only a random token; scanning resolves it with ``GET /api/v1/qr/<token>``.
The link in the image is ``<public_url>/qr/<token>`` when the server knows its public
address, else ``lianxin://qr/<token>``. A personal code lasts until it is rotated; a
group code expires after ``qr_group_ttl_s`` (7 days) and admins may regenerate or revoke
it. Groups can require approval: then joining by code files a request admins decide.
"""

from __future__ import annotations

import io
import secrets
from typing import Any, Literal

import segno
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import chats as chat_actions
from lianxin.actions import views
from lianxin.actions.accounts import Identity
from lianxin.actions.contacts import check_add_policy
from lianxin.config import Settings
from lianxin.errors import Code, LianxinError
from lianxin.events import publish
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import chats as chats_store
from lianxin.store import contacts as contacts_store
from lianxin.store import qrcodes as store

ImageFormat = Literal["svg", "png"]
MEDIA_TYPES: dict[str, str] = {"svg": "image/svg+xml", "png": "image/png"}


def new_token() -> str:
    return secrets.token_urlsafe(16)


def link(settings: Settings, token: str) -> str:
    if settings.public_url:
        return f"{settings.public_url.rstrip('/')}/qr/{token}"
    return f"lianxin://qr/{token}"


def render(text: str, fmt: ImageFormat) -> bytes:
    """The QR image of ``text`` (error correction M, a 4-module quiet zone)."""
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(out, kind=fmt, scale=8 if fmt == "png" else 4)
    return out.getvalue()


def _code(settings: Settings, row: Row[Any]) -> dict[str, Any]:
    return {
        "token": row.token,
        "url": link(settings, row.token),
        "kind": row.kind,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
    }


# -- personal codes ----------------------------------------------------------------------


async def do_my_code(svc: Services, me: Identity, *, rotate: bool = False) -> dict[str, Any]:
    """My current personal code (made on first use); ``rotate`` voids every older one."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        row = None if rotate else await store.live_token(conn, "user", me.user_id, now)
        if row is None:
            await store.revoke_tokens_txn(conn, "user", me.user_id, now)
            token = new_token()
            await store.insert_token_txn(
                conn,
                token=token,
                kind="user",
                target=me.user_id,
                by=me.user_id,
                now=now,
                expires_at=None,
            )
            row = await store.get_token(conn, token)
    assert row is not None
    return _code(svc.settings, row)


# -- group invites -----------------------------------------------------------------------


async def _member_of_group(conn: AsyncConnection, chat_id: int, user_id: int) -> Row[Any]:
    member = await chat_actions.access_member(conn, chat_id, user_id)
    chat = await chats_store.get_chat(conn, chat_id)
    assert chat is not None
    if chat.kind != "group":
        raise LianxinError(Code.bad_request, "this works on groups only")
    return member


def _check_admin(member: Row[Any]) -> None:
    if member.role not in ("owner", "admin"):
        raise LianxinError(Code.not_allowed, "only the group owner or an admin can do this")


async def do_group_code(
    svc: Services, me: Identity, chat_id: int, *, regenerate: bool = False
) -> dict[str, Any]:
    """The group's live invite (any member; made if none); admins may ``regenerate`` it."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        member = await _member_of_group(conn, chat_id, me.user_id)
        row = None if regenerate else await store.live_token(conn, "group", chat_id, now)
        if row is None:
            if regenerate:
                _check_admin(member)
            await store.revoke_tokens_txn(conn, "group", chat_id, now)
            token = new_token()
            await store.insert_token_txn(
                conn,
                token=token,
                kind="group",
                target=chat_id,
                by=me.user_id,
                now=now,
                expires_at=now + svc.settings.qr_group_ttl_s * 1000,
            )
            row = await store.get_token(conn, token)
        approval = await store.join_approval(conn, chat_id)
    assert row is not None
    return {**_code(svc.settings, row), "approval": approval}


async def do_revoke_group_code(svc: Services, me: Identity, chat_id: int) -> None:
    async with svc.db.write() as conn:
        _check_admin(await _member_of_group(conn, chat_id, me.user_id))
        await store.revoke_tokens_txn(conn, "group", chat_id, svc.clock.now_ms())


async def do_set_approval(svc: Services, me: Identity, chat_id: int, on: bool) -> dict[str, bool]:
    async with svc.db.write() as conn:
        _check_admin(await _member_of_group(conn, chat_id, me.user_id))
        await store.set_join_approval_txn(conn, chat_id, on, svc.clock.now_ms())
    return {"approval": on}


# -- scanning ----------------------------------------------------------------------------


async def _live(conn: AsyncConnection, token: str, now: int) -> Row[Any]:
    row = await store.get_token(conn, token)
    if row is None or row.revoked_at is not None:
        raise LianxinError(Code.not_found, "this code is not valid")
    if row.expires_at is not None and row.expires_at <= now:
        raise LianxinError(Code.expired, "this code has expired; ask for a new one")
    return row


async def access_code(svc: Services, me: Identity, token: str) -> dict[str, Any]:
    """What a scanned code points at: a profile (and whether I may add them) or a group."""
    async with svc.db.read() as conn:
        row = await _live(conn, token, svc.clock.now_ms())
        if row.kind == "user":
            user = await accounts_store.get_user(conn, row.target_id)
            if user is None or await contacts_store.is_blocked(conn, user.id, me.user_id):
                raise LianxinError(Code.not_found, "this code is not valid")
            friend = await contacts_store.are_friends(conn, me.user_id, user.id)
            can_add = not friend and user.id != me.user_id and await _may_add(conn, me, user)
            return {
                "kind": "user",
                "user": views.public_user(user),
                "friend": friend,
                "can_add": can_add,
            }
        chat = await chats_store.get_chat(conn, row.target_id)
        assert chat is not None
        member = await chats_store.get_member(conn, chat.id, me.user_id)
        return {
            "kind": "group",
            "chat": {"id": chat.id, "title": chat.title, "member_count": chat.member_count},
            "member": member is not None and bool(member.active),
            "approval": await store.join_approval(conn, chat.id),
            "expires_at": row.expires_at,
        }


async def _may_add(conn: AsyncConnection, me: Identity, user: Row[Any]) -> bool:
    try:
        await check_add_policy(conn, me.user_id, user)
    except LianxinError:
        return False
    return not await contacts_store.is_blocked(conn, me.user_id, user.id)


async def do_join(svc: Services, me: Identity, token: str) -> dict[str, Any]:
    """Join a group by its invite code, or file a join request when admins approve joins."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        row = await _live(conn, token, now)
        if row.kind != "group":
            raise LianxinError(Code.bad_request, "this is not a group invite")
        chat = await chats_store.lock_chat_txn(conn, row.target_id)
        assert chat is not None
        current = await chats_store.get_member(conn, chat.id, me.user_id)
        if current is not None and current.active:
            raise LianxinError(Code.conflict, "you are already in this group")
        if await store.join_approval(conn, chat.id):
            pending = await store.pending_join(conn, chat.id, me.user_id)
            request_id = (
                pending.id
                if pending is not None
                else await store.insert_join_request_txn(conn, chat.id, me.user_id, now)
            )
            request = await store.get_join_request(conn, request_id)
            admins = await chats_store.admin_ids(conn, chat.id)
            user = await accounts_store.get_user(conn, me.user_id)
            event = None
        else:
            event = await _add_txn(svc, conn, chat, me.user_id, by=row.created_by, now=now)
    if event is not None:
        await chat_actions.publish_event(svc, event, joined=[me.user_id])
        return {"state": "joined", "chat_id": chat.id}
    assert request is not None and user is not None
    shaped = {**_join_request(request), "user": views.public_user(user)}
    await publish.to_users(svc.bus, admins, {"t": "join_request", "request": shaped})
    return {"state": "pending", "chat_id": chat.id, "request": _join_request(request)}


async def _add_txn(
    svc: Services, conn: AsyncConnection, chat: Row[Any], user_id: int, *, by: int, now: int
) -> Row[Any]:
    """Add one member to a locked group with a ``members_added`` event (``via: qr``)."""
    if chat.member_count + 1 > svc.settings.group_member_limit:
        raise LianxinError(Code.member_limit, "the group is full")
    user = await accounts_store.get_user(conn, user_id)
    assert user is not None
    event = await chats_store.append_event_txn(
        conn,
        chat_id=chat.id,
        sender_id=None,
        kind="system",
        now=now,
        data={
            "type": "members_added",
            "by": by,
            "users": [user_id],
            "names": {str(user_id): user.name},
            "via": "qr",
        },
    )
    await chats_store.add_member_txn(
        conn, chat_id=chat.id, user_id=user_id, role="member", joined_seq=event.seq - 1, now=now
    )
    await chats_store.update_chat_txn(conn, chat.id, {"member_count": chat.member_count + 1})
    return event


def _join_request(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "chat": row.chat_id,
        "user": row.user_id,
        "state": row.state,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


async def list_join_requests(svc: Services, me: Identity, chat_id: int) -> list[dict[str, Any]]:
    async with svc.db.read() as conn:
        _check_admin(await _member_of_group(conn, chat_id, me.user_id))
        rows = await store.pending_joins(conn, chat_id)
        users = await accounts_store.get_users(conn, [r.user_id for r in rows])
    return [{**_join_request(r), "user": views.public_user(users[r.user_id])} for r in rows]


async def list_my_join_requests(svc: Services, me: Identity) -> list[dict[str, Any]]:
    """Every pending request in the groups I run: one read for a client's badges."""
    async with svc.db.read() as conn:
        rows = await store.pending_joins_run_by(conn, me.user_id)
        users = await accounts_store.get_users(conn, [r.user_id for r in rows])
    return [{**_join_request(r), "user": views.public_user(users[r.user_id])} for r in rows]


async def do_decide(
    svc: Services, me: Identity, chat_id: int, request_id: int, approve: bool
) -> dict[str, Any]:
    """An admin approves (the requester joins) or declines a pending join request.

    The decided request goes to the requester and to every owner/admin (so each admin's
    list drops it live): frames to admins only, no write per member.
    """
    now = svc.clock.now_ms()
    event = None
    async with svc.db.write() as conn:
        chat = await chats_store.lock_chat_txn(conn, chat_id)
        _check_admin(await _member_of_group(conn, chat_id, me.user_id))
        req = await store.get_join_request(conn, request_id)
        if req is None or req.chat_id != chat_id:
            raise LianxinError(Code.not_found, "no such request")
        if req.state != "pending":
            raise LianxinError(Code.conflict, f"this request was already {req.state}")
        await store.decide_join_request_txn(
            conn, request_id, "approved" if approve else "declined", me.user_id, now
        )
        current = await chats_store.get_member(conn, chat_id, req.user_id)
        if approve and chat is not None and not (current is not None and current.active):
            event = await _add_txn(svc, conn, chat, req.user_id, by=me.user_id, now=now)
        updated = await store.get_join_request(conn, request_id)
        admins = await chats_store.admin_ids(conn, chat_id)
        user = await accounts_store.get_user(conn, req.user_id)
    assert updated is not None and user is not None
    shaped = _join_request(updated)
    frame = {"t": "join_request", "request": {**shaped, "user": views.public_user(user)}}
    await publish.to_users(svc.bus, sorted({req.user_id, *admins}), frame)
    if event is not None:
        await chat_actions.publish_event(svc, event, joined=[req.user_id])
    return shaped
