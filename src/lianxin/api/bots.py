"""Bots over REST: owners create and manage bots; users start them and press buttons."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from lianxin.actions import bot_callbacks, bots
from lianxin.api.deps import Body, CurrentUser, IdPath, Svc

router = APIRouter(prefix="/api/v1", tags=["bots"])


class CreateBody(Body):
    name: str = Field(min_length=1, max_length=64)
    handle: str | None = Field(default=None, min_length=4, max_length=32)


class UpdateBody(Body):
    privacy: bool | None = Field(default=None, description="Groups: commands/mentions/replies only")
    description: str | None = Field(
        default=None, max_length=512, description="What users read before starting the bot"
    )


class StartBody(Body):
    param: str | None = Field(default=None, max_length=64, description="Deep-link parameter")


class PressBody(Body):
    data: str = Field(min_length=1, max_length=64)


@router.post("/bots", summary="Create a bot you own; the token is shown only now")
async def create(body: CreateBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await bots.do_create_bot(svc, me, body.name, body.handle)


@router.get("/bots", summary="Your bots")
async def list_mine(svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await bots.list_bots(svc, me)


@router.patch("/bots/{bot_id}", summary="Change a bot's settings (privacy mode, description)")
async def update(bot_id: IdPath, body: UpdateBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    if body.description is not None:
        await bots.do_set_description(svc, me, bot_id, body.description)
    return await bots.do_update_bot(svc, me, bot_id, privacy=body.privacy)


@router.delete(
    "/bots/{bot_id}",
    summary="Delete a bot: token, webhook and queued updates go, its Lianxin ID is freed",
    status_code=204,
)
async def delete(bot_id: IdPath, svc: Svc, me: CurrentUser) -> None:
    await bots.do_delete_bot(svc, me, bot_id)


@router.post("/bots/{bot_id}/token", summary="Issue a new token (the old one stops working)")
async def rotate(bot_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, str]:
    return {"token": await bots.do_rotate_token(svc, me, bot_id)}


@router.delete("/bots/{bot_id}/token", summary="Revoke the bot's token", status_code=204)
async def revoke(bot_id: IdPath, svc: Svc, me: CurrentUser) -> None:
    await bots.do_revoke_token(svc, me, bot_id)


@router.get("/bots/{bot_id}/dead-letters", summary="Updates the webhook gave up on")
async def dead_letters(bot_id: IdPath, svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await bots.list_dead_letters(svc, me, bot_id)


@router.post("/bots/{bot_id}/dead-letters/replay", summary="Queue the dead letters again")
async def replay(bot_id: IdPath, svc: Svc, me: CurrentUser) -> dict[str, int]:
    return {"replayed": await bots.do_replay_dead_letters(svc, me, bot_id)}


@router.post("/bots/{bot_id}/start", summary="Start a bot: its chat, then /start [param]")
async def start(bot_id: IdPath, body: StartBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await bots.do_start_bot(svc, me, bot_id, body.param)


@router.get("/bots/{bot_id}/commands", summary="The command menu a bot declared")
async def commands(bot_id: IdPath, svc: Svc, me: CurrentUser) -> list[dict[str, str]]:
    return await bots.access_commands(svc, bot_id)


@router.post("/chats/{chat_id}/messages/{seq}/callback", summary="Press an inline button of a bot")
async def press(
    chat_id: IdPath, seq: IdPath, body: PressBody, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return await bot_callbacks.do_press(svc, me, chat_id, seq, body.data)
