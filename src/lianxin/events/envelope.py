"""Bus payload: one JSON header line for the node's hub, then the frame bytes as sent.

The frame is encoded once by the publisher and forwarded untouched to every session,
so a message to a 10,000-member group is serialised exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeGuard

import orjson


@dataclass(frozen=True, slots=True)
class Envelope:
    frame: bytes
    chat: int | None = None  # chat events carry (chat, seq) so catch-up can dedupe
    seq: int | None = None
    exclude: str | None = None  # session that must not get it (the one that caused it)
    joined: tuple[int, ...] = field(default_factory=tuple)  # users who became members
    left: tuple[int, ...] = field(default_factory=tuple)  # users who stopped being members
    kick_device: int | None = None  # close every session of this device


def encode(env: Envelope) -> bytes:
    header: dict[str, object] = {}
    if env.chat is not None:
        header["c"] = env.chat
    if env.seq is not None:
        header["s"] = env.seq
    if env.exclude is not None:
        header["x"] = env.exclude
    if env.joined:
        header["j"] = env.joined
    if env.left:
        header["l"] = env.left
    if env.kick_device is not None:
        header["k"] = env.kick_device
    return orjson.dumps(header) + b"\n" + env.frame


def decode(payload: bytes) -> Envelope:
    """The envelope inside a bus payload; ``ValueError`` when it is not one.

    The bus is shared infrastructure: a malformed payload must be refused here, where
    the hub can drop it, not crash whoever handles it later.
    """
    head, sep, frame = payload.partition(b"\n")
    h = orjson.loads(head)
    if not sep or not isinstance(h, dict):
        raise ValueError("a bus payload is a JSON object header line, then the frame")
    return Envelope(
        frame=frame,
        chat=_int_or_none(h.get("c")),
        seq=_int_or_none(h.get("s")),
        exclude=_str_or_none(h.get("x")),
        joined=_ints(h.get("j", [])),
        left=_ints(h.get("l", [])),
        kick_device=_int_or_none(h.get("k")),
    )


def _int_or_none(value: object) -> int | None:
    if value is None or _is_int(value):
        return value
    raise ValueError(f"bus header field must be an integer, not {value!r}")


def _str_or_none(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"bus header field must be a string, not {value!r}")


def _ints(value: object) -> tuple[int, ...]:
    if isinstance(value, list) and all(_is_int(v) for v in value):
        return tuple(value)
    raise ValueError(f"bus header field must be a list of integers, not {value!r}")


def _is_int(value: object) -> TypeGuard[int]:
    """JSON integers only: ``true`` is an int to Python but not an id."""
    return isinstance(value, int) and not isinstance(value, bool)
