"""Wage figures the district office keeps: minimum wages per region and market guidance
per job type, each with an effective date.

Entries are never edited in place. A correction *supersedes* an entry: the old row gets
``superseded_at`` and a pointer to the new one, so the figure an order was checked against
stays on record. The figures shipped in ``data/labour-rules.json`` are the starting data:
``seed_minimum_wages`` copies them into an empty table at start, and a region the table
knows nothing about falls back to the file, so a fresh install refuses the same orders as
before.

The rule itself (the minimum in force, the guidance in force, how pay becomes an hourly
figure) is ``stations.wage_rules``, below the work layer that applies it; this module is
the administrator's management of the table and imports it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit, reference
from gigstation.platform.errors import Conflict, NotFound
from gigstation.platform.types import NO_NUL, rule_violation
from gigstation.stations.wage_rules import (
    G_COLUMNS,
    MIN_COLUMNS,
    STANDARD_DAY_HOURS,
    GuidanceEntry,
    KnownRegion,
    MinimumWageEntry,
    below_low,
    guidance_in_force,
    insert_minimum,
    known_regions,
    minimum_entry,
    minimum_in_force,
)

__all__ = [
    "STANDARD_DAY_HOURS",
    "GuidanceCreate",
    "GuidanceEntry",
    "KnownRegion",
    "MinimumWageCreate",
    "MinimumWageEntry",
    "WageGuidanceAnswer",
    "add_guidance",
    "add_minimum",
    "below_low",
    "guidance_for",
    "guidance_in_force",
    "known_regions",
    "list_guidance",
    "list_minimums",
    "minimum_in_force",
    "seed_minimum_wages",
    "supersede_guidance",
    "supersede_minimum",
]

Region = Annotated[str, msgspec.Meta(min_length=1, max_length=50, pattern=NO_NUL)]
Source = Annotated[str, msgspec.Meta(max_length=300, pattern=NO_NUL)]
Fen = Annotated[int, msgspec.Meta(ge=1, le=100_000_00)]


class MinimumWageCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    region: Region
    effective_from: date
    hourly_fen: Fen
    monthly_fen: Fen
    source: Source = ""


class GuidanceCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    skill: str
    pay_unit: Literal["hour", "day"]
    low_fen: Fen
    median_fen: Fen
    high_fen: Fen
    effective_from: date
    region: Region = "Shanghai"
    source: Source = ""

    def __post_init__(self) -> None:
        if reference.skill(self.skill) is None:
            raise rule_violation("skill", f"未知工种 {self.skill!r}", f"unknown skill {self.skill!r}")
        if not self.low_fen <= self.median_fen <= self.high_fen:
            raise rule_violation("median_fen", "须满足 低位 ≤ 中位 ≤ 高位",
                                 "must satisfy low <= median <= high")


class WageGuidanceAnswer(msgspec.Struct, frozen=True):
    """What the order form shows for one job type."""

    skill: str
    region: str
    on: date
    guidance: list[GuidanceEntry]
    minimum: MinimumWageEntry | None


# --- minimum wages -----------------------------------------------------------------------

_MIN_COLUMNS = MIN_COLUMNS
_SEED = f"""
INSERT INTO minimum_wages (region, effective_from, hourly_fen, monthly_fen, source)
SELECT * FROM unnest($1::text[], $2::date[], $3::int[], $4::int[], $5::text[])
WHERE NOT EXISTS (SELECT 1 FROM minimum_wages)
-- Two servers starting at once: the second's rows clash with the first's and are skipped.
ON CONFLICT (region, effective_from) WHERE superseded_at IS NULL DO NOTHING
RETURNING {_MIN_COLUMNS}
"""


async def seed_minimum_wages(conn: asyncpg.Connection[Any], rules_file: str | None = None) -> int:
    """Copy the shipped minimum wages into an empty table; returns how many were added."""
    rules = reference.minimum_wages(rules_file)
    rows = await conn.fetch(
        _SEED, [r.region for r in rules], [r.effective_from for r in rules],
        [r.hourly_fen for r in rules], [r.monthly_fen for r in rules], [r.source for r in rules])
    return len(rows)


_LIST_MIN = f"""
SELECT {_MIN_COLUMNS} FROM minimum_wages
WHERE ($1::text IS NULL OR region = $1) AND ($2 OR superseded_at IS NULL)
ORDER BY region, effective_from DESC, id DESC
"""


async def list_minimums(
    conn: asyncpg.Connection[Any], region: str | None = None, include_superseded: bool = False
) -> list[MinimumWageEntry]:
    """Minimum wage entries, newest first per region."""
    return [msgspec.convert(dict(r), MinimumWageEntry)
            for r in await conn.fetch(_LIST_MIN, region, include_superseded)]


_SUPERSEDE_MIN = """
UPDATE minimum_wages SET superseded_at = now(),
       superseded_by = nextval(pg_get_serial_sequence('minimum_wages', 'id'))
WHERE id = $1 AND superseded_at IS NULL RETURNING superseded_by
"""
_MIN_EXISTS = "SELECT superseded_at IS NOT NULL FROM minimum_wages WHERE id = $1"


async def add_minimum(
    conn: asyncpg.Connection[Any], actor: UUID, data: MinimumWageCreate, *, new_id: int | None = None
) -> MinimumWageEntry:
    """Add a minimum wage entry (audited); the same region and date twice is a 409."""
    entry = await insert_minimum(conn, actor, data.region, data.effective_from, data.hourly_fen,
                                 data.monthly_fen, data.source, new_id=new_id)
    await audit.record(conn, actor, "minimum_wage.add", "minimum_wage", str(entry.id),
                       msgspec.to_builtins(data))
    return entry


async def supersede_minimum(
    conn: asyncpg.Connection[Any], actor: UUID, entry_id: int, data: MinimumWageCreate
) -> MinimumWageEntry:
    """Replace an entry in force by a corrected one (both kept; audited)."""
    new_id = await conn.fetchval(_SUPERSEDE_MIN, entry_id)
    if new_id is None:
        if await conn.fetchval(_MIN_EXISTS, entry_id):
            raise Conflict("该标准已被更正过", "this entry was already superseded", code="superseded")
        raise NotFound("最低工资条目不存在", "no such minimum wage entry")
    entry = await add_minimum(conn, actor, data, new_id=new_id)
    await audit.record(conn, actor, "minimum_wage.supersede", "minimum_wage", str(entry_id),
                       {"superseded_by": entry.id})
    return entry




# --- guidance ----------------------------------------------------------------------------

_G_COLUMNS = G_COLUMNS
_INSERT_G = f"""
INSERT INTO wage_guidance (id, region, skill, pay_unit, low_fen, median_fen, high_fen,
                           effective_from, source, created_by)
OVERRIDING SYSTEM VALUE
VALUES (coalesce($1, nextval(pg_get_serial_sequence('wage_guidance', 'id'))),
        $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING {_G_COLUMNS}
"""
_SUPERSEDE_G = """
UPDATE wage_guidance SET superseded_at = now(),
       superseded_by = nextval(pg_get_serial_sequence('wage_guidance', 'id'))
WHERE id = $1 AND superseded_at IS NULL RETURNING superseded_by
"""
_G_EXISTS = "SELECT superseded_at IS NOT NULL FROM wage_guidance WHERE id = $1"
_LIST_G = f"""
SELECT {_G_COLUMNS} FROM wage_guidance
WHERE ($1::text IS NULL OR skill = $1) AND ($2::text IS NULL OR region = $2)
  AND ($3 OR superseded_at IS NULL)
ORDER BY region, skill, pay_unit, effective_from DESC, id DESC
"""


async def add_guidance(
    conn: asyncpg.Connection[Any], actor: UUID, data: GuidanceCreate, *, new_id: int | None = None
) -> GuidanceEntry:
    """Add a guidance entry (audited); the same region, skill, unit and date twice is a 409."""
    try:
        async with conn.transaction():
            row = await conn.fetchrow(
                _INSERT_G, new_id, data.region, data.skill, data.pay_unit, data.low_fen,
                data.median_fen, data.high_fen, data.effective_from, data.source, actor)
    except asyncpg.UniqueViolationError as exc:
        raise Conflict("该工种该日期已有指导价，请用更正", "guidance for this job type and date "
                       "exists; supersede it instead", code="guidance_exists") from exc
    assert row is not None
    entry = msgspec.convert(dict(row), GuidanceEntry)
    await audit.record(conn, actor, "wage_guidance.add", "wage_guidance", str(entry.id),
                       msgspec.to_builtins(data))
    return entry


async def supersede_guidance(
    conn: asyncpg.Connection[Any], actor: UUID, entry_id: int, data: GuidanceCreate
) -> GuidanceEntry:
    """Replace a guidance entry in force by a corrected one (both kept; audited)."""
    new_id = await conn.fetchval(_SUPERSEDE_G, entry_id)
    if new_id is None:
        if await conn.fetchval(_G_EXISTS, entry_id):
            raise Conflict("该指导价已被更正过", "this entry was already superseded", code="superseded")
        raise NotFound("指导价条目不存在", "no such guidance entry")
    entry = await add_guidance(conn, actor, data, new_id=new_id)
    await audit.record(conn, actor, "wage_guidance.supersede", "wage_guidance", str(entry_id),
                       {"superseded_by": entry.id})
    return entry


async def list_guidance(
    conn: asyncpg.Connection[Any], skill: str | None = None, region: str | None = None,
    include_superseded: bool = False,
) -> list[GuidanceEntry]:
    """Guidance entries, newest first per region, skill and unit."""
    return [msgspec.convert(dict(r), GuidanceEntry)
            for r in await conn.fetch(_LIST_G, skill, region, include_superseded)]


async def guidance_for(
    conn: asyncpg.Connection[Any], skill: str, region: str, on: date
) -> WageGuidanceAnswer:
    """The order form's answer: guidance in force for the job type, and the minimum."""
    if reference.skill(skill) is None:
        raise NotFound(f"未知工种 {skill!r}", f"unknown skill {skill!r}")
    return WageGuidanceAnswer(skill, region, on, await guidance_in_force(conn, region, skill, on),
                              await minimum_entry(conn, region, on))
