"""Message actions over REST: edit (and edit history) and reactions (and who reacted)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import Field

from lianxin.actions import edits, reactions
from lianxin.api.deps import ID_MAX, Body, CurrentUser, IdPath, Svc

router = APIRouter(prefix="/api/v1", tags=["messages"])
Emoji = Annotated[str, Path(min_length=1, max_length=16)]


class EditBody(Body):
    text: str = Field(max_length=100_000, description="The new text")


class ReactBody(Body):
    emoji: str = Field(min_length=1, max_length=16, description="One of GET /api/v1/reactions")


@router.get("/reactions", summary="The emoji messages can be reacted with")
async def reaction_set() -> dict[str, list[str]]:
    return {"reactions": list(reactions.REACTIONS)}


@router.patch(
    "/chats/{chat_id}/messages/{seq}", summary="Edit my text message (members see `edited`)"
)
async def edit(
    chat_id: IdPath, seq: IdPath, body: EditBody, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return await edits.do_edit(svc, me, chat_id, seq, body.text)


@router.get("/chats/{chat_id}/messages/{seq}/edits", summary="Every version of a message")
async def edit_history(chat_id: IdPath, seq: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await edits.access_edits(svc, me, chat_id, seq)


@router.post("/chats/{chat_id}/messages/{seq}/reactions", summary="React to a message")
async def react(
    chat_id: IdPath, seq: IdPath, body: ReactBody, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return await reactions.do_react(svc, me, chat_id, seq, body.emoji, on=True)


@router.delete("/chats/{chat_id}/messages/{seq}/reactions/{emoji}", summary="Take back my reaction")
async def unreact(
    chat_id: IdPath, seq: IdPath, emoji: Emoji, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    return await reactions.do_react(svc, me, chat_id, seq, emoji, on=False)


@router.get(
    "/chats/{chat_id}/messages/{seq}/reactions", summary="Who reacted with what (paged by `after`)"
)
async def reactors(
    chat_id: IdPath,
    seq: IdPath,
    svc: Svc,
    me: CurrentUser,
    emoji: Annotated[str | None, Query(min_length=1, max_length=16)] = None,
    after: Annotated[int, Query(ge=0, le=ID_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    return await reactions.access_reactions(
        svc, me, chat_id, seq, emoji=emoji, after=after, limit=limit
    )
