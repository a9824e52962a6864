"""Server processes the bench starts, and what it reads about processes from /proc."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (from /proc/<pid>/stat), or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3 of stat); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / _TICKS


def rss_kb(pid: int) -> int | None:
    """Resident set size of a process in KiB (from /proc/<pid>/statm), or None."""
    try:
        raw = Path(f"/proc/{pid}/statm").read_text()
    except OSError:
        return None
    return int(raw.split()[1]) * _PAGE_KB


def total_cpu_seconds(pids: list[int]) -> float | None:
    """CPU seconds summed over processes (a cluster's nodes), or None if none is readable."""
    values = [v for v in map(cpu_seconds, pids) if v is not None]
    return sum(values) if values else None


def total_rss_kb(pids: list[int]) -> int | None:
    values = [v for v in map(rss_kb, pids) if v is not None]
    return sum(values) if values else None


def self_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


class ServerProcess:
    """``lianxin serve`` on a free loopback port, in a data dir, as a child process.

    Embedded by default (SQLite in the data dir, in-process bus); ``env`` switches it to
    the cluster backends (``LIANXIN_DATABASE_URL``, ``LIANXIN_REDIS_URL``, ...).
    """

    def __init__(
        self, data_dir: Path, *, synchronous: str = "FULL", env: dict[str, str] | None = None
    ) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.env = {
            **os.environ,
            "LIANXIN_SQLITE_SYNCHRONOUS": synchronous,
            "LIANXIN_DATABASE_URL": "",
            "LIANXIN_REDIS_URL": "",
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self, timeout: float = 60.0) -> ServerProcess:
        self.launch()
        self.wait_ready(time.monotonic() + timeout)
        return self

    def launch(self) -> None:
        """Start the process without waiting (several nodes migrate and boot in parallel)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "lianxin",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--log-level",
            "warning",
        ]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self, deadline: float) -> None:
        """Wait until the port accepts connections; stop and raise if the process died."""
        assert self.proc is not None
        while not reachable("127.0.0.1", self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start: {self.log_tail()}")
            time.sleep(0.05)

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 20.0) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
