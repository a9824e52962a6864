"""Blobs as files under one directory (the embedded default).

Writes are atomic: the finished upload is fsynced, then renamed into place, so a crash
leaves either no blob or the whole blob, never a torn one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from lianxin.media.storage import READ_CHUNK, BlobMissing


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / key

    async def put_file(self, key: str, path: Path) -> None:
        await asyncio.to_thread(self._put, key, path)

    def _put(self, key: str, path: Path) -> None:
        final = self._path(key)
        if final.exists():
            path.unlink(missing_ok=True)
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
        with path.open("rb") as src, tmp.open("wb") as dst:
            shutil.copyfileobj(src, dst, READ_CHUNK)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, final)
        path.unlink(missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        try:
            f = await asyncio.to_thread(self._path(key).open, "rb")
        except FileNotFoundError as exc:
            raise BlobMissing(key) from exc
        try:
            await asyncio.to_thread(f.seek, start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                chunk = await asyncio.to_thread(
                    f.read, READ_CHUNK if left is None else min(READ_CHUNK, left)
                )
                if not chunk:
                    break
                if left is not None:
                    left -= len(chunk)
                yield chunk
        finally:
            f.close()  # no await here: a cancelled stream (client gone) must still close it

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(self._path(key).unlink)

    async def close(self) -> None:
        return None
