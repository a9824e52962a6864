"""My profile, privacy settings and devices."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field

from lianxin.actions import accounts
from lianxin.api.deps import Bearer, Body, CurrentUser, IdPath, Svc
from lianxin.api.plain import bearer_token
from lianxin.gateway.wire import Message
from lianxin.services import Services

router = APIRouter(prefix="/api/v1/me", tags=["me"])


class ProfileUpdate(Body):
    name: str | None = Field(default=None, max_length=200)
    handle: str | None = Field(default=None, max_length=64, description="The unique Lianxin ID")
    bio: str | None = Field(default=None, max_length=1000)


class PrivacyUpdate(Body):
    """Every field is optional; the ones given change, the rest stay."""

    find_by_phone: bool | None = Field(default=None, description="Found by my phone number")
    find_by_handle: bool | None = Field(default=None, description="Found by my Lianxin ID")
    find_nearby: bool | None = Field(
        default=None, description="Off: never listed in people nearby, even with a shared position"
    )
    add_me: Literal["everyone", "friends_of_friends", "nobody"] | None = Field(
        default=None, description="Who may send me friend requests"
    )
    stranger_messages: bool | None = Field(
        default=None, description="People who are not my friends may message me"
    )
    last_seen: Literal["everyone", "friends", "nobody"] | None = None
    read_receipts: bool | None = Field(
        default=None, description="Off: direct-chat peers don't see my reads, nor I theirs"
    )
    auto_friend: bool | None = Field(
        default=None, description="Befriend people automatically when we have each other's number"
    )


@router.get("", summary="My profile")
async def get_me(svc: Svc, creds: Bearer) -> dict[str, Any]:
    # Token and profile in one read: every client starts with this request.
    return await accounts.access_me_by_token(svc, creds.credentials if creds else None)


async def get_me_plain(svc: Services, scope: Message) -> dict[str, Any]:
    """``get_me`` as a plain route (``app`` serves it before FastAPI's routing)."""
    return await accounts.access_me_by_token(svc, bearer_token(scope))


# Served by ``app.LianxinApp`` ahead of FastAPI (see api/plain.py).
PLAIN_ROUTES = {("GET", "/api/v1/me"): get_me_plain}


@router.patch("", summary="Change my name, Lianxin ID or bio")
async def update_me(body: ProfileUpdate, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await accounts.do_update_profile(
        svc, me, name=body.name, handle=body.handle, bio=body.bio
    )


@router.get("/privacy", summary="My privacy and contact settings")
async def get_privacy(svc: Svc, me: CurrentUser) -> dict[str, Any]:
    privacy: dict[str, Any] = (await accounts.access_me(svc, me))["privacy"]
    return privacy


@router.patch("/privacy", summary="Change some of my privacy and contact settings")
async def update_privacy(body: PrivacyUpdate, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await accounts.do_update_privacy(svc, me, **body.model_dump(exclude_none=True))


@router.get("/devices", summary="My signed-in devices")
async def devices(svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await accounts.list_devices(svc, me)


@router.delete("/devices/{device_id}", summary="Sign out one of my devices", status_code=204)
async def sign_out_device(device_id: IdPath, svc: Svc, me: CurrentUser) -> None:
    await accounts.do_sign_out_devices(svc, me, [device_id])


@router.post("/devices/signout-others", summary="Sign out every device but this one")
async def sign_out_others(svc: Svc, me: CurrentUser) -> dict[str, list[int]]:
    return {"signed_out": await accounts.do_sign_out_others(svc, me)}
