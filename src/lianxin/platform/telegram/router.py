"""The Telegram-compatible HTTP surface: ``/bot<token>/<method>`` and the file
downloads at ``/file/bot<token>/<file_path>``.

Every answer is Telegram's envelope: ``{"ok": true, "result": …}`` or ``{"ok": false,
"error_code": N, "description": "…", "parameters"?: {"retry_after": s}}`` with the same
HTTP status, which is what python-telegram-bot and aiogram turn into their exceptions.
Refusals are never 404 except for an unknown method (PTB reads 404 as a bad token).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from lianxin.actions import media
from lianxin.actions.bots import authenticate_bot
from lianxin.errors import Code, LianxinError
from lianxin.platform.telegram import files
from lianxin.platform.telegram.methods import METHODS, Ctx
from lianxin.platform.telegram.params import Params

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

_PREFIX = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 409: "Conflict"}
_STATUS = {
    Code.unauthorized: 401,
    Code.forbidden: 403,
    Code.blocked: 403,
    Code.not_friends: 403,
    Code.not_allowed: 403,
    Code.conflict: 409,
    Code.rate_limited: 429,
}


def envelope_error(exc: LianxinError) -> JSONResponse:
    """A LianxinError in Telegram's shape and status."""
    if exc.code == Code.rate_limited:
        wait = int(exc.details.get("retry_after_s", 1))
        body = {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {wait}",
            "parameters": {"retry_after": wait},
        }
        return JSONResponse(body, status_code=429, headers={"Retry-After": str(wait)})
    status = _STATUS.get(exc.code, 500 if exc.code == Code.internal else 400)
    message = "chat not found" if exc.code == Code.not_member else exc.message
    description = f"{_PREFIX.get(status, 'Internal Server Error')}: {message}"
    return JSONResponse(
        {"ok": False, "error_code": status, "description": description}, status_code=status
    )


def _not_found() -> JSONResponse:
    body = {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
    return JSONResponse(body, status_code=404)


async def call(ctx: Ctx, name: str, params: Params) -> Any:
    """Run one method by name (also used for replies carried in webhook responses)."""
    fn = METHODS.get(name.lower())
    if fn is None:
        raise LookupError(name)
    return await fn(ctx, params)


@router.api_route("/bot{token}/{name}", methods=["GET", "POST"])
async def bot_method(token: str, name: str, request: Request) -> JSONResponse:
    svc = request.app.state.services
    try:
        bot = await authenticate_bot(svc, token)
        if name.lower() not in METHODS:
            return _not_found()
        params = await Params.read(request)
        ctx = Ctx(svc, bot, token, request.app.state.bot_wakeups)
        try:
            result = await call(ctx, name, params)
        finally:
            await params.close()
    except LianxinError as exc:
        return envelope_error(exc)
    return JSONResponse({"ok": True, "result": result})


@router.get("/file/bot{token}/{file_path:path}")
async def bot_file(token: str, file_path: str, request: Request) -> Response:
    """getFile's ``file_path``: the bytes, if the bot may read that file (else 404)."""
    svc = request.app.state.services
    try:
        bot = await authenticate_bot(svc, token)
        row, variant = await files.access_file(svc, bot, files.parse_file_path(file_path))
        dl = media.download(row, variant)
        stream = await media.open_stream(svc, dl, 0, dl.size - 1)
    except LianxinError as exc:
        if exc.code == Code.unauthorized:
            return envelope_error(exc)
        body = {"ok": False, "error_code": 404, "description": "Not Found: file not found"}
        return JSONResponse(body, status_code=404)
    headers = {"Content-Length": str(dl.size), "X-Content-Type-Options": "nosniff"}
    return StreamingResponse(stream, media_type=dl.mime, headers=headers)
