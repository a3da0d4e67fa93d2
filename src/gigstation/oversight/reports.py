"""A station's day in figures, computed by PostgreSQL in one statement.

"The day" is the local calendar date in the service's zone, [00:00, next 00:00). What
counts:

- check-ins: check-ins at the station that day (a worker who comes back counts twice);
- orders and slots posted: orders the station dispatches that were posted that day, and
  their headcount, cancelled ones included;
- slots filled: assignments of those orders that are active, completed or no-show
  (a no-show was filled as far as dispatch goes); fill rate = filled / posted;
- minutes from check-in to offer: for each check-in that day, the first offer the worker
  got from the station after checking in; the median over check-ins that got one;
- minutes from order to full: for each order posted that day that filled up, from posting
  to the creation of its ``headcount``-th assignment; the median over those orders;
- offers: offers the station made that day, by their status now (``offered`` = still
  live), and their mean distance;
- wages paid: pay recorded that day on the station's assignments;
- priority share: of the slots filled, the share that went to workers in a priority group
  with papers in force when they accepted, or aged 50 or more that day (the same test
  dispatch uses for its priority bonus; an offer's stored ``priority`` number also counts
  waiting time, so it is not used here). Once frozen (oversight.snapshots), a place's
  fact is read from ``assignment_priority_facts`` and no later change rewrites it;
- disputes opened: wage complaints filed that day on the station's assignments.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.platform.errors import Invalid

__all__ = ["EARLIEST_REPORT_DAY", "LATEST_REPORT_DAY", "StationReport", "check_report_day", "day_bounds",
           "station_report"]

# Reports exist for days the service can have run. The calendar's ends (0001-01-01,
# 9999-12-31) would overflow a day's bounds in the zone, so every report date and period
# is held to this range (422 otherwise).
EARLIEST_REPORT_DAY = date(2000, 1, 1)
LATEST_REPORT_DAY = date(2099, 12, 31)


def check_report_day(day: date, field: str = "date") -> None:
    """A report date must lie in [2000-01-01, 2099-12-31] (a 422 naming the field)."""
    if not EARLIEST_REPORT_DAY <= day <= LATEST_REPORT_DAY:
        raise Invalid.of_field(field, f"日期须在 {EARLIEST_REPORT_DAY} 到 {LATEST_REPORT_DAY} 之间",
                               f"must be between {EARLIEST_REPORT_DAY} and {LATEST_REPORT_DAY}")


class StationReport(msgspec.Struct, frozen=True, omit_defaults=True):
    station_id: UUID
    day: date
    timezone: str
    checkins: int
    workers_checked_in: int
    orders_posted: int
    slots_posted: int
    slots_filled: int
    fill_rate: float
    median_minutes_checkin_to_offer: float | None
    median_minutes_order_to_full: float | None
    offers_made: int
    offers_accepted: int
    offers_declined: int
    offers_expired: int
    offers_withdrawn: int
    offers_live: int
    average_offer_distance_m: float | None
    completed: int
    no_shows: int
    wages_paid_cents: int
    filled_by_priority_workers: int
    priority_share: float
    disputes_opened: int
    frozen_at: datetime | None = None
    """When the day's figures were frozen (oversight.snapshots); absent while the day runs."""


def day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight (23 or 25 hours across a DST change)."""
    tz = ZoneInfo(zone)
    return (datetime.combine(day, time.min, tzinfo=tz),
            datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz))


# Did a filled place go to a priority worker when it was accepted: groups with papers in force
# then, or aged 50 or more that day (the stored month facts). Shared with oversight.snapshots
# and oversight.performance; {a} the assignment, {w} the worker, {zone} the zone's name.
PRIORITY_AT_ACCEPT = """(cardinality(active_priority_groups({w}.user_id, {w}.priority_groups, {a}.created_at)) > 0
    OR coalesce({w}.priority_age_from <= ({a}.created_at AT TIME ZONE {zone})::date, false))"""

_REPORT = f"""
WITH
day_checkins AS (
    SELECT c.id, c.worker_id, c.checked_in_at FROM checkins c
    WHERE c.station_id = $1 AND c.checked_in_at >= $2 AND c.checked_in_at < $3
),
first_offers AS (
    SELECT extract(epoch FROM (
               SELECT min(f.created_at) FROM offers f
               WHERE f.worker_id = c.worker_id AND f.station_id = $1
                 AND f.created_at >= c.checked_in_at)
           - c.checked_in_at) / 60.0 AS minutes
    FROM day_checkins c
),
day_orders AS (
    SELECT o.id, o.headcount, o.created_at FROM orders o
    WHERE o.station_id = $1 AND o.created_at >= $2 AND o.created_at < $3
),
filled AS (
    SELECT a.id, a.worker_id, a.status, a.created_at FROM assignments a JOIN day_orders o ON o.id = a.order_id
    WHERE a.status IN ('active', 'completed', 'no_show')
),
ranked AS (
    SELECT a.order_id, a.created_at,
           row_number() OVER (PARTITION BY a.order_id ORDER BY a.created_at, a.id) AS n
    FROM assignments a JOIN day_orders o ON o.id = a.order_id
),
full_times AS (
    SELECT extract(epoch FROM r.created_at - o.created_at) / 60.0 AS minutes
    FROM day_orders o JOIN ranked r ON r.order_id = o.id AND r.n = o.headcount
),
day_offers AS (
    SELECT f.status, f.distance_m FROM offers f
    WHERE f.station_id = $1 AND f.created_at >= $2 AND f.created_at < $3
),
station_assignments AS (
    SELECT a.paid_cents, a.paid_at, a.disputed_at FROM assignments a
    JOIN orders o ON o.id = a.order_id WHERE o.station_id = $1
)
SELECT
    (SELECT count(*) FROM day_checkins)::int AS checkins,
    (SELECT count(DISTINCT worker_id) FROM day_checkins)::int AS workers_checked_in,
    (SELECT count(*) FROM day_orders)::int AS orders_posted,
    (SELECT coalesce(sum(headcount), 0) FROM day_orders)::int AS slots_posted,
    (SELECT count(*) FROM filled)::int AS slots_filled,
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes) FROM first_offers
        WHERE minutes IS NOT NULL) AS median_minutes_checkin_to_offer,
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes) FROM full_times)
        AS median_minutes_order_to_full,
    (SELECT count(*) FROM day_offers)::int AS offers_made,
    (SELECT count(*) FILTER (WHERE status = 'accepted') FROM day_offers)::int AS offers_accepted,
    (SELECT count(*) FILTER (WHERE status = 'declined') FROM day_offers)::int AS offers_declined,
    (SELECT count(*) FILTER (WHERE status = 'expired') FROM day_offers)::int AS offers_expired,
    (SELECT count(*) FILTER (WHERE status = 'withdrawn') FROM day_offers)::int AS offers_withdrawn,
    (SELECT count(*) FILTER (WHERE status = 'offered') FROM day_offers)::int AS offers_live,
    (SELECT avg(distance_m) FROM day_offers)::float8 AS average_offer_distance_m,
    (SELECT count(*) FILTER (WHERE status = 'completed') FROM filled)::int AS completed,
    (SELECT count(*) FILTER (WHERE status = 'no_show') FROM filled)::int AS no_shows,
    (SELECT coalesce(sum(paid_cents), 0) FROM station_assignments
        WHERE paid_at >= $2 AND paid_at < $3)::bigint AS wages_paid_cents,
    (SELECT count(*) FROM filled f JOIN workers w ON w.user_id = f.worker_id
        LEFT JOIN assignment_priority_facts ap ON ap.assignment_id = f.id
        WHERE coalesce(ap.priority, {PRIORITY_AT_ACCEPT.format(a="f", w="w", zone="$4::text")}))::int
        AS filled_by_priority_workers,
    (SELECT count(*) FROM station_assignments
        WHERE disputed_at >= $2 AND disputed_at < $3)::int AS disputes_opened
"""


async def station_report(
    conn: asyncpg.Connection[Any], station_id: UUID, day: date, zone: str
) -> StationReport:
    """The day's figures for one station (see the module docstring for each definition)."""
    start, end = day_bounds(day, zone)
    row = await conn.fetchrow(_REPORT, station_id, start, end, zone)
    assert row is not None  # a SELECT without FROM always returns one row
    r = dict(row)
    posted, filled = r["slots_posted"], r["slots_filled"]
    for key in ("median_minutes_checkin_to_offer", "median_minutes_order_to_full",
                "average_offer_distance_m"):
        r[key] = None if r[key] is None else round(float(r[key]), 2)
    return StationReport(
        station_id=station_id,
        day=day,
        timezone=zone,
        fill_rate=round(filled / posted, 4) if posted else 0.0,
        priority_share=round(r["filled_by_priority_workers"] / filled, 4) if filled else 0.0,
        **r,
    )
