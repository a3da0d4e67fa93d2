"""Part-time working hours with one employer (Labour Contract Law art. 68).

Non-full-time work (非全日制用工) is "on average no more than 4 hours a day and no more than
24 hours a week with the same employer". gigstation reads that as:

* the **week** runs Monday 00:00 to the next Monday 00:00 in the station's time zone
  (``Settings.timezone``); a job crossing Sunday midnight counts in both weeks by the hours
  that fall in each;
* a worker's **hours with an employer** are the hours of record of each active or
  completed assignment on that employer's orders: from arrival to departure when the
  employer recorded them (``work.agreements``), else the order's planned start and end;
* the **24-hour week** is a hard limit: dispatch never offers, and accept refuses, a job
  that would take the total past 24 hours in any week it touches;
* the **4-hour daily average** is averaged over the days of that week on which the worker
  worked for the employer; passing it warns the employer (an event, and a field on the
  order's crew) but does not refuse the job: the law's average cannot be judged from one
  day, and refusing would push workers off a day they chose to work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta, tzinfo
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

__all__ = [
    "DAILY_AVERAGE_LIMIT_H",
    "WEEKLY_LIMIT_H",
    "WeekHours",
    "intervals_by_pair",
    "week_hours",
    "week_start",
    "week_summary",
    "would_exceed_week",
]

WEEKLY_LIMIT_H = 24.0
DAILY_AVERAGE_LIMIT_H = 4.0
_EPS = 1e-9

Interval = tuple[datetime, datetime]


class WeekHours(msgspec.Struct, frozen=True):
    """A worker's hours with one employer in one week."""

    week_start: datetime
    hours: float
    days_worked: int
    average_per_day: float
    weekly_limit_h: float = WEEKLY_LIMIT_H
    daily_average_limit_h: float = DAILY_AVERAGE_LIMIT_H
    over_daily_average: bool = False


def week_start(t: datetime, tz: tzinfo) -> datetime:
    """Monday 00:00 of the week holding ``t``, in ``tz``."""
    local = t.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(), tzinfo=tz)


def _overlap_h(intervals: Iterable[Interval], lo: datetime, hi: datetime) -> float:
    total = 0.0
    for s, e in intervals:
        seconds = (min(e, hi) - max(s, lo)).total_seconds()
        if seconds > 0:
            total += seconds / 3600
    return total


def week_hours(intervals: Iterable[Interval], start: datetime) -> float:
    """Hours of the intervals that fall in the week beginning ``start``."""
    return _overlap_h(intervals, start, start + timedelta(days=7))


def would_exceed_week(existing: Sequence[Interval], new: Interval, tz: tzinfo) -> bool:
    """Whether adding ``new`` takes any week it touches past the 24-hour limit."""
    ws = week_start(new[0], tz)
    while ws < new[1]:
        if week_hours([*existing, new], ws) > WEEKLY_LIMIT_H + _EPS:
            return True
        ws = week_start(ws + timedelta(days=7, hours=12), tz)  # next Monday, DST-safe
    return False


def week_summary(intervals: Sequence[Interval], at: datetime, tz: tzinfo) -> WeekHours:
    """Hours, days worked and the daily average in the week holding ``at``."""
    ws = week_start(at, tz)
    hours = week_hours(intervals, ws)
    days = set()
    for day in range(7):
        lo = datetime.combine(ws.date() + timedelta(days=day), time(), tzinfo=tz)
        if _overlap_h(intervals, lo, datetime.combine(lo.date() + timedelta(days=1), time(),
                                                      tzinfo=tz)) > 0:
            days.add(day)
    average = hours / len(days) if days else 0.0
    return WeekHours(ws, round(hours, 2), len(days), round(average, 2),
                     over_daily_average=average > DAILY_AVERAGE_LIMIT_H + _EPS)


_INTERVALS = """
SELECT a.worker_id, o.employer_id, coalesce(a.arrived_at, a.starts_at) AS s,
       coalesce(a.departed_at, a.ends_at) AS e
FROM assignments a JOIN orders o ON o.id = a.order_id
WHERE a.worker_id = ANY($1::uuid[]) AND o.employer_id = ANY($2::uuid[])
  AND a.status IN ('active', 'completed') AND a.ends_at > $3 AND a.starts_at < $4
  AND a.id <> ALL($5::uuid[])
"""


async def intervals_by_pair(
    conn: asyncpg.Connection[Any], workers: Sequence[UUID], employers: Sequence[UUID],
    lo: datetime, hi: datetime, exclude: Sequence[UUID] = (),
) -> dict[tuple[UUID, UUID], list[Interval]]:
    """Hours of record per (worker, employer) of assignments touching [lo, hi)."""
    out: dict[tuple[UUID, UUID], list[Interval]] = {}
    # A day's margin: recorded arrival and departure may differ from the plan.
    rows = await conn.fetch(_INTERVALS, list(workers), list(employers), lo - timedelta(days=1),
                            hi + timedelta(days=1), list(exclude))
    for r in rows:
        out.setdefault((r["worker_id"], r["employer_id"]), []).append((r["s"], r["e"]))
    return out
