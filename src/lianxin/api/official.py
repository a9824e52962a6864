"""Official accounts over REST: the directory, profiles, following, template permission;
and the owner-only endpoints to manage an account, act as it in its chats and broadcast.

Owner-only routes answer ``404 not_found`` to anyone else: another user cannot tell
whether an account id exists behind a management endpoint.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from lianxin.actions import broadcasts, official, official_api
from lianxin.api.deps import ID_MAX, Body, CurrentUser, IdPath, Svc

router = APIRouter(prefix="/api/v1/official", tags=["official accounts"])


class CreateBody(Body):
    name: str = Field(min_length=1, max_length=200)
    handle: str | None = Field(default=None, max_length=64, description="A Lianxin ID")
    description: str = Field(default="", max_length=2000)


class UpdateBody(Body):
    name: str | None = Field(default=None, max_length=200)
    handle: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=2000)


class MenuBody(Body):
    menu: list[Any] = Field(
        max_length=50, description="Up to 3 entries of up to 5 sub-entries (see docs)"
    )


class TemplatesBody(Body):
    allowed: bool


class SendBody(Body):
    client_id: str = Field(min_length=1, max_length=64)
    kind: str = Field(default="text", min_length=1, max_length=16)
    text: str | None = Field(default=None, max_length=100_000)
    content: dict[str, Any] | None = None


class ReadBody(Body):
    seq: int = Field(ge=0, le=ID_MAX)


class BroadcastBody(Body):
    client_id: str = Field(min_length=1, max_length=64, description="Your id: retry safely")
    text: str = Field(max_length=100_000)


# -- everyone --------------------------------------------------------------------------


@router.get("", summary="The directory of official accounts (verified first), or search it")
async def directory(
    svc: Svc,
    me: CurrentUser,
    q: Annotated[str, Query(max_length=64)] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> list[dict[str, Any]]:
    return await official.directory(svc, me, q, limit=limit, offset=offset)


@router.post("", summary="Create an official account that I own", status_code=201)
async def create(body: CreateBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await official.do_create_account(
        svc, me.user_id, name=body.name, handle=body.handle, description=body.description
    )


@router.get("/mine", summary="The official accounts I own")
async def mine(svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await official.list_owned(svc, me)


@router.get("/following", summary="The official accounts I follow")
async def following(svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await official.list_following(svc, me)


@router.get("/{account_id}", summary="An account's profile and menu, and whether I follow it")
async def profile(account_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await official.access_profile(svc, me, account_id)


@router.put("/{account_id}/follow", summary="Follow: opens (or reuses) my chat with it")
async def follow(account_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await official.do_follow(svc, me, account_id)


@router.delete("/{account_id}/follow", summary="Unfollow: no more broadcasts or templates")
async def unfollow(account_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await official.do_unfollow(svc, me, account_id)


@router.put("/{account_id}/templates", summary="Allow or revoke template messages from it")
async def templates(
    account_id: IdPath, body: TemplatesBody, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return await official.do_allow_templates(svc, me, account_id, body.allowed)


# -- the owner -------------------------------------------------------------------------


@router.patch("/{account_id}", summary="Owner: change name, Lianxin ID or description")
async def update(account_id: IdPath, body: UpdateBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await official.do_update_account(
        svc, me, account_id, name=body.name, handle=body.handle, description=body.description
    )


@router.put("/{account_id}/menu", summary="Owner: replace the custom menu ([] removes it)")
async def set_menu(account_id: IdPath, body: MenuBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return {"menu": await official.do_set_menu(svc, me, account_id, body.menu)}


@router.get("/{account_id}/followers", summary="Owner: followers in follow order")
async def followers(
    account_id: IdPath,
    svc: Svc,
    me: CurrentUser,
    after: Annotated[int, Query(ge=0, le=ID_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> dict[str, Any]:
    return await official.list_followers(svc, me, account_id, after=after, limit=limit)


@router.get("/{account_id}/chats", summary="Owner: the account's chats with its followers")
async def chats(account_id: IdPath, svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await official.list_account_chats(svc, me, account_id)


@router.get("/{account_id}/chats/{chat_id}/messages", summary="Owner: history of one chat")
async def history(
    account_id: IdPath,
    chat_id: IdPath,
    svc: Svc,
    me: CurrentUser,
    before: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    after: Annotated[int | None, Query(ge=0, le=ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    return await official.account_history(
        svc, me, account_id, chat_id, before=before, after=after, limit=limit
    )


@router.post(
    "/{account_id}/chats/{chat_id}/messages",
    summary="Owner: send as the account (a reply, or a template to a follower who allows it)",
)
async def send(
    account_id: IdPath, chat_id: IdPath, body: SendBody, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    sent = await official.do_send_as(
        svc,
        me,
        account_id,
        chat_id,
        client_id=body.client_id,
        kind=body.kind,
        text=body.text,
        content=body.content,
    )
    return {**sent.event, "duplicate": sent.duplicate}


@router.post(
    "/{account_id}/chats/{chat_id}/read", summary="Owner: the account read the chat up to `seq`"
)
async def mark_read(
    account_id: IdPath, chat_id: IdPath, body: ReadBody, svc: Svc, me: CurrentUser
) -> dict[str, int]:
    return {"read_seq": await official.do_mark_read_as(svc, me, account_id, chat_id, body.seq)}


@router.get(
    "/{account_id}/media/{media_id}",
    summary="Owner: a media object from the account's chats, with URLs signed for the account",
)
async def account_media(
    account_id: IdPath, media_id: IdPath, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return await official.account_media(svc, me, account_id, media_id)


@router.post("/{account_id}/broadcasts", summary="Owner: broadcast to every follower")
async def broadcast(
    account_id: IdPath, body: BroadcastBody, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return await broadcasts.do_create_broadcast(
        svc, me, account_id, client_id=body.client_id, text=body.text
    )


@router.get("/{account_id}/broadcasts", summary="Owner: recent broadcasts and their progress")
async def broadcast_list(account_id: IdPath, svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await broadcasts.list_broadcasts(svc, me, account_id)


@router.get("/{account_id}/broadcasts/{broadcast_id}", summary="Owner: one broadcast's progress")
async def broadcast_get(
    account_id: IdPath, broadcast_id: IdPath, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return await broadcasts.access_broadcast(svc, me, account_id, broadcast_id)


@router.post("/{account_id}/broadcasts/{broadcast_id}/cancel", summary="Owner: stop a broadcast")
async def broadcast_cancel(
    account_id: IdPath, broadcast_id: IdPath, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return await broadcasts.do_cancel_broadcast(svc, me, account_id, broadcast_id)


@router.post(
    "/{account_id}/token",
    summary="Owner: an API token for the account (Bot API: getUpdates, webhooks, sends)",
)
async def issue_token(account_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, str]:
    return {"token": await official_api.do_issue_token(svc, me, account_id)}


@router.delete(
    "/{account_id}/token", summary="Owner: revoke the account's API token", status_code=204
)
async def revoke_token(account_id: IdPath, svc: Svc, me: CurrentUser) -> None:
    await official_api.do_revoke_token(svc, me, account_id)
