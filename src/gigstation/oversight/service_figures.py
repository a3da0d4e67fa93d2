"""The live figures an on-call engineer watches (served as Prometheus metrics by api/metrics.py).

Read from the database, so every server process reports the same numbers. Dispatch runs and
offers count from the start of the local day (the day a station works), with no upper bound.
Labels are station names: no person is named or numbered here.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.work.pay_clock import overdue_sql

__all__ = ["DispatchFigures", "ServiceFigures", "service_figures"]


class DispatchFigures(msgspec.Struct, frozen=True):
    station: str
    trigger: str
    runs: int
    solve_seconds: float


class ServiceFigures(msgspec.Struct, frozen=True):
    dispatch: list[DispatchFigures]
    offers: dict[tuple[str, str], int]
    """(station, outcome) -> offers made since the start of the day."""
    waiting: dict[str, int]
    """Station -> people checked in and waiting now."""
    overdue: dict[str, int]
    """Station -> open overdue pay cases now."""


_DISPATCH = """
SELECT s.name AS station, r.trigger, count(*)::int AS runs,
       coalesce(sum((r.stats->>'solve_ms')::float8), 0) / 1000.0 AS solve_seconds
FROM dispatch_runs r JOIN stations s ON s.id = r.station_id
WHERE r.started_at >= $1
GROUP BY s.name, r.trigger
"""
_OFFERS = """
SELECT s.name AS station, f.status AS outcome, count(*)::int AS n
FROM offers f JOIN stations s ON s.id = f.station_id
WHERE f.created_at >= $1
GROUP BY s.name, f.status
"""
_WAITING = """
SELECT s.name AS station, count(c.id)::int AS n
FROM stations s LEFT JOIN checkins c ON c.station_id = s.id AND c.status = 'waiting'
GROUP BY s.name
"""
_OVERDUE = f"""
SELECT coalesce(s.name, '-') AS station, count(*)::int AS n
FROM assignments a JOIN orders o ON o.id = a.order_id LEFT JOIN stations s ON s.id = o.station_id
WHERE {overdue_sql("a", "$2::int", "$1::timestamptz")}
GROUP BY 1
"""


async def service_figures(
    conn: asyncpg.Connection[Any], now: datetime, zone: str, settlement_days: int
) -> ServiceFigures:
    """The figures as of ``now``."""
    day_start = datetime.combine(now.astimezone(ZoneInfo(zone)).date(), time(0), ZoneInfo(zone))
    dispatch = [DispatchFigures(r["station"], r["trigger"], r["runs"], float(r["solve_seconds"]))
                for r in await conn.fetch(_DISPATCH, day_start)]
    offers = {(r["station"], r["outcome"]): r["n"] for r in await conn.fetch(_OFFERS, day_start)}
    waiting = {r["station"]: r["n"] for r in await conn.fetch(_WAITING)}
    overdue = {r["station"]: r["n"] for r in await conn.fetch(_OVERDUE, now, settlement_days)}
    return ServiceFigures(dispatch, offers, waiting, overdue)
