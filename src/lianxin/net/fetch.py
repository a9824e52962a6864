"""Fetch a web page for a user without letting them reach the server's own network.

Each hop resolves the host once, refuses it unless every address passes the
:class:`AddressPolicy`, then connects to the checked address itself (the Host header and
TLS SNI / certificate check still use the name), so a DNS answer cannot change between
check and use. Redirects are followed by hand with the same check; only http and https;
the body is cut at ``max_bytes`` (after decompression) and the whole fetch at ``timeout``.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urljoin, urlsplit

import httpx

from lianxin.net.addresses import AddressPolicy

Resolver = Callable[[str, int], Awaitable[list[str]]]

REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = "Lianxin-LinkPreview/1.0 (+https://github.com/lianxin)"


class FetchError(Exception):
    """The page could not be fetched, or was refused; the message says why."""


@dataclass(frozen=True, slots=True)
class Page:
    url: str  # after redirects
    content_type: str
    charset: str | None
    body: bytes


async def system_resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True, slots=True)
class Target:
    """One hop: the URL as written and the checked address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    ip: str


async def check_url(url: str, policy: AddressPolicy, resolve: Resolver) -> Target:
    """Refuse what a preview must not fetch; otherwise the address to connect to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("only http and https links are fetched")
    if parts.username is not None or parts.password is not None:
        raise FetchError("links with credentials are not fetched")
    host = parts.hostname
    if not host:
        raise FetchError("the link has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError("the link has a bad port") from exc
    try:
        addresses = [str(ip_address(host))]
    except ValueError:
        try:
            addresses = await resolve(host, port)
        except OSError as exc:
            raise FetchError(f"cannot resolve {host}") from exc
    if not addresses:
        raise FetchError(f"cannot resolve {host}")
    refused = [a for a in addresses if not policy.permits(a)]
    if refused:
        raise FetchError(f"{host} resolves to a non-public address ({refused[0]})")
    return Target(url, parts.scheme, host, port, addresses[0])


async def fetch(
    url: str,
    *,
    policy: AddressPolicy,
    timeout: float = 5.0,
    max_bytes: int = 512 * 1024,
    max_redirects: int = 5,
    resolve: Resolver = system_resolve,
) -> Page:
    """GET ``url`` under the rules above; raises :class:`FetchError` for any failure."""
    try:
        async with asyncio.timeout(timeout):
            return await _follow(url, policy, max_bytes, max_redirects, resolve)
    except TimeoutError as exc:
        raise FetchError("the page took too long") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"the page could not be fetched: {type(exc).__name__}") from exc


async def _follow(
    url: str, policy: AddressPolicy, max_bytes: int, max_redirects: int, resolve: Resolver
) -> Page:
    for _ in range(max_redirects + 1):
        target = await check_url(url, policy, resolve)
        # A fresh client per hop: no pooled connection is ever reused for another name.
        async with httpx.AsyncClient(trust_env=False, follow_redirects=False) as client:
            request = _request(client, target)
            response = await client.send(request, stream=True)
            try:
                if response.status_code in REDIRECTS and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise FetchError(f"the page answered {response.status_code}")
                body = await _read_capped(response, max_bytes)
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                return Page(url, kind, response.charset_encoding, body)
            finally:
                await response.aclose()
    raise FetchError("too many redirects")


def _request(client: httpx.AsyncClient, target: Target) -> httpx.Request:
    default = 443 if target.scheme == "https" else 80
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port != default:
        host_header += f":{target.port}"
    direct = httpx.URL(target.url).copy_with(host=target.ip, port=target.port)
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    headers = {"Host": host_header, "User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"}
    return client.build_request("GET", direct, headers=headers, extensions=extensions)


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of the (decoded) body: a preview only needs the page's head."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= max_bytes:
            break
    return b"".join(chunks)[:max_bytes]
