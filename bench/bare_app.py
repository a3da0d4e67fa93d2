"""The bare peer of the check-in bench: Litestar + msgspec + asyncpg, one-row insert.

It decodes the same JSON body as ``POST /api/v1/checkins`` into a struct (same fields and
types, no rules), inserts one row and answers 201 with the row's id. No authentication,
no guard, no audit row, no idempotency, no transaction block: the floor that a full
check-in is compared with, measured in the same run (bench/checkin_throughput.py).

Served by granian: ``BARE_DATABASE_URL=... granian --interface asgi --factory bare_app:create``
with this directory on PYTHONPATH. ``BARE_POOL_MAX`` sets the pool per process.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import Litestar, Request, Response, post

_INSERT = """
INSERT INTO bench_bare (station_id, available_until, lat, lon, max_distance_m)
VALUES ($1, $2, $3, $4, $5) RETURNING id
"""


class Body(msgspec.Struct, forbid_unknown_fields=True):
    station_id: UUID
    available_until: datetime
    max_distance_m: int = 10_000
    lat: float | None = None
    lon: float | None = None


class Created(msgspec.Struct):
    id: int


@post("/api/v1/bare/checkins", status_code=201)
async def bare_check_in(data: Body, request: Request[Any, Any, Any]) -> Response[Created]:
    pool: asyncpg.Pool[Any] = request.app.state.pool
    async with pool.acquire() as conn:
        row_id = await conn.fetchval(_INSERT, data.station_id, data.available_until, data.lat, data.lon,
                                     data.max_distance_m)
    return Response(Created(row_id), status_code=201)


def create() -> Litestar:
    """The ASGI app (a factory: the pool opens in each worker process)."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(os.environ["BARE_DATABASE_URL"], min_size=2,
                                         max_size=int(os.environ.get("BARE_POOL_MAX", "20")))
        app.state.pool = pool
        try:
            yield
        finally:
            await pool.close()

    return Litestar(route_handlers=[bare_check_in], lifespan=[lifespan], openapi_config=None)
