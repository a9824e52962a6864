"""One contract suite for every blob store: local files and S3 (a real S3-compatible
server, moto's, started on loopback by the test; skipped with the reason if it cannot)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from lianxin.media.local import LocalStore
from lianxin.media.storage import BlobMissing, BlobStore, blob_key
from tests.harness import free_port


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # pragma: no cover - dev extra missing
        pytest.skip(f"moto[server] is not installed: {exc}")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    try:
        server.start()
    except Exception as exc:  # pragma: no cover - e.g. no free port
        pytest.skip(f"could not start the local S3 server: {exc}")
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "local":
        yield LocalStore(tmp_path / "blobs")
        return
    from lianxin.media.s3 import S3Store

    endpoint = request.getfixturevalue("s3_endpoint")
    s3 = S3Store(
        bucket="lianxin-test", endpoint=endpoint, access_key="test", secret_key="test", prefix="m/"
    )
    s3._s3.create_bucket(Bucket="lianxin-test")
    yield s3
    await s3.close()


async def read_all(store: BlobStore, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in store.read(key, start, end)])


async def test_put_read_ranges_delete(store: BlobStore, tmp_path: Path) -> None:
    data = bytes(range(256)) * 4000  # ~1 MB: several read chunks
    src = tmp_path / "upload"
    src.write_bytes(data)
    key = blob_key("ab" * 32)
    assert not await store.exists(key)
    await store.put_file(key, src)
    assert not src.exists()  # consumed
    assert await store.exists(key)
    assert await read_all(store, key) == data
    assert await read_all(store, key, 10, 19) == data[10:20]
    assert await read_all(store, key, len(data) - 5) == data[-5:]
    assert await read_all(store, key, 300_000, 700_000) == data[300_000:700_001]
    await store.delete(key)
    assert not await store.exists(key)
    with pytest.raises(BlobMissing):
        await read_all(store, key)
    await store.delete(key)  # deleting twice is fine


async def test_putting_the_same_key_twice_keeps_one_copy(store: BlobStore, tmp_path: Path) -> None:
    key = blob_key("cd" * 32, "thumb")
    for body in (b"first", b"first"):
        src = tmp_path / "f"
        src.write_bytes(body)
        await store.put_file(key, src)
        assert not src.exists()
    assert await read_all(store, key) == b"first"


def test_local_writes_leave_no_temp_files(tmp_path: Path) -> None:
    import asyncio

    store = LocalStore(tmp_path / "b")
    src = tmp_path / "x"
    src.write_bytes(b"x" * 10)
    asyncio.run(store.put_file(blob_key("ef" * 32), src))
    files = [p.name for p in (tmp_path / "b").rglob("*") if p.is_file()]
    assert files == ["ef" * 32]
