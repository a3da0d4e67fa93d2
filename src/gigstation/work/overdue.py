"""A station's overdue pay: the early warning on the operator's board.

An assignment's pay is **overdue** when the work has ended (active past its end, or
completed, or a no-show an operator overturned), the worker has not confirmed the pay, and
the settlement period (``Settings.settlement_days``, at most 15 under Labour Contract Law
art. 72) has passed since the end of record: the departure the employer recorded, else the
order's planned end. A wage complaint does not stop the clock; work that started is never
cancelled (``work.cancellation``), so a later cancellation or listing leaves it here.

The definition lives in ``work/pay_clock.py``; the district's list, grouped by employer, is
``oversight/overdue.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.work.pay_clock import overdue_sql

__all__ = ["OVERDUE_SELECT", "OVERDUE_SQL", "OverdueItem", "overdue_item", "station_overdue"]

# $1 = now, $2 = settlement days; alias a = assignments.
OVERDUE_SQL = overdue_sql("a", "$2::int", "$1::timestamptz")


class OverdueItem(msgspec.Struct, frozen=True):
    assignment_id: UUID
    order_id: UUID
    station_id: UUID | None
    title: str
    worker_id: UUID
    worker_name: str
    employer_id: UUID
    employer_name: str
    ended_at: datetime
    due_at: datetime
    days_overdue: int
    pay_cents: int
    pay_unit: str
    paid_cents: int | None
    paid_at: datetime | None
    disputed: bool


OVERDUE_SELECT = f"""
SELECT a.id AS assignment_id, a.order_id, o.station_id, o.title, a.worker_id,
       wu.name AS worker_name, o.employer_id, eu.name AS employer_name,
       coalesce(a.departed_at, a.ends_at) AS ended_at,
       coalesce(a.departed_at, a.ends_at) + make_interval(days => $2::int) AS due_at,
       o.pay_cents, o.pay_unit, a.paid_cents, a.paid_at, a.disputed_at IS NOT NULL AS disputed,
       e.blacklisted_until
FROM assignments a JOIN orders o ON o.id = a.order_id JOIN users wu ON wu.id = a.worker_id
JOIN users eu ON eu.id = o.employer_id JOIN employers e ON e.user_id = o.employer_id
WHERE {OVERDUE_SQL} AND ($3::uuid IS NULL OR o.station_id = $3)
ORDER BY due_at, a.id
LIMIT $4
"""


def overdue_item(r: asyncpg.Record, now: datetime) -> OverdueItem:
    days = int((now - r["due_at"]).total_seconds() // 86400)
    return OverdueItem(
        r["assignment_id"], r["order_id"], r["station_id"], r["title"], r["worker_id"],
        r["worker_name"], r["employer_id"], r["employer_name"], r["ended_at"], r["due_at"],
        days, r["pay_cents"], r["pay_unit"], r["paid_cents"], r["paid_at"], r["disputed"])


async def station_overdue(
    conn: asyncpg.Connection[Any], station_id: UUID, now: datetime, settlement_days: int,
    limit: int = 500,
) -> list[OverdueItem]:
    """A station's overdue pay, longest overdue first (shown on the operator's board)."""
    rows = await conn.fetch(OVERDUE_SELECT, now, settlement_days, station_id, limit)
    return [overdue_item(r, now) for r in rows]
