"""The real type of an upload, read from its first bytes; the declared type is not trusted."""

from __future__ import annotations

from pathlib import Path

import filetype

HEAD = 8192

PHOTO_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
VOICE_TYPES = {"audio/ogg", "video/webm", "audio/webm", "audio/x-m4a", "audio/mp4", "video/mp4"}
VIDEO_TYPES = {"video/mp4", "video/webm", "video/quicktime", "video/x-matroska", "video/x-m4v"}


def sniff(path: Path) -> str | None:
    """The MIME type the content really has, or None when it is not a known format."""
    with path.open("rb") as f:
        head = f.read(HEAD)
    if head.startswith(b"OggS"):
        return "audio/ogg"
    guess = filetype.guess(head)
    return str(guess.mime) if guess else None


def is_ogg_opus(path: Path) -> bool:
    """An Ogg stream whose first packet is an Opus header (what MediaRecorder writes)."""
    with path.open("rb") as f:
        head = f.read(128)
    return head.startswith(b"OggS") and b"OpusHead" in head
