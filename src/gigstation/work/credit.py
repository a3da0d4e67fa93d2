"""Credit records both sides see before committing: jobs done, no-shows, disputes, rating.

A worker sees the employer's record on each offer; an employer sees each worker's record on
the order's crew (``work.crew``). The figures are those of ``work.ratings.reliability``.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar
from uuid import UUID

import asyncpg
import msgspec

from gigstation.work import ratings

__all__ = ["CreditRecord", "credit_record", "with_employer_records"]

# Offers (work.offers) carry ``employer_id`` and ``employer_record``; this module stays below
# them, so it names no offer type (offers imports CreditRecord from here, not the reverse).
S = TypeVar("S", bound=msgspec.Struct)


class CreditRecord(msgspec.Struct, frozen=True):
    """One side's record as the other side sees it."""

    jobs_done: int
    no_shows: int
    disputes: int
    average_stars: float | None
    ratings_count: int
    reliability: int


async def credit_record(
    conn: asyncpg.Connection[Any], user_id: UUID, side: Literal["worker", "employer"]
) -> CreditRecord:
    """The record of a worker or an employer."""
    r = await ratings.reliability(conn, user_id, side)
    return CreditRecord(r.completed, r.no_shows, r.disputes, r.average_stars, r.ratings_count,
                        r.reliability)


async def with_employer_records(conn: asyncpg.Connection[Any], offers: list[S]) -> list[S]:
    """The offers with each employer's record filled in (one look-up per employer)."""
    records: dict[UUID, CreditRecord] = {}
    out = []
    for offer in offers:
        employer_id: UUID | None = getattr(offer, "employer_id", None)
        if employer_id is None:
            out.append(offer)
            continue
        if employer_id not in records:
            records[employer_id] = await credit_record(conn, employer_id, "employer")
        out.append(msgspec.structs.replace(offer, employer_record=records[employer_id]))
    return out
