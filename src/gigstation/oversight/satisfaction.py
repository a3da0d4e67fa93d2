"""Satisfaction from everyone a station serves.

Three voices, each one tap, no free text:

- workers rate the station after each completed job (``oversight.station_ratings``, 0006);
- employers rate the station's service for an order, once its work has ended or one of its
  places was completed (one rating per order; a second is a 409, so it cannot be stuffed);
- a person who waited and found no work answers two questions after checking out: "今天的
  服务满意吗" (1-5) and "为什么没找到活" (fixed choices, :data:`REASONS`). On the phone, or at
  the desk where an operator taps the answer the person gives (the row records who tapped).
  "Found no work" = no place was accepted between check-in and check-out (accepting an offer
  closes the check-in in the same transaction, so a check-in closed by an accept never
  qualifies). Each question is answered once; the same answer again is harmless, a different
  one a 409. The survey stays open for :data:`SURVEY_WINDOW` after checking out.

Figures per station and period (:func:`period_figures`): the number of answers and the mean
for each voice, the share of all answers that were 4 or 5 stars (满意率), and the reasons
given for finding no work.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Conflict, NotFound
from gigstation.platform.types import Stars, rule_violation
from gigstation.stations.registry import operator_station_ids

__all__ = [
    "REASONS",
    "SURVEY_WINDOW",
    "EmployerRatingState",
    "EmployerStationRatingCreate",
    "EmployerStationRatingView",
    "NoWorkReason",
    "SatisfactionFigures",
    "SurveyAnswer",
    "SurveyView",
    "answer_survey",
    "employer_rating_state",
    "period_figures",
    "rate_station_for_order",
    "survey_state",
]

SURVEY_WINDOW = timedelta(hours=24)
NoWorkReason = Literal["no_suitable_work", "pay_too_low", "too_far", "hours_not_suitable",
                       "missed_offer", "left_early", "other"]
REASONS: dict[str, tuple[str, str]] = {
    "no_suitable_work": ("没有适合我的活", "No work that suits me"),
    "pay_too_low": ("工钱太低", "The pay was too low"),
    "too_far": ("活太远", "The jobs were too far away"),
    "hours_not_suitable": ("时间对不上", "The hours did not suit me"),
    "missed_offer": ("派给我的活没接到", "I missed the offer I got"),
    "left_early": ("我有事先走了", "I had to leave early"),
    "other": ("其他原因", "Another reason"),
}


# --- employers rate the station --------------------------------------------------------------


class EmployerStationRatingCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    stars: Stars


class EmployerStationRatingView(msgspec.Struct, frozen=True):
    order_id: UUID
    station_id: UUID
    stars: int
    created_at: datetime


class EmployerRatingState(msgspec.Struct, frozen=True):
    """What the order page shows: the buttons (``can_rate``) or the stars given."""

    can_rate: bool
    stars: int | None


_ORDER = """
SELECT o.station_id, o.ends_at,
       EXISTS (SELECT 1 FROM assignments a WHERE a.order_id = o.id AND a.status = 'completed') AS completed,
       r.stars
FROM orders o LEFT JOIN employer_station_ratings r ON r.order_id = o.id
WHERE o.id = $1 AND o.employer_id = $2
"""
_RATE = """
INSERT INTO employer_station_ratings (order_id, station_id, employer_id, stars) VALUES ($1, $2, $3, $4)
ON CONFLICT (order_id) DO NOTHING
RETURNING order_id, station_id, stars, created_at
"""


async def rate_station_for_order(
    conn: asyncpg.Connection[Any], employer_id: UUID, order_id: UUID,
    data: EmployerStationRatingCreate, now: datetime,
) -> EmployerStationRatingView:
    """The employer's one rating of the station's service for this order (audited)."""
    row = await conn.fetchrow(_ORDER, order_id, employer_id)
    if row is None:
        raise NotFound("订单不存在", "no such order")
    if row["station_id"] is None:
        raise Conflict("该订单不经驿站派单，无法评价驿站", "this order was not dispatched by a station",
                       code="no_station")
    if not (row["completed"] or row["ends_at"] <= now):
        raise Conflict("工作结束后才能评价驿站服务", "the station can be rated once the work has ended",
                       code="not_ended")
    created = await conn.fetchrow(_RATE, order_id, row["station_id"], employer_id, data.stars)
    if created is None:
        raise Conflict("已评价过驿站对这个订单的服务", "this order's station rating was already given",
                       code="already_rated")
    await audit.record(conn, employer_id, "station.rated_by_employer", "order", order_id,
                       {"station_id": str(row["station_id"]), "stars": data.stars})
    return msgspec.convert(dict(created), EmployerStationRatingView)


async def employer_rating_state(
    conn: asyncpg.Connection[Any], employer_id: UUID, order_id: UUID, now: datetime
) -> EmployerRatingState:
    """Whether the employer can rate the station for this order now, or the stars given."""
    row = await conn.fetchrow(_ORDER, order_id, employer_id)
    if row is None or row["station_id"] is None:
        return EmployerRatingState(False, None)
    ended = bool(row["completed"] or row["ends_at"] <= now)
    return EmployerRatingState(ended and row["stars"] is None, row["stars"])


# --- the checkout survey ---------------------------------------------------------------------


class SurveyAnswer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One or both answers; each question can be sent on its own (one tap each)."""

    satisfaction: Stars | None = None
    reason: NoWorkReason | None = None

    def __post_init__(self) -> None:
        if self.satisfaction is None and self.reason is None:
            raise rule_violation("satisfaction", "请至少回答一个问题", "answer at least one question")


class SurveyView(msgspec.Struct, frozen=True):
    checkin_id: UUID
    station_id: UUID
    eligible: bool
    """The check-in ended without work (only then is there a survey)."""
    open: bool
    """A question is still unanswered and the survey has not closed."""
    closes_at: datetime | None
    satisfaction: int | None
    reason: NoWorkReason | None


_CHECKIN = """
SELECT c.id, c.worker_id, c.station_id, c.status, c.left_at,
       EXISTS (SELECT 1 FROM assignments a WHERE a.worker_id = c.worker_id
               AND a.created_at >= c.checked_in_at AND a.created_at <= c.left_at) AS got_work,
       s.satisfaction, s.reason
FROM checkins c LEFT JOIN checkout_surveys s ON s.checkin_id = c.id
WHERE c.id = $1
"""
_SATISFACTION = """
INSERT INTO checkout_surveys (checkin_id, station_id, worker_id, satisfaction, satisfaction_by, satisfaction_at)
VALUES ($1, $2, $3, $4, $5, now())
ON CONFLICT (checkin_id) DO UPDATE
SET satisfaction = excluded.satisfaction, satisfaction_by = excluded.satisfaction_by,
    satisfaction_at = excluded.satisfaction_at
WHERE checkout_surveys.satisfaction IS NULL
RETURNING checkin_id
"""
_REASON = """
INSERT INTO checkout_surveys (checkin_id, station_id, worker_id, reason, reason_by, reason_at)
VALUES ($1, $2, $3, $4, $5, now())
ON CONFLICT (checkin_id) DO UPDATE
SET reason = excluded.reason, reason_by = excluded.reason_by, reason_at = excluded.reason_at
WHERE checkout_surveys.reason IS NULL
RETURNING checkin_id
"""
_ANSWERS = "SELECT satisfaction, reason FROM checkout_surveys WHERE checkin_id = $1"


async def _checkin(conn: asyncpg.Connection[Any], who: Principal, checkin_id: UUID) -> Any:
    row = await conn.fetchrow(_CHECKIN, checkin_id)
    if row is not None and (
        (who.role == "worker" and row["worker_id"] == who.user_id)
        or (who.role == "operator" and row["station_id"] in await operator_station_ids(conn, who.user_id))
        or who.role == "admin"
    ):
        return row
    raise NotFound("签到记录不存在", "no such check-in")


def _view(row: Any, satisfaction: int | None, reason: str | None, now: datetime) -> SurveyView:
    eligible = row["status"] == "left" and not row["got_work"]
    closes_at = row["left_at"] + SURVEY_WINDOW if eligible else None
    open_ = bool(eligible and closes_at is not None and now < closes_at
                 and (satisfaction is None or reason is None))
    return SurveyView(row["id"], row["station_id"], eligible, open_, closes_at, satisfaction,
                      msgspec.convert(reason, NoWorkReason | None))


async def survey_state(
    conn: asyncpg.Connection[Any], who: Principal, checkin_id: UUID, now: datetime
) -> SurveyView:
    """The survey of a check-in: whether there is one, whether it is open, what was answered."""
    row = await _checkin(conn, who, checkin_id)
    return _view(row, row["satisfaction"], row["reason"], now)


async def answer_survey(
    conn: asyncpg.Connection[Any], who: Principal, checkin_id: UUID, data: SurveyAnswer, now: datetime
) -> SurveyView:
    """Record the answers given (the worker's own, or an operator's for the person at the desk)."""
    if who.role not in ("worker", "operator"):
        raise NotFound("签到记录不存在", "no such check-in")
    row = await _checkin(conn, who, checkin_id)
    if row["status"] != "left":
        raise Conflict("签退后才能回答", "the survey opens when the person checks out",
                       code="still_waiting")
    if row["got_work"]:
        raise Conflict("这次签到已找到工作，不需要回答", "this check-in ended with work: there is no survey",
                       code="found_work")
    if now >= row["left_at"] + SURVEY_WINDOW:
        raise Conflict("调查已结束（签退24小时内可回答）", "the survey has closed (open for 24 hours after "
                       "checking out)", code="survey_closed")
    args = (checkin_id, row["station_id"], row["worker_id"])
    written: dict[str, Any] = {}
    for column, sql, value in (("satisfaction", _SATISFACTION, data.satisfaction),
                               ("reason", _REASON, data.reason)):
        if value is None:
            continue
        if await conn.fetchval(sql, *args, value, who.user_id) is not None:
            written[column] = value
            continue
        # Answered before (perhaps a moment ago, by a second tap): the same answer is harmless.
        answers = await conn.fetchrow(_ANSWERS, checkin_id)
        if answers is None or answers[column] != value:
            raise _answered()
    answers = await conn.fetchrow(_ANSWERS, checkin_id)
    assert answers is not None  # written above, now or before
    if written:
        if who.role == "operator":
            written["on_behalf_of"] = str(row["worker_id"])
        await audit.record(conn, who.user_id, "checkout_survey.answer", "checkin", checkin_id, written)
    return _view(row, answers["satisfaction"], answers["reason"], now)


def _answered() -> Conflict:
    return Conflict("这个问题已经回答过了", "this question was already answered", code="already_answered")


# --- figures ---------------------------------------------------------------------------------


class SatisfactionFigures(msgspec.Struct, frozen=True):
    """One station's (or, with no station, the district's) answers in a period."""

    worker_ratings: int
    worker_satisfaction: float | None
    employer_ratings: int
    employer_satisfaction: float | None
    survey_answers: int
    survey_satisfaction: float | None
    satisfaction_answers: int
    """All three together: every answer on the 1-5 scale."""
    satisfied_share: float | None
    """Of those, the share that was 4 or 5 (满意率)."""
    no_work_reasons: dict[str, int]
    """Reason code -> answers (every code present, 0 when nobody chose it)."""


# $1 station (NULL: all), $2 start, $3 end.
_FIGURES = """
WITH s AS (
    SELECT 'worker' AS source, stars::int AS stars FROM station_ratings
    WHERE ($1::uuid IS NULL OR station_id = $1) AND created_at >= $2 AND created_at < $3
    UNION ALL
    SELECT 'employer', stars::int FROM employer_station_ratings
    WHERE ($1::uuid IS NULL OR station_id = $1) AND created_at >= $2 AND created_at < $3
    UNION ALL
    SELECT 'survey', satisfaction::int FROM checkout_surveys
    WHERE ($1::uuid IS NULL OR station_id = $1) AND satisfaction_at >= $2 AND satisfaction_at < $3
)
SELECT source, count(*)::int AS n, avg(stars)::float8 AS mean,
       count(*) FILTER (WHERE stars >= 4)::int AS satisfied
FROM s GROUP BY source
"""
_REASON_COUNTS = """
SELECT reason, count(*)::int AS n FROM checkout_surveys
WHERE ($1::uuid IS NULL OR station_id = $1) AND reason_at >= $2 AND reason_at < $3
GROUP BY reason
"""


async def period_figures(
    conn: asyncpg.Connection[Any], station_id: UUID | None, start: datetime, end: datetime
) -> SatisfactionFigures:
    """Answers in ``[start, end)`` for one station, or all stations with ``station_id`` None."""
    by = {r["source"]: r for r in await conn.fetch(_FIGURES, station_id, start, end)}

    def n(source: str) -> int:
        return int(by[source]["n"]) if source in by else 0

    def mean(source: str) -> float | None:
        return round(float(by[source]["mean"]), 2) if source in by else None

    total = sum(n(s) for s in ("worker", "employer", "survey"))
    satisfied = sum(int(r["satisfied"]) for r in by.values())
    reasons = dict.fromkeys(REASONS, 0)
    for r in await conn.fetch(_REASON_COUNTS, station_id, start, end):
        reasons[r["reason"]] = r["n"]
    return SatisfactionFigures(
        worker_ratings=n("worker"), worker_satisfaction=mean("worker"),
        employer_ratings=n("employer"), employer_satisfaction=mean("employer"),
        survey_answers=n("survey"), survey_satisfaction=mean("survey"),
        satisfaction_answers=total, satisfied_share=round(satisfied / total, 4) if total else None,
        no_work_reasons=reasons,
    )
