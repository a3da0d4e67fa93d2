"""Ratings after the work, and the reliability figure operators see.

Each side rates the other once per assignment, and only once the work is completed: a
worker cannot judge a job they did not do, and a no-show is already counted as such, so
an employer cannot add a one-star rating on top of it.

Reliability (0-100), the same formula for workers and employers::

    stars  = (sum of stars + 2 x 4) / (ratings + 2)         two 4-star ratings as a prior,
                                                             so one rating cannot make 1 or 5
    record = (completed + 1) / (completed + setbacks + 1)    setbacks: a worker's no-shows
                                                             (not overturned); wage disputes
                                                             against an employer
    reliability = round(100 x (0.5 x (stars - 1) / 4 + 0.5 x record))

A newcomer scores 88; every setback and low rating pulls the figure down, and it recovers
with completed work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit, events
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Conflict, NotFound
from gigstation.platform.types import Stars
from gigstation.work.assignments import visible_assignment

__all__ = ["RatingCreate", "RatingView", "Reliability", "rate", "reliability", "reliability_score"]

PRIOR_RATINGS = 2
PRIOR_STARS = 4.0


class RatingCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    stars: Stars
    comment: Annotated[str, msgspec.Meta(max_length=300)] = ""


class RatingView(msgspec.Struct, frozen=True):
    assignment_id: UUID
    rater_id: UUID
    ratee_id: UUID
    stars: int
    comment: str
    created_at: datetime


class Reliability(msgspec.Struct, frozen=True):
    user_id: UUID
    side: Literal["worker", "employer"]
    ratings_count: int
    average_stars: float | None
    completed: int
    no_shows: int
    no_show_rate: float
    disputes: int
    reliability: int


_INSERT = """
INSERT INTO ratings (assignment_id, rater_id, ratee_id, stars, comment)
SELECT a.id, $2, $3, $4, $5 FROM assignments a WHERE a.id = $1 AND a.status = 'completed'
ON CONFLICT (assignment_id, rater_id) DO NOTHING
RETURNING assignment_id, rater_id, ratee_id, stars, comment, created_at
"""
_EXISTING = """
SELECT assignment_id, rater_id, ratee_id, stars, comment, created_at FROM ratings
WHERE assignment_id = $1 AND rater_id = $2
"""


async def rate(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: RatingCreate
) -> RatingView:
    """The worker rates the employer, or the employer the worker; one rating per side
    (the very same rating again returns the first, a different one is a 409)."""
    a = await visible_assignment(conn, who, assignment_id)
    if who.role == "worker" and a.worker_id == who.user_id:
        ratee = a.employer_id
    elif who.role == "employer" and a.employer_id == who.user_id:
        ratee = a.worker_id
    else:  # an operator or admin sees the assignment but is not a party to it
        raise NotFound("工作记录不存在", "no such assignment")
    row = await conn.fetchrow(_INSERT, assignment_id, who.user_id, ratee, data.stars, data.comment)
    if row is None:
        existing = await conn.fetchrow(_EXISTING, assignment_id, who.user_id)
        if existing is None:
            raise Conflict("完工后才能评价", "ratings open once the work is completed",
                           code="not_completed")
        first = msgspec.convert(dict(existing), RatingView)
        if (first.stars, first.comment) == (data.stars, data.comment):
            return first
        raise Conflict("您已评价过这份工作", "you already rated this assignment",
                       code="already_rated")
    rating = msgspec.convert(dict(row), RatingView)
    await events.emit(conn, "rating.received",
                      {"assignment_id": assignment_id, "stars": rating.stars}, user_id=ratee)
    await audit.record(conn, who.user_id, "assignment.rate", "assignment", assignment_id,
                       {"stars": rating.stars, "ratee_id": str(ratee)})
    return rating


def reliability_score(ratings: int, stars_sum: int, completed: int, setbacks: int) -> int:
    """The documented 0-100 figure (see the module docstring)."""
    stars = (stars_sum + PRIOR_RATINGS * PRIOR_STARS) / (ratings + PRIOR_RATINGS)
    record = (completed + 1) / (completed + setbacks + 1)
    return round(100 * (0.5 * (stars - 1) / 4 + 0.5 * record))


_EXISTS = {
    "worker": "SELECT EXISTS (SELECT 1 FROM workers WHERE user_id = $1)",
    "employer": "SELECT EXISTS (SELECT 1 FROM employers WHERE user_id = $1)",
}
_RATINGS = """
SELECT count(*)::int AS n, coalesce(sum(stars), 0)::int AS total FROM ratings WHERE ratee_id = $1
"""
_WORKER_RECORD = """
SELECT count(*) FILTER (WHERE status = 'completed')::int AS completed,
       count(*) FILTER (WHERE status = 'no_show' AND NOT no_show_overturned)::int AS no_shows,
       count(*) FILTER (WHERE disputed_at IS NOT NULL)::int AS disputes
FROM assignments WHERE worker_id = $1
"""
_EMPLOYER_RECORD = """
SELECT count(*) FILTER (WHERE a.status = 'completed')::int AS completed,
       count(*) FILTER (WHERE a.status = 'no_show' AND NOT a.no_show_overturned)::int AS no_shows,
       count(*) FILTER (WHERE a.disputed_at IS NOT NULL)::int AS disputes
FROM assignments a JOIN orders o ON o.id = a.order_id WHERE o.employer_id = $1
"""


async def reliability(
    conn: asyncpg.Connection[Any], user_id: UUID, side: Literal["worker", "employer"]
) -> Reliability:
    """A worker's or employer's record. ``no_shows`` are the worker's own, or those an
    employer recorded; ``disputes`` are wage complaints a worker filed, or received."""
    if not await conn.fetchval(_EXISTS[side], user_id):
        raise NotFound("用户不存在", f"no such {side}")
    rated = await conn.fetchrow(_RATINGS, user_id)
    rec = await conn.fetchrow(_WORKER_RECORD if side == "worker" else _EMPLOYER_RECORD, user_id)
    assert rated is not None and rec is not None  # aggregates always return one row
    n, completed, no_shows = rated["n"], rec["completed"], rec["no_shows"]
    setbacks = no_shows if side == "worker" else rec["disputes"]
    return Reliability(
        user_id=user_id,
        side=side,
        ratings_count=n,
        average_stars=round(rated["total"] / n, 2) if n else None,
        completed=completed,
        no_shows=no_shows,
        no_show_rate=round(no_shows / (completed + no_shows), 4) if completed + no_shows else 0.0,
        disputes=rec["disputes"],
        reliability=reliability_score(n, rated["total"], completed, setbacks),
    )
