"""Friendships, friend requests and blocks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Row,
    and_,
    bindparam,
    delete,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter

from lianxin.store.hot import Hot
from lianxin.store.tables import blocks, friend_requests, friends, users


def _blocks(blocker: str, blocked: str) -> Any:
    cond = and_(blocks.c.user_id == bindparam(blocker), blocks.c.blocked_id == bindparam(blocked))
    return exists().where(cond)


def standing_columns(a: str, b: str) -> tuple[Any, Any, Any]:
    """``a_blocked_b``, ``b_blocked_a``, ``friends`` (a's side) as columns of one SELECT,
    for the users in bind parameters ``a`` and ``b``."""
    friend = select(friends.c.active).where(
        friends.c.user_id == bindparam(a), friends.c.friend_id == bindparam(b)
    )
    return (
        _blocks(a, b).label("a_blocked_b"),
        _blocks(b, a).label("b_blocked_a"),
        func.coalesce(friend.scalar_subquery(), false()).label("friends"),
    )


_STANDING = Hot(select(*standing_columns("a", "b")))


async def standing(conn: AsyncConnection, a: int, b: int) -> Row[Any]:
    """How ``a`` stands with ``b`` in one query: ``a_blocked_b``, ``b_blocked_a``, ``friends``
    (a's side of the friendship). The 1:1 send path asks this for every message."""
    row = await _STANDING.first(conn, {"a": a, "b": b})
    assert row is not None
    return row


async def are_friends(conn: AsyncConnection, a: int, b: int) -> bool:
    stmt = select(friends.c.active).where(friends.c.user_id == a, friends.c.friend_id == b)
    return bool((await conn.execute(stmt)).scalar())


def _friend_rows(with_since: bool) -> Hot:
    stmt = select(friends).where(friends.c.user_id == bindparam("user_id"))
    if with_since:
        stmt = stmt.where(friends.c.updated_at > bindparam("since"))
    else:
        stmt = stmt.where(friends.c.active)
    return Hot(stmt.order_by(friends.c.since))


_FRIEND_ROWS = {False: _friend_rows(False), True: _friend_rows(True)}
_FRIEND_IDS = Hot(
    select(friends.c.friend_id).where(friends.c.user_id == bindparam("user_id"), friends.c.active)
)


async def friend_rows(conn: AsyncConnection, user_id: int, since: int | None) -> Sequence[Row[Any]]:
    params = {"user_id": user_id, "since": since}
    return await _FRIEND_ROWS[since is not None].all(conn, params)


async def friend_row(conn: AsyncConnection, user_id: int, friend_id: int) -> Row[Any] | None:
    stmt = select(friends).where(friends.c.user_id == user_id, friends.c.friend_id == friend_id)
    return (await conn.execute(stmt)).first()


async def friend_ids(conn: AsyncConnection, user_id: int) -> list[int]:
    return [int(x) for x in await _FRIEND_IDS.scalars(conn, {"user_id": user_id})]


async def set_friends_txn(conn: AsyncConnection, a: int, b: int, active: bool, now: int) -> None:
    """Make (or unmake) a and b friends, in both directions."""
    for x, y in ((a, b), (b, a)):
        stmt = select(friends.c.user_id).where(friends.c.user_id == x, friends.c.friend_id == y)
        if (await conn.execute(stmt)).first() is None:
            if active:
                await conn.execute(
                    insert(friends).values(
                        user_id=x, friend_id=y, active=True, since=now, updated_at=now
                    )
                )
            continue
        values: dict[str, Any] = {"active": active, "updated_at": now}
        if active:
            values["since"] = now
        cond = and_(friends.c.user_id == x, friends.c.friend_id == y)
        await conn.execute(update(friends).where(cond).values(**values))


async def have_mutual_friend(conn: AsyncConnection, a: int, b: int) -> bool:
    mine = select(friends.c.friend_id).where(friends.c.user_id == a, friends.c.active)
    stmt = select(friends.c.user_id).where(
        friends.c.user_id == b, friends.c.active, friends.c.friend_id.in_(mine)
    )
    return (await conn.execute(stmt.limit(1))).first() is not None


async def update_friend_meta_txn(
    conn: AsyncConnection, user_id: int, friend_id: int, values: dict[str, Any], now: int
) -> None:
    """Change my remark / tags / star / close-friend mark for one friend (my row only)."""
    cond = and_(friends.c.user_id == user_id, friends.c.friend_id == friend_id)
    await conn.execute(update(friends).where(cond).values(**values, updated_at=now))


# -- requests --------------------------------------------------------------------------


async def get_request(conn: AsyncConnection, request_id: int) -> Row[Any] | None:
    stmt = select(friend_requests).where(friend_requests.c.id == request_id)
    return (await conn.execute(stmt)).first()


async def pending_request(conn: AsyncConnection, from_id: int, to_id: int) -> Row[Any] | None:
    stmt = select(friend_requests).where(
        friend_requests.c.from_id == from_id,
        friend_requests.c.to_id == to_id,
        friend_requests.c.state == "pending",
    )
    return (await conn.execute(stmt)).first()


async def insert_request_txn(
    conn: AsyncConnection, *, from_id: int, to_id: int, greeting: str, now: int
) -> int:
    stmt = insert(friend_requests).values(
        from_id=from_id,
        to_id=to_id,
        greeting=greeting,
        state="pending",
        created_at=now,
        updated_at=now,
    )
    return int((await conn.execute(stmt.returning(friend_requests.c.id))).scalar_one())


async def update_request_txn(
    conn: AsyncConnection, request_id: int, values: dict[str, Any], now: int
) -> None:
    stmt = update(friend_requests).where(friend_requests.c.id == request_id)
    await conn.execute(stmt.values(**values, updated_at=now))


def _requests(with_since: bool) -> Hot:
    me: BindParameter[int] = bindparam("user_id")
    stmt = select(friend_requests).where(
        or_(friend_requests.c.to_id == me, friend_requests.c.from_id == me)
    )
    if with_since:
        stmt = stmt.where(friend_requests.c.updated_at > bindparam("since"))
    else:
        stmt = stmt.where(friend_requests.c.state == "pending")
    return Hot(stmt.order_by(friend_requests.c.id.desc()).limit(500))


_REQUESTS = {False: _requests(False), True: _requests(True)}


async def requests_for(
    conn: AsyncConnection, user_id: int, since: int | None
) -> Sequence[Row[Any]]:
    """Requests to or from the user: pending ones, or all that changed since ``since``."""
    params = {"user_id": user_id, "since": since}
    return await _REQUESTS[since is not None].all(conn, params)


# -- blocks ----------------------------------------------------------------------------


async def is_blocked(conn: AsyncConnection, blocker: int, blocked: int) -> bool:
    stmt = select(blocks.c.user_id).where(
        blocks.c.user_id == blocker, blocks.c.blocked_id == blocked
    )
    return (await conn.execute(stmt)).first() is not None


async def block_between(conn: AsyncConnection, a: int, b: int) -> bool:
    """True when either user has blocked the other."""
    stmt = select(blocks.c.user_id).where(
        or_(
            and_(blocks.c.user_id == a, blocks.c.blocked_id == b),
            and_(blocks.c.user_id == b, blocks.c.blocked_id == a),
        )
    )
    return (await conn.execute(stmt)).first() is not None


_BLOCKED_IDS = Hot(
    select(blocks.c.blocked_id)
    .where(blocks.c.user_id == bindparam("user_id"))
    .order_by(blocks.c.created_at)
)


async def blocked_ids(conn: AsyncConnection, user_id: int) -> list[int]:
    return [int(x) for x in await _BLOCKED_IDS.scalars(conn, {"user_id": user_id})]


_FRIENDED_BY = Hot(
    select(friends.c.user_id).where(
        friends.c.friend_id == bindparam("user_id"),
        friends.c.user_id.in_(bindparam("among", expanding=True)),
        friends.c.active,
    )
)


async def friended_by(conn: AsyncConnection, user_id: int, among: Sequence[int]) -> set[int]:
    """Which of ``among`` count ``user_id`` as an active friend (their side of it).
    Prebuilt: a sync asks it for the friends who show their presence to friends only."""
    out: set[int] = set()
    for i in range(0, len(among), 500):
        params = {"user_id": user_id, "among": list(among[i : i + 500])}
        out.update(int(x) for x in await _FRIENDED_BY.scalars(conn, params))
    return out


_BLOCKER_IDS = Hot(select(blocks.c.user_id).where(blocks.c.blocked_id == bindparam("user_id")))


async def blocker_ids(conn: AsyncConnection, user_id: int) -> list[int]:
    """Who has blocked this user."""
    return [int(x) for x in await _BLOCKER_IDS.scalars(conn, {"user_id": user_id})]


async def add_block_txn(conn: AsyncConnection, blocker: int, blocked: int, now: int) -> bool:
    if await is_blocked(conn, blocker, blocked):
        return False
    await conn.execute(insert(blocks).values(user_id=blocker, blocked_id=blocked, created_at=now))
    return True


async def remove_block_txn(conn: AsyncConnection, blocker: int, blocked: int) -> bool:
    stmt = delete(blocks).where(blocks.c.user_id == blocker, blocks.c.blocked_id == blocked)
    return bool((await conn.execute(stmt)).rowcount)


async def lock_pair_txn(conn: AsyncConnection, a: int, b: int) -> None:
    """Lock both users' rows until commit, so changes between the same two people take turns.

    Requests, accepts, declines and blocks between a and b read state, then write it; two
    at once (both ways, or twice) would each miss the other. Rows lock in id order, so
    two callers never deadlock. SQLite needs none: its writers are already serialised.
    """
    stmt = select(users.c.id).where(users.c.id.in_([a, b])).order_by(users.c.id)
    await conn.execute(stmt.with_for_update())
