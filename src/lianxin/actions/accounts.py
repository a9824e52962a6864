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

from lianxin.actions import views
from lianxin.errors import Code, LianxinError
from lianxin.events import publish
from lianxin.ids import DeviceId, UserId
from lianxin.services import Services
from lianxin.store import accounts as store
from lianxin.store import contacts as contacts_store

HOUR_MS = 3_600_000
HANDLE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
LAST_SEEN_CHOICES = ("everyone", "friends", "nobody")


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
    """Send a fresh 6-digit code, throttled per number and per client IP."""
    s = svc.settings
    phone = normalize_phone(raw_phone, s.default_region)
    now = svc.clock.now_ms()
    code = f"{secrets.randbelow(1_000_000):06d}"
    async with svc.db.write() as conn:
        current = await store.get_code(conn, phone)
        if current is not None:
            wait_ms = current.created_at + s.code_resend_interval_s * 1000 - now
            if wait_ms > 0:
                raise LianxinError(
                    Code.rate_limited,
                    "a code was just sent; wait before asking again",
                    retry_after_s=-(-wait_ms // 1000),
                )
        if ip is not None:
            hits = await store.throttle_hit_txn(conn, f"code-ip:{ip}", window_ms=HOUR_MS, now=now)
            if hits > s.code_max_per_ip_per_hour:
                raise LianxinError(Code.rate_limited, "too many codes requested from here")
        hits = await store.throttle_hit_txn(conn, f"code-phone:{phone}", window_ms=HOUR_MS, now=now)
        if hits > s.code_max_per_number_per_hour:
            raise LianxinError(Code.rate_limited, "too many codes for this number; try later")
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


async def do_verify_code(
    svc: Services,
    raw_phone: str,
    code: str,
    *,
    device_name: str,
    ip: str | None,
    name: str | None = None,
) -> SignIn:
    """Check the code; sign in (creating the account on first use) with a new device."""
    s = svc.settings
    phone = normalize_phone(raw_phone, s.default_region)
    now = svc.clock.now_ms()
    failure: LianxinError | None = None
    fresh: Row[Any] | None = None
    async with svc.db.write() as conn:
        row = await store.get_code(conn, phone)
        if row is None:
            failure = LianxinError(Code.invalid_code, "ask for a new code first")
        elif row.expires_at <= now:
            await store.delete_code_txn(conn, phone)
            failure = LianxinError(Code.code_expired, "this code has expired; ask for a new one")
        elif row.attempts >= s.code_max_attempts:
            await store.delete_code_txn(conn, phone)
            failure = LianxinError(
                Code.too_many_attempts, "too many wrong codes; ask for a new one"
            )
        elif not hmac.compare_digest(row.code_hash, _hash_code(phone, code.strip())):
            left = s.code_max_attempts - row.attempts - 1
            if left <= 0:
                await store.delete_code_txn(conn, phone)
                failure = LianxinError(Code.too_many_attempts, "too many wrong codes; ask again")
            else:
                await store.bump_code_attempts_txn(conn, phone)
                failure = LianxinError(Code.invalid_code, "wrong code", attempts_left=left)
        else:
            await store.delete_code_txn(conn, phone)
            user = await store.get_user_by_phone(conn, phone)
            new_user = user is None
            if user is None:
                display = check_name(name) if name else _default_name(phone)
                uid = await store.insert_user_txn(
                    conn,
                    phone=phone,
                    name=display,
                    stranger_messages=s.stranger_messages_default,
                    now=now,
                )
            else:
                uid = user.id
            token = _new_token()
            device_id = await store.insert_device_txn(
                conn,
                user_id=uid,
                token_hash=hash_token(token),
                name=check_device_name(device_name),
                ip=ip,
                now=now,
            )
            fresh = await store.get_user(conn, uid)
    if failure is not None:
        raise failure
    assert fresh is not None
    return SignIn(
        token=token, user=views.own_user(fresh), device_id=DeviceId(device_id), new_user=new_user
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
    if not token:
        raise LianxinError(Code.unauthorized, "sign in first")
    async with svc.db.read() as conn:
        device = await store.device_by_token_hash(conn, hash_token(token))
    if device is None:
        raise LianxinError(Code.unauthorized, "this session has ended; sign in again")
    return Identity(UserId(device.user_id), DeviceId(device.id))


async def access_me(svc: Services, me: Identity) -> dict[str, Any]:
    async with svc.db.read() as conn:
        row = await store.get_user(conn, me.user_id)
    if row is None:
        raise LianxinError(Code.unauthorized, "this account no longer exists")
    return views.own_user(row)


async def do_update_profile(
    svc: Services,
    me: Identity,
    *,
    name: str | None = None,
    handle: str | None = None,
    bio: str | None = None,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = check_name(name)
    if bio is not None:
        if len(bio) > 200:
            raise LianxinError(Code.bad_request, "a bio is at most 200 characters")
        values["bio"] = bio.strip()
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        if handle is not None:
            values["handle"] = check_handle(handle)
            other = await store.get_user_by_handle(conn, handle)
            if other is not None and other.id != me.user_id:
                raise LianxinError(Code.handle_taken, "this Lianxin ID is taken")
        if values:
            await store.update_user_txn(conn, me.user_id, values, now)
        row = await store.get_user(conn, me.user_id)
        friends = await contacts_store.friend_ids(conn, me.user_id)
    assert row is not None
    if values:
        await publish.to_users(svc.bus, [me.user_id], {"t": "me", "user": views.own_user(row)})
        await publish.to_users(svc.bus, friends, {"t": "profile", "user": views.public_user(row)})
    return views.own_user(row)


async def do_update_privacy(
    svc: Services,
    me: Identity,
    *,
    find_by_phone: bool | None = None,
    find_by_handle: bool | None = None,
    last_seen: str | None = None,
    stranger_messages: bool | None = None,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
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
        if any(d not in mine for d in device_ids):
            raise LianxinError(Code.not_found, "no such device")
        revoked = await store.revoke_devices_txn(conn, me.user_id, device_ids, svc.clock.now_ms())
    for device_id in revoked:
        await publish.kick_device(svc.bus, me.user_id, device_id)
    return revoked


async def do_sign_out_others(svc: Services, me: Identity) -> list[int]:
    async with svc.db.read() as conn:
        ids = [r.id for r in await store.list_devices(conn, me.user_id) if r.id != me.device_id]
    return await do_sign_out_devices(svc, me, ids)


async def do_create_user(svc: Services, raw_phone: str, name: str) -> SignIn:
    """Operator path (``lianxin user create``): make or reuse an account, issue a device."""
    phone = normalize_phone(raw_phone, svc.settings.default_region)
    now = svc.clock.now_ms()
    token = _new_token()
    async with svc.db.write() as conn:
        user = await store.get_user_by_phone(conn, phone)
        new_user = user is None
        uid = (
            await store.insert_user_txn(
                conn,
                phone=phone,
                name=check_name(name),
                stranger_messages=svc.settings.stranger_messages_default,
                now=now,
            )
            if user is None
            else user.id
        )
        device_id = await store.insert_device_txn(
            conn, user_id=uid, token_hash=hash_token(token), name="cli", ip=None, now=now
        )
        row = await store.get_user(conn, uid)
    assert row is not None
    return SignIn(
        token=token, user=views.own_user(row), device_id=DeviceId(device_id), new_user=new_user
    )
