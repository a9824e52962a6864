"""Signed download URLs: HMAC-SHA256 over (media id, variant, user, expiry).

Browsers cannot put a bearer token on an ``<img src>``, so clients get URLs that carry
their own proof of identity. The expiry is rounded to a window (``media_url_ttl_s``), so
a user asking again within one window gets the very same URL and the browser's cache
serves it; a URL lives between one and two windows. The URL names its user, and the
server checks that user's access on every request, so it stops working the moment
access is lost.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from lianxin.config import Settings


def media_secret(settings: Settings) -> bytes:
    """The configured secret, else a random one kept in ``data_dir/media.key``."""
    if settings.media_secret:
        return settings.media_secret.encode()
    path = settings.data_dir / "media.key"
    if not path.exists():
        _write_key(path)
    return path.read_bytes().strip()


def _write_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(secrets.token_hex(32))
    os.chmod(tmp, 0o600)
    if not path.exists():  # another process may have won; keep theirs
        os.replace(tmp, path)
    tmp.unlink(missing_ok=True)


def window_expiry(now_s: int, window_s: int) -> int:
    """When URLs issued at ``now_s`` expire: the end of the next window.

    Every URL issued within one window is identical (cacheable), and lives at least one
    window, at most two.
    """
    window_s = max(1, window_s)
    return (now_s // window_s + 2) * window_s


def sign(secret: bytes, media_id: int, variant: str, user_id: int, expires_s: int) -> str:
    msg = f"{media_id}:{variant}:{user_id}:{expires_s}".encode()
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()[:32]


def verify(
    secret: bytes,
    media_id: int,
    variant: str,
    user_id: int,
    expires_s: int,
    sig: str,
    now_s: int,
) -> bool:
    """True when ``sig`` was made by this server for this URL and has not expired."""
    if expires_s < now_s:
        return False
    return hmac.compare_digest(sign(secret, media_id, variant, user_id, expires_s), sig)
