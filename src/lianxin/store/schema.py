"""Every table of the product, in one ``metadata``: what migrations must build.

Core tables live in ``tables.py``; a feature with tables of its own declares them in
its store module on the same ``metadata`` and is imported here, so Alembic and the
schema test see the whole database.
"""

from __future__ import annotations

from lianxin.store import bots as _bots  # noqa: F401  (bots and their updates)
from lianxin.store import discovery as _discovery  # noqa: F401  (contacts and discovery)
from lianxin.store import extras as _extras  # noqa: F401  (edits and reactions)
from lianxin.store import media as _media  # noqa: F401  (media objects, albums)
from lianxin.store import official as _official  # noqa: F401  (official accounts)
from lianxin.store import stickers as _stickers  # noqa: F401  (sticker packs)
from lianxin.store.tables import metadata

__all__ = ["metadata"]
