"""Stations: where workers gather; created by administrators."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit, clock
from gigstation.platform.errors import NotFound
from gigstation.platform.pagination import Page, PageParams
from gigstation.platform.types import NO_NUL, Address, Lat, Lon, Title
from gigstation.stations.wage_rules import StationMinimum, require_known_region

__all__ = [
    "StationCreate",
    "StationView",
    "create_station",
    "get_station",
    "list_stations",
    "nearest_station_id",
    "operator_station_ids",
    "station_region",
]

ServiceRadius = msgspec.Meta(ge=10, le=50_000, description="metres")


class StationCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Title
    address: Address
    lat: Lat
    lon: Lon
    service_radius_m: Annotated[int, ServiceRadius] = 1000
    region: Annotated[str, msgspec.Meta(min_length=1, max_length=50, pattern=NO_NUL)] = "Shanghai"
    """The minimum-wage region: one whose minimum is known (``GET /wages/regions``), or a new
    one together with ``minimum_wage``."""
    minimum_wage: StationMinimum | None = None
    """The region's minimum wage with its source, entered with the station (audited)."""
    phone: StationPhone | None = None
    """The station's own telephone, e.g. 021-59701234: printed on job slips and desk cards."""


StationPhone = Annotated[str, msgspec.Meta(
    min_length=5, max_length=20, pattern=r"^[0-9][0-9-]{4,19}$",
    description="a landline with its area code (021-59701234) or a mobile number",
)]


class StationView(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    address: str
    lat: float
    lon: float
    service_radius_m: int
    region: str
    created_at: datetime
    distance_m: int | None = None
    phone: str | None = None


_COLUMNS = "id, name, address, lat, lon, service_radius_m, region, created_at, phone"
_INSERT = f"""
INSERT INTO stations (name, address, lat, lon, service_radius_m, region, phone)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_COLUMNS}
"""
_GET = f"SELECT {_COLUMNS} FROM stations WHERE id = $1"
_LIST = f"SELECT {_COLUMNS} FROM stations ORDER BY name, id LIMIT $1 OFFSET $2"
_LIST_NEAR = f"""
SELECT {_COLUMNS}, round(great_circle_m($3, $4, lat, lon))::int AS distance_m
FROM stations ORDER BY distance_m, id LIMIT $1 OFFSET $2
"""
_NEAREST = "SELECT id FROM stations ORDER BY great_circle_m($1, $2, lat, lon), id LIMIT 1"
_OPERATOR_STATIONS = "SELECT station_id FROM operator_stations WHERE operator_id = $1"


async def station_region(
    conn: asyncpg.Connection[Any], actor: UUID, data: StationCreate, today: date | None = None,
) -> None:
    """No station in a region without a known minimum wage (the one entered with the station
    is added to the table first, audited)."""
    on = today or clock.today("Asia/Shanghai")
    added = await require_known_region(conn, actor, data.region, on, data.minimum_wage)
    if added is not None:
        await audit.record(conn, actor, "minimum_wage.add", "minimum_wage", str(added.id),
                           {**msgspec.to_builtins(data.minimum_wage), "region": data.region,
                            "with_station": data.name})


async def create_station(
    conn: asyncpg.Connection[Any], actor: UUID, data: StationCreate, today: date | None = None,
) -> StationView:
    """Create a station (in a region whose minimum wage is known) and audit it."""
    await station_region(conn, actor, data, today)
    row = await conn.fetchrow(
        _INSERT, data.name, data.address, data.lat, data.lon, data.service_radius_m, data.region, data.phone
    )
    assert row is not None  # INSERT ... RETURNING always returns the row
    station = msgspec.convert(dict(row), StationView)
    await audit.record(conn, actor, "station.create", "station", station.id, {"name": data.name})
    return station


async def get_station(conn: asyncpg.Connection[Any], station_id: UUID) -> StationView:
    """One station or NotFound."""
    row = await conn.fetchrow(_GET, station_id)
    if row is None:
        raise NotFound("驿站不存在", "no such station")
    return msgspec.convert(dict(row), StationView)


async def list_stations(
    conn: asyncpg.Connection[Any],
    page: PageParams,
    near: tuple[float, float] | None = None,
) -> Page[StationView]:
    """All stations by name, or nearest first when a point is given."""
    if near is None:
        rows = await conn.fetch(_LIST, page.limit + 1, page.offset)
    else:
        rows = await conn.fetch(_LIST_NEAR, page.limit + 1, page.offset, near[0], near[1])
    return Page.of([msgspec.convert(dict(r), StationView) for r in rows], page)


async def nearest_station_id(conn: asyncpg.Connection[Any], lat: float, lon: float) -> UUID | None:
    """The station closest to a point (it will dispatch an order placed there)."""
    result: UUID | None = await conn.fetchval(_NEAREST, lat, lon)
    return result


async def operator_station_ids(conn: asyncpg.Connection[Any], operator_id: UUID) -> set[UUID]:
    """The stations an operator works for."""
    return {r["station_id"] for r in await conn.fetch(_OPERATOR_STATIONS, operator_id)}
