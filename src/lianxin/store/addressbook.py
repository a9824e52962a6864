"""Address-book entries (keyed hashes of numbers) and "X joined Lianxin" notices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.store.discovery import address_book, joined_notices
from lianxin.store.tables import users

CHUNK = 500  # ids per IN (...): well under every driver's bound-parameter limit


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


async def count_entries(conn: AsyncConnection, owner: int) -> int:
    stmt = select(func.count()).select_from(address_book).where(address_book.c.owner_id == owner)
    return int((await conn.execute(stmt)).scalar_one())


async def existing_keys(conn: AsyncConnection, owner: int, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for part in _chunks(keys):
        stmt = select(address_book.c.phone_key).where(
            address_book.c.owner_id == owner, address_book.c.phone_key.in_(part)
        )
        found.update(str(k) for k in (await conn.execute(stmt)).scalars())
    return found


async def has_key(conn: AsyncConnection, owner: int, key: str) -> bool:
    stmt = select(address_book.c.owner_id).where(
        address_book.c.owner_id == owner, address_book.c.phone_key == key
    )
    return (await conn.execute(stmt)).first() is not None


async def insert_entries_txn(
    conn: AsyncConnection, owner: int, entries: dict[str, int | None], now: int
) -> None:
    """Add entries: phone key -> the user with that number (None for non-users)."""
    rows = [
        {"owner_id": owner, "phone_key": k, "user_id": u, "created_at": now}
        for k, u in entries.items()
    ]
    for part in _chunks(rows):
        await conn.execute(insert(address_book), list(part))


async def delete_entries_txn(conn: AsyncConnection, owner: int, keys: Sequence[str]) -> None:
    for part in _chunks(keys):
        await conn.execute(
            delete(address_book).where(
                address_book.c.owner_id == owner, address_book.c.phone_key.in_(part)
            )
        )


async def purge_txn(conn: AsyncConnection, owner: int) -> int:
    """Forget a whole address book; returns how many entries went."""
    stmt = delete(address_book).where(address_book.c.owner_id == owner)
    return int((await conn.execute(stmt)).rowcount)


async def matched_user_ids(conn: AsyncConnection, owner: int) -> list[int]:
    stmt = select(address_book.c.user_id).where(
        address_book.c.owner_id == owner, address_book.c.user_id.is_not(None)
    )
    return [int(u) for u in (await conn.execute(stmt)).scalars()]


async def users_by_phones(conn: AsyncConnection, phones: Sequence[str]) -> dict[str, Row[Any]]:
    found: dict[str, Row[Any]] = {}
    for part in _chunks(phones):
        for row in (await conn.execute(select(users).where(users.c.phone.in_(part)))).all():
            found[row.phone] = row
    return found


async def claim_key_txn(conn: AsyncConnection, key: str, user_id: int) -> list[int]:
    """Link every entry with this number to the user who now has it; returns the owners."""
    stmt = (
        update(address_book)
        .where(address_book.c.phone_key == key)
        .values(user_id=user_id)
        .returning(address_book.c.owner_id)
    )
    return [int(o) for o in (await conn.execute(stmt)).scalars() if int(o) != user_id]


# -- joined notices --------------------------------------------------------------------


async def add_notices_txn(
    conn: AsyncConnection, owners: Sequence[int], joined: int, now: int
) -> None:
    if owners:
        rows = [{"user_id": o, "joined_id": joined, "created_at": now} for o in owners]
        await conn.execute(insert(joined_notices), rows)


async def notices(conn: AsyncConnection, user_id: int, limit: int) -> Sequence[Row[Any]]:
    stmt = (
        select(joined_notices)
        .where(joined_notices.c.user_id == user_id)
        .order_by(joined_notices.c.created_at.desc())
        .limit(limit)
    )
    return (await conn.execute(stmt)).all()
