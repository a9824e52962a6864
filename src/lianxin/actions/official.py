"""Official accounts: creation, profile, directory, follow / unfollow, menu, templates,
and the owner acting as the account in its chats.

An official account is a ``users`` row with ``is_bot`` set, which nobody signs in as: it
has no devices, its synthetic phone cannot receive a code, it accepts no friend requests.
Its owner manages it through the owner-only functions below (``access_owned_txn`` is the
one gate); sends "as the account" run ``do_send`` with the account's identity, so the
same membership, direct-chat and kind checks apply as to anyone else.

Following opens (or reuses) the direct chat between follower and account; while the
follow is active the two may message each other without being friends (see
``actions.chats.check_direct_allowed``).
"""

from __future__ import annotations

import secrets
from typing import Any

import orjson
from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import media, messages
from lianxin.actions.accounts import Identity, check_handle, check_name, normalize_phone
from lianxin.actions.chats import ensure_direct_txn, list_chats, publish_event
from lianxin.actions.official_menu import check_menu
from lianxin.errors import Code, LianxinError
from lianxin.events import publish
from lianxin.ids import UserId
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import chats as chats_store
from lianxin.store import contacts as contacts_store
from lianxin.store import official as store

DESCRIPTION_MAX = 500
DIRECTORY_MAX = 50


# -- views -----------------------------------------------------------------------------


def view(row: Row[Any], follow: Row[Any] | None = None, *, owner: bool = False) -> dict[str, Any]:
    """An account as a viewer sees it; ``follow`` is the viewer's follower row, if any."""
    out: dict[str, Any] = {
        "id": row.user_id,
        "name": row.name,
        "handle": row.handle,
        "description": row.description,
        "verified": bool(row.verified),
        "follower_count": row.follower_count,
        "menu": orjson.loads(row.menu),
        "is_bot": True,
        "following": bool(follow is not None and follow.active),
        "templates_allowed": bool(
            follow is not None and follow.active and follow.templates_allowed
        ),
        "chat_id": follow.chat_id if follow is not None else None,
    }
    if owner:
        out["owner"] = row.owner_id
    return out


def follower_view(row: Row[Any], user: Row[Any]) -> dict[str, Any]:
    return {
        "user": {"id": user.id, "name": user.name, "handle": user.handle},
        "chat_id": row.chat_id,
        "templates_allowed": bool(row.templates_allowed),
        "since": row.created_at,
        "cursor": row.id,
    }


# -- checks ----------------------------------------------------------------------------


def check_description(description: str) -> str:
    cleaned = description.strip()
    if len(cleaned) > DESCRIPTION_MAX:
        raise LianxinError(
            Code.bad_request, f"a description is at most {DESCRIPTION_MAX} characters"
        )
    if "\x00" in cleaned:
        raise LianxinError(Code.bad_request, "a description cannot contain NUL characters")
    return cleaned


async def access_owned_txn(conn: AsyncConnection, owner_id: int, account_id: int) -> Row[Any]:
    """The account, if ``owner_id`` owns it; otherwise ``not_found`` (others' accounts are
    not theirs to manage, and they learn nothing about who owns what)."""
    row = await store.get_account(conn, account_id)
    if row is None or row.owner_id != owner_id:
        raise LianxinError(Code.not_found, "you have no such official account")
    return row


async def _account(conn: AsyncConnection, account_id: int) -> Row[Any]:
    row = await store.get_account(conn, account_id)
    if row is None:
        raise LianxinError(Code.not_found, "no such official account")
    return row


def acting_as(me: Identity, account_id: int) -> Identity:
    """The identity the owner's device uses to act as the account (after access_owned_txn)."""
    return Identity(UserId(account_id), me.device_id)


# -- creating and managing -------------------------------------------------------------


async def do_create_account(
    svc: Services, owner_id: int, *, name: str, handle: str | None = None, description: str = ""
) -> dict[str, Any]:
    """A new official account owned by ``owner_id`` (a person, not another account)."""
    name = check_name(name)
    handle = check_handle(handle) if handle else None
    description = check_description(description)
    now = svc.clock.now_ms()
    try:
        async with svc.db.write() as conn:
            owner = await accounts_store.get_user(conn, owner_id)
            if owner is None or owner.is_bot:
                raise LianxinError(Code.not_allowed, "only people can own official accounts")
            if handle is not None and await accounts_store.get_user_by_handle(conn, handle):
                raise LianxinError(Code.handle_taken, "this Lianxin ID is taken")
            # A phone number nobody can receive a code on: the account is never signed into.
            phone = "oa:" + secrets.token_hex(8)
            account_id = await accounts_store.insert_user_txn(
                conn, phone=phone, name=name, stranger_messages=False, now=now
            )
            values: dict[str, Any] = {
                "is_bot": True,
                "find_by_phone": False,
                "add_policy": "nobody",
                "auto_friend": False,
            }
            if handle is not None:
                values["handle"] = handle
            await accounts_store.update_user_txn(conn, account_id, values, now)
            await store.insert_account_txn(
                conn, user_id=account_id, owner_id=owner_id, description=description, now=now
            )
            row = await store.get_account(conn, account_id)
    except IntegrityError:
        raise LianxinError(Code.handle_taken, "this Lianxin ID is taken") from None
    assert row is not None
    return view(row, owner=True)


async def find_person(svc: Services, ref: str) -> int:
    """Operator path: a person by Lianxin ID or phone number (for ``--owner``)."""
    ref = ref.strip()
    async with svc.db.read() as conn:
        if ref[:1].isalpha():
            row = await accounts_store.get_user_by_handle(conn, ref)
        else:
            phone = normalize_phone(ref, svc.settings.default_region)
            row = await accounts_store.get_user_by_phone(conn, phone)
    if row is None or row.is_bot:
        raise LianxinError(Code.not_found, f"no user with the Lianxin ID or number {ref!r}")
    return int(row.id)


async def list_owned(svc: Services, me: Identity) -> list[dict[str, Any]]:
    async with svc.db.read() as conn:
        rows = await store.accounts_owned_by(conn, me.user_id)
    return [view(r, owner=True) for r in rows]


async def do_update_account(
    svc: Services,
    me: Identity,
    account_id: int,
    *,
    name: str | None = None,
    handle: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """Owner only: rename, change the Lianxin ID or the description."""
    user_values: dict[str, Any] = {}
    if name is not None:
        user_values["name"] = check_name(name)
    if handle is not None:
        user_values["handle"] = check_handle(handle)
    desc = check_description(description) if description is not None else None
    now = svc.clock.now_ms()
    try:
        async with svc.db.write() as conn:
            await access_owned_txn(conn, me.user_id, account_id)
            if handle is not None:
                other = await accounts_store.get_user_by_handle(conn, handle)
                if other is not None and other.id != account_id:
                    raise LianxinError(Code.handle_taken, "this Lianxin ID is taken")
            if user_values:
                await accounts_store.update_user_txn(conn, account_id, user_values, now)
            if desc is not None:
                await store.update_account_txn(conn, account_id, {"description": desc}, now)
            row = await store.get_account(conn, account_id)
    except IntegrityError:
        raise LianxinError(Code.handle_taken, "this Lianxin ID is taken") from None
    assert row is not None
    return view(row, owner=True)


async def do_set_menu(
    svc: Services, me: Identity, account_id: int, menu: object
) -> list[dict[str, Any]]:
    """Owner only: replace the custom menu (validated strictly; [] removes it)."""
    checked = check_menu(menu)
    async with svc.db.write() as conn:
        await access_owned_txn(conn, me.user_id, account_id)
        await store.update_account_txn(
            conn, account_id, {"menu": orjson.dumps(checked).decode()}, svc.clock.now_ms()
        )
    return checked


async def do_verify(svc: Services, handle_or_id: str, verified: bool = True) -> dict[str, Any]:
    """Operator path (``lianxin official verify``): set or clear the verified badge."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        if handle_or_id.isdigit():
            user = await accounts_store.get_user(conn, int(handle_or_id))
        else:
            user = await accounts_store.get_user_by_handle(conn, handle_or_id)
        row = await store.get_account(conn, user.id) if user is not None else None
        if row is None:
            raise LianxinError(Code.not_found, f"no official account {handle_or_id!r}")
        await store.update_account_txn(conn, row.user_id, {"verified": verified}, now)
        row = await store.get_account(conn, row.user_id)
    assert row is not None
    return view(row, owner=True)


# -- what everyone sees ----------------------------------------------------------------


async def access_profile(svc: Services, me: Identity, account_id: int) -> dict[str, Any]:
    """The public profile with the menu, plus whether I follow it (any signed-in user)."""
    async with svc.db.read() as conn:
        row = await _account(conn, account_id)
        follow = await store.get_follower(conn, account_id, me.user_id)
    return view(row, follow, owner=row.owner_id == me.user_id)


async def directory(
    svc: Services, me: Identity, query: str = "", *, limit: int = 20, offset: int = 0
) -> list[dict[str, Any]]:
    """Discover accounts: verified first, then the most followed; ``query`` narrows it."""
    query = query.strip()
    limit = max(1, min(limit, DIRECTORY_MAX))
    async with svc.db.read() as conn:
        rows = await store.search_accounts(conn, query, limit=limit, offset=max(0, offset))
        follows = {r.user_id: await store.get_follower(conn, r.user_id, me.user_id) for r in rows}
    return [view(r, follows[r.user_id]) for r in rows]


async def list_following(svc: Services, me: Identity) -> list[dict[str, Any]]:
    async with svc.db.read() as conn:
        rows = await store.accounts_followed_by(conn, me.user_id)
        follows = {r.user_id: await store.get_follower(conn, r.user_id, me.user_id) for r in rows}
    return [view(r, follows[r.user_id]) for r in rows]


# -- following -------------------------------------------------------------------------


async def do_follow(svc: Services, me: Identity, account_id: int) -> dict[str, Any]:
    """Follow: open (or reuse) my direct chat with the account. Following twice is a no-op."""
    if account_id == me.user_id:
        raise LianxinError(Code.bad_request, "an account cannot follow itself")
    now = svc.clock.now_ms()
    event, created = None, False
    async with svc.db.write() as conn:
        account = await store.lock_account_txn(conn, account_id)
        if account is None:
            raise LianxinError(Code.not_found, "no such official account")
        if account.owner_id == me.user_id:
            # The owner acts as the account (inbox, replies, broadcasts); a follower chat
            # with it would be a conversation with themselves.
            raise LianxinError(Code.not_allowed, "you own this account: you act as it")
        if await contacts_store.block_between(conn, me.user_id, account_id):
            raise LianxinError(Code.blocked, "unblock this account to follow it")
        follow = await store.get_follower(conn, account_id, me.user_id)
        if follow is None or not follow.active:
            chat_id, created = await ensure_direct_txn(conn, me.user_id, account_id, now)
            if follow is None:
                await store.insert_follower_txn(
                    conn, account_id=account_id, user_id=me.user_id, chat_id=chat_id, now=now
                )
            else:
                await store.update_follower_txn(conn, follow.id, {"active": True}, now)
            await _count_txn(conn, account_id, +1, now)
            event = await _system_txn(conn, chat_id, "followed", me.user_id, account_id, now)
        row = await _account(conn, account_id)
        follow = await store.get_follower(conn, account_id, me.user_id)
    if event is not None:
        await publish_event(svc, event, joined=(me.user_id, account_id) if created else ())
    return view(row, follow)


async def do_unfollow(svc: Services, me: Identity, account_id: int) -> dict[str, Any]:
    """Stop following: no more broadcasts or templates; the chat and its history stay."""
    now = svc.clock.now_ms()
    event = None
    async with svc.db.write() as conn:
        if await store.lock_account_txn(conn, account_id) is None:
            raise LianxinError(Code.not_found, "no such official account")
        follow = await store.get_follower(conn, account_id, me.user_id)
        if follow is not None and follow.active:
            values = {"active": False, "templates_allowed": False}
            await store.update_follower_txn(conn, follow.id, values, now)
            await _count_txn(conn, account_id, -1, now)
            event = await _system_txn(
                conn, follow.chat_id, "unfollowed", me.user_id, account_id, now
            )
        row = await _account(conn, account_id)
        follow = await store.get_follower(conn, account_id, me.user_id)
    if event is not None:
        await publish_event(svc, event)
    return view(row, follow)


async def _count_txn(conn: AsyncConnection, account_id: int, delta: int, now: int) -> None:
    row = await store.lock_account_txn(conn, account_id)
    assert row is not None
    await store.update_account_txn(
        conn, account_id, {"follower_count": max(0, row.follower_count + delta)}, now
    )


async def _system_txn(
    conn: AsyncConnection, chat_id: int, kind: str, user_id: int, account_id: int, now: int
) -> Row[Any]:
    await chats_store.lock_chat_txn(conn, chat_id)
    return await chats_store.append_event_txn(
        conn,
        chat_id=chat_id,
        sender_id=None,
        kind="system",
        now=now,
        data={"type": kind, "user": user_id, "account": account_id},
    )


async def do_allow_templates(
    svc: Services, me: Identity, account_id: int, allowed: bool
) -> dict[str, Any]:
    """A follower allows (or revokes) template messages from this account."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        row = await _account(conn, account_id)
        follow = await store.get_follower(conn, account_id, me.user_id)
        if follow is None or not follow.active:
            raise LianxinError(Code.not_allowed, "follow this account first")
        await store.update_follower_txn(conn, follow.id, {"templates_allowed": allowed}, now)
        follow = await store.get_follower(conn, account_id, me.user_id)
    return view(row, follow)


# -- the owner at work -----------------------------------------------------------------


async def list_followers(
    svc: Services, me: Identity, account_id: int, *, after: int = 0, limit: int = 100
) -> dict[str, Any]:
    """Owner only: active followers in follow order; page on with ``after`` = last cursor."""
    limit = max(1, min(limit, 200))
    async with svc.db.read() as conn:
        await access_owned_txn(conn, me.user_id, account_id)
        rows = await store.followers_page(conn, account_id, after=after, upto=None, limit=limit)
        users = await accounts_store.get_users(conn, [r.user_id for r in rows])
    return {
        "followers": [follower_view(r, users[r.user_id]) for r in rows],
        "more": len(rows) == limit,
    }


async def list_account_chats(svc: Services, me: Identity, account_id: int) -> list[dict[str, Any]]:
    """Owner only: the account's chat list (its followers' conversations)."""
    async with svc.db.read() as conn:
        await access_owned_txn(conn, me.user_id, account_id)
    return await list_chats(svc, acting_as(me, account_id))


async def account_history(
    svc: Services, me: Identity, account_id: int, chat_id: int, **paging: Any
) -> dict[str, Any]:
    """Owner only: a page of one of the account's chats, as the account sees it."""
    async with svc.db.read() as conn:
        await access_owned_txn(conn, me.user_id, account_id)
    return await messages.history(svc, acting_as(me, account_id), chat_id, **paging)


async def do_send_as(
    svc: Services,
    me: Identity,
    account_id: int,
    chat_id: int,
    *,
    client_id: str,
    kind: str = "text",
    text: str | None = None,
    content: dict[str, Any] | None = None,
) -> messages.Sent:
    """Owner only: send as the account into one of its chats (a reply or a template).

    The ownership check comes first; then ``do_send`` runs as the account, so the chat
    must be the account's, the follow must be active and the kind's own rules apply.
    """
    async with svc.db.read() as conn:
        await access_owned_txn(conn, me.user_id, account_id)
    sent = await messages.do_send(
        svc,
        acting_as(me, account_id),
        chat_id,
        client_id=client_id,
        kind=kind,
        text=text,
        content=content,
    )
    if not sent.duplicate:
        # The owner's other devices keep their inbox in step (broadcasts do not come here).
        frame = {"t": "official_message", "account": account_id, "event": sent.event}
        await publish.to_users(svc.bus, [me.user_id], frame)
    return sent


async def do_mark_read_as(
    svc: Services, me: Identity, account_id: int, chat_id: int, seq: int
) -> int:
    """Owner only: the account has read one of its chats up to ``seq`` (the follower gets
    the read receipt as from the account; the owner's devices clear their unread count)."""
    async with svc.db.read() as conn:
        await access_owned_txn(conn, me.user_id, account_id)
    read = await messages.do_mark_read(svc, acting_as(me, account_id), chat_id, seq)
    frame = {"t": "official_read", "account": account_id, "chat": chat_id, "seq": read}
    await publish.to_users(svc.bus, [me.user_id], frame)
    return read


async def account_media(
    svc: Services, me: Identity, account_id: int, media_id: int
) -> dict[str, Any]:
    """Owner only: a media object sent in the account's chats (a follower's photo, voice
    note, file), with URLs signed for the account, so the owner's inbox can show it. The
    account must be able to read it, exactly as a member of those chats would."""
    async with svc.db.read() as conn:
        await access_owned_txn(conn, me.user_id, account_id)
    return await media.media_info(svc, acting_as(me, account_id), media_id)
