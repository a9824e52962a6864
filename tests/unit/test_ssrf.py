"""SSRF protection of the link-preview fetcher: address rules, URL rules, pinned
connections and redirects, and the page parser. Only loopback servers, no internet."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from ipaddress import ip_address
from typing import Any

import pytest

from lianxin.bench.proc import free_port
from lianxin.net.addresses import AddressPolicy, is_public
from lianxin.net.fetch import FetchError, fetch
from lianxin.net.meta import parse_preview

PAGE = b"""<html><head><title>Fallback</title>
<meta property="og:title" content="The &amp; Title">
<meta name="description" content="A  page\nabout things">
<meta property="og:image" content="/img.png">
</head><body><meta property="og:title" content="not in head"></body></html>"""


@pytest.mark.parametrize(
    "addr",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
        "100.64.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255", "192.0.2.1", "::1", "::",
        "fe80::1", "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1",
        "64:ff9b::7f00:1", "2002:7f00:1::", "2001:db8::1", "2001::1",
    ],
)  # fmt: skip
def test_non_public_addresses_refused(addr: str) -> None:
    assert not is_public(ip_address(addr))
    assert not AddressPolicy().permits(addr)


@pytest.mark.parametrize("addr", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_allowed(addr: str) -> None:
    assert AddressPolicy().permits(addr)


def test_operator_allowance_is_exact() -> None:
    policy = AddressPolicy.from_settings(["127.0.0.0/8"])
    assert policy.permits("127.0.0.5") and policy.permits("::ffff:127.0.0.1")
    assert not policy.permits("10.0.0.1") and not policy.permits("::1")


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    hits: list[tuple[str, str]] = []

    def do_GET(self) -> None:
        self.hits.append((self.path, self.headers.get("Host", "")))
        status, headers, body = self.routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for k, v in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def site() -> Iterator[type[_Handler]]:
    """Two page servers, on 127.0.0.1 and on 127.0.0.2 (both loopback)."""
    handler = type("Handler", (_Handler,), {"routes": {}, "hits": []})
    servers = []
    for host in ("127.0.0.1", "127.0.0.2"):
        srv = http.server.ThreadingHTTPServer((host, free_port()), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    handler.ports = [s.server_address[1] for s in servers]  # type: ignore[attr-defined]
    yield handler
    for srv in servers:
        srv.shutdown()
        srv.server_close()


async def test_loopback_refused_unless_allowed(site: Any) -> None:
    site.routes["/p"] = (200, {}, PAGE)
    url = f"http://127.0.0.1:{site.ports[0]}/p"
    for blocked in (
        url,
        f"http://[::ffff:127.0.0.1]:{site.ports[0]}/p",
        f"http://localhost:{site.ports[0]}/p",
    ):
        with pytest.raises(FetchError, match="non-public"):
            await fetch(blocked, policy=AddressPolicy())
    assert site.hits == []  # refused before any connection
    page = await fetch(url, policy=AddressPolicy.from_settings(["127.0.0.1/32"]))
    assert page.body == PAGE and page.content_type == "text/html"


async def test_each_redirect_hop_is_checked(site: Any) -> None:
    second = f"http://127.0.0.2:{site.ports[1]}/p"
    site.routes["/r"] = (302, {"Location": second}, b"")
    site.routes["/p"] = (200, {}, PAGE)
    site.routes["/loop"] = (301, {"Location": "/loop"}, b"")
    only_first = AddressPolicy.from_settings(["127.0.0.1/32"])
    with pytest.raises(FetchError, match="non-public"):
        await fetch(f"http://127.0.0.1:{site.ports[0]}/r", policy=only_first)
    assert [h[0] for h in site.hits] == ["/r"]  # the second server was never reached
    both = AddressPolicy.from_settings(["127.0.0.0/8"])
    page = await fetch(f"http://127.0.0.1:{site.ports[0]}/r", policy=both)
    assert page.url == second and page.body == PAGE
    with pytest.raises(FetchError, match="too many redirects"):
        await fetch(f"http://127.0.0.1:{site.ports[0]}/loop", policy=both, max_redirects=3)


async def test_connects_to_the_checked_address_only(site: Any) -> None:
    """The name is resolved once and the connection goes to that address (no second
    lookup a rebinding DNS server could answer differently); Host still names the site."""
    site.routes["/p"] = (200, {}, PAGE)
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    policy = AddressPolicy.from_settings(["127.0.0.1/32"])
    page = await fetch(f"http://news.example:{site.ports[0]}/p", policy=policy, resolve=rebinding)
    assert page.body == PAGE
    assert site.hits == [("/p", f"news.example:{site.ports[0]}")]

    async def mixed(host: str, port: int) -> list[str]:
        return ["127.0.0.1", "10.0.0.1"]  # any bad answer refuses the name

    with pytest.raises(FetchError, match="non-public"):
        await fetch(f"http://mixed.example:{site.ports[0]}/p", policy=policy, resolve=mixed)


async def test_schemes_credentials_size_and_time(site: Any) -> None:
    allow = AddressPolicy.from_settings(["127.0.0.0/8"])
    for url in ("ftp://127.0.0.1/", "file:///etc/passwd", "gopher://127.0.0.1/", "http:///x"):
        with pytest.raises(FetchError):
            await fetch(url, policy=allow)
    with pytest.raises(FetchError, match="credentials"):
        await fetch(f"http://u:p@127.0.0.1:{site.ports[0]}/", policy=allow)
    site.routes["/big"] = (200, {}, b"x" * 100_000)
    page = await fetch(f"http://127.0.0.1:{site.ports[0]}/big", policy=allow, max_bytes=1000)
    assert len(page.body) == 1000
    with pytest.raises(FetchError, match="404"):
        await fetch(f"http://127.0.0.1:{site.ports[0]}/missing", policy=allow)

    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts, never answers
    try:
        with pytest.raises(FetchError, match="too long"):
            await fetch(f"http://127.0.0.1:{silent.getsockname()[1]}/", policy=allow, timeout=0.5)
    finally:
        silent.close()


def test_parse_preview_prefers_open_graph_in_head() -> None:
    out = parse_preview(PAGE.decode(), "https://example.org/a/b")
    assert out == {
        "title": "The & Title",
        "description": "A page about things",
        "image": "https://example.org/img.png",
    }
    plain = parse_preview("<title> Just  a title </title><p>x", "https://e.org/")
    assert plain == {"title": "Just a title"}
    assert parse_preview("<p>nothing</p>", "https://e.org/") == {}
    js = '<meta property="og:image" content="javascript:alert(1)"><title>t</title>'
    assert "image" not in parse_preview(js, "https://e.org/")
    assert len(parse_preview(f"<title>{'a' * 500}</title>", "https://e.org/")["title"]) == 200
