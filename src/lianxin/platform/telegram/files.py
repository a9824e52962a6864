"""Telegram files on Lianxin's media store: ids, shapes, sending media and getFile.

A ``file_id`` names one stored media object and, for photos, one of its sizes:
``L<media id>`` (the original) or ``L<media id>.thumb`` / ``.preview``. Access is the
media store's own rule (``actions.media.access_media``) applied to the bot: a bot
reads what it uploaded and what was sent into a chat it is in, nothing else, so another
bot's file id is refused even though ids are guessable. ``file_path`` (from getFile)
is ``<folder>/<file id>``; ``/file/bot<token>/<file_path>`` serves the bytes after the
same check.

Sending takes an upload (multipart, or ``attach://<part>``), a file id the bot may read,
or an HTTP(S) URL fetched through the SSRF-safe fetcher (``net/fetch.py``) with the
link-preview address policy and the kind's size limit.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy import Row
from starlette.datastructures import UploadFile

from lianxin.actions import media
from lianxin.actions.bots import Bot
from lianxin.errors import Code, LianxinError
from lianxin.media.process import MediaKind, size_limit
from lianxin.net.addresses import AddressPolicy
from lianxin.net.fetch import FetchError, fetch
from lianxin.services import Services

Obj = dict[str, Any]
FILE_ID_RE = re.compile(r"^L([1-9][0-9]{0,15})(?:\.(thumb|preview))?$")
FOLDERS = {"photo": "photos", "voice": "voice", "video": "videos", "file": "documents"}
URL_FETCH_TIMEOUT_S = 30.0
CHUNK = 64 * 1024


def _bad(message: str) -> LianxinError:
    return LianxinError(Code.bad_request, message)


def file_id(media_id: int, variant: str | None = None) -> str:
    return f"L{media_id}" + (f".{variant}" if variant else "")


def unique_id(sha256: str, variant: str | None = None) -> str:
    return sha256[:16] + (variant[:1] if variant else "")


def parse_file_id(value: str) -> tuple[int, str | None]:
    match = FILE_ID_RE.fullmatch(value.strip())
    if match is None:
        raise _bad("wrong file identifier/HTTP URL specified")
    return int(match.group(1)), match.group(2)


async def access_file(svc: Services, bot: Bot, value: str) -> tuple[Row[Any], str | None]:
    """The media row and variant of a file id the bot may read; else 400 like Telegram."""
    media_id, variant = parse_file_id(value)
    try:
        row = await media.access_media(svc, bot.identity, media_id)
    except LianxinError as exc:
        if exc.code in (Code.not_found, Code.gone):
            raise _bad("wrong file identifier/HTTP URL specified") from None
        raise
    if variant is not None and variant not in media.variants_of(row):
        raise _bad("wrong file identifier/HTTP URL specified")
    return row, variant


# -- shapes --------------------------------------------------------------------------------


def _scaled(width: int, height: int, side: int) -> tuple[int, int]:
    if max(width, height) <= side:
        return width, height
    factor = side / max(width, height)
    return max(1, round(width * factor)), max(1, round(height * factor))


def photo_sizes(data: Obj, sha256: str, variant_sizes: dict[str, int]) -> list[Obj]:
    """A photo as Telegram's PhotoSize array, smallest first (thumb, preview, original)."""
    width, height = int(data.get("width") or 0), int(data.get("height") or 0)
    out = []
    for variant, side in (("thumb", 320), ("preview", 1280)):
        if variant in variant_sizes:
            w, h = _scaled(width, height, side)
            out.append(_photo_size(data["media"], sha256, variant, w, h, variant_sizes[variant]))
    out.append(_photo_size(data["media"], sha256, None, width, height, int(data["size"])))
    return out


def _photo_size(
    media_id: int, sha256: str, variant: str | None, width: int, height: int, size: int
) -> Obj:
    return {
        "file_id": file_id(media_id, variant),
        "file_unique_id": unique_id(sha256, variant),
        "width": width,
        "height": height,
        "file_size": size,
    }


def media_fields(kind: str, data: Obj, row: Row[Any] | None) -> Obj:
    """The Message fields for a media message (``photo``, ``document``, ``voice``, ``video``);
    ``row`` is the media object (None when it is gone: the message then has none)."""
    if row is None or "media" not in data:
        return {}
    sha = str(row.sha256)
    base = {"file_id": file_id(data["media"]), "file_unique_id": unique_id(sha)}
    duration = max(0, round(int(data.get("duration_ms") or 0) / 1000))
    if kind == "photo":
        return {"photo": photo_sizes(data, sha, media.variants_of(row))}
    if kind == "voice":
        return {
            "voice": {
                **base,
                "duration": duration,
                "mime_type": data.get("mime"),
                "file_size": data.get("size"),
            }
        }
    if kind == "file":
        doc = {**base, "mime_type": data.get("mime"), "file_size": data.get("size")}
        if data.get("name"):
            doc["file_name"] = data["name"]
        return {"document": doc}
    if kind == "video":
        return {
            "video": {
                **base,
                "width": data.get("width") or 0,
                "height": data.get("height") or 0,
                "duration": duration,
                "mime_type": data.get("mime"),
                "file_size": data.get("size"),
            }
        }
    return {}


def file_object(row: Row[Any], variant: str | None) -> Obj:
    """getFile's File: its size and the path to download it from."""
    size = media.variants_of(row)[variant] if variant else int(row.size)
    fid = file_id(int(row.id), variant)
    return {
        "file_id": fid,
        "file_unique_id": unique_id(str(row.sha256), variant),
        "file_size": size,
        "file_path": f"{FOLDERS.get(str(row.kind), 'documents')}/{fid}",
    }


def parse_file_path(path: str) -> str:
    """The file id in a ``file_path`` (``<folder>/<file id>``)."""
    folder, _, fid = path.partition("/")
    if folder not in FOLDERS.values() or not fid:
        raise LianxinError(Code.not_found, "file not found")
    return fid


# -- sending -------------------------------------------------------------------------------


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


async def _bytes(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _fetch_url(svc: Services, url: str, kind: MediaKind) -> tuple[bytes, str | None]:
    """Download a file the bot named by URL, under the SSRF rules and the kind's limit."""
    limit = size_limit(svc.settings, kind)
    policy = AddressPolicy.from_settings(svc.settings.link_preview_allow_networks)
    try:
        page = await fetch(url, policy=policy, timeout=URL_FETCH_TIMEOUT_S, max_bytes=limit + 1)
    except FetchError as exc:
        raise _bad(f"failed to get HTTP URL content: {exc}") from None
    if len(page.body) > limit:
        raise LianxinError(Code.too_large, f"a {kind} is at most {limit} bytes", limit=limit)
    name = page.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or None
    return page.body, name


async def input_media(
    svc: Services, bot: Bot, value: UploadFile | str | None, kind: MediaKind, field: str
) -> int:
    """The media object to send for a file parameter: stored now (upload or URL) or an
    existing one the bot may read (a file id)."""
    if value is None:
        raise _bad(f"{field} is required")
    if isinstance(value, UploadFile):
        stored = await media.do_upload(
            svc,
            bot.identity,
            kind=kind,
            name=value.filename,
            body=_chunks(value),
            length=value.size,
        )
        return int(stored["id"])
    if value.startswith(("http://", "https://")):
        data, name = await _fetch_url(svc, value, kind)
        stored = await media.do_upload(
            svc, bot.identity, kind=kind, name=name, body=_bytes(data), length=len(data)
        )
        return int(stored["id"])
    row, variant = await access_file(svc, bot, value)
    if variant is not None:
        raise _bad("send a photo by the file id of its largest size")
    return int(row.id)


def stored_data(event: Row[Any]) -> Obj:
    data: Obj = orjson.loads(event.data or "{}")
    return data
