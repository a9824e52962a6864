"""The client library's reconnect delays: doubling, capped, jittered."""

from __future__ import annotations

import itertools

from lianxin.client.connection import backoff


def test_reconnect_delays_double_up_to_the_cap_with_jitter() -> None:
    delays = list(itertools.islice(backoff(0.2, 2.0), 8))
    bounds = [0.2, 0.4, 0.8, 1.6, 2.0, 2.0, 2.0, 2.0]
    assert all(b / 2 <= d <= b for d, b in zip(delays, bounds, strict=True)), delays
    # Jitter: a thousand clients that dropped together do not retry together.
    firsts = {round(next(backoff(0.2, 2.0)), 6) for _ in range(1000)}
    assert len(firsts) > 900
