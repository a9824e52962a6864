"""Address-book sync, auto-friending by mutual numbers, and "X joined Lianxin".

Numbers are normalised to E.164 relative to the uploader's own country, then kept only
as HMAC-SHA256 under a server secret: the server can tell that two books hold the same
number, never read a number of someone who is not a user back. Two caps stop anyone
walking the number space: new distinct numbers per account per day (a shared DB
throttle) and entries stored per account.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import contacts, views
from lianxin.actions.accounts import Identity, normalize_phone
from lianxin.config import Settings
from lianxin.errors import Code, LianxinError
from lianxin.events import publish
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import addressbook as store
from lianxin.store import contacts as contacts_store

DAY_MS = 86_400_000
NOTICES_MAX = 200


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    phone: str


@functools.cache
def _file_secret(path: Path) -> bytes:
    """The data directory's key, created once with owner-only permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    key = secrets.token_hex(32).encode()
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


def phone_key(settings: Settings, phone: str) -> str:
    """HMAC-SHA256 of an E.164 number under the server's contacts secret."""
    secret = (
        settings.contacts_secret.encode()
        if settings.contacts_secret
        else _file_secret(settings.data_dir / "contacts.key")
    )
    return hmac.new(secret, phone.encode(), hashlib.sha256).hexdigest()


def region_of(phone: str, default: str) -> str:
    """The country of an E.164 number: local numbers in its owner's book are read there."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(phone)) or default


def normalize_book(entries: Sequence[Contact], region: str) -> tuple[dict[str, str], list[str]]:
    """({E.164: name}, the raw numbers that are not phone numbers)."""
    numbers: dict[str, str] = {}
    invalid: list[str] = []
    for entry in entries:
        try:
            numbers[normalize_phone(entry.phone, region)] = entry.name.strip()[:64]
        except LianxinError:
            invalid.append(entry.phone)
    return numbers, invalid


async def _visible(conn: AsyncConnection, me: int, user: Row[Any]) -> bool:
    """May ``me`` learn that ``user`` has this number? Their find-by-phone, or friends."""
    if user.id == me or await contacts_store.block_between(conn, me, user.id):
        return False
    return bool(user.find_by_phone) or await contacts_store.are_friends(conn, me, user.id)


async def do_sync(
    svc: Services,
    me: Identity,
    *,
    add: Sequence[Contact] = (),
    remove: Sequence[str] = (),
    replace: bool = False,
) -> dict[str, Any]:
    """Apply an upload (add / remove, or replace the whole book) and say who is on Lianxin.

    Mutual numbers between two people who both allow ``auto_friend`` make them friends
    here, through the same path as an accepted request (direct chat, "friends" event).
    """
    s = svc.settings
    if len(add) + len(remove) > s.addressbook_max_per_request:
        raise LianxinError(
            Code.bad_request, f"at most {s.addressbook_max_per_request} entries per request"
        )
    async with svc.db.read() as conn:
        mine = await accounts_store.get_user(conn, me.user_id)
    assert mine is not None
    region = region_of(mine.phone, s.default_region)
    numbers, invalid = normalize_book(add, region)
    gone, bad_removals = normalize_book([Contact("", p) for p in remove], region)
    keys = {phone_key(s, p): p for p in numbers if p != mine.phone}
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        if replace:
            await store.purge_txn(conn, me.user_id)
        await store.delete_entries_txn(conn, me.user_id, [phone_key(s, p) for p in gone])
        new = await _add_entries_txn(svc, conn, me.user_id, keys, now)
        found = await store.users_by_phones(conn, list(keys.values()))
        matches = []
        for phone, user in found.items():
            if await _visible(conn, me.user_id, user):
                matches.append((phone, user))
        befriended = []
        for phone, user in matches:
            if phone_key(s, phone) in new:
                made = await _auto_friend_txn(svc, conn, mine, user, now)
                if made is not None:
                    befriended.append((user, made[1], made[2]))
        friends = set(await contacts_store.friend_ids(conn, me.user_id))
        total = await store.count_entries(conn, me.user_id)
    for user, created, event in befriended:
        await contacts.publish_friends(
            svc, {mine.id: mine, user.id: user}, mine.id, user.id, event, created
        )
    return {
        "matches": [
            {
                "phone": phone,
                "name": numbers[phone],
                "user": views.public_user(user),
                "friend": user.id in friends,
            }
            for phone, user in matches
        ],
        "added": len(new),
        "invalid": invalid + bad_removals,
        "auto_friended": [user.id for user, _, _ in befriended],
        "total": total,
    }


async def _add_entries_txn(
    svc: Services, conn: AsyncConnection, owner: int, keys: dict[str, str], now: int
) -> set[str]:
    """Store the keys not yet in the book, within the daily and total caps; returns them."""
    s = svc.settings
    new = [k for k in keys if k not in await store.existing_keys(conn, owner, list(keys))]
    if not new:
        return set()
    hits, started = await accounts_store.throttle_take_txn(
        conn, f"addressbook:{owner}", window_ms=DAY_MS, now=now, amount=len(new)
    )
    if hits > s.addressbook_new_per_day:
        wait_s = max(1, -(-(started + DAY_MS - now) // 1000))
        raise LianxinError(
            Code.rate_limited,
            "too many new numbers today; try again tomorrow",
            retry_after_s=wait_s,
        )
    if await store.count_entries(conn, owner) + len(new) > s.addressbook_max_entries:
        raise LianxinError(
            Code.quota_exceeded,
            f"an address book holds at most {s.addressbook_max_entries} numbers",
        )
    users = await store.users_by_phones(conn, [keys[k] for k in new])
    await store.insert_entries_txn(
        conn, owner, {k: users[keys[k]].id if keys[k] in users else None for k in new}, now
    )
    return set(new)


async def _auto_friend_txn(
    svc: Services, conn: AsyncConnection, mine: Row[Any], other: Row[Any], now: int
) -> tuple[int, bool, Row[Any]] | None:
    """Befriend when both have each other's number and both allow it; else None."""
    if not (mine.auto_friend and other.auto_friend):
        return None
    if not await store.has_key(conn, other.id, phone_key(svc.settings, mine.phone)):
        return None
    await contacts_store.lock_pair_txn(conn, mine.id, other.id)
    if await contacts_store.are_friends(conn, mine.id, other.id):
        return None
    for a, b in ((mine.id, other.id), (other.id, mine.id)):
        pending = await contacts_store.pending_request(conn, a, b)
        if pending is not None:
            await contacts_store.update_request_txn(conn, pending.id, {"state": "accepted"}, now)
    return await contacts.befriend_txn(conn, mine.id, other.id, now)


async def list_matches(svc: Services, me: Identity) -> list[dict[str, Any]]:
    """Everyone in my stored book who is on Lianxin and lets me find them by number."""
    async with svc.db.read() as conn:
        ids = await store.matched_user_ids(conn, me.user_id)
        users = await accounts_store.get_users(conn, ids)
        friends = set(await contacts_store.friend_ids(conn, me.user_id))
        visible = [u for u in users.values() if await _visible(conn, me.user_id, u)]
    return [{"user": views.public_user(u), "friend": u.id in friends} for u in visible]


async def do_purge(svc: Services, me: Identity) -> int:
    """Forget my whole uploaded address book."""
    async with svc.db.write() as conn:
        return await store.purge_txn(conn, me.user_id)


async def on_signup(svc: Services, user_id: int) -> None:
    """Tell everyone who has the new user's number that they joined (and keep a notice).

    Someone who cannot be found by number is not announced either.
    """
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        user = await accounts_store.get_user(conn, user_id)
        assert user is not None
        owners = await store.claim_key_txn(conn, phone_key(svc.settings, user.phone), user_id)
        if not user.find_by_phone:
            return
        await store.add_notices_txn(conn, owners, user_id, now)
    frame = {"t": "contact_joined", "user": views.public_user(user), "at": now}
    await publish.to_users(svc.bus, owners, frame)


async def list_joined(svc: Services, me: Identity) -> list[dict[str, Any]]:
    """Recent "X joined Lianxin" notices, minus people blocked either way."""
    async with svc.db.read() as conn:
        rows = await store.notices(conn, me.user_id, NOTICES_MAX)
        users = await accounts_store.get_users(conn, [r.joined_id for r in rows])
        out = []
        for r in rows:
            if not await contacts_store.block_between(conn, me.user_id, r.joined_id):
                out.append({"user": views.public_user(users[r.joined_id]), "at": r.created_at})
    return out
