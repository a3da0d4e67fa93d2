"""Priority groups with evidence: what the operator saw, when, and until when it holds.

``PUT /workers/{id}/priority-groups`` keeps its old body (a list of group names) and
also takes entries with evidence::

    {"groups": ["veteran",
                {"group": "employment_difficulty", "evidence_type": "就业困难人员认定证明",
                 "evidence_date": "2026-03-01", "expires_on": "2027-02-28"}]}

The list of groups recorded stays in ``workers.priority_groups``; each entry with
evidence also has a row in ``priority_group_evidence``. An entry counts up to and
including its ``expires_on`` (local date); from the next local midnight it stops
counting in dispatch's priority, on the board and in the reports, all of which read the
list through the SQL function ``active_priority_groups``. A bare name (the old form)
has no evidence row and no expiry, as before.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.people import workers
from gigstation.people.workers import PriorityGroup
from gigstation.platform import audit
from gigstation.platform.errors import Invalid, NotFound
from gigstation.platform.types import NO_NUL

__all__ = ["PriorityEntry", "PriorityRecord", "priority_records", "record_priority_groups"]


class PriorityEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    group: PriorityGroup
    evidence_type: Annotated[str, msgspec.Meta(min_length=1, max_length=50, pattern=NO_NUL)]
    evidence_date: date
    expires_on: date | None = None


class PriorityRecord(msgspec.Struct, frozen=True):
    group: str
    evidence_type: str | None
    evidence_date: date | None
    expires_on: date | None
    active: bool
    recorded_at: datetime | None


_SET_GROUPS = """
UPDATE workers SET priority_groups = $2, priority_verified_by = $3, priority_verified_at = now(),
       updated_at = now()
WHERE user_id = $1 RETURNING 1
"""
_CLEAR_EVIDENCE = "DELETE FROM priority_group_evidence WHERE worker_id = $1"
_INSERT_EVIDENCE = """
INSERT INTO priority_group_evidence
    (worker_id, grp, evidence_type, evidence_date, expires_on, expires_at, recorded_by)
SELECT $1, x.grp, x.evidence_type, x.evidence_date, x.expires_on, x.expires_at, $2
FROM unnest($3::text[], $4::text[], $5::date[], $6::date[], $7::timestamptz[])
     AS x(grp, evidence_type, evidence_date, expires_on, expires_at)
"""


def _end_of(day: date, zone: str) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZoneInfo(zone))


async def record_priority_groups(
    conn: asyncpg.Connection[Any], operator_id: UUID, worker_id: UUID, groups: list[str | PriorityEntry],
    zone: str,
) -> workers.WorkerView:
    """Replace a worker's priority groups (names, or entries with evidence and expiry)."""
    entries = {g.group: g for g in groups if isinstance(g, PriorityEntry)}
    names = sorted({g.group if isinstance(g, PriorityEntry) else g for g in groups})
    if len(entries) != sum(isinstance(g, PriorityEntry) for g in groups):
        raise Invalid.of_field("groups", "同一群体填写了两次", "a group is listed twice")
    for i, e in enumerate(entries.values()):
        if e.expires_on is not None and e.expires_on < e.evidence_date:
            raise Invalid.of_field(f"groups[{i}].expires_on", "有效期早于证明日期",
                                   "expires before the evidence date")
    if await conn.fetchval(_SET_GROUPS, worker_id, names, operator_id) is None:
        raise NotFound("劳动者不存在", "no such worker")
    await conn.execute(_CLEAR_EVIDENCE, worker_id)
    ordered = list(entries.values())
    await conn.execute(
        _INSERT_EVIDENCE, worker_id, operator_id, [e.group for e in ordered], [e.evidence_type for e in ordered],
        [e.evidence_date for e in ordered], [e.expires_on for e in ordered],
        [None if e.expires_on is None else _end_of(e.expires_on, zone) for e in ordered],
    )
    await audit.record(conn, operator_id, "worker.priority_verified", "worker", worker_id, {
        "groups": names,
        "evidence": {e.group: {"type": e.evidence_type, "date": e.evidence_date.isoformat(),
                               "expires_on": None if e.expires_on is None else e.expires_on.isoformat()}
                     for e in ordered},
    })
    return await workers.get_worker(conn, worker_id)


_RECORDS = """
SELECT g AS group, e.evidence_type, e.evidence_date, e.expires_on, e.recorded_at,
       (e.expires_at IS NULL OR e.expires_at > $2) AS active
FROM workers w CROSS JOIN unnest(w.priority_groups) AS g
LEFT JOIN priority_group_evidence e ON e.worker_id = w.user_id AND e.grp = g
WHERE w.user_id = $1
ORDER BY g
"""
_EXISTS = "SELECT 1 FROM workers WHERE user_id = $1"


async def priority_records(conn: asyncpg.Connection[Any], worker_id: UUID, now: datetime) -> list[PriorityRecord]:
    """Each recorded group with its evidence and whether it counts at ``now``."""
    if await conn.fetchval(_EXISTS, worker_id) is None:
        raise NotFound("劳动者不存在", "no such worker")
    return [msgspec.convert(dict(r), PriorityRecord) for r in await conn.fetch(_RECORDS, worker_id, now)]
