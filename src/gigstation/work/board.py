"""The operator's live board: who is waiting, and the open orders this station dispatches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.work.offers import OFFER_COLUMNS, OFFER_FROM, OfferView, offer_view
from gigstation.work.orders import GUIDANCE_COLUMNS, GUIDANCE_JOIN, OrderView, order_view
from gigstation.work.overdue import OverdueItem, station_overdue

__all__ = ["Board", "WaitingWorker", "station_board"]


class WaitingWorker(msgspec.Struct, frozen=True):
    checkin_id: UUID
    worker_id: UUID
    name: str
    skills: list[str]
    priority_groups: list[str]
    minor: bool
    checked_in_at: datetime
    available_until: datetime
    max_distance_m: int
    by_operator: bool
    priority_expires_on: dict[str, date] = {}
    """The last day each priority group's evidence counts (oversight.priority)."""


class Board(msgspec.Struct, frozen=True):
    station_id: UUID
    waiting: list[WaitingWorker]
    open_orders: list[OrderView]
    offers: list[OfferView]
    # Pay not confirmed within the settlement period (work.overdue).
    overdue: list[OverdueItem] = []


_WAITING = """
SELECT c.id AS checkin_id, c.worker_id, u.name,
       active_priority_groups(w.user_id, w.priority_groups, now()) AS priority_groups,
       coalesce(w.adult_from > (now() AT TIME ZONE 'Asia/Shanghai')::date, false) AS minor, c.checked_in_at,
       c.available_until, c.max_distance_m, c.by_operator IS NOT NULL AS by_operator,
       coalesce(array_agg(s.skill ORDER BY s.skill) FILTER (WHERE s.status = 'active'), '{}')
           AS skills
FROM checkins c JOIN users u ON u.id = c.worker_id JOIN workers w ON w.user_id = c.worker_id
LEFT JOIN worker_skills s ON s.worker_id = c.worker_id
WHERE c.station_id = $1 AND c.status = 'waiting' AND c.available_until > now()
GROUP BY c.id, u.id, w.user_id
ORDER BY c.checked_in_at, c.id
LIMIT $2
"""
_OPEN_ORDERS = f"""
SELECT o.id, o.employer_id, u.name AS employer_name, e.verified_at IS NOT NULL AS employer_verified,
       o.station_id, o.title, o.description, o.skill, o.headcount, o.filled, o.starts_at,
       o.ends_at, o.lat, o.lon, o.address, o.pay_cents, o.pay_unit, o.status, o.created_at,
       {GUIDANCE_COLUMNS}
FROM orders o JOIN employers e ON e.user_id = o.employer_id JOIN users u ON u.id = o.employer_id
{GUIDANCE_JOIN}
WHERE o.station_id = $1 AND o.status = 'open' AND o.ends_at > now()
ORDER BY o.starts_at, o.id
LIMIT $2
"""

_EXPIRIES = """
SELECT worker_id, grp, expires_on FROM priority_group_evidence
WHERE worker_id = ANY($1::uuid[]) AND replaced_at IS NULL AND recorded_at <= now() AND expires_at > now()
"""
_LIVE_OFFERS = f"""
SELECT {OFFER_COLUMNS} {OFFER_FROM}
WHERE f.station_id = $1 AND f.status = 'offered' AND f.expires_at > now()
ORDER BY f.expires_at, f.id LIMIT $2
"""


async def station_board(
    conn: asyncpg.Connection[Any], station_id: UUID, limit: int = 500,
    *, now: datetime | None = None, settlement_days: int = 15,
) -> Board:
    """Waiting workers (oldest first) and open orders (soonest first)."""
    waiting = [msgspec.convert(dict(r), WaitingWorker) for r in await conn.fetch(_WAITING, station_id, limit)]
    expiries: dict[UUID, dict[str, date]] = {}
    for r in await conn.fetch(_EXPIRIES, [w.worker_id for w in waiting]):
        expiries.setdefault(r["worker_id"], {})[r["grp"]] = r["expires_on"]
    waiting = [msgspec.structs.replace(w, priority_expires_on=expiries.get(w.worker_id, {})) for w in waiting]
    orders = [order_view(r) for r in await conn.fetch(_OPEN_ORDERS, station_id, limit)]
    live = [offer_view(r) for r in await conn.fetch(_LIVE_OFFERS, station_id, limit)]
    overdue = [] if now is None else await station_overdue(conn, station_id, now, settlement_days)
    return Board(station_id, waiting, orders, live, overdue)
