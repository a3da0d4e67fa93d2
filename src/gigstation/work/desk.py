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
from gigstation.platform.auth import Principal
from gigstation.platform.errors import NotFound
from gigstation.stations.checkins import CheckinView
from gigstation.stations.registry import operator_station_ids
from gigstation.work.assignments import Assignment, ReasonBody, not_found, visible_assignment
from gigstation.work.hours import DEFAULT_RULES, HoursRules
from gigstation.work.offers import (
    AssignmentView,
    OfferView,
    accept_offer,
    decline_offer,
    list_live_offers,
)
from gigstation.work.pay import confirm_pay, dispute
from gigstation.work.timesheet import DeskSlip, confirm_hours, contest_hours, issue_desk_slip

__all__ = [
    "DayEntry",
    "DeskJob",
    "DeskPerson",
    "JobSlip",
    "UnpaidJob",
    "accept_for_worker",
    "clear_pairing",
    "confirm_for_worker",
    "confirm_pay_for_worker",
    "contest_for_worker",
    "decline_for_worker",
    "desk_assignment",
    "desk_offer_worker",
    "desk_person",
    "dispute_for_worker",
    "person_day",
    "print_job_slip",
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
    located: bool
    starts_at: datetime
    ends_at: datetime
    pay_cents: int
    pay_unit: str
    employer_name: str
    employer_phone: str
    station_id: UUID
    status: str
    hours_state: str
    """planned, arrived or recorded (a lapsed ``recorded`` is not listed: it stands)."""
    arrived_at: datetime | None
    departed_at: datetime | None
    hours_confirm_by: datetime | None
    slip_printed: bool
    """A slip with live codes is out: printing again voids it."""
    coming: bool
    """Still ahead or under way (the person is not waiting for work meanwhile)."""

    @property
    def to_record(self) -> bool:
        """Arrival or departure is still to be scanned: a job slip helps."""
        return self.hours_state in ("planned", "arrived")

    @property
    def to_answer(self) -> bool:
        """The employer recorded both ends: the person confirms or contests the hours."""
        return self.hours_state == "recorded"


class DayEntry(msgspec.Struct, frozen=True):
    """One thing that happened to the person today, as the desk reads it back to them."""

    at: datetime
    kind: str
    """checked_in, checked_out, offer_offered/accepted/declined/expired/withdrawn, arrived,
    departed, completed, no_show, paid, pay_confirmed, disputed, job_cancelled"""
    title: str
    amount_cents: int | None = None
    by_operator: bool = False


class UnpaidJob(msgspec.Struct, frozen=True):
    """A finished job of this station with no pay confirmed and no wage complaint yet."""

    assignment_id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    employer_name: str
    paid_cents: int | None


class DeskPerson(msgspec.Struct, frozen=True):
    """What the operator needs about the person standing at the desk."""

    worker: WorkerView
    flags: list[str]
    checkin: CheckinView | None
    waiting_here: bool
    offers: list[OfferView]
    jobs: list[DeskJob]
    day: list[DayEntry] = []
    unpaid: list[UnpaidJob] = []
    """This station's finished jobs whose pay the person has not confirmed: the desk can file
    a wage complaint for them (a person without a phone has no other way)."""


_OPEN_CHECKIN = """
SELECT id, worker_id, station_id, status, distance_m, by_operator IS NOT NULL AS by_operator,
       available_until, max_distance_m, checked_in_at, left_at
FROM checkins WHERE worker_id = $1 AND status = 'waiting'
"""
_PRIORITY_AGE_FROM = "SELECT priority_age_from FROM workers WHERE user_id = $1"
# The coming jobs, and the finished ones the desk still has something to do for: a slip
# while the departure can be scanned (12 hours after the end), an answer to recorded hours
# until their confirmation window closes.
_JOBS = """
SELECT a.id AS assignment_id, o.title, o.address, o.lat, o.lon, o.located, a.starts_at, a.ends_at, o.pay_cents,
       o.pay_unit, u.name AS employer_name, u.phone AS employer_phone, o.station_id, a.status,
       a.hours_state, a.arrived_at, a.departed_at, a.hours_confirm_by,
       EXISTS (SELECT 1 FROM hours_slip_codes c WHERE c.assignment_id = a.id
               AND c.used_at IS NULL AND c.voided_at IS NULL) AS slip_printed,
       (a.status = 'active' AND a.ends_at > now()) AS coming
FROM assignments a JOIN orders o ON o.id = a.order_id JOIN users u ON u.id = o.employer_id
WHERE a.worker_id = $1 AND (
    (a.status = 'active' AND a.ends_at > now())
    OR (a.status IN ('active', 'completed') AND a.hours_state IN ('planned', 'arrived')
        AND a.ends_at > now() - interval '12 hours')
    OR (a.hours_state = 'recorded' AND a.hours_confirm_by > now()))
ORDER BY a.starts_at LIMIT 10
"""


# The same rule as a wage complaint's (work.pay._DISPUTE), for the last 60 days' jobs here.
_UNPAID = """
SELECT a.id AS assignment_id, o.title, a.starts_at, a.ends_at, u.name AS employer_name, a.paid_cents
FROM assignments a JOIN orders o ON o.id = a.order_id JOIN users u ON u.id = o.employer_id
WHERE a.worker_id = $1 AND o.station_id = $2 AND a.disputed_at IS NULL AND a.pay_confirmed_at IS NULL
  AND a.ends_at > now() - interval '60 days'
  AND (a.status = 'completed'
       OR (a.ends_at <= now() AND (a.status = 'active' OR a.arrived_at IS NOT NULL
                                   OR (a.status = 'no_show' AND a.no_show_overturned))))
ORDER BY a.ends_at DESC LIMIT 5
"""


# Everything that happened to one worker since a moment (the station's midnight): check-ins,
# every offer with how it ended, and each step of their jobs, oldest first.
_DAY = """
SELECT at, kind, title, amount_cents, by_operator FROM (
    SELECT c.checked_in_at AS at, 'checked_in' AS kind, s.name AS title, NULL::int AS amount_cents,
           c.by_operator IS NOT NULL AS by_operator
    FROM checkins c JOIN stations s ON s.id = c.station_id WHERE c.worker_id = $1 AND c.checked_in_at >= $2
    UNION ALL
    SELECT c.left_at, 'checked_out', s.name, NULL, false
    FROM checkins c JOIN stations s ON s.id = c.station_id WHERE c.worker_id = $1 AND c.left_at >= $2
    UNION ALL
    SELECT f.created_at, 'offer_' || f.status, o.title, NULL, false
    FROM offers f JOIN orders o ON o.id = f.order_id WHERE f.worker_id = $1 AND f.created_at >= $2
    UNION ALL
    SELECT step.at, step.kind, o.title, step.amount_cents, false
    FROM assignments a JOIN orders o ON o.id = a.order_id
    CROSS JOIN LATERAL (VALUES
        (a.arrived_at, 'arrived', NULL::int), (a.departed_at, 'departed', NULL),
        (a.completed_at, 'completed', NULL), (a.no_show_at, 'no_show', NULL),
        (a.paid_at, 'paid', a.paid_cents), (a.pay_confirmed_at, 'pay_confirmed', a.paid_cents),
        (a.disputed_at, 'disputed', NULL),
        (CASE WHEN a.status = 'cancelled' THEN o.cancelled_at END, 'job_cancelled', NULL)
    ) AS step (at, kind, amount_cents)
    WHERE a.worker_id = $1 AND step.at >= $2
) day
ORDER BY at, kind
LIMIT 100
"""


async def person_day(conn: asyncpg.Connection[Any], worker_id: UUID, since: datetime) -> list[DayEntry]:
    """The person's day so far, oldest first (at most 100 steps)."""
    return [msgspec.convert(dict(r), DayEntry) for r in await conn.fetch(_DAY, worker_id, since)]


async def desk_person(
    conn: asyncpg.Connection[Any], station_id: UUID, worker_id: UUID, today: date,
    since: datetime | None = None,
) -> DeskPerson:
    """The worker (with the board's priority flags), their open check-in, this station's live
    offers to them, their coming jobs, and (with ``since``) their day so far."""
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
    day = await person_day(conn, worker_id, since) if since is not None else []
    unpaid = [msgspec.convert(dict(r), UnpaidJob) for r in await conn.fetch(_UNPAID, worker_id, station_id)]
    return DeskPerson(worker, flags, checkin, checkin is not None and checkin.station_id == station_id,
                      offers, jobs, day, unpaid)


# --- the job slip and the hours, for a person without a smartphone ---------------------------


class JobSlip(msgspec.Struct, frozen=True):
    """The printed job slip: the job, where and when, and the one-time codes the employer types."""

    slip: DeskSlip
    worker_id_masked: str
    address: str
    located: bool
    pay_cents: int
    pay_unit: str
    employer_phone: str | None
    """Only when the employer shares it with the crew (migration 0010), as on the worker's page."""
    station_name: str
    station_address: str
    contact_name: str | None
    contact_phone: str
    """The person's way back to the station: the station's own phone, or else the phone of the
    operator who printed the slip (``contact_name`` is then that operator's name)."""


async def desk_assignment(
    conn: asyncpg.Connection[Any], who: Principal, station_id: UUID, assignment_id: UUID
) -> Assignment:
    """An assignment from an order of this station, for an operator who works there; any other
    (another station's worker, a stranger's id) looks missing."""
    a = await visible_assignment(conn, who, assignment_id)
    if a.station_id != station_id:
        raise not_found()
    return a


_SLIP_FACTS = """
SELECT o.address, o.located, o.pay_cents, o.pay_unit,
       CASE WHEN e.share_phone_with_crew THEN eu.phone END AS employer_phone,
       s.name AS station_name, s.address AS station_address,
       CASE WHEN s.phone IS NULL THEN op.name END AS contact_name,
       coalesce(s.phone, op.phone) AS contact_phone
FROM assignments a JOIN orders o ON o.id = a.order_id
JOIN employers e ON e.user_id = o.employer_id JOIN users eu ON eu.id = o.employer_id
JOIN stations s ON s.id = o.station_id JOIN users op ON op.id = $2
WHERE a.id = $1
"""


async def print_job_slip(
    conn: asyncpg.Connection[Any], who: Principal, station_id: UUID, assignment_id: UUID,
    now: datetime, rules: HoursRules = DEFAULT_RULES,
) -> JobSlip:
    """Issue fresh desk-slip codes (``work.timesheet``; the last slip's codes die) and gather
    what the printed slip shows."""
    await desk_assignment(conn, who, station_id, assignment_id)
    slip = await issue_desk_slip(conn, who, assignment_id, now, rules)
    facts = await conn.fetchrow(_SLIP_FACTS, assignment_id, who.user_id)
    assert facts is not None  # the assignment exists: desk_assignment found it
    worker = await get_worker(conn, slip.worker_id)
    return JobSlip(slip=slip, worker_id_masked=worker.id_number_masked, **dict(facts))


async def confirm_for_worker(
    conn: asyncpg.Connection[Any], who: Principal, station_id: UUID, assignment_id: UUID,
    now: datetime,
) -> Assignment:
    """The person at the desk says the recorded hours are right; the same service as the
    worker's own tap, recorded as the operator's act on their behalf."""
    await desk_assignment(conn, who, station_id, assignment_id)
    return await confirm_hours(conn, who, assignment_id, now)


async def dispute_for_worker(
    conn: asyncpg.Connection[Any], who: Principal, station_id: UUID, assignment_id: UUID,
    data: ReasonBody,
) -> Assignment:
    """The person at the desk says the wage was not paid: a wage complaint filed for them
    (``work.pay.dispute``; it records the operator as the filer, on their behalf)."""
    await desk_assignment(conn, who, station_id, assignment_id)
    return await dispute(conn, who, assignment_id, data)


async def confirm_pay_for_worker(
    conn: asyncpg.Connection[Any], who: Principal, station_id: UUID, assignment_id: UUID,
) -> Assignment:
    """The person at the desk says the pay arrived: confirmed for them (``work.pay.confirm_pay``,
    recorded as given by the operator on their behalf)."""
    await desk_assignment(conn, who, station_id, assignment_id)
    return await confirm_pay(conn, who, assignment_id)


async def contest_for_worker(
    conn: asyncpg.Connection[Any], who: Principal, station_id: UUID, assignment_id: UUID,
    data: ReasonBody, now: datetime,
) -> Assignment:
    """The person at the desk says the recorded hours are wrong: a complaint, as from their phone."""
    await desk_assignment(conn, who, station_id, assignment_id)
    return await contest_hours(conn, who, assignment_id, data, now)
