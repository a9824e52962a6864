"""The blob store interface: content-addressed bytes, written whole, read by byte range.

Keys are derived from the SHA-256 of the content (``blob_key``), so identical uploads
land on the same key and are stored once. Every backend passes the same contract suite
(tests/unit/test_media_storage.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

from lianxin.config import Settings

READ_CHUNK = 256 * 1024


class BlobMissing(Exception):
    """The key is not stored (deleted, or never written)."""


class BlobStore(Protocol):
    async def put_file(self, key: str, path: Path) -> None:
        """Store a finished local file under ``key`` (consumes it); idempotent per key."""

    async def exists(self, key: str) -> bool: ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Bytes ``start``..``end`` (inclusive; None = to the end). Raises BlobMissing."""
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key``; removing a missing key is not an error."""

    async def close(self) -> None: ...


def blob_key(sha256: str, variant: str | None = None) -> str:
    """``ab/cd/abcd…`` for the content, ``ab/cd/abcd….thumb`` for a derived variant."""
    name = sha256 if variant is None else f"{sha256}.{variant}"
    return f"{sha256[:2]}/{sha256[2:4]}/{name}"


def create_blob_store(settings: Settings) -> BlobStore:
    """The backend the settings name: local files under data_dir, or an S3 bucket."""
    if settings.media_backend == "s3":
        from lianxin.media.s3 import S3Store

        if not settings.media_s3_bucket:
            raise ValueError("LIANXIN_MEDIA_S3_BUCKET is required with media_backend=s3")
        return S3Store(
            bucket=settings.media_s3_bucket,
            endpoint=settings.media_s3_endpoint,
            access_key=settings.media_s3_access_key,
            secret_key=settings.media_s3_secret_key,
            region=settings.media_s3_region,
            prefix=settings.media_s3_prefix,
        )
    from lianxin.media.local import LocalStore

    return LocalStore(settings.data_dir / "media" / "blobs")
