"""Open-files limit (``RLIMIT_NOFILE``) and the connections it allows one process.

Every socket is a file descriptor, and the limit is per process: a server process whose
limit is below its connections cannot ``accept`` more (asyncio logs EMFILE and retries
a second later, so clients hang until their own timeout). ``lianxin serve`` and the
bench therefore raise the soft limit to the hard one at start, check what was asked
against it up front, and the gateway refuses sockets past the limit with a 503.
"""

from __future__ import annotations

import contextlib
import math
import resource
from pathlib import Path

# Descriptors a server keeps for itself besides its clients' sockets: the database
# pool and files, Redis, the listening socket, HTTP requests and media files in flight.
SERVER_RESERVED_FDS = 256
# The same for one bench worker process (its REST client, pipes, inherited files).
WORKER_RESERVED_FDS = 64

HOW_TO_RAISE = (
    "raise the hard limit (as root: ulimit -Hn N; systemd: LimitNOFILE=N; "
    "docker run --ulimit nofile=N:N)"
)


def raise_nofile() -> int:
    """Raise the soft limit to the hard one (children inherit it); returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    return _finite(soft)


def hard_nofile() -> int:
    return _finite(resource.getrlimit(resource.RLIMIT_NOFILE)[1])


def process_nofile(pid: int) -> int | None:
    """Another process's soft limit (``/proc/<pid>/limits``), or None if unreadable."""
    try:
        lines = Path(f"/proc/{pid}/limits").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("Max open files"):
            soft = line[len("Max open files") :].split()[0]
            return _finite(resource.RLIM_INFINITY if soft == "unlimited" else int(soft))
    return None


def server_capacity(limit: int) -> int:
    """WebSocket connections one server process can hold under this limit."""
    return max(0, limit - SERVER_RESERVED_FDS)


def worker_capacity(limit: int) -> int:
    return max(1, limit - WORKER_RESERVED_FDS)


def processes_needed(connections: int, capacity: int) -> int:
    return max(1, math.ceil(connections / max(1, capacity)))


def _finite(value: int) -> int:
    # "unlimited" would make every check pass; 2**20 is Linux's default fs.nr_open.
    return 1 << 20 if value == resource.RLIM_INFINITY else int(value)
