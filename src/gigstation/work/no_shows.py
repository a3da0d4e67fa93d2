"""No-shows: the employer records that a worker did not come; the worker may contest it.

A no-show needs the order's start to have passed and no recorded arrival: a worker whose
arrival was scanned came (a CHECK in migration 0013 holds it too), and a no-show would stop
the pay clock on work that was done.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from gigstation.platform import audit
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Conflict
from gigstation.work.assignments import (
    Assignment,
    ReasonBody,
    announce,
    fetch_assignment,
    own_assignment,
    state_conflict,
)

__all__ = ["contest_no_show", "mark_no_show"]


# --- no-show ----------------------------------------------------------------------------

# Not once the worker filed a wage complaint (saying they worked): the employer's "did not
# come" is then its answer on the case, for the station to decide, not a no-show of its own.
_NO_SHOW = """
UPDATE assignments a SET status = 'no_show', no_show_at = now()
FROM orders o
WHERE a.id = $1 AND o.id = a.order_id AND a.status = 'active' AND o.starts_at <= now()
  AND a.arrived_at IS NULL AND a.disputed_at IS NULL
RETURNING a.id
"""


async def mark_no_show(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID
) -> Assignment:
    """The employer records that the worker did not come (once the order started, never
    after an arrival was recorded, nor once the worker filed a wage complaint)."""
    await own_assignment(conn, who, assignment_id, "employer")
    if await conn.fetchval(_NO_SHOW, assignment_id) is None:
        a = await fetch_assignment(conn, assignment_id)
        if a.status == "no_show":
            return a
        if a.arrived_at is not None:
            raise Conflict("已登记到岗，不能记录为未到岗", "arrival was recorded: the worker came",
                           code="arrived")
        if a.disputed_at is not None:
            raise Conflict("劳动者已投诉工资：请在投诉中答复，由驿站核实",
                           "the worker filed a wage complaint: answer it on the case; the station decides",
                           code="disputed")
        if a.status == "active":
            raise Conflict("用工尚未开始，不能记录未到岗", "the order has not started yet",
                           code="not_started")
        raise state_conflict(a, "记录未到岗", "marked a no-show")
    a = await fetch_assignment(conn, assignment_id)
    await announce(conn, a, "assignment.no_show")
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
    await own_assignment(conn, who, assignment_id, "worker")
    if await conn.fetchval(_CONTEST, assignment_id, data.reason) is None:
        a = await fetch_assignment(conn, assignment_id)
        if a.no_show_contested_at is not None:
            if a.contest_reason == data.reason:
                return a
            raise Conflict("已提出过申诉", "the no-show was already contested",
                           code="already_contested")
        raise state_conflict(a, "申诉未到岗", "contested")
    a = await fetch_assignment(conn, assignment_id)
    await announce(conn, a, "complaint.opened", {"kind": "no_show_contest"})
    await audit.record(conn, who.user_id, "assignment.contest", "assignment", assignment_id)
    return a
