"""The one-tap rating of a station's service that a worker gives after each job.

One rating per assignment, by its worker, once the work is completed; it is credited to
the station that dispatched the order. Repeating it is a 409, not a silent overwrite,
so a station's satisfaction figure cannot be stuffed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit
from gigstation.platform.errors import Conflict, NotFound
from gigstation.platform.types import Stars

__all__ = ["StationRatingCreate", "StationRatingView", "rate_station", "station_ratings_given"]


class StationRatingCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    stars: Stars


class StationRatingView(msgspec.Struct, frozen=True):
    assignment_id: UUID
    station_id: UUID
    stars: int
    created_at: datetime


_ASSIGNMENT = """
SELECT a.status, o.station_id FROM assignments a JOIN orders o ON o.id = a.order_id
WHERE a.id = $1 AND a.worker_id = $2
"""
_INSERT = """
INSERT INTO station_ratings (assignment_id, station_id, worker_id, stars) VALUES ($1, $2, $3, $4)
ON CONFLICT (assignment_id) DO NOTHING
RETURNING assignment_id, station_id, stars, created_at
"""


async def rate_station(
    conn: asyncpg.Connection[Any], worker_id: UUID, assignment_id: UUID, data: StationRatingCreate
) -> StationRatingView:
    """Record the worker's rating of the station that found them this job."""
    row = await conn.fetchrow(_ASSIGNMENT, assignment_id, worker_id)
    if row is None:
        raise NotFound("工作记录不存在", "no such assignment")
    if row["station_id"] is None:
        raise Conflict("该订单不经驿站派单，无法评价驿站", "this order was not dispatched by a station",
                       code="no_station")
    if row["status"] != "completed":
        raise Conflict("完工后才能评价驿站服务", "the station can be rated once the work is completed",
                       code="not_completed")
    created = await conn.fetchrow(_INSERT, assignment_id, row["station_id"], worker_id, data.stars)
    if created is None:
        raise Conflict("已评价过该驿站的这次服务", "this job's station rating was already given",
                       code="already_rated")
    await audit.record(conn, worker_id, "station.rated", "assignment", assignment_id,
                       {"station_id": str(row["station_id"]), "stars": data.stars})
    return msgspec.convert(dict(created), StationRatingView)


_RATED = "SELECT assignment_id, stars FROM station_ratings WHERE worker_id = $1"


async def station_ratings_given(conn: asyncpg.Connection[Any], worker_id: UUID) -> dict[UUID, int]:
    """The station ratings a worker has given, by assignment (the jobs page hides the buttons)."""
    return {r["assignment_id"]: r["stars"] for r in await conn.fetch(_RATED, worker_id)}
