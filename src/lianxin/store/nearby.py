"""People nearby (rounded positions by grid cell) and reports: their queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin.store.discovery import nearby_positions, reports
from lianxin.store.tables import users

# -- positions ---------------------------------------------------------------------------


async def get_position(conn: AsyncConnection, user_id: int, now: int) -> Row[Any] | None:
    """The user's live (unexpired) position."""
    stmt = select(nearby_positions).where(
        nearby_positions.c.user_id == user_id, nearby_positions.c.expires_at > now
    )
    return (await conn.execute(stmt)).first()


async def put_position_txn(conn: AsyncConnection, user_id: int, values: dict[str, Any]) -> None:
    """Insert or replace the user's position row (``values`` holds every other column)."""
    await conn.execute(delete(nearby_positions).where(nearby_positions.c.user_id == user_id))
    await conn.execute(insert(nearby_positions).values(user_id=user_id, **values))


async def delete_position_txn(conn: AsyncConnection, user_id: int) -> bool:
    result = await conn.execute(
        delete(nearby_positions).where(nearby_positions.c.user_id == user_id)
    )
    return bool(result.rowcount)


async def delete_expired_txn(conn: AsyncConnection, now: int) -> None:
    await conn.execute(delete(nearby_positions).where(nearby_positions.c.expires_at <= now))


async def positions_in_cells(
    conn: AsyncConnection,
    rows: Sequence[int],
    columns: Sequence[int] | None,
    now: int,
    exclude: int,
) -> list[Row[Any]]:
    """Live positions in the given cells (whole rows when ``columns`` is None) of users who
    allow being found nearby, without ``exclude``."""
    stmt = (
        select(nearby_positions)
        .join(users, users.c.id == nearby_positions.c.user_id)
        .where(
            nearby_positions.c.cell_y.in_(list(rows)),
            nearby_positions.c.expires_at > now,
            nearby_positions.c.user_id != exclude,
            users.c.find_nearby,
        )
    )
    if columns is not None:
        stmt = stmt.where(nearby_positions.c.cell_x.in_(list(columns)))
    return list((await conn.execute(stmt)).all())


# -- reports -----------------------------------------------------------------------------


async def insert_report_txn(conn: AsyncConnection, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(reports).values(**values).returning(reports.c.id))
    return int(result.scalar_one())


async def count_reports_since(conn: AsyncConnection, reporter: int, since: int) -> int:
    stmt = (
        select(func.count())
        .select_from(reports)
        .where(reports.c.reporter_id == reporter, reports.c.created_at > since)
    )
    return int((await conn.execute(stmt)).scalar_one())


async def oldest_report_since(conn: AsyncConnection, reporter: int, since: int) -> int | None:
    stmt = select(func.min(reports.c.created_at)).where(
        reports.c.reporter_id == reporter, reports.c.created_at > since
    )
    value = (await conn.execute(stmt)).scalar_one()
    return None if value is None else int(value)


async def get_report(conn: AsyncConnection, report_id: int) -> Row[Any] | None:
    return (await conn.execute(select(reports).where(reports.c.id == report_id))).first()


async def list_reports(conn: AsyncConnection, *, open_only: bool, limit: int) -> list[Row[Any]]:
    stmt = select(reports).order_by(reports.c.id).limit(limit)
    if open_only:
        stmt = stmt.where(reports.c.state == "open")
    return list((await conn.execute(stmt)).all())


async def resolve_report_txn(
    conn: AsyncConnection, report_id: int, resolution: str, now: int
) -> bool:
    """Close an open report; False when it was not open (already resolved)."""
    result = await conn.execute(
        update(reports)
        .where(reports.c.id == report_id, reports.c.state == "open")
        .values(state="resolved", resolution=resolution, resolved_at=now)
    )
    return bool(result.rowcount)
