"""People nearby: share / clear my rough position, list people around me, say hi."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import Field

from lianxin.actions import nearby
from lianxin.actions.contacts import GREETING_MAX
from lianxin.api.deps import Body, CurrentUser, IdPath, Svc

router = APIRouter(prefix="/api/v1/nearby", tags=["nearby"])


class PositionBody(Body):
    lat: float = Field(ge=-90, le=90, description="Latitude; the server keeps it only to ~100 m")
    lon: float = Field(ge=-180, le=180, description="Longitude; the server keeps it only to ~100 m")
    gender: nearby.Gender | None = None
    birth_year: int | None = Field(default=None, ge=nearby.OLDEST_BIRTH_YEAR, le=9999)
    show_gender: bool = Field(default=False, description="Show my gender (and match its filter)")
    show_age: bool = Field(default=False, description="Show my age (and match age filters)")


class HiBody(Body):
    greeting: str = Field(default="", max_length=GREETING_MAX)


@router.put("/position", summary="Share my rough position for a while (opt in)")
async def share(body: PositionBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await nearby.do_share_position(svc, me, **body.model_dump())


@router.get("/position", summary="Whether I share a position, until when, and what I show")
async def mine(svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await nearby.access_my_position(svc, me)


@router.delete("/position", status_code=204, summary="Stop sharing my position")
async def clear(svc: Svc, me: CurrentUser) -> Response:
    await nearby.do_clear_position(svc, me)
    return Response(status_code=204)


@router.get("", summary="People near me, by rough distance")
async def people(
    svc: Svc,
    me: CurrentUser,
    gender: Annotated[nearby.Gender | None, Query()] = None,
    min_age: Annotated[int | None, Query(ge=0, le=150)] = None,
    max_age: Annotated[int | None, Query(ge=0, le=150)] = None,
) -> dict[str, Any]:
    return await nearby.access_nearby(svc, me, gender=gender, min_age=min_age, max_age=max_age)


@router.post("/{user_id}/hi", summary="Send a friend request to someone nearby")
async def say_hi(user_id: IdPath, body: HiBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await nearby.do_say_hi(svc, me, user_id, body.greeting)
