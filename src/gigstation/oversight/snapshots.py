"""History stays history: a day's figures are frozen once the day is over.

Two append-only tables (migration 0018) hold what was true:

- ``station_day_reports``: a station's day report (oversight/reports.py) as it stood when
  it was frozen. A report for a day that is over is read from here; the first read after
  the day ends (or the nightly freeze) computes and stores it, and every later read,
  whatever happened since (purge, renames, regrouping, corrections of priority papers),
  returns the same figures and ``frozen_at``;
- ``assignment_priority_facts``: whether each filled place went to a priority worker when
  it was accepted (``reports.PRIORITY_AT_ACCEPT``). The day report and the performance
  figures read a place's frozen fact when there is one.

The retention purge calls :func:`freeze_before_purge` before it erases anything: every day
that is over and has activity is frozen, and so is every place of the workers about to be
anonymised, so a past day's report and a past period's priority share never change. The
server's daily retention run therefore also freezes the previous day.

What a frozen day shows: the figures as recorded by the time it was frozen. Work marked
done or pay recorded on a later day counts in that later day's figures (wages paid and
disputes by their own dates); the completed / no-show counts of a day's orders are those
recorded by then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.oversight.reports import (
    EARLIEST_REPORT_DAY,
    LATEST_REPORT_DAY,
    PRIORITY_AT_ACCEPT,
    StationReport,
    day_bounds,
    station_report,
)

__all__ = ["FreezeResult", "day_report", "freeze_before_purge", "freeze_day", "freeze_priority_facts",
           "is_over"]


class FreezeResult(msgspec.Struct, frozen=True):
    days_frozen: int
    places_frozen: int


def is_over(day: date, zone: str, now: datetime) -> bool:
    """Whether the local day has ended at ``now``."""
    return day_bounds(day, zone)[1] <= now


# As text both ways: the same bytes whatever jsonb codec the connection has.
_FROZEN = "SELECT figures::text AS figures, frozen_at FROM station_day_reports WHERE station_id = $1 AND day = $2"
_FREEZE = """
INSERT INTO station_day_reports (station_id, day, zone, figures) VALUES ($1, $2, $3, $4::text::jsonb)
ON CONFLICT (station_id, day) DO NOTHING
"""


def _thawed(row: asyncpg.Record) -> StationReport:
    report = msgspec.json.decode(row["figures"], type=StationReport)
    return msgspec.structs.replace(report, frozen_at=row["frozen_at"])


# A day's places: the assignments of the orders the station posted that day (as the report).
_FACTS_OF_DAY = f"""
INSERT INTO assignment_priority_facts (assignment_id, priority, groups)
SELECT a.id, {PRIORITY_AT_ACCEPT.format(a="a", w="w", zone="$4::text")},
       active_priority_groups(w.user_id, w.priority_groups, a.created_at)
FROM assignments a JOIN orders o ON o.id = a.order_id JOIN workers w ON w.user_id = a.worker_id
WHERE o.station_id = $1 AND o.created_at >= $2 AND o.created_at < $3
ON CONFLICT (assignment_id) DO NOTHING
"""


async def freeze_day(conn: asyncpg.Connection[Any], station_id: UUID, day: date, zone: str) -> StationReport:
    """Freeze a station's day (its places' priority facts, then the report) and return what
    is stored; a day frozen before keeps its first figures (a concurrent freeze is harmless)."""
    start, end = day_bounds(day, zone)
    await conn.execute(_FACTS_OF_DAY, station_id, start, end, zone)
    report = await station_report(conn, station_id, day, zone)
    await conn.execute(_FREEZE, station_id, day, zone, msgspec.json.encode(report).decode())
    row = await conn.fetchrow(_FROZEN, station_id, day)
    assert row is not None
    return _thawed(row)


async def day_report(
    conn: asyncpg.Connection[Any], station_id: UUID, day: date, zone: str, now: datetime
) -> StationReport:
    """The day's report: live while the day runs, frozen once it is over."""
    if not is_over(day, zone, now):
        return await station_report(conn, station_id, day, zone)
    row = await conn.fetchrow(_FROZEN, station_id, day)
    if row is not None:
        return _thawed(row)
    return await freeze_day(conn, station_id, day, zone)


_FACTS_OF_WORKERS = f"""
INSERT INTO assignment_priority_facts (assignment_id, priority, groups)
SELECT a.id, {PRIORITY_AT_ACCEPT.format(a="a", w="w", zone="$2::text")},
       active_priority_groups(w.user_id, w.priority_groups, a.created_at)
FROM assignments a JOIN workers w ON w.user_id = a.worker_id
WHERE a.worker_id = ANY($1::uuid[])
ON CONFLICT (assignment_id) DO NOTHING
"""


async def freeze_priority_facts(conn: asyncpg.Connection[Any], worker_ids: Sequence[UUID], zone: str) -> int:
    """Freeze the priority fact of every place these workers ever filled; returns how many
    were new."""
    status = await conn.execute(_FACTS_OF_WORKERS, list(worker_ids), zone)
    return int(status.split()[-1])


# Every (station, local day) with anything a day report counts, not yet frozen, before $2.
_UNFROZEN_DAYS = """
WITH days AS (
    SELECT station_id, (checked_in_at AT TIME ZONE $1)::date AS day FROM checkins
    UNION SELECT station_id, (created_at AT TIME ZONE $1)::date FROM orders WHERE station_id IS NOT NULL
    UNION SELECT station_id, (created_at AT TIME ZONE $1)::date FROM offers
    UNION SELECT o.station_id, (a.paid_at AT TIME ZONE $1)::date FROM assignments a
          JOIN orders o ON o.id = a.order_id WHERE a.paid_at IS NOT NULL AND o.station_id IS NOT NULL
    UNION SELECT o.station_id, (a.disputed_at AT TIME ZONE $1)::date FROM assignments a
          JOIN orders o ON o.id = a.order_id WHERE a.disputed_at IS NOT NULL AND o.station_id IS NOT NULL
)
SELECT d.station_id, d.day FROM days d
WHERE d.day < $2 AND d.day BETWEEN $3 AND $4
  AND NOT EXISTS (SELECT 1 FROM station_day_reports r WHERE r.station_id = d.station_id AND r.day = d.day)
ORDER BY d.day, d.station_id
"""


async def freeze_before_purge(
    conn: asyncpg.Connection[Any], zone: str, now: datetime, worker_ids: Sequence[UUID] = (),
) -> FreezeResult:
    """Freeze every day that is over and has activity, and every place of ``worker_ids``
    (the workers about to be anonymised), in the caller's transaction."""
    today = now.astimezone(ZoneInfo(zone)).date()
    days = await conn.fetch(_UNFROZEN_DAYS, zone, today, EARLIEST_REPORT_DAY, LATEST_REPORT_DAY)
    for row in days:
        await freeze_day(conn, row["station_id"], row["day"], zone)
    places = await freeze_priority_facts(conn, worker_ids, zone) if worker_ids else 0
    return FreezeResult(len(days), places)
