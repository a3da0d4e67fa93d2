"""Today's figures for a station, shaped for the operator's and administrator's charts.

Adds to the day report (oversight/reports.py) what the charts need: check-ins and filled
slots by local hour, and how far the accepted jobs are from the station. "Filled by hour"
counts assignments created that hour for the station's orders, whenever the order was
posted, so the chart shows when people were sent out.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.oversight.reports import StationReport, day_bounds, station_report
from gigstation.oversight.snapshots import day_report

__all__ = ["DISTANCE_BUCKETS_M", "DistanceBucket", "StationFigures", "station_figures"]

# Upper bounds of the distance bands (metres); the last band is open-ended.
DISTANCE_BUCKETS_M: tuple[int, ...] = (1_000, 3_000, 5_000, 10_000)


class DistanceBucket(msgspec.Struct, frozen=True):
    label_zh: str
    label_en: str
    count: int


class StationFigures(msgspec.Struct, frozen=True):
    report: StationReport
    checkins_by_hour: list[int]
    fills_by_hour: list[int]
    distances: list[DistanceBucket]


_BY_HOUR = """
WITH hours AS (SELECT generate_series(0, 23) AS h),
c AS (
    SELECT extract(hour FROM checked_in_at AT TIME ZONE $4)::int AS h, count(*) AS n
    FROM checkins WHERE station_id = $1 AND checked_in_at >= $2 AND checked_in_at < $3 GROUP BY 1
),
f AS (
    SELECT extract(hour FROM a.created_at AT TIME ZONE $4)::int AS h, count(*) AS n
    FROM assignments a JOIN orders o ON o.id = a.order_id
    WHERE o.station_id = $1 AND a.created_at >= $2 AND a.created_at < $3
      AND a.status IN ('active', 'completed', 'no_show')
    GROUP BY 1
)
SELECT hours.h, coalesce(c.n, 0)::int AS checkins, coalesce(f.n, 0)::int AS fills
FROM hours LEFT JOIN c ON c.h = hours.h LEFT JOIN f ON f.h = hours.h ORDER BY hours.h
"""
_DISTANCES = """
SELECT width_bucket(f.distance_m, $4::int[]) AS band, count(*)::int AS n
FROM offers f
WHERE f.station_id = $1 AND f.status = 'accepted' AND f.answered_at >= $2 AND f.answered_at < $3
GROUP BY 1
"""


def _band_labels() -> list[tuple[str, str]]:
    labels, low = [], 0
    for high in DISTANCE_BUCKETS_M:
        labels.append((f"{low // 1000}–{high // 1000} 公里", f"{low // 1000}–{high // 1000} km"))
        low = high
    labels.append((f"{low // 1000} 公里以上", f"over {low // 1000} km"))
    return labels


async def station_figures(
    conn: asyncpg.Connection[Any], station_id: UUID, day: date, zone: str, now: datetime | None = None,
) -> StationFigures:
    """The day report (frozen once the day is over at ``now``: oversight.snapshots) plus
    hourly series and the distance bands of accepted jobs."""
    report = (await station_report(conn, station_id, day, zone) if now is None
              else await day_report(conn, station_id, day, zone, now))
    start, end = day_bounds(day, zone)
    # 24 local hours; a 25-hour DST day folds its repeated hour into one bar.
    rows = await conn.fetch(_BY_HOUR, station_id, start, end, zone)
    counts = {r["band"]: r["n"] for r in
              await conn.fetch(_DISTANCES, station_id, start, end, list(DISTANCE_BUCKETS_M))}
    distances = [DistanceBucket(zh, en, counts.get(i, 0)) for i, (zh, en) in enumerate(_band_labels())]
    return StationFigures(
        report=report,
        checkins_by_hour=[r["checkins"] for r in rows],
        fills_by_hour=[r["fills"] for r in rows],
        distances=distances,
    )
