"""Media objects: upload (whole or resumable), authorised download, the periodic sweep.

An object may be read by its uploader and by active members of any chat it was sent
into (``media_kinds`` links the chat inside the send transaction). Everyone else gets
404, exactly as for an id that does not exist. Bytes are content-addressed in the blob
store, so identical uploads are stored once and counted once against the quota.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions.accounts import Identity
from lianxin.errors import Code, LianxinError
from lianxin.media import signing, staging
from lianxin.media.ffmpeg import Tools
from lianxin.media.process import MEDIA_KINDS, MediaKind, Processed, clean_name, process, size_limit
from lianxin.media.storage import BlobMissing, BlobStore, blob_key
from lianxin.services import Services
from lianxin.store import media as store

log = logging.getLogger("lianxin.media")

VARIANTS = ("thumb", "preview", "poster")
SWEEP_BATCH = 200


@dataclass(frozen=True, slots=True)
class Download:
    """One stored byte string an authorised caller may fetch."""

    key: str
    size: int
    mime: str
    etag: str
    created_at: int
    name: str | None
    attachment: bool


def blobs(svc: Services) -> BlobStore:
    if svc.media is None:
        raise LianxinError(Code.internal, "media storage is not configured on this server")
    return svc.media


def _staging(svc: Services) -> staging.Staging:
    return staging.Staging(svc.settings.data_dir / "media")


def _tools(svc: Services) -> Tools:
    return Tools.find(svc.settings.media_ffmpeg, svc.settings.media_ffprobe)


def check_media_kind(kind: str) -> MediaKind:
    for known in MEDIA_KINDS:
        if kind == known:
            return known
    raise LianxinError(Code.bad_request, f"media kind is one of {', '.join(MEDIA_KINDS)}")


def _too_large(kind: str, limit: int) -> LianxinError:
    return LianxinError(Code.too_large, f"a {kind} is at most {limit} bytes", limit=limit)


async def _check_quota(conn: AsyncConnection, svc: Services, me: Identity, adding: int) -> None:
    used = await store.usage_bytes(conn, me.user_id)
    used += await store.pending_upload_bytes(conn, me.user_id, svc.clock.now_ms())
    quota = svc.settings.media_quota_bytes
    if used + adding > quota:
        raise LianxinError(Code.storage_full, "your media storage is full", used=used, quota=quota)


# -- views ------------------------------------------------------------------------------------


def variants_of(row: Row[Any]) -> dict[str, int]:
    """Derived files of an object and their sizes, from the ``variants`` column."""
    out = {}
    for part in filter(None, str(row.variants).split(",")):
        name, _, size = part.partition(":")
        out[name] = int(size)
    return out


def message_data(row: Row[Any]) -> dict[str, Any]:
    """What a message carrying this object stores (and every recipient receives)."""
    data: dict[str, Any] = {"media": row.id, "mime": row.mime, "size": row.size}
    if row.name:
        data["name"] = row.name
    data.update(orjson.loads(row.meta))
    data["variants"] = sorted(variants_of(row))
    return data


def signed_urls(svc: Services, row: Row[Any], user_id: int) -> dict[str, Any]:
    """Download URLs for one user that work without a token until ``expires_at`` (seconds).

    The same user asking within one ``media_url_ttl_s`` window gets the same URLs, so the
    browser's cache keeps the bytes across reloads.
    """
    secret = signing.media_secret(svc.settings)
    exp = signing.window_expiry(svc.clock.now_ms() // 1000, svc.settings.media_url_ttl_s)
    base = f"/api/v1/media/{row.id}/content"
    urls: dict[str, Any] = {"expires_at": exp}
    for variant in ("", *variants_of(row)):
        sig = signing.sign(secret, int(row.id), variant, user_id, exp)
        query = f"?variant={variant}&" if variant else "?"
        urls[variant or "content"] = f"{base}{query}u={user_id}&exp={exp}&sig={sig}"
    return urls


def cache_seconds(svc: Services, exp: int | None) -> int:
    """How long a browser may keep a download: until its signed URL expires, or one window
    for bearer-token downloads, so no cached copy outlives access by more than that."""
    if exp is None:
        return svc.settings.media_url_ttl_s
    return max(0, exp - svc.clock.now_ms() // 1000)


def view(svc: Services, row: Row[Any], user_id: int) -> dict[str, Any]:
    out = message_data(row)
    del out["media"]
    out.update(
        id=row.id,
        kind=row.kind,
        sha256=row.sha256,
        owner=row.owner_id,
        created_at=row.created_at,
    )
    out["urls"] = signed_urls(svc, row, user_id)
    return out


# -- whole uploads ----------------------------------------------------------------------------


async def do_upload(
    svc: Services,
    me: Identity,
    *,
    kind: str,
    name: str | None,
    body: AsyncIterator[bytes],
    length: int | None,
) -> dict[str, Any]:
    """Receive one upload as a stream (never whole in memory) and store what it holds.

    The size limit of the kind is checked against Content-Length first, then again while
    the bytes arrive, so an oversize upload stops at the limit instead of filling a disk.
    The quota is checked once the content hash is known: bytes already kept cost nothing.
    """
    mkind = check_media_kind(kind)
    limit = size_limit(svc.settings, mkind)
    if length is not None and length > limit:
        raise _too_large(mkind, limit)
    path = _staging(svc).new_path()
    try:
        size = await staging.receive(body, path, limit)
    except staging.TooLarge as exc:
        raise _too_large(mkind, limit) from exc
    return await _store_staged(svc, me, mkind, clean_name(name), path, size)


async def _store_staged(
    svc: Services, me: Identity, kind: MediaKind, name: str | None, path: Path, size: int
) -> dict[str, Any]:
    """Check, derive and store a complete staged file; every scratch file is removed."""
    try:
        if size == 0:
            raise LianxinError(Code.bad_request, "the upload is empty")
        done = await asyncio.to_thread(process, path, kind, svc.settings, _tools(svc))
        sha = await asyncio.to_thread(staging.sha256_of, done.path)
        stored_size = done.path.stat().st_size
        async with svc.db.read() as conn:
            if not await store.sha_in_use(conn, sha):
                await _check_quota(conn, svc, me, stored_size)
        variants = await _put_blobs(svc, sha, done)
        async with svc.db.write() as conn:
            row = await store.insert_media_txn(
                conn,
                owner_id=me.user_id,
                kind=kind,
                sha256=sha,
                size=stored_size,
                mime=done.mime,
                name=name,
                meta=orjson.dumps(done.meta).decode(),
                variants=",".join(f"{k}:{v}" for k, v in variants.items()),
                created_at=svc.clock.now_ms(),
            )
        return view(svc, row, me.user_id)
    finally:
        for scratch in path.parent.glob(path.name + "*"):
            scratch.unlink(missing_ok=True)


async def _put_blobs(svc: Services, sha: str, done: Processed) -> dict[str, int]:
    """Store the content and its variants (each once per content); their sizes."""
    store_ = blobs(svc)
    sizes = {name: p.stat().st_size for name, p in done.variants.items()}
    for name, p in done.variants.items():
        await store_.put_file(blob_key(sha, name), p)
    await store_.put_file(blob_key(sha), done.path)
    return sizes


# -- resumable uploads ------------------------------------------------------------------------


def _upload_view(svc: Services, row: Row[Any], offset: int) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "name": row.name,
        "size": row.size,
        "offset": offset,
        "expires_at": row.expires_at,
        "chunk_max": svc.settings.media_chunk_max_bytes,
    }


async def do_create_upload(
    svc: Services, me: Identity, *, kind: str, name: str | None, size: int
) -> dict[str, Any]:
    """Open a resumable upload of ``size`` bytes; its space is reserved in the quota."""
    mkind = check_media_kind(kind)
    limit = size_limit(svc.settings, mkind)
    if size > limit:
        raise _too_large(mkind, limit)
    if size < 1:
        raise LianxinError(Code.bad_request, "the upload is empty")
    now = svc.clock.now_ms()
    upload_id = secrets.token_hex(16)
    async with svc.db.write() as conn:
        await _check_quota(conn, svc, me, size)
        await store.insert_upload_txn(
            conn,
            id=upload_id,
            owner_id=me.user_id,
            kind=mkind,
            name=clean_name(name),
            size=size,
            created_at=now,
            expires_at=now + svc.settings.media_upload_ttl_s * 1000,
        )
        row = await store.get_upload(conn, upload_id, me.user_id)
    assert row is not None
    _staging(svc).upload_path(upload_id).touch()
    return _upload_view(svc, row, 0)


async def _access_upload(svc: Services, me: Identity, upload_id: str) -> tuple[Row[Any], Path]:
    async with svc.db.read() as conn:
        row = await store.get_upload(conn, upload_id, me.user_id)
    part = _staging(svc).upload_path(upload_id)
    if row is None or row.expires_at <= svc.clock.now_ms() or not part.is_file():
        raise LianxinError(Code.not_found, "no such upload (it may have expired)")
    return row, part


async def upload_status(svc: Services, me: Identity, upload_id: str) -> dict[str, Any]:
    """Where to resume: ``offset`` is how many bytes the server has."""
    row, part = await _access_upload(svc, me, upload_id)
    return _upload_view(svc, row, part.stat().st_size)


async def do_append_chunk(
    svc: Services, me: Identity, upload_id: str, *, offset: int, body: AsyncIterator[bytes]
) -> dict[str, Any]:
    """Append bytes at ``offset`` (which must be what the server has: else 409 + offset).

    Bytes that arrive before a dropped connection are kept, so the client resumes from
    the offset ``upload_status`` reports.
    """
    row, part = await _access_upload(svc, me, upload_id)
    f = await asyncio.to_thread(part.open, "ab")
    try:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise LianxinError(Code.conflict, "another chunk of this upload is arriving") from exc
        have = f.tell()
        if offset != have:
            raise LianxinError(Code.conflict, f"the server has {have} bytes", offset=have)
        room = min(int(row.size) - have, svc.settings.media_chunk_max_bytes)
        try:
            have = await staging.append(body, f, have, have + room)
        except staging.TooLarge as exc:
            await asyncio.to_thread(f.truncate, offset)
            raise LianxinError(
                Code.too_large, f"a chunk here is at most {room} bytes", limit=room
            ) from exc
    finally:
        await asyncio.to_thread(f.close)
    return _upload_view(svc, row, have)


async def do_finish_upload(svc: Services, me: Identity, upload_id: str) -> dict[str, Any]:
    """All bytes are in: check and store them like a whole upload (the session ends)."""
    row, part = await _access_upload(svc, me, upload_id)
    have = part.stat().st_size
    if have != row.size:
        raise LianxinError(Code.conflict, f"the upload has {have} of {row.size} bytes", offset=have)
    async with svc.db.write() as conn:
        await store.delete_upload_txn(conn, upload_id)
    path = _staging(svc).new_path()
    part.rename(path)
    return await _store_staged(svc, me, row.kind, row.name, path, have)


async def do_cancel_upload(svc: Services, me: Identity, upload_id: str) -> None:
    _, part = await _access_upload(svc, me, upload_id)
    async with svc.db.write() as conn:
        await store.delete_upload_txn(conn, upload_id)
    part.unlink(missing_ok=True)


# -- reading ----------------------------------------------------------------------------------


async def access_media(svc: Services, me: Identity, media_id: int) -> Row[Any]:
    """The object, if I uploaded it or belong to a chat it was sent into; else 404.

    View-once photos are never served here (only by opening their message once).
    """
    return await _access_as(svc, me.user_id, media_id)


async def _access_as(svc: Services, user_id: int, media_id: int) -> Row[Any]:
    async with svc.db.read() as conn:
        row = await store.get_media(conn, media_id)
        allowed = row is not None and (
            row.owner_id == user_id or await store.readable_via_chat(conn, media_id, user_id)
        )
    if row is None or not allowed or row.view_once:
        raise LianxinError(Code.not_found, "no such media")
    if row.gone_at is not None:
        raise LianxinError(Code.gone, "this media has been deleted")
    return row


async def access_signed(
    svc: Services, media_id: int, variant: str, user_id: int, exp: int, sig: str
) -> Row[Any]:
    """The object a signed URL names, if the signature is ours, not expired, and the user
    it was issued to can still read the object (checked now, not when it was signed)."""
    secret = signing.media_secret(svc.settings)
    now_s = svc.clock.now_ms() // 1000
    if not signing.verify(secret, media_id, variant, user_id, exp, sig, now_s):
        raise LianxinError(Code.not_found, "no such media (or the link expired)")
    return await _access_as(svc, user_id, media_id)


async def media_info(svc: Services, me: Identity, media_id: int) -> dict[str, Any]:
    return view(svc, await access_media(svc, me, media_id), me.user_id)


def download(row: Row[Any], variant: str | None) -> Download:
    """What to send for the object or one of its variants (404 for a variant it lacks)."""
    created = int(row.created_at)
    if not variant:
        attach = row.kind == "file"
        return Download(
            blob_key(row.sha256), row.size, row.mime, row.sha256, created, row.name, attach
        )
    sizes = variants_of(row)
    if variant not in sizes:
        raise LianxinError(Code.not_found, f"this media has no {variant}")
    return Download(
        blob_key(row.sha256, variant),
        sizes[variant],
        "image/jpeg",
        f"{row.sha256}.{variant}",
        created,
        None,
        False,
    )


async def open_stream(svc: Services, dl: Download, start: int, end: int) -> AsyncIterator[bytes]:
    """The bytes start..end; the first chunk is read now, so a missing blob is a 410."""
    stream = blobs(svc).read(dl.key, start, end)
    try:
        first = await anext(stream)
    except (BlobMissing, StopAsyncIteration) as exc:
        await stream.aclose()  # type: ignore[attr-defined]
        raise LianxinError(Code.gone, "this media's content is no longer stored") from exc

    async def rest() -> AsyncIterator[bytes]:
        try:
            yield first
            async for chunk in stream:
                yield chunk
        finally:
            await stream.aclose()  # type: ignore[attr-defined]

    return rest()


# -- deleting content -------------------------------------------------------------------------


async def release_content(svc: Services, sha256: str, variants: list[str]) -> None:
    """Delete stored bytes nobody keeps any more (call after marking objects gone)."""
    async with svc.db.read() as conn:
        if await store.sha_in_use(conn, sha256):
            return
    for name in (*variants, None):
        await blobs(svc).delete(blob_key(sha256, name))


async def do_sweep(svc: Services) -> int:
    """Delete view-once photos past their lifetime and abandoned uploads; how many."""
    now = svc.clock.now_ms()
    cutoff = now - svc.settings.media_view_once_ttl_s * 1000
    async with svc.db.write() as conn:
        expired = await store.expired_view_once(conn, cutoff, SWEEP_BATCH)
        for row in expired:
            await store.mark_gone_txn(conn, row.id, now)
        uploads = await store.expired_uploads(conn, now, SWEEP_BATCH)
        for upload_id in uploads:
            await store.delete_upload_txn(conn, upload_id)
    for row in expired:
        await release_content(svc, row.sha256, list(variants_of(row)))
    for upload_id in uploads:
        _staging(svc).upload_path(upload_id).unlink(missing_ok=True)
    return len(expired) + len(uploads)


async def run_sweeper(svc: Services) -> None:
    """Sweep every ``media_sweep_interval_s`` until cancelled (started by the app)."""
    while True:
        await asyncio.sleep(svc.settings.media_sweep_interval_s)
        try:
            await do_sweep(svc)
        except Exception:
            log.exception("media sweep failed; trying again next interval")
