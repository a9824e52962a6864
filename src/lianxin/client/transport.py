"""httpx's transport for the REST client: HTTP/1.1 keep-alive on asyncio streams.

httpx's default transport goes through httpcore's pool, h11's state machine and anyio's
streams: most of the ~0.4 ms of client CPU a small request cost in ``lianxin bench
connect``, several times the server's share. Every request of :class:`~lianxin.client.rest.Client`
has its whole body in memory and reads its whole answer, so this transport writes the
request in one call and reads the response with ``Content-Length``, chunked or
until-close framing, keeping the connection for the next request when the server does.
httpx above it is unchanged (URLs, headers, cookies, redirects, decoding, errors);
a request with a streamed body goes to httpx's own transport.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import httpx

# Idle keep-alive connections kept per origin; more in flight are opened and closed.
MAX_IDLE = 20
MAX_HEAD = 64 * 1024
_NO_BODY = frozenset((204, 304))
_IDEMPOTENT = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))

Origin = tuple[bytes, str, int]


class _Stale(Exception):
    """A kept connection was closed by the server before it answered anything."""


class LeanTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, verify: ssl.SSLContext | bool = True) -> None:
        """``verify``: as httpx's (True: its CA bundle, loaded on the first https request)."""
        self._verify = verify
        self._tls: ssl.SSLContext | None = verify if isinstance(verify, ssl.SSLContext) else None
        self._idle: dict[Origin, list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}
        self._fallback: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if not isinstance(request.stream, httpx.ByteStream) or url.raw_scheme not in (
            b"http",
            b"https",
        ):
            if self._fallback is None:
                self._fallback = httpx.AsyncHTTPTransport(verify=self._verify)
            return await self._fallback.handle_async_request(request)
        head = [request.method.encode("ascii"), b" ", url.raw_path, b" HTTP/1.1\r\n"]
        for name, value in request.headers.raw:
            head += (name, b": ", value, b"\r\n")
        head.append(b"\r\n")
        head.extend(request.stream)
        data = b"".join(head)
        origin: Origin = (
            url.raw_scheme,
            url.raw_host.decode("ascii"),
            url.port or _default_port(url.raw_scheme),
        )
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        idle = self._idle.get(origin)
        while idle:
            reader, writer = idle.pop()
            if reader.at_eof() or writer.is_closing():
                writer.close()
                continue
            try:
                return await self._exchange(request, origin, reader, writer, data, timeouts, True)
            except _Stale:
                if request.method not in _IDEMPOTENT:
                    raise httpx.RemoteProtocolError(
                        "Server disconnected without sending a response.", request=request
                    ) from None
        reader, writer = await self._connect(request, origin, timeouts.get("connect"))
        try:
            return await self._exchange(request, origin, reader, writer, data, timeouts, False)
        except _Stale:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None

    async def _connect(
        self, request: httpx.Request, origin: Origin, timeout: float | None
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        scheme, host, port = origin
        tls: ssl.SSLContext | None = None
        if scheme == b"https":
            if self._tls is None:
                self._tls = httpx.create_ssl_context(verify=self._verify)
            tls = self._tls
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.open_connection(
                    host, port, ssl=tls, server_hostname=host if tls else None, limit=MAX_HEAD
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timed out", request=request) from exc
        except OSError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc

    async def _exchange(
        self,
        request: httpx.Request,
        origin: Origin,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        data: bytes,
        timeouts: dict[str, float | None],
        reused: bool,
    ) -> httpx.Response:
        """Send ``data``, read the answer; the connection goes back to the idle list
        only after a whole response that allows it."""
        keep = False
        try:
            writer.write(data)
            async with asyncio.timeout(timeouts.get("read")):
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError as exc:
                    if not exc.partial:
                        raise _Stale() from None
                    raise
                response, keep = await _read_response(request, head, reader)
        except TimeoutError as exc:
            raise httpx.ReadTimeout("read timed out", request=request) from exc
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            raise httpx.RemoteProtocolError(
                f"malformed or incomplete response: {exc}", request=request
            ) from exc
        except ConnectionError as exc:
            if reused:
                raise _Stale() from None
            raise httpx.ReadError(str(exc), request=request) from exc
        finally:
            if keep:
                idle = self._idle.setdefault(origin, [])
                if len(idle) < MAX_IDLE:
                    idle.append((reader, writer))
                else:
                    writer.close()
            else:
                writer.close()
        return response

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for _, writer in idle:
                writer.close()
        self._idle.clear()
        if self._fallback is not None:
            await self._fallback.aclose()


def _default_port(scheme: bytes) -> int:
    return 443 if scheme == b"https" else 80


async def _read_response(
    request: httpx.Request, head: bytes, reader: asyncio.StreamReader
) -> tuple[httpx.Response, bool]:
    """The response whose head (status line and headers) is ``head``, its body read from
    ``reader``, and whether the connection may be kept."""
    status_line, *lines = head[:-4].split(b"\r\n")
    version, _, rest = status_line.partition(b" ")
    code, _, reason = rest.partition(b" ")
    if version not in (b"HTTP/1.1", b"HTTP/1.0") or len(code) != 3 or not code.isdigit():
        raise ValueError(f"status line {status_line[:80]!r}")
    status = int(code)
    if status < 200:
        raise ValueError(f"unexpected informational response {status}")
    headers: list[tuple[bytes, bytes]] = []
    length: int | None = None
    chunked = False
    keep = version == b"HTTP/1.1"
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise ValueError(f"header line {line[:80]!r}")
        value = value.strip(b" \t")
        headers.append((name, value))
        lower = name.lower()
        if lower == b"content-length":
            if not value.isdigit() or (length is not None and length != int(value)):
                raise ValueError("bad Content-Length")
            length = int(value)
        elif lower == b"transfer-encoding":
            chunked = value.lower() == b"chunked"
            if not chunked:
                raise ValueError(f"unsupported Transfer-Encoding {value[:40]!r}")
        elif lower == b"connection":
            options = {option.strip(b" \t").lower() for option in value.split(b",")}
            keep = b"close" not in options and (keep or b"keep-alive" in options)
    if request.method == "HEAD" or status in _NO_BODY:
        body = b""
    elif chunked:
        body = await _read_chunked(reader)
    elif length is not None:
        body = await reader.readexactly(length)
    else:
        body = await reader.read()
        keep = False
    extensions: dict[str, Any] = {"http_version": version, "reason_phrase": reason}
    response = httpx.Response(
        status, headers=headers, stream=httpx.ByteStream(body), extensions=extensions
    )
    return response, keep


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)  # ValueError: malformed
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers, not used
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise ValueError("chunk not followed by CRLF")
