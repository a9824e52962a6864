"""Media over REST: uploads (whole or resumable), downloads with Range and caching,
view-once opening, played marks and group albums.

Upload bodies are read with ``request.stream()``, chunk by chunk, straight to disk.
Downloads accept the bearer token or a signed URL (``exp`` + ``sig`` from the media's
``urls``), since browsers cannot add headers to ``<img src>``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from email.utils import formatdate, parsedate_to_datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field
from starlette.background import BackgroundTask

from lianxin.actions import album, media, media_messages
from lianxin.actions.accounts import authenticate
from lianxin.api.deps import ID_MAX, Body, CurrentUser, IdPath, Svc
from lianxin.media.ranges import Unsatisfiable, parse_range

router = APIRouter(tags=["media"])
_bearer = HTTPBearer(auto_error=False)

Kind = Annotated[str, Query(description="photo, voice, video or file", max_length=10)]
UploadId = Annotated[str, Path(min_length=32, max_length=32, pattern="^[0-9a-f]{32}$")]


class UploadBody(Body):
    kind: str = Field(max_length=10, description="photo, voice, video or file")
    size: int = Field(ge=1, le=2**53, description="Total bytes that will be sent")
    name: str | None = Field(default=None, max_length=1000)


class AlbumBody(Body):
    media: int = Field(ge=1, le=ID_MAX)
    caption: str | None = Field(default=None, max_length=500)


def _body(request: Request) -> AsyncIterator[bytes]:
    return request.stream()


def _length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    return int(value) if value and value.isdigit() else None


@router.post("/api/v1/media", status_code=201, summary="Upload a whole file (raw body)")
async def upload(
    request: Request, svc: Svc, me: CurrentUser, kind: Kind, name: str | None = None
) -> dict[str, Any]:
    return await media.do_upload(
        svc, me, kind=kind, name=name, body=_body(request), length=_length(request)
    )


@router.post("/api/v1/uploads", status_code=201, summary="Start a resumable upload")
async def create_upload(body: UploadBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await media.do_create_upload(svc, me, kind=body.kind, name=body.name, size=body.size)


@router.get("/api/v1/uploads/{upload_id}", summary="How many bytes a resumable upload has")
async def upload_status(upload_id: UploadId, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await media.upload_status(svc, me, upload_id)


@router.patch("/api/v1/uploads/{upload_id}", summary="Append a chunk at Upload-Offset")
async def append_chunk(
    upload_id: UploadId,
    request: Request,
    svc: Svc,
    me: CurrentUser,
    upload_offset: Annotated[int, Header(ge=0, le=2**53)],
) -> dict[str, Any]:
    return await media.do_append_chunk(
        svc, me, upload_id, offset=upload_offset, body=_body(request)
    )


@router.post("/api/v1/uploads/{upload_id}/finish", status_code=201, summary="Store the upload")
async def finish_upload(upload_id: UploadId, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await media.do_finish_upload(svc, me, upload_id)


@router.delete("/api/v1/uploads/{upload_id}", status_code=204, summary="Abandon an upload")
async def cancel_upload(upload_id: UploadId, svc: Svc, me: CurrentUser) -> None:
    await media.do_cancel_upload(svc, me, upload_id)


@router.get("/api/v1/media/{media_id}", summary="Facts about a media object, with signed URLs")
async def info(media_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await media.media_info(svc, me, media_id)


@router.get(
    "/api/v1/media/{media_id}/content",
    summary="The bytes (or a variant: thumb, preview, poster); Range and caching supported",
    response_class=Response,
)
async def content(
    media_id: IdPath,
    request: Request,
    svc: Svc,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    variant: Annotated[str, Query(max_length=10)] = "",
    u: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    exp: Annotated[int | None, Query(ge=0, le=2**53)] = None,
    sig: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    if sig is not None and exp is not None and u is not None:
        row = await media.access_signed(svc, media_id, variant, u, exp, sig)
    else:
        me = await authenticate(svc, creds.credentials if creds else None)
        row = await media.access_media(svc, me, media_id)
        exp = None
    dl = media.download(row, variant or None)
    return await _send(request, svc, dl, media.cache_seconds(svc, exp))


async def _send(request: Request, svc: Svc, dl: media.Download, max_age: int) -> Response:
    headers = _headers(dl, max_age)
    if _not_modified(request, dl):
        return Response(status_code=304, headers=headers)
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != headers["ETag"]:
        wanted = None
    try:
        span = parse_range(wanted, dl.size)
    except Unsatisfiable:
        headers["Content-Range"] = f"bytes */{dl.size}"
        return Response(status_code=416, headers=headers)
    start, end, status = 0, dl.size - 1, 200
    if span is not None:
        start, end, status = span.start, span.end, 206
        headers["Content-Range"] = f"bytes {start}-{end}/{dl.size}"
    headers["Content-Length"] = str(end - start + 1)
    stream = await media.open_stream(svc, dl, start, end)
    return StreamingResponse(stream, status_code=status, headers=headers, media_type=dl.mime)


def _headers(dl: media.Download, max_age: int = 0) -> dict[str, str]:
    headers = {
        "ETag": f'"{dl.etag}"',
        "Last-Modified": formatdate(dl.created_at / 1000, usegmt=True),
        # The bytes behind a URL never change (content-addressed), but a browser may keep
        # them only as long as the URL lives, so lost access is not outlived by much.
        "Cache-Control": f"private, max-age={max_age}, immutable",
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
    }
    if dl.attachment:
        name = quote(dl.name or "file", safe="")
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return headers


def _not_modified(request: Request, dl: media.Download) -> bool:
    etag = f'"{dl.etag}"'
    if (match := request.headers.get("if-none-match")) is not None:
        return match.strip() == "*" or etag in (t.strip() for t in match.split(","))
    if (since := request.headers.get("if-modified-since")) is not None:
        try:
            return dl.created_at // 1000 <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


@router.post(
    "/api/v1/chats/{chat_id}/messages/{seq}/open",
    summary="Open a view-once photo (once; the bytes are the response)",
    response_class=Response,
)
async def open_view_once(chat_id: IdPath, seq: IdPath, svc: Svc, me: CurrentUser) -> Response:
    opened = await media_messages.do_open_view_once(svc, me, chat_id, seq)
    release = opened.release
    after = (
        BackgroundTask(media.release_content, svc, release.sha256, list(media.variants_of(release)))
        if release is not None
        else None
    )
    headers = _headers(opened.download)
    headers["Cache-Control"] = "no-store"
    headers["Content-Length"] = str(opened.download.size)
    return StreamingResponse(
        opened.stream, headers=headers, media_type=opened.download.mime, background=after
    )


@router.post("/api/v1/chats/{chat_id}/messages/{seq}/played", summary="I played this voice note")
async def mark_played(chat_id: IdPath, seq: IdPath, svc: Svc, me: CurrentUser) -> dict[str, bool]:
    return {"played": await media_messages.do_mark_played(svc, me, chat_id, seq)}


@router.get(
    "/api/v1/chats/{chat_id}/messages/{seq}/marks",
    summary="Who played a voice note / opened a view-once photo",
)
async def marks(chat_id: IdPath, seq: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await media_messages.media_marks(svc, me, chat_id, seq)


@router.post("/api/v1/chats/{chat_id}/album", status_code=201, summary="Post a photo to the album")
async def album_add(chat_id: IdPath, body: AlbumBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await album.do_album_add(svc, me, chat_id, body.media, body.caption)


@router.get("/api/v1/chats/{chat_id}/album", summary="A page of the group album, newest first")
async def album_page(
    chat_id: IdPath,
    svc: Svc,
    me: CurrentUser,
    before: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
) -> dict[str, Any]:
    return await album.album(svc, me, chat_id, before=before, limit=limit)


@router.delete(
    "/api/v1/chats/{chat_id}/album/{entry_id}", status_code=204, summary="Remove an album photo"
)
async def album_remove(chat_id: IdPath, entry_id: IdPath, svc: Svc, me: CurrentUser) -> None:
    await album.do_album_remove(svc, me, chat_id, entry_id)
