"""An order's crew as its employer sees it: who is coming, their record, their hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.platform.auth import Principal
from gigstation.work import hours
from gigstation.work.assignments import HOURS_STATE
from gigstation.work.credit import CreditRecord, credit_record
from gigstation.work.minors import is_minor_on
from gigstation.work.orders import get_order

__all__ = ["CrewMember", "order_crew"]


class CrewMember(msgspec.Struct, frozen=True):
    assignment_id: UUID
    worker_id: UUID
    worker_name: str
    status: str
    arrived_at: datetime | None
    departed_at: datetime | None
    record: CreditRecord
    week: hours.WeekHours
    """The worker's hours with this employer in the order's week (the larger of planned and
    recorded hours per job), against the weekly limit and the day's cap."""
    hours_state: str = "planned"
    """Where the hours stand: recorded times wait for the worker's answer (work.timesheet)."""
    hours_confirm_by: datetime | None = None
    minor: bool = False
    """Aged 16-17 on the job's date (work.minors): no night work, no prohibited job type."""


_CREW = f"""
SELECT a.id AS assignment_id, a.worker_id, u.name AS worker_name, a.status, a.arrived_at,
       a.departed_at, {HOURS_STATE} AS hours_state, a.hours_confirm_by, w.adult_from
FROM assignments a JOIN users u ON u.id = a.worker_id JOIN workers w ON w.user_id = a.worker_id
WHERE a.order_id = $1 ORDER BY a.created_at, a.id
"""


async def order_crew(
    conn: asyncpg.Connection[Any], who: Principal, order_id: UUID, zone: str,
    day_cap_h: float = hours.DEFAULT_RULES.day_cap_h,
) -> list[CrewMember]:
    """The order's assignments with each worker's record and week of hours."""
    order = await get_order(conn, who, order_id)
    rows = await conn.fetch(_CREW, order_id)
    worked = await hours.intervals_by_pair(
        conn, [r["worker_id"] for r in rows], [order.employer_id],
        order.starts_at - timedelta(days=8), order.starts_at + timedelta(days=8))
    tz = ZoneInfo(zone)
    return [
        CrewMember(r["assignment_id"], r["worker_id"], r["worker_name"], r["status"],
                   r["arrived_at"], r["departed_at"],
                   await credit_record(conn, r["worker_id"], "worker"),
                   hours.week_summary(worked.get((r["worker_id"], order.employer_id), []),
                                      order.starts_at, tz, day_cap_h),
                   r["hours_state"], r["hours_confirm_by"],
                   minor=is_minor_on(r["adult_from"], order.starts_at.astimezone(tz).date()))
        for r in rows
    ]
