"""Local scratch files for uploads in progress: streamed to disk, hashed, size-checked.

An upload never sits whole in memory: each chunk of the request body is written out as
it arrives, and the transfer stops as soon as it passes the size limit.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

HASH_CHUNK = 1024 * 1024


class TooLarge(Exception):
    """The stream passed its limit; the partial file has been removed."""


class Staging:
    """A directory of scratch files on this node's disk (same filesystem as local blobs)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "tmp").mkdir(parents=True, exist_ok=True)
        (root / "uploads").mkdir(parents=True, exist_ok=True)

    def new_path(self, suffix: str = "") -> Path:
        return self.root / "tmp" / f"{uuid.uuid4().hex}{suffix}"

    def upload_path(self, upload_id: str) -> Path:
        return self.root / "uploads" / f"{upload_id}.part"


async def receive(stream: AsyncIterator[bytes], dest: Path, limit: int) -> int:
    """Write the stream to ``dest``; returns its size. Raises TooLarge past ``limit``."""
    f = await asyncio.to_thread(dest.open, "wb")
    try:
        return await append(stream, f, 0, limit)
    except BaseException:
        await asyncio.to_thread(f.close)
        await asyncio.to_thread(dest.unlink, missing_ok=True)
        raise
    finally:
        if not f.closed:
            await asyncio.to_thread(_sync_close, f)


async def append(stream: AsyncIterator[bytes], f: BinaryIO, size: int, limit: int) -> int:
    """Append the stream to an open file that already holds ``size`` bytes; the new size."""
    async for chunk in stream:
        if not chunk:
            continue
        size += len(chunk)
        if size > limit:
            raise TooLarge(size)
        await asyncio.to_thread(f.write, chunk)
    return size


def _sync_close(f: BinaryIO) -> None:
    f.flush()
    os.fsync(f.fileno())
    f.close()


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks (run it in a thread)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
