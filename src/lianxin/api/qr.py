"""QR codes: my personal code, group invites and join requests, web sign-in by QR."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import RedirectResponse
from pydantic import Field

from lianxin.actions import qr, qrlogin
from lianxin.api.deps import Body, CurrentUser, IdPath, Svc

# ``router`` (what app.py mounts) = the REST routes under /api/v1, plus ``/qr/{token}``:
# the link inside every QR image when ``public_url`` is set, opened in the web client.
router = APIRouter(tags=["qr"])
api = APIRouter(prefix="/api/v1")

Token = Annotated[str, Path(min_length=8, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
Format = Annotated[qr.ImageFormat, Query(description="svg or png")]


def _image(text: str, fmt: qr.ImageFormat) -> Response:
    return Response(qr.render(text, fmt), media_type=qr.MEDIA_TYPES[fmt])


class ApprovalBody(Body):
    approval: bool


class LoginStart(Body):
    device_name: str = Field(default="web", max_length=200)


class LoginWait(Body):
    secret: str = Field(min_length=1, max_length=64)
    timeout_s: float = Field(default=25.0, ge=0, le=qrlogin.WAIT_MAX_S)


@api.get("/me/qr", summary="My personal QR code (token and link)")
async def my_code(svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await qr.do_my_code(svc, me)


@api.get("/me/qr/image", summary="My personal QR code as an image")
async def my_code_image(svc: Svc, me: CurrentUser, format: Format = "svg") -> Response:
    return _image((await qr.do_my_code(svc, me))["url"], format)


@api.post("/me/qr/rotate", summary="A new personal code; older ones stop working")
async def rotate(svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await qr.do_my_code(svc, me, rotate=True)


@api.get("/chats/{chat_id}/invite", summary="The group's invite code (any member)")
async def group_code(chat_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await qr.do_group_code(svc, me, chat_id)


@api.get("/chats/{chat_id}/invite/image", summary="The group's invite code as an image")
async def group_code_image(
    chat_id: IdPath, svc: Svc, me: CurrentUser, format: Format = "svg"
) -> Response:
    return _image((await qr.do_group_code(svc, me, chat_id))["url"], format)


@api.post("/chats/{chat_id}/invite", summary="A new invite code (admins); voids the old one")
async def regenerate(chat_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await qr.do_group_code(svc, me, chat_id, regenerate=True)


@api.delete("/chats/{chat_id}/invite", summary="Revoke the invite code (admins)", status_code=204)
async def revoke(chat_id: IdPath, svc: Svc, me: CurrentUser) -> None:
    await qr.do_revoke_group_code(svc, me, chat_id)


@api.put("/chats/{chat_id}/join-approval", summary="Require admin approval to join by code")
async def approval(
    chat_id: IdPath, body: ApprovalBody, svc: Svc, me: CurrentUser
) -> dict[str, bool]:
    return await qr.do_set_approval(svc, me, chat_id, body.approval)


@api.get("/chats/{chat_id}/join-requests", summary="Pending join requests (admins)")
async def join_requests(chat_id: IdPath, svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await qr.list_join_requests(svc, me, chat_id)


@api.get("/join-requests", summary="Pending join requests in every group I own or run")
async def my_join_requests(svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await qr.list_my_join_requests(svc, me)


@api.post("/chats/{chat_id}/join-requests/{request_id}/approve", summary="Let them in")
async def approve(chat_id: IdPath, request_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await qr.do_decide(svc, me, chat_id, request_id, True)


@api.post("/chats/{chat_id}/join-requests/{request_id}/decline", summary="Turn them away")
async def decline(chat_id: IdPath, request_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await qr.do_decide(svc, me, chat_id, request_id, False)


@api.post("/qr/login", summary="Start a web sign-in: a code to show as QR (no auth)")
async def login_start(body: LoginStart, svc: Svc) -> dict[str, Any]:
    return await qrlogin.do_start(svc, body.device_name)


@api.get("/qr/login/{token}/image", summary="The sign-in code as an image (no auth)")
async def login_image(token: Token, svc: Svc, format: Format = "svg") -> Response:
    return _image(qr.link(svc.settings, "login/" + token), format)


@api.post("/qr/login/{token}/scan", summary="A signed-in device scanned a sign-in code")
async def login_scan(token: Token, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await qrlogin.do_scan(svc, me, token)


@api.post("/qr/login/{token}/confirm", summary="Confirm the web sign-in", status_code=204)
async def login_confirm(token: Token, svc: Svc, me: CurrentUser) -> None:
    await qrlogin.do_confirm(svc, me, token)


@api.post("/qr/login/{token}/wait", summary="Browser: wait for the sign-in (long poll)")
async def login_wait(token: Token, body: LoginWait, svc: Svc) -> dict[str, Any]:
    return await qrlogin.do_wait(svc, token, body.secret, body.timeout_s)


@api.get("/qr/{token}", summary="Resolve a scanned code: a profile or a group")
async def resolve(token: Token, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await qr.access_code(svc, me, token)


@api.post("/qr/{token}/join", summary="Join a group by its code (or ask, if approval is on)")
async def join(token: Token, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await qr.do_join(svc, me, token)


@router.get("/qr/{token}", include_in_schema=False)
async def open_link(token: Token) -> RedirectResponse:
    """A scanned link opened in a browser: the web client shows the profile or group."""
    return RedirectResponse(f"/#/qr/{token}", status_code=302)


router.include_router(api)
