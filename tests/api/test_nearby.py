"""People nearby: rough positions, distance buckets, privacy, filters, blocks, say hi."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import count
from typing import Any

import orjson

from lianxin.client import Client
from tests.api.test_contacts import expect, users
from tests.harness import ServerThread, uid

# Each test works in its own spot of the map, far from the others on the shared server.
_spots = count()


def spot() -> tuple[float, float]:
    n = next(_spots)
    return 20.0 + n, 100.0 + n


def listed(result: dict[str, Any]) -> list[tuple[int, str]]:
    return [(p["user"]["id"], p["distance"]) for p in result["people"]]


def no_position_in(result: Any, *coordinates: float) -> None:
    """Nothing but buckets: no coordinates, cells or distances finer than 100 m."""
    text = orjson.dumps(result).decode()
    for word in ("lat", "lon", "cell", "updated_at"):
        assert word not in text, text
    for value in coordinates:
        for digits in (3, 4):
            assert f"{value:.{digits}f}" not in text, text
    for person in result.get("people", []):
        assert person["distance_m"] % 100 == 0


async def test_lists_people_by_rough_distance(server: ServerThread, closing: list[Any]) -> None:
    lat, lon = spot()
    me, b, c, d, e, far = await users(server, closing, "Me", "B", "C", "D", "E", "Far")
    shared = [await me.share_position(lat, lon)]
    shared.append(await b.share_position(lat + 0.0004, lon))  # snaps onto my ~100 m square
    shared.append(await c.share_position(lat + 0.003, lon))  # 334 m
    shared.append(await d.share_position(lat + 0.02, lon))  # 2.2 km
    shared.append(await e.share_position(lat + 0.05, lon + 0.01))  # 5.6 km
    shared.append(await far.share_position(lat + 0.2, lon))  # 22 km: out of range
    result = await me.nearby()
    assert listed(result) == [
        (uid(b), "<100 m"),
        (uid(c), "400 m"),
        (uid(d), "3 km"),
        (uid(e), "6 km"),
    ]
    assert [p["distance_m"] for p in result["people"]] == [100, 400, 3000, 6000]
    assert result["me"]["sharing"] is True and result["me"]["listed"] is True
    assert listed(await far.nearby()) == []
    assert (uid(me), "400 m") in listed(await c.nearby())
    for item in [*shared, result, await c.nearby(), await me.my_position()]:
        no_position_in(item, lat, lon, lat + 0.003, lat + 0.02)
    anonymous = Client(server.url)
    closing.append(anonymous)
    await expect("unauthorized", anonymous.nearby())


async def test_across_the_antimeridian(server: ServerThread, closing: list[Any]) -> None:
    east, west = await users(server, closing, "East", "West")
    await east.share_position(-0.5, 179.999)
    await west.share_position(-0.5, -179.999)  # 222 m away, on the other side of ±180°
    assert listed(await east.nearby()) == [(uid(west), "300 m")]
    assert listed(await west.nearby()) == [(uid(east), "300 m")]


async def test_opt_in_clear_and_find_nearby_switch(
    server: ServerThread, closing: list[Any]
) -> None:
    lat, lon = spot()
    me, other = await users(server, closing, "Me", "Other")
    await expect("conflict", me.nearby())  # not sharing: sees nobody
    assert (await me.my_position())["sharing"] is False
    await other.share_position(lat, lon)
    await me.share_position(lat, lon)
    assert listed(await me.nearby()) == [(uid(other), "<100 m")]

    await other.update_privacy(find_nearby=False)
    assert listed(await me.nearby()) == []
    assert (await other.my_position())["listed"] is False
    assert listed(await other.nearby()) == [(uid(me), "<100 m")]  # may still look around
    assert (await other.me())["privacy"]["find_nearby"] is False
    await other.update_privacy(find_nearby=True)
    assert listed(await me.nearby()) == [(uid(other), "<100 m")]

    await other.clear_position()
    assert listed(await me.nearby()) == []
    await expect("conflict", other.nearby())
    await other.clear_position()  # clearing twice is fine


async def test_positions_expire(
    make_server: Callable[..., ServerThread], closing: list[Any]
) -> None:
    srv = make_server(nearby_ttl_s=60)
    me, other = await users(srv, closing, "Me", "Other")
    await me.share_position(31.2, 121.5)
    shared = await other.share_position(31.2, 121.5)
    assert shared["expires_at"] - srv.clock.now_ms() <= 60_000
    srv.clock.advance(30)
    await me.share_position(31.2, 121.5)  # refreshing restarts my time
    assert listed(await me.nearby()) == [(uid(other), "<100 m")]
    srv.clock.advance(31)
    assert listed(await me.nearby()) == []
    await expect("conflict", other.nearby())
    assert (await other.my_position())["sharing"] is False


async def test_filters_match_only_shown_fields(server: ServerThread, closing: list[Any]) -> None:
    lat, lon = spot()
    year = dt.datetime.now(dt.UTC).year
    me, shown, hidden, aged = await users(server, closing, "Me", "Shown", "Hidden", "Aged")
    await me.share_position(lat, lon)
    mine = await shown.share_position(
        lat, lon + 0.001, gender="female", birth_year=year - 30, show_gender=True, show_age=True
    )
    assert (mine["gender"], mine["age"]) == ("female", 30)
    kept = await hidden.share_position(lat, lon + 0.002, gender="male", birth_year=year - 30)
    assert (kept["gender"], kept["age"]) == (None, None)  # not shown: not even kept
    await aged.share_position(lat, lon + 0.003, birth_year=year - 50, show_age=True)

    everyone = (await me.nearby())["people"]
    assert [p["user"]["id"] for p in everyone] == [uid(shown), uid(hidden), uid(aged)]
    assert (everyone[0]["gender"], everyone[0]["age"]) == ("female", 30)
    assert "gender" not in everyone[1] and "age" not in everyone[1]
    assert "gender" not in everyone[2] and everyone[2]["age"] == 50

    assert [p["user"]["id"] for p in (await me.nearby(gender="female"))["people"]] == [uid(shown)]
    assert (await me.nearby(gender="male"))["people"] == []
    assert [p["user"]["id"] for p in (await me.nearby(min_age=40))["people"]] == [uid(aged)]
    assert [p["user"]["id"] for p in (await me.nearby(max_age=40))["people"]] == [uid(shown)]
    assert [p["user"]["id"] for p in (await me.nearby(min_age=20, max_age=60))["people"]] == [
        uid(shown),
        uid(aged),
    ]
    await expect("bad_request", me.nearby(gender="robot"))
    await expect("bad_request", me.nearby(min_age=50, max_age=20))
    await expect("bad_request", me.share_position(lat, lon, show_gender=True))
    await expect("bad_request", me.share_position(lat, lon, show_age=True))
    await expect("bad_request", me.share_position(91, lon))
    await expect("bad_request", me.share_position(lat, lon, birth_year=year + 1))


async def test_blocks_hide_people_both_ways(server: ServerThread, closing: list[Any]) -> None:
    lat, lon = spot()
    me, blocker, blocked, friend = await users(server, closing, "Me", "Blocker", "Blocked", "F")
    for client in (me, blocker, blocked, friend):
        await client.share_position(lat, lon)
    await blocker.block(uid(me))
    await me.block(uid(blocked))
    assert listed(await me.nearby()) == [(uid(friend), "<100 m")]
    assert uid(me) not in [u for u, _ in listed(await blocker.nearby())]
    assert uid(me) not in [u for u, _ in listed(await blocked.nearby())]
    await expect("not_found", me.say_hi(uid(blocker), "hi"))
    await expect("not_found", blocked.say_hi(uid(me), "hi"))


async def test_say_hi_sends_a_request_to_someone_nearby(
    server: ServerThread, closing: list[Any]
) -> None:
    lat, lon = spot()
    me, near, far, picky = await users(server, closing, "Me", "Near", "Far", "Picky")
    await me.share_position(lat, lon)
    await near.share_position(lat + 0.001, lon)
    await far.share_position(lat + 0.5, lon)
    await picky.share_position(lat, lon + 0.001)
    await picky.update_privacy(add_me="nobody")

    sent = await me.say_hi(uid(near), "Hello neighbour")
    assert sent["user"]["id"] == uid(near)
    incoming = (await near.friend_requests())["incoming"]
    assert [(r["user"]["id"], r["greeting"]) for r in incoming] == [(uid(me), "Hello neighbour")]

    await expect("not_found", me.say_hi(uid(far), "hi"))  # out of range
    await expect("not_allowed", me.say_hi(uid(picky), "hi"))  # their add-me rule applies
    await expect("not_found", me.say_hi(uid(me) + 10_000_000, "hi"))
    await expect("bad_request", me.say_hi(uid(near), "x" * 201))
    outsider = await server.signup("Outsider")
    closing.append(outsider)
    await expect("conflict", outsider.say_hi(uid(near), "hi"))  # not sharing a position
    await near.clear_position()
    await expect("not_found", me.say_hi(uid(near), "again"))


async def test_moving_too_often_is_refused(server: ServerThread, closing: list[Any]) -> None:
    """Moves per hour are capped (triangulation needs many vantage points); staying is free."""
    lat, lon = spot()
    mover, other = await users(server, closing, "Mover", "Other")
    limit = server.settings.nearby_moves_per_hour
    for step in range(limit):
        await mover.share_position(lat + step * 0.01, lon)
    await mover.share_position(lat + (limit - 1) * 0.01 + 0.0001, lon)  # same ~100 m: a refresh
    refused = await expect("rate_limited", mover.share_position(lat + 0.5, lon))
    assert refused.status == 429 and 0 < refused.details["retry_after_s"] <= 3600
    await mover.clear_position()
    await expect("rate_limited", mover.share_position(lat, lon))  # clearing does not reset it
    assert (await mover.my_position())["sharing"] is False
    await other.share_position(lat, lon)  # the limit is per account
    server.clock.advance(3601)
    assert (await mover.share_position(lat + 0.5, lon))["sharing"] is True
