"""Overdue pay: the early warning for wages not confirmed within the settlement period.

An assignment's pay is **overdue** when the work has ended (active past its end, or
completed), the worker has not confirmed the pay, and the settlement period
(``Settings.settlement_days``, at most 15 under Labour Contract Law art. 72) has passed since
the end of record: the departure the employer recorded, else the order's planned end. A
no-show or a cancelled job owes nothing. A wage complaint does not stop the clock.

The definition itself lives in ``oversight/pay_clock.py``, shared with the reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.oversight.pay_clock import is_overdue, overdue_sql

__all__ = ["OVERDUE_SQL", "DistrictOverdue", "EmployerOverdue", "OverdueItem", "district_overdue",
           "is_overdue", "station_overdue"]

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


class EmployerOverdue(msgspec.Struct, frozen=True):
    employer_id: UUID
    employer_name: str
    cases: int
    oldest_due_at: datetime
    blacklisted_until: str | None


class DistrictOverdue(msgspec.Struct, frozen=True):
    as_of: datetime
    settlement_days: int
    items: list[OverdueItem]
    by_employer: list[EmployerOverdue]


_SELECT = f"""
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


def _item(r: asyncpg.Record, now: datetime) -> OverdueItem:
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
    rows = await conn.fetch(_SELECT, now, settlement_days, station_id, limit)
    return [_item(r, now) for r in rows]


async def district_overdue(
    conn: asyncpg.Connection[Any], now: datetime, settlement_days: int, limit: int = 2000,
) -> DistrictOverdue:
    """Every station's overdue pay, and the employers behind it (most cases first)."""
    rows = await conn.fetch(_SELECT, now, settlement_days, None, limit)
    items = [_item(r, now) for r in rows]
    groups: dict[UUID, list[asyncpg.Record]] = {}
    for r in rows:
        groups.setdefault(r["employer_id"], []).append(r)
    by_employer = sorted(
        (EmployerOverdue(k, g[0]["employer_name"], len(g), min(r["due_at"] for r in g),
                         g[0]["blacklisted_until"].isoformat() if g[0]["blacklisted_until"] else None)
         for k, g in groups.items()),
        key=lambda e: (-e.cases, e.oldest_due_at))
    return DistrictOverdue(now, settlement_days, items, by_employer)
