"""Overdue pay across the district: the early warning for wages not confirmed within the
settlement period, and the employers behind it.

The rule (``work/pay_clock.py``) and a station's list (``work/overdue.py``) live in ``work``,
where the station board uses them; this module groups the district's cases by employer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.work.overdue import OVERDUE_SELECT, OVERDUE_SQL, OverdueItem, overdue_item, station_overdue
from gigstation.work.pay_clock import is_overdue

__all__ = ["OVERDUE_SQL", "DistrictOverdue", "EmployerOverdue", "OverdueItem", "district_overdue",
           "is_overdue", "station_overdue"]


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


async def district_overdue(
    conn: asyncpg.Connection[Any], now: datetime, settlement_days: int, limit: int = 2000,
) -> DistrictOverdue:
    """Every station's overdue pay, and the employers behind it (most cases first)."""
    rows = await conn.fetch(OVERDUE_SELECT, now, settlement_days, None, limit)
    items = [overdue_item(r, now) for r in rows]
    groups: dict[UUID, list[asyncpg.Record]] = {}
    for r in rows:
        groups.setdefault(r["employer_id"], []).append(r)
    by_employer = sorted(
        (EmployerOverdue(k, g[0]["employer_name"], len(g), min(r["due_at"] for r in g),
                         g[0]["blacklisted_until"].isoformat() if g[0]["blacklisted_until"] else None)
         for k, g in groups.items()),
        key=lambda e: (-e.cases, e.oldest_due_at))
    return DistrictOverdue(now, settlement_days, items, by_employer)
