"""Webhooks: where a bot's updates are pushed, who may push them, and what a failure means.

``do_set_webhook`` refuses targets inside private networks (SSRF: loopback, private,
link-local, multicast and reserved addresses, after DNS resolution) unless the operator
set ``webhook_allow_private``; plain ``http://`` is allowed only then too. Deliveries
are claimed per bot with a lease in the database, so in a cluster one node delivers a
bot's updates, in order. A failed update is retried with exponential backoff (honouring
``Retry-After``) for ``webhook_retry_max_s``, then parked as a dead letter.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import re
import socket
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy import Row

from lianxin.actions.bot_updates import check_allowed_updates, wake
from lianxin.actions.bots import Bot
from lianxin.errors import Code, LianxinError
from lianxin.services import Services
from lianxin.store import bots as store

SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
URL_MAX = 2048
ERROR_MAX = 500


def webhook_key(token: str) -> str:
    """The HMAC key webhook bodies are signed with; the bot derives it from its token too."""
    return hmac.new(token.encode(), b"lianxin-webhook", hashlib.sha256).hexdigest()


def sign(key: str, timestamp: int, body: bytes) -> str:
    """``X-Lianxin-Signature``: ``t=<unix seconds>,v1=<hex HMAC-SHA256(key, "<t>." + body)>``."""
    mac = hmac.new(key.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


async def check_target(svc: Services, url: str) -> None:
    """Refuse URLs that are malformed or reach into private networks (unless allowed)."""
    allow = svc.settings.webhook_allow_private
    parts = urlsplit(url)
    if len(url) > URL_MAX or parts.scheme not in ("https", "http") or not parts.hostname:
        raise LianxinError(Code.bad_request, "bad webhook: an https URL is required")
    if parts.scheme == "http" and not allow:
        raise LianxinError(Code.bad_request, "bad webhook: an https URL is required")
    if allow:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname,
            parts.port or (443 if parts.scheme == "https" else 80),
            type=socket.SOCK_STREAM,
        )
    except OSError:
        raise LianxinError(Code.bad_request, "bad webhook: failed to resolve host") from None
    if not infos or any(_private(str(info[4][0])) for info in infos):
        raise LianxinError(
            Code.bad_request, "bad webhook: the address is in a private or reserved network"
        )


async def do_set_webhook(
    svc: Services,
    bot: Bot,
    token: str,
    url: str,
    *,
    secret_token: str | None = None,
    max_connections: int | None = None,
    allowed_updates: object = None,
    drop_pending: bool = False,
) -> None:
    """Push updates to ``url`` from now on; an empty URL removes the webhook."""
    if not url:
        await do_delete_webhook(svc, bot, drop_pending=drop_pending)
        return
    await check_target(svc, url)
    if secret_token is not None and not SECRET_RE.fullmatch(secret_token):
        raise LianxinError(Code.bad_request, "secret_token is 1-256 of A-Z a-z 0-9 _ -")
    allowed = check_allowed_updates(allowed_updates)
    values: dict[str, Any] = {
        "webhook_url": url,
        "webhook_secret": secret_token,
        "webhook_key": webhook_key(token),
        "max_connections": max(1, min(max_connections or 40, 100)),
        "poll_lease": None,  # a running getUpdates ends with 409
        "last_error": None,
        "last_error_at": None,
    }
    if allowed is not None:
        values["allowed_updates"] = orjson.dumps(allowed).decode()
    async with svc.db.write() as conn:
        await store.update_bot_txn(conn, bot.user_id, values, svc.clock.now_ms())
        if drop_pending:
            await store.drop_updates_txn(conn, bot.user_id)
    await wake(svc, bot.user_id)


async def do_delete_webhook(svc: Services, bot: Bot, *, drop_pending: bool = False) -> None:
    values = {"webhook_url": None, "webhook_secret": None, "webhook_key": None}
    async with svc.db.write() as conn:
        await store.update_bot_txn(conn, bot.user_id, values, svc.clock.now_ms())
        if drop_pending:
            await store.drop_updates_txn(conn, bot.user_id)


async def webhook_info(svc: Services, bot: Bot) -> dict[str, Any]:
    """Telegram's WebhookInfo."""
    async with svc.db.read() as conn:
        row = await store.get_bot(conn, bot.user_id)
        pending = await store.count_pending(conn, bot.user_id)
    assert row is not None
    info: dict[str, Any] = {
        "url": row.webhook_url or "",
        "has_custom_certificate": False,
        "pending_update_count": pending,
    }
    if row.webhook_url:
        info["max_connections"] = row.max_connections
    if row.allowed_updates:
        info["allowed_updates"] = orjson.loads(row.allowed_updates)
    if row.last_error_at:
        info["last_error_date"] = row.last_error_at // 1000
        info["last_error_message"] = row.last_error
    return info


# -- delivery (driven by platform/webhooks.py) ------------------------------------------


async def do_claim(svc: Services, node: str, lease_s: float, limit: int = 50) -> list[int]:
    """Bots whose webhooks this node delivers for the next ``lease_s`` seconds."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        return await store.claim_webhooks_txn(conn, node, now, now + int(lease_s * 1000), limit)


async def due_updates(
    svc: Services, bot_id: int, limit: int
) -> tuple[Row[Any] | None, list[Row[Any]]]:
    """The bot (with its webhook) and its updates due for delivery, oldest first."""
    async with svc.db.read() as conn:
        bot = await store.get_bot(conn, bot_id)
        if bot is None or not bot.webhook_url:
            return None, []
        rows = await store.pending_updates(
            conn, bot_id, offset=0, limit=limit, due_by=svc.clock.now_ms()
        )
    return bot, list(rows)


async def do_delivered(svc: Services, bot_id: int, update_id: int) -> None:
    async with svc.db.write() as conn:
        await store.delete_update_txn(conn, bot_id, update_id)


async def do_failed(
    svc: Services, bot_id: int, row: Row[Any], error: str, retry_after_s: float | None
) -> None:
    """Back off (doubling, capped; ``Retry-After`` wins), or park it once retries run out."""
    s, now = svc.settings, svc.clock.now_ms()
    attempts = int(row.attempts) + 1
    delay_s = min(2 ** (attempts - 1), s.webhook_backoff_max_s)
    if retry_after_s is not None:
        delay_s = min(max(retry_after_s, 0), 3600)
    dead = now + delay_s * 1000 - row.created_at > s.webhook_retry_max_s * 1000
    values = {
        "attempts": attempts,
        "next_attempt_at": now + int(delay_s * 1000),
        "last_error": error[:ERROR_MAX],
        "dead": dead,
    }
    async with svc.db.write() as conn:
        await store.update_update_txn(conn, bot_id, row.update_id, values)
        await store.update_bot_txn(
            conn, bot_id, {"last_error": error[:ERROR_MAX], "last_error_at": now}, now
        )
