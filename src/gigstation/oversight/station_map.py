"""A map-like picture of one station: the room, the people waiting, the order places.

No tile server: an equirectangular projection centred on the station (x east, y north, in
metres, then scaled to the picture), which is accurate to well under 1% over the few
kilometres a station serves. People waiting are never placed exactly: a check-in's
location is snapped to a 250 m grid and only the count per cell is drawn; people the
operator checked in (no location stored) are counted at the station itself. Workers' home
addresses are not stored at all.
"""

from __future__ import annotations

import math
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.oversight.charts import nice_ceiling
from gigstation.stations.registry import get_station

__all__ = ["GRID_M", "MapPoint", "StationMap", "project", "station_map"]

EARTH_RADIUS_M = 6_371_009.0
GRID_M = 250
SIZE = 480
MARGIN = 24


class MapPoint(msgspec.Struct, frozen=True):
    x: float
    y: float
    label: str
    count: int = 1
    detail: str = ""


class StationMap(msgspec.Struct, frozen=True):
    size: int
    station_name: str
    centre: tuple[float, float]
    radius_px: float
    service_radius_m: int
    extent_m: int
    scale_bar_px: float
    scale_bar_m: int
    waiting_total: int
    waiting_cells: list[MapPoint]
    orders: list[MapPoint]


def project(lat: float, lon: float, lat0: float, lon0: float) -> tuple[float, float]:
    """Metres east and north of (lat0, lon0), equirectangular."""
    x = EARTH_RADIUS_M * math.radians(lon - lon0) * math.cos(math.radians(lat0))
    y = EARTH_RADIUS_M * math.radians(lat - lat0)
    return x, y


_WAITING = """
SELECT lat, lon FROM checkins
WHERE station_id = $1 AND status = 'waiting' AND available_until > now()
"""
_ORDERS = """
SELECT title, lat, lon, headcount - filled AS left_, address FROM orders
WHERE station_id = $1 AND status = 'open' AND ends_at > now()
ORDER BY starts_at, id LIMIT 200
"""


def _nice_extent(metres: float) -> int:
    """A round half-width in metres: 1, 2 or 5 x 10^k, at least 1 km."""
    return max(1000, nice_ceiling(math.ceil(metres)))


async def station_map(conn: asyncpg.Connection[Any], station_id: UUID) -> StationMap:
    """Project the station's waiting people (coarsened) and open order places."""
    station = await get_station(conn, station_id)
    lat0, lon0 = station.lat, station.lon
    cells: dict[tuple[int, int], int] = {}
    for r in await conn.fetch(_WAITING, station_id):
        if r["lat"] is None or r["lon"] is None:
            key = (0, 0)
        else:
            x, y = project(r["lat"], r["lon"], lat0, lon0)
            key = (round(x / GRID_M), round(y / GRID_M))
        cells[key] = cells.get(key, 0) + 1
    orders = [(r["title"], r["address"], r["left_"], *project(r["lat"], r["lon"], lat0, lon0))
              for r in await conn.fetch(_ORDERS, station_id)]
    far = max([station.service_radius_m * 1.0]
              + [max(abs(x), abs(y)) for *_, x, y in orders]
              + [max(abs(cx), abs(cy)) * GRID_M for cx, cy in cells])
    extent = _nice_extent(far * 1.15)
    half = SIZE / 2
    scale = (half - MARGIN) / extent

    def px(x: float, y: float) -> tuple[float, float]:
        return round(half + x * scale, 1), round(half - y * scale, 1)

    waiting_cells = [
        MapPoint(*px(cx * GRID_M, cy * GRID_M), label=str(n), count=n)
        for (cx, cy), n in sorted(cells.items())
    ]
    order_points = [MapPoint(*px(x, y), label=title, count=left, detail=address)
                    for title, address, left, x, y in orders]
    bar_m = nice_ceiling(max(1, extent // 2))
    if bar_m > extent:
        bar_m //= 2
    return StationMap(
        size=SIZE, station_name=station.name, centre=(half, half),
        radius_px=round(station.service_radius_m * scale, 1),
        service_radius_m=station.service_radius_m, extent_m=extent,
        scale_bar_px=round(bar_m * scale, 1), scale_bar_m=bar_m,
        waiting_total=sum(cells.values()), waiting_cells=waiting_cells, orders=order_points)
