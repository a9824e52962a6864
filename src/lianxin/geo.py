"""Rough positions for people nearby: snapping, grid cells and distance buckets.

A shared position is snapped to a 0.001° grid (about 111 m north-south, less east-west)
before anything is stored, so the server never holds an exact position. Positions are
indexed by 0.1° cells (``cell_y``, ``cell_x``); a search reads the cells that can hold
anyone within the radius, wrapping across the antimeridian and widening toward the poles.
Distances leave the server only as buckets no finer than 100 m.
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_000.0
SNAP_E3 = 1  # positions are kept in thousandths of a degree
CELL_E3 = 100  # a grid cell is 0.1° x 0.1°
CELLS_X = 360_000 // CELL_E3  # cells around a parallel
METERS_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180
MAX_CELLS_X = 64  # beyond this many columns a search reads whole rows


def snap(lat: float, lon: float) -> tuple[int, int]:
    """Latitude and longitude in whole thousandths of a degree, longitude in [-180, 180)."""
    if not (-90.0 <= lat <= 90.0) or not math.isfinite(lon):
        raise ValueError("latitude must be within [-90, 90] and longitude finite")
    lat_e3 = round(lat * 1000)
    lon_e3 = (round(lon * 1000) + 180_000) % 360_000 - 180_000
    return lat_e3, lon_e3


def cell_of(lat_e3: int, lon_e3: int) -> tuple[int, int]:
    """The grid cell (row, column) of a snapped position; the poles share the edge rows."""
    cell_y = min(lat_e3 // CELL_E3, 90_000 // CELL_E3 - 1)
    cell_x = ((lon_e3 + 180_000) % 360_000) // CELL_E3
    return cell_y, cell_x


def cells_within(lat_e3: int, lon_e3: int, radius_m: float) -> tuple[list[int], list[int] | None]:
    """Rows and columns of the cells that can hold a point within ``radius_m``.

    Columns are ``None`` when the search must read whole rows (near a pole, where a
    degree of longitude is short). Columns wrap around the antimeridian.
    """
    cell_y, cell_x = cell_of(lat_e3, lon_e3)
    cell_m = METERS_PER_DEGREE * CELL_E3 / 1000
    dy = math.ceil(radius_m / cell_m)
    top, bottom = 90_000 // CELL_E3 - 1, -90_000 // CELL_E3
    rows = list(range(max(bottom, cell_y - dy), min(top, cell_y + dy) + 1))
    # The widest parallel the search touches decides how many columns it needs.
    far_lat = min(90.0, abs(lat_e3) / 1000 + radius_m / METERS_PER_DEGREE)
    width_m = cell_m * math.cos(math.radians(far_lat))
    if width_m <= 0:
        return rows, None
    dx = math.ceil(radius_m / width_m)
    if 2 * dx + 1 > min(MAX_CELLS_X, CELLS_X):
        return rows, None
    return rows, sorted({(cell_x + i) % CELLS_X for i in range(-dx, dx + 1)})


def distance_m(a_lat_e3: int, a_lon_e3: int, b_lat_e3: int, b_lon_e3: int) -> float:
    """Great-circle distance between two snapped positions (haversine)."""
    lat1, lat2 = math.radians(a_lat_e3 / 1000), math.radians(b_lat_e3 / 1000)
    dlat = lat2 - lat1
    dlon = math.radians((b_lon_e3 - a_lon_e3) / 1000)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bucket(meters: float) -> tuple[int, str]:
    """A distance as shown: under 100 m, then 100 m steps to 1 km, 1 km steps to 10 km,
    then 5 km steps. Returns the bucket's upper bound in metres and its label."""
    if meters < 100:
        return 100, "<100 m"
    if meters < 1000:
        up = min(1000, math.ceil(meters / 100) * 100)
        return up, f"{up} m" if up < 1000 else "1 km"
    step = 1000 if meters < 10_000 else 5000
    up = math.ceil(meters / step) * step
    return up, f"{up // 1000} km"
