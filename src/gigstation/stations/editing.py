"""Administration of stations and their staff: edit a station, list its operators."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit
from gigstation.platform.errors import NotFound
from gigstation.stations.registry import StationCreate, StationView, get_station, station_region

__all__ = ["OperatorRow", "list_operators", "update_station"]

_UPDATE = """
UPDATE stations SET name = $2, address = $3, lat = $4, lon = $5, service_radius_m = $6, region = $7,
                    phone = $8
WHERE id = $1 RETURNING id
"""


async def update_station(
    conn: asyncpg.Connection[Any], actor: UUID, station_id: UUID, data: StationCreate,
    today: date | None = None,
) -> StationView:
    """Replace a station's details (name, address, place, radius, wage region, phone); audited. The
    region must have a known minimum wage, as for a new station."""
    before = await get_station(conn, station_id)
    await station_region(conn, actor, data, today)
    if await conn.fetchval(_UPDATE, station_id, data.name, data.address, data.lat, data.lon,
                           data.service_radius_m, data.region, data.phone) is None:
        raise NotFound("驿站不存在", "no such station")
    changed = {k: v for k, v in msgspec.structs.asdict(data).items()
               if k != "minimum_wage" and getattr(before, k) != v}
    await audit.record(conn, actor, "station.update", "station", station_id, {"changed": sorted(changed)})
    return await get_station(conn, station_id)


class OperatorRow(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    phone: str
    created_at: datetime
    station_names: list[str]


_OPERATORS = """
SELECT u.id, u.name, u.phone, u.created_at,
       coalesce(array_agg(s.name ORDER BY s.name) FILTER (WHERE s.id IS NOT NULL), '{}') AS station_names
FROM users u LEFT JOIN operator_stations os ON os.operator_id = u.id
LEFT JOIN stations s ON s.id = os.station_id
WHERE u.role = 'operator' AND u.disabled_at IS NULL
GROUP BY u.id ORDER BY u.name, u.id LIMIT $1
"""


async def list_operators(conn: asyncpg.Connection[Any], limit: int = 500) -> list[OperatorRow]:
    """Every active operator with the stations they work for."""
    return [msgspec.convert(dict(r), OperatorRow) for r in await conn.fetch(_OPERATORS, limit)]
