"""HTTP Range requests (RFC 9110 §14): one byte range per request, as media players ask.

Multiple ranges (``bytes=0-1,5-9``) are answered with the whole content, which the RFC
allows; an unsatisfiable range is a 416.
"""

from __future__ import annotations

from dataclasses import dataclass


class Unsatisfiable(Exception):
    """The range lies outside the content (HTTP 416)."""


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range to send, or None for the whole content (no header, or one we ignore).

    Syntactically invalid headers are ignored (the RFC says a server may); valid ranges
    that select no byte of the content raise :class:`Unsatisfiable`.
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first.isdigit() or last.isdigit()):
        return None
    if (first and not first.isdigit()) or (last and not last.isdigit()):
        return None
    if not first:  # suffix: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(0, size - n), size - 1)
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise Unsatisfiable
    return ByteRange(start, min(end, size - 1))
