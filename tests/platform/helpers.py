"""Helpers for bot tests: a bot owned by a fresh user, raw Bot API calls, waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from lianxin.client import Client
from lianxin.client.connection import Connection
from tests.harness import ServerThread


@dataclass
class TestBot:
    owner: Client
    id: int
    token: str
    handle: str

    __test__ = False


async def make_bot(
    server: ServerThread, closing: list[Any], name: str = "Echo", handle: str | None = None
) -> TestBot:
    owner = await server.signup("owner")
    closing.append(owner)
    made = await owner.create_bot(name, handle)
    return TestBot(owner, made["bot"]["id"], made["token"], made["bot"]["handle"])


async def tg(server: ServerThread, token: str, method: str, **params: Any) -> httpx.Response:
    """One raw Telegram-style call with a JSON body."""
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        return await http.post(f"/bot{token}/{method}", json=params)


async def tg_ok(server: ServerThread, token: str, method: str, **params: Any) -> Any:
    resp = await tg(server, token, method, **params)
    body = resp.json()
    assert resp.status_code == 200 and body["ok"], body
    return body["result"]


async def frame_where(
    conn: Connection, match: Callable[[dict[str, Any]], bool], timeout: float = 15
) -> dict[str, Any]:
    async def find() -> dict[str, Any]:
        while True:
            frame = await conn.next_event(timeout=timeout)
            if match(frame):
                return frame

    return await asyncio.wait_for(find(), timeout)


def text_ev(chat: int, text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f.get("t") == "ev" and f.get("chat") == chat and f.get("text") == text
