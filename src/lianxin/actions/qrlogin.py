"""Web sign-in by QR code (WeChat style).

1. The browser asks for a code (no auth) and gets ``token`` (shown as a QR) and
   ``secret`` (kept to itself: the screen may be seen by others).
2. A signed-in device scans the token (``scan``: the code is now tied to that user),
   then the person confirms (``confirm``; only the user who scanned can).
3. The browser, waiting with its secret, receives a new device token exactly once.

Codes expire after ``qr_login_ttl_s`` (2 minutes); a used code is refused.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions import accounts, views
from lianxin.actions.accounts import Identity, check_device_name, hash_token
from lianxin.actions.qr import link
from lianxin.errors import Code, LianxinError
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import qrcodes as store

POLL_S = 0.2
WAIT_MAX_S = 30.0


async def do_start(svc: Services, device_name: str) -> dict[str, Any]:
    token, secret = secrets.token_urlsafe(16), secrets.token_urlsafe(24)
    now = svc.clock.now_ms()
    expires = now + svc.settings.qr_login_ttl_s * 1000
    async with svc.db.write() as conn:
        await store.insert_login_txn(
            conn,
            token=token,
            secret_hash=hash_token(secret),
            device=check_device_name(device_name),
            now=now,
            expires_at=expires,
        )
    return {
        "token": token,
        "secret": secret,
        "url": link(svc.settings, "login/" + token),
        "expires_at": expires,
    }


async def _open_txn(conn: AsyncConnection, token: str, now: int) -> Row[Any]:
    row = await store.lock_login_txn(conn, token)
    if row is None:
        raise LianxinError(Code.not_found, "this sign-in code is not valid")
    if row.state == "done":
        raise LianxinError(Code.conflict, "this sign-in code was already used")
    if row.expires_at <= now:
        raise LianxinError(Code.expired, "this sign-in code has expired; reload the page")
    return row


async def do_scan(svc: Services, me: Identity, token: str) -> dict[str, Any]:
    """A signed-in device scanned the code: tie it to that user, show what will sign in."""
    async with svc.db.write() as conn:
        row = await _open_txn(conn, token, svc.clock.now_ms())
        if row.user_id is not None and row.user_id != me.user_id:
            raise LianxinError(Code.not_allowed, "someone else scanned this code")
        if row.state == "pending":
            await store.update_login_txn(conn, token, {"state": "scanned", "user_id": me.user_id})
    return {"device_name": row.device_name, "expires_at": row.expires_at}


async def do_confirm(svc: Services, me: Identity, token: str) -> None:
    async with svc.db.write() as conn:
        row = await _open_txn(conn, token, svc.clock.now_ms())
        if row.state == "pending":
            raise LianxinError(Code.conflict, "scan the code before confirming")
        if row.user_id != me.user_id:
            raise LianxinError(Code.not_allowed, "someone else scanned this code")
        await store.update_login_txn(conn, token, {"state": "confirmed"})


async def _claim(svc: Services, token: str, secret: str) -> dict[str, Any]:
    """One look: the new session once confirmed, else the state so far."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        row = await store.lock_login_txn(conn, token)
        if row is None or not hmac.compare_digest(row.secret_hash, hash_token(secret)):
            raise LianxinError(Code.not_found, "this sign-in code is not valid")
        row = await _open_txn(conn, token, now)
        if row.state != "confirmed":
            return {"status": row.state}
        new_token = accounts._new_token()
        device_id = await accounts_store.insert_device_txn(
            conn,
            user_id=row.user_id,
            token_hash=hash_token(new_token),
            name=row.device_name,
            ip=None,
            now=now,
        )
        await store.update_login_txn(conn, token, {"state": "done"})
        user = await accounts_store.get_user(conn, row.user_id)
    assert user is not None
    return {
        "status": "signed_in",
        "token": new_token,
        "device_id": device_id,
        "user": views.own_user(user),
    }


async def do_wait(svc: Services, token: str, secret: str, timeout_s: float) -> dict[str, Any]:
    """Long-poll for the outcome: returns at once when signed in, else after the timeout
    with ``status`` pending / scanned (ask again). Expired and used codes are refused."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(0.0, min(timeout_s, WAIT_MAX_S))
    while loop.time() < deadline:
        # Cheap reads while nothing happens; the write (and the secret check) at the end.
        async with svc.db.read() as conn:
            row = await store.get_login(conn, token)
        if row is None or row.state in ("confirmed", "done"):
            break
        if row.expires_at <= svc.clock.now_ms():
            break
        await asyncio.sleep(POLL_S)
    return await _claim(svc, token, secret)
