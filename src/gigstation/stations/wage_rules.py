"""The wage rules of a station's region: the minimum wage in force, the market guidance,
and how any pay (per hour, per day, per piece) becomes the hourly figure they are compared
with.

The rule lives here, below ``work`` (which applies it to orders) and beside the stations
(which cannot exist in a region without a known minimum); the administrator's management
of the figures (add, supersede, list) is ``oversight.wages``, which imports this module.

Where each figure comes from (README.md, "Public-service rules"):

- the hourly minimum: the office's table ``minimum_wages``, else the shipped
  ``data/labour-rules.json`` for a region the table does not know (Labour Contract Law
  art. 72: part-time hourly pay not below the local hourly minimum);
- a day rate is spread over the order's hours; a piece rate is multiplied by the pieces an
  hour the employer states (``pieces_per_hour``): that hourly figure must reach the minimum
  and is what the guidance comparison uses;
- day guidance is spread over the standard 8-hour day (Labour Law art. 36).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import reference
from gigstation.platform.errors import Conflict, FieldError, Invalid
from gigstation.platform.types import NO_NUL

__all__ = [
    "REGION_ZH",
    "STANDARD_DAY_HOURS",
    "GuidanceEntry",
    "KnownRegion",
    "MinimumWageEntry",
    "StationMinimum",
    "below_low",
    "check_minimum_wage",
    "guidance_in_force",
    "hourly_equivalent",
    "insert_minimum",
    "known_regions",
    "minimum_entry",
    "minimum_in_force",
    "region_zh",
    "require_known_region",
]

STANDARD_DAY_HOURS = 8  # Labour Law art. 36
Source = Annotated[str, msgspec.Meta(max_length=300, pattern=NO_NUL)]
Fen = Annotated[int, msgspec.Meta(ge=1, le=100_000_00)]

# Region names as the Chinese messages say them (the wage rules are keyed by English name).
REGION_ZH = {"Shanghai": "上海市", "Beijing": "北京市", "Tianjin": "天津市", "Chongqing": "重庆市",
             "Guangdong": "广东省", "Jiangsu": "江苏省", "Zhejiang": "浙江省", "Jiangxi": "江西省"}


def region_zh(region: str) -> str:
    """The region's Chinese name, or "本地区" (this region) when the table has none."""
    return REGION_ZH.get(region, "本地区")


class MinimumWageEntry(msgspec.Struct, frozen=True):
    id: int
    region: str
    effective_from: date
    hourly_fen: int
    monthly_fen: int
    source: str
    created_by: UUID | None
    created_at: datetime
    superseded_by: int | None = None
    superseded_at: datetime | None = None


class GuidanceEntry(msgspec.Struct, frozen=True):
    id: int
    region: str
    skill: str
    pay_unit: Literal["hour", "day"]
    low_fen: int
    median_fen: int
    high_fen: int
    effective_from: date
    source: str
    created_by: UUID | None
    created_at: datetime
    superseded_by: int | None = None
    superseded_at: datetime | None = None


class StationMinimum(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A minimum wage entered with a new station, for a region the table does not know yet."""

    hourly_fen: Fen
    monthly_fen: Fen
    effective_from: date
    source: Annotated[str, msgspec.Meta(min_length=2, max_length=300, pattern=NO_NUL)]
    """The notice it comes from: required, so no figure enters the table without a source."""


class KnownRegion(msgspec.Struct, frozen=True):
    """A region whose minimum wage is known today: what the station form offers."""

    region: str
    region_zh: str
    hourly_fen: int
    monthly_fen: int
    effective_from: date
    source: str


# --- minimum wages -----------------------------------------------------------------------

MIN_COLUMNS = """id, region, effective_from, hourly_fen, monthly_fen, source, created_by,
created_at, superseded_by, superseded_at"""
_IN_FORCE_MIN = f"""
SELECT {MIN_COLUMNS} FROM minimum_wages
WHERE region = $1 AND effective_from <= $2 AND superseded_at IS NULL
ORDER BY effective_from DESC LIMIT 1
"""
_REGION_KNOWN = "SELECT EXISTS (SELECT 1 FROM minimum_wages WHERE region = $1)"


async def minimum_in_force(
    conn: asyncpg.Connection[Any], region: str, on: date, rules_file: str | None = None
) -> reference.MinimumWage | None:
    """The minimum wage in force in ``region`` on ``on``: the office's table, or the shipped
    file for a region the table does not know. None: no minimum is known for that day."""
    row = await conn.fetchrow(_IN_FORCE_MIN, region, on)
    if row is not None:
        return reference.MinimumWage(row["region"], row["effective_from"], row["hourly_fen"],
                                     row["monthly_fen"], row["source"])
    if await conn.fetchval(_REGION_KNOWN, region):
        return None
    return reference.minimum_wage(region, on, rules_file)


async def minimum_entry(conn: asyncpg.Connection[Any], region: str, on: date) -> MinimumWageEntry | None:
    """The table's entry in force (None for a region known only from the shipped file)."""
    row = await conn.fetchrow(_IN_FORCE_MIN, region, on)
    return None if row is None else msgspec.convert(dict(row), MinimumWageEntry)


_TABLE_REGIONS = "SELECT DISTINCT region FROM minimum_wages ORDER BY region"


async def known_regions(
    conn: asyncpg.Connection[Any], on: date, rules_file: str | None = None
) -> list[KnownRegion]:
    """Every region with a minimum wage in force on ``on`` (table or shipped file), by name."""
    names = {r["region"] for r in await conn.fetch(_TABLE_REGIONS)}
    names |= {m.region for m in reference.minimum_wages(rules_file)}
    out = []
    for name in sorted(names):
        m = await minimum_in_force(conn, name, on, rules_file)
        if m is not None:
            out.append(KnownRegion(name, region_zh(name), m.hourly_fen, m.monthly_fen,
                                   m.effective_from, m.source))
    return out


def _unknown_region(region: str, field: str = "region") -> Invalid:
    return Invalid(
        detail=f"地区“{region}”没有在执行的最低工资标准：请从已知地区中选择，或同时填写该地区的最低工资及其依据",
        detail_en=f"no minimum wage is known in force for the region {region!r}: choose a known "
                  "region, or enter the region's minimum wage with its source",
        errors=[FieldError(field, "该地区没有已知的最低工资标准", "no minimum wage is known for this region")],
        code="unknown_region")


_INSERT_MIN = f"""
INSERT INTO minimum_wages (id, region, effective_from, hourly_fen, monthly_fen, source, created_by)
OVERRIDING SYSTEM VALUE
VALUES (coalesce($1, nextval(pg_get_serial_sequence('minimum_wages', 'id'))), $2, $3, $4, $5, $6, $7)
RETURNING {MIN_COLUMNS}
"""


async def insert_minimum(
    conn: asyncpg.Connection[Any], actor: UUID, region: str, effective_from: date, hourly_fen: int,
    monthly_fen: int, source: str, *, new_id: int | None = None,
) -> MinimumWageEntry:
    """Add a table entry (the caller audits); the same region and date twice is a 409."""
    try:
        async with conn.transaction():
            row = await conn.fetchrow(_INSERT_MIN, new_id, region, effective_from, hourly_fen,
                                      monthly_fen, source, actor)
    except asyncpg.UniqueViolationError as exc:
        raise Conflict("该地区该日期已有最低工资标准，请用更正", "an entry for this region and "
                       "date exists; supersede it instead", code="minimum_wage_exists") from exc
    assert row is not None
    return msgspec.convert(dict(row), MinimumWageEntry)


async def require_known_region(
    conn: asyncpg.Connection[Any], actor: UUID, region: str, today: date,
    minimum: StationMinimum | None = None, rules_file: str | None = None,
) -> MinimumWageEntry | None:
    """A station's region must have a minimum in force today; ``minimum`` (entered with its
    source) adds one first. Returns the entry added, if any."""
    added = None
    if minimum is not None:
        if minimum.effective_from > today:
            raise Invalid.of_field("minimum_wage.effective_from", "最低工资须今天或更早起执行",
                                   "the minimum must be in force today or earlier")
        added = await insert_minimum(conn, actor, region, minimum.effective_from, minimum.hourly_fen,
                                     minimum.monthly_fen, minimum.source)
    if await minimum_in_force(conn, region, today, rules_file) is None:
        raise _unknown_region(region)
    return added


# --- what an order's pay is worth per hour -------------------------------------------------

def hourly_equivalent(pay_cents: int, pay_unit: str, hours: float, pieces_per_hour: int | None) -> float:
    """The pay as an hourly figure in fen: per hour as is, a day rate over the order's hours,
    a piece rate times the pieces an hour the employer states."""
    if pay_unit == "hour":
        return float(pay_cents)
    if pay_unit == "day":
        return pay_cents / hours
    return float(pay_cents * (pieces_per_hour or 0))


def _yuan(fen: float) -> str:
    return f"{fen / 100:.2f}"


def _worked_out(pay_cents: int, pay_unit: str, hours: float, pieces_per_hour: int | None,
                hourly: float) -> tuple[str, str]:
    """How the hourly figure was worked out, in Chinese and English."""
    if pay_unit == "day":
        return (f"日薪 {_yuan(pay_cents)} 元 ÷ {hours:g} 小时 = 折合时薪 {_yuan(hourly)} 元",
                f"a day rate of CNY {_yuan(pay_cents)} over {hours:g} hours is CNY {_yuan(hourly)} an hour")
    if pay_unit == "piece":
        return (f"计件 {_yuan(pay_cents)} 元/件 × 每小时 {pieces_per_hour} 件 = 折合时薪 {_yuan(hourly)} 元",
                f"CNY {_yuan(pay_cents)} a piece x {pieces_per_hour} pieces an hour is "
                f"CNY {_yuan(hourly)} an hour")
    return f"时薪 {_yuan(hourly)} 元", f"an hourly rate of CNY {_yuan(hourly)}"


def check_minimum_wage(
    pay_cents: int, pay_unit: str, hours: float, pieces_per_hour: int | None, region: str,
    minimum: reference.MinimumWage | None,
) -> None:
    """Refuse pay whose hourly figure is below the minimum in force, and any order where no
    minimum is known (never a fallback to no minimum). The message shows the worked-out figure."""
    if minimum is None:
        raise Invalid(
            detail=f"{region_zh(region)}没有在执行的最低工资标准，暂不能发布用工；请联系驿站或人社部门录入",
            detail_en=f"no minimum wage is known in force for {region}: orders cannot be posted "
                      "there until the office enters one",
            errors=[FieldError("pay_cents", "没有可核对的最低工资标准", "no minimum wage to check against")],
            code="no_minimum_wage")
    hourly = hourly_equivalent(pay_cents, pay_unit, hours, pieces_per_hour)
    if hourly >= minimum.hourly_fen:
        return
    how_zh, how_en = _worked_out(pay_cents, pay_unit, hours, pieces_per_hour, hourly)
    floor = _yuan(minimum.hourly_fen)
    raise Invalid.of_field(
        "pay_cents",
        f"{how_zh}，低于{region_zh(region)}最低工资标准 {floor} 元/小时（{minimum.effective_from} 起执行）",
        f"{how_en}, below the {region} minimum wage of CNY {floor} per hour "
        f"(in force from {minimum.effective_from})",
    )


# --- guidance ----------------------------------------------------------------------------

G_COLUMNS = """id, region, skill, pay_unit, low_fen, median_fen, high_fen, effective_from,
source, created_by, created_at, superseded_by, superseded_at"""
_IN_FORCE_G = f"""
SELECT DISTINCT ON (pay_unit) {G_COLUMNS} FROM wage_guidance
WHERE region = $1 AND skill = $2 AND effective_from <= $3 AND superseded_at IS NULL
ORDER BY pay_unit, effective_from DESC
"""


async def guidance_in_force(
    conn: asyncpg.Connection[Any], region: str, skill: str, on: date
) -> list[GuidanceEntry]:
    """The entry in force for each pay unit (hour, day)."""
    return [msgspec.convert(dict(r), GuidanceEntry)
            for r in await conn.fetch(_IN_FORCE_G, region, skill, on)]


def below_low(
    guidance: list[GuidanceEntry], pay_cents: int, pay_unit: str, hours: float,
    pieces_per_hour: int | None = None,
) -> tuple[GuidanceEntry | None, bool]:
    """The entry an order is compared with, and whether its pay is below the low figure: in
    the order's own unit when the guidance has it, else both as hourly figures (a piece rate
    always as its hourly figure)."""
    if not guidance or (pay_unit == "piece" and not pieces_per_hour):
        return None, False
    same = [g for g in guidance if g.pay_unit == pay_unit]
    if same:
        return same[0], pay_cents < same[0].low_fen
    g = guidance[0]
    hourly = hourly_equivalent(pay_cents, pay_unit, hours, pieces_per_hour)
    low_hourly = g.low_fen if g.pay_unit == "hour" else g.low_fen / STANDARD_DAY_HOURS
    return g, hourly < low_hourly
