"""Workers aged 16-17 (未成年工): no night work, no prohibited job type.

The rules and their sources are data (``data/labour-rules.json``, ``minor_workers``): the
night window in the station's zone and the job types prohibited to minors, each naming
the rule it follows. A worker counts as a minor on a job's local start date when their
``adult_from`` (the first of the month after the 18th birthday) is later than it.

Dispatch adds every ruled-out (worker, order) pair to the solver's ``forbidden`` list
(pins on them are dropped); accept, whoever presses the button (the worker, or an operator
at the desk), checks the same rule under the worker's row lock and answers 409
``minor_protected`` with the reason.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation import solver
from gigstation.platform import reference
from gigstation.platform.errors import Conflict

__all__ = [
    "MinorRules",
    "ProhibitedSkill",
    "check_accept",
    "is_minor_on",
    "minor_pairs",
    "minor_refusal",
    "overlaps_night",
    "rules",
]


class ProhibitedSkill(msgspec.Struct, frozen=True):
    skill: str
    why: str
    source: str


class NightWindow(msgspec.Struct, frozen=True):
    start: str = msgspec.field(name="from")
    until: str = "06:00"
    source: str = ""


class MinorRules(msgspec.Struct, frozen=True):
    source: str
    night: NightWindow
    prohibited_skills: list[ProhibitedSkill]
    about: str = ""

    @property
    def prohibited(self) -> frozenset[str]:
        return frozenset(p.skill for p in self.prohibited_skills)

    def night_hours(self) -> tuple[time, time]:
        return time.fromisoformat(self.night.start), time.fromisoformat(self.night.until)


class _RulesFile(msgspec.Struct):
    minor_workers: MinorRules


@functools.cache
def rules() -> MinorRules:
    """The shipped rules for minors (read once)."""
    raw = resources.files("gigstation.data").joinpath("labour-rules.json").read_bytes()
    return msgspec.json.decode(raw, type=_RulesFile, strict=False).minor_workers


def is_minor_on(adult_from: date | None, day: date) -> bool:
    """A minor on ``day``: only minors have ``adult_from``, and it is still ahead."""
    return adult_from is not None and adult_from > day


def overlaps_night(starts_at: datetime, ends_at: datetime, zone: str) -> bool:
    """Whether [starts_at, ends_at) overlaps the night window on any local night."""
    tz = ZoneInfo(zone)
    night_from, night_until = rules().night_hours()
    first = starts_at.astimezone(tz).date() - timedelta(days=1)
    last = ends_at.astimezone(tz).date()
    day = first
    while day <= last:
        begins = datetime.combine(day, night_from, tzinfo=tz)
        ends_day = day + timedelta(days=1) if night_until <= night_from else day
        ends = datetime.combine(ends_day, night_until, tzinfo=tz)
        if starts_at < ends and ends_at > begins:
            return True
        day += timedelta(days=1)
    return False


def minor_refusal(skill: str, starts_at: datetime, ends_at: datetime, zone: str) -> Conflict | None:
    """Why a minor may not take this job (None: they may)."""
    r = rules()
    banned = next((p for p in r.prohibited_skills if p.skill == skill), None)
    if banned is not None:
        ref = reference.skill(skill)
        zh = ref.zh if ref else skill
        return Conflict(
            f"未成年工（16–17岁）不能从事{zh}工作：{banned.source}",
            f"a worker aged 16-17 may not do {ref.en if ref else skill} work ({banned.why}): {banned.source}",
            code="minor_protected")
    if overlaps_night(starts_at, ends_at, zone):
        return Conflict(
            f"未成年工（16–17岁）不能在夜间 {r.night.start}–{r.night.until} 工作",
            f"a worker aged 16-17 may not work at night ({r.night.start}-{r.night.until})",
            code="minor_protected")
    return None


def minor_pairs(
    minors: Iterable[tuple[str, date | None]], orders: Sequence[solver.Order], zone: str,
) -> list[solver.Pair]:
    """Dispatch: the (worker, order) pairs the rules for minors rule out. ``minors`` gives each
    waiting worker's id and ``adult_from``; only those with one are looked at."""
    tz = ZoneInfo(zone)
    young = [(w, adult) for w, adult in minors if adult is not None]
    if not young:
        return []
    out = []
    for o in orders:
        day = o.starts_at.astimezone(tz).date()
        if minor_refusal(o.skill, o.starts_at, o.ends_at, zone) is None:
            continue
        out += [solver.Pair(worker_id=w, order_id=o.id) for w, adult in young if is_minor_on(adult, day)]
    return out


_FACTS = """
SELECT w.adult_from, o.skill, o.starts_at, o.ends_at FROM workers w, orders o
WHERE w.user_id = $1 AND o.id = $2
"""


async def check_accept(
    conn: asyncpg.Connection[Any], worker_id: UUID, order_id: UUID, zone: str
) -> None:
    """Refuse (409 ``minor_protected``) a job a minor may not take, with the reason."""
    row = await conn.fetchrow(_FACTS, worker_id, order_id)
    if row is None:
        return
    day = row["starts_at"].astimezone(ZoneInfo(zone)).date()
    if not is_minor_on(row["adult_from"], day):
        return
    refusal = minor_refusal(row["skill"], row["starts_at"], row["ends_at"], zone)
    if refusal is not None:
        raise refusal
