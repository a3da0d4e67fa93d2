"""What the safeguards add to a dispatch snapshot on a big station (real PostgreSQL).

Usage: PYTHONPATH=src:. python bench/safeguards_snapshot.py [POSTGRES_URL]

Builds a throwaway database on the server: 1,000 waiting workers, 200 open orders from 50
employers, 3,000 completed assignments this week, 100 blocks; prints the best of 5 timings
of ``take_snapshot`` (which includes the safeguards) and of ``forbidden_pairs`` alone.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
from tests.api import seed

from gigstation.platform.clock import now
from gigstation.platform.config import Settings
from gigstation.platform.db import apply_migrations
from gigstation.work import dispatch, safeguards

URL = sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/postgres"

_PAST_ORDERS = """
INSERT INTO orders (employer_id, station_id, title, skill, headcount, starts_at, ends_at, lat, lon,
                    address, pay_cents, pay_unit, status)
SELECT e, $2, 'x', 'loading', 200, $3::timestamptz, $3::timestamptz + interval '4 hours', 31.152,
       121.118, 'a', 3000, 'hour', 'closed'
FROM unnest($1::uuid[]) e RETURNING id
"""
_RUN = """
INSERT INTO dispatch_runs (station_id, trigger, stats, unfilled) VALUES ($1, 'auto', '{}', '[]')
RETURNING id
"""
_OFFER = """
INSERT INTO offers (run_id, station_id, worker_id, order_id, distance_m, priority, expires_at, status)
VALUES ($1, $2, $3, $4, 1, 0, now(), 'accepted') RETURNING id
"""
_ASSIGNMENT = """
INSERT INTO assignments (offer_id, order_id, worker_id, worker_no, starts_at, ends_at, status)
SELECT $1, $2, $3, worker_no, $4::timestamptz, $4::timestamptz + interval '4 hours', 'completed'
FROM workers WHERE user_id = $3
"""


async def build(conn: asyncpg.Connection[object]) -> uuid.UUID:
    """The station with its room, orders, past work and blocks."""
    await apply_migrations(conn)
    station = await seed.station(conn)
    employers = [await seed.employer(conn, phone=f"137{i:08d}") for i in range(50)]
    first = now() + timedelta(hours=1)
    for i in range(200):
        await seed.order(conn, employers[i % 50], station, 3, start=first + timedelta(minutes=i), hours=4)
    workers = await seed.workers(conn, 1000, station)
    run = await conn.fetchval(_RUN, station)
    base = now() - timedelta(days=3)
    for k in range(3):
        past = await conn.fetch(_PAST_ORDERS, employers, station, base + timedelta(hours=6 * k))
        for j, worker in enumerate(workers):
            order = past[j % 50]["id"]
            offer = await conn.fetchval(_OFFER, run, station, worker, order)
            await conn.execute(_ASSIGNMENT, offer, order, worker, base + timedelta(hours=6 * k))
    await conn.execute("INSERT INTO blocks SELECT w, $2 FROM unnest($1::uuid[]) w", workers[:100], employers[0])
    await conn.execute("ANALYZE")
    return station


async def main() -> None:
    name = f"sgbench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        conn = await asyncpg.connect(URL.rsplit("/", 1)[0] + "/" + name)
        station = await build(conn)
        settings = Settings(database_url=URL)
        tz = ZoneInfo(settings.timezone)
        t = now()
        day = t.astimezone(tz)
        day_start = datetime.combine(day.date(), datetime.min.time(), tzinfo=tz)
        for _round in ("warm-up", "measured"):
            best_snap = best_pairs = float("inf")
            for _ in range(5):
                a = time.perf_counter()
                snap = await dispatch.take_snapshot(conn, station, t, day_start, day.date(), settings)
                b = time.perf_counter()
                pairs = await safeguards.forbidden_pairs(
                    conn, [w.id for w in snap.instance.workers], snap.instance.orders, settings.timezone)
                c = time.perf_counter()
                best_snap, best_pairs = min(best_snap, b - a), min(best_pairs, c - b)
        print(f"workers={len(snap.instance.workers)} orders={len(snap.instance.orders)} "
              f"forbidden={len(pairs)}: take_snapshot (with safeguards) best {best_snap * 1000:.1f} ms; "
              f"forbidden_pairs alone best {best_pairs * 1000:.1f} ms")
        await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
