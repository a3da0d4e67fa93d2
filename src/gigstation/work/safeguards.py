"""The safeguards dispatch and accept apply: blocks and the part-time weekly limit.

Dispatch adds every (worker, order) pair they rule out to the solver's ``forbidden`` list,
so the matcher itself stays unaware of them; accept re-checks the same rules under the
worker's row lock (``work.offers``), so a check-then-insert cannot race a second accept of
the same worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from gigstation import solver
from gigstation.platform import events
from gigstation.platform.errors import Conflict
from gigstation.work import blocks, hours

__all__ = ["check_accept", "forbidden_pairs", "warn_daily_average"]

_ORDER_EMPLOYERS = "SELECT id, employer_id FROM orders WHERE id = ANY($1::uuid[])"
_BLOCKS_OF = """
SELECT blocker_id, blocked_id FROM blocks
WHERE blocker_id = ANY($1::uuid[]) OR blocked_id = ANY($1::uuid[])
"""


async def forbidden_pairs(
    conn: asyncpg.Connection[Any], workers: Sequence[str], orders: Sequence[solver.Order],
    zone: str,
) -> list[solver.Pair]:
    """Pairs dispatch must not offer: a block either way, or a job past 24 h that week."""
    if not workers or not orders:
        return []
    tz = ZoneInfo(zone)
    worker_ids = [UUID(w) for w in workers]
    employer_of = {r["id"]: r["employer_id"] for r in
                   await conn.fetch(_ORDER_EMPLOYERS, [UUID(o.id) for o in orders])}
    blocked = set()
    for r in await conn.fetch(_BLOCKS_OF, worker_ids):
        blocked.add((r["blocker_id"], r["blocked_id"]))
        blocked.add((r["blocked_id"], r["blocker_id"]))
    lo = min(o.starts_at for o in orders) - timedelta(days=7)
    hi = max(o.ends_at for o in orders) + timedelta(days=7)
    worked = await hours.intervals_by_pair(conn, worker_ids, list(set(employer_of.values())), lo, hi)
    by_employer: dict[UUID, list[solver.Order]] = {}
    for o in orders:
        by_employer.setdefault(employer_of[UUID(o.id)], []).append(o)
    present = set(worker_ids)
    # Only pairs with a block or hours already worked can be ruled out: walk those, not
    # every worker x order.
    out: set[solver.Pair] = set()
    for w, e in blocked:
        if w in present:
            out.update(solver.Pair(worker_id=str(w), order_id=o.id) for o in by_employer.get(e, []))
    for (w, e), intervals in worked.items():
        # Cheap bound first: all these hours plus the job's cannot pass 24 in any week.
        total = sum((b - a).total_seconds() for a, b in intervals) / 3600
        for o in by_employer.get(e, []):
            if total + (o.ends_at - o.starts_at).total_seconds() / 3600 <= hours.WEEKLY_LIMIT_H:
                continue
            if hours.would_exceed_week(intervals, (o.starts_at, o.ends_at), tz):
                out.add(solver.Pair(worker_id=str(w), order_id=o.id))
    return sorted(out, key=lambda p: (p.worker_id, p.order_id))


async def check_accept(
    conn: asyncpg.Connection[Any], worker_id: UUID, employer_id: UUID, starts_at: datetime,
    ends_at: datetime, zone: str,
) -> None:
    """Refuse (409) an accept that a block or the 24-hour week rules out."""
    if await blocks.is_blocked(conn, worker_id, employer_id):
        raise Conflict("您与该用工主体之间已屏蔽，不能接受此工作",
                       "you and this employer have blocked each other; the job cannot be taken",
                       code="blocked")
    worked = await hours.intervals_by_pair(conn, [worker_id], [employer_id],
                                           starts_at - timedelta(days=7), ends_at + timedelta(days=7))
    if hours.would_exceed_week(worked.get((worker_id, employer_id), []), (starts_at, ends_at),
                               ZoneInfo(zone)):
        raise Conflict(
            "接受后本周为同一用工主体工作将超过24小时（《劳动合同法》第六十八条，非全日制用工）",
            "taking this job would pass 24 hours this week with one employer "
            "(Labour Contract Law art. 68, part-time work)",
            code="weekly_hours_exceeded")


async def warn_daily_average(
    conn: asyncpg.Connection[Any], worker_id: UUID, employer_id: UUID, at: datetime, zone: str,
) -> hours.WeekHours:
    """After an accept: tell the employer when the worker passes 4 hours a day on average."""
    worked = await hours.intervals_by_pair(conn, [worker_id], [employer_id], at - timedelta(days=8),
                                           at + timedelta(days=8))
    summary = hours.week_summary(worked.get((worker_id, employer_id), []), at, ZoneInfo(zone))
    if summary.over_daily_average:
        await events.emit(conn, "parttime.daily_average_exceeded",
                          {"worker_id": worker_id, "week_start": summary.week_start.isoformat(),
                           "hours": summary.hours, "average_per_day": summary.average_per_day},
                          user_id=employer_id)
    return summary
