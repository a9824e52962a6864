"""Tables and queries of media: uploaded objects, where they were sent, upload sessions,
played / opened marks and group albums.

The bytes themselves are in the blob store (``lianxin.media``), keyed by SHA-256; rows
here say who owns an object and which chats may read it. Created by migration
``0003_media``. Times are integer milliseconds since the epoch.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Row,
    String,
    Table,
    Text,
    and_,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.store.tables import Id, members, metadata

# One uploaded object. Several rows may share a sha256 (the bytes are stored once).
media = Table(
    "media",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("owner_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("kind", String(10), nullable=False),  # photo | voice | video | file
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mime", String(100), nullable=False),
    Column("name", String(255), nullable=True),
    Column("meta", Text, nullable=False),  # JSON: width/height, duration_ms, waveform, ...
    Column("variants", String(100), nullable=False, server_default=""),  # "thumb,preview"
    Column("view_once", Boolean, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("gone_at", BigInteger, nullable=True),  # content deleted (view-once)
    Index(None, "owner_id"),
    Index(None, "sha256"),
)

# The chats a media object was sent into: their members may read it.
media_chats = Table(
    "media_chats",
    metadata,
    Column("media_id", BigInteger, ForeignKey("media.id"), primary_key=True),
    Column("chat_id", BigInteger, ForeignKey("chats.id"), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "chat_id"),
)

# Resumable uploads in progress; the bytes so far are a file on the receiving node.
media_uploads = Table(
    "media_uploads",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("name", String(255), nullable=True),
    Column("size", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index(None, "expires_at"),
)

# Per listener: a voice note played, a view-once photo opened.
media_marks = Table(
    "media_marks",
    metadata,
    Column("chat_id", BigInteger, ForeignKey("chats.id"), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("mark", String(10), nullable=False),  # played | opened
    Column("created_at", BigInteger, nullable=False),
)

# A group's shared album.
album_entries = Table(
    "album_entries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, ForeignKey("chats.id"), nullable=False),
    Column("media_id", BigInteger, ForeignKey("media.id"), nullable=False),
    Column("uploader_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("caption", String(500), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("removed_at", BigInteger, nullable=True),
    Index(None, "chat_id", "id"),
)


# -- media objects ----------------------------------------------------------------------------


async def insert_media_txn(conn: AsyncConnection, **values: Any) -> Row[Any]:
    return (await conn.execute(insert(media).values(**values).returning(*media.c))).one()


async def get_media(conn: AsyncConnection, media_id: int) -> Row[Any] | None:
    return (await conn.execute(select(media).where(media.c.id == media_id))).first()


async def lock_media_txn(conn: AsyncConnection, media_id: int) -> Row[Any] | None:
    """The row, locked until commit on PostgreSQL (SQLite's writer lock already serialises)."""
    stmt = select(media).where(media.c.id == media_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return (await conn.execute(stmt)).first()


async def readable_via_chat(conn: AsyncConnection, media_id: int, user_id: int) -> bool:
    """Whether the user is an active member of a chat the object was sent into."""
    stmt = select(
        exists().where(
            media_chats.c.media_id == media_id,
            members.c.chat_id == media_chats.c.chat_id,
            members.c.user_id == user_id,
            members.c.active.is_(True),
        )
    )
    return bool((await conn.execute(stmt)).scalar())


async def media_chat_ids(conn: AsyncConnection, media_id: int) -> list[int]:
    stmt = select(media_chats.c.chat_id).where(media_chats.c.media_id == media_id)
    return [int(c) for c in (await conn.execute(stmt)).scalars()]


async def link_chat_txn(conn: AsyncConnection, media_id: int, chat_id: int, now: int) -> None:
    """Let a chat's members read the object (once per chat)."""
    known = select(media_chats.c.media_id).where(
        media_chats.c.media_id == media_id, media_chats.c.chat_id == chat_id
    )
    if (await conn.execute(known)).first() is None:
        await conn.execute(
            insert(media_chats).values(media_id=media_id, chat_id=chat_id, created_at=now)
        )


async def set_view_once_txn(conn: AsyncConnection, media_id: int) -> None:
    await conn.execute(update(media).where(media.c.id == media_id).values(view_once=True))


async def mark_gone_txn(conn: AsyncConnection, media_id: int, now: int) -> None:
    await conn.execute(update(media).where(media.c.id == media_id).values(gone_at=now))


async def sha_in_use(conn: AsyncConnection, sha256: str) -> bool:
    """Whether any object whose content is still kept has these bytes."""
    stmt = select(exists().where(media.c.sha256 == sha256, media.c.gone_at.is_(None)))
    return bool((await conn.execute(stmt)).scalar())


async def usage_bytes(conn: AsyncConnection, owner_id: int) -> int:
    """What counts against the owner's quota: each distinct content they keep, once."""
    kept = (
        select(media.c.sha256, media.c.size)
        .where(media.c.owner_id == owner_id, media.c.gone_at.is_(None))
        .distinct()
        .subquery()
    )
    total = (await conn.execute(select(func.coalesce(func.sum(kept.c.size), 0)))).scalar()
    return int(total or 0)


async def expired_view_once(conn: AsyncConnection, before: int, limit: int) -> list[Row[Any]]:
    stmt = (
        select(media)
        .where(media.c.view_once.is_(True), media.c.gone_at.is_(None), media.c.created_at < before)
        .limit(limit)
    )
    return list((await conn.execute(stmt)).all())


# -- resumable uploads ------------------------------------------------------------------------


async def insert_upload_txn(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(media_uploads).values(**values))


async def get_upload(conn: AsyncConnection, upload_id: str, owner_id: int) -> Row[Any] | None:
    stmt = select(media_uploads).where(
        media_uploads.c.id == upload_id, media_uploads.c.owner_id == owner_id
    )
    return (await conn.execute(stmt)).first()


async def delete_upload_txn(conn: AsyncConnection, upload_id: str) -> None:
    await conn.execute(delete(media_uploads).where(media_uploads.c.id == upload_id))


async def pending_upload_bytes(conn: AsyncConnection, owner_id: int, now: int) -> int:
    """Declared sizes of the owner's unfinished uploads (reserved against the quota)."""
    stmt = select(func.coalesce(func.sum(media_uploads.c.size), 0)).where(
        media_uploads.c.owner_id == owner_id, media_uploads.c.expires_at > now
    )
    return int((await conn.execute(stmt)).scalar() or 0)


async def expired_uploads(conn: AsyncConnection, now: int, limit: int) -> list[str]:
    stmt = select(media_uploads.c.id).where(media_uploads.c.expires_at <= now).limit(limit)
    return [str(u) for u in (await conn.execute(stmt)).scalars()]


# -- played / opened marks --------------------------------------------------------------------


async def add_mark_txn(
    conn: AsyncConnection, chat_id: int, seq: int, user_id: int, mark: str, now: int
) -> bool:
    """Record the mark; False when this user already had it (nothing changes)."""
    key = and_(
        media_marks.c.chat_id == chat_id,
        media_marks.c.seq == seq,
        media_marks.c.user_id == user_id,
    )
    if (await conn.execute(select(media_marks.c.user_id).where(key))).first() is not None:
        return False
    await conn.execute(
        insert(media_marks).values(
            chat_id=chat_id, seq=seq, user_id=user_id, mark=mark, created_at=now
        )
    )
    return True


async def marks_of(conn: AsyncConnection, chat_id: int, seq: int) -> list[Row[Any]]:
    stmt = (
        select(media_marks)
        .where(media_marks.c.chat_id == chat_id, media_marks.c.seq == seq)
        .order_by(media_marks.c.created_at, media_marks.c.user_id)
    )
    return list((await conn.execute(stmt)).all())


async def my_marks(
    conn: AsyncConnection, chat_id: int, seqs: list[int], user_id: int
) -> dict[int, str]:
    """The mark ``user_id`` has on each of ``seqs`` (one primary-key query for a page)."""
    if not seqs:
        return {}
    stmt = select(media_marks.c.seq, media_marks.c.mark).where(
        media_marks.c.chat_id == chat_id,
        media_marks.c.seq.in_(seqs),
        media_marks.c.user_id == user_id,
    )
    return {int(r.seq): str(r.mark) for r in (await conn.execute(stmt)).all()}


async def mark_counts(conn: AsyncConnection, chat_id: int, seqs: list[int]) -> dict[int, int]:
    """How many listeners marked each of ``seqs`` (one grouped query for a page)."""
    if not seqs:
        return {}
    stmt = (
        select(media_marks.c.seq, func.count())
        .where(media_marks.c.chat_id == chat_id, media_marks.c.seq.in_(seqs))
        .group_by(media_marks.c.seq)
    )
    return {int(seq): int(n) for seq, n in (await conn.execute(stmt)).all()}


# -- group albums -----------------------------------------------------------------------------


async def insert_album_entry_txn(conn: AsyncConnection, **values: Any) -> Row[Any]:
    stmt = insert(album_entries).values(**values).returning(*album_entries.c)
    return (await conn.execute(stmt)).one()


async def get_album_entry(conn: AsyncConnection, chat_id: int, entry_id: int) -> Row[Any] | None:
    stmt = select(album_entries).where(
        album_entries.c.id == entry_id,
        album_entries.c.chat_id == chat_id,
        album_entries.c.removed_at.is_(None),
    )
    return (await conn.execute(stmt)).first()


async def remove_album_entry_txn(conn: AsyncConnection, entry_id: int, now: int) -> None:
    stmt = update(album_entries).where(album_entries.c.id == entry_id).values(removed_at=now)
    await conn.execute(stmt)


async def album_page(
    conn: AsyncConnection, chat_id: int, *, before: int | None, limit: int
) -> list[Row[Any]]:
    """Entries newest first."""
    stmt = (
        select(album_entries)
        .where(album_entries.c.chat_id == chat_id, album_entries.c.removed_at.is_(None))
        .order_by(album_entries.c.id.desc())
        .limit(limit)
    )
    if before is not None:
        stmt = stmt.where(album_entries.c.id < before)
    return list((await conn.execute(stmt)).all())


async def get_media_many(conn: AsyncConnection, ids: list[int]) -> dict[int, Row[Any]]:
    if not ids:
        return {}
    rows = (await conn.execute(select(media).where(media.c.id.in_(ids)))).all()
    return {int(r.id): r for r in rows}
