"""Where one-time sign-in codes go: console (development), webhook (operators), memory (tests).

No provider ever hands a code back to the API caller.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from typing import Protocol

import httpx
import orjson

from lianxin.config import Settings
from lianxin.errors import Code, LianxinError

log = logging.getLogger("lianxin.sms")


class SmsProvider(Protocol):
    async def send_code(self, phone: str, code: str) -> None: ...


class ConsoleSms:
    """Development default: writes the code to the server log."""

    async def send_code(self, phone: str, code: str) -> None:
        log.warning("sign-in code for %s: %s", phone, code)


class MemorySms:
    """Keeps the last code per number so tests can read it."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        self.sent: list[tuple[str, str]] = []

    async def send_code(self, phone: str, code: str) -> None:
        self.codes[phone] = code
        self.sent.append((phone, code))


class WebhookSms:
    """POSTs ``{"phone", "code", "ts"}`` to an operator URL.

    The body is signed: ``X-Lianxin-Signature: sha256=<hex HMAC of "<ts>.<body>">`` with
    ``X-Lianxin-Timestamp: <ts>`` so the receiver can refuse replays.
    """

    def __init__(self, url: str, secret: str, *, timeout_s: float = 10.0) -> None:
        self.url = url
        self.secret = secret.encode()
        self.timeout_s = timeout_s

    def sign(self, ts: int, body: bytes) -> str:
        mac = hmac.new(self.secret, str(ts).encode() + b"." + body, hashlib.sha256)
        return "sha256=" + mac.hexdigest()

    async def send_code(self, phone: str, code: str) -> None:
        ts = int(time.time())
        body = orjson.dumps({"phone": phone, "code": code, "ts": ts})
        headers = {
            "Content-Type": "application/json",
            "X-Lianxin-Timestamp": str(ts),
            "X-Lianxin-Signature": self.sign(ts, body),
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                resp = await client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            log.error("sms webhook unreachable: %s", exc)
            raise LianxinError(Code.sms_failed, "could not send the code; try again") from exc
        if resp.status_code >= 300:
            log.error("sms webhook answered %s", resp.status_code)
            raise LianxinError(Code.sms_failed, "could not send the code; try again")


def create_sms(settings: Settings) -> SmsProvider:
    if settings.sms_provider == "webhook":
        if not settings.sms_webhook_url or not settings.sms_webhook_secret:
            raise ValueError("sms_provider=webhook needs sms_webhook_url and sms_webhook_secret")
        return WebhookSms(settings.sms_webhook_url, settings.sms_webhook_secret)
    if settings.sms_provider == "memory":
        return MemorySms()
    return ConsoleSms()
