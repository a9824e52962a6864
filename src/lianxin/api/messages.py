"""Messages over REST: history, send (for scripts and bots), recall, forward, read marks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from lianxin.actions import messages
from lianxin.api.deps import ID_MAX, Body, CurrentUser, Id, IdPath, Svc

router = APIRouter(prefix="/api/v1/chats/{chat_id}", tags=["messages"])


class SendBody(Body):
    client_id: str = Field(
        min_length=1, max_length=64, description="Your id for exactly-once sends"
    )
    kind: str = Field(default="text", min_length=1, max_length=16, description="text, ...")
    text: str | None = Field(default=None, max_length=100_000, description="Body or caption")
    content: dict[str, Any] | None = Field(
        default=None, description="What the kind carries besides text (see docs/protocol.md)"
    )
    reply_to: Id | None = None
    mentions: list[Id] | None = Field(default=None, max_length=200)
    mention_all: bool = False


class ForwardBody(Body):
    client_id: str = Field(min_length=1, max_length=64)
    to_chat: Id


class ReadBody(Body):
    seq: int = Field(ge=0, le=ID_MAX)


@router.get(
    "/messages", summary="A page of history, backwards from `before` or forwards from `after`"
)
async def history(
    chat_id: IdPath,
    svc: Svc,
    me: CurrentUser,
    before: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    after: Annotated[int | None, Query(ge=0, le=ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    return await messages.history(svc, me, chat_id, before=before, after=after, limit=limit)


@router.post("/messages", summary="Send a message (repeat the client_id to retry safely)")
async def send(chat_id: IdPath, body: SendBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    sent = await messages.do_send(
        svc,
        me,
        chat_id,
        client_id=body.client_id,
        kind=body.kind,
        text=body.text,
        content=body.content,
        reply_to=body.reply_to,
        mentions=body.mentions,
        mention_all=body.mention_all,
    )
    return {**sent.event, "duplicate": sent.duplicate}


@router.post("/messages/{seq}/recall", summary="Recall a message for everyone")
async def recall(chat_id: IdPath, seq: IdPath, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await messages.do_recall(svc, me, chat_id, seq)


@router.delete(
    "/messages/{seq}", summary="Delete a message for me (all my devices)", status_code=204
)
async def delete_for_me(chat_id: IdPath, seq: IdPath, svc: Svc, me: CurrentUser) -> None:
    await messages.do_delete_for_me(svc, me, chat_id, seq)


@router.post("/messages/{seq}/forward", summary="Forward a message into another chat")
async def forward(
    chat_id: IdPath, seq: IdPath, body: ForwardBody, svc: Svc, me: CurrentUser
) -> dict[str, Any]:
    sent = await messages.do_forward(svc, me, chat_id, seq, body.to_chat, client_id=body.client_id)
    return {**sent.event, "duplicate": sent.duplicate}


@router.get("/messages/{seq}/reads", summary="How many members have read a message")
async def reads(chat_id: IdPath, seq: IdPath, svc: Svc, me: CurrentUser) -> dict[str, int]:
    return await messages.read_receipts(svc, me, chat_id, seq)


@router.post("/read", summary="Mark the chat read up to `seq`")
async def mark_read(chat_id: IdPath, body: ReadBody, svc: Svc, me: CurrentUser) -> dict[str, int]:
    return {"read_seq": await messages.do_mark_read(svc, me, chat_id, body.seq)}
