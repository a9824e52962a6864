"""Wall-clock access in one place so tests can move time."""

from __future__ import annotations

import time


class Clock:
    """Milliseconds since the epoch; ``advance`` lets tests skip ahead."""

    def __init__(self) -> None:
        self.offset_ms = 0

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.offset_ms

    def advance(self, seconds: float) -> None:
        self.offset_ms += int(seconds * 1000)
