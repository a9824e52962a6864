"""Sign-in with a phone number and a one-time code."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from lianxin.actions import accounts
from lianxin.api.deps import Body, ClientIp, CurrentUser, Svc

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class CodeRequest(Body):
    phone: str = Field(max_length=32, examples=["+14155550100"])


class VerifyRequest(Body):
    phone: str = Field(max_length=32)
    code: str = Field(min_length=1, max_length=12)
    device_name: str = Field(default="device", max_length=64)
    name: str | None = Field(
        default=None, max_length=64, description="Display name for a new account"
    )


@router.post("/code", summary="Send a sign-in code by SMS")
async def request_code(body: CodeRequest, svc: Svc, ip: ClientIp) -> dict[str, int]:
    return await accounts.do_request_code(svc, body.phone, ip)


@router.post(
    "/verify", summary="Exchange the code for a device token (creates the account on first use)"
)
async def verify(body: VerifyRequest, svc: Svc, ip: ClientIp) -> dict[str, Any]:
    result = await accounts.do_verify_code(
        svc, body.phone, body.code, device_name=body.device_name, ip=ip, name=body.name
    )
    return {
        "token": result.token,
        "user": result.user,
        "device_id": result.device_id,
        "new_user": result.new_user,
    }


@router.post("/signout", summary="Sign out this device", status_code=204)
async def sign_out(svc: Svc, me: CurrentUser) -> None:
    await accounts.do_sign_out_devices(svc, me, [me.device_id])
