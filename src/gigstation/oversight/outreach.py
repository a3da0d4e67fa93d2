"""Pushing what helps: training courses and policy notices, interest in a course, and the
training workers say they want.

- Who publishes: an operator to one of their own stations; the office (an administrator) to
  any station or to the whole district (``station_id`` None). A notice is never edited or
  deleted: it is withdrawn (who and when kept) and published again if it was wrong.
- What a worker sees: the notices in force for "their" station (the open check-in's, else
  the latest check-in's) and the district's. A policy notice is shown from ``starts_on`` to
  ``ends_on``; a course from its publication to its last day (``ends_on``), so people can
  sign up before it starts. The wall screen shows its station's and the district's.
- Interest in a course: one tap, withdrawn with another; one open interest per worker and
  course (a partial unique index, so a double tap counts once). Seats are shown beside the
  count, not enforced: interest is demand, not enrolment, and demand beyond the seats is what
  tells the office to open another class.
- Training wishes: a skill from the taxonomy per row, the same pattern. The figures count,
  per skill, the workers who want it: for a station, among the people who checked in there
  in the last :data:`LOCAL_DAYS` days.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit, reference
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Forbidden, Invalid, NotFound
from gigstation.platform.types import NO_NUL, Title, rule_violation
from gigstation.stations.registry import get_station, operator_station_ids

__all__ = [
    "LOCAL_DAYS",
    "CourseDemand",
    "InterestView",
    "NoticeCreate",
    "NoticeView",
    "SkillDemand",
    "TrainingDemand",
    "WishesView",
    "add_wish",
    "current_notices",
    "managed_notices",
    "publish",
    "register_interest",
    "remove_wish",
    "training_demand",
    "wishes_of",
    "withdraw",
    "withdraw_interest",
    "worker_station",
]

LOCAL_DAYS = 90
NoticeKind = Literal["course", "policy"]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=NO_NUL)]
Place = Annotated[str, msgspec.Meta(max_length=200, pattern=NO_NUL)]
Seats = Annotated[int, msgspec.Meta(ge=1, le=10_000)]


class NoticeCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: NoticeKind
    title: Title
    body: Body
    starts_on: date
    ends_on: date
    station_id: UUID | None = None
    """The station it is published to; None: the whole district (the office only)."""
    place: Place = ""
    seats: Seats | None = None
    """Courses: how many people the class takes."""
    skill: str | None = None
    """Courses: the skill it teaches (a code from the taxonomy), if any."""

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise rule_violation("ends_on", "结束日期不能早于开始日期", "must not be before starts_on")
        if self.kind == "course":
            if self.seats is None:
                raise rule_violation("seats", "培训班须填写名额", "a course needs its number of seats")
            if not self.place.strip():
                raise rule_violation("place", "培训班须填写地点", "a course needs a place")
        elif self.seats is not None or self.skill is not None:
            field = "seats" if self.seats is not None else "skill"
            raise rule_violation(field, "政策通知没有名额和技能", "a policy notice has no seats or skill")
        if self.skill is not None and reference.skill(self.skill) is None:
            raise rule_violation("skill", f"未知工种 {self.skill!r}", f"unknown skill {self.skill!r}")


class NoticeView(msgspec.Struct, frozen=True):
    id: UUID
    kind: NoticeKind
    station_id: UUID | None
    station_name: str | None
    title: str
    body: str
    starts_on: date
    ends_on: date
    place: str
    seats: int | None
    skill: str | None
    skill_zh: str | None
    skill_en: str | None
    published_at: datetime
    withdrawn_at: datetime | None
    interested: int
    """Workers with an open interest in the course (0 for a policy notice)."""
    mine: bool = False
    """The asking worker has registered interest."""


_COLUMNS = """n.id, n.kind, n.station_id, s.name AS station_name, n.title, n.body, n.starts_on,
n.ends_on, n.place, n.seats, n.skill, n.published_at, n.withdrawn_at,
(SELECT count(*) FROM course_interest i WHERE i.notice_id = n.id AND i.withdrawn_at IS NULL)::int
    AS interested,
EXISTS (SELECT 1 FROM course_interest i WHERE i.notice_id = n.id AND i.withdrawn_at IS NULL
        AND i.worker_id = $1::uuid) AS mine"""
_FROM = "FROM notices n LEFT JOIN stations s ON s.id = n.station_id"
_GET = f"SELECT {_COLUMNS} {_FROM} WHERE n.id = $2"
_INSERT = """
INSERT INTO notices (kind, station_id, title, body, starts_on, ends_on, place, seats, skill, published_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id
"""
# In force: not withdrawn, not ended; a policy notice once it starts, a course from publication.
_CURRENT = f"""
SELECT {_COLUMNS} {_FROM}
WHERE n.withdrawn_at IS NULL AND n.ends_on >= $2 AND (n.kind = 'course' OR n.starts_on <= $2)
  AND ($5 OR n.station_id IS NULL OR n.station_id = $3::uuid)
ORDER BY n.starts_on, n.published_at DESC, n.id
LIMIT $4
"""
_MANAGED = f"""
SELECT {_COLUMNS} {_FROM}
WHERE ($2::uuid[] IS NULL OR n.station_id = ANY($2::uuid[]) OR n.station_id IS NULL)
  AND n.ends_on >= $3
ORDER BY (n.withdrawn_at IS NULL) DESC, n.starts_on DESC, n.published_at DESC, n.id
LIMIT 500
"""
_WITHDRAW = """
UPDATE notices SET withdrawn_at = now(), withdrawn_by = $2 WHERE id = $1 AND withdrawn_at IS NULL
RETURNING id
"""


def _view(row: Any) -> NoticeView:
    d = dict(row)
    known = reference.skill(d["skill"]) if d["skill"] else None
    d["skill_zh"] = known.zh if known else None
    d["skill_en"] = known.en if known else None
    return msgspec.convert(d, NoticeView)


async def _notice(conn: asyncpg.Connection[Any], notice_id: UUID, worker_id: UUID | None = None) -> NoticeView:
    row = await conn.fetchrow(_GET, worker_id, notice_id)
    if row is None:
        raise NotFound("通知不存在", "no such notice")
    return _view(row)


async def _may_manage(conn: asyncpg.Connection[Any], who: Principal, station_id: UUID | None) -> None:
    if who.role == "admin":
        return
    if station_id is None:
        raise Forbidden("全区通知由区就业部门发布", "only the district office publishes to the whole district")
    if who.role != "operator" or station_id not in await operator_station_ids(conn, who.user_id):
        raise NotFound("驿站不存在", "no such station")


async def publish(
    conn: asyncpg.Connection[Any], who: Principal, data: NoticeCreate, today: date
) -> NoticeView:
    """Publish a course or policy notice to a station or the district (audited)."""
    await _may_manage(conn, who, data.station_id)
    if data.station_id is not None:
        await get_station(conn, data.station_id)
    if data.ends_on < today:
        raise Invalid.of_field("ends_on", "结束日期已过，无法发布", "this has already ended")
    notice_id = await conn.fetchval(
        _INSERT, data.kind, data.station_id, data.title, data.body, data.starts_on, data.ends_on,
        data.place.strip(), data.seats, data.skill, who.user_id)
    await audit.record(conn, who.user_id, "notice.publish", "notice", notice_id,
                       {"kind": data.kind, "station_id": str(data.station_id) if data.station_id else None,
                        "title": data.title})
    return await _notice(conn, notice_id)


async def withdraw(conn: asyncpg.Connection[Any], who: Principal, notice_id: UUID) -> NoticeView:
    """Take a notice down (kept on record); withdrawing twice answers the same."""
    notice = await _notice(conn, notice_id)
    try:
        await _may_manage(conn, who, notice.station_id)
    except NotFound:
        raise NotFound("通知不存在", "no such notice") from None
    if await conn.fetchval(_WITHDRAW, notice_id, who.user_id) is not None:
        await audit.record(conn, who.user_id, "notice.withdraw", "notice", notice_id)
    return await _notice(conn, notice_id)


async def current_notices(
    conn: asyncpg.Connection[Any], station_id: UUID | None, today: date, *,
    worker_id: UUID | None = None, limit: int = 50, everywhere: bool = False,
) -> list[NoticeView]:
    """The notices in force for a station's people (its own and the district's); with
    ``everywhere``, every station's too (the office's view)."""
    rows = await conn.fetch(_CURRENT, worker_id, today, station_id, limit, everywhere)
    return [_view(r) for r in rows]


async def managed_notices(
    conn: asyncpg.Connection[Any], who: Principal, today: date, station_id: UUID | None = None,
    since_days: int = 365,
) -> list[NoticeView]:
    """What the publisher sees, with the demand for each course: the operator's stations'
    notices and the district's; for the office all of them (or one station's)."""
    if who.role == "admin":
        scope = [station_id] if station_id is not None else None
    else:
        mine = await operator_station_ids(conn, who.user_id)
        if station_id is not None and station_id not in mine:
            raise NotFound("驿站不存在", "no such station")
        scope = [station_id] if station_id is not None else list(mine)
    since = date.fromordinal(today.toordinal() - since_days)
    return [_view(r) for r in await conn.fetch(_MANAGED, None, scope, since)]


_WORKER_STATION = """
SELECT station_id FROM checkins WHERE worker_id = $1
ORDER BY (status = 'waiting') DESC, checked_in_at DESC LIMIT 1
"""


async def worker_station(conn: asyncpg.Connection[Any], worker_id: UUID) -> UUID | None:
    """The station whose notices a worker sees: the open check-in's, else the latest one's."""
    station_id: UUID | None = await conn.fetchval(_WORKER_STATION, worker_id)
    return station_id


# --- interest in a course ----------------------------------------------------------------------


class InterestView(msgspec.Struct, frozen=True):
    notice_id: UUID
    interested: bool
    count: int
    """Open interest in the course, everyone's."""


_REGISTER = """
INSERT INTO course_interest (notice_id, worker_id) VALUES ($1, $2)
ON CONFLICT (notice_id, worker_id) WHERE withdrawn_at IS NULL DO NOTHING RETURNING id
"""
_UNREGISTER = """
UPDATE course_interest SET withdrawn_at = now()
WHERE notice_id = $1 AND worker_id = $2 AND withdrawn_at IS NULL RETURNING id
"""


async def register_interest(
    conn: asyncpg.Connection[Any], worker_id: UUID, notice_id: UUID, today: date
) -> InterestView:
    """One tap: "我想参加". A second tap changes nothing."""
    notice = await _notice(conn, notice_id, worker_id)
    if notice.kind != "course":
        raise Invalid.of_field("notice_id", "这是政策通知，不是培训班", "this is a policy notice, not a course")
    if notice.withdrawn_at is not None or notice.ends_on < today:
        raise NotFound("培训班已结束或已撤回", "the course has ended or was withdrawn")
    if await conn.fetchval(_REGISTER, notice_id, worker_id) is not None:
        await audit.record(conn, worker_id, "course.interest", "notice", notice_id)
    after = await _notice(conn, notice_id, worker_id)
    return InterestView(notice_id, True, after.interested)


async def withdraw_interest(conn: asyncpg.Connection[Any], worker_id: UUID, notice_id: UUID) -> InterestView:
    """Take the interest back (kept on record with its time)."""
    await _notice(conn, notice_id, worker_id)
    if await conn.fetchval(_UNREGISTER, notice_id, worker_id) is not None:
        await audit.record(conn, worker_id, "course.interest_withdraw", "notice", notice_id)
    after = await _notice(conn, notice_id, worker_id)
    return InterestView(notice_id, False, after.interested)


# --- training wishes ---------------------------------------------------------------------------


class WishesView(msgspec.Struct, frozen=True):
    skills: list[str]
    """The skills the worker wants training in, in the taxonomy's order."""


_WISHES = "SELECT skill FROM training_wishes WHERE worker_id = $1 AND withdrawn_at IS NULL"
_WISH = """
INSERT INTO training_wishes (worker_id, skill) VALUES ($1, $2)
ON CONFLICT (worker_id, skill) WHERE withdrawn_at IS NULL DO NOTHING RETURNING id
"""
_UNWISH = """
UPDATE training_wishes SET withdrawn_at = now()
WHERE worker_id = $1 AND skill = $2 AND withdrawn_at IS NULL RETURNING id
"""


async def wishes_of(conn: asyncpg.Connection[Any], worker_id: UUID) -> WishesView:
    """The training a worker has asked for."""
    have = {r["skill"] for r in await conn.fetch(_WISHES, worker_id)}
    return WishesView([code for code in reference.skills() if code in have])


def _known(skill: str) -> str:
    if reference.skill(skill) is None:
        raise NotFound(f"未知工种 {skill!r}", f"unknown skill {skill!r}")
    return skill


async def add_wish(conn: asyncpg.Connection[Any], worker_id: UUID, skill: str) -> WishesView:
    """"I want training in this" (a second time changes nothing)."""
    if await conn.fetchval(_WISH, worker_id, _known(skill)) is not None:
        await audit.record(conn, worker_id, "training.wish", "worker", worker_id, {"skill": skill})
    return await wishes_of(conn, worker_id)


async def remove_wish(conn: asyncpg.Connection[Any], worker_id: UUID, skill: str) -> WishesView:
    """Take the wish back."""
    if await conn.fetchval(_UNWISH, worker_id, _known(skill)) is not None:
        await audit.record(conn, worker_id, "training.wish_withdraw", "worker", worker_id, {"skill": skill})
    return await wishes_of(conn, worker_id)


# --- demand ------------------------------------------------------------------------------------


class SkillDemand(msgspec.Struct, frozen=True):
    skill: str
    skill_zh: str
    skill_en: str
    workers: int
    """Workers who want training in it."""
    courses: int
    """Courses in force that teach it."""
    seats: int
    """Their seats, together."""


class CourseDemand(msgspec.Struct, frozen=True):
    notice_id: UUID
    title: str
    station_name: str | None
    skill: str | None
    starts_on: date
    ends_on: date
    seats: int
    interested: int


class TrainingDemand(msgspec.Struct, frozen=True):
    station_id: UUID | None
    on: date
    wishes: list[SkillDemand]
    """Skills at least one worker wants, most wanted first."""
    courses: list[CourseDemand]
    """Courses in force (the station's and the district's; for the district, every one),
    soonest first."""


# $1 station (NULL: the district), $2 the local window start.
_WISH_COUNTS = """
SELECT w.skill, count(DISTINCT w.worker_id)::int AS n FROM training_wishes w
WHERE w.withdrawn_at IS NULL
  AND ($1::uuid IS NULL OR EXISTS (SELECT 1 FROM checkins c WHERE c.worker_id = w.worker_id
                                   AND c.station_id = $1 AND c.checked_in_at >= $2))
GROUP BY w.skill
"""


async def training_demand(
    conn: asyncpg.Connection[Any], station_id: UUID | None, today: date, since: datetime
) -> TrainingDemand:
    """Wishes per skill (a station's: among people who checked in there since ``since``) and
    the interest in each course in force."""
    counts = {r["skill"]: r["n"] for r in await conn.fetch(_WISH_COUNTS, station_id, since)}
    courses = [n for n in await current_notices(conn, station_id, today, limit=500,
                                                everywhere=station_id is None) if n.kind == "course"]
    wishes = []
    for code, skill in reference.skills().items():
        teaching = [c for c in courses if c.skill == code]
        if counts.get(code) or teaching:
            wishes.append(SkillDemand(code, skill.zh, skill.en, counts.get(code, 0), len(teaching),
                                      sum(c.seats or 0 for c in teaching)))
    wishes.sort(key=lambda s: -s.workers)
    return TrainingDemand(station_id, today, wishes, [
        CourseDemand(c.id, c.title, c.station_name, c.skill, c.starts_on, c.ends_on, c.seats or 0,
                     c.interested) for c in courses])
