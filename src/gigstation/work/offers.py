"""Offers: a dispatch run's proposals, answered by workers before they expire.

Accepting is one transaction of conditional writes, so concurrency is decided by the
database, never by a check-then-write in Python:
1. the offer moves ``offered -> accepted`` only while live and unexpired;
2. the order's ``filled`` counter rises only while ``open`` and below headcount (the row
   lock serialises concurrent accepts; the CHECK makes over-filling impossible anyway);
3. the assignment insert is refused by the EXCLUDE constraint if the worker already holds
   an overlapping one.
If any step fails the transaction rolls back and the caller gets a 409.

Locks are always taken in one order: the worker's row, then the order's row, then offer
rows. Without it, the accept that fills an order (withdrawing the others' offers) and a
concurrent accept of the same order (holding its own offer row, waiting for the order)
deadlock; with it, a cycle cannot form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit, events
from gigstation.platform.errors import Conflict, NotFound
from gigstation.work import agreements, minors, safeguards
from gigstation.work.credit import CreditRecord
from gigstation.work.hours import DEFAULT_RULES, HoursRules
from gigstation.work.orders import GUIDANCE_COLUMNS, GUIDANCE_JOIN

__all__ = [
    "AssignmentView",
    "OfferView",
    "accept_offer",
    "decline_offer",
    "expire_due_offers",
    "list_live_offers",
    "withdraw_offers",
]

OfferStatus = Literal["offered", "accepted", "declined", "expired", "withdrawn"]


class OfferView(msgspec.Struct, frozen=True):
    id: UUID
    run_id: UUID
    station_id: UUID
    order_id: UUID
    worker_id: UUID
    distance_m: int
    status: OfferStatus
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None = None
    close_reason: str | None = None
    # Shown to the worker so they can decide without another request.
    title: str = ""
    skill: str = ""
    address: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    pay_cents: int = 0
    pay_unit: str = ""
    employer_name: str = ""
    employer_verified: bool = False
    employer_id: UUID | None = None
    # Pay below the office's market guidance is allowed but flagged (oversight.wages).
    below_guidance: bool = False
    guidance_unit: str | None = None
    guidance_low_fen: int | None = None
    guidance_median_fen: int | None = None
    guidance_high_fen: int | None = None
    located: bool = True
    """False: the order's place was not located; find it by the address (not "0 m away")."""
    # The employer's record, filled in for the worker by work.credit.
    employer_record: CreditRecord | None = None


class AssignmentView(msgspec.Struct, frozen=True):
    id: UUID
    offer_id: UUID
    order_id: UUID
    worker_id: UUID
    starts_at: datetime
    ends_at: datetime
    status: Literal["active", "completed", "no_show", "cancelled"]
    created_at: datetime
    completed_at: datetime | None = None
    hours: float | None = None
    paid_cents: int | None = None
    paid_at: datetime | None = None
    pay_confirmed_at: datetime | None = None
    disputed_at: datetime | None = None
    dispute_reason: str | None = None
    no_show_at: datetime | None = None
    no_show_contested_at: datetime | None = None


OFFER_COLUMNS = f"""
f.id, f.run_id, f.station_id, f.order_id, f.worker_id, f.distance_m, f.status, f.created_at,
f.expires_at, f.answered_at, f.close_reason, o.title, o.skill, o.address, o.starts_at, o.ends_at,
o.pay_cents, o.pay_unit, u.name AS employer_name, e.verified_at IS NOT NULL AS employer_verified,
o.employer_id, o.located, {GUIDANCE_COLUMNS}
"""
OFFER_FROM = f"""
FROM offers f JOIN orders o ON o.id = f.order_id JOIN employers e ON e.user_id = o.employer_id
JOIN users u ON u.id = o.employer_id {GUIDANCE_JOIN}
"""
_LIVE = f"""
SELECT {OFFER_COLUMNS} {OFFER_FROM}
WHERE f.worker_id = $1 AND f.status = 'offered' AND f.expires_at > now()
ORDER BY f.expires_at, f.id
"""
_GET_OFFER = f"SELECT {OFFER_COLUMNS} {OFFER_FROM} WHERE f.id = $1"
ASSIGNMENT_COLUMNS = """
a.id, a.offer_id, a.order_id, a.worker_id, a.starts_at, a.ends_at, a.status, a.created_at,
a.completed_at, a.hours::float8 AS hours, a.paid_cents, a.paid_at, a.pay_confirmed_at,
a.disputed_at, a.dispute_reason, a.no_show_at, a.no_show_contested_at
"""


def offer_view(row: asyncpg.Record) -> OfferView:
    return msgspec.convert(dict(row), OfferView)


def assignment_view(row: asyncpg.Record) -> AssignmentView:
    return msgspec.convert(dict(row), AssignmentView)


async def list_live_offers(conn: asyncpg.Connection[Any], worker_id: UUID) -> list[OfferView]:
    """A worker's offers that can still be accepted, soonest to expire first."""
    return [offer_view(r) for r in await conn.fetch(_LIVE, worker_id)]


async def _own_offer(conn: asyncpg.Connection[Any], worker_id: UUID, offer_id: UUID) -> OfferView:
    row = await conn.fetchrow(_GET_OFFER, offer_id)
    if row is None or row["worker_id"] != worker_id:
        raise NotFound("邀约不存在", "no such offer")
    return offer_view(row)


_LOCK_WORKER = "SELECT 1 FROM workers WHERE user_id = $1 FOR NO KEY UPDATE"
_LOCK_ORDER = "SELECT 1 FROM orders WHERE id = $1 FOR NO KEY UPDATE"
_TAKE_OFFER = """
UPDATE offers SET status = 'accepted', answered_at = now()
WHERE id = $1 AND worker_id = $2 AND status = 'offered' AND expires_at > now()
RETURNING order_id, station_id
"""
_FILL_SLOT = """
UPDATE orders SET filled = filled + 1,
       status = CASE WHEN filled + 1 = headcount THEN 'full' ELSE status END
WHERE id = $1 AND status = 'open' AND filled < headcount
RETURNING employer_id, filled, headcount, status, starts_at, ends_at, title
"""
_INSERT_ASSIGNMENT = f"""
WITH a AS (
    INSERT INTO assignments (offer_id, order_id, worker_id, worker_no, starts_at, ends_at)
    SELECT $1, $2, $3, w.worker_no, $4, $5 FROM workers w WHERE w.user_id = $3
    RETURNING *
)
SELECT {ASSIGNMENT_COLUMNS} FROM a
"""
_ASSIGNMENT_OF_OFFER = f"SELECT {ASSIGNMENT_COLUMNS} FROM assignments a WHERE a.offer_id = $1"
_LEAVE_ROOM = """
UPDATE checkins SET status = 'left', left_at = now()
WHERE worker_id = $1 AND status = 'waiting' RETURNING station_id
"""


async def accept_offer(
    conn: asyncpg.Connection[Any], worker_id: UUID, offer_id: UUID, zone: str = "Asia/Shanghai",
    *, actor: UUID | None = None, rules: HoursRules = DEFAULT_RULES,
) -> AssignmentView:
    """Take the slot (see the module docstring); a retry returns the same assignment.

    ``actor`` is who pressed the button when it is not the worker (an operator at the
    desk); the audit row names them, and the worker in its details. ``rules`` are the hours
    rules in force (the day's cap; the agreement stored here states them all).
    """
    offer = await _own_offer(conn, worker_id, offer_id)
    await conn.execute(_LOCK_WORKER, worker_id)
    await conn.execute(_LOCK_ORDER, offer.order_id)
    taken = await conn.fetchrow(_TAKE_OFFER, offer_id, worker_id)
    if taken is None:
        # Re-read: a concurrent retry may have committed the accept while we waited.
        offer = await _own_offer(conn, worker_id, offer_id)
        if offer.status == "accepted":
            row = await conn.fetchrow(_ASSIGNMENT_OF_OFFER, offer_id)
            if row is not None:
                return assignment_view(row)
        raise _closed(offer)
    order = await conn.fetchrow(_FILL_SLOT, offer.order_id)
    if order is None:
        raise Conflict("该订单已满员或已取消", "the order is already full or no longer open",
                       code="order_full")
    # Blocks and the part-time limits, checked under the worker's row lock (work.safeguards).
    await safeguards.check_accept(conn, worker_id, order["employer_id"], order["starts_at"],
                                  order["ends_at"], zone, rules.day_cap_h)
    await minors.check_accept(conn, worker_id, offer.order_id, zone)  # night work, job types
    try:
        async with conn.transaction():  # a savepoint: the constraint error stays catchable
            row = await conn.fetchrow(_INSERT_ASSIGNMENT, offer_id, offer.order_id, worker_id,
                                      order["starts_at"], order["ends_at"])
            assert row is not None  # the worker exists: the offer references it
    except asyncpg.ExclusionViolationError as exc:
        raise Conflict("您已接受了时间冲突的另一份工作", "you already hold a job at an overlapping time",
                       code="overlapping_assignment") from exc
    assignment = assignment_view(row)
    # The agreement is stored as made, now, in this transaction (work.agreements).
    await agreements.store_agreement(conn, assignment.id, rules, zone, actor or worker_id)
    # The worker leaves the waiting room, and their other offers go back to the pool.
    await conn.execute(_LEAVE_ROOM, worker_id)
    others = await withdraw_offers(conn, "worker_accepted_other", worker_id=worker_id)
    if order["status"] == "full":
        others += await withdraw_offers(conn, "order_full", order_id=offer.order_id)
    await events.emit_many(conn, [
        (worker_id, offer.station_id, "offer.accepted",
         {"offer_id": offer_id, "order_id": offer.order_id, "assignment_id": assignment.id}),
        (order["employer_id"], None, "order.filling",
         {"order_id": offer.order_id, "filled": order["filled"], "headcount": order["headcount"],
          "status": order["status"], "worker_id": worker_id}),
    ])
    details: dict[str, Any] = {"assignment_id": str(assignment.id), "withdrawn": others}
    if actor is not None and actor != worker_id:
        details["on_behalf_of"] = str(worker_id)
    await audit.record(conn, actor or worker_id, "offer.accept", "offer", offer_id, details)
    return assignment


def _closed(offer: OfferView) -> Conflict:
    if offer.status == "offered":  # still marked live but past its deadline
        return Conflict("邀约已过期", "the offer has expired", code="offer_expired")
    reasons = {
        "accepted": ("邀约已接受", "the offer was already accepted"),
        "declined": ("邀约已拒绝", "the offer was declined"),
        "expired": ("邀约已过期", "the offer has expired"),
        "withdrawn": ("邀约已撤回", "the offer was withdrawn"),
    }
    zh, en = reasons[offer.status]
    return Conflict(zh, en, code=f"offer_{offer.status}")


_DECLINE = """
UPDATE offers SET status = 'declined', answered_at = now()
WHERE id = $1 AND worker_id = $2 AND status = 'offered' RETURNING id
"""


async def decline_offer(
    conn: asyncpg.Connection[Any], worker_id: UUID, offer_id: UUID, *, actor: UUID | None = None
) -> OfferView:
    """Say no; the slot goes back to the next run. Declining twice is harmless.

    ``actor``: as for accept_offer, the operator answering for the worker at the desk.
    """
    offer = await _own_offer(conn, worker_id, offer_id)
    if await conn.fetchval(_DECLINE, offer_id, worker_id) is None:
        offer = await _own_offer(conn, worker_id, offer_id)
        if offer.status == "declined":
            return offer
        raise _closed(offer)
    await events.emit(conn, "offer.declined", {"offer_id": offer_id, "order_id": offer.order_id,
                                               "worker_id": worker_id}, station_id=offer.station_id)
    on_behalf = {"on_behalf_of": str(worker_id)} if actor is not None and actor != worker_id else None
    await audit.record(conn, actor or worker_id, "offer.decline", "offer", offer_id, on_behalf)
    return await _own_offer(conn, worker_id, offer_id)


_WITHDRAW = """
UPDATE offers SET status = 'withdrawn', answered_at = now(), close_reason = $1
WHERE status = 'offered' AND ($2::uuid IS NULL OR worker_id = $2) AND ($3::uuid IS NULL OR order_id = $3)
RETURNING id, worker_id, order_id, station_id
"""


async def withdraw_offers(
    conn: asyncpg.Connection[Any],
    reason: str,
    *,
    worker_id: UUID | None = None,
    order_id: UUID | None = None,
) -> int:
    """Withdraw live offers of a worker or an order, telling each worker; returns how many."""
    assert worker_id is not None or order_id is not None
    rows = await conn.fetch(_WITHDRAW, reason, worker_id, order_id)
    await events.emit_many(conn, [
        (r["worker_id"], r["station_id"], "offer.withdrawn",
         {"offer_id": r["id"], "order_id": r["order_id"], "reason": reason})
        for r in rows
    ])
    return len(rows)


_EXPIRE = """
UPDATE offers SET status = 'expired', close_reason = 'deadline'
WHERE status = 'offered' AND expires_at <= now() AND ($1::uuid IS NULL OR station_id = $1)
RETURNING id, worker_id, order_id, station_id
"""


async def expire_due_offers(conn: asyncpg.Connection[Any], station_id: UUID | None = None) -> int:
    """Mark offers past their deadline expired (their slots are free again)."""
    rows = await conn.fetch(_EXPIRE, station_id)
    await events.emit_many(conn, [
        (r["worker_id"], r["station_id"], "offer.expired", {"offer_id": r["id"], "order_id": r["order_id"]})
        for r in rows
    ])
    return len(rows)
