"""Friends, friend requests and blocks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from lianxin.actions import contacts, remarks
from lianxin.api.deps import Body, CurrentUser, Id, IdPath, Svc

router = APIRouter(prefix="/api/v1", tags=["friends"])


class FriendRequestBody(Body):
    user_id: Id
    greeting: str = Field(default="", max_length=1000)


class FriendMetaBody(Body):
    remark: str | None = Field(default=None, max_length=200, description="My name for them")
    tags: list[str] | None = Field(default=None, max_length=50)
    starred: bool | None = None
    close_friend: bool | None = None


@router.get("/friends", summary="My friends, optionally filtered by tag / star / close friends")
async def friends(
    svc: Svc,
    me: CurrentUser,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    starred: bool | None = None,
    close_friend: bool | None = None,
) -> list[dict[str, Any]]:
    return await remarks.list_friends(svc, me, tag=tag, starred=starred, close_friend=close_friend)


@router.get("/friends/tags", summary="The tags I use, with counts")
async def friend_tags(svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await remarks.list_tags(svc, me)


@router.patch("/friends/{user_id}", summary="Set my remark, tags, star or close-friend mark")
async def update_friend(
    user_id: IdPath, body: FriendMetaBody, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return await remarks.do_update(svc, me, user_id, **body.model_dump(exclude_none=True))


@router.delete("/friends/{user_id}", summary="Remove a friend", status_code=204)
async def remove_friend(user_id: IdPath, svc: Svc, me: CurrentUser) -> None:
    await contacts.do_remove_friend(svc, me, user_id)


@router.get("/friend-requests", summary="Pending requests to and from me")
async def requests(svc: Svc, me: CurrentUser) -> dict[str, list[dict[str, Any]]]:
    return await contacts.list_requests(svc, me)


@router.post("/friend-requests", summary="Ask someone to be friends, with a short greeting")
async def send_request(body: FriendRequestBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await contacts.do_send_request(svc, me, body.user_id, body.greeting)


@router.post("/friend-requests/{request_id}/accept", summary="Accept a request sent to me")
async def accept(request_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await contacts.do_accept_request(svc, me, request_id)


@router.post("/friend-requests/{request_id}/decline", summary="Decline (or cancel my own) request")
async def decline(request_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await contacts.do_decline_request(svc, me, request_id)


@router.get("/blocks", summary="People I blocked")
async def blocks(svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await contacts.list_blocked(svc, me)


@router.put("/blocks/{user_id}", summary="Block someone", status_code=204)
async def block(user_id: IdPath, svc: Svc, me: CurrentUser) -> None:
    await contacts.do_block(svc, me, user_id)


@router.delete("/blocks/{user_id}", summary="Unblock someone", status_code=204)
async def unblock(user_id: IdPath, svc: Svc, me: CurrentUser) -> None:
    await contacts.do_unblock(svc, me, user_id)
