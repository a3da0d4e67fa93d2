"""Complaints: open wage disputes and contested no-shows, and their resolution by an operator."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from gigstation.platform import audit
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Conflict, Forbidden
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
        a = await fetch_assignment(conn, assignment_id)
        if a.dispute_resolved_at is not None or a.contest_resolved_at is not None:
            return a
        raise Conflict("没有待处理的投诉", "there is no open complaint on this assignment",
                       code="nothing_to_resolve")
    a = await fetch_assignment(conn, assignment_id)
    await announce(conn, a, "complaint.resolved",
                    {"no_show_overturned": a.no_show_overturned, "note": a.resolution_note})
    await audit.record(conn, who.user_id, "assignment.resolve", "assignment", assignment_id,
                       {"no_show_overturned": a.no_show_overturned})
    return a


_COMPLAINTS = f"""
SELECT {COLUMNS} {JOINS}
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
    items = [c for r in rows[: page.limit] for c in _complaints_of(view(r))]
    items.sort(key=lambda c: (c.opened_at, str(c.assignment.id)))
    return Page(items, page.offset + page.limit if more else None)
