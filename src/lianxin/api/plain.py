"""Plain ASGI routes, served before FastAPI's routing for the hottest requests.

``GET /me`` starts every client and is most of ``lianxin bench connect``'s REST work;
through FastAPI about half its server time went to the middleware stack, the scan of
every router and the dependency solver. A plain route answers the same request with
the same bytes: the token read as ``HTTPBearer(auto_error=False)`` reads it, errors as
``app``'s exception handlers render them. Each stays registered as a FastAPI route too,
for the OpenAPI docs (and as the reference the tests compare it with).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from lianxin.errors import Code, LianxinError
from lianxin.gateway.wire import Message, Send
from lianxin.services import Services

log = logging.getLogger("lianxin")

# A plain route: the services and the request's scope in, the JSON body's value out.
PlainRoute = Callable[[Services, Message], Awaitable[Any]]

_JSON = b"application/json"
_CRASH = {"code": Code.internal.value, "message": "something went wrong; try again"}


def bearer_token(scope: Message) -> str | None:
    """The bearer token of an ``Authorization`` header, None when there is none."""
    for key, value in scope["headers"]:
        if key == b"authorization":  # ASGI header names are lower-case
            scheme, _, param = value.decode("latin-1").partition(" ")
            token: str = param.strip()
            if scheme and token and scheme.lower() == "bearer":
                return token
            return None
    return None


def error_response(exc: LianxinError) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, body and headers of a refusal (FastAPI's handler renders it the same)."""
    headers = {}
    if "retry_after_s" in exc.details:
        headers["Retry-After"] = str(exc.details["retry_after_s"])
    return exc.status, exc.to_dict(), headers


async def serve(route: PlainRoute, svc: Services, scope: Message, send: Send) -> None:
    """Run a plain route and send its JSON answer, or its refusal."""
    headers: dict[str, str] = {}
    try:
        status, body = 200, await route(svc, scope)
    except LianxinError as exc:
        status, body, headers = error_response(exc)
    except Exception as exc:
        log.exception("unhandled error", exc_info=exc)
        status, body = 500, _CRASH
    await send_json(send, status, orjson.dumps(body), headers)


async def send_json(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    raw.append((b"content-type", _JSON))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
