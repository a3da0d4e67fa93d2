"""Work and pay: an assignment from the accepted offer to the money in the worker's hand.

This module holds the assignment's structs, its visibility rules and completion; pay lives
in ``work.pay``, hours of record in ``work.timesheet``, no-shows in ``work.no_shows``,
complaints in ``work.complaints`` and cancellation in ``work.cancellation``.

The life of an assignment (every arrow is one conditional ``UPDATE ... WHERE <state>
RETURNING``, so two concurrent requests cannot both move it; the loser re-reads the row
and gets either the same answer, when its request asked for what already happened, or a
409 naming the state that forbids it)::

    active --complete (employer)--> completed --paid (employer)--> paid --confirm-pay (worker)
       |                                 \\--dispute (worker, wage complaint)
       |  \\--dispute (worker, once the order has ended and the employer has not completed it)
       |--no-show (employer, after the start, never after an arrival)--> no_show --contest (worker)
       \\--cancelled (the order is cancelled before this work started)

Work that started (its start passed, or its arrival was recorded) is never cancelled and a
recorded arrival is never a no-show (a CHECK in migration 0013 holds the second).

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
from gigstation.platform.errors import Conflict, NotFound
from gigstation.platform.pagination import Page, PageParams
from gigstation.platform.types import NO_NUL
from gigstation.stations.registry import operator_station_ids

__all__ = [
    "COLUMNS",
    "HOURS_OF_RECORD",
    "HOURS_STATE",
    "JOINS",
    "LAPSED",
    "Assignment",
    "AssignmentStatus",
    "Complaint",
    "CompleteBody",
    "HoursEvent",
    "HoursState",
    "PaidBody",
    "PaymentEntry",
    "ReasonBody",
    "ResolveBody",
    "announce",
    "complete",
    "fetch_assignment",
    "get_assignment",
    "list_assignments",
    "not_found",
    "own_assignment",
    "state_conflict",
    "view",
    "visible_assignment",
]

AssignmentStatus = Literal["active", "completed", "no_show", "cancelled"]
HoursState = Literal["planned", "arrived", "recorded", "confirmed", "contested", "resolved"]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Note = Annotated[str, msgspec.Meta(max_length=500)]


class CompleteBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    hours: Annotated[float, msgspec.Meta(ge=0.25, le=24)] | None = None
    """The employer's own note of the hours, kept as their statement. It is not the hours
    of record: those are the scans the worker confirmed, else the planned hours."""


class PaidBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    amount_cents: Annotated[int, msgspec.Meta(ge=1, le=100_000_00)]
    """The total paid for this work, in fen: more than 0 (nothing paid is not a payment)."""
    correction_reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=NO_NUL)] | None = None
    """Required to change an amount already recorded: a correction is a new record."""


class ReasonBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Reason


class ResolveBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    note: Note = ""
    no_show_overturned: bool = False
    """Uphold the worker's contest: the no-show stops counting against them."""
    hours: Literal["recorded", "planned", "decided"] = "recorded"
    """A contest of the hours: keep the times the employer recorded, take the agreement's
    planned times, or the times decided here (``arrived_at``, ``departed_at``)."""
    arrived_at: datetime | None = None
    departed_at: datetime | None = None


class PaymentEntry(msgspec.Struct, frozen=True):
    """One record of the pay ledger: the first payment or a correction with its reason."""

    amount_cents: int
    kind: Literal["payment", "correction"]
    recorded_at: datetime
    reason: str | None = None


class HoursEvent(msgspec.Struct, frozen=True):
    """One record of the hours ledger (work.timesheet), never changed afterwards."""

    kind: Literal["arrival", "departure", "confirm", "contest", "resolve"]
    at: datetime
    proof: str
    """phone_code / desk_slip (scans), worker / desk (the worker's answer, or the operator's
    for them), operator (a resolution), legacy (scanned before the ledger existed)."""
    recorded_by: UUID | None
    recorded_at: datetime
    arrived_at: datetime | None = None
    departed_at: datetime | None = None
    confirm_by: datetime | None = None
    on_behalf_of: UUID | None = None
    note: str = ""


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
    pay_confirmed_by: UUID | None = None
    """Who confirmed the pay arrived: None, the worker; else the operator at the desk for them."""
    disputed_at: datetime | None = None
    dispute_reason: str | None = None
    disputed_by: UUID | None = None
    """Who filed the wage complaint: None, the worker; else the operator at the desk for them."""
    dispute_resolved_at: datetime | None = None
    no_show_at: datetime | None = None
    no_show_contested_at: datetime | None = None
    contest_reason: str | None = None
    contest_resolved_at: datetime | None = None
    no_show_overturned: bool = False
    resolution_note: str | None = None
    """The wage complaint's resolution note (the no-show contest has its own)."""
    contest_resolution_note: str | None = None
    """The operator's note on the no-show contest, kept apart from the wage complaint's."""
    payments: list[PaymentEntry] = []
    """Every amount the employer recorded, oldest first; ``paid_cents`` is the latest."""
    arrived_at: datetime | None = None
    departed_at: datetime | None = None
    hours_state: HoursState = "planned"
    """Where the hours ledger stands; ``recorded`` past ``hours_confirm_by`` reads
    ``confirmed`` (the worker did not contest in time)."""
    hours_confirm_by: datetime | None = None
    hours_confirmed_at: datetime | None = None
    hours_of_record: float = 0.0
    """Confirmed (or decided) hours, else the planned hours: what pay is due for."""
    hours_events: list[HoursEvent] = []
    """The hours ledger, oldest first."""


class Complaint(msgspec.Struct, frozen=True):
    """An open wage dispute, contested no-show or contest of the hours on an operator's board."""

    kind: Literal["wage_dispute", "no_show_contest", "hours_contest"]
    opened_at: datetime
    reason: str
    assignment: Assignment
    case_status: str | None = None
    """A wage dispute's case: open, answered or escalated (oversight.complaints)."""
    due_at: datetime | None = None
    """A wage dispute's current stage is due then (oversight.complaints)."""
    overdue: bool = False


# The hours ledger's standing as every reader sees it: recorded hours the worker did not
# contest within the window stand as confirmed (at the end of the window).
LAPSED = "(a.hours_state = 'recorded' AND a.hours_confirm_by <= now())"
HOURS_STATE = f"CASE WHEN {LAPSED} THEN 'confirmed' ELSE a.hours_state END"
HOURS_OF_RECORD = f"""round((extract(epoch FROM CASE WHEN a.hours_state IN ('confirmed', 'resolved') OR {LAPSED}
    THEN a.departed_at - a.arrived_at ELSE a.ends_at - a.starts_at END) / 3600)::numeric, 2)::float8"""
COLUMNS = f"""
a.id, a.offer_id, a.order_id, a.worker_id, wu.name AS worker_name, o.employer_id,
eu.name AS employer_name, o.station_id, o.title, o.pay_cents, o.pay_unit, a.starts_at, a.ends_at,
a.status, a.created_at, a.completed_at, a.hours::float8 AS hours, a.paid_cents, a.paid_at,
a.pay_confirmed_at, a.pay_confirmed_by, a.disputed_at, a.dispute_reason, a.disputed_by, a.dispute_resolved_at,
a.no_show_at,
a.no_show_contested_at, a.contest_reason, a.contest_resolved_at, a.no_show_overturned,
a.resolution_note, a.contest_resolution_note, a.arrived_at, a.departed_at, {HOURS_STATE} AS hours_state,
a.hours_confirm_by,
CASE WHEN {LAPSED} THEN a.hours_confirm_by ELSE a.hours_confirmed_at END AS hours_confirmed_at,
{HOURS_OF_RECORD} AS hours_of_record,
(SELECT coalesce(json_agg(json_build_object('amount_cents', p.amount_cents, 'kind', p.kind,
                                            'reason', p.reason, 'recorded_at', p.recorded_at)
                          ORDER BY p.seq), '[]')::text
 FROM payments p WHERE p.assignment_id = a.id) AS payments_json,
(SELECT coalesce(json_agg(json_build_object(
            'kind', h.kind, 'at', h.at, 'proof', h.proof, 'recorded_by', h.recorded_by,
            'recorded_at', h.recorded_at, 'arrived_at', h.arrived_at, 'departed_at', h.departed_at,
            'confirm_by', h.confirm_by, 'on_behalf_of', h.on_behalf_of, 'note', h.note)
          ORDER BY h.seq), '[]')::text
 FROM hours_events h WHERE h.assignment_id = a.id) AS hours_json
"""
JOINS = """
FROM assignments a JOIN orders o ON o.id = a.order_id JOIN users wu ON wu.id = a.worker_id
JOIN users eu ON eu.id = o.employer_id
"""
_GET = f"SELECT {COLUMNS} {JOINS} WHERE a.id = $1"


def view(row: asyncpg.Record) -> Assignment:
    data = dict(row)
    data["payments"] = msgspec.json.decode(data.pop("payments_json"))
    data["hours_events"] = msgspec.json.decode(data.pop("hours_json"))
    return msgspec.convert(data, Assignment)


def not_found() -> NotFound:
    return NotFound("工作记录不存在", "no such assignment")


async def fetch_assignment(conn: asyncpg.Connection[Any], assignment_id: UUID) -> Assignment:
    row = await conn.fetchrow(_GET, assignment_id)
    if row is None:
        raise not_found()
    return view(row)


async def visible_assignment(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID
) -> Assignment:
    """The assignment if the caller is part of it (or oversees it); strangers get 404."""
    a = await fetch_assignment(conn, assignment_id)
    if (
        who.role == "admin"
        or (who.role == "worker" and a.worker_id == who.user_id)
        or (who.role == "employer" and a.employer_id == who.user_id)
        or (who.role == "operator"
            and a.station_id in await operator_station_ids(conn, who.user_id))
    ):
        return a
    raise not_found()


async def get_assignment(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID
) -> Assignment:
    """One assignment the caller may see."""
    return await visible_assignment(conn, who, assignment_id)


async def own_assignment(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID,
    side: Literal["worker", "employer"],
) -> Assignment:
    # Only the party named by ``side`` may act; the other party and strangers alike get
    # the same 404 (the route's role guard already refused the wrong roles with 403).
    a = await fetch_assignment(conn, assignment_id)
    owner = a.worker_id if side == "worker" else a.employer_id
    if who.role != side or owner != who.user_id:
        raise not_found()
    return a


async def announce(
    conn: asyncpg.Connection[Any], a: Assignment, kind: str, payload: dict[str, Any] | None = None
) -> None:
    body = {"assignment_id": a.id, "order_id": a.order_id, "status": a.status, **(payload or {})}
    await events.emit_many(conn, [
        (a.worker_id, None, kind, body),
        (a.employer_id, None, kind, body),
        *([(None, a.station_id, kind, body)] if a.station_id is not None else []),
    ])


def state_conflict(a: Assignment, action_zh: str, action_en: str) -> Conflict:
    names = {"active": "进行中", "completed": "已完工", "no_show": "未到岗", "cancelled": "已取消"}
    return Conflict(f"工作状态为{names[a.status]}，不能{action_zh}",
                    f"an assignment in status {a.status} cannot be {action_en}",
                    code=f"assignment_{a.status}")


# --- complete ---------------------------------------------------------------------------

# Work is completed no earlier than it started (also a CHECK in migration 0004).
_COMPLETE = """
UPDATE assignments SET status = 'completed', completed_at = $3, hours = $2
WHERE id = $1 AND status = 'active' AND starts_at <= $3 RETURNING id
"""


async def complete(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: CompleteBody,
    now: datetime,
) -> Assignment:
    """The employer confirms the work was done (once it has started); completing again
    returns the same answer."""
    await own_assignment(conn, who, assignment_id, "employer")
    hours = None if data.hours is None else round(data.hours, 2)  # numeric(5, 2)
    if await conn.fetchval(_COMPLETE, assignment_id, hours, now) is None:
        a = await fetch_assignment(conn, assignment_id)
        if a.status == "active":
            raise Conflict("工作尚未开始，不能确认完工", "the work has not started yet",
                           code="not_started")
        if a.status != "completed":
            raise state_conflict(a, "确认完工", "completed")
        if hours is not None and a.hours != hours:
            raise Conflict("已按其他工时确认完工", "already completed with different hours",
                           code="hours_differ")
        return a
    a = await fetch_assignment(conn, assignment_id)
    await announce(conn, a, "assignment.completed", {"hours": a.hours})
    await audit.record(conn, who.user_id, "assignment.complete", "assignment", assignment_id,
                       {"hours": a.hours})
    return a


# --- lists ------------------------------------------------------------------------------

_WHO = {
    "worker": "a.worker_id = $1",
    "employer": "o.employer_id = $1",
    "operator": "o.station_id IN (SELECT station_id FROM operator_stations WHERE operator_id = $1)",
    "admin": "$1::uuid IS NOT NULL",
}


def _list_query(role: str) -> str:
    return f"""
SELECT {COLUMNS} {JOINS}
WHERE {_WHO[role]} AND ($2::text IS NULL OR a.status = $2)
ORDER BY a.starts_at DESC, a.id LIMIT $3 OFFSET $4
"""


_LISTS = {role: _list_query(role) for role in _WHO}


async def list_assignments(
    conn: asyncpg.Connection[Any], who: Principal, page: PageParams, status: str | None = None
) -> Page[Assignment]:
    """A worker's own, an employer's orders', an operator's stations' or (admin) all."""
    rows = await conn.fetch(_LISTS[who.role], who.user_id, status, page.limit + 1, page.offset)
    return Page.of([view(r) for r in rows], page)
