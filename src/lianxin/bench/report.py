"""Numbers in, words out: percentiles and the human-readable table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by nearest rank, or None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


LABELS: dict[str, str] = {
    "elapsed_s": "elapsed (s)",
    "delivered": "delivered",
    "msgs_per_s": "rate (/s)",
    "p50_ms": "p50 (ms)",
    "p95_ms": "p95 (ms)",
    "p99_ms": "p99 (ms)",
    "acked": "acked",
    "lost": "lost",
    "duplicated": "duplicated",
    "errors": "errors",
    "reconnects": "reconnects",
    "connections": "connections",
    "rss_kb_per_conn": "server RSS / connection (KiB)",
    "server_rss_kb": "server RSS (KiB)",
    "server_cpu_s": "server CPU (s, all nodes)",
    "db_cpu_s": "PostgreSQL CPU (s, the run's backends)",
    "redis_cpu_s": "Redis CPU (s)",
    "client_cpu_s": "generator CPU (s, all workers)",
    "seed_s": "seeding (s)",
}

RATE_MEANING = {
    "direct": "messages delivered per second; latency = send -> recipient has it",
    "group": "deliveries (message x member) per second; latency = send -> last member has it",
    "idle": "connections opened per second; latency = connect -> synced",
    "connect": "devices signed in + connected + synced per second; latency per device",
    "resume": "missed messages delivered per second; latency = reconnect -> client caught up",
}


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def table(result: dict[str, Any], params: Sequence[str]) -> str:
    lines = [f"lianxin bench {result['scenario']}  ({result.get('server', '')})"]
    if result.get("nodes", 1) > 1:
        lines.append(f"  nodes: {' '.join(result['urls'])}")
    shown = ", ".join(f"{k}={result[k]}" for k in params if result.get(k) is not None)
    lines.append(f"  parameters: {shown}")
    lines.append(f"  {RATE_MEANING[result['scenario']]}")
    width = max(len(v) for v in LABELS.values())
    for key, label in LABELS.items():
        if key in result:
            lines.append(f"  {label:<{width}}  {_fmt(result[key])}")
    for failure in result.get("failures", []):
        lines.append(f"  failure: {failure}")
    return "\n".join(lines)
