"""A recorded stand-in for the server protocol's direct write path (``gateway.wire``)."""

from __future__ import annotations

from typing import Any

import orjson


class Wire:
    """Records each write (one per syscall) instead of sending it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def wire_paused(self) -> bool:
        return False

    def wire_write(self, data: bytes) -> None:
        self.writes.append(data)

    async def wire_drain(self) -> None:
        return None

    def frames(self) -> list[dict[str, Any]]:
        """Every text frame written, in order (server frames: unmasked, short)."""
        out = []
        for data in self.writes:
            pos = 0
            while pos < len(data):
                length = data[pos + 1] & 0x7F
                assert length < 126
                out.append(orjson.loads(data[pos + 2 : pos + 2 + length]))
                pos += 2 + length
        return out
