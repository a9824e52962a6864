"""Stickers: the operator's catalogue (the sticker store), users' collections and
favourites, installing packs, and the ``sticker`` message kind.

A pack is a numbered list of PNG, WebP or GIF images (still or animated). Images are
checked with Pillow when a pack is installed; a message of kind ``sticker`` names a
pack and an index, and carries the image's URL and size so clients can draw it at once.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PIL import Image, UnidentifiedImageError
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.actions.accounts import Identity
from lianxin.errors import Code, LianxinError
from lianxin.events import publish
from lianxin.services import Services
from lianxin.store import stickers as store

if TYPE_CHECKING:  # kinds.py imports this module to list its kinds
    from lianxin.actions.kinds import Content, Draft

FORMATS = {"PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
STICKER_MAX_BYTES = 1024 * 1024
STICKER_MAX_SIDE = 1024
PACK_MAX = 200
FAVOURITES_MAX = 300
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TITLE_MAX = 64


def file_url(pack_id: int, idx: int, sha256: str) -> str:
    """The image's URL; the hash in it changes when a pack is re-imported, so the image
    can be cached for ever."""
    return f"/api/v1/stickers/{pack_id}/{idx}/image?v={sha256[:16]}"


def sticker_view(row: Row[Any]) -> dict[str, Any]:
    return {
        "pack": row.pack_id,
        "index": row.idx,
        "emoji": row.emoji,
        "mime": row.mime,
        "width": row.width,
        "height": row.height,
        "animated": bool(row.animated),
        "url": file_url(row.pack_id, row.idx, row.sha256),
    }


def pack_view(row: Row[Any], items: Sequence[Row[Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "slug": row.slug,
        "title": row.title,
        "animated": bool(row.animated),
        "count": row.count,
        "cover": f"/api/v1/stickers/{row.id}/0/image",
        "updated_at": row.updated_at,
    }
    if items is not None:
        out["stickers"] = [sticker_view(s) for s in items]
    return out


# -- installing packs (operator) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StickerFile:
    """One image of a pack to install, with the emoji it stands for."""

    name: str
    body: bytes
    emoji: str = ""


def check_image(file: StickerFile) -> dict[str, Any]:
    """What is stored of one image: its bytes plus format, size and whether it moves."""
    if len(file.body) > STICKER_MAX_BYTES:
        raise LianxinError(
            Code.bad_request, f"{file.name}: larger than {STICKER_MAX_BYTES // 1024} KB"
        )
    try:
        with Image.open(io.BytesIO(file.body)) as img:
            fmt, (width, height) = img.format or "", img.size
            animated = bool(getattr(img, "is_animated", False))
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise LianxinError(Code.bad_request, f"{file.name}: not a readable image") from exc
    if fmt not in FORMATS:
        raise LianxinError(Code.bad_request, f"{file.name}: use PNG, WebP or GIF, not {fmt}")
    if not (0 < width <= STICKER_MAX_SIDE and 0 < height <= STICKER_MAX_SIDE):
        raise LianxinError(
            Code.bad_request, f"{file.name}: at most {STICKER_MAX_SIDE}x{STICKER_MAX_SIDE} pixels"
        )
    if len(file.emoji) > 16:
        raise LianxinError(Code.bad_request, f"{file.name}: emoji is at most 16 characters")
    return {
        "mime": FORMATS[fmt],
        "emoji": file.emoji,
        "width": width,
        "height": height,
        "animated": animated,
        "sha256": hashlib.sha256(file.body).hexdigest(),
        "body": file.body,
    }


def check_slug(slug: str) -> str:
    if not SLUG.match(slug):
        raise LianxinError(
            Code.bad_request,
            "a pack name is 1 to 64 of a-z, 0-9, - and _, starting with a letter or digit",
        )
    return slug


def check_pack_title(title: str) -> str:
    title = " ".join(title.split())
    if not title or len(title) > TITLE_MAX:
        raise LianxinError(Code.bad_request, f"a pack title is 1 to {TITLE_MAX} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in title):
        raise LianxinError(Code.bad_request, "a pack title may not contain control characters")
    return title


async def do_install_pack(
    svc: Services, slug: str, title: str, files: Sequence[StickerFile]
) -> dict[str, Any]:
    """Add a pack to the store, or replace the images of the pack with this slug."""
    slug, title = check_slug(slug), check_pack_title(title)
    if not 1 <= len(files) <= PACK_MAX:
        raise LianxinError(Code.bad_request, f"a pack has 1 to {PACK_MAX} stickers")
    items = [check_image(f) for f in files]
    async with svc.db.write() as conn:
        pack_id = await store.replace_pack_txn(
            conn, slug=slug, title=title, items=items, now=svc.clock.now_ms()
        )
        row = await store.get_pack(conn, pack_id)
    assert row is not None
    return pack_view(row)


async def do_set_pack_listed(svc: Services, slug: str, listed: bool) -> dict[str, Any]:
    """Withdraw a pack from the store (it can no longer be sent), or list it again."""
    async with svc.db.write() as conn:
        row = await store.pack_by_slug(conn, slug)
        if row is None:
            raise LianxinError(Code.not_found, f"no sticker pack {slug!r}")
        await store.set_pack_active_txn(conn, row.id, listed, svc.clock.now_ms())
        row = await store.get_pack(conn, row.id)
    assert row is not None
    return pack_view(row)


async def all_packs(svc: Services) -> list[dict[str, Any]]:
    async with svc.db.read() as conn:
        rows = await store.all_packs(conn)
    return [{**pack_view(r), "listed": bool(r.active)} for r in rows]


# -- browsing and collections (users) --------------------------------------------------


async def sticker_store(svc: Services, *, after: int = 0, limit: int = 50) -> dict[str, Any]:
    """A page of the catalogue; ``next`` is the ``after`` of the next page, or null."""
    limit = max(1, min(limit, 100))
    async with svc.db.read() as conn:
        rows = await store.active_packs(conn, after=after, limit=limit + 1)
    page = [pack_view(r) for r in rows[:limit]]
    return {"packs": page, "next": page[-1]["id"] if len(rows) > limit else None}


async def _listed_pack(conn: AsyncConnection, pack_id: int) -> Row[Any]:
    row = await store.get_pack(conn, pack_id)
    if row is None or not row.active:
        raise LianxinError(Code.not_found, "no such sticker pack")
    return row


async def access_pack(svc: Services, pack_id: int) -> dict[str, Any]:
    async with svc.db.read() as conn:
        row = await _listed_pack(conn, pack_id)
        items = await store.stickers_of(conn, pack_id)
    return pack_view(row, items)


async def access_image(svc: Services, pack_id: int, idx: int) -> tuple[bytes, str, str]:
    """(bytes, mime type, sha256) of a listed pack's image."""
    async with svc.db.read() as conn:
        await _listed_pack(conn, pack_id)
        row = await store.get_sticker(conn, pack_id, idx, body=True)
    if row is None:
        raise LianxinError(Code.not_found, "no such sticker")
    return bytes(row.body), row.mime, row.sha256


async def my_stickers(svc: Services, me: Identity) -> dict[str, Any]:
    async with svc.db.read() as conn:
        packs = await store.my_packs(conn, me.user_id)
        favs = await store.favourites(conn, me.user_id)
    return {"packs": [pack_view(p) for p in packs], "favourites": [sticker_view(f) for f in favs]}


async def _tell_devices(svc: Services, me: Identity) -> None:
    """My other devices refetch my collection (it is small)."""
    await publish.to_users(svc.bus, [me.user_id], {"t": "stickers"})


async def do_add_pack(svc: Services, me: Identity, pack_id: int, on: bool) -> dict[str, Any]:
    """Add a listed pack to my collection (``on``), or remove it."""
    async with svc.db.write() as conn:
        if on:
            await _listed_pack(conn, pack_id)
            changed = await store.add_pack_txn(conn, me.user_id, pack_id, svc.clock.now_ms())
        else:
            changed = await store.remove_pack_txn(conn, me.user_id, pack_id)
            if not changed:
                raise LianxinError(Code.not_found, "this pack is not in your collection")
    if changed:
        await _tell_devices(svc, me)
    return await my_stickers(svc, me)


async def do_favourite(
    svc: Services, me: Identity, pack_id: int, idx: int, on: bool
) -> dict[str, Any]:
    """Add a sticker to my favourites (``on``), or remove it."""
    async with svc.db.write() as conn:
        if on:
            await _listed_pack(conn, pack_id)
            if await store.get_sticker(conn, pack_id, idx) is None:
                raise LianxinError(Code.not_found, "no such sticker")
            if await store.favourite_count(conn, me.user_id) >= FAVOURITES_MAX:
                raise LianxinError(
                    Code.quota_exceeded, f"you can keep at most {FAVOURITES_MAX} favourites"
                )
            now = svc.clock.now_ms()
            changed = await store.add_favourite_txn(conn, me.user_id, pack_id, idx, now)
        else:
            changed = await store.remove_favourite_txn(conn, me.user_id, pack_id, idx)
            if not changed:
                raise LianxinError(Code.not_found, "this sticker is not a favourite")
    if changed:
        await _tell_devices(svc, me)
    return await my_stickers(svc, me)


# -- the message kind ------------------------------------------------------------------


async def check_sticker_kind(
    conn: AsyncConnection, svc: Services, me: Identity, draft: Draft
) -> Content:
    """``{"pack": id, "index": n}`` of a listed pack; the stored data says how to draw it."""
    from lianxin.actions.kinds import Content

    content = draft.content
    if draft.text is not None:
        raise LianxinError(Code.bad_request, "a sticker message has no text")
    if not isinstance(content, dict) or not {"pack", "index"} <= set(content):
        raise LianxinError(Code.bad_request, "a sticker is {pack, index}")
    pack, idx = content["pack"], content["index"]
    if any(
        isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 2**53 for v in (pack, idx)
    ):
        raise LianxinError(Code.bad_request, "pack and index are numbers")
    await _listed_pack(conn, pack)
    row = await store.get_sticker(conn, pack, idx)
    if row is None:
        raise LianxinError(Code.not_found, "no such sticker")
    return Content(None, sticker_view(row))
