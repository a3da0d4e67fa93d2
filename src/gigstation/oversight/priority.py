"""Priority groups need papers with an expiry: what the operator saw, when, and until when.

``PUT /workers/{id}/priority-groups`` replaces a worker's groups with entries that each
carry their evidence::

    {"groups": [{"group": "employment_difficulty", "evidence_type": "就业困难人员认定证明",
                 "evidence_number": "沪就困2026-0012", "evidence_date": "2026-03-01",
                 "expires_on": "2027-02-28"}]}

The rules (README.md, "Public-service rules"):

- every group needs its evidence: the document type, its number or a note, and an expiry
  date; the verifying operator is whoever records it. A bare group name keeps the group's
  current papers unchanged, and is refused when the group has none in force;
- the evidence date cannot be in the future, the expiry cannot have passed, and it can be
  at most the group's maximum (``GIGSTATION_PRIORITY_EVIDENCE_MAX_DAYS``) after the day
  the papers are seen;
- an entry counts up to and including its ``expires_on`` (local date): from the next local
  midnight it stops counting in dispatch's priority, on the board and in the reports, all
  of which read it through the SQL function ``active_priority_groups``;
- records are history: a new recording closes the worker's current records
  (``replaced_at``) and adds new ones; nothing is overwritten, so what counted at any past
  moment can still be told (only the retention purge deletes them, with the person).

The document number is kept masked like every ID number (first and last character):
certificate numbers such as the disability card's contain the holder's ID number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.people import workers
from gigstation.people.identity import mask
from gigstation.people.workers import PriorityGroup
from gigstation.platform import audit
from gigstation.platform.errors import FieldError, Invalid, NotFound
from gigstation.platform.types import NO_NUL

__all__ = ["PriorityEntry", "PriorityRecord", "priority_records", "record_priority_groups"]

# A run of digits as long as an ID number's: such numbers go in the number field (masked).
_ID_LIKE = re.compile(r"[0-9]{15,}")


class PriorityEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    group: PriorityGroup
    evidence_type: Annotated[str, msgspec.Meta(min_length=1, max_length=50, pattern=NO_NUL)]
    evidence_date: date
    expires_on: date | None = None
    """Required; a missing one is answered with a 422 naming the field."""
    evidence_number: Annotated[str, msgspec.Meta(min_length=1, max_length=50, pattern=NO_NUL)] | None = None
    evidence_note: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_NUL)] | None = None


class PriorityRecord(msgspec.Struct, frozen=True):
    group: str
    evidence_type: str
    evidence_number_masked: str | None
    evidence_note: str | None
    evidence_date: date
    expires_on: date
    active: bool
    recorded_at: datetime
    recorded_by: UUID | None
    recorded_by_name: str | None
    replaced_at: datetime | None = None


def _end_of(day: date, zone: str) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZoneInfo(zone))


def _problems(
    groups: list[str | PriorityEntry], today: date, max_days: Callable[[str], int], in_force: set[str],
) -> list[FieldError]:
    """Every reason the entries cannot be recorded, by field (``in_force``: the groups whose
    current papers still hold, which a bare name keeps)."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, g in enumerate(groups):
        at = f"groups[{i}]"
        if not isinstance(g, PriorityEntry):
            if g in seen:
                errors.append(FieldError(at, "同一群体填写了两次", "a group is listed twice"))
            seen.add(g)
            if g not in in_force:
                errors.append(FieldError(at, "须登记核验的证明材料（证明类型、编号或备注、证明日期、有效期）",
                                         "needs the evidence seen: document type, number or note, date, expiry"))
            continue
        if g.group in seen:
            errors.append(FieldError(f"{at}.group", "同一群体填写了两次", "a group is listed twice"))
        seen.add(g.group)
        if g.evidence_date > today:
            errors.append(FieldError(f"{at}.evidence_date", "证明日期不能晚于今天",
                                     "the evidence cannot be dated in the future"))
        if not (g.evidence_number or g.evidence_note):
            errors.append(FieldError(f"{at}.evidence_number", "请填写证明编号或备注",
                                     "give the document's number or a note"))
        if g.evidence_note and _ID_LIKE.search(g.evidence_note):
            errors.append(FieldError(f"{at}.evidence_note",
                                     "备注中不要写证件号码，请填在证明编号栏（只保存首尾各一位）",
                                     "no ID number in the note: put it in the number field (kept masked)"))
        longest = today + timedelta(days=max_days(g.group))
        if g.expires_on is None:
            errors.append(FieldError(f"{at}.expires_on", "请填写证明的有效期", "give the date the evidence expires"))
        elif g.expires_on < today:
            errors.append(FieldError(f"{at}.expires_on", "证明已过期，不能登记", "the evidence has expired"))
        elif g.expires_on < g.evidence_date:
            errors.append(FieldError(f"{at}.expires_on", "有效期早于证明日期", "expires before the evidence date"))
        elif g.expires_on > longest:
            errors.append(FieldError(
                f"{at}.expires_on", f"该身份的证明最长登记到 {longest}（{max_days(g.group)} 天），到期请重新核验",
                f"this group's evidence can be recorded until {longest} at most ({max_days(g.group)} days); "
                "see the papers again then"))
    return errors


_LOCK = "SELECT 1 FROM workers WHERE user_id = $1 FOR NO KEY UPDATE"
_IN_FORCE = """
SELECT grp FROM priority_group_evidence
WHERE worker_id = $1 AND replaced_at IS NULL AND recorded_at <= now() AND expires_at > now()
"""
# Close the current records of every group not kept as it is ($3: the groups kept).
_CLOSE = """
UPDATE priority_group_evidence SET replaced_at = now(), replaced_by = $2
WHERE worker_id = $1 AND replaced_at IS NULL AND grp <> ALL($3::text[]) RETURNING grp
"""
_INSERT_EVIDENCE = """
INSERT INTO priority_group_evidence
    (worker_id, grp, evidence_type, evidence_number, evidence_note, evidence_date, expires_on,
     expires_at, recorded_by)
SELECT $1, x.grp, x.evidence_type, x.evidence_number, x.evidence_note, x.evidence_date,
       x.expires_on, x.expires_at, $2
FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::date[], $8::date[], $9::timestamptz[])
     AS x(grp, evidence_type, evidence_number, evidence_note, evidence_date, expires_on, expires_at)
"""
_SET_GROUPS = """
UPDATE workers SET priority_groups = $2, priority_verified_by = $3, priority_verified_at = now(),
       updated_at = now()
WHERE user_id = $1
"""


async def record_priority_groups(
    conn: asyncpg.Connection[Any], operator_id: UUID, worker_id: UUID, groups: list[str | PriorityEntry],
    zone: str, today: date, max_days: Callable[[str], int] = lambda _: 366,
) -> workers.WorkerView:
    """Replace a worker's priority groups with entries that each carry their evidence (the
    module docstring has the rules); an empty list removes every group."""
    if await conn.fetchval(_LOCK, worker_id) is None:
        raise NotFound("劳动者不存在", "no such worker")
    in_force = {r["grp"] for r in await conn.fetch(_IN_FORCE, worker_id)}
    errors = _problems(groups, today, max_days, in_force)
    if errors:
        raise Invalid(detail="；".join(f"{e.field}: {e.reason}" for e in errors),
                      detail_en="; ".join(f"{e.field}: {e.reason_en}" for e in errors),
                      errors=errors, code="evidence_required")
    entries = [g for g in groups if isinstance(g, PriorityEntry)]
    kept = sorted(g for g in groups if isinstance(g, str))
    closed = [r["grp"] for r in await conn.fetch(_CLOSE, worker_id, operator_id, kept)]
    numbers = [mask(e.evidence_number) if e.evidence_number else None for e in entries]
    await conn.execute(
        _INSERT_EVIDENCE, worker_id, operator_id, [e.group for e in entries],
        [e.evidence_type for e in entries], numbers, [e.evidence_note for e in entries],
        [e.evidence_date for e in entries], [e.expires_on for e in entries],
        [_end_of(e.expires_on, zone) for e in entries if e.expires_on is not None],
    )
    names = sorted({e.group for e in entries} | set(kept))
    await conn.execute(_SET_GROUPS, worker_id, names, operator_id)
    await audit.record(conn, operator_id, "worker.priority_verified", "worker", worker_id, {
        "groups": names, "kept": kept, "closed": sorted(closed),
        "evidence": {e.group: {"type": e.evidence_type, "number": n, "date": e.evidence_date.isoformat(),
                               "expires_on": e.expires_on.isoformat() if e.expires_on else None}
                     for e, n in zip(entries, numbers, strict=True)},
    })
    return await workers.get_worker(conn, worker_id)


_RECORDS = """
SELECT e.grp AS group, e.evidence_type, e.evidence_number AS evidence_number_masked, e.evidence_note,
       e.evidence_date, e.expires_on, e.recorded_at, e.recorded_by, u.name AS recorded_by_name,
       e.replaced_at,
       (e.replaced_at IS NULL AND e.expires_at > $2 AND e.recorded_at <= $2) AS active
FROM priority_group_evidence e LEFT JOIN users u ON u.id = e.recorded_by
WHERE e.worker_id = $1 AND ($3 OR e.replaced_at IS NULL)
ORDER BY e.replaced_at IS NOT NULL, e.grp, e.recorded_at DESC
"""
_EXISTS = "SELECT 1 FROM workers WHERE user_id = $1"


async def priority_records(
    conn: asyncpg.Connection[Any], worker_id: UUID, now: datetime, include_history: bool = False,
) -> list[PriorityRecord]:
    """The worker's current records (with ``include_history``, the closed ones too), each
    with whether it counts at ``now``."""
    if await conn.fetchval(_EXISTS, worker_id) is None:
        raise NotFound("劳动者不存在", "no such worker")
    return [msgspec.convert(dict(r), PriorityRecord)
            for r in await conn.fetch(_RECORDS, worker_id, now, include_history)]
