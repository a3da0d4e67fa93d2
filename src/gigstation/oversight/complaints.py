"""A wage complaint as a case with a timeline: opened, employer answered, resolved or escalated.

The worker opens it (``work.pay.dispute``: the assignment's ``disputed_at``); the employer
answers it once; an operator resolves it (``work.complaints.resolve``) or escalates it to the
district labour inspectorate, which puts it on the administrator's list. Each step is one
conditional write with an audit row and an event to both parties and the station.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Conflict, Forbidden, NotFound
from gigstation.platform.pagination import Page
from gigstation.platform.types import NO_NUL
from gigstation.work.assignments import Assignment, Complaint, announce, visible_assignment

__all__ = ["CaseStep", "ComplaintCase", "StepBody", "answer", "case_of", "escalate",
           "escalated_cases", "with_case_status"]

CaseStatus = Literal["open", "answered", "escalated", "resolved"]


class StepBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(min_length=1, max_length=1000, pattern=NO_NUL)]


class CaseStep(msgspec.Struct, frozen=True):
    kind: Literal["opened", "employer_answered", "escalated", "resolved"]
    at: datetime
    actor_id: UUID | None
    note: str


class ComplaintCase(msgspec.Struct, frozen=True):
    assignment_id: UUID
    station_id: UUID | None
    worker_id: UUID
    worker_name: str
    employer_id: UUID
    employer_name: str
    title: str
    status: CaseStatus
    steps: list[CaseStep]
    # The hours of record and the pay, as the case is judged on them.
    arrived_at: datetime | None
    departed_at: datetime | None
    pay_cents: int
    pay_unit: str
    paid_cents: int | None


_STEPS = "SELECT kind, at, actor_id, note FROM complaint_steps WHERE assignment_id = $1 ORDER BY at, id"
_TIMES = "SELECT arrived_at, departed_at FROM assignments WHERE id = $1"


async def _case(conn: asyncpg.Connection[Any], a: Assignment) -> ComplaintCase:
    if a.disputed_at is None:
        raise NotFound("该工作没有工资投诉", "there is no wage complaint on this assignment")
    steps = [CaseStep("opened", a.disputed_at, a.worker_id, a.dispute_reason or "")]
    steps += [msgspec.convert(dict(r), CaseStep) for r in await conn.fetch(_STEPS, a.id)]
    if a.dispute_resolved_at is not None:
        steps.append(CaseStep("resolved", a.dispute_resolved_at, None, a.resolution_note or ""))
    steps.sort(key=lambda s: s.at)
    kinds = {s.kind for s in steps}
    status: CaseStatus = ("resolved" if "resolved" in kinds else "escalated" if "escalated" in kinds
                          else "answered" if "employer_answered" in kinds else "open")
    times = await conn.fetchrow(_TIMES, a.id)
    assert times is not None
    return ComplaintCase(a.id, a.station_id, a.worker_id, a.worker_name, a.employer_id,
                         a.employer_name, a.title, status, steps, times["arrived_at"],
                         times["departed_at"], a.pay_cents, a.pay_unit, a.paid_cents)


async def case_of(conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID) -> ComplaintCase:
    """The wage complaint of an assignment the caller may see, with its timeline."""
    return await _case(conn, await visible_assignment(conn, who, assignment_id))


_ADD_STEP = """
INSERT INTO complaint_steps (assignment_id, kind, actor_id, note)
SELECT $1, $2, $3, $4 FROM assignments a
WHERE a.id = $1 AND a.disputed_at IS NOT NULL AND a.dispute_resolved_at IS NULL
ON CONFLICT (assignment_id, kind) DO NOTHING
RETURNING id
"""


async def _step(
    conn: asyncpg.Connection[Any], who: Principal, a: Assignment, kind: str, note: str
) -> ComplaintCase:
    if await conn.fetchval(_ADD_STEP, a.id, kind, who.user_id, note) is None:
        case = await _case(conn, a)
        if any(s.kind == kind for s in case.steps):
            raise Conflict("此步骤已记录", f"the case was already {kind.replace('_', ' ')}",
                           code=f"already_{kind}")
        raise Conflict("投诉已处理完毕", "the complaint is already resolved", code="case_closed")
    await announce(conn, a, f"complaint.{kind}", {"note": note})
    await audit.record(conn, who.user_id, f"complaint.{kind}", "assignment", a.id)
    return await _case(conn, a)


async def answer(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: StepBody
) -> ComplaintCase:
    """The employer answers the worker's wage complaint (once)."""
    a = await visible_assignment(conn, who, assignment_id)
    if who.role != "employer":
        raise Forbidden("只有用工主体可以答复投诉", "only the employer answers a complaint")
    await _case(conn, a)
    return await _step(conn, who, a, "employer_answered", data.note)


async def escalate(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: StepBody
) -> ComplaintCase:
    """An operator escalates an unresolved complaint to the district (劳动保障监察)."""
    a = await visible_assignment(conn, who, assignment_id)
    if who.role not in ("operator", "admin"):
        raise Forbidden("只有驿站专员可以上报投诉", "only operators escalate a complaint")
    await _case(conn, a)
    return await _step(conn, who, a, "escalated", data.note)


_ESCALATED = """
SELECT s.assignment_id FROM complaint_steps s JOIN assignments a ON a.id = s.assignment_id
WHERE s.kind = 'escalated' AND ($1 OR a.dispute_resolved_at IS NULL)
ORDER BY s.at, s.assignment_id LIMIT $2
"""


async def escalated_cases(
    conn: asyncpg.Connection[Any], who: Principal, include_resolved: bool = False,
    limit: int = 500,
) -> list[ComplaintCase]:
    """The district's escalated wage complaints, oldest first."""
    return [await case_of(conn, who, r["assignment_id"])
            for r in await conn.fetch(_ESCALATED, include_resolved, limit)]


_STATUS_OF = """
SELECT assignment_id, CASE WHEN bool_or(kind = 'escalated') THEN 'escalated' ELSE 'answered' END
       AS status
FROM complaint_steps WHERE assignment_id = ANY($1::uuid[]) GROUP BY assignment_id
"""


async def with_case_status(conn: asyncpg.Connection[Any], page: Page[Complaint]) -> Page[Complaint]:
    """The station's open complaints with each wage dispute's case status filled in."""
    ids = [c.assignment.id for c in page.items if c.kind == "wage_dispute"]
    status = {r["assignment_id"]: r["status"] for r in await conn.fetch(_STATUS_OF, ids)} if ids else {}
    items = [msgspec.structs.replace(c, case_status=status.get(c.assignment.id, "open"))
             if c.kind == "wage_dispute" else c for c in page.items]
    return msgspec.structs.replace(page, items=items)
