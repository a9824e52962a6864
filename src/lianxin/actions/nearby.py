"""People nearby: opt-in rough positions, the list of people around me, and "say hi".

Only a position snapped to ~100 m (``geo.snap``) is stored, until ``nearby_ttl_s``
passes. Others see a distance bucket (``geo.bucket``), never a position, and the list
is ordered by bucket then by who shared most recently, so the order says nothing finer
than the bucket. Someone is listed when both of us have a live position, they have
``find_nearby`` on, neither blocked the other, and they are within ``nearby_radius_m``.
Moving my position is limited to ``nearby_moves_per_hour``: buckets are coarse, but
many vantage points would still triangulate someone.
Gender and age are shown, and filter on, only when their owner chose to show them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lianxin import geo
from lianxin.actions import contacts, views
from lianxin.actions.accounts import Identity
from lianxin.errors import Code, LianxinError, Reason
from lianxin.services import Services
from lianxin.store import accounts as accounts_store
from lianxin.store import contacts as contacts_store
from lianxin.store import nearby as store

Gender = Literal["female", "male", "other"]
GENDERS: tuple[str, ...] = ("female", "male", "other")
OLDEST_BIRTH_YEAR = 1900
LIST_MAX = 100
MOVE_WINDOW_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class Filters:
    gender: str | None = None
    min_age: int | None = None
    max_age: int | None = None


def _year(now_ms: int) -> int:
    return dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC).year


def check_position(
    lat: float,
    lon: float,
    gender: str | None,
    birth_year: int | None,
    show_gender: bool,
    show_age: bool,
    now_ms: int,
) -> tuple[int, int, str | None, int | None]:
    """Snapped position plus the gender / birth year to keep (only those to be shown)."""
    if not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
        raise LianxinError(Code.bad_request, "lat is within [-90, 90] and lon within [-180, 180]")
    if show_gender and gender is None:
        raise LianxinError(Code.bad_request, "show_gender needs a gender")
    if gender is not None and gender not in GENDERS:
        raise LianxinError(Code.bad_request, "gender is female, male or other")
    if show_age and birth_year is None:
        raise LianxinError(Code.bad_request, "show_age needs a birth_year")
    if birth_year is not None and not (OLDEST_BIRTH_YEAR <= birth_year <= _year(now_ms)):
        raise LianxinError(Code.bad_request, "birth_year is not a plausible year of birth")
    lat_e3, lon_e3 = geo.snap(lat, lon)
    return lat_e3, lon_e3, gender if show_gender else None, birth_year if show_age else None


def _mine(row: Row[Any], find_nearby: bool, now_ms: int) -> dict[str, Any]:
    """My own sharing state: never a position (not even the rounded one)."""
    return {
        "sharing": True,
        "expires_at": row.expires_at,
        "gender": row.gender,
        "age": None if row.birth_year is None else _year(now_ms) - row.birth_year,
        "listed": find_nearby,
    }


async def do_share_position(
    svc: Services,
    me: Identity,
    *,
    lat: float,
    lon: float,
    gender: str | None = None,
    birth_year: int | None = None,
    show_gender: bool = False,
    show_age: bool = False,
) -> dict[str, Any]:
    """Share (or refresh) my rough position for ``nearby_ttl_s``."""
    now = svc.clock.now_ms()
    lat_e3, lon_e3, kept_gender, kept_year = check_position(
        lat, lon, gender, birth_year, show_gender, show_age, now
    )
    cell_y, cell_x = geo.cell_of(lat_e3, lon_e3)
    values = {
        "cell_y": cell_y,
        "cell_x": cell_x,
        "lat_e3": lat_e3,
        "lon_e3": lon_e3,
        "gender": kept_gender,
        "birth_year": kept_year,
        "expires_at": now + svc.settings.nearby_ttl_s * 1000,
        "updated_at": now,
    }
    async with svc.db.write() as conn:
        await store.delete_expired_txn(conn, now)
        before = await store.get_position(conn, me.user_id, now)
        if before is None or (before.lat_e3, before.lon_e3) != (lat_e3, lon_e3):
            await _count_move_txn(conn, svc, me.user_id, now)
        await store.put_position_txn(conn, me.user_id, values)
        row = await store.get_position(conn, me.user_id, now)
        user = await accounts_store.get_user(conn, me.user_id)
    assert row is not None and user is not None
    return _mine(row, bool(user.find_nearby), now)


async def _count_move_txn(conn: AsyncConnection, svc: Services, user_id: int, now: int) -> None:
    """Count a move (a new rounded position, or sharing again after clearing) per hour.

    Refused moves roll back with the transaction, so they do not count themselves.
    """
    hits, started = await accounts_store.throttle_take_txn(
        conn, f"nearby-move:{user_id}", window_ms=MOVE_WINDOW_MS, now=now
    )
    if hits > svc.settings.nearby_moves_per_hour:
        wait_s = -(-(started + MOVE_WINDOW_MS - now) // 1000)
        raise LianxinError(
            Code.rate_limited,
            "your position moved too often; try again later",
            retry_after_s=max(1, wait_s),
        )


async def do_clear_position(svc: Services, me: Identity) -> None:
    async with svc.db.write() as conn:
        await store.delete_position_txn(conn, me.user_id)


async def access_my_position(svc: Services, me: Identity) -> dict[str, Any]:
    now = svc.clock.now_ms()
    async with svc.db.read() as conn:
        row = await store.get_position(conn, me.user_id, now)
        user = await accounts_store.get_user(conn, me.user_id)
    assert user is not None
    if row is None:
        return {"sharing": False, "listed": bool(user.find_nearby)}
    return _mine(row, bool(user.find_nearby), now)


def check_filters(gender: str | None, min_age: int | None, max_age: int | None) -> Filters:
    if gender is not None and gender not in GENDERS:
        raise LianxinError(Code.bad_request, "gender is female, male or other")
    for age in (min_age, max_age):
        if age is not None and not (0 <= age <= 150):
            raise LianxinError(Code.bad_request, "ages are between 0 and 150")
    if min_age is not None and max_age is not None and min_age > max_age:
        raise LianxinError(Code.bad_request, "min_age is above max_age")
    return Filters(gender, min_age, max_age)


def _matches(row: Row[Any], filters: Filters, year: int) -> bool:
    if filters.gender is not None and row.gender != filters.gender:
        return False  # a hidden gender never matches a gender filter
    if filters.min_age is None and filters.max_age is None:
        return True
    if row.birth_year is None:
        return False  # nor does a hidden age match an age filter
    age = year - row.birth_year
    if filters.min_age is not None and age < filters.min_age:
        return False
    return filters.max_age is None or age <= filters.max_age


async def _listed(
    conn: AsyncConnection, svc: Services, me: int, now: int
) -> tuple[Row[Any], list[tuple[int, Row[Any]]]]:
    """My live position and everyone listed near me as (distance in metres, row)."""
    mine = await store.get_position(conn, me, now)
    if mine is None:
        raise LianxinError(
            Code.conflict,
            "share your position to see people nearby",
            reason=Reason.nearby_not_sharing,
        )
    radius = svc.settings.nearby_radius_m
    rows, columns = geo.cells_within(mine.lat_e3, mine.lon_e3, radius)
    candidates = await store.positions_in_cells(conn, rows, columns, now, exclude=me)
    hidden = set(await contacts_store.blocked_ids(conn, me))
    hidden |= set(await contacts_store.blocker_ids(conn, me))
    found: list[tuple[int, Row[Any]]] = []
    for row in candidates:
        if row.user_id in hidden:
            continue
        meters = geo.distance_m(mine.lat_e3, mine.lon_e3, row.lat_e3, row.lon_e3)
        if meters <= radius:
            found.append((round(meters), row))
    return mine, found


async def access_nearby(
    svc: Services,
    me: Identity,
    *,
    gender: str | None = None,
    min_age: int | None = None,
    max_age: int | None = None,
) -> dict[str, Any]:
    """People near me, nearest bucket first: ``{me, people: [{user, distance, distance_m,
    gender?, age?}]}``; ``distance_m`` is the bucket's upper bound, never finer."""
    filters = check_filters(gender, min_age, max_age)
    now = svc.clock.now_ms()
    year = _year(now)
    async with svc.db.read() as conn:
        mine, found = await _listed(conn, svc, me.user_id, now)
        people = [(m, r) for m, r in found if _matches(r, filters, year)]
        users = await accounts_store.get_users(conn, {r.user_id for _, r in people})
        me_row = await accounts_store.get_user(conn, me.user_id)
    assert me_row is not None
    shown: list[tuple[int, int, int, dict[str, Any]]] = []
    for meters, row in people:
        user = users.get(row.user_id)
        if user is None:
            continue
        up, label = geo.bucket(meters)
        entry: dict[str, Any] = {
            "user": views.public_user(user),
            "distance": label,
            "distance_m": up,
        }
        if row.gender is not None:
            entry["gender"] = row.gender
        if row.birth_year is not None:
            entry["age"] = year - row.birth_year
        shown.append((up, -int(row.updated_at), int(row.user_id), entry))
    shown.sort(key=lambda item: item[:3])
    return {
        "me": _mine(mine, bool(me_row.find_nearby), now),
        "people": [item[3] for item in shown[:LIST_MAX]],
    }


async def do_say_hi(svc: Services, me: Identity, user_id: int, greeting: str) -> dict[str, Any]:
    """A friend request to someone currently listed near me (their add-me rules apply)."""
    now = svc.clock.now_ms()
    async with svc.db.read() as conn:
        _, found = await _listed(conn, svc, me.user_id, now)
    if all(row.user_id != user_id for _, row in found):
        raise LianxinError(Code.not_found, "this person is not nearby", reason=Reason.not_nearby)
    return await contacts.do_send_request(svc, me, user_id, greeting)
