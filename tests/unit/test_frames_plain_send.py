"""``frames.plain_send``, the send frame read without pydantic, takes only what ``parse``
accepts as a plain text send, with the same values, and never refuses anything."""

from __future__ import annotations

import itertools
from typing import Any

from pydantic import ValidationError

from lianxin.gateway import frames
from lianxin.gateway.session import _plain

ABSENT = object()
VALUES: dict[str, list[Any]] = {
    "t": ["send", "Send", "read"],
    "r": [ABSENT, None, 0, 17, -3, "x", "", True, 1.5, [1]],
    "id": [ABSENT, "", "a", "é" * 64, "a" * 65, 5, None],
    "chat": [ABSENT, 0, 1, 2**53, 2**53 + 1, -4, True, 1.0, "5", None],
    "text": [ABSENT, None, "", "hi", 5],
    "kind": [ABSENT, "text", "image", "", 5],
}
EXTRAS: list[dict[str, Any]] = [
    {},
    {"evil": 1},
    {"reply_to": None},
    {"mentions": []},
    {"content": None},
    {"mention_all": False},
]


def candidates() -> list[dict[str, Any]]:
    keys = list(VALUES)
    out: list[dict[str, Any]] = []
    for combo in itertools.product(*VALUES.values()):
        base = {k: v for k, v in zip(keys, combo, strict=True) if v is not ABSENT}
        out.extend({**base, **extra} for extra in EXTRAS)
    return out


def test_plain_send_agrees_with_parse_on_every_frame() -> None:
    taken = 0
    for data in candidates():
        fast = frames.plain_send(data)
        if fast is None:
            continue
        taken += 1
        frame = frames.parse(data)  # raises if the fast path took a frame to refuse
        assert type(frame) is frames.Send and _plain(frame), data
        assert (frame.r, frame.chat, frame.id, frame.text) == tuple(fast), data
        assert [type(v) for v in fast] == [type(frame.r), int, str, str], data
    assert taken > 100  # the common shapes are taken, not left to pydantic


def test_whatever_parse_refuses_plain_send_leaves_to_it() -> None:
    refused = 0
    for data in candidates():
        try:
            frames.parse(data)
        except ValidationError:
            refused += 1
            assert frames.plain_send(data) is None, data
    assert refused > 1000


def test_the_usual_send_is_taken() -> None:
    data = {"t": "send", "r": 4, "id": "c-1", "chat": 12, "text": "hi"}
    assert frames.plain_send(data) == frames.PlainSend(4, 12, "c-1", "hi")
    assert frames.plain_send({**data, "kind": "text"}) == frames.PlainSend(4, 12, "c-1", "hi")
    for other in ([data], "send", None, {**data, "mentions": [1]}, {**data, "t": "edit"}):
        assert frames.plain_send(other) is None
