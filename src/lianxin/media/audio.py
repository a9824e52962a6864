"""Voice notes: the real duration and a 64-bucket waveform for clients to draw.

Ogg/Opus is decoded by libsndfile (``soundfile``, no ffmpeg needed). WebM/Opus (what
Chrome's MediaRecorder makes) and AAC/M4A (phones) are decoded by ffmpeg; without
ffmpeg an M4A still gets its duration from its header (mutagen) but no waveform, and
WebM is refused because nothing else can measure it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import mutagen
import numpy as np
import numpy.typing as npt
import soundfile

from lianxin.media import ffmpeg
from lianxin.media.ffmpeg import Tools

BUCKETS = 64
RATE = 8000  # enough to draw a waveform; ffmpeg resamples to it
# Encoders pad (AAC priming, Opus pre-skip): a note recorded for exactly the limit may
# decode a few milliseconds longer, so the limit has this much grace.
GRACE_MS = 500


class BadAudio(Exception):
    """Not a voice note this server can read."""


class TooLong(Exception):
    """Longer than the voice limit."""


@dataclass(frozen=True, slots=True)
class Voice:
    duration_ms: int
    waveform: list[int] | None  # None: could not decode (M4A without ffmpeg)


def waveform(samples: npt.NDArray[np.floating], buckets: int = BUCKETS) -> list[int]:
    """Peak amplitude per bucket, scaled so the loudest bucket is 255 (silence: all 0)."""
    if samples.size == 0:
        return [0] * buckets
    edges = np.linspace(0, samples.size, buckets + 1).astype(np.int64)
    loud = np.abs(samples)
    peaks = np.array([loud[a:b].max() if b > a else 0.0 for a, b in itertools.pairwise(edges)])
    top = float(peaks.max())
    if top <= 1e-6:
        return [0] * buckets
    return [int(v) for v in np.rint(np.clip(peaks / top * 255.0, 0, 255))]


def process_voice(path: Path, mime: str, tools: Tools, max_s: float) -> Voice:
    """Measure (and draw) a voice note; refuses notes longer than ``max_s`` seconds."""
    if mime == "audio/ogg":
        samples, rate = _read_ogg(path, max_s)
        return _measured(samples, rate, max_s)
    if mime in ("video/webm", "audio/webm"):
        if not tools.available:
            raise BadAudio("WebM voice notes need ffmpeg on the server; send Ogg/Opus or M4A")
        return _via_ffmpeg(path, tools, max_s)
    if tools.available:
        return _via_ffmpeg(path, tools, max_s)
    return _m4a_header_only(path, max_s)


def _read_ogg(path: Path, max_s: float) -> tuple[npt.NDArray[np.float32], int]:
    try:
        with soundfile.SoundFile(path) as f:
            rate = int(f.samplerate)
            data = f.read(frames=int((max_s + 1) * rate), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as exc:
        raise BadAudio(f"unreadable Ogg audio: {exc}") from exc
    return data.mean(axis=1), rate


def _via_ffmpeg(path: Path, tools: Tools, max_s: float) -> Voice:
    try:
        info = ffmpeg.probe(tools, path)
        if ffmpeg.stream_kinds(info) != {"audio"}:
            raise BadAudio("a voice note has one audio stream and no video")
        samples = ffmpeg.decode_pcm(tools, path, RATE, max_s + 1)
    except ffmpeg.ToolFailed as exc:
        raise BadAudio(f"unreadable audio: {exc}") from exc
    return _measured(samples, RATE, max_s)


def _measured(samples: npt.NDArray[np.float32], rate: int, max_s: float) -> Voice:
    if samples.size == 0:
        raise BadAudio("the voice note has no sound in it")
    duration_ms = round(samples.size * 1000 / rate)
    if duration_ms > max_s * 1000 + GRACE_MS:
        raise TooLong(duration_ms)
    return Voice(duration_ms, waveform(samples))


def _m4a_header_only(path: Path, max_s: float) -> Voice:
    try:
        parsed = mutagen.File(path)
    except mutagen.MutagenError as exc:
        raise BadAudio(f"unreadable M4A: {exc}") from exc
    length = getattr(getattr(parsed, "info", None), "length", None)
    if not length:
        raise BadAudio("this audio does not say how long it is")
    if length * 1000 > max_s * 1000 + GRACE_MS:
        raise TooLong(int(length * 1000))
    return Voice(round(length * 1000), None)
