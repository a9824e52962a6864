"""Stickers: `lianxin stickers import` installs packs, users browse the store, collect
packs and favourites, send stickers by pack + index; images are served with caching."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from PIL import Image

from lianxin.cli import main
from lianxin.client import ApiError
from tests.harness import ServerThread, befriend


def png(color: str, size: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (size, size), color).save(out, "PNG")
    return out.getvalue()


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (32, 32), c) for c in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def make_pack(root: Path, name: str, manifest: bool = True) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "a.png").write_bytes(png("red"))
    (folder / "b.gif").write_bytes(animated_gif())
    if manifest:
        spec = {
            "slug": "cats",
            "title": "Cats",
            "stickers": [{"file": "a.png", "emoji": "😺"}, {"file": "b.gif"}],
        }
        (folder / "manifest.json").write_text(json.dumps(spec))
    return folder


async def cli(server: ServerThread, *args: str) -> Result:
    data_dir = str(server.settings.data_dir)
    argv = ["stickers", *args, "--data-dir", data_dir]
    return await asyncio.to_thread(CliRunner().invoke, main, argv)


async def test_import_browse_collect_and_send(
    make_server: Callable[..., ServerThread], tmp_path: Path, closing: list[Any]
) -> None:
    server = make_server()
    result = await cli(server, "import", str(make_pack(tmp_path, "cats-folder")))
    assert result.exit_code == 0, result.output
    assert "installed pack" in result.output and "2 stickers" in result.output
    alice, bob = await server.signup("Alice"), await server.signup("Bob")
    closing += [alice, bob]

    store = await alice.sticker_store()
    assert [(p["slug"], p["title"], p["count"], p["animated"]) for p in store["packs"]] == [
        ("cats", "Cats", 2, True)
    ]
    pack_id = store["packs"][0]["id"]
    pack = await alice.sticker_pack(pack_id)
    first, second = pack["stickers"]
    assert (first["mime"], first["emoji"], first["animated"], first["width"]) == (
        "image/png",
        "😺",
        False,
        64,
    )
    assert (second["mime"], second["animated"]) == ("image/gif", True)

    async with httpx.AsyncClient(base_url=server.url) as http:
        img = await http.get(first["url"])  # public catalogue content: no token needed
        assert img.status_code == 200 and img.content == png("red")
        assert img.headers["content-type"] == "image/png"
        assert "immutable" in img.headers["cache-control"]
        again = await http.get(first["url"], headers={"If-None-Match": img.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        assert (await http.get(f"/api/v1/stickers/{pack_id}/7/image")).status_code == 404
        assert (await http.get("/api/v1/stickers/store")).status_code == 401

    mine = await alice.add_sticker_pack(pack_id)
    assert [p["id"] for p in mine["packs"]] == [pack_id]
    mine = await alice.favourite_sticker(pack_id, 1)
    assert [(f["pack"], f["index"]) for f in mine["favourites"]] == [(pack_id, 1)]
    assert (await bob.my_stickers()) == {"packs": [], "favourites": []}  # per user
    mine = await alice.favourite_sticker(pack_id, 1, add=False)
    assert mine["favourites"] == []
    with pytest.raises(ApiError) as err:
        await alice.favourite_sticker(pack_id, 5)
    assert err.value.code == "not_found"
    with pytest.raises(ApiError) as err:
        await alice.add_sticker_pack(pack_id + 1000)
    assert err.value.code == "not_found"

    chat = await befriend(alice, bob)
    b = await bob.connect()
    closing.append(b)
    sent = await alice.send_sticker(chat, pack_id, 1)
    assert sent["kind"] == "sticker" and sent["data"] == second
    ev = await b.wait_for(lambda f: f.get("t") == "ev" and f["kind"] == "sticker")
    assert ev["data"]["url"] == second["url"]
    for bad in ({"pack": pack_id, "index": 9}, {"pack": pack_id + 1000, "index": 0}):
        with pytest.raises(ApiError) as err:
            await alice.send(chat, "sticker", content=bad)
        assert err.value.code == "not_found"
    for bad in ({"pack": pack_id}, {"pack": "x", "index": 0}, {"pack": 2**60, "index": 0}):
        with pytest.raises(ApiError) as err:
            await alice.send(chat, "sticker", content=bad)
        assert err.value.code == "bad_request"


async def test_import_without_manifest_and_errors(
    make_server: Callable[..., ServerThread], tmp_path: Path
) -> None:
    server = make_server()
    plain = await cli(server, "import", str(make_pack(tmp_path, "Dogs", manifest=False)))
    assert plain.exit_code == 0, plain.output
    # Re-importing the same slug replaces the pack instead of adding another.
    again = await cli(server, "import", str(tmp_path / "Dogs"), "--title", "Dogs 2")
    assert again.exit_code == 0
    listed = await cli(server, "list")
    assert listed.output.count("dogs") == 1 and "Dogs 2" in listed.output

    empty = tmp_path / "empty"
    empty.mkdir()
    result = await cli(server, "import", str(empty))
    assert result.exit_code == 1 and "no manifest.json" in result.output
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.png").write_bytes(b"not an image")
    result = await cli(server, "import", str(broken))
    assert result.exit_code == 1 and "x.png: not a readable image" in result.output
    big = tmp_path / "big"
    big.mkdir()
    (big / "x.png").write_bytes(png("blue", 2000))
    result = await cli(server, "import", str(big))
    assert result.exit_code == 1 and "1024x1024" in result.output
    bad_slug = await cli(server, "import", str(tmp_path / "Dogs"), "--slug", "No Spaces")
    assert bad_slug.exit_code == 1 and "pack name" in bad_slug.output
