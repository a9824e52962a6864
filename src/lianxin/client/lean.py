"""websockets' client connection with a short path for whole data frames.

websockets parses every frame with generator coroutines, then queues the message for
``recv()``, which a task awaits: tens of microseconds per frame in Python, which is most
of a client's CPU when it receives thousands of small events a second (``lianxin
bench`` holds thousands of connections per process). The server sends each message as
one unmasked, final text frame, so once the handshake is done this connection splits the
stream itself and hands each such frame's payload to ``on_message``, synchronously, in
stream order. Every other frame (ping, pong, close) is passed whole to websockets, which
handles it as before. Anything unusual (a fragmented message, a reserved bit, a masked
or oversized frame) hands the rest of the stream back to websockets for good, which then
reports protocol errors as it always does.

Sending is the mirror image: ``send_text`` writes a whole text message as one masked
frame straight to the transport when nothing is in the way (open, no fragmented message
being sent, no extension), instead of websockets' ``send`` and its context manager, a
``str`` round trip and a frame object per message.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.protocol import State

try:
    from websockets.speedups import apply_mask
except ImportError:  # websockets without its C extension
    from websockets.utils import apply_mask

log = logging.getLogger(__name__)

_TEXT, _BINARY = 0x1, 0x2
_FIN = 0x80
_CONTROL = 0x8  # opcodes 0x8-0xF: close, ping, pong (and reserved)


class LeanConnection(ClientConnection):
    # Set by the application right after the handshake; None: every frame goes through
    # websockets (recv / async iteration) as usual.
    on_message: Callable[[bytes], None] | None = None
    _stream: bytearray | None = None  # not None while this class splits the stream
    _handed_back = False

    async def send_text(self, payload: bytes) -> None:
        """Send ``payload`` (UTF-8) as one text message; as ``send``, it raises
        ``ConnectionClosed`` if the connection is not open."""
        if (
            self.protocol.state is not State.OPEN
            or self.send_in_progress is not None
            or self.protocol.extensions
            or self.transport.is_closing()
        ):
            await self.send(payload.decode())
            return
        self.transport.write(_masked_text_frame(payload))
        await self.drain()

    def data_received(self, data: bytes) -> None:
        stream = self._stream
        if stream is None:
            if self._handed_back or self.on_message is None or not self._at_frame_boundary():
                super().data_received(data)
                return
            stream = self._stream = bytearray()
        stream += data
        self._split(stream)

    def _at_frame_boundary(self) -> bool:
        """websockets has parsed everything it was given and the application has taken
        every message it queued: taking over now keeps the messages in order."""
        protocol = self.protocol
        if (
            protocol.state is not State.OPEN
            or protocol.extensions
            or protocol.reader.buffer
            or protocol.current_size is not None
            or len(self.recv_messages.frames)
        ):
            return False
        gen: Any = protocol.parser  # waiting for the next frame: suspended in reader.at_eof()
        while gen.gi_yieldfrom is not None:
            gen = gen.gi_yieldfrom
        return bool(gen.gi_code.co_name == "at_eof")

    def _split(self, stream: bytearray) -> None:
        limit = self.protocol.max_message_size
        on_message = self.on_message
        assert on_message is not None
        size = len(stream)
        pos = 0
        while size - pos >= 2:
            first, second = stream[pos], stream[pos + 1]
            length = second & 0x7F
            head = 2
            if length == 126:
                head = 4
                if size - pos < head:
                    break
                length = int.from_bytes(stream[pos + 2 : pos + 4], "big")
            elif length == 127:
                head = 10
                if size - pos < head:
                    break
                length = int.from_bytes(stream[pos + 2 : pos + 10], "big")
            opcode = first & 0x0F
            plain = first & 0x70 == 0 and not second & 0x80  # no reserved bits, unmasked
            whole = first & _FIN and (opcode in (_TEXT, _BINARY) or opcode & _CONTROL)
            if not (plain and whole) or (limit is not None and length > limit):
                self._hand_back(stream, pos)
                return
            end = pos + head + length
            if end > size:
                break  # the rest of this frame is still on its way
            if opcode & _CONTROL:
                super().data_received(bytes(stream[pos:end]))
            else:
                try:
                    on_message(bytes(stream[pos + head : end]))
                except Exception:
                    log.exception("handling a message failed; closing the connection")
                    self._stream = None
                    self._handed_back = True
                    self.transport.abort()
                    return
            pos = end
        del stream[:pos]

    def _hand_back(self, stream: bytearray, pos: int) -> None:
        """From ``pos`` on, websockets reads the stream (and reports what is wrong)."""
        self._stream = None
        self._handed_back = True
        super().data_received(bytes(stream[pos:]))


def _masked_text_frame(payload: bytes) -> bytes:
    """A final text frame as a client sends it (RFC 6455 5.2: masked, a fresh mask)."""
    length = len(payload)
    if length < 126:
        head = bytes((0x80 | _TEXT, 0x80 | length))
    elif length < 65536:
        head = bytes((0x80 | _TEXT, 0x80 | 126)) + length.to_bytes(2, "big")
    else:
        head = bytes((0x80 | _TEXT, 0x80 | 127)) + length.to_bytes(8, "big")
    mask = os.urandom(4)
    return head + mask + apply_mask(payload, mask)
