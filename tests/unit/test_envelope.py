"""The bus envelope: a header line plus the frame bytes, untouched, both ways."""

from __future__ import annotations

import pytest

from lianxin.events.envelope import Envelope, decode, encode

ROUND_TRIPS = [
    Envelope(frame=b'{"t":"ev"}'),
    Envelope(frame=b'{"t":"ev","chat":7,"seq":3}', chat=7, seq=3, exclude="ab12cd34"),
    Envelope(frame=b"{}", chat=1, seq=1, joined=(4, 5, 6), left=(9,)),
    Envelope(frame=b'{"t":"signed_out","device":3}', kick_device=3),
    # Zero and empty values are values, not "absent".
    Envelope(frame=b"", chat=0, seq=0, exclude="", kick_device=0),
    # Newlines inside the frame and inside header strings do not confuse the split.
    Envelope(frame=b'{"text":"line one\nline two"}\n\n', exclude="x\ny"),
    Envelope(frame="你好, 世界 🌏".encode(), chat=2**53, seq=2**53 - 1),
    Envelope(frame=bytes(range(256)), joined=(1,)),
]


@pytest.mark.parametrize("env", ROUND_TRIPS)
def test_round_trip(env: Envelope) -> None:
    assert decode(encode(env)) == env


def test_frame_bytes_are_forwarded_verbatim() -> None:
    frame = b'{"t": "ev",  "chat": 1}'  # not orjson's spelling: must not be re-encoded
    payload = encode(Envelope(frame=frame, chat=1))
    assert payload.endswith(b"\n" + frame)
    assert decode(payload).frame == frame


def test_header_only_carries_what_is_set() -> None:
    assert encode(Envelope(frame=b"F")) == b"{}\nF"
    assert encode(Envelope(frame=b"F", chat=3, seq=4)) == b'{"c":3,"s":4}\nF'


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"not json\n{}",
        b"{}",  # no separator: a header without a frame
        b"[1,2]\n{}",
        b'"c"\n{}',
        b'{"c":"7"}\n{}',
        b'{"s":true}\n{}',
        b'{"x":5}\n{}',
        b'{"j":3}\n{}',
        b'{"l":[1,"2"]}\n{}',
        b'{"j":[null]}\n{}',
        b'{"k":1.5}\n{}',
    ],
)
def test_malformed_payloads_raise_value_error(payload: bytes) -> None:
    with pytest.raises(ValueError):
        decode(payload)
