"""The safeguards dispatch and accept apply: blocks and the part-time limits (24 hours a week,
``day_cap_h`` in any 24 hours, with one employer: ``work.hours``).

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
from gigstation.platform.errors import Conflict
from gigstation.work import blocks, hours

__all__ = ["check_accept", "forbidden_pairs"]

_ORDER_EMPLOYERS = "SELECT id, employer_id FROM orders WHERE id = ANY($1::uuid[])"
_BLOCKS_OF = """
SELECT blocker_id, blocked_id FROM blocks
WHERE blocker_id = ANY($1::uuid[]) OR blocked_id = ANY($1::uuid[])
"""


async def forbidden_pairs(
    conn: asyncpg.Connection[Any], workers: Sequence[str], orders: Sequence[solver.Order],
    zone: str, day_cap_h: float = hours.DEFAULT_RULES.day_cap_h,
) -> list[solver.Pair]:
    """Pairs dispatch must not offer: a block either way, or a job past a part-time limit."""
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
    # An order longer than the day's cap (posted before the cap was lowered) fits nobody.
    for o in orders:
        if (o.ends_at - o.starts_at).total_seconds() / 3600 > day_cap_h + 1e-9:
            out.update(solver.Pair(worker_id=str(w), order_id=o.id) for w in worker_ids)
    for (w, e), intervals in worked.items():
        # Cheap bound first: all these hours plus the job's cannot pass either limit.
        total = sum((b - a).total_seconds() for a, b in intervals) / 3600
        for o in by_employer.get(e, []):
            if total + (o.ends_at - o.starts_at).total_seconds() / 3600 <= day_cap_h:
                continue
            if hours.limit_breach(intervals, (o.starts_at, o.ends_at), tz, day_cap_h):
                out.add(solver.Pair(worker_id=str(w), order_id=o.id))
    return sorted(out, key=lambda p: (p.worker_id, p.order_id))


async def check_accept(
    conn: asyncpg.Connection[Any], worker_id: UUID, employer_id: UUID, starts_at: datetime,
    ends_at: datetime, zone: str, day_cap_h: float = hours.DEFAULT_RULES.day_cap_h,
) -> None:
    """Refuse (409) an accept that a block or a part-time limit rules out."""
    if await blocks.is_blocked(conn, worker_id, employer_id):
        raise Conflict("您与该用工主体之间已屏蔽，不能接受此工作",
                       "you and this employer have blocked each other; the job cannot be taken",
                       code="blocked")
    worked = await hours.intervals_by_pair(conn, [worker_id], [employer_id],
                                           starts_at - timedelta(days=7), ends_at + timedelta(days=7))
    breach = hours.limit_breach(worked.get((worker_id, employer_id), []), (starts_at, ends_at),
                                ZoneInfo(zone), day_cap_h)
    if breach == "daily_hours_exceeded":
        raise Conflict(
            f"接受后24小时内为同一用工主体工作将超过{day_cap_h:g}小时（非全日制用工，每日工作时间上限）",
            f"taking this job would pass {day_cap_h:g} hours within 24 hours with one employer "
            "(part-time work, the daily cap)",
            code=breach)
    if breach == "weekly_hours_exceeded":
        raise Conflict(
            "接受后本周为同一用工主体工作将超过24小时（《劳动合同法》第六十八条，非全日制用工）",
            "taking this job would pass 24 hours this week with one employer "
            "(Labour Contract Law art. 68, part-time work)",
            code=breach)
