"""Videos: duration, size and a poster frame, read with ffprobe / ffmpeg when present."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lianxin.media import ffmpeg
from lianxin.media.ffmpeg import Tools

POSTER_SIDE = 640


class BadVideo(Exception):
    """ffprobe could not find a video stream in it."""


@dataclass(frozen=True, slots=True)
class Video:
    duration_ms: int | None
    width: int | None
    height: int | None
    poster: Path | None


def process_video(src: Path, work: Path, tools: Tools) -> Video:
    """Facts and poster; without ffmpeg all of them are None (the video is still kept)."""
    if not tools.available:
        return Video(None, None, None, None)
    try:
        info = ffmpeg.probe(tools, src)
    except ffmpeg.ToolFailed as exc:
        raise BadVideo(str(exc)) from exc
    stream = next(
        (
            s
            for s in info.get("streams", [])
            if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
        ),
        None,
    )
    if stream is None:
        raise BadVideo("no video stream")
    seconds = ffmpeg.duration_s(info)
    width, height = stream.get("width"), stream.get("height")
    if abs(int(stream.get("tags", {}).get("rotate", 0) or 0)) in (90, 270) and width and height:
        width, height = height, width
    at = min(1.0, seconds / 2) if seconds else 0.0
    dest = work.with_suffix(".poster")
    try:
        ffmpeg.poster(tools, src, dest, at, POSTER_SIDE)
    except ffmpeg.ToolFailed:
        dest.unlink(missing_ok=True)
        poster = None
    else:
        poster = dest
    duration = round(seconds * 1000) if seconds is not None else None
    return Video(duration, width, height, poster)
