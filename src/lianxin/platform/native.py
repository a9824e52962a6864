"""The native Bot API: Lianxin's own shapes (chat ids, seqs, events, kinds) for bots.

Authenticate with ``Authorization: Bot <token>``. Errors are Lianxin's usual
``{"code", "message"}``. The Telegram-compatible surface (``platform/telegram``) calls
the same actions; this one exposes everything a native bot needs without translation.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import Field

from lianxin.actions import bot_updates, bots, media, views
from lianxin.actions.bot_callbacks import do_answer, do_bot_edit
from lianxin.api.deps import Body, Id, IdPath, Svc
from lianxin.errors import Code, LianxinError

router = APIRouter(prefix="/api/v1/bot", tags=["bot api"])


async def current_bot(svc: Svc, authorization: Annotated[str | None, Header()] = None) -> bots.Bot:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bot":
        raise LianxinError(Code.unauthorized, "send Authorization: Bot <token>")
    return await bots.authenticate_bot(svc, token.strip())


CurrentBot = Annotated[bots.Bot, Depends(current_bot)]
MediaKindQuery = Annotated[Literal["photo", "voice", "video", "file"], Query()]


class BotSendBody(Body):
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    kind: str = Field(default="text", min_length=1, max_length=16)
    text: str | None = Field(default=None, max_length=100_000)
    content: dict[str, Any] | None = None
    reply_to: Id | None = None


class EditBody(Body):
    text: str | None = Field(default=None, max_length=100_000)
    content: dict[str, Any] | None = None


class AnswerBody(Body):
    text: str | None = Field(default=None, max_length=200)
    alert: bool = False
    url: str | None = Field(default=None, max_length=2048)


class CommandsBody(Body):
    commands: list[dict[str, Any]] = Field(max_length=100)


@router.get("/me", summary="The bot's own account")
async def me(bot: CurrentBot) -> dict[str, Any]:
    return {"id": bot.user_id, "name": bot.name, "handle": bot.handle, "privacy": bot.privacy}


@router.get(
    "/updates",
    summary="Long-poll the bot's updates (ack with offset = last id + 1)",
    description=(
        "Updates of every type (message, callback_query, my_chat_member) come in one "
        "sequence, in the order their events committed. An update is returned again until "
        "a later call's offset passes it; a newer poll ends an older one with 409 conflict."
    ),
)
async def updates(
    request: Request,
    svc: Svc,
    bot: CurrentBot,
    offset: Annotated[int | None, Query(ge=-100, le=2**53)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    timeout: Annotated[float, Query(ge=0, le=50)] = 0,
) -> dict[str, Any]:
    wakeups = request.app.state.bot_wakeups
    rows = await bot_updates.do_poll(svc, bot, wakeups, offset=offset, limit=limit, timeout=timeout)
    events = await bot_updates.load_events(svc, rows)
    out = []
    for row in rows:
        item: dict[str, Any] = {"update_id": row.update_id, "type": row.type, "chat": row.chat_id}
        event = events.get((row.chat_id, row.seq))
        if row.type == "message" and event is not None:
            item["message"] = views.event(event)
        elif row.payload:
            item.update(seq=row.seq, **orjson.loads(row.payload))
        out.append(item)
    return {"updates": out}


@router.post(
    "/chats/{chat_id}/messages",
    summary="Send a message as the bot",
    description=(
        "Any kind a bot may send, including media kinds with content {media: <id>} from "
        "POST /api/v1/bot/media. Over the bot's rate limits: 429 rate_limited with "
        "details.retry_after_s."
    ),
)
async def send(chat_id: IdPath, body: BotSendBody, svc: Svc, bot: CurrentBot) -> dict[str, Any]:
    return await bots.do_bot_send(
        svc,
        bot,
        chat_id,
        kind=body.kind,
        text=body.text,
        content=body.content,
        reply_to=body.reply_to,
        client_id=body.client_id,
    )


@router.post("/chats/{chat_id}/messages/{seq}/edit", summary="Edit one of the bot's messages")
async def edit(
    chat_id: IdPath, seq: IdPath, body: EditBody, svc: Svc, bot: CurrentBot
) -> dict[str, Any]:
    return await do_bot_edit(svc, bot, chat_id, seq, text=body.text, content=body.content)


@router.post("/callbacks/{callback_id}/answer", summary="Answer a button press", status_code=204)
async def answer(callback_id: str, body: AnswerBody, svc: Svc, bot: CurrentBot) -> None:
    await do_answer(svc, bot, callback_id, text=body.text, alert=body.alert, url=body.url)


@router.put("/commands", summary="Declare the bot's command menu", status_code=204)
async def set_commands(body: CommandsBody, svc: Svc, bot: CurrentBot) -> None:
    await bots.do_set_commands(svc, bot, body.commands)


@router.post(
    "/media",
    status_code=201,
    summary="Upload a file as the bot (raw body), to send as photo / voice / video / file",
)
async def upload(
    request: Request, svc: Svc, bot: CurrentBot, kind: MediaKindQuery, name: str | None = None
) -> dict[str, Any]:
    length = request.headers.get("content-length")
    return await media.do_upload(
        svc,
        bot.identity,
        kind=kind,
        name=name,
        body=request.stream(),
        length=int(length) if length and length.isdigit() else None,
    )


@router.get(
    "/media/{media_id}/content",
    summary="The bytes of a file the bot sent or was sent (else 404)",
    response_class=Response,
)
async def download(
    media_id: IdPath, svc: Svc, bot: CurrentBot, variant: Annotated[str, Query(max_length=10)] = ""
) -> Response:
    row = await media.access_media(svc, bot.identity, media_id)
    dl = media.download(row, variant or None)
    stream = await media.open_stream(svc, dl, 0, dl.size - 1)
    headers = {"Content-Length": str(dl.size), "X-Content-Type-Options": "nosniff"}
    return StreamingResponse(stream, media_type=dl.mime, headers=headers)
