"""Chats: the chat list, direct chats, groups, members and my per-chat settings."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field

from lianxin.actions import chats
from lianxin.api.deps import Body, CurrentUser, Id, IdPath, Svc

router = APIRouter(prefix="/api/v1/chats", tags=["chats"])

# Ids and seqs fit in 53 bits (safe in JSON everywhere); bigger numbers would overflow the
# database driver, so they are refused as bad input instead of failing as a server error.


class DirectBody(Body):
    user_id: Id


class GroupBody(Body):
    title: str = Field(max_length=200)
    members: list[Id] = Field(default_factory=list, max_length=10_000)


class GroupUpdate(Body):
    title: str | None = Field(default=None, max_length=200)
    announcement: str | None = Field(default=None, max_length=10_000)


class MembersBody(Body):
    users: list[Id] = Field(min_length=1, max_length=10_000)


class RoleBody(Body):
    role: Literal["owner", "admin", "member"]


class SettingsBody(Body):
    muted: bool | None = None
    pinned: bool | None = None
    archived: bool | None = None


@router.get("", summary="My chats, pinned first, then by last activity")
async def list_chats(svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await chats.list_chats(svc, me)


@router.post("/direct", summary="Open (or create) the direct chat with a user")
async def open_direct(body: DirectBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await chats.do_open_direct(svc, me, body.user_id)


@router.post("/groups", summary="Create a group with some of my friends", status_code=201)
async def create_group(body: GroupBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await chats.do_create_group(svc, me, body.title, body.members)


@router.get("/{chat_id}", summary="One chat as it appears in my chat list")
async def get_chat(chat_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await chats.access_chat(svc, me, chat_id)


@router.patch("/{chat_id}", summary="Rename a group or set its announcement")
async def update_group(
    chat_id: IdPath, body: GroupUpdate, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return await chats.do_update_group(
        svc, me, chat_id, title=body.title, announcement=body.announcement
    )


@router.patch("/{chat_id}/settings", summary="Mute, pin or archive a chat (for me)")
async def update_settings(
    chat_id: IdPath, body: SettingsBody, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return await chats.do_update_settings(svc, me, chat_id, **body.model_dump(exclude_none=True))


@router.get("/{chat_id}/members", summary="Members of a chat")
async def members(chat_id: IdPath, svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await chats.list_members(svc, me, chat_id)


@router.post("/{chat_id}/members", summary="Add friends of mine to a group")
async def add_members(
    chat_id: IdPath, body: MembersBody, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return {"added": await chats.do_add_members(svc, me, chat_id, body.users)}


@router.delete("/{chat_id}/members/{user_id}", summary="Remove a member", status_code=204)
async def remove_member(chat_id: IdPath, user_id: IdPath, svc: Svc, me: CurrentUser) -> None:
    await chats.do_remove_member(svc, me, chat_id, user_id)


@router.put(
    "/{chat_id}/members/{user_id}/role",
    summary="Make a member admin / member / owner",
    status_code=204,
)
async def set_role(
    chat_id: IdPath, user_id: IdPath, body: RoleBody, svc: Svc, me: CurrentUser
) -> None:
    await chats.do_set_role(svc, me, chat_id, user_id, body.role)


@router.post("/{chat_id}/leave", summary="Leave a group", status_code=204)
async def leave(chat_id: IdPath, svc: Svc, me: CurrentUser) -> None:
    await chats.do_leave(svc, me, chat_id)
