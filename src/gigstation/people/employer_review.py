"""Employers an operator should check: those with orders at the station, unverified first."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec

__all__ = ["EmployerRow", "employers_at_station"]


class EmployerRow(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    kind: str
    contact_name: str
    phone: str
    verified: bool
    blacklisted: bool
    orders: int


_AT_STATION = """
SELECT u.id, u.name, e.kind, e.contact_name, u.phone, e.verified_at IS NOT NULL AS verified,
       coalesce(e.blacklisted_until >= current_date, false) AS blacklisted, count(o.id)::int AS orders
FROM employers e JOIN users u ON u.id = e.user_id JOIN orders o ON o.employer_id = e.user_id
WHERE o.station_id = $1
GROUP BY u.id, e.user_id
ORDER BY e.verified_at IS NOT NULL, max(o.created_at) DESC, u.id
LIMIT $2
"""


async def employers_at_station(
    conn: asyncpg.Connection[Any], station_id: UUID, limit: int = 200
) -> list[EmployerRow]:
    """Employers who posted orders to the station; the unverified first, then the latest."""
    return [msgspec.convert(dict(r), EmployerRow) for r in await conn.fetch(_AT_STATION, station_id, limit)]
