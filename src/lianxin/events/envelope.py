"""Bus payload: one JSON header line for the node's hub, then the frame bytes as sent.

The frame is encoded once by the publisher and forwarded untouched to every session,
so a message to a 10,000-member group is serialised exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    head, _, frame = payload.partition(b"\n")
    h = orjson.loads(head)
    return Envelope(
        frame=frame,
        chat=h.get("c"),
        seq=h.get("s"),
        exclude=h.get("x"),
        joined=tuple(h.get("j", ())),
        left=tuple(h.get("l", ())),
        kick_device=h.get("k"),
    )
