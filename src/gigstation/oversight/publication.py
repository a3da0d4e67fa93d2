"""What the office publishes to everyone, without sign-in: the wage figures in force and the
arrears blacklist as the rules allow it to be published.

Wages: the minimum wage in force per region and the market guidance in force per region,
job type and pay unit on a date (the latest entry not superseded whose effective date has
come), plus the changes already announced (effective later). Read through the office's own
functions in ``oversight.wages``; nothing here writes.

Blacklist: 拖欠农民工工资失信联合惩戒对象名单管理暂行办法 (MOHRSS order no. 45, 2021) has the
department that lists an employer make the list public (the article on publication, art. 11
as we read it: to be checked against the official text) and, in art. 4, protect personal
information while doing so. Published for each listing in force: the employer's name, its
kind, the unified social credit code of a company (an individual employer's identity number
is never published, not even masked), the listing reason, the listing date and the date it
ends. Never published: the evidence (free text that can name the workers owed wages), who
listed or lifted it, and listings that were lifted or have ended (a listing that ends stops
being published). The reason is written by the office for publication; as a safeguard,
anything in it that looks like a phone or identity number, and the name (two characters or
more) of any registered worker, is replaced by "＊＊" before it is published.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.oversight import blacklist, wages
from gigstation.platform import reference
from gigstation.work.orders import REGION_ZH

__all__ = [
    "PublicBlacklist",
    "PublicGuidance",
    "PublicListing",
    "PublicMinimum",
    "PublicWages",
    "public_blacklist",
    "public_wages",
    "redact",
]

MASK = "＊＊"
# Mainland mobile numbers, and 15/18-character identity numbers (or any long digit run).
_NUMBERS = re.compile(r"1[3-9]\d{9}|\d{17}[\dXx]|\d{15}|\d{11,}")


class PublicMinimum(msgspec.Struct, frozen=True):
    region: str
    region_zh: str
    effective_from: date
    hourly_fen: int
    monthly_fen: int
    source: str


class PublicGuidance(msgspec.Struct, frozen=True):
    region: str
    region_zh: str
    skill: str
    skill_zh: str
    skill_en: str
    pay_unit: Literal["hour", "day"]
    low_fen: int
    median_fen: int
    high_fen: int
    effective_from: date
    source: str


class PublicWages(msgspec.Struct, frozen=True):
    """The wage figures in force on ``on``, and those announced for later."""

    on: date
    minimums: list[PublicMinimum]
    guidance: list[PublicGuidance]
    upcoming_minimums: list[PublicMinimum]
    upcoming_guidance: list[PublicGuidance]


def _minimum(m: reference.MinimumWage | wages.MinimumWageEntry) -> PublicMinimum:
    return PublicMinimum(m.region, REGION_ZH.get(m.region, m.region), m.effective_from,
                         m.hourly_fen, m.monthly_fen, m.source)


def _guidance(g: wages.GuidanceEntry) -> PublicGuidance:
    known = reference.skill(g.skill)
    return PublicGuidance(
        g.region, REGION_ZH.get(g.region, g.region), g.skill, known.zh if known else g.skill,
        known.en if known else g.skill, g.pay_unit, g.low_fen, g.median_fen, g.high_fen,
        g.effective_from, g.source)


async def public_wages(conn: asyncpg.Connection[Any], on: date, home_region: str) -> PublicWages:
    """Minimum wages and guidance in force on ``on`` in every region the office keeps figures
    for (and ``home_region``, the service's own), with the changes announced for later."""
    entries = await wages.list_minimums(conn)
    regions = sorted({home_region, *(m.region for m in entries)})
    minimums: list[PublicMinimum] = []
    for region in regions:
        in_force = await wages.minimum_in_force(conn, region, on)
        if in_force is not None:
            minimums.append(_minimum(in_force))
    upcoming_minimums = sorted((_minimum(m) for m in entries if m.effective_from > on),
                               key=lambda m: (m.region, m.effective_from))
    if not any(m.region == home_region for m in entries):
        # The shipped figures stand in for a region the table does not know (wages.py).
        upcoming_minimums += [_minimum(m) for m in reference.minimum_wages()
                              if m.region == home_region and m.effective_from > on]
    current: dict[tuple[str, str, str], wages.GuidanceEntry] = {}
    upcoming: list[wages.GuidanceEntry] = []
    # Newest first per (region, skill, unit): the first entry that has come into force wins.
    for g in await wages.list_guidance(conn):
        if g.effective_from > on:
            upcoming.append(g)
        else:
            current.setdefault((g.region, g.skill, g.pay_unit), g)
    order = list(reference.skills())

    def by_skill(g: wages.GuidanceEntry) -> tuple[str, int, str, date]:
        rank = order.index(g.skill) if g.skill in order else len(order)
        return g.region, rank, g.pay_unit, g.effective_from

    return PublicWages(
        on=on, minimums=minimums,
        guidance=[_guidance(g) for g in sorted(current.values(), key=by_skill)],
        upcoming_minimums=upcoming_minimums,
        upcoming_guidance=[_guidance(g) for g in sorted(upcoming, key=by_skill)],
    )


# --- the blacklist -------------------------------------------------------------------------


class PublicListing(msgspec.Struct, frozen=True):
    employer_name: str
    kind: Literal["company", "individual"]
    credit_code: str | None
    """A company's unified social credit code; None for an individual employer."""
    reason: str
    listed_on: date
    ends_on: date


class PublicBlacklist(msgspec.Struct, frozen=True):
    on: date
    listings: list[PublicListing]


_EMPLOYERS = """
SELECT user_id, kind, credit_code FROM employers WHERE user_id = ANY($1::uuid[])
"""
# Registered workers whose name appears in the text: their names must not be published.
_WORKER_NAMES_IN = """
SELECT DISTINCT name FROM users
WHERE role = 'worker' AND char_length(name) >= 2 AND strpos($1, name) > 0
"""


def redact(text: str, names: set[str]) -> str:
    """``text`` with phone- and identity-like numbers and each of ``names`` masked."""
    text = _NUMBERS.sub(MASK, text)
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, MASK)
    return text


async def public_blacklist(conn: asyncpg.Connection[Any], today: date, zone: str) -> PublicBlacklist:
    """The listings in force today, as published (module docstring: what and why)."""
    entries = await blacklist.list_entries(conn, today)
    ids = list({e.employer_id for e in entries})
    kinds = {r["user_id"]: (r["kind"], r["credit_code"]) for r in await conn.fetch(_EMPLOYERS, ids)}
    listings = []
    for e in entries:
        kind, code = kinds.get(e.employer_id, ("company", None))
        names = {r["name"] for r in await conn.fetch(_WORKER_NAMES_IN, e.reason)}
        listings.append(PublicListing(
            employer_name=e.employer_name, kind=kind,
            credit_code=code if kind == "company" else None,
            reason=redact(e.reason, names),
            listed_on=_local_date(e.listed_at, zone), ends_on=e.ends_on))
    return PublicBlacklist(today, listings)


def _local_date(at: datetime, zone: str) -> date:
    return at.astimezone(ZoneInfo(zone)).date()
