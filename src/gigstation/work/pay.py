"""Pay on an assignment: the employer records it, the worker confirms it or files a wage
complaint (see ``work.assignments`` for the whole life of an assignment)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from gigstation.platform import audit
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Conflict, Forbidden
from gigstation.work.assignments import (
    Assignment,
    PaidBody,
    ReasonBody,
    announce,
    fetch_assignment,
    own_assignment,
    state_conflict,
    visible_assignment,
)

__all__ = ["confirm_pay", "dispute", "record_pay"]


# --- pay --------------------------------------------------------------------------------

# Pay is a ledger (migration 0004): each recorded amount is a new ``payments`` row and a
# trigger shows the latest on the assignment. The row lock orders concurrent requests; the
# unique first-payment index and the state trigger hold even without it.
_LOCK = "SELECT 1 FROM assignments WHERE id = $1 FOR UPDATE"
_RECORD = """
INSERT INTO payments (assignment_id, amount_cents, kind, reason, recorded_by)
VALUES ($1, $2, $3, $4, $5)
"""


async def record_pay(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: PaidBody
) -> Assignment:
    """The employer records the pay sent. The same amount again changes nothing; another
    amount is a correction, which needs a reason and is kept beside the first record,
    until the worker confirms receipt (then it is a 409)."""
    await own_assignment(conn, who, assignment_id, "employer")
    await conn.execute(_LOCK, assignment_id)
    before = await fetch_assignment(conn, assignment_id)
    if before.status != "completed":
        raise state_conflict(before, "登记工资", "paid")
    if before.paid_cents == data.amount_cents:
        return before
    if before.pay_confirmed_at is not None:
        raise Conflict("劳动者已确认收款，金额不能再改", "the worker already confirmed the pay",
                       code="pay_confirmed")
    correction = before.paid_cents is not None
    if correction and data.correction_reason is None:
        yuan = (before.paid_cents or 0) / 100
        raise Conflict(
            f"已登记工资 {yuan:.2f} 元；更正金额须填写更正原因（correction_reason），原记录会保留",
            f"CNY {yuan:.2f} is already recorded; a different amount is a correction and needs "
            "a correction_reason (the first record is kept)",
            code="pay_already_recorded")
    try:
        await conn.execute(_RECORD, assignment_id, data.amount_cents,
                           "correction" if correction else "payment",
                           data.correction_reason if correction else None, who.user_id)
    except asyncpg.UniqueViolationError as exc:  # a concurrent first record won
        raise Conflict("工资已由另一请求登记，请刷新后再试", "pay was just recorded by another request",
                       code="pay_already_recorded") from exc
    a = await fetch_assignment(conn, assignment_id)
    await announce(conn, a, "assignment.paid", {"paid_cents": a.paid_cents})
    await audit.record(conn, who.user_id, "assignment.paid", "assignment", assignment_id,
                       {"paid_cents": a.paid_cents, "previous_cents": before.paid_cents,
                        "correction": correction})
    return a


async def _for_worker(conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID) -> UUID | None:
    """Who answers for the worker: the worker themself (None), or an operator of the job's
    station for the person at the desk (their id; another station's job looks missing)."""
    if who.role == "worker":
        await own_assignment(conn, who, assignment_id, "worker")
        return None
    await visible_assignment(conn, who, assignment_id)
    if who.role != "operator":
        raise Forbidden("只有劳动者本人或驿站专员可以办理",
                        "only the worker, or a station operator for them, does this")
    return who.user_id


_CONFIRM = """
UPDATE assignments SET pay_confirmed_at = now(), pay_confirmed_by = $2
WHERE id = $1 AND paid_at IS NOT NULL AND pay_confirmed_at IS NULL RETURNING id
"""


async def confirm_pay(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID
) -> Assignment:
    """The worker confirms the pay arrived (again: the same answer); an operator of the job's
    station confirms it for the person at the desk, recorded as given by the operator."""
    by = await _for_worker(conn, who, assignment_id)
    if await conn.fetchval(_CONFIRM, assignment_id, by) is None:
        a = await fetch_assignment(conn, assignment_id)
        if a.pay_confirmed_at is not None:
            return a
        raise Conflict("雇主尚未登记工资", "the employer has not recorded any pay yet",
                       code="not_paid")
    a = await fetch_assignment(conn, assignment_id)
    await announce(conn, a, "assignment.pay_confirmed", {"paid_cents": a.paid_cents})
    await audit.record(conn, who.user_id, "assignment.confirm_pay", "assignment", assignment_id,
                       {"paid_cents": a.paid_cents, **({"on_behalf_of": str(a.worker_id)} if by else {})})
    return a


# A wage complaint is possible once the work is done and the pay not yet confirmed, and
# also when the order has ended but the employer never marked it completed: withholding
# the completion must not be a way to withhold the wage. Any work that was done counts,
# whatever happened to its order since: a recorded arrival, or a no-show overturned on the
# worker's contest.
_DISPUTE = """
UPDATE assignments SET disputed_at = now(), dispute_reason = $2, disputed_by = $3
WHERE id = $1 AND disputed_at IS NULL AND pay_confirmed_at IS NULL
  AND (status = 'completed'
       OR (ends_at <= now() AND (status = 'active' OR arrived_at IS NOT NULL
                                 OR (status = 'no_show' AND no_show_overturned))))
RETURNING id
"""


async def dispute(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: ReasonBody
) -> Assignment:
    """The worker files a wage complaint; it lands on the station's complaints list. An
    operator of the job's station files it for a person at the desk (who may have no phone):
    recorded as filed by the operator, on the worker's behalf."""
    filed_by = await _for_worker(conn, who, assignment_id)
    if await conn.fetchval(_DISPUTE, assignment_id, data.reason, filed_by) is None:
        a = await fetch_assignment(conn, assignment_id)
        if a.disputed_at is not None:
            if a.dispute_reason == data.reason:
                return a
            raise Conflict("已提交过工资投诉", "a wage complaint was already filed",
                           code="already_disputed")
        if a.pay_confirmed_at is not None:
            raise Conflict("已确认收款，不能再投诉", "the pay was already confirmed",
                           code="pay_confirmed")
        if a.status == "active" or a.arrived_at is not None or a.no_show_overturned:
            raise Conflict("工作尚未结束，不能投诉工资", "the work has not ended yet",
                           code="not_ended")
        raise state_conflict(a, "投诉工资", "disputed")
    a = await fetch_assignment(conn, assignment_id)
    await announce(conn, a, "complaint.opened", {"kind": "wage_dispute"})
    await audit.record(conn, who.user_id, "assignment.dispute", "assignment", assignment_id,
                       {"on_behalf_of": str(a.worker_id)} if filed_by else None)
    return a
