"""Stickers over REST: the sticker store, packs, images (cacheable), my collection."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from lianxin.actions import stickers
from lianxin.api.deps import ID_MAX, CurrentUser, IdPath, Svc

router = APIRouter(prefix="/api/v1", tags=["stickers"])
Index = Annotated[int, Path(ge=0, le=stickers.PACK_MAX)]

# An image's URL carries its hash (?v=...), so a changed image has a new URL: cache for ever.
_IMMUTABLE = "public, max-age=31536000, immutable"


@router.get("/stickers/store", summary="The sticker store: a page of listed packs")
async def sticker_store(
    svc: Svc,
    me: CurrentUser,
    after: Annotated[int, Query(ge=0, le=ID_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> dict[str, Any]:
    return await stickers.sticker_store(svc, after=after, limit=limit)


@router.get("/stickers/{pack_id}", summary="A pack and its stickers")
async def pack(pack_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await stickers.access_pack(svc, pack_id)


@router.get(
    "/stickers/{pack_id}/{idx}/image",
    summary="A sticker image (public catalogue content; cached by hash)",
    response_class=Response,
)
async def image(pack_id: IdPath, idx: Index, request: Request, svc: Svc) -> Response:
    body, mime, sha256 = await stickers.access_image(svc, pack_id, idx)
    etag = f'"{sha256}"'
    cache = _IMMUTABLE if request.query_params.get("v") == sha256[:16] else "public, max-age=3600"
    headers = {"ETag": etag, "Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=mime, headers=headers)


@router.get("/me/stickers", summary="My sticker packs and favourite stickers")
async def mine(svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await stickers.my_stickers(svc, me)


@router.put("/me/stickers/packs/{pack_id}", summary="Add a pack from the store to my collection")
async def add_pack(pack_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await stickers.do_add_pack(svc, me, pack_id, True)


@router.delete("/me/stickers/packs/{pack_id}", summary="Remove a pack from my collection")
async def remove_pack(pack_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await stickers.do_add_pack(svc, me, pack_id, False)


@router.put("/me/stickers/favourites/{pack_id}/{idx}", summary="Add a favourite sticker")
async def add_favourite(pack_id: IdPath, idx: Index, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await stickers.do_favourite(svc, me, pack_id, idx, True)


@router.delete("/me/stickers/favourites/{pack_id}/{idx}", summary="Remove a favourite sticker")
async def remove_favourite(
    pack_id: IdPath, idx: Index, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return await stickers.do_favourite(svc, me, pack_id, idx, False)
