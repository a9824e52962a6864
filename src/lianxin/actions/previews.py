"""Link previews: the first URL of a text message, fetched after the send is acked.

The send never waits for the web. Once the message is stored, :func:`schedule` starts a
background fetch (``net/fetch.py``: SSRF-safe, bounded in time and size). A preview that
arrives is put on the message (``data.link``, so history shows it) and announced by a
``system`` event ``{"type": "link_preview", "seq", "link"}`` with the chat's next seq,
so devices get it live or on resume. A failed fetch leaves the message as it was.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import re
from typing import Any

import orjson
from sqlalchemy import Row

from lianxin.actions.chats import publish_event
from lianxin.net.addresses import AddressPolicy
from lianxin.net.fetch import FetchError, fetch
from lianxin.net.meta import URL_MAX, parse_preview
from lianxin.services import Services
from lianxin.store import chats as store
from lianxin.store import extras

log = logging.getLogger(__name__)

_URL = re.compile(r"https?://[\x21-\x7e]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\")]}>"

# Running fetches, held so they are not garbage-collected before they finish.
_running: set[asyncio.Task[None]] = set()


def first_url(text: str | None) -> str | None:
    """The first http(s) URL in a message, without trailing punctuation."""
    match = _URL.search(text or "")
    if match is None:
        return None
    url = match.group(0).rstrip(_TRAILING)
    return url if 10 <= len(url) <= URL_MAX else None


def stale_link(data: dict[str, Any], new_text: str) -> bool:
    """Whether an edit to ``new_text`` makes the message's preview wrong."""
    link = data.get("link")
    return isinstance(link, dict) and link.get("url") != first_url(new_text)


def schedule(svc: Services, row: Row[Any]) -> None:
    """Start fetching a preview for a just-stored text message, if it has a URL."""
    if not svc.settings.link_previews or row.kind != "text" or row.recalled_at is not None:
        return
    url = first_url(row.text)
    if url is None:
        return
    task = asyncio.get_running_loop().create_task(_preview(svc, int(row.chat_id), row.seq, url))
    _running.add(task)
    task.add_done_callback(_running.discard)


async def _preview(svc: Services, chat_id: int, seq: int, url: str) -> None:
    try:
        link = await fetch_preview(svc, url)
        if link is not None:
            await do_attach(svc, chat_id, seq, link)
    except Exception:  # a background task: log, never crash the loop
        log.exception("link preview for chat %s seq %s failed", chat_id, seq)


async def fetch_preview(svc: Services, url: str) -> dict[str, Any] | None:
    """Title, description and image URL of a page, or None when there is nothing to show."""
    s = svc.settings
    try:
        page = await fetch(
            url,
            policy=AddressPolicy.from_settings(s.link_preview_allow_networks),
            timeout=s.link_preview_timeout_s,
            max_bytes=s.link_preview_max_bytes,
        )
    except FetchError as exc:
        log.info("no link preview for %s: %s", url, exc)
        return None
    if page.content_type not in ("text/html", "application/xhtml+xml"):
        return None
    fields = parse_preview(page.body.decode(_codec(page.charset), errors="replace"), page.url)
    if "title" not in fields and "description" not in fields:
        return None
    return {"url": url, **fields}


def _codec(charset: str | None) -> str:
    try:
        return codecs.lookup(charset or "utf-8").name
    except LookupError:
        return "utf-8"


async def do_attach(svc: Services, chat_id: int, seq: int, link: dict[str, Any]) -> None:
    """Put a fetched preview on its message, unless it was recalled or edited meanwhile."""
    now = svc.clock.now_ms()
    async with svc.db.write() as conn:
        await store.lock_chat_txn(conn, chat_id)
        target = await store.get_event(conn, chat_id, seq)
        if target is None or target.recalled_at is not None:
            return
        if first_url(target.text) != link["url"]:
            return
        data = orjson.loads(target.data) if target.data else {}
        await extras.set_data_txn(conn, chat_id, seq, {**data, "link": link})
        event = await store.append_event_txn(
            conn,
            chat_id=chat_id,
            sender_id=target.sender_id,
            kind="system",
            now=now,
            data={"type": "link_preview", "seq": seq, "link": link},
        )
    await publish_event(svc, event)
