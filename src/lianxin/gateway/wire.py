"""The session's side of its socket: ASGI receive/send, or pre-framed writes when offered.

A frame for many recipients is an ``Outbound``: its JSON is encoded once by the hub and
its WebSocket bytes (header + payload) are built once, on the first direct write, and
then written as they are to every recipient's transport. The direct path is the
``lianxin.wire`` ASGI extension that ``gateway.protocol.WireProtocol`` (our uvicorn
protocol, see ``app.UVICORN_OPTIONS``) puts in the scope. Under any other ASGI server
the extension is absent and every frame is a plain ``websocket.send``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

EXTENSION = "lianxin.wire"


class Outbound:
    """One text frame: the JSON, and its WebSocket bytes built once for all recipients.

    ``Outbound.joined`` is several frames as one write (one syscall per recipient for a
    run of a chat's events, or for what a session got in one loop iteration); ``parts``
    keeps them apart, in order, for a plain ``websocket.send``.
    """

    __slots__ = ("_framed", "json", "parts")

    def __init__(self, json: bytes) -> None:
        self.json = json
        self._framed: bytes | None = None
        self.parts: tuple[Outbound, ...] | None = None

    @classmethod
    def joined(cls, parts: list[Outbound]) -> Outbound:
        out = cls(b"")
        out._framed = b"".join([part.framed for part in parts])
        out.parts = tuple(frame for part in parts for frame in part.parts or (part,))
        return out

    @property
    def framed(self) -> bytes:
        framed = self._framed
        if framed is None:
            framed = self._framed = _text_frame(self.json)
        return framed

    def __repr__(self) -> str:
        if self.parts is not None:
            return f"Outbound.joined({list(self.parts)!r})"
        return f"Outbound({self.json!r})"


def _text_frame(payload: bytes) -> bytes:
    """What ``Frame(Opcode.TEXT, payload).serialize(mask=False)`` returns, built directly.

    A server's frames are unmasked and no extension is negotiated (no deflate), so the
    header is FIN + opcode, then the length in 7, 7+16 or 7+64 bits (RFC 6455 5.2).
    """
    n = len(payload)
    if n < 126:
        return _SHORT[n] + payload
    if n < 65536:
        return b"\x81\x7e" + n.to_bytes(2, "big") + payload
    return b"\x81\x7f" + n.to_bytes(8, "big") + payload


_SHORT = [bytes((0x81, n)) for n in range(126)]


class Direct(Protocol):
    """What the server's protocol offers through the ``lianxin.wire`` extension."""

    def wire_paused(self) -> bool:
        """The transport's buffer is above its high-water mark: queue, don't write."""

    def wire_write(self, data: bytes) -> None:
        """Write a pre-framed message now; dropped if the connection is closing."""

    async def wire_drain(self) -> None:
        """Return once the transport takes writes again (or the connection is lost)."""


class Closed(Exception):
    """The connection is gone; nothing more can be written."""


class Socket:
    """One accepted-or-not WebSocket as the session uses it."""

    __slots__ = ("_send", "accepted", "closed", "direct", "receive", "scope")

    def __init__(self, scope: Message, receive: Receive, send: Send) -> None:
        self.scope = scope
        self.receive = receive
        self._send = send
        extension = scope.get("extensions", {}).get(EXTENSION)
        self.direct: Direct | None = extension
        self.accepted = False
        self.closed = False

    def header(self, name: bytes) -> str:
        """A handshake request header (lower-case name), ``""`` if absent."""
        for key, value in self.scope.get("headers", ()):
            if key.lower() == name:
                return str(value.decode("latin-1"))
        return ""

    def forget_headers(self) -> None:
        """Drop the handshake headers (a few KiB per idle connection) once checked."""
        self.scope["headers"] = []

    async def accept(self) -> None:
        message = await self.receive()
        if message["type"] != "websocket.connect":  # the client left during the handshake
            self.closed = True
            raise Closed
        await self._send({"type": "websocket.accept"})
        self.accepted = True

    def write_now(self, out: Outbound) -> bool:
        """Write without waiting if the server allows it; False: the caller queues."""
        direct = self.direct
        if direct is None or direct.wire_paused():
            return False
        direct.wire_write(out.framed)
        return True

    async def write(self, out: Outbound) -> None:
        """Write once there is room; raises ``Closed`` when the connection is gone."""
        if self.closed:
            raise Closed
        direct = self.direct
        if direct is not None:
            await direct.wire_drain()
            direct.wire_write(out.framed)
            return
        try:
            for part in out.parts or (out,):
                await self._send({"type": "websocket.send", "text": part.json.decode()})
        except Exception as exc:  # the server's "disconnected" error differs per server
            self.closed = True
            raise Closed from exc

    async def close(self, code: int, reason: str) -> None:
        if self.closed or not self.accepted:
            return
        self.closed = True
        await self._send({"type": "websocket.close", "code": code, "reason": reason})
