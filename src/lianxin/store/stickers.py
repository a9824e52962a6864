"""Sticker packs (the operator's catalogue), their images, users' collections and favourites.

Images are kept in the database rather than on a node's disk, so every node of a cluster
serves the same catalogue; they are small (bounded by ``actions/stickers.py``) and served
with long-lived caching headers, so each client fetches each image once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    Row,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.store.tables import Id, metadata

sticker_packs = Table(
    "sticker_packs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("title", String(64), nullable=False),
    Column("animated", Boolean, nullable=False),  # any sticker of the pack moves
    Column("count", Integer, nullable=False),
    Column("active", Boolean, nullable=False),  # listed in the store and sendable
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

stickers = Table(
    "stickers",
    metadata,
    Column("pack_id", BigInteger, ForeignKey("sticker_packs.id"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("mime", String(16), nullable=False),  # image/png | image/webp | image/gif
    Column("emoji", String(16), nullable=False, server_default=""),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("animated", Boolean, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),
)

user_sticker_packs = Table(
    "user_sticker_packs",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("pack_id", BigInteger, ForeignKey("sticker_packs.id"), primary_key=True),
    Column("added_at", BigInteger, nullable=False),
)

favourite_stickers = Table(
    "favourite_stickers",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("pack_id", BigInteger, primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("created_at", BigInteger, nullable=False),
    ForeignKeyConstraint(["pack_id", "idx"], ["stickers.pack_id", "stickers.idx"]),
)

# Everything about a sticker except its bytes.
_META = [c for c in stickers.c if c.name != "body"]


async def pack_by_slug(conn: AsyncConnection, slug: str) -> Row[Any] | None:
    return (await conn.execute(select(sticker_packs).where(sticker_packs.c.slug == slug))).first()


async def get_pack(conn: AsyncConnection, pack_id: int) -> Row[Any] | None:
    stmt = select(sticker_packs).where(sticker_packs.c.id == pack_id)
    return (await conn.execute(stmt)).first()


async def active_packs(conn: AsyncConnection, *, after: int, limit: int) -> Sequence[Any]:
    stmt = (
        select(sticker_packs)
        .where(sticker_packs.c.active, sticker_packs.c.id > after)
        .order_by(sticker_packs.c.id)
        .limit(limit)
    )
    return (await conn.execute(stmt)).all()


async def all_packs(conn: AsyncConnection) -> Sequence[Any]:
    return (await conn.execute(select(sticker_packs).order_by(sticker_packs.c.id))).all()


async def stickers_of(conn: AsyncConnection, pack_id: int) -> Sequence[Any]:
    stmt = select(*_META).where(stickers.c.pack_id == pack_id).order_by(stickers.c.idx)
    return (await conn.execute(stmt)).all()


async def get_sticker(
    conn: AsyncConnection, pack_id: int, idx: int, *, body: bool = False
) -> Row[Any] | None:
    cols = list(stickers.c) if body else _META
    stmt = select(*cols).where(stickers.c.pack_id == pack_id, stickers.c.idx == idx)
    return (await conn.execute(stmt)).first()


async def replace_pack_txn(
    conn: AsyncConnection, *, slug: str, title: str, items: Sequence[dict[str, Any]], now: int
) -> int:
    """Install a pack, or replace the images of the pack with this slug; returns its id.

    Favourites of stickers that no longer exist are dropped with them.
    """
    animated = any(item["animated"] for item in items)
    values = {"title": title, "animated": animated, "count": len(items), "active": True}
    existing = await pack_by_slug(conn, slug)
    if existing is None:
        stmt = insert(sticker_packs).values(slug=slug, created_at=now, updated_at=now, **values)
        pack_id = int((await conn.execute(stmt.returning(sticker_packs.c.id))).scalar_one())
    else:
        pack_id = int(existing.id)
        stmt_u = update(sticker_packs).where(sticker_packs.c.id == pack_id)
        await conn.execute(stmt_u.values(updated_at=now, **values))
        gone = (favourite_stickers.c.pack_id == pack_id) & (favourite_stickers.c.idx >= len(items))
        await conn.execute(delete(favourite_stickers).where(gone))
        await conn.execute(
            delete(stickers).where(stickers.c.pack_id == pack_id, stickers.c.idx >= len(items))
        )
    have = {int(r.idx) for r in await stickers_of(conn, pack_id)}
    for idx, item in enumerate(items):
        if idx in have:  # updated in place: favourites of it stay valid
            cond = (stickers.c.pack_id == pack_id) & (stickers.c.idx == idx)
            await conn.execute(update(stickers).where(cond).values(**item))
        else:
            await conn.execute(insert(stickers).values(pack_id=pack_id, idx=idx, **item))
    return pack_id


async def set_pack_active_txn(conn: AsyncConnection, pack_id: int, active: bool, now: int) -> None:
    stmt = update(sticker_packs).where(sticker_packs.c.id == pack_id)
    await conn.execute(stmt.values(active=active, updated_at=now))


# -- a user's collection ---------------------------------------------------------------


async def my_packs(conn: AsyncConnection, user_id: int) -> Sequence[Any]:
    stmt = (
        select(sticker_packs, user_sticker_packs.c.added_at)
        .join(user_sticker_packs, user_sticker_packs.c.pack_id == sticker_packs.c.id)
        .where(user_sticker_packs.c.user_id == user_id, sticker_packs.c.active)
        .order_by(user_sticker_packs.c.added_at, sticker_packs.c.id)
    )
    return (await conn.execute(stmt)).all()


async def add_pack_txn(conn: AsyncConnection, user_id: int, pack_id: int, now: int) -> bool:
    cond = (user_sticker_packs.c.user_id == user_id) & (user_sticker_packs.c.pack_id == pack_id)
    if (await conn.execute(select(user_sticker_packs).where(cond))).first() is not None:
        return False
    stmt = insert(user_sticker_packs).values(user_id=user_id, pack_id=pack_id, added_at=now)
    await conn.execute(stmt)
    return True


async def remove_pack_txn(conn: AsyncConnection, user_id: int, pack_id: int) -> bool:
    cond = (user_sticker_packs.c.user_id == user_id) & (user_sticker_packs.c.pack_id == pack_id)
    return bool((await conn.execute(delete(user_sticker_packs).where(cond))).rowcount)


async def favourites(conn: AsyncConnection, user_id: int) -> Sequence[Any]:
    stmt = (
        select(*_META, favourite_stickers.c.created_at)
        .join(
            favourite_stickers,
            (favourite_stickers.c.pack_id == stickers.c.pack_id)
            & (favourite_stickers.c.idx == stickers.c.idx),
        )
        .join(sticker_packs, sticker_packs.c.id == stickers.c.pack_id)
        .where(favourite_stickers.c.user_id == user_id, sticker_packs.c.active)
        .order_by(favourite_stickers.c.created_at.desc())
    )
    return (await conn.execute(stmt)).all()


async def favourite_count(conn: AsyncConnection, user_id: int) -> int:
    stmt = select(func.count()).where(favourite_stickers.c.user_id == user_id)
    return int((await conn.execute(stmt)).scalar_one())


async def add_favourite_txn(
    conn: AsyncConnection, user_id: int, pack_id: int, idx: int, now: int
) -> bool:
    cond = (
        (favourite_stickers.c.user_id == user_id)
        & (favourite_stickers.c.pack_id == pack_id)
        & (favourite_stickers.c.idx == idx)
    )
    if (await conn.execute(select(favourite_stickers).where(cond))).first() is not None:
        return False
    values = {"user_id": user_id, "pack_id": pack_id, "idx": idx, "created_at": now}
    await conn.execute(insert(favourite_stickers).values(**values))
    return True


async def remove_favourite_txn(conn: AsyncConnection, user_id: int, pack_id: int, idx: int) -> bool:
    cond = (
        (favourite_stickers.c.user_id == user_id)
        & (favourite_stickers.c.pack_id == pack_id)
        & (favourite_stickers.c.idx == idx)
    )
    return bool((await conn.execute(delete(favourite_stickers).where(cond))).rowcount)
