"""Friends, friend requests and blocks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from lianxin.actions import contacts
from lianxin.api.deps import Body, CurrentUser, Id, IdPath, Svc

router = APIRouter(prefix="/api/v1", tags=["friends"])


class FriendRequestBody(Body):
    user_id: Id
    greeting: str = Field(default="", max_length=1000)


@router.get("/friends", summary="My friends")
async def friends(svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await contacts.list_friends(svc, me)


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
