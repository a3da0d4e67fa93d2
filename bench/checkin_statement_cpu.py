"""PostgreSQL backend CPU of one check-in statement, with the distance in SQL or given.

Runs each variant 900 times on one connection (prepared, synchronous_commit off so the
WAL flush does not dominate) and reads the backend's CPU time from /proc before and after.
The ``sql distance`` variant is the statement as it was when the distance came from
``great_circle_m`` in SQL; ``distance given`` is today's (the distance computed in Python
from the station's place kept in memory). The bare one-row insert is the floor.

Reproduce:  . .venv/bin/activate && python bench/checkin_statement_cpu.py
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import jwt
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import checkin_throughput as ct

from gigstation.platform.db import embedded_postgres
from gigstation.stations.checkins import _COLUMNS

_SQL_DISTANCE = f"""
WITH s AS (
    SELECT id, service_radius_m, round(great_circle_m($3::float8, $4::float8, lat, lon))::int AS d
    FROM stations WHERE id = $2
), b AS (
    SELECT max(ends_at) AS busy_until FROM assignments
    WHERE worker_id = $1 AND status = 'active' AND ends_at > $7::timestamptz
), c AS (
    INSERT INTO checkins (worker_id, station_id, lat, lon, distance_m, by_operator, available_until, max_distance_m)
    SELECT $1::uuid, s.id, $3::float8, $4::float8, s.d, NULL, $5::timestamptz, $6::int FROM s, b
    WHERE s.d <= s.service_radius_m AND (b.busy_until IS NULL OR $5::timestamptz > b.busy_until)
    RETURNING {_COLUMNS}
), a AS (
    INSERT INTO audit_log (actor_id, action, object_type, object_id, details)
    SELECT $1::uuid, 'checkin.create', 'checkin', c.id::text, $8::jsonb FROM c
)
SELECT s.id, b.busy_until, c.* FROM b LEFT JOIN s ON true LEFT JOIN c ON true
"""
_GIVEN = _SQL_DISTANCE.replace("round(great_circle_m($3::float8, $4::float8, lat, lon))::int", "$9::int")
_BARE = "INSERT INTO bench_bare (station_id, available_until, lat, lon, max_distance_m) VALUES ($1,$2,$3,$4,$5)"


async def main(url: str) -> None:
    station_id, tokens = await ct.seed(url, 2000)
    ids = [uuid.UUID(jwt.decode(t, options={"verify_signature": False})["sub"]) for t in tokens]
    station = uuid.UUID(station_id)
    now = datetime.now(UTC)
    until = now + timedelta(hours=8)
    for k, (name, query) in enumerate((("sql distance", _SQL_DISTANCE), ("distance given", _GIVEN))):
        conn = await asyncpg.connect(url, server_settings={"synchronous_commit": "off"})
        await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
        backend = psutil.Process(await conn.fetchval("SELECT pg_backend_pid()"))
        stmt = await conn.prepare(query)
        extra = [] if k == 0 else [111]
        before = sum(backend.cpu_times()[:2])
        for w in ids[k * 900:(k + 1) * 900]:
            await stmt.fetchrow(w, station, 31.151, 121.12, until, 10000, now, {"a": 1}, *extra)
        print(f"{name}: {(sum(backend.cpu_times()[:2]) - before) / 900 * 1e6:.0f} µs of backend CPU per statement")
        await conn.close()
    conn = await asyncpg.connect(url, server_settings={"synchronous_commit": "off"})
    backend = psutil.Process(await conn.fetchval("SELECT pg_backend_pid()"))
    stmt = await conn.prepare(_BARE)
    before = sum(backend.cpu_times()[:2])
    for _ in range(900):
        await stmt.fetch(station, now, 31.1, 121.1, 1000)
    print(f"bare insert: {(sum(backend.cpu_times()[:2]) - before) / 900 * 1e6:.0f} µs")
    await conn.close()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as d, embedded_postgres(Path(d)) as pg_url:
        asyncio.run(main(pg_url))
