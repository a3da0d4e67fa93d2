"""A wage complaint as a case both sides follow, with each stage's due date.

The worker opens it (``work.pay.dispute``: the assignment's ``disputed_at``, with what they
wrote). After that, everyone on the case adds to it (``add_message``): the worker more
details, the employer a reply or "paid" with a note, the operator a note. The employer's
first answer (``answer``) and the escalation to the district labour inspectorate
(``escalate``) are one-off steps (``complaint_steps``); an operator closes the case with an
outcome (``close_case``; the older ``work.complaints.resolve`` closes it too, without one).
Nothing on a case is edited or deleted (migration 0040), so a closed case keeps its history.

Each case runs through stages with due dates from the settings (``CaseRules``), each naming
its source: the employer's answer, the station's handling (15 days, the mediation period of
劳动争议调解仲裁法 art. 14), and after an escalation the inspectorate's (60 working days,
劳动保障监察条例 art. 17). A case past its current stage's due date is overdue (逾期).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.platform import audit, clock
from gigstation.platform.auth import Principal
from gigstation.platform.config import Settings
from gigstation.platform.errors import Conflict, Forbidden, Invalid, NotFound
from gigstation.platform.pagination import Page
from gigstation.platform.types import NO_NUL, rule_violation
from gigstation.work.assignments import (
    Assignment,
    Complaint,
    announce,
    fetch_assignment,
    not_found,
    visible_assignment,
)

__all__ = [
    "DEFAULT_CASE_RULES",
    "CaseFigures",
    "CaseRules",
    "CaseStage",
    "CaseStep",
    "CloseBody",
    "ComplaintCase",
    "MessageBody",
    "StepBody",
    "add_message",
    "add_workdays",
    "answer",
    "case_figures",
    "case_of",
    "cases_on_order",
    "close_case",
    "closed_cases",
    "escalate",
    "escalated_cases",
    "with_case_status",
    "worker_cases",
]

CaseStatus = Literal["open", "answered", "escalated", "resolved"]
StepKind = Literal["opened", "employer_answered", "escalated", "resolved", "worker_note",
                   "employer_reply", "employer_paid", "operator_note", "closed"]
StatedOutcome = Literal["paid", "partly_paid", "not_owed", "withdrawn", "referred"]
"""What an operator closing a case says came of it."""
Outcome = Literal["paid", "partly_paid", "not_owed", "withdrawn", "referred", "unstated"]
"""As the history holds it: ``unstated`` when the older resolve closed the case (migration 0042)."""
StageName = Literal["answer", "close", "inspection"]
Note = Annotated[str, msgspec.Meta(max_length=1000, pattern=NO_NUL)]

_EMPLOYER_KINDS = ("employer_answered", "employer_reply", "employer_paid")


class CaseRules(msgspec.Struct, frozen=True):
    """How long each stage of a case may take (settings; README, "Public-service rules")."""

    answer_days: int = 3
    close_days: int = 15
    inspection_workdays: int = 60
    zone: str = "Asia/Shanghai"

    @classmethod
    def of(cls, settings: Settings) -> CaseRules:
        return cls(settings.case_answer_days, settings.case_close_days,
                   settings.case_inspection_workdays, settings.timezone)


DEFAULT_CASE_RULES = CaseRules()

# Each stage's source, as the pages show it under the due date.
_SOURCES: dict[StageName, tuple[str, str]] = {
    "answer": ("驿站服务标准（法律未规定答复时限；非全日制用工工资最长15日结算，劳动合同法第七十二条）",
               "the station's service standard (no statutory limit; part-time pay is settled "
               "within 15 days, Labour Contract Law art. 72)"),
    "close": ("劳动争议调解仲裁法第十四条：自收到调解申请之日起15日内未达成调解协议的，可以申请仲裁",
              "Labour Dispute Mediation and Arbitration Law art. 14: no agreement within 15 days "
              "of the request, and arbitration may be sought"),
    "inspection": ("劳动保障监察条例第十七条：自立案之日起60个工作日内完成，情况复杂的可延长30个工作日",
                   "Regulation on Labour Security Supervision art. 17: within 60 working days of "
                   "filing, 30 more for a complex case"),
}


class StepBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(min_length=1, max_length=1000, pattern=NO_NUL)]

    def __post_init__(self) -> None:
        # A blank answer would meet the employer's answer stage on time while saying nothing.
        if not self.note.strip():
            raise rule_violation("note", "请写下答复或上报的内容", "write the answer or the reason to escalate")


class MessageBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One more message on a case. ``paid`` is the employer's "已付" (the note may then be empty)."""

    note: Note = ""
    paid: bool = False


class CloseBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    outcome: StatedOutcome
    note: Note = ""


class CaseStep(msgspec.Struct, frozen=True):
    kind: StepKind
    at: datetime
    actor_id: UUID | None
    note: str
    outcome: Outcome | None = None


class CaseStage(msgspec.Struct, frozen=True):
    """One stage of the case: when it is due, when it was done, and the rule behind the date."""

    stage: StageName
    due_at: datetime
    done_at: datetime | None
    overdue: bool
    """Not done and past due, while the case is open."""
    late: bool
    """Done, but after the due date."""
    source: str
    source_en: str


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
    order_id: UUID | None = None
    outcome: Outcome | None = None
    stages: list[CaseStage] = []
    due_at: datetime | None = None
    """The current stage's due date (None once closed)."""
    overdue: bool = False
    closed_on_time: bool | None = None
    """Closed by the last stage's due date (None while open)."""


def add_workdays(start: datetime, days: int, zone: str) -> datetime:
    """``days`` working days (Monday to Friday in ``zone``) after ``start``, at the same local
    time. Public holidays are not known here, so the date is never later than the legal one."""
    local = start.astimezone(ZoneInfo(zone))
    while days > 0:
        local += timedelta(days=1)
        if local.weekday() < 5:
            days -= 1
    return local


_STEPS = "SELECT kind, at, actor_id, note FROM complaint_steps WHERE assignment_id = $1 ORDER BY at, id"
_EVENTS = """
SELECT kind, at, actor_id, note, outcome FROM complaint_events WHERE assignment_id = $1 ORDER BY at, id
"""
_TIMES = "SELECT arrived_at, departed_at FROM assignments WHERE id = $1"


def _stages(opened: datetime, steps: list[CaseStep], closed_at: datetime | None, now: datetime,
            rules: CaseRules) -> list[CaseStage]:
    answered = next((s.at for s in steps if s.kind in _EMPLOYER_KINDS), None)
    escalated = next((s.at for s in steps if s.kind == "escalated"), None)
    plan: list[tuple[StageName, datetime, datetime | None]] = [
        ("answer", opened + timedelta(days=rules.answer_days), answered),
        ("close", opened + timedelta(days=rules.close_days), escalated or closed_at),
    ]
    if escalated is not None:
        plan.append(("inspection", add_workdays(escalated, rules.inspection_workdays, rules.zone), closed_at))
    out = []
    for stage, due, done in plan:
        # A case closed before the employer answered needs no answer any more.
        open_stage = done is None and closed_at is None
        out.append(CaseStage(stage, due, done, open_stage and now > due, done is not None and done > due,
                             *_SOURCES[stage]))
    return out


async def _case(conn: asyncpg.Connection[Any], a: Assignment, now: datetime | None = None,
                rules: CaseRules = DEFAULT_CASE_RULES) -> ComplaintCase:
    if a.disputed_at is None:
        raise NotFound("该工作没有工资投诉", "there is no wage complaint on this assignment")
    steps = [CaseStep("opened", a.disputed_at, a.disputed_by or a.worker_id, a.dispute_reason or "")]
    steps += [msgspec.convert(dict(r), CaseStep) for r in await conn.fetch(_STEPS, a.id)]
    steps += [msgspec.convert(dict(r), CaseStep) for r in await conn.fetch(_EVENTS, a.id)]
    closing = next((s for s in steps if s.kind == "closed"), None)
    if a.dispute_resolved_at is not None and closing is None:
        steps.append(CaseStep("resolved", a.dispute_resolved_at, None, a.resolution_note or ""))
    steps.sort(key=lambda s: s.at)
    kinds = {s.kind for s in steps}
    status: CaseStatus = ("resolved" if a.dispute_resolved_at is not None else "escalated" if "escalated" in kinds
                          else "answered" if kinds & set(_EMPLOYER_KINDS) else "open")
    stages = _stages(a.disputed_at, steps, a.dispute_resolved_at, now or clock.now(), rules)
    current = next((s for s in stages if s.done_at is None), None) if a.dispute_resolved_at is None else None
    on_time = None if a.dispute_resolved_at is None else not stages[-1].late
    times = await conn.fetchrow(_TIMES, a.id)
    assert times is not None
    return ComplaintCase(a.id, a.station_id, a.worker_id, a.worker_name, a.employer_id,
                         a.employer_name, a.title, status, steps, times["arrived_at"],
                         times["departed_at"], a.pay_cents, a.pay_unit, a.paid_cents,
                         order_id=a.order_id, outcome=closing.outcome if closing else None,
                         stages=stages, due_at=current.due_at if current else None,
                         overdue=any(s.overdue for s in stages), closed_on_time=on_time)


async def case_of(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, now: datetime | None = None,
    rules: CaseRules = DEFAULT_CASE_RULES,
) -> ComplaintCase:
    """The wage complaint of an assignment the caller may see, with its timeline and stages."""
    return await _case(conn, await visible_assignment(conn, who, assignment_id), now, rules)


# --- adding to a case ---------------------------------------------------------------------

_LOCK = "SELECT 1 FROM assignments WHERE id = $1 FOR UPDATE"
_ADD_STEP = """
INSERT INTO complaint_steps (assignment_id, kind, actor_id, note)
SELECT $1, $2, $3, $4 FROM assignments a
WHERE a.id = $1 AND a.disputed_at IS NOT NULL AND a.dispute_resolved_at IS NULL
ON CONFLICT (assignment_id, kind) DO NOTHING
RETURNING id
"""
_ADD_EVENT = """
INSERT INTO complaint_events (assignment_id, kind, actor_id, note, outcome, at)
VALUES ($1, $2, $3, $4, $5, $6)
"""


def _closed() -> Conflict:
    return Conflict("投诉已处理完毕，记录保留可查，不能再添加", "the complaint is closed; its record stays readable",
                    code="case_closed")


async def _step(
    conn: asyncpg.Connection[Any], who: Principal, a: Assignment, kind: str, note: str
) -> ComplaintCase:
    if await conn.fetchval(_ADD_STEP, a.id, kind, who.user_id, note) is None:
        case = await _case(conn, a)
        if any(s.kind == kind for s in case.steps):
            raise Conflict("此步骤已记录", f"the case was already {kind.replace('_', ' ')}",
                           code=f"already_{kind}")
        raise _closed()
    await announce(conn, a, f"complaint.{kind}", {"note": note})
    await audit.record(conn, who.user_id, f"complaint.{kind}", "assignment", a.id)
    return await _case(conn, a)


async def answer(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: StepBody
) -> ComplaintCase:
    """The employer answers the worker's wage complaint (once; later words are messages)."""
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


async def _open_case(conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID) -> Assignment:
    """The case's assignment, locked, if the caller is on it and it is still open."""
    await visible_assignment(conn, who, assignment_id)
    await conn.execute(_LOCK, assignment_id)
    a = await fetch_assignment(conn, assignment_id)
    if a.disputed_at is None:
        raise NotFound("该工作没有工资投诉", "there is no wage complaint on this assignment")
    if a.dispute_resolved_at is not None:
        raise _closed()
    return a


async def add_message(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: MessageBody,
    now: datetime, rules: CaseRules = DEFAULT_CASE_RULES,
) -> ComplaintCase:
    """Add to an open case: the worker's details, the employer's reply or "paid" (已付), an
    operator's note. Each message is a new row; none is ever changed."""
    a = await _open_case(conn, who, assignment_id)
    note = data.note.strip()
    if who.role == "employer":
        kind = "employer_paid" if data.paid else "employer_reply"
    elif data.paid:
        raise Invalid.of_field("paid", "只有用工单位可以说明已付", "only the employer says it has paid")
    else:
        kind = "worker_note" if who.role == "worker" else "operator_note"
    if not note and kind != "employer_paid":
        raise Invalid.of_field("note", "请写下要说的话", "write what you want to add")
    await conn.execute(_ADD_EVENT, a.id, kind, who.user_id, note, None, now)
    await announce(conn, a, "complaint.message", {"kind": kind})
    await audit.record(conn, who.user_id, f"complaint.{kind}", "assignment", a.id)
    return await _case(conn, a, now, rules)


_CLOSE = """
UPDATE assignments SET dispute_resolved_at = $2, resolved_by = $3, resolution_note = $4
WHERE id = $1 AND disputed_at IS NOT NULL AND dispute_resolved_at IS NULL
"""
_OUTCOME_NOTE = {"paid": "已付清", "partly_paid": "部分支付", "not_owed": "核实无欠薪",
                 "withdrawn": "劳动者撤回", "referred": "已转劳动保障监察"}


async def close_case(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: CloseBody,
    now: datetime, rules: CaseRules = DEFAULT_CASE_RULES,
) -> ComplaintCase:
    """An operator closes the wage complaint with its outcome; the history stays as it was."""
    if who.role not in ("operator", "admin"):
        raise Forbidden("只有驿站专员可以结案", "only operators close a complaint")
    a = await _open_case(conn, who, assignment_id)
    note = data.note.strip()
    await conn.execute(_CLOSE, a.id, now, who.user_id, note or _OUTCOME_NOTE[data.outcome])
    await conn.execute(_ADD_EVENT, a.id, "closed", who.user_id, note, data.outcome, now)
    a = await fetch_assignment(conn, assignment_id)
    await announce(conn, a, "complaint.resolved", {"outcome": data.outcome, "note": note})
    await audit.record(conn, who.user_id, "complaint.closed", "assignment", a.id, {"outcome": data.outcome})
    return await _case(conn, a, now, rules)


# --- lists ---------------------------------------------------------------------------------

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


async def with_case_status(
    conn: asyncpg.Connection[Any], page: Page[Complaint], now: datetime | None = None,
    rules: CaseRules = DEFAULT_CASE_RULES,
) -> Page[Complaint]:
    """The station's open complaints with each wage dispute's case status, due date and 逾期."""
    items = []
    for c in page.items:
        if c.kind == "wage_dispute":
            case = await _case(conn, c.assignment, now, rules)
            c = msgspec.structs.replace(c, case_status=case.status, due_at=case.due_at, overdue=case.overdue)
        items.append(c)
    return msgspec.structs.replace(page, items=items)


_ON_ORDER = """
SELECT a.id FROM assignments a JOIN orders o ON o.id = a.order_id
WHERE a.order_id = $1 AND o.employer_id = $2 AND a.disputed_at IS NOT NULL
ORDER BY a.disputed_at, a.id
"""


async def cases_on_order(
    conn: asyncpg.Connection[Any], who: Principal, order_id: UUID, now: datetime | None = None,
    rules: CaseRules = DEFAULT_CASE_RULES,
) -> dict[UUID, ComplaintCase]:
    """The wage complaints on one of the employer's orders, open and closed, by assignment."""
    if who.role != "employer":
        raise not_found()
    return {r["id"]: await case_of(conn, who, r["id"], now, rules)
            for r in await conn.fetch(_ON_ORDER, order_id, who.user_id)}


_OF_WORKER = """
SELECT id FROM assignments WHERE worker_id = $1 AND disputed_at IS NOT NULL ORDER BY disputed_at DESC LIMIT $2
"""


async def worker_cases(
    conn: asyncpg.Connection[Any], who: Principal, now: datetime | None = None,
    rules: CaseRules = DEFAULT_CASE_RULES, limit: int = 50,
) -> dict[UUID, ComplaintCase]:
    """The worker's own wage complaints, newest first, by assignment."""
    return {r["id"]: await case_of(conn, who, r["id"], now, rules)
            for r in await conn.fetch(_OF_WORKER, who.user_id, limit)}


_RECENT_CLOSED = """
SELECT a.id FROM assignments a JOIN orders o ON o.id = a.order_id
WHERE o.station_id = $1 AND a.disputed_at IS NOT NULL AND a.dispute_resolved_at IS NOT NULL
ORDER BY a.dispute_resolved_at DESC, a.id LIMIT $2
"""


async def closed_cases(
    conn: asyncpg.Connection[Any], who: Principal, station_id: UUID, now: datetime | None = None,
    rules: CaseRules = DEFAULT_CASE_RULES, limit: int = 20,
) -> list[ComplaintCase]:
    """The station's most recently closed wage complaints, each with its whole history."""
    return [await case_of(conn, who, r["id"], now, rules)
            for r in await conn.fetch(_RECENT_CLOSED, station_id, limit)]


class CaseFigures(msgspec.Struct, frozen=True):
    """A station's wage complaints over a period: how many closed, how many by their due date."""

    closed: int
    closed_on_time: int
    open_overdue: int

    @property
    def on_time_share(self) -> float | None:
        return self.closed_on_time / self.closed if self.closed else None


_CLOSED_IN = """
SELECT a.id FROM assignments a JOIN orders o ON o.id = a.order_id
WHERE ($1::uuid IS NULL OR o.station_id = $1) AND a.disputed_at IS NOT NULL
  AND ((a.dispute_resolved_at >= $2 AND a.dispute_resolved_at < $3) OR a.dispute_resolved_at IS NULL)
ORDER BY a.disputed_at, a.id
LIMIT $4
"""
CASE_FIGURES_LIMIT = 10_000
"""Cases read for one figure (a district closes far fewer wage complaints in a period)."""


async def case_figures(
    conn: asyncpg.Connection[Any], station_id: UUID | None, since: datetime, until: datetime, now: datetime,
    rules: CaseRules = DEFAULT_CASE_RULES,
) -> CaseFigures:
    """Cases closed in [since, until), how many by their stages' due dates, and the open ones
    overdue now: of one station, or of the whole district when ``station_id`` is None."""
    cases = [await _case(conn, await fetch_assignment(conn, r["id"]), now, rules)
             for r in await conn.fetch(_CLOSED_IN, station_id, since, until, CASE_FIGURES_LIMIT)]
    closed = [c for c in cases if c.closed_on_time is not None]
    return CaseFigures(len(closed), sum(1 for c in closed if c.closed_on_time),
                       sum(1 for c in cases if c.overdue))
