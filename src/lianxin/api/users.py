"""Finding people, profiles and presence."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from lianxin.actions import contacts, presence
from lianxin.api.deps import CurrentUser, Id, IdPath, Svc

router = APIRouter(prefix="/api/v1/users", tags=["users"])

# Ids fit in 53 bits (safe in JSON everywhere); bigger numbers would overflow the database
# driver, so they are refused as bad input instead of failing as a server error.


@router.get("/search", summary="Find a user by Lianxin ID or phone number")
async def search(
    q: Annotated[str, Query(max_length=64)], svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return await contacts.find_user(svc, me, q)


@router.get("/presence", summary="Online / last seen of several users, as their settings allow")
async def presence_of(
    ids: Annotated[list[Id], Query(max_length=500)], svc: Svc, me: CurrentUser
) -> list[dict[str, Any]]:
    return await presence.access_presence(svc, me, ids)


@router.get("/{user_id}", summary="A user's profile (friends, chat partners, requests)")
async def profile(user_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await contacts.access_user(svc, me, user_id)
