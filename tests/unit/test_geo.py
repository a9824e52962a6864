"""Rough positions: snapping, grid cells (antimeridian, poles) and distance buckets."""

from __future__ import annotations

import pytest

from lianxin import geo


def test_snap_rounds_to_thousandths_and_wraps_longitude() -> None:
    assert geo.snap(31.23456, 121.47349) == (31235, 121473)
    assert geo.snap(-33.8688, 151.2093) == (-33869, 151209)
    assert geo.snap(0.0, 180.0) == (0, -180000)  # 180° is -180°
    assert geo.snap(0.0, 540.0004) == (0, -180000)
    assert geo.snap(90.0, 0.0) == (90000, 0)
    with pytest.raises(ValueError):
        geo.snap(90.5, 0.0)
    with pytest.raises(ValueError):
        geo.snap(0.0, float("nan"))


def test_cells() -> None:
    assert geo.cell_of(31235, 121473) == (312, 3014)
    assert geo.cell_of(-1, -1) == (-1, 1799)
    assert geo.cell_of(0, -180000) == (0, 0)
    assert geo.cell_of(0, 179999) == (0, geo.CELLS_X - 1)
    assert geo.cell_of(90000, 0)[0] == geo.cell_of(89999, 0)[0] == 899  # the pole's row
    assert geo.cell_of(-90000, 0)[0] == -900


def test_cells_within_cover_the_radius() -> None:
    rows, columns = geo.cells_within(31235, 121473, 10_000)
    assert rows == [311, 312, 313]
    assert columns is not None and len(columns) == 5 and 3014 in columns  # 0.1° ~ 9.5 km here
    # Every point within the radius falls in a searched cell.
    for dlat, dlon in ((0.0895, 0), (-0.0895, 0), (0, 0.105), (0, -0.105), (0.06, 0.07)):
        lat_e3, lon_e3 = geo.snap(31.235 + dlat, 121.473 + dlon)
        assert geo.distance_m(31235, 121473, lat_e3, lon_e3) <= 10_000
        y, x = geo.cell_of(lat_e3, lon_e3)
        assert y in rows and x in columns


def test_cells_wrap_around_the_antimeridian() -> None:
    _, columns = geo.cells_within(0, 179_990, 10_000)
    assert columns is not None
    assert columns == [0, geo.CELLS_X - 2, geo.CELLS_X - 1]  # both sides of ±180°
    assert geo.cell_of(*geo.snap(0.0, -179.99))[1] in columns
    assert round(geo.distance_m(0, 179_999, 0, -179_999)) == 222


def test_near_the_poles_whole_rows_are_read() -> None:
    rows, columns = geo.cells_within(89_950, 10_000, 10_000)
    assert columns is None
    assert max(rows) == 899 and min(rows) >= 899 - 1 - 1
    rows, columns = geo.cells_within(-90_000, 0, 10_000)
    assert columns is None and min(rows) == -900
    # At 80° a degree of longitude is ~19 km: more columns, still a bounded search.
    rows, columns = geo.cells_within(80_000, 0, 10_000)
    assert columns is not None and 5 < len(columns) <= geo.MAX_CELLS_X


def test_distance() -> None:
    assert geo.distance_m(0, 0, 0, 0) == 0
    assert round(geo.distance_m(0, 0, 1000, 0)) == 111_195  # one degree of latitude
    assert round(geo.distance_m(60000, 0, 60000, 1000)) == 55_597  # half as much at 60°
    assert geo.distance_m(90000, 0, 90000, 123_000) < 1  # every longitude meets at the pole


@pytest.mark.parametrize(
    ("meters", "expected"),
    [
        (0, (100, "<100 m")),
        (99.9, (100, "<100 m")),
        (100, (100, "100 m")),
        (101, (200, "200 m")),
        (333.6, (400, "400 m")),
        (950, (1000, "1 km")),
        (1000, (1000, "1 km")),
        (1001, (2000, "2 km")),
        (5560, (6000, "6 km")),
        (10_000, (10_000, "10 km")),
        (10_001, (15_000, "15 km")),
    ],
)
def test_buckets(meters: float, expected: tuple[int, str]) -> None:
    assert geo.bucket(meters) == expected
    assert expected[0] >= meters and expected[0] % 100 == 0
