"""Complaints: open wage disputes, contested no-shows and contested hours, and their resolution
by an operator (an hours contest is resolved into the hours ledger, ``work.timesheet``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from gigstation.platform import audit, clock
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Conflict, Forbidden, Invalid
from gigstation.platform.pagination import Page, PageParams
from gigstation.work.assignments import (
    COLUMNS,
    JOINS,
    Assignment,
    Complaint,
    ResolveBody,
    announce,
    fetch_assignment,
    view,
    visible_assignment,
)

__all__ = ["list_complaints", "resolve"]


# --- complaints -------------------------------------------------------------------------

_OTHER_OPEN = """
((a.disputed_at IS NOT NULL AND a.dispute_resolved_at IS NULL)
 OR (a.no_show_contested_at IS NOT NULL AND a.contest_resolved_at IS NULL))
"""
_OPEN = f"({_OTHER_OPEN} OR a.hours_state = 'contested')"
# Each matter keeps its own resolution (the wage complaint's in resolved_by and
# resolution_note, the no-show contest's in contest_*), written once (migration 0050): the
# one resolved later never writes over the other's.
_DISPUTE_OPEN = "(a.disputed_at IS NOT NULL AND a.dispute_resolved_at IS NULL)"
_CONTEST_OPEN = "(a.no_show_contested_at IS NOT NULL AND a.contest_resolved_at IS NULL)"
_RESOLVE = f"""
UPDATE assignments a SET
    dispute_resolved_at = CASE WHEN {_DISPUTE_OPEN} THEN now() ELSE a.dispute_resolved_at END,
    resolved_by = CASE WHEN {_DISPUTE_OPEN} THEN $2 ELSE a.resolved_by END,
    resolution_note = CASE WHEN {_DISPUTE_OPEN} THEN $4 ELSE a.resolution_note END,
    contest_resolved_at = CASE WHEN {_CONTEST_OPEN} THEN now() ELSE a.contest_resolved_at END,
    contest_resolved_by = CASE WHEN {_CONTEST_OPEN} THEN $2 ELSE a.contest_resolved_by END,
    contest_resolution_note = CASE WHEN {_CONTEST_OPEN} THEN $4 ELSE a.contest_resolution_note END,
    no_show_overturned = a.no_show_overturned OR ($3 AND {_CONTEST_OPEN})
WHERE a.id = $1 AND {_OTHER_OPEN}
RETURNING (a.no_show_contested_at IS NOT NULL) AS contest
"""


_LOCK = "SELECT 1 FROM assignments WHERE id = $1 FOR UPDATE"
_CLOSED_UNSTATED = """
INSERT INTO complaint_events (assignment_id, kind, actor_id, note, outcome, at)
VALUES ($1, 'closed', $2, $3, 'unstated', $4)
"""
_HOURS_RESOLVE = """
INSERT INTO hours_events (assignment_id, kind, at, arrived_at, departed_at, proof, note, recorded_by)
VALUES ($1, 'resolve', $2, $3, $4, 'operator', $5, $6)
"""


def _decided_times(a: Assignment, data: ResolveBody) -> tuple[datetime, datetime]:
    """The hours an operator settles a contest with (checked to be a plausible working span)."""
    if data.hours == "planned":
        return a.starts_at, a.ends_at
    if data.hours == "recorded":
        assert a.arrived_at is not None and a.departed_at is not None  # contested: both recorded
        return a.arrived_at, a.departed_at
    if data.arrived_at is None or data.departed_at is None:
        raise Invalid.of_field("arrived_at", "请填写核定的到岗和离岗时间", "give the decided arrival and departure")
    for name in ("arrived_at", "departed_at"):
        t = getattr(data, name)
        if t.tzinfo is None:
            raise Invalid.of_field(name, "时间须带时区", "must include a UTC offset")
        if not a.starts_at - timedelta(days=1) <= t <= a.ends_at + timedelta(days=1):
            raise Invalid.of_field(name, "须在约定工作时间前后一天内", "must be within a day of the planned times")
    if not timedelta(0) < data.departed_at - data.arrived_at <= timedelta(hours=24):
        raise Invalid.of_field("departed_at", "离岗须晚于到岗，且不超过24小时",
                               "must be after the arrival, within 24 hours")
    return data.arrived_at, data.departed_at


async def resolve(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: ResolveBody,
    now: datetime | None = None,
) -> Assignment:
    """An operator closes the open complaints of an assignment (resolving twice is harmless).
    A contest of the hours is settled with the recorded times, the planned ones or times the
    operator decides (``data.hours``): a ``resolve`` row of the hours ledger, and then only
    that (an open wage complaint stays open for its own resolution)."""
    before = await visible_assignment(conn, who, assignment_id)
    if who.role not in ("operator", "admin"):
        raise Forbidden("只有驿站专员可以处理投诉", "only operators resolve complaints")
    if data.no_show_overturned and before.no_show_contested_at is None:
        raise Conflict("没有待处理的未到岗申诉", "there is no contested no-show to overturn",
                       code="nothing_to_overturn")
    await conn.execute(_LOCK, assignment_id)
    before = await fetch_assignment(conn, assignment_id)
    hours_settled = None
    if before.hours_state == "contested":
        hours_settled = _decided_times(before, data)
        await conn.execute(_HOURS_RESOLVE, assignment_id, now or clock.now(),
                           *hours_settled, data.note, who.user_id)
    elif data.hours == "decided":
        raise Conflict("没有待处理的工时异议", "there is no contest of the hours to resolve",
                       code="nothing_to_resolve")
    # Settling the hours is all this call does when they were contested: an open wage
    # complaint is a matter of its own and waits for its own resolution (a second call, or
    # the case's closing with an outcome), not closed by the decision on the hours.
    other = None if hours_settled is not None else await conn.fetchrow(
        _RESOLVE, assignment_id, who.user_id, data.no_show_overturned, data.note)
    if other is None and hours_settled is None:
        a = await fetch_assignment(conn, assignment_id)
        if a.dispute_resolved_at is not None or a.contest_resolved_at is not None \
                or a.hours_state == "resolved":
            return a
        raise Conflict("没有待处理的投诉", "there is no open complaint on this assignment",
                       code="nothing_to_resolve")
    a = await fetch_assignment(conn, assignment_id)
    if before.disputed_at is not None and before.dispute_resolved_at is None and a.dispute_resolved_at is not None:
        # The wage complaint's history gets its closing too (who, when, the note), with no
        # stated outcome: closing with one is the case's own close (oversight.complaints).
        await conn.execute(_CLOSED_UNSTATED, assignment_id, who.user_id, data.note or "", a.dispute_resolved_at)
    await announce(conn, a, "complaint.resolved",
                   {"no_show_overturned": a.no_show_overturned, "note": data.note,
                    "hours_of_record": a.hours_of_record if hours_settled else None})
    details: dict[str, Any] = {"no_show_overturned": a.no_show_overturned}
    if hours_settled is not None:
        details.update(hours=data.hours, arrived_at=hours_settled[0].isoformat(),
                       departed_at=hours_settled[1].isoformat())
    await audit.record(conn, who.user_id, "assignment.resolve", "assignment", assignment_id, details)
    return a


_COMPLAINTS = f"""
SELECT {COLUMNS} {JOINS}
WHERE o.station_id = $1 AND {_OPEN}
ORDER BY least(CASE WHEN a.dispute_resolved_at IS NULL THEN a.disputed_at END,
               CASE WHEN a.contest_resolved_at IS NULL THEN a.no_show_contested_at END,
               CASE WHEN a.hours_state = 'contested' THEN
                   (SELECT max(h.at) FROM hours_events h WHERE h.assignment_id = a.id AND h.kind = 'contest')
               END), a.id
LIMIT $2 OFFSET $3
"""


def _complaints_of(a: Assignment) -> list[Complaint]:
    out = []
    if a.disputed_at is not None and a.dispute_resolved_at is None:
        out.append(Complaint("wage_dispute", a.disputed_at, a.dispute_reason or "", a))
    if a.no_show_contested_at is not None and a.contest_resolved_at is None:
        out.append(Complaint("no_show_contest", a.no_show_contested_at, a.contest_reason or "", a))
    if a.hours_state == "contested":
        contest = next(e for e in reversed(a.hours_events) if e.kind == "contest")
        out.append(Complaint("hours_contest", contest.at, contest.note, a))
    return out


async def list_complaints(
    conn: asyncpg.Connection[Any], station_id: UUID, page: PageParams
) -> Page[Complaint]:
    """A station's open wage disputes, contested no-shows and contested hours, oldest first
    (one per assignment and kind; the page counts assignments)."""
    rows = await conn.fetch(_COMPLAINTS, station_id, page.limit + 1, page.offset)
    more = len(rows) > page.limit
    items = [c for r in rows[: page.limit] for c in _complaints_of(view(r))]
    items.sort(key=lambda c: (c.opened_at, str(c.assignment.id)))
    return Page(items, page.offset + page.limit if more else None)
