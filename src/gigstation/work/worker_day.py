"""A worker's day as their phone shows it: the open check-in, today's jobs and the job history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from gigstation.stations.checkins import CheckinView
from gigstation.work.assignments import HOURS_OF_RECORD, HOURS_STATE, HoursState

__all__ = ["Job", "job_history", "open_checkin", "pay_status", "todays_jobs"]

PayStatus = Literal["unpaid", "paid", "confirmed", "disputed", "none"]


class Job(msgspec.Struct, frozen=True):
    """One assignment with what the worker needs to get there and to be paid."""

    id: UUID
    order_id: UUID
    title: str
    skill: str
    address: str
    lat: float
    lon: float
    located: bool
    starts_at: datetime
    ends_at: datetime
    pay_cents: int
    pay_unit: str
    employer_id: UUID
    employer_name: str
    employer_verified: bool
    contact_name: str
    employer_phone: str | None  # only while the job is active, and only if the employer shares it
    status: Literal["active", "completed", "no_show", "cancelled"]
    hours: float | None
    paid_cents: int | None
    paid_at: datetime | None
    pay_confirmed_at: datetime | None
    disputed_at: datetime | None
    rated_stars: int | None
    arrived_at: datetime | None = None
    departed_at: datetime | None = None
    hours_state: HoursState = "planned"
    hours_confirm_by: datetime | None = None
    hours_of_record: float = 0.0
    """Confirmed (or decided) hours, else the planned ones (work.timesheet)."""
    desk_confirmed_pay: bool = False
    """The station's desk, not the worker, said the pay arrived (the worker is told)."""
    desk_disputed: bool = False
    """The station's desk filed the wage complaint for the worker."""

    @property
    def pay_status(self) -> PayStatus:
        """待付 / 已付 / 已确认 / 已投诉, or none for work that was not done."""
        return pay_status(self)

    @property
    def expected_cents(self) -> int:
        """The pay due: hourly pay times the hours of record (the planned hours until the
        worker confirms recorded ones), or the day or piece rate. The employer's own figure
        at completion (``hours``) does not change it."""
        if self.pay_unit == "hour":
            return int(self.pay_cents * self.hours_of_record + 0.5)
        return self.pay_cents

    @property
    def recorded_hours(self) -> float | None:
        """Arrival to departure as scanned, awaiting or past the worker's answer."""
        if self.arrived_at is None or self.departed_at is None:
            return None
        return round((self.departed_at - self.arrived_at).total_seconds() / 3600, 2)


def pay_status(job: Job) -> PayStatus:
    """Where the pay of one job stands, from the worker's side."""
    if job.status in ("cancelled", "no_show"):
        return "none"
    if job.disputed_at is not None:
        return "disputed"
    if job.pay_confirmed_at is not None:
        return "confirmed"
    if job.paid_at is not None:
        return "paid"
    return "unpaid"


_OPEN_CHECKIN = """
SELECT id, worker_id, station_id, status, distance_m, by_operator IS NOT NULL AS by_operator,
       available_until, max_distance_m, checked_in_at, left_at
FROM checkins WHERE worker_id = $1 AND status = 'waiting'
"""
_JOBS = f"""
SELECT a.id, a.order_id, o.title, o.skill, o.address, o.lat, o.lon, o.located, a.starts_at, a.ends_at,
       o.pay_cents, o.pay_unit, o.employer_id, u.name AS employer_name,
       e.verified_at IS NOT NULL AS employer_verified, e.contact_name, a.status,
       CASE WHEN e.share_phone_with_crew AND a.status = 'active' THEN u.phone END AS employer_phone,
       a.hours::float8 AS hours, a.paid_cents, a.paid_at, a.pay_confirmed_at, a.disputed_at,
       r.stars AS rated_stars, a.arrived_at, a.departed_at, {HOURS_STATE} AS hours_state,
       a.hours_confirm_by, {HOURS_OF_RECORD} AS hours_of_record,
       a.pay_confirmed_by IS NOT NULL AS desk_confirmed_pay, a.disputed_by IS NOT NULL AS desk_disputed
FROM assignments a
JOIN orders o ON o.id = a.order_id
JOIN employers e ON e.user_id = o.employer_id
JOIN users u ON u.id = o.employer_id
LEFT JOIN ratings r ON r.assignment_id = a.id AND r.rater_id = a.worker_id
WHERE a.worker_id = $1
"""
# Today's jobs: not over yet, or arrived and still to be scanned out (departure can be
# recorded until 12 hours after the planned end: work.timesheet).
_TODAY = _JOBS + """ AND ((a.status = 'active' AND a.ends_at > $2)
      OR (a.status IN ('active', 'completed') AND a.hours_state = 'arrived'
          AND a.ends_at + interval '12 hours' > $2))
ORDER BY a.starts_at, a.id"""
_HISTORY = _JOBS + " ORDER BY a.starts_at DESC, a.id LIMIT $2"


async def open_checkin(conn: asyncpg.Connection[Any], worker_id: UUID) -> CheckinView | None:
    """The worker's check-in that is still waiting, if any."""
    row = await conn.fetchrow(_OPEN_CHECKIN, worker_id)
    return None if row is None else msgspec.convert(dict(row), CheckinView)


async def todays_jobs(conn: asyncpg.Connection[Any], worker_id: UUID, now: datetime) -> list[Job]:
    """Accepted jobs not yet over (or whose departure is still to be scanned), soonest first."""
    return [msgspec.convert(dict(r), Job) for r in await conn.fetch(_TODAY, worker_id, now)]


async def job_history(conn: asyncpg.Connection[Any], worker_id: UUID, limit: int = 50) -> list[Job]:
    """All the worker's jobs, newest first."""
    return [msgspec.convert(dict(r), Job) for r in await conn.fetch(_HISTORY, worker_id, limit)]
