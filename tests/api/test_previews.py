"""Link previews end to end: fetched after the send is acked, attached to the message and
announced by a replayable event; loopback pages are refused unless the operator allows
them."""

from __future__ import annotations

import asyncio
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lianxin.bench.proc import free_port
from tests.harness import ServerThread, befriend

PAGE = b"""<html><head><meta property="og:title" content="Lianxin news">
<meta property="og:description" content="Something happened">
<meta property="og:image" content="/cover.png"></head><body>...</body></html>"""


class _Page(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []
    delay = 0.0

    def do_GET(self) -> None:
        self.hits.append(self.path)
        time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def page() -> Iterator[tuple[str, type[_Page]]]:
    handler = type("Page", (_Page,), {"hits": [], "delay": 0.0})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", handler
    srv.shutdown()
    srv.server_close()


def is_preview(f: dict[str, Any]) -> bool:
    return f.get("t") == "ev" and f["kind"] == "system" and f["data"]["type"] == "link_preview"


async def test_loopback_refused_by_default(
    make_server: Callable[..., ServerThread], page: Any, closing: list[Any]
) -> None:
    base, handler = page
    server = make_server()
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    sent = await alice.send_text(chat, f"look {base}/story.")
    await asyncio.sleep(1.0)
    assert handler.hits == []  # never connected
    events = (await bob.history(chat))["events"]
    assert "link" not in events[-1].get("data", {}) and events[-1]["seq"] == sent["seq"]


async def test_preview_arrives_after_the_ack(
    make_server: Callable[..., ServerThread], page: Any, closing: list[Any]
) -> None:
    base, handler = page
    handler.delay = 1.0  # a slow site does not slow the send
    server = make_server(link_preview_allow_networks=["127.0.0.0/8"])
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]
    chat = await befriend(alice, bob)
    b = await bob.connect()
    closing.append(b)
    started = time.monotonic()
    sent = await alice.send_text(chat, f"看这个 {base}/story, ok?")
    assert time.monotonic() - started < 0.8

    ev = await b.wait_for(is_preview, timeout=10)
    link = {
        "url": f"{base}/story",
        "title": "Lianxin news",
        "description": "Something happened",
        "image": f"{base}/cover.png",
    }
    assert ev["data"] == {"type": "link_preview", "seq": sent["seq"], "link": link}
    assert ev["seq"] > sent["seq"] and handler.hits == ["/story"]
    events = {e["seq"]: e for e in (await bob.history(chat))["events"]}
    assert events[sent["seq"]]["data"]["link"] == link

    # Editing the link away drops the preview; editing a new one in fetches it.
    handler.delay = 0.0
    edited = await alice.edit(chat, sent["seq"], "never mind")
    assert "data" not in edited["message"]
    await alice.edit(chat, sent["seq"], f"{base}/other")
    ev2 = await b.wait_for(is_preview, timeout=10)
    assert ev2["data"]["link"]["url"] == f"{base}/other"
    # Forwarding copies the text, not the preview (it is fetched again for the copy).
    fwd = await alice.forward(chat, sent["seq"], chat)
    assert "link" not in fwd["data"]
