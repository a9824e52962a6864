"""Turn a staged upload into what is stored, per media kind: sniff, check, derive.

Runs in a worker thread (Pillow, libsndfile and ffmpeg block). Each refusal is a
:class:`LianxinError` the client can act on: 415 for the wrong type, 413 for too big.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lianxin.config import Settings
from lianxin.errors import Code, LianxinError
from lianxin.media import audio, images, sniff, video
from lianxin.media.ffmpeg import Tools

MediaKind = Literal["photo", "voice", "video", "file"]
MEDIA_KINDS: tuple[MediaKind, ...] = ("photo", "voice", "video", "file")
NAME_MAX = 255


@dataclass(frozen=True, slots=True)
class Processed:
    path: Path  # the bytes to store (may differ from the upload: GPS removed)
    mime: str
    meta: dict[str, Any]
    variants: dict[str, Path] = field(default_factory=dict)  # thumb / preview / poster


def size_limit(settings: Settings, kind: MediaKind) -> int:
    return {
        "photo": settings.media_photo_max_bytes,
        "voice": settings.media_voice_max_bytes,
        "video": settings.media_video_max_bytes,
        "file": settings.media_file_max_bytes,
    }[kind]


def clean_name(name: str | None) -> str | None:
    """A display file name: no directories, no control characters, at most 255 characters."""
    if not name:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    name = re.sub(r"\s+", " ", name)[:NAME_MAX]
    return name or None


def process(path: Path, kind: MediaKind, settings: Settings, tools: Tools) -> Processed:
    """Check one staged upload against its kind and derive thumbnails / facts."""
    real = sniff.sniff(path)
    if kind == "photo":
        return _photo(path, real, settings)
    if kind == "voice":
        return _voice(path, real, settings, tools)
    if kind == "video":
        return _video(path, real, tools)
    return Processed(path, real or "application/octet-stream", {})


def _refuse_type(kind: str, real: str | None) -> LianxinError:
    seen = real or "an unknown format"
    return LianxinError(Code.unsupported_media, f"this {kind} is really {seen}", mime=real)


def _photo(path: Path, real: str | None, settings: Settings) -> Processed:
    if real not in sniff.PHOTO_TYPES:
        raise _refuse_type("photo", real)
    try:
        photo = images.process_photo(
            path,
            path,
            max_pixels=settings.media_photo_max_pixels,
            max_frames=settings.media_photo_max_frames,
        )
    except images.ImageTooBig as exc:
        raise LianxinError(Code.too_large, f"this image is too large to open: {exc}") from exc
    except images.BadImage as exc:
        raise LianxinError(Code.unsupported_media, "this image cannot be read") from exc
    variants = {"thumb": photo.thumb}
    if photo.preview is not None:
        variants["preview"] = photo.preview
    meta = {"width": photo.width, "height": photo.height, "animated": photo.animated}
    return Processed(photo.path, photo.mime, meta, variants)


def _voice(path: Path, real: str | None, settings: Settings, tools: Tools) -> Processed:
    if real not in sniff.VOICE_TYPES:
        raise _refuse_type("voice note", real)
    try:
        voice = audio.process_voice(path, real, tools, settings.media_voice_max_s)
    except audio.TooLong as exc:
        limit = settings.media_voice_max_s
        raise LianxinError(Code.too_large, f"a voice note is at most {limit} seconds") from exc
    except audio.BadAudio as exc:
        raise LianxinError(Code.unsupported_media, str(exc)) from exc
    mime = {"video/webm": "audio/webm", "video/mp4": "audio/mp4", "audio/x-m4a": "audio/mp4"}
    meta = {"duration_ms": voice.duration_ms, "waveform": voice.waveform}
    return Processed(path, mime.get(real, real), meta)


def _video(path: Path, real: str | None, tools: Tools) -> Processed:
    if real not in sniff.VIDEO_TYPES:
        raise _refuse_type("video", real)
    try:
        clip = video.process_video(path, path, tools)
    except video.BadVideo as exc:
        raise LianxinError(Code.unsupported_media, f"this video cannot be read: {exc}") from exc
    meta = {
        "duration_ms": clip.duration_ms,
        "width": clip.width,
        "height": clip.height,
        "poster": clip.poster is not None,
    }
    return Processed(path, real, meta, {"poster": clip.poster} if clip.poster else {})
