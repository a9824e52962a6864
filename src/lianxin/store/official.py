"""Official accounts: the account rows, their followers and broadcast jobs.

An official account is a ``users`` row (``is_bot`` true) plus one ``official_accounts``
row naming its owner. Followers are rows that stay when someone unfollows
(``active = false``), so a re-follow keeps its id. Broadcast jobs walk followers in id
order with a persisted cursor; a node claims a job with a lease that lapses if the node
dies, so another node resumes it. Tables hang on the core ``metadata`` (imported by
``store/schema.py``) and are created by the ``0006_official`` migration.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.store.tables import Id, metadata, users

official_accounts = Table(
    "official_accounts",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("owner_id", BigInteger, ForeignKey("users.id"), nullable=False, index=True),
    Column("description", String(500), nullable=False, server_default=""),
    Column("verified", Boolean, nullable=False, server_default="0"),
    Column("menu", Text, nullable=False, server_default="[]"),  # JSON, see actions/official_menu
    Column("follower_count", Integer, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

official_followers = Table(
    "official_followers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("chat_id", BigInteger, ForeignKey("chats.id"), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("templates_allowed", Boolean, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("account_id", "user_id"),
    Index(None, "account_id", "id"),
    Index(None, "user_id"),
)

# state: queued (never claimed) | sending | done | cancelled. The cursor is the last
# follower row id handled; ``upto`` the newest follower id when the job was created.
official_broadcasts = Table(
    "official_broadcasts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("created_by", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("client_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=True),
    Column("content", Text, nullable=True),  # JSON object or null
    Column("state", String(10), nullable=False),
    Column("total", Integer, nullable=False),
    Column("sent", Integer, nullable=False, server_default="0"),
    Column("skipped", Integer, nullable=False, server_default="0"),
    Column("cursor", BigInteger, nullable=False, server_default="0"),
    Column("upto", BigInteger, nullable=False),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", BigInteger, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger, nullable=True),
    UniqueConstraint("account_id", "client_id"),
    Index(None, "state", "id"),
)

UNFINISHED = ("queued", "sending")

# -- accounts --------------------------------------------------------------------------


async def insert_account_txn(
    conn: AsyncConnection, *, user_id: int, owner_id: int, description: str, now: int
) -> None:
    await conn.execute(
        insert(official_accounts).values(
            user_id=user_id,
            owner_id=owner_id,
            description=description,
            created_at=now,
            updated_at=now,
        )
    )


def _account_select() -> Any:
    return select(
        official_accounts,
        users.c.name,
        users.c.handle,
    ).join(users, users.c.id == official_accounts.c.user_id)


async def get_account(conn: AsyncConnection, account_id: int) -> Row[Any] | None:
    stmt = _account_select().where(official_accounts.c.user_id == account_id)
    return (await conn.execute(stmt)).first()


async def lock_account_txn(conn: AsyncConnection, account_id: int) -> Row[Any] | None:
    """The account row locked until commit: follower counts and job creation take turns."""
    stmt = (
        select(official_accounts).where(official_accounts.c.user_id == account_id).with_for_update()
    )
    return (await conn.execute(stmt)).first()


async def accounts_owned_by(conn: AsyncConnection, owner_id: int) -> Sequence[Row[Any]]:
    stmt = (
        _account_select()
        .where(official_accounts.c.owner_id == owner_id)
        .order_by(official_accounts.c.user_id)
    )
    return (await conn.execute(stmt)).all()


async def search_accounts(
    conn: AsyncConnection, query: str, *, limit: int, offset: int
) -> Sequence[Row[Any]]:
    """The directory: verified first, then by followers; ``query`` matches name, ID, blurb."""
    stmt = _account_select()
    if query:
        pattern = (
            "%" + query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        stmt = stmt.where(
            or_(
                func.lower(users.c.name).like(pattern, escape="\\"),
                users.c.handle_key.like(pattern, escape="\\"),
                func.lower(official_accounts.c.description).like(pattern, escape="\\"),
            )
        )
    stmt = stmt.order_by(
        official_accounts.c.verified.desc(),
        official_accounts.c.follower_count.desc(),
        official_accounts.c.user_id,
    )
    return (await conn.execute(stmt.limit(limit).offset(offset))).all()


async def update_account_txn(
    conn: AsyncConnection, account_id: int, values: dict[str, Any], now: int
) -> None:
    stmt = (
        update(official_accounts)
        .where(official_accounts.c.user_id == account_id)
        .values(**values, updated_at=now)
    )
    await conn.execute(stmt)


async def is_account(conn: AsyncConnection, user_id: int) -> bool:
    stmt = select(official_accounts.c.user_id).where(official_accounts.c.user_id == user_id)
    return (await conn.execute(stmt)).first() is not None


# -- followers -------------------------------------------------------------------------


async def get_follower(conn: AsyncConnection, account_id: int, user_id: int) -> Row[Any] | None:
    stmt = select(official_followers).where(
        official_followers.c.account_id == account_id, official_followers.c.user_id == user_id
    )
    return (await conn.execute(stmt)).first()


async def follower_by_chat(conn: AsyncConnection, account_id: int, chat_id: int) -> Row[Any] | None:
    stmt = select(official_followers).where(
        official_followers.c.account_id == account_id, official_followers.c.chat_id == chat_id
    )
    return (await conn.execute(stmt)).first()


async def follows_either_way(conn: AsyncConnection, a: int, b: int) -> bool:
    """Whether one of the two is an official account the other actively follows."""
    pair = or_(
        and_(official_followers.c.account_id == a, official_followers.c.user_id == b),
        and_(official_followers.c.account_id == b, official_followers.c.user_id == a),
    )
    stmt = select(official_followers.c.id).where(pair, official_followers.c.active).limit(1)
    return (await conn.execute(stmt)).first() is not None


async def insert_follower_txn(
    conn: AsyncConnection, *, account_id: int, user_id: int, chat_id: int, now: int
) -> None:
    await conn.execute(
        insert(official_followers).values(
            account_id=account_id,
            user_id=user_id,
            chat_id=chat_id,
            active=True,
            created_at=now,
            updated_at=now,
        )
    )


async def update_follower_txn(
    conn: AsyncConnection, follower_id: int, values: dict[str, Any], now: int
) -> None:
    stmt = (
        update(official_followers)
        .where(official_followers.c.id == follower_id)
        .values(**values, updated_at=now)
    )
    await conn.execute(stmt)


async def followers_page(
    conn: AsyncConnection, account_id: int, *, after: int, upto: int | None, limit: int
) -> Sequence[Row[Any]]:
    """Active followers with ``after < id (<= upto)``, in id order: the broadcast cursor."""
    cond = [
        official_followers.c.account_id == account_id,
        official_followers.c.active,
        official_followers.c.id > after,
    ]
    if upto is not None:
        cond.append(official_followers.c.id <= upto)
    stmt = select(official_followers).where(*cond).order_by(official_followers.c.id).limit(limit)
    return (await conn.execute(stmt)).all()


async def newest_follower_id(conn: AsyncConnection, account_id: int) -> int:
    stmt = select(func.max(official_followers.c.id)).where(
        official_followers.c.account_id == account_id
    )
    return int((await conn.execute(stmt)).scalar_one() or 0)


async def accounts_followed_by(conn: AsyncConnection, user_id: int) -> Sequence[Row[Any]]:
    stmt = (
        _account_select()
        .join(official_followers, official_followers.c.account_id == official_accounts.c.user_id)
        .where(official_followers.c.user_id == user_id, official_followers.c.active)
        .order_by(official_followers.c.id)
    )
    return (await conn.execute(stmt)).all()


# -- broadcasts ------------------------------------------------------------------------


async def insert_broadcast_txn(conn: AsyncConnection, **values: Any) -> int:
    stmt = insert(official_broadcasts).values(**values).returning(official_broadcasts.c.id)
    return int((await conn.execute(stmt)).scalar_one())


async def get_broadcast(conn: AsyncConnection, broadcast_id: int) -> Row[Any] | None:
    stmt = select(official_broadcasts).where(official_broadcasts.c.id == broadcast_id)
    return (await conn.execute(stmt)).first()


async def broadcast_by_client_id(
    conn: AsyncConnection, account_id: int, client_id: str
) -> Row[Any] | None:
    stmt = select(official_broadcasts).where(
        official_broadcasts.c.account_id == account_id,
        official_broadcasts.c.client_id == client_id,
    )
    return (await conn.execute(stmt)).first()


async def broadcasts_of(conn: AsyncConnection, account_id: int, limit: int) -> Sequence[Row[Any]]:
    stmt = (
        select(official_broadcasts)
        .where(official_broadcasts.c.account_id == account_id)
        .order_by(official_broadcasts.c.id.desc())
        .limit(limit)
    )
    return (await conn.execute(stmt)).all()


async def claim_broadcast_txn(
    conn: AsyncConnection, node: str, now: int, lease_ms: int
) -> Row[Any] | None:
    """Take the oldest unfinished job whose lease is free or lapsed; None if there is none.

    ``SKIP LOCKED`` lets nodes of a cluster claim different jobs at once; the conditional
    update is the real guard (SQLite has no row locks, its writers take turns).
    """
    free = or_(official_broadcasts.c.lease_until.is_(None), official_broadcasts.c.lease_until < now)
    stmt = (
        select(official_broadcasts.c.id)
        .where(official_broadcasts.c.state.in_(UNFINISHED), free)
        .order_by(official_broadcasts.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    job_id = (await conn.execute(stmt)).scalar_one_or_none()
    if job_id is None:
        return None
    taken = await conn.execute(
        update(official_broadcasts)
        .where(official_broadcasts.c.id == job_id, free)
        .values(lease_owner=node, lease_until=now + lease_ms, state="sending", updated_at=now)
    )
    return await get_broadcast(conn, job_id) if taken.rowcount == 1 else None


async def advance_broadcast_txn(
    conn: AsyncConnection,
    broadcast_id: int,
    node: str,
    *,
    cursor: int,
    sent: int,
    skipped: int,
    lease_until: int | None,
    state: str,
    now: int,
) -> bool:
    """Record progress and renew (or, with None, release) the lease; False if it was lost.

    Only the lease holder may write, and only to an unfinished job: a job cancelled, or
    taken over by another node after this one stalled, stops this node at once.
    """
    values: dict[str, Any] = {
        "cursor": cursor,
        "sent": official_broadcasts.c.sent + sent,
        "skipped": official_broadcasts.c.skipped + skipped,
        "lease_until": lease_until,
        "state": state,
        "updated_at": now,
    }
    if lease_until is None:
        values["lease_owner"] = None
    if state not in UNFINISHED:
        values["finished_at"] = now
    result = await conn.execute(
        update(official_broadcasts)
        .where(
            official_broadcasts.c.id == broadcast_id,
            official_broadcasts.c.lease_owner == node,
            official_broadcasts.c.state.in_(UNFINISHED),
        )
        .values(**values)
    )
    return result.rowcount == 1


async def cancel_broadcast_txn(conn: AsyncConnection, broadcast_id: int, now: int) -> bool:
    result = await conn.execute(
        update(official_broadcasts)
        .where(
            official_broadcasts.c.id == broadcast_id,
            official_broadcasts.c.state.in_(UNFINISHED),
        )
        .values(
            state="cancelled", lease_owner=None, lease_until=None, finished_at=now, updated_at=now
        )
    )
    return result.rowcount == 1
