"""ffprobe / ffmpeg as subprocesses: stream facts, a poster frame, decoded PCM.

The binaries are optional (``Tools.find``): without them videos are kept without poster
or duration and WebM voice notes are refused, as docs/operations.md explains.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

TIMEOUT_S = 120


class ToolFailed(Exception):
    """ffmpeg/ffprobe could not read the file."""


@dataclass(frozen=True, slots=True)
class Tools:
    ffmpeg: str | None
    ffprobe: str | None

    @classmethod
    def find(cls, ffmpeg: str, ffprobe: str) -> Tools:
        """Resolve the configured names on PATH; an empty name means "do not use"."""
        return cls(
            shutil.which(ffmpeg) if ffmpeg else None, shutil.which(ffprobe) if ffprobe else None
        )

    @property
    def available(self) -> bool:
        return self.ffmpeg is not None and self.ffprobe is not None


def _run(args: list[str]) -> bytes:
    try:
        done = subprocess.run(args, capture_output=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ToolFailed(f"{Path(args[0]).name} timed out") from exc
    if done.returncode != 0:
        raise ToolFailed(done.stderr.decode(errors="replace")[-300:])
    return done.stdout


def probe(tools: Tools, path: Path) -> dict[str, Any]:
    """ffprobe's JSON: ``format`` and ``streams``."""
    assert tools.ffprobe is not None
    out = _run(
        [
            tools.ffprobe,
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ]
    )
    try:
        info: dict[str, Any] = json.loads(out)
    except ValueError as exc:
        raise ToolFailed("ffprobe printed no JSON") from exc
    return info


def stream_kinds(info: dict[str, Any]) -> set[str]:
    """e.g. {"audio"} or {"video", "audio"}; cover-art pictures do not count as video."""
    kinds = set()
    for s in info.get("streams", []):
        if s.get("disposition", {}).get("attached_pic"):
            continue
        kinds.add(str(s.get("codec_type")))
    return kinds


def duration_s(info: dict[str, Any]) -> float | None:
    try:
        return float(info["format"]["duration"])
    except (KeyError, TypeError, ValueError):
        return None


def poster(tools: Tools, src: Path, dest: Path, at_s: float, max_side: int) -> None:
    """One frame at ``at_s`` seconds as a JPEG no larger than ``max_side``."""
    assert tools.ffmpeg is not None
    scale = f"scale='min({max_side},iw)':'min({max_side},ih)':force_original_aspect_ratio=decrease"
    _run(
        [tools.ffmpeg, "-v", "error", "-y", "-ss", f"{at_s:.3f}", "-i", str(src),
         "-frames:v", "1", "-vf", scale, "-q:v", "4", "-f", "image2", str(dest)]
    )  # fmt: skip
    if not dest.is_file() or dest.stat().st_size == 0:
        raise ToolFailed("no frame could be decoded")


def decode_pcm(tools: Tools, src: Path, rate: int, max_s: float) -> npt.NDArray[np.float32]:
    """Mono float samples at ``rate`` Hz, at most ``max_s`` seconds of them."""
    assert tools.ffmpeg is not None
    out = _run(
        [tools.ffmpeg, "-v", "error", "-i", str(src), "-t", f"{max_s:.3f}", "-vn",
         "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"]
    )  # fmt: skip
    return np.frombuffer(out, dtype=np.float32)
