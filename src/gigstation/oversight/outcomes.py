"""Outcomes for priority groups: was each person in a priority group helped into work within
the deadline the policy sets for their group, and what the station did to get them there.

The rules (README.md, "Public-service rules"; data in ``data/labour-rules.json``,
"priority_outcomes", overridable per group with ``GIGSTATION_PRIORITY_OUTCOME_MONTHS``):

- a *case* is a person and a group with a deadline. Its clock starts at the group's evidence
  date (the earliest on record for that person and group: seeing the papers again does not
  restart it) and its deadline is that many calendar months later (a 31 January start with
  one month ends on 28 or 29 February), counted in the station's zone;
- the outcome is *met* when the person worked a job (an assignment completed) that started
  between the start and the deadline, both days included; work after the deadline is *met
  late*; no work by then is *overdue*; before the deadline the case is *open*. Offers and
  accepted jobs since the start are shown beside it: an offer is not yet work;
- a case belongs to the station where the person last checked in, else to a station of the
  operator who first recorded the group (NULL: neither, e.g. recorded by the office for
  someone who never came);
- the operator's due list holds the open cases whose group is still in force and whose
  deadline is at most :data:`DUE_DAYS` days away, and the overdue ones apart;
- follow-ups (a call, a visit, a referral) are added with their result and never changed
  (a trigger refuses it); the retention purge removes them with an anonymised person;
- the district's figures take the cases whose deadline falls in the period: share met on
  time = met / (met + met late + overdue), per station and group; open cases are counted
  beside it, not in the share.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from gigstation.people.workers import PRIORITY_GROUPS, PriorityGroup
from gigstation.platform import audit
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Invalid, NotFound
from gigstation.platform.types import NO_NUL, rule_violation
from gigstation.stations.registry import operator_station_ids

__all__ = [
    "DUE_DAYS",
    "FOLLOW_UP_KINDS",
    "CaseStatus",
    "DueList",
    "FollowUpCreate",
    "FollowUpView",
    "OutcomeCase",
    "OutcomeFigures",
    "OutcomeRow",
    "OutcomeRule",
    "PersonOutcome",
    "due_list",
    "outcome_figures",
    "outcome_rules",
    "person_outcome",
    "record_follow_up",
]

DUE_DAYS = 7
"""The due list: open cases whose deadline is at most this many days away."""

FollowUpKind = Literal["call", "visit", "training_referral", "job_referral", "other"]
FOLLOW_UP_KINDS: dict[str, tuple[str, str]] = {
    "call": ("电话回访", "Phone call"),
    "visit": ("上门走访", "Home visit"),
    "training_referral": ("推荐培训", "Referred to training"),
    "job_referral": ("推荐岗位", "Referred to a job"),
    "other": ("其他", "Other"),
}
CaseStatus = Literal["met", "met_late", "overdue", "open"]
Result = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=NO_NUL)]


class OutcomeRule(msgspec.Struct, frozen=True):
    group: str
    months: int
    source: str


class _RuleEntry(msgspec.Struct, frozen=True):
    group: str
    months: int | None
    source: str


class _Outcomes(msgspec.Struct, frozen=True):
    groups: list[_RuleEntry]


class _RulesFile(msgspec.Struct, frozen=True):
    priority_outcomes: _Outcomes


@functools.cache
def _shipped() -> tuple[_RuleEntry, ...]:
    raw = resources.files("gigstation.data").joinpath("labour-rules.json").read_bytes()
    return tuple(msgspec.json.decode(raw, type=_RulesFile, strict=False).priority_outcomes.groups)


def outcome_rules(overrides: dict[str, int] | None = None) -> dict[str, OutcomeRule]:
    """The groups with a deadline: the shipped data, then the office's overrides (months;
    0 stops tracking a group). An override for an unknown group is refused."""
    rules = {e.group: OutcomeRule(e.group, e.months, e.source) for e in _shipped() if e.months}
    for group, months in (overrides or {}).items():
        if group not in PRIORITY_GROUPS:
            raise ValueError(f"GIGSTATION_PRIORITY_OUTCOME_MONTHS: unknown group {group!r} "
                             f"(known: {', '.join(PRIORITY_GROUPS)})")
        if months == 0:
            rules.pop(group, None)
        else:
            rules[group] = OutcomeRule(group, months, "this office's setting (GIGSTATION_PRIORITY_OUTCOME_MONTHS)")
    return rules


class OutcomeCase(msgspec.Struct, frozen=True):
    worker_id: UUID
    worker_name: str
    group: str
    identified_on: date
    """The group's earliest evidence date for the person: the clock starts here."""
    deadline: date
    months: int
    days_left: int
    """Days from today to the deadline (negative once it has passed)."""
    station_id: UUID | None
    station_name: str | None
    in_force: bool
    """The group's papers count today (an expired or removed group keeps its case for the figures)."""
    offers: int
    accepted: int
    worked: int
    """Jobs completed that started on or after the start."""
    first_worked_on: date | None
    status: CaseStatus
    met: bool
    """Worked by the deadline."""
    follow_ups: int
    last_follow_up_at: datetime | None


# $1 groups, $2 months, $3 zone, $4 station (NULL: all), $5 worker (NULL: all), $6 in force only,
# $7 deadlines up to (NULL: all; the due list needs only those within the week or past, which
# spares the per-case look-ups of every case further out on each board refresh).
_CASES = """
WITH rules AS (SELECT * FROM unnest($1::text[], $2::int[]) AS r(grp, months)),
cases AS (
    SELECT e.worker_id, e.grp, min(e.evidence_date) AS identified_on,
           (array_agg(e.recorded_by ORDER BY e.recorded_at) FILTER (WHERE e.recorded_by IS NOT NULL))[1]
               AS identified_by,
           bool_or(e.replaced_at IS NULL AND e.recorded_at <= now() AND e.expires_at > now()) AS in_force
    FROM priority_group_evidence e JOIN rules r ON r.grp = e.grp
    WHERE $5::uuid IS NULL OR e.worker_id = $5
    GROUP BY e.worker_id, e.grp
),
placed AS (
    SELECT c.*, r.months, (c.identified_on + make_interval(months => r.months))::date AS deadline,
           coalesce(
               (SELECT ci.station_id FROM checkins ci WHERE ci.worker_id = c.worker_id
                ORDER BY ci.checked_in_at DESC LIMIT 1),
               (SELECT os.station_id FROM operator_stations os WHERE os.operator_id = c.identified_by
                ORDER BY os.station_id LIMIT 1)) AS station_id
    FROM cases c JOIN rules r USING (grp)
)
SELECT p.worker_id, u.name AS worker_name, p.grp, p.identified_on, p.deadline, p.months, p.station_id,
       s.name AS station_name, p.in_force,
       (SELECT count(*) FROM offers o WHERE o.worker_id = p.worker_id
          AND (o.created_at AT TIME ZONE $3)::date >= p.identified_on)::int AS offers,
       (SELECT count(*) FROM assignments a WHERE a.worker_id = p.worker_id
          AND (a.created_at AT TIME ZONE $3)::date >= p.identified_on)::int AS accepted,
       (SELECT count(*) FROM assignments a WHERE a.worker_id = p.worker_id AND a.status = 'completed'
          AND (a.starts_at AT TIME ZONE $3)::date >= p.identified_on)::int AS worked,
       (SELECT min((a.starts_at AT TIME ZONE $3)::date) FROM assignments a
          WHERE a.worker_id = p.worker_id AND a.status = 'completed'
          AND (a.starts_at AT TIME ZONE $3)::date >= p.identified_on) AS first_worked_on,
       (SELECT count(*) FROM priority_followups f WHERE f.worker_id = p.worker_id
          AND (f.recorded_at AT TIME ZONE $3)::date >= p.identified_on)::int AS follow_ups,
       (SELECT max(f.recorded_at) FROM priority_followups f WHERE f.worker_id = p.worker_id)
          AS last_follow_up_at
FROM placed p JOIN users u ON u.id = p.worker_id LEFT JOIN stations s ON s.id = p.station_id
WHERE ($7::date IS NULL OR p.deadline <= $7) AND (NOT $6 OR p.in_force)
  AND ($4::uuid IS NULL OR p.station_id = $4) AND u.anonymised_at IS NULL
ORDER BY p.deadline, u.name, p.grp
"""


def _status(deadline: date, first_worked_on: date | None, today: date) -> CaseStatus:
    if first_worked_on is not None:
        return "met" if first_worked_on <= deadline else "met_late"
    return "overdue" if deadline < today else "open"


async def _cases(
    conn: asyncpg.Connection[Any], rules: dict[str, OutcomeRule], zone: str, today: date, *,
    station_id: UUID | None = None, worker_id: UUID | None = None, in_force_only: bool = False,
    deadline_by: date | None = None,
) -> list[OutcomeCase]:
    groups = sorted(rules)
    rows = await conn.fetch(_CASES, groups, [rules[g].months for g in groups], zone, station_id,
                            worker_id, in_force_only, deadline_by)
    out = []
    for r in rows:
        status = _status(r["deadline"], r["first_worked_on"], today)
        out.append(OutcomeCase(
            worker_id=r["worker_id"], worker_name=r["worker_name"], group=r["grp"],
            identified_on=r["identified_on"], deadline=r["deadline"], months=r["months"],
            days_left=(r["deadline"] - today).days, station_id=r["station_id"],
            station_name=r["station_name"], in_force=r["in_force"], offers=r["offers"],
            accepted=r["accepted"], worked=r["worked"], first_worked_on=r["first_worked_on"],
            status=status, met=status == "met", follow_ups=r["follow_ups"],
            last_follow_up_at=r["last_follow_up_at"]))
    return out


# --- the operator's due list -------------------------------------------------------------------


class DueList(msgspec.Struct, frozen=True):
    station_id: UUID
    on: date
    due_days: int
    due: list[OutcomeCase]
    """Open cases in force whose deadline is at most ``due_days`` days away, soonest first:
    "本周到期未就业"."""
    overdue: list[OutcomeCase]
    """Cases in force past their deadline with no work yet."""


async def due_list(
    conn: asyncpg.Connection[Any], rules: dict[str, OutcomeRule], station_id: UUID, zone: str, today: date,
) -> DueList:
    """The station's people who reach their deadline within :data:`DUE_DAYS` days and have
    not worked, and those already past it."""
    cases = await _cases(conn, rules, zone, today, station_id=station_id, in_force_only=True,
                         deadline_by=today + timedelta(days=DUE_DAYS))
    due = [c for c in cases if c.status == "open"]
    overdue = [c for c in cases if c.status == "overdue"]
    return DueList(station_id, today, DUE_DAYS, due, overdue)


# --- one person and their follow-ups -----------------------------------------------------------


class FollowUpCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: FollowUpKind
    result: Result
    """What came of it, e.g. "已电话联系，本人愿意参加叉车培训"."""
    group: PriorityGroup | None = None
    """The case it is about; none: the person as a whole."""
    station_id: UUID | None = None
    """The station the operator acts for (default: their only station)."""

    def __post_init__(self) -> None:
        if not self.result.strip():
            raise rule_violation("result", "请填写回访结果", "say what came of it")


class FollowUpView(msgspec.Struct, frozen=True):
    id: UUID
    worker_id: UUID
    group: str | None
    station_id: UUID | None
    station_name: str | None
    kind: str
    result: str
    recorded_by: UUID
    recorded_by_name: str
    recorded_at: datetime


class PersonOutcome(msgspec.Struct, frozen=True):
    worker_id: UUID
    name: str
    on: date
    cases: list[OutcomeCase]
    """Every case of the person (groups no longer in force included, flagged)."""
    follow_ups: list[FollowUpView]
    """Newest first."""


_FOLLOW_UPS = """
SELECT f.id, f.worker_id, f.grp AS group, f.station_id, s.name AS station_name, f.kind, f.result,
       f.recorded_by, u.name AS recorded_by_name, f.recorded_at
FROM priority_followups f JOIN users u ON u.id = f.recorded_by LEFT JOIN stations s ON s.id = f.station_id
WHERE f.worker_id = $1 AND ($2::uuid IS NULL OR f.id = $2)
ORDER BY f.recorded_at DESC, f.id
"""
_PERSON = """
SELECT u.name FROM workers w JOIN users u ON u.id = w.user_id WHERE w.user_id = $1 AND u.anonymised_at IS NULL
"""


async def person_outcome(
    conn: asyncpg.Connection[Any], rules: dict[str, OutcomeRule], worker_id: UUID, zone: str, today: date,
) -> PersonOutcome:
    """A person's cases with their deadlines and the follow-ups recorded."""
    name = await conn.fetchval(_PERSON, worker_id)
    if name is None:
        raise NotFound("劳动者不存在", "no such worker")
    cases = await _cases(conn, rules, zone, today, worker_id=worker_id)
    follow_ups = [msgspec.convert(dict(r), FollowUpView) for r in await conn.fetch(_FOLLOW_UPS, worker_id, None)]
    return PersonOutcome(worker_id, name, today, cases, follow_ups)


_HAS_GROUP = "SELECT 1 FROM priority_group_evidence WHERE worker_id = $1 AND grp = $2 LIMIT 1"
_INSERT_FOLLOW_UP = """
INSERT INTO priority_followups (worker_id, grp, station_id, kind, result, recorded_by, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, now())) RETURNING id
"""


async def record_follow_up(
    conn: asyncpg.Connection[Any], who: Principal, worker_id: UUID, data: FollowUpCreate,
    at: datetime | None = None,
) -> FollowUpView:
    """Add a follow-up with its result (never changed afterwards; audited). ``at``: when it
    happened (default now; the simulator's clock)."""
    if await conn.fetchval(_PERSON, worker_id) is None:
        raise NotFound("劳动者不存在", "no such worker")
    station_id = data.station_id
    if who.role == "operator":
        mine = await operator_station_ids(conn, who.user_id)
        if station_id is not None and station_id not in mine:
            raise NotFound("驿站不存在", "no such station")
        if station_id is None and len(mine) == 1:
            station_id = next(iter(mine))
    elif station_id is not None and await conn.fetchval("SELECT 1 FROM stations WHERE id = $1", station_id) is None:
        raise NotFound("驿站不存在", "no such station")
    if data.group is not None and await conn.fetchval(_HAS_GROUP, worker_id, data.group) is None:
        raise Invalid.of_field("group", "这位劳动者没有登记这个帮扶身份", "the person has no record of this group")
    follow_up_id = await conn.fetchval(_INSERT_FOLLOW_UP, worker_id, data.group, station_id, data.kind,
                                       data.result.strip(), who.user_id, at)
    await audit.record(conn, who.user_id, "priority.follow_up", "worker", worker_id,
                       {"kind": data.kind, "group": data.group,
                        "station_id": str(station_id) if station_id else None})
    row = await conn.fetchrow(_FOLLOW_UPS, worker_id, follow_up_id)
    assert row is not None  # inserted just above, in this transaction
    return msgspec.convert(dict(row), FollowUpView)


# --- the district's figures ----------------------------------------------------------------------


class OutcomeRow(msgspec.Struct, frozen=True):
    station_id: UUID | None
    station_name: str | None
    """None on the district's rows (and for cases no station holds)."""
    group: str | None
    """None: every group together."""
    cases: int
    met: int
    met_late: int
    overdue: int
    open: int
    share_met: float | None
    """met / (met + met_late + overdue); None while nothing is decided."""


class OutcomeFigures(msgspec.Struct, frozen=True):
    date_from: date
    date_to: date
    on: date
    rules: list[OutcomeRule]
    stations: list[OutcomeRow]
    """Per station and group, then the station's total (group None)."""
    district: list[OutcomeRow]
    """Per group, then every case together (station None, group None)."""


def _row(station_id: UUID | None, station_name: str | None, group: str | None, cases: list[OutcomeCase]) -> OutcomeRow:
    n = {s: sum(c.status == s for c in cases) for s in ("met", "met_late", "overdue", "open")}
    decided = n["met"] + n["met_late"] + n["overdue"]
    return OutcomeRow(station_id, station_name, group, len(cases), n["met"], n["met_late"], n["overdue"],
                      n["open"], round(n["met"] / decided, 4) if decided else None)


async def outcome_figures(
    conn: asyncpg.Connection[Any], rules: dict[str, OutcomeRule], zone: str, today: date,
    date_from: date, date_to: date, station_id: UUID | None = None,
) -> OutcomeFigures:
    """Share met on time of the cases whose deadline falls in [date_from, date_to], per
    station and group and for the district (or one station's)."""
    cases = [c for c in await _cases(conn, rules, zone, today, station_id=station_id)
             if date_from <= c.deadline <= date_to]
    groups = sorted(rules, key=lambda g: PRIORITY_GROUPS.index(g) if g in PRIORITY_GROUPS else 99)
    stations: list[OutcomeRow] = []
    names = {c.station_id: c.station_name for c in cases}
    for sid in sorted(names, key=lambda s: (s is None, names[s] or "")):
        here = [c for c in cases if c.station_id == sid]
        stations += [_row(sid, names[sid], g, [c for c in here if c.group == g])
                     for g in groups if any(c.group == g for c in here)]
        stations.append(_row(sid, names[sid], None, here))
    district = [_row(None, None, g, [c for c in cases if c.group == g]) for g in groups]
    district.append(_row(None, None, None, cases))
    return OutcomeFigures(date_from, date_to, today, [rules[g] for g in groups], stations, district)
