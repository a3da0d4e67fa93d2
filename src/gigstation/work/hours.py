"""Part-time working hours with one employer (Labour Contract Law art. 68) and the rules for
recording them.

Non-full-time work (非全日制用工) is "on average no more than 4 hours a day and no more than
24 hours a week with the same employer". gigstation enforces it as a labour inspector reads
a timesheet:

* the **week** runs Monday 00:00 to the next Monday 00:00 in the station's time zone
  (``Settings.timezone``); a job crossing Sunday midnight counts in both weeks by the hours
  that fall in each. **24 hours a week** with one employer is a hard limit;
* the **4-hour daily average** is over the six working days of that week (Labour Law
  art. 38 guarantees one rest day; 24 = 4 x 6), so the weekly limit is that average;
* **one day** is capped separately, since an average allows a long day: at most
  ``day_cap_h`` hours (a setting, default 8: the standard working day of Labour Law art. 36
  and the State Council's Provisions on Working Hours art. 3) with one employer in **any 24
  hours**. A rolling window, not a calendar day, so two shifts either side of midnight
  cannot make a 16-hour day; an order longer than the cap is refused at posting;
* a job's hours for these limits are the **larger** of the planned hours and the hours
  recorded on site (``work.timesheet``): planned hours count until hours are recorded, and
  recording fewer hours never makes room for more work.

Dispatch never offers, and accept refuses, a job that would break either limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta, tzinfo
from typing import Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform.config import Settings

__all__ = [
    "DAILY_AVERAGE_LIMIT_H",
    "DEFAULT_RULES",
    "WEEKLY_LIMIT_H",
    "HoursRules",
    "LimitBreach",
    "WeekHours",
    "intervals_by_pair",
    "limit_breach",
    "most_in_24h",
    "week_hours",
    "week_start",
    "week_summary",
    "would_exceed_day",
    "would_exceed_week",
]

WEEKLY_LIMIT_H = 24.0
DAILY_AVERAGE_LIMIT_H = 4.0
WORKING_DAYS_PER_WEEK = 6
_EPS = 1e-9
_DAY = timedelta(hours=24)

Interval = tuple[datetime, datetime]
LimitBreach = Literal["weekly_hours_exceeded", "daily_hours_exceeded"]


class HoursRules(msgspec.Struct, frozen=True):
    """The settings that decide how hours are recorded and limited (README, public-service
    rules); stored in each agreement as the rules in force when it was made."""

    day_cap_h: float = 8.0
    arrival_margin_min: int = 30
    min_work_min: int = 30
    confirm_window_h: int = 72
    weekly_limit_h: float = WEEKLY_LIMIT_H

    @classmethod
    def of(cls, settings: Settings) -> HoursRules:
        """The rules the settings give."""
        return cls(day_cap_h=settings.daily_hours_cap, arrival_margin_min=settings.arrival_margin_min,
                   min_work_min=settings.min_work_min, confirm_window_h=settings.hours_confirm_window_h)

    @property
    def arrival_margin(self) -> timedelta:
        return timedelta(minutes=self.arrival_margin_min)

    @property
    def min_work(self) -> timedelta:
        return timedelta(minutes=self.min_work_min)

    @property
    def confirm_window(self) -> timedelta:
        return timedelta(hours=self.confirm_window_h)


DEFAULT_RULES = HoursRules()


class WeekHours(msgspec.Struct, frozen=True):
    """A worker's hours with one employer in one week."""

    week_start: datetime
    hours: float
    days_worked: int
    average_per_day: float
    """Over the six working days of the week (see the module docstring)."""
    weekly_limit_h: float = WEEKLY_LIMIT_H
    daily_average_limit_h: float = DAILY_AVERAGE_LIMIT_H
    over_daily_average: bool = False
    most_in_24h: float = 0.0
    """The most hours in any 24 hours of the week with this employer."""
    day_cap_h: float = DEFAULT_RULES.day_cap_h


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


def _windows(intervals: Sequence[Interval]) -> Iterable[tuple[datetime, datetime]]:
    # The hours inside a sliding 24-hour window change slope only where the window's start or
    # end meets an interval's start or end; the maximum is at a window that starts where an
    # interval starts or ends where one ends.
    for s, e in intervals:
        yield s, s + _DAY
        yield e - _DAY, e


def most_in_24h(intervals: Sequence[Interval], touching: Interval | None = None) -> float:
    """The most hours of ``intervals`` inside any 24 hours (only windows meeting ``touching``
    when given)."""
    best = 0.0
    for lo, hi in _windows(intervals):
        if touching is not None and (hi <= touching[0] or lo >= touching[1]):
            continue
        best = max(best, _overlap_h(intervals, lo, hi))
    return best


def would_exceed_day(existing: Sequence[Interval], new: Interval, cap_h: float) -> bool:
    """Whether adding ``new`` puts more than ``cap_h`` hours into some 24 hours."""
    return most_in_24h([*existing, new], new) > cap_h + _EPS


def limit_breach(
    existing: Sequence[Interval], new: Interval, tz: tzinfo, cap_h: float
) -> LimitBreach | None:
    """Which part-time limit adding ``new`` would break, if any (the day's first)."""
    if would_exceed_day(existing, new, cap_h):
        return "daily_hours_exceeded"
    if would_exceed_week(existing, new, tz):
        return "weekly_hours_exceeded"
    return None


def week_summary(
    intervals: Sequence[Interval], at: datetime, tz: tzinfo, day_cap_h: float = DEFAULT_RULES.day_cap_h
) -> WeekHours:
    """Hours, days worked, the daily average and the longest 24 hours in the week of ``at``."""
    ws = week_start(at, tz)
    hours = week_hours(intervals, ws)
    days = set()
    for day in range(7):
        lo = datetime.combine(ws.date() + timedelta(days=day), time(), tzinfo=tz)
        if _overlap_h(intervals, lo, datetime.combine(lo.date() + timedelta(days=1), time(),
                                                      tzinfo=tz)) > 0:
            days.add(day)
    in_week = [(max(s, ws), min(e, ws + timedelta(days=7))) for s, e in intervals
               if e > ws and s < ws + timedelta(days=7)]
    average = hours / WORKING_DAYS_PER_WEEK
    return WeekHours(ws, round(hours, 2), len(days), round(average, 2),
                     over_daily_average=average > DAILY_AVERAGE_LIMIT_H + _EPS,
                     most_in_24h=round(most_in_24h(in_week), 2), day_cap_h=day_cap_h)


# Each job counts with the longer of its planned interval and the interval recorded on site
# (arrival to departure, or the times an operator decided after a contest).
_INTERVALS = """
SELECT a.worker_id, o.employer_id,
       CASE WHEN a.departed_at - a.arrived_at > a.ends_at - a.starts_at THEN a.arrived_at
            ELSE a.starts_at END AS s,
       CASE WHEN a.departed_at - a.arrived_at > a.ends_at - a.starts_at THEN a.departed_at
            ELSE a.ends_at END AS e
FROM assignments a JOIN orders o ON o.id = a.order_id
WHERE a.worker_id = ANY($1::uuid[]) AND o.employer_id = ANY($2::uuid[])
  AND a.status IN ('active', 'completed') AND a.ends_at > $3 AND a.starts_at < $4
  AND a.id <> ALL($5::uuid[])
"""


async def intervals_by_pair(
    conn: asyncpg.Connection[Any], workers: Sequence[UUID], employers: Sequence[UUID],
    lo: datetime, hi: datetime, exclude: Sequence[UUID] = (),
) -> dict[tuple[UUID, UUID], list[Interval]]:
    """The hours counted for the limits, per (worker, employer), of jobs touching [lo, hi)."""
    out: dict[tuple[UUID, UUID], list[Interval]] = {}
    # A day's margin: recorded arrival and departure may differ from the plan.
    rows = await conn.fetch(_INTERVALS, list(workers), list(employers), lo - timedelta(days=1),
                            hi + timedelta(days=1), list(exclude))
    for r in rows:
        out.setdefault((r["worker_id"], r["employer_id"]), []).append((r["s"], r["e"]))
    return out
