"""Work and pay: an assignment from the accepted offer to the money in the worker's hand.

The life of an assignment (every arrow is one conditional ``UPDATE ... WHERE <state>
RETURNING``, so two concurrent requests cannot both move it; the loser re-reads the row
and gets either the same answer, when its request asked for what already happened, or a
409 naming the state that forbids it)::

    active --complete (employer)--> completed --paid (employer)--> paid --confirm-pay (worker)
       |                                 \\--dispute (worker, wage complaint)
       |  \\--dispute (worker, once the order has ended and the employer has not completed it)
       \\--no-show (employer, after the order's start)--> no_show --contest (worker)

A dispute and a contest land on the station's complaints list until an operator resolves
them. Every change writes an audit row and an event for the worker, the employer and the
station's board, all in the caller's transaction. A no-show does not free the order's
slot: the day's figures count it as filled, the way the employer planned it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit, events
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Conflict, Forbidden, NotFound
from gigstation.platform.pagination import Page, PageParams
from gigstation.stations.registry import operator_station_ids

__all__ = [
    "Assignment",
    "AssignmentStatus",
    "Complaint",
    "CompleteBody",
    "PaidBody",
    "ReasonBody",
    "ResolveBody",
    "complete",
    "confirm_pay",
    "contest_no_show",
    "dispute",
    "get_assignment",
    "list_assignments",
    "list_complaints",
    "mark_no_show",
    "record_pay",
    "resolve",
    "visible_assignment",
]

AssignmentStatus = Literal["active", "completed", "no_show", "cancelled"]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Note = Annotated[str, msgspec.Meta(max_length=500)]


class CompleteBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    hours: Annotated[float, msgspec.Meta(ge=0.25, le=24)] | None = None


class PaidBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    amount_cents: Annotated[int, msgspec.Meta(ge=0, le=100_000_00)]


class ReasonBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Reason


class ResolveBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    note: Note = ""
    no_show_overturned: bool = False
    """Uphold the worker's contest: the no-show stops counting against them."""


class Assignment(msgspec.Struct, frozen=True):
    id: UUID
    offer_id: UUID
    order_id: UUID
    worker_id: UUID
    worker_name: str
    employer_id: UUID
    employer_name: str
    station_id: UUID | None
    title: str
    pay_cents: int
    pay_unit: str
    starts_at: datetime
    ends_at: datetime
    status: AssignmentStatus
    created_at: datetime
    completed_at: datetime | None = None
    hours: float | None = None
    paid_cents: int | None = None
    paid_at: datetime | None = None
    pay_confirmed_at: datetime | None = None
    disputed_at: datetime | None = None
    dispute_reason: str | None = None
    dispute_resolved_at: datetime | None = None
    no_show_at: datetime | None = None
    no_show_contested_at: datetime | None = None
    contest_reason: str | None = None
    contest_resolved_at: datetime | None = None
    no_show_overturned: bool = False
    resolution_note: str | None = None


class Complaint(msgspec.Struct, frozen=True):
    """An open wage dispute or contested no-show on an operator's board."""

    kind: Literal["wage_dispute", "no_show_contest"]
    opened_at: datetime
    reason: str
    assignment: Assignment


_COLUMNS = """
a.id, a.offer_id, a.order_id, a.worker_id, wu.name AS worker_name, o.employer_id,
eu.name AS employer_name, o.station_id, o.title, o.pay_cents, o.pay_unit, a.starts_at, a.ends_at,
a.status, a.created_at, a.completed_at, a.hours::float8 AS hours, a.paid_cents, a.paid_at,
a.pay_confirmed_at, a.disputed_at, a.dispute_reason, a.dispute_resolved_at, a.no_show_at,
a.no_show_contested_at, a.contest_reason, a.contest_resolved_at, a.no_show_overturned,
a.resolution_note
"""
_FROM = """
FROM assignments a JOIN orders o ON o.id = a.order_id JOIN users wu ON wu.id = a.worker_id
JOIN users eu ON eu.id = o.employer_id
"""
_GET = f"SELECT {_COLUMNS} {_FROM} WHERE a.id = $1"


def _view(row: asyncpg.Record) -> Assignment:
    return msgspec.convert(dict(row), Assignment)


def _not_found() -> NotFound:
    return NotFound("工作记录不存在", "no such assignment")


async def _fetch(conn: asyncpg.Connection[Any], assignment_id: UUID) -> Assignment:
    row = await conn.fetchrow(_GET, assignment_id)
    if row is None:
        raise _not_found()
    return _view(row)


async def visible_assignment(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID
) -> Assignment:
    """The assignment if the caller is part of it (or oversees it); strangers get 404."""
    a = await _fetch(conn, assignment_id)
    if (
        who.role == "admin"
        or (who.role == "worker" and a.worker_id == who.user_id)
        or (who.role == "employer" and a.employer_id == who.user_id)
        or (who.role == "operator"
            and a.station_id in await operator_station_ids(conn, who.user_id))
    ):
        return a
    raise _not_found()


async def get_assignment(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID
) -> Assignment:
    """One assignment the caller may see."""
    return await visible_assignment(conn, who, assignment_id)


async def _own(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID,
    side: Literal["worker", "employer"],
) -> Assignment:
    # Only the party named by ``side`` may act; the other party and strangers alike get
    # the same 404 (the route's role guard already refused the wrong roles with 403).
    a = await _fetch(conn, assignment_id)
    owner = a.worker_id if side == "worker" else a.employer_id
    if who.role != side or owner != who.user_id:
        raise _not_found()
    return a


async def _announce(
    conn: asyncpg.Connection[Any], a: Assignment, kind: str, payload: dict[str, Any] | None = None
) -> None:
    body = {"assignment_id": a.id, "order_id": a.order_id, "status": a.status, **(payload or {})}
    await events.emit_many(conn, [
        (a.worker_id, None, kind, body),
        (a.employer_id, None, kind, body),
        *([(None, a.station_id, kind, body)] if a.station_id is not None else []),
    ])


def _state_conflict(a: Assignment, action_zh: str, action_en: str) -> Conflict:
    names = {"active": "进行中", "completed": "已完工", "no_show": "未到岗", "cancelled": "已取消"}
    return Conflict(f"工作状态为{names[a.status]}，不能{action_zh}",
                    f"an assignment in status {a.status} cannot be {action_en}",
                    code=f"assignment_{a.status}")


# --- complete ---------------------------------------------------------------------------

_COMPLETE = """
UPDATE assignments SET status = 'completed', completed_at = now(), hours = $2
WHERE id = $1 AND status = 'active' RETURNING id
"""


async def complete(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: CompleteBody
) -> Assignment:
    """The employer confirms the work was done; completing again returns the same answer."""
    await _own(conn, who, assignment_id, "employer")
    hours = None if data.hours is None else round(data.hours, 2)  # numeric(5, 2)
    if await conn.fetchval(_COMPLETE, assignment_id, hours) is None:
        a = await _fetch(conn, assignment_id)
        if a.status != "completed":
            raise _state_conflict(a, "确认完工", "completed")
        if hours is not None and a.hours != hours:
            raise Conflict("已按其他工时确认完工", "already completed with different hours",
                           code="hours_differ")
        return a
    a = await _fetch(conn, assignment_id)
    await _announce(conn, a, "assignment.completed", {"hours": a.hours})
    await audit.record(conn, who.user_id, "assignment.complete", "assignment", assignment_id,
                       {"hours": a.hours})
    return a


# --- pay --------------------------------------------------------------------------------

_PAY = """
UPDATE assignments SET paid_cents = $2, paid_at = now()
WHERE id = $1 AND status = 'completed' AND pay_confirmed_at IS NULL
  AND paid_cents IS DISTINCT FROM $2
RETURNING id
"""


async def record_pay(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: PaidBody
) -> Assignment:
    """The employer records the pay sent. The same amount again changes nothing; another
    amount corrects it until the worker confirms receipt, then it is a 409."""
    before = await _own(conn, who, assignment_id, "employer")
    if await conn.fetchval(_PAY, assignment_id, data.amount_cents) is None:
        a = await _fetch(conn, assignment_id)
        if a.status != "completed":
            raise _state_conflict(a, "登记工资", "paid")
        if a.paid_cents == data.amount_cents:
            return a
        raise Conflict("劳动者已确认收款，金额不能再改", "the worker already confirmed the pay",
                       code="pay_confirmed")
    a = await _fetch(conn, assignment_id)
    await _announce(conn, a, "assignment.paid", {"paid_cents": a.paid_cents})
    await audit.record(conn, who.user_id, "assignment.paid", "assignment", assignment_id,
                       {"paid_cents": a.paid_cents, "previous_cents": before.paid_cents})
    return a


_CONFIRM = """
UPDATE assignments SET pay_confirmed_at = now()
WHERE id = $1 AND paid_at IS NOT NULL AND pay_confirmed_at IS NULL RETURNING id
"""


async def confirm_pay(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID
) -> Assignment:
    """The worker confirms the pay arrived (again: the same answer)."""
    await _own(conn, who, assignment_id, "worker")
    if await conn.fetchval(_CONFIRM, assignment_id) is None:
        a = await _fetch(conn, assignment_id)
        if a.pay_confirmed_at is not None:
            return a
        raise Conflict("雇主尚未登记工资", "the employer has not recorded any pay yet",
                       code="not_paid")
    a = await _fetch(conn, assignment_id)
    await _announce(conn, a, "assignment.pay_confirmed", {"paid_cents": a.paid_cents})
    await audit.record(conn, who.user_id, "assignment.confirm_pay", "assignment", assignment_id,
                       {"paid_cents": a.paid_cents})
    return a


# A wage complaint is possible once the work is done and the pay not yet confirmed, and
# also when the order has ended but the employer never marked it completed: withholding
# the completion must not be a way to withhold the wage.
_DISPUTE = """
UPDATE assignments SET disputed_at = now(), dispute_reason = $2
WHERE id = $1 AND disputed_at IS NULL AND pay_confirmed_at IS NULL
  AND (status = 'completed' OR (status = 'active' AND ends_at <= now()))
RETURNING id
"""


async def dispute(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: ReasonBody
) -> Assignment:
    """The worker files a wage complaint; it lands on the station's complaints list."""
    await _own(conn, who, assignment_id, "worker")
    if await conn.fetchval(_DISPUTE, assignment_id, data.reason) is None:
        a = await _fetch(conn, assignment_id)
        if a.disputed_at is not None:
            if a.dispute_reason == data.reason:
                return a
            raise Conflict("已提交过工资投诉", "a wage complaint was already filed",
                           code="already_disputed")
        if a.pay_confirmed_at is not None:
            raise Conflict("已确认收款，不能再投诉", "the pay was already confirmed",
                           code="pay_confirmed")
        if a.status == "active":
            raise Conflict("工作尚未结束，不能投诉工资", "the work has not ended yet",
                           code="not_ended")
        raise _state_conflict(a, "投诉工资", "disputed")
    a = await _fetch(conn, assignment_id)
    await _announce(conn, a, "complaint.opened", {"kind": "wage_dispute"})
    await audit.record(conn, who.user_id, "assignment.dispute", "assignment", assignment_id)
    return a


# --- no-show ----------------------------------------------------------------------------

_NO_SHOW = """
UPDATE assignments a SET status = 'no_show', no_show_at = now()
FROM orders o
WHERE a.id = $1 AND o.id = a.order_id AND a.status = 'active' AND o.starts_at <= now()
RETURNING a.id
"""


async def mark_no_show(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID
) -> Assignment:
    """The employer records that the worker did not come (only once the order started)."""
    await _own(conn, who, assignment_id, "employer")
    if await conn.fetchval(_NO_SHOW, assignment_id) is None:
        a = await _fetch(conn, assignment_id)
        if a.status == "no_show":
            return a
        if a.status == "active":
            raise Conflict("用工尚未开始，不能记录未到岗", "the order has not started yet",
                           code="not_started")
        raise _state_conflict(a, "记录未到岗", "marked a no-show")
    a = await _fetch(conn, assignment_id)
    await _announce(conn, a, "assignment.no_show")
    await audit.record(conn, who.user_id, "assignment.no_show", "assignment", assignment_id)
    return a


_CONTEST = """
UPDATE assignments SET no_show_contested_at = now(), contest_reason = $2
WHERE id = $1 AND status = 'no_show' AND no_show_contested_at IS NULL RETURNING id
"""


async def contest_no_show(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: ReasonBody
) -> Assignment:
    """The worker says they did come; the contest lands on the complaints list."""
    await _own(conn, who, assignment_id, "worker")
    if await conn.fetchval(_CONTEST, assignment_id, data.reason) is None:
        a = await _fetch(conn, assignment_id)
        if a.no_show_contested_at is not None:
            if a.contest_reason == data.reason:
                return a
            raise Conflict("已提出过申诉", "the no-show was already contested",
                           code="already_contested")
        raise _state_conflict(a, "申诉未到岗", "contested")
    a = await _fetch(conn, assignment_id)
    await _announce(conn, a, "complaint.opened", {"kind": "no_show_contest"})
    await audit.record(conn, who.user_id, "assignment.contest", "assignment", assignment_id)
    return a


# --- complaints -------------------------------------------------------------------------

_OPEN = """
((a.disputed_at IS NOT NULL AND a.dispute_resolved_at IS NULL)
 OR (a.no_show_contested_at IS NOT NULL AND a.contest_resolved_at IS NULL))
"""
_RESOLVE = f"""
UPDATE assignments a SET
    dispute_resolved_at = CASE WHEN a.disputed_at IS NOT NULL AND a.dispute_resolved_at IS NULL
                               THEN now() ELSE a.dispute_resolved_at END,
    contest_resolved_at = CASE WHEN a.no_show_contested_at IS NOT NULL
                                    AND a.contest_resolved_at IS NULL
                               THEN now() ELSE a.contest_resolved_at END,
    no_show_overturned = a.no_show_overturned
        OR ($3 AND a.no_show_contested_at IS NOT NULL AND a.contest_resolved_at IS NULL),
    resolved_by = $2, resolution_note = $4
WHERE a.id = $1 AND {_OPEN}
RETURNING (a.no_show_contested_at IS NOT NULL) AS contest
"""


async def resolve(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: ResolveBody
) -> Assignment:
    """An operator closes the open complaints of an assignment (resolving twice is harmless)."""
    before = await visible_assignment(conn, who, assignment_id)
    if who.role not in ("operator", "admin"):
        raise Forbidden("只有驿站专员可以处理投诉", "only operators resolve complaints")
    if data.no_show_overturned and before.no_show_contested_at is None:
        raise Conflict("没有待处理的未到岗申诉", "there is no contested no-show to overturn",
                       code="nothing_to_overturn")
    if await conn.fetchrow(_RESOLVE, assignment_id, who.user_id, data.no_show_overturned,
                           data.note) is None:
        a = await _fetch(conn, assignment_id)
        if a.dispute_resolved_at is not None or a.contest_resolved_at is not None:
            return a
        raise Conflict("没有待处理的投诉", "there is no open complaint on this assignment",
                       code="nothing_to_resolve")
    a = await _fetch(conn, assignment_id)
    await _announce(conn, a, "complaint.resolved",
                    {"no_show_overturned": a.no_show_overturned, "note": a.resolution_note})
    await audit.record(conn, who.user_id, "assignment.resolve", "assignment", assignment_id,
                       {"no_show_overturned": a.no_show_overturned})
    return a


_COMPLAINTS = f"""
SELECT {_COLUMNS} {_FROM}
WHERE o.station_id = $1 AND {_OPEN}
ORDER BY least(CASE WHEN a.dispute_resolved_at IS NULL THEN a.disputed_at END,
               CASE WHEN a.contest_resolved_at IS NULL THEN a.no_show_contested_at END), a.id
LIMIT $2 OFFSET $3
"""


def _complaints_of(a: Assignment) -> list[Complaint]:
    out = []
    if a.disputed_at is not None and a.dispute_resolved_at is None:
        out.append(Complaint("wage_dispute", a.disputed_at, a.dispute_reason or "", a))
    if a.no_show_contested_at is not None and a.contest_resolved_at is None:
        out.append(Complaint("no_show_contest", a.no_show_contested_at, a.contest_reason or "", a))
    return out


async def list_complaints(
    conn: asyncpg.Connection[Any], station_id: UUID, page: PageParams
) -> Page[Complaint]:
    """A station's open wage disputes and contested no-shows, oldest first (one per
    assignment and kind; the page counts assignments)."""
    rows = await conn.fetch(_COMPLAINTS, station_id, page.limit + 1, page.offset)
    more = len(rows) > page.limit
    items = [c for r in rows[: page.limit] for c in _complaints_of(_view(r))]
    items.sort(key=lambda c: (c.opened_at, str(c.assignment.id)))
    return Page(items, page.offset + page.limit if more else None)


# --- lists ------------------------------------------------------------------------------

_WHO = {
    "worker": "a.worker_id = $1",
    "employer": "o.employer_id = $1",
    "operator": "o.station_id IN (SELECT station_id FROM operator_stations WHERE operator_id = $1)",
    "admin": "$1::uuid IS NOT NULL",
}


def _list_query(role: str) -> str:
    return f"""
SELECT {_COLUMNS} {_FROM}
WHERE {_WHO[role]} AND ($2::text IS NULL OR a.status = $2)
ORDER BY a.starts_at DESC, a.id LIMIT $3 OFFSET $4
"""


_LISTS = {role: _list_query(role) for role in _WHO}


async def list_assignments(
    conn: asyncpg.Connection[Any], who: Principal, page: PageParams, status: str | None = None
) -> Page[Assignment]:
    """A worker's own, an employer's orders', an operator's stations' or (admin) all."""
    rows = await conn.fetch(_LISTS[who.role], who.user_id, status, page.limit + 1, page.offset)
    return Page.of([_view(r) for r in rows], page)
