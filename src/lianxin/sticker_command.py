"""``lianxin stickers``: install sticker packs into the sticker store, list them, unlist them.

A pack is a folder: either a ``manifest.json`` (``{"slug", "title", "stickers": [{"file",
"emoji"}]}``) or just images (PNG, WebP, GIF), taken in file-name order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lianxin.errors import LianxinError

if TYPE_CHECKING:
    from lianxin.actions.stickers import StickerFile
    from lianxin.config import Settings
    from lianxin.services import Services
    from lianxin.store.db import Database

_data_dir = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the SQLite file lives [default ./data; env LIANXIN_DATA_DIR].",
)
_database_url = click.option(
    "--database-url",
    metavar="URL",
    help="postgresql://... in cluster mode [env LIANXIN_DATABASE_URL].",
)

IMAGE_SUFFIXES = (".png", ".webp", ".gif")


def read_pack(folder: Path) -> tuple[str, str, list[tuple[Path, str]]]:
    """(slug, title, [(image path, emoji)]) of a pack folder; raises ClickException."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise click.ClickException(f"{folder}: no manifest.json and no PNG, WebP or GIF files")
        return folder.name.lower(), folder.name, [(p, "") for p in images]
    try:
        spec = json.loads(manifest.read_text(encoding="utf-8"))
        entries = [(folder / s["file"], str(s.get("emoji", ""))) for s in spec["stickers"]]
        slug, title = (
            str(spec.get("slug", folder.name.lower())),
            str(spec.get("title", folder.name)),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(f"{manifest}: not a valid manifest ({exc})") from None
    for path, _ in entries:
        if not path.is_file() or folder.resolve() not in path.resolve().parents:
            raise click.ClickException(f"{manifest}: no image {path.name} in the pack folder")
    return slug, title, entries


@click.group()
def stickers() -> None:
    """The sticker store: packs users can browse, collect and send."""


@stickers.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--slug", help="Pack name in URLs and for re-imports [default: from the folder].")
@click.option("--title", help="Title shown in the store [default: from the folder].")
@_data_dir
@_database_url
def import_pack(folder: Path, slug: str | None, title: str | None, **options: Any) -> None:
    """Install the pack in FOLDER (or replace the pack with the same slug).

    FOLDER holds a manifest.json or just images: PNG, WebP or GIF (animated is fine),
    at most 1 MB and 1024x1024 each, 1 to 200 per pack.
    """
    from lianxin.actions.stickers import StickerFile, check_image
    from lianxin.cli import _settings, _with_database

    settings = _settings(**options)
    found_slug, found_title, entries = read_pack(folder)
    files: list[StickerFile] = []
    with click.progressbar(entries, label="checking images", show_pos=True) as bar:
        for path, emoji in bar:
            file = StickerFile(path.name, path.read_bytes(), emoji)
            try:
                check_image(file)
            except LianxinError as exc:
                raise click.ClickException(exc.message) from None
            files.append(file)

    async def install(database: Database) -> dict[str, Any]:
        return await _install(settings, database, slug or found_slug, title or found_title, files)

    pack = _with_database(settings, install)
    click.echo(f"installed pack {pack['id']} {pack['slug']!r}: {pack['count']} stickers")


def _services(settings: Settings, database: Database) -> Services:
    from lianxin.bus import MemoryBus
    from lianxin.clock import Clock
    from lianxin.services import Services
    from lianxin.sms import ConsoleSms

    return Services(settings, database, MemoryBus(), ConsoleSms(), Clock())


async def _install(
    settings: Settings, database: Database, slug: str, title: str, files: list[StickerFile]
) -> dict[str, Any]:
    from lianxin.actions.stickers import do_install_pack

    try:
        return await do_install_pack(_services(settings, database), slug, title, files)
    except LianxinError as exc:
        raise click.ClickException(exc.message) from None


@stickers.command("list")
@_data_dir
@_database_url
def list_packs(**options: Any) -> None:
    """Every installed pack (id, slug, stickers, listed or not, title)."""
    from lianxin.actions.stickers import all_packs
    from lianxin.cli import _settings, _with_database

    settings = _settings(**options)

    async def packs(database: Database) -> list[dict[str, Any]]:
        return await all_packs(_services(settings, database))

    for pack in _with_database(settings, packs):
        state = "listed" if pack["listed"] else "unlisted"
        click.echo(f"{pack['id']}\t{pack['slug']}\t{pack['count']}\t{state}\t{pack['title']}")
