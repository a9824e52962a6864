"""Users, devices, one-time codes and shared throttle counters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, bindparam, case, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.store.hot import Hot
from lianxin.store.tables import devices, login_codes, throttles, users

# Prebuilt: every sign-in, connect and sync runs these (see store/hot.py).
_GET_USER = Hot(select(users).where(users.c.id == bindparam("user_id")))
_DEVICE_BY_TOKEN = Hot(
    select(devices).where(
        devices.c.token_hash == bindparam("token_hash"), devices.c.revoked_at.is_(None)
    )
)
# ``GET /me``: the user of a live token, in one statement. No row: no such live token;
# a row whose ``id`` is None: the token's user is gone.
_ME_BY_TOKEN = Hot(
    select(users, devices.c.id.label("device_id"))
    .select_from(devices.outerjoin(users, users.c.id == devices.c.user_id))
    .where(devices.c.token_hash == bindparam("token_hash"), devices.c.revoked_at.is_(None))
)
_TOUCH_DEVICE = Hot(
    update(devices)
    .where(devices.c.id == bindparam("device_id"))
    .values(last_active_at=bindparam("now"))
)


async def get_user(conn: AsyncConnection, user_id: int) -> Row[Any] | None:
    return await _GET_USER.first(conn, {"user_id": user_id})


_GET_USERS = Hot(select(users).where(users.c.id.in_(bindparam("ids", expanding=True))))


async def get_users(conn: AsyncConnection, user_ids: Iterable[int]) -> dict[int, Row[Any]]:
    ids = list(set(user_ids))
    out: dict[int, Row[Any]] = {}
    for i in range(0, len(ids), 500):
        out.update({r.id: r for r in await _GET_USERS.all(conn, {"ids": ids[i : i + 500]})})
    return out


async def get_user_by_phone(conn: AsyncConnection, phone: str) -> Row[Any] | None:
    return (await conn.execute(select(users).where(users.c.phone == phone))).first()


async def get_user_by_handle(conn: AsyncConnection, handle: str) -> Row[Any] | None:
    stmt = select(users).where(users.c.handle_key == handle.lower())
    return (await conn.execute(stmt)).first()


async def insert_user_txn(
    conn: AsyncConnection, *, phone: str, name: str, stranger_messages: bool, now: int
) -> int:
    stmt = insert(users).values(
        phone=phone,
        name=name,
        stranger_messages=stranger_messages,
        created_at=now,
        updated_at=now,
    )
    result = await conn.execute(stmt.returning(users.c.id))
    return int(result.scalar_one())


async def update_user_txn(
    conn: AsyncConnection, user_id: int, values: dict[str, Any], now: int
) -> None:
    if "handle" in values:
        handle = values["handle"]
        values = {**values, "handle_key": handle.lower() if handle else None}
    await conn.execute(update(users).where(users.c.id == user_id).values(**values, updated_at=now))


_SET_LAST_SEEN = Hot(
    update(users).where(users.c.id == bindparam("user_id")).values(last_seen_at=bindparam("now"))
)


async def set_last_seen_txn(conn: AsyncConnection, user_id: int, now: int) -> None:
    """Every session's end (``presence.do_session_offline``): prebuilt."""
    await _SET_LAST_SEEN.rowcount(conn, {"user_id": user_id, "now": now})


# -- devices -----------------------------------------------------------------------------


async def insert_device_txn(
    conn: AsyncConnection, *, user_id: int, token_hash: str, name: str, ip: str | None, now: int
) -> int:
    stmt = insert(devices).values(
        user_id=user_id, token_hash=token_hash, name=name, ip=ip, created_at=now, last_active_at=now
    )
    return int((await conn.execute(stmt.returning(devices.c.id))).scalar_one())


async def device_by_token_hash(conn: AsyncConnection, token_hash: str) -> Row[Any] | None:
    return await _DEVICE_BY_TOKEN.first(conn, {"token_hash": token_hash})


async def me_by_token_hash(conn: AsyncConnection, token_hash: str) -> Row[Any] | None:
    """A live token's user row (with ``device_id``); ``id`` is None if the user is gone."""
    return await _ME_BY_TOKEN.first(conn, {"token_hash": token_hash})


async def list_devices(conn: AsyncConnection, user_id: int) -> Sequence[Row[Any]]:
    stmt = (
        select(devices)
        .where(devices.c.user_id == user_id, devices.c.revoked_at.is_(None))
        .order_by(devices.c.id)
    )
    return (await conn.execute(stmt)).all()


async def revoke_devices_txn(
    conn: AsyncConnection, user_id: int, device_ids: Iterable[int], now: int
) -> list[int]:
    """Revoke the given live devices of this user; returns the ids actually revoked."""
    ids = list(device_ids)
    if not ids:
        return []
    stmt = (
        update(devices)
        .where(
            devices.c.user_id == user_id,
            devices.c.id.in_(ids),
            devices.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .returning(devices.c.id)
    )
    return [int(r) for r in (await conn.execute(stmt)).scalars()]


async def touch_device_txn(conn: AsyncConnection, device_id: int, now: int) -> None:
    await _TOUCH_DEVICE.rowcount(conn, {"device_id": device_id, "now": now})


# -- one-time codes --------------------------------------------------------------------


async def get_code(conn: AsyncConnection, phone: str) -> Row[Any] | None:
    return (await conn.execute(select(login_codes).where(login_codes.c.phone == phone))).first()


async def put_code_txn(
    conn: AsyncConnection, *, phone: str, code_hash: str, now: int, expires_at: int
) -> None:
    await conn.execute(delete(login_codes).where(login_codes.c.phone == phone))
    await conn.execute(
        insert(login_codes).values(
            phone=phone, code_hash=code_hash, created_at=now, expires_at=expires_at, attempts=0
        )
    )


async def bump_code_attempts_txn(conn: AsyncConnection, phone: str) -> None:
    stmt = (
        update(login_codes)
        .where(login_codes.c.phone == phone)
        .values(attempts=login_codes.c.attempts + 1)
    )
    await conn.execute(stmt)


async def delete_code_txn(conn: AsyncConnection, phone: str) -> None:
    await conn.execute(delete(login_codes).where(login_codes.c.phone == phone))


# -- throttles -------------------------------------------------------------------------


async def throttle_hit_txn(conn: AsyncConnection, key: str, *, window_ms: int, now: int) -> int:
    """Count one hit against ``key`` in a fixed window; returns the count including it."""
    row = (await conn.execute(select(throttles).where(throttles.c.key == key))).first()
    if row is None:
        await conn.execute(insert(throttles).values(key=key, window_start=now, hits=1, last_at=now))
        return 1
    if now - row.window_start >= window_ms:
        values = {"window_start": now, "hits": 1, "last_at": now}
        await conn.execute(update(throttles).where(throttles.c.key == key).values(**values))
        return 1
    count = int(row.hits) + 1
    stmt = update(throttles).where(throttles.c.key == key).values(hits=count, last_at=now)
    await conn.execute(stmt)
    return count


async def throttle_count(conn: AsyncConnection, key: str, *, window_ms: int, now: int) -> int:
    row = (await conn.execute(select(throttles).where(throttles.c.key == key))).first()
    if row is None or now - row.window_start >= window_ms:
        return 0
    return int(row.hits)


async def lock_code_txn(conn: AsyncConnection, phone: str) -> Row[Any] | None:
    """The number's code row, locked until commit, so concurrent verifies take turns.

    Without the lock two verifies could both use one code, or both count a wrong guess
    from the same stale attempt count. SQLite needs none: its writers are serialised.
    """
    stmt = select(login_codes).where(login_codes.c.phone == phone).with_for_update()
    return (await conn.execute(stmt)).first()


async def throttle_take_txn(
    conn: AsyncConnection, key: str, *, window_ms: int, now: int, amount: int = 1
) -> tuple[int, int]:
    """Count ``amount`` hits against ``key`` atomically; returns (hits in window, window start).

    A single UPDATE (or a first INSERT) so concurrent writers never lose a hit; the row
    stays locked until commit, which also serialises the callers per key.
    """
    fresh = now - throttles.c.window_start >= window_ms
    bump = (
        update(throttles)
        .where(throttles.c.key == key)
        .values(
            hits=case((fresh, amount), else_=throttles.c.hits + amount),
            window_start=case((fresh, now), else_=throttles.c.window_start),
            last_at=now,
        )
        .returning(throttles.c.hits, throttles.c.window_start)
    )
    row = (await conn.execute(bump)).first()
    if row is not None:
        return int(row.hits), int(row.window_start)
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    first = dialect_insert(throttles).values(key=key, window_start=now, hits=amount, last_at=now)
    if (await conn.execute(first.on_conflict_do_nothing())).rowcount:
        return amount, now
    return await throttle_take_txn(conn, key, window_ms=window_ms, now=now, amount=amount)
