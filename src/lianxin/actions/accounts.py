"""Sign-in by phone number and one-time code, devices, profiles and privacy settings."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

import phonenumbers
from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import views
from lianxin.config import Settings
from lianxin.errors import Code, LianxinError
from lianxin.events import publish
from lianxin.ids import DeviceId, UserId
from lianxin.services import Services
from lianxin.store import accounts as store
from lianxin.store import contacts as contacts_store

HOUR_MS = 3_600_000
HANDLE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
LAST_SEEN_CHOICES = ("everyone", "friends", "nobody")
ADD_POLICIES = ("everyone", "friends_of_friends", "nobody")
BIO_MAX = 200


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is calling: the authenticated user and the device session they use."""

    user_id: UserId
    device_id: DeviceId


@dataclass(frozen=True, slots=True)
class SignIn:
    token: str
    user: dict[str, Any]
    device_id: DeviceId
    new_user: bool


def normalize_phone(raw: str, region: str) -> str:
    """E.164 form of a phone number, or ``invalid_phone``."""
    try:
        parsed = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise LianxinError(Code.invalid_phone, "this is not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise LianxinError(Code.invalid_phone, "this phone number does not exist")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _hash_code(phone: str, code: str) -> str:
    return hashlib.sha256(f"{phone}:{code}".encode()).hexdigest()


def _new_token() -> str:
    return "lx_" + secrets.token_urlsafe(32)


async def do_request_code(svc: Services, raw_phone: str, ip: str | None) -> dict[str, int]:
    """Send a fresh 6-digit code, throttled per number and per client IP.

    The code is stored (as a hash) before it is sent and deleted again if the provider
    fails, so a refused delivery never leaves a usable code behind. The SMS goes out
    after the commit: no transaction is held open across the provider's network call.
    """
    s = svc.settings
    phone = normalize_phone(raw_phone, s.default_region)
    now = svc.clock.now_ms()
    code = f"{secrets.randbelow(1_000_000):06d}"
    async with svc.db.write() as conn:
        await _check_code_throttles_txn(conn, s, phone, ip, now)
        expires = now + s.code_ttl_s * 1000
        await store.put_code_txn(
            conn, phone=phone, code_hash=_hash_code(phone, code), now=now, expires_at=expires
        )
    try:
        await svc.sms.send_code(phone, code)
    except LianxinError:
        async with svc.db.write() as conn:
            await store.delete_code_txn(conn, phone)
        raise
    return {"resend_after_s": s.code_resend_interval_s, "expires_in_s": s.code_ttl_s}


async def _check_code_throttles_txn(
    conn: AsyncConnection, s: Settings, phone: str, ip: str | None, now: int
) -> None:
    """Refuse a resend too soon after the last code, or past the hourly caps.

    The number's counter is taken first: its row lock makes concurrent requests for one
    number take turns, so the resend check sees the code the other one stored. A refusal
    rolls the transaction back, so refused requests do not count.
    """
    await _count_hourly_txn(
        conn,
        f"code-phone:{phone}",
        s.code_max_per_number_per_hour,
        now,
        "too many codes for this number; try later",
    )
    current = await store.get_code(conn, phone)
    if current is not None:
        resend_at = current.created_at + s.code_resend_interval_s * 1000
        _refuse_until(resend_at, now, "a code was just sent; wait before asking again")
    if ip is not None:
        await _count_hourly_txn(
            conn, f"code-ip:{ip}", s.code_max_per_ip_per_hour, now, "too many codes from here"
        )


async def _count_hourly_txn(
    conn: AsyncConnection, key: str, limit: int, now: int, message: str
) -> None:
    hits, started = await store.throttle_take_txn(conn, key, window_ms=HOUR_MS, now=now)
    if hits > limit:
        _refuse_until(started + HOUR_MS, now, message)


def _refuse_until(until_ms: int, now: int, message: str) -> None:
    """``rate_limited`` with the whole seconds to wait (the REST layer's Retry-After)."""
    wait_ms = until_ms - now
    if wait_ms > 0:
        raise LianxinError(Code.rate_limited, message, retry_after_s=-(-wait_ms // 1000))


async def do_verify_code(
    svc: Services,
    raw_phone: str,
    code: str,
    *,
    device_name: str,
    ip: str | None,
    name: str | None = None,
) -> SignIn:
    """Check the code; sign in (creating the account on first use) with a new device.

    Input is validated before the code is looked at, so a bad name costs no attempt.
    A wrong code is refused only after its attempt count is committed.
    """
    phone = normalize_phone(raw_phone, svc.settings.default_region)
    display = check_name(name) if name else _default_name(phone)
    device = check_device_name(device_name)
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        failure = await _consume_code_txn(conn, svc.settings, phone, code.strip(), now)
        if failure is None:
            signed_in = await _sign_in_txn(
                conn, svc.settings, phone, display=display, device=device, ip=ip, now=now
            )
    if failure is not None:
        raise failure
    if signed_in.new_user:
        await _announce(svc, signed_in.user["id"])
    return signed_in


async def _consume_code_txn(
    conn: AsyncConnection, s: Settings, phone: str, code: str, now: int
) -> LianxinError | None:
    """None when the code is right (and now used up), else the refusal to raise after commit."""
    row = await store.lock_code_txn(conn, phone)
    if row is None:
        return LianxinError(Code.invalid_code, "ask for a new code first")
    if row.expires_at <= now:
        await store.delete_code_txn(conn, phone)
        return LianxinError(Code.code_expired, "this code has expired; ask for a new one")
    right = hmac.compare_digest(row.code_hash, _hash_code(phone, code))
    if right and row.attempts < s.code_max_attempts:
        await store.delete_code_txn(conn, phone)
        return None
    left = s.code_max_attempts - row.attempts - 1
    if left <= 0:
        await store.delete_code_txn(conn, phone)
        return LianxinError(Code.too_many_attempts, "too many wrong codes; ask for a new one")
    await store.bump_code_attempts_txn(conn, phone)
    return LianxinError(Code.invalid_code, "wrong code", attempts_left=left)


async def _sign_in_txn(
    conn: AsyncConnection,
    s: Settings,
    phone: str,
    *,
    display: str,
    device: str,
    ip: str | None,
    now: int,
) -> SignIn:
    """Find or create the account for this number and issue a new device token."""
    user = await store.get_user_by_phone(conn, phone)
    uid = (
        await store.insert_user_txn(
            conn, phone=phone, name=display, stranger_messages=s.stranger_messages_default, now=now
        )
        if user is None
        else user.id
    )
    token = _new_token()
    device_id = await store.insert_device_txn(
        conn, user_id=uid, token_hash=hash_token(token), name=device, ip=ip, now=now
    )
    row = await store.get_user(conn, uid)
    assert row is not None
    return SignIn(
        token=token, user=views.own_user(row), device_id=DeviceId(device_id), new_user=user is None
    )


def _default_name(phone: str) -> str:
    return "User " + phone[-4:]


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 64:
        raise LianxinError(Code.bad_request, "a name is 1 to 64 characters")
    return cleaned


def check_device_name(name: str) -> str:
    cleaned = " ".join(name.split())[:64]
    return cleaned or "device"


def check_handle(handle: str) -> str:
    if not HANDLE_RE.fullmatch(handle):
        raise LianxinError(
            Code.invalid_handle,
            "a Lianxin ID is 4-32 letters, digits or _, starting with a letter",
        )
    return handle


async def authenticate(svc: Services, token: str | None) -> Identity:
    """Resolve a bearer token to the user and device it belongs to."""
    device = await authenticate_device(svc, token)
    return Identity(UserId(device.user_id), DeviceId(device.id))


async def authenticate_device(svc: Services, token: str | None) -> Row[Any]:
    """The live (not signed-out) device row of a bearer token.

    Read from the database on every call, never cached: a revoked token then fails on
    the very next request or connection, on every node."""
    async with svc.db.read() as conn:
        device = await store.device_by_token_hash(conn, _presented_hash(token))
    if device is None:
        raise _session_ended()
    return device


def _presented_hash(token: str | None) -> str:
    """The hash a bearer token is stored under; no token at all is refused first."""
    if not token:
        raise LianxinError(Code.unauthorized, "sign in first")
    return hash_token(token)


def _session_ended() -> LianxinError:
    return LianxinError(Code.unauthorized, "this session has ended; sign in again")


# "Last active" is shown to the minute; a device reconnecting sooner does not write.
TOUCH_EVERY_MS = 60_000


async def do_touch_device(svc: Services, me: Identity, last_active_at: int | None = None) -> None:
    """Record that a device connected, for the "last active" column of the devices list.

    Skipped when ``last_active_at`` (read at authentication) is under a minute old, so
    a burst of connects or reconnects does not queue a write each."""
    now = svc.clock.now_ms()
    if last_active_at is not None and 0 <= now - last_active_at < TOUCH_EVERY_MS:
        return
    async with svc.db.write() as conn:
        await store.touch_device_txn(conn, me.device_id, now)


async def access_me_by_token(svc: Services, token: str | None) -> dict[str, Any]:
    """``authenticate`` then ``access_me`` in one statement: ``GET /me`` is the first
    request of every client that starts, and the token is checked as on every request."""
    async with svc.db.read() as conn:
        row = await store.me_by_token_hash(conn, _presented_hash(token))
    if row is None:
        raise _session_ended()
    if row.id is None:
        raise LianxinError(Code.unauthorized, "this account no longer exists")
    return views.own_user(row)


async def access_me(svc: Services, me: Identity) -> dict[str, Any]:
    async with svc.db.read() as conn:
        row = await store.get_user(conn, me.user_id)
    if row is None:
        raise LianxinError(Code.unauthorized, "this account no longer exists")
    return views.own_user(row)


def check_profile(name: str | None, handle: str | None, bio: str | None) -> dict[str, Any]:
    """The columns to change, validated; fields left as None stay as they are."""
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = check_name(name)
    if handle is not None:
        values["handle"] = check_handle(handle)
    if bio is not None:
        values["bio"] = bio.strip()
        if len(values["bio"]) > BIO_MAX:
            raise LianxinError(Code.bad_request, f"a bio is at most {BIO_MAX} characters")
    return values


async def do_update_profile(
    svc: Services,
    me: Identity,
    *,
    name: str | None = None,
    handle: str | None = None,
    bio: str | None = None,
) -> dict[str, Any]:
    """Change my profile; my devices get ``me``, friends I have not blocked get ``profile``."""
    values = check_profile(name, handle, bio)
    async with svc.db.write() as conn:
        if handle is not None:
            other = await store.get_user_by_handle(conn, handle)
            if other is not None and other.id != me.user_id:
                raise _handle_taken()
        if values:
            await _update_profile_txn(conn, me.user_id, values, svc.clock.now_ms())
        row = await store.get_user(conn, me.user_id)
        blocked = set(await contacts_store.blocked_ids(conn, me.user_id))
        friends = [f for f in await contacts_store.friend_ids(conn, me.user_id) if f not in blocked]
    assert row is not None
    if values:
        await publish.to_users(svc.bus, [me.user_id], {"t": "me", "user": views.own_user(row)})
        await publish.to_users(svc.bus, friends, {"t": "profile", "user": views.public_user(row)})
    return views.own_user(row)


def _handle_taken() -> LianxinError:
    return LianxinError(Code.handle_taken, "this Lianxin ID is taken")


async def _update_profile_txn(
    conn: AsyncConnection, user_id: UserId, values: dict[str, Any], now: int
) -> None:
    """Write the change; a handle claimed by someone else meanwhile is ``handle_taken``.

    The look-up before this only gives the usual answer early: two users claiming one
    handle at the same moment both pass it, and the unique index decides.
    """
    try:
        await store.update_user_txn(conn, user_id, values, now)
    except IntegrityError as exc:
        raise _handle_taken() from exc


async def do_update_privacy(
    svc: Services,
    me: Identity,
    *,
    find_by_phone: bool | None = None,
    find_by_handle: bool | None = None,
    last_seen: str | None = None,
    stranger_messages: bool | None = None,
    add_me: str | None = None,
    read_receipts: bool | None = None,
    auto_friend: bool | None = None,
    find_nearby: bool | None = None,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if add_me is not None:
        if add_me not in ADD_POLICIES:
            raise LianxinError(Code.bad_request, "add_me is everyone, friends_of_friends or nobody")
        values["add_policy"] = add_me
    if read_receipts is not None:
        values["read_receipts"] = read_receipts
    if auto_friend is not None:
        values["auto_friend"] = auto_friend
    if find_nearby is not None:
        values["find_nearby"] = find_nearby
    if find_by_phone is not None:
        values["find_by_phone"] = find_by_phone
    if find_by_handle is not None:
        values["find_by_handle"] = find_by_handle
    if stranger_messages is not None:
        values["stranger_messages"] = stranger_messages
    if last_seen is not None:
        if last_seen not in LAST_SEEN_CHOICES:
            raise LianxinError(Code.bad_request, "last_seen is everyone, friends or nobody")
        values["last_seen_visibility"] = last_seen
    async with svc.db.write() as conn:
        if values:
            await store.update_user_txn(conn, me.user_id, values, svc.clock.now_ms())
        row = await store.get_user(conn, me.user_id)
    assert row is not None
    if values:
        await publish.to_users(svc.bus, [me.user_id], {"t": "me", "user": views.own_user(row)})
    return views.privacy(row)


# -- devices ---------------------------------------------------------------------------


async def list_devices(svc: Services, me: Identity) -> list[dict[str, Any]]:
    async with svc.db.read() as conn:
        rows = await store.list_devices(conn, me.user_id)
    return [views.device(r, me.device_id) for r in rows]


async def do_sign_out_devices(svc: Services, me: Identity, device_ids: list[int]) -> list[int]:
    """Revoke devices of mine (unknown or foreign ids are ``not_found``); kicks their sessions."""
    async with svc.db.write() as conn:
        mine = {r.id for r in await store.list_devices(conn, me.user_id)}
        if not mine.issuperset(device_ids):
            raise LianxinError(Code.not_found, "no such device")
        revoked = await store.revoke_devices_txn(conn, me.user_id, device_ids, svc.clock.now_ms())
    await _kick(svc, me.user_id, revoked)
    return revoked


async def do_sign_out_others(svc: Services, me: Identity) -> list[int]:
    """Revoke every device of mine but the calling one, in one transaction."""
    async with svc.db.write() as conn:
        others = [r.id for r in await store.list_devices(conn, me.user_id) if r.id != me.device_id]
        revoked = await store.revoke_devices_txn(conn, me.user_id, others, svc.clock.now_ms())
    await _kick(svc, me.user_id, revoked)
    return revoked


async def _kick(svc: Services, user_id: UserId, device_ids: list[int]) -> None:
    """Close the revoked devices' open sockets (``signed_out``, then close code 4002)."""
    for device_id in device_ids:
        await publish.kick_device(svc.bus, user_id, device_id)


async def do_create_user(svc: Services, raw_phone: str, name: str) -> SignIn:
    """Operator path (``lianxin user create``): make or reuse an account, issue a device.

    A new account is announced exactly like one made by signing in with a code.
    """
    phone = normalize_phone(raw_phone, svc.settings.default_region)
    display = check_name(name)
    async with svc.db.write() as conn:
        signed_in = await _sign_in_txn(
            conn,
            svc.settings,
            phone,
            display=display,
            device="cli",
            ip=None,
            now=svc.clock.now_ms(),
        )
    if signed_in.new_user:
        await _announce(svc, signed_in.user["id"])
    return signed_in


async def _announce(svc: Services, user_id: int) -> None:
    """A new account: tell the people who have its number (``addressbook.on_signup``)."""
    from lianxin.actions import addressbook  # it builds on this module: import late

    await addressbook.on_signup(svc, user_id)
