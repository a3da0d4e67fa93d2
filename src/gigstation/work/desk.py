"""The operator answering an offer for a person at the desk who has no smartphone.

Station-scoped: an operator may answer only offers made by one of their stations. The
answer goes through the same transaction as the worker's own (work/offers.py), and the
audit row names the operator as the actor and the worker as ``on_behalf_of``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.people.workers import WorkerView, get_worker
from gigstation.platform import audit
from gigstation.platform.errors import NotFound
from gigstation.stations.checkins import CheckinView
from gigstation.stations.registry import operator_station_ids
from gigstation.work.hours import DEFAULT_RULES, HoursRules
from gigstation.work.offers import (
    AssignmentView,
    OfferView,
    accept_offer,
    decline_offer,
    list_live_offers,
)

__all__ = [
    "DeskJob",
    "DeskPerson",
    "accept_for_worker",
    "clear_pairing",
    "decline_for_worker",
    "desk_offer_worker",
    "desk_person",
]

_OFFER = "SELECT worker_id, station_id FROM offers WHERE id = $1"


async def desk_offer_worker(conn: asyncpg.Connection[Any], operator_id: UUID, offer_id: UUID) -> UUID:
    """The worker an offer was made to, if the offer is from one of the operator's stations."""
    row = await conn.fetchrow(_OFFER, offer_id)
    if row is None or row["station_id"] not in await operator_station_ids(conn, operator_id):
        # Other stations' offers look missing, as everywhere else: ids are not an oracle.
        raise NotFound("邀约不存在", "no such offer")
    worker_id: UUID = row["worker_id"]
    return worker_id


async def accept_for_worker(
    conn: asyncpg.Connection[Any], operator_id: UUID, offer_id: UUID, zone: str = "Asia/Shanghai",
    rules: HoursRules = DEFAULT_RULES,
) -> AssignmentView:
    """Accept on the worker's behalf (they said yes at the desk)."""
    worker_id = await desk_offer_worker(conn, operator_id, offer_id)
    return await accept_offer(conn, worker_id, offer_id, zone, actor=operator_id, rules=rules)


async def decline_for_worker(
    conn: asyncpg.Connection[Any], operator_id: UUID, offer_id: UUID
) -> OfferView:
    """Decline on the worker's behalf (they said no at the desk)."""
    worker_id = await desk_offer_worker(conn, operator_id, offer_id)
    return await decline_offer(conn, worker_id, offer_id, actor=operator_id)


_CLEAR = "DELETE FROM pairings WHERE station_id = $1 AND worker_id = $2 AND order_id = $3 RETURNING kind"


async def clear_pairing(
    conn: asyncpg.Connection[Any], station_id: UUID, operator_id: UUID, worker_id: UUID, order_id: UUID
) -> bool:
    """Remove a pin or forbid; True if there was one."""
    kind = await conn.fetchval(_CLEAR, station_id, worker_id, order_id)
    if kind is not None:
        await audit.record(conn, operator_id, "pairing.clear", "order", order_id,
                           {"worker_id": str(worker_id), "kind": kind})
    return kind is not None


class DeskJob(msgspec.Struct, frozen=True):
    assignment_id: UUID
    title: str
    address: str
    lat: float
    lon: float
    starts_at: datetime
    ends_at: datetime
    pay_cents: int
    pay_unit: str
    employer_name: str
    employer_phone: str


class DeskPerson(msgspec.Struct, frozen=True):
    """What the operator needs about the person standing at the desk."""

    worker: WorkerView
    flags: list[str]
    checkin: CheckinView | None
    waiting_here: bool
    offers: list[OfferView]
    jobs: list[DeskJob]


_OPEN_CHECKIN = """
SELECT id, worker_id, station_id, status, distance_m, by_operator IS NOT NULL AS by_operator,
       available_until, max_distance_m, checked_in_at, left_at
FROM checkins WHERE worker_id = $1 AND status = 'waiting'
"""
_PRIORITY_AGE_FROM = "SELECT priority_age_from FROM workers WHERE user_id = $1"
_JOBS = """
SELECT a.id AS assignment_id, o.title, o.address, o.lat, o.lon, a.starts_at, a.ends_at, o.pay_cents,
       o.pay_unit, u.name AS employer_name, u.phone AS employer_phone
FROM assignments a JOIN orders o ON o.id = a.order_id JOIN users u ON u.id = o.employer_id
WHERE a.worker_id = $1 AND a.status = 'active' AND a.ends_at > now()
ORDER BY a.starts_at LIMIT 10
"""


async def desk_person(
    conn: asyncpg.Connection[Any], station_id: UUID, worker_id: UUID, today: date
) -> DeskPerson:
    """The worker (with the board's priority flags), their open check-in, this station's live
    offers to them, their coming jobs."""
    worker = await get_worker(conn, worker_id)
    flags = list(worker.priority_groups)
    # Only the month a person turns 50 is stored (no birth date: issue 8, fault 3).
    age_from = await conn.fetchval(_PRIORITY_AGE_FROM, worker_id)
    if age_from is not None and "age_50_plus" not in flags and age_from <= today:
        flags.append("age_50_plus")
    if worker.minor:
        flags.append("minor")
    row = await conn.fetchrow(_OPEN_CHECKIN, worker_id)
    checkin = msgspec.convert(dict(row), CheckinView) if row is not None else None
    offers = [o for o in await list_live_offers(conn, worker_id) if o.station_id == station_id]
    jobs = [msgspec.convert(dict(r), DeskJob) for r in await conn.fetch(_JOBS, worker_id)]
    return DeskPerson(worker, flags, checkin, checkin is not None and checkin.station_id == station_id,
                      offers, jobs)
