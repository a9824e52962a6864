"""The opening handshake of a plain WebSocket request, without websockets' HTTP parser.

uvicorn's HTTP protocol has already parsed the upgrade request; it writes it out again
and hands it to the WebSocket protocol, where ``websockets`` parses it a second time
(a generator per line), checks it and builds its response through ``Headers``: about a
tenth of the server's time in ``lianxin bench connect``. ``parse`` reads the request
that every client sends (GET, HTTP/1.1, one ``Upgrade: websocket``, a valid key,
version 13, no subprotocol) in a few splits; for anything else it returns None and
``websockets`` handles the request as before, with its own refusals.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from websockets.utils import accept_key

# websockets' limits and grammar (websockets.http11): longer or stranger requests go to it.
MAX_REQUEST = 8192
MAX_HEADERS = 128
_TOKEN = re.compile(rb"[-!#$%&\'*+.^_`|~0-9a-zA-Z]+")
_VALUE = re.compile(rb"[\x09\x20-\x7e]*")


@dataclass(slots=True)
class Handshake:
    target: str  # path and query, as sent
    headers: list[tuple[bytes, bytes]]  # as sent, values without surrounding whitespace
    accept: bytes  # the Sec-WebSocket-Accept value


def parse(data: bytes, *, extensions: bool) -> Handshake | None:
    """The handshake in ``data`` (a whole request head), None to let websockets decide.

    ``extensions``: the server offers some, so a request that asks for them goes to
    websockets to negotiate; without any, the request's offer is ignored (as websockets
    does)."""
    if len(data) > MAX_REQUEST or not data.endswith(b"\r\n\r\n") or not data.isascii():
        return None
    lines = data[:-4].split(b"\r\n")
    if len(lines) > MAX_HEADERS + 1:
        return None
    method, _, rest = lines[0].partition(b" ")
    target, _, protocol = rest.partition(b" ")
    if method != b"GET" or protocol != b"HTTP/1.1" or not target:
        return None
    headers: list[tuple[bytes, bytes]] = []
    key: bytes | None = None
    version: bytes | None = None
    upgrades = 0
    connection_upgrade = origin = False
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        value = value.strip(b" \t")
        if not colon or not _TOKEN.fullmatch(name) or not _VALUE.fullmatch(value):
            return None
        headers.append((name, value))
        lower = name.lower()
        if lower == b"connection":
            options = [option.strip(b" \t") for option in value.split(b",")]
            if not all(_TOKEN.fullmatch(option) for option in options):
                return None
            connection_upgrade = connection_upgrade or any(
                option.lower() == b"upgrade" for option in options
            )
        elif lower == b"upgrade":
            if value.lower() != b"websocket":
                return None
            upgrades += 1
        elif lower == b"sec-websocket-key":
            if key is not None:
                return None
            key = value
        elif lower == b"sec-websocket-version":
            if version is not None:
                return None
            version = value
        elif lower == b"origin":
            if origin:
                return None
            origin = True
        elif (
            lower in (b"sec-websocket-protocol", b"transfer-encoding")
            or (lower == b"sec-websocket-extensions" and extensions)
            or (lower == b"content-length" and value != b"0")
        ):
            return None
    if not connection_upgrade or upgrades != 1 or key is None or version != b"13":
        return None
    try:
        if len(base64.b64decode(key, validate=True)) != 16:
            return None
    except binascii.Error:
        return None
    return Handshake(target.decode("ascii"), headers, accept_key(key.decode()).encode())


def response(accept: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """The 101 response, byte for byte as uvicorn + websockets write it (``headers``:
    uvicorn's default headers and the app's, names lower-cased)."""
    lines = [
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n"
    ]
    lines += [name + b": " + value + b"\r\n" for name, value in headers]
    lines.append(b"\r\n")
    return b"".join(lines)
