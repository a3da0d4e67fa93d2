"""Same-day orders posted by employers: validation, minimum wage, access (cancellation is
``work.cancellation``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.platform import audit, reference
from gigstation.platform.auth import Principal
from gigstation.platform.errors import FieldError, Forbidden, Invalid, NotFound
from gigstation.platform.pagination import Page, PageParams
from gigstation.platform.types import NO_NUL, Address, Lat, Lon, PayUnit, Title, rule_violation
from gigstation.stations import wage_rules
from gigstation.stations.registry import operator_station_ids

__all__ = [
    "PIECE_PAY_FLOOR_CENTS",
    "OrderCreate",
    "OrderView",
    "check_may_post",
    "create_order",
    "get_order",
    "list_orders",
    "order_view",
]

MAX_LEAD = timedelta(hours=36)
MAX_LENGTH = timedelta(hours=12)
# A phone clock a few minutes slow must not refuse an order for "now".
PAST_GRACE = timedelta(minutes=10)
PIECE_PAY_FLOOR_CENTS = 100
"""The least a piece may pay (1 yuan); also a CHECK on orders (migration 0004)."""
MAX_PIECES_PER_HOUR = 10_000

OrderStatus = Literal["open", "full", "cancelled", "closed"]


class OrderCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: Title
    skill: str
    headcount: Annotated[int, msgspec.Meta(ge=1, le=200)]
    starts_at: datetime
    ends_at: datetime
    lat: Lat
    lon: Lon
    address: Address
    pay_cents: Annotated[int, msgspec.Meta(ge=1, le=100_000_00)]
    pay_unit: PayUnit
    description: Annotated[str, msgspec.Meta(max_length=2000, pattern=NO_NUL)] = ""
    located: bool = True
    """False when lat/lon only stand in for the workplace (the order page without the phone's
    location uses the station's): workers are then sent by the address, not the position."""
    pieces_per_hour: Annotated[int, msgspec.Meta(ge=1, le=MAX_PIECES_PER_HOUR)] | None = None
    """A piece rate's pieces an hour, as the employer states them: piece pay x this is the
    hourly figure the minimum wage and the guidance are compared with. Piece rates only."""

    def __post_init__(self) -> None:
        if self.pay_unit == "piece" and self.pieces_per_hour is None:
            raise rule_violation("pieces_per_hour", "计件工资须填写预计每小时完成的件数",
                                 "a piece rate needs the pieces an hour the work is expected to take")
        if self.pay_unit != "piece" and self.pieces_per_hour is not None:
            raise rule_violation("pieces_per_hour", "只有计件工资填写每小时件数",
                                 "pieces per hour go with a piece rate only")
        if reference.skill(self.skill) is None:
            raise rule_violation("skill", f"未知工种 {self.skill!r}", f"unknown skill {self.skill!r}")
        for name in ("starts_at", "ends_at"):
            if getattr(self, name).tzinfo is None:
                raise rule_violation(name, "时间须带时区", "must include a UTC offset")
        if self.ends_at <= self.starts_at:
            raise rule_violation("ends_at", "结束时间须晚于开始时间", "must be after starts_at")
        if self.ends_at - self.starts_at > MAX_LENGTH:
            raise rule_violation("ends_at", "单次用工不超过12小时", "an order lasts at most 12 hours")


class OrderView(msgspec.Struct, frozen=True):
    id: UUID
    employer_id: UUID
    employer_name: str
    employer_verified: bool
    station_id: UUID | None
    title: str
    description: str
    skill: str
    skill_zh: str
    headcount: int
    filled: int
    starts_at: datetime
    ends_at: datetime
    lat: float
    lon: float
    address: str
    pay_cents: int
    pay_unit: str
    status: OrderStatus
    created_at: datetime
    # Wage guidance the order was compared with at posting (oversight.wages): below the
    # low figure is allowed but shown to workers.
    below_guidance: bool = False
    guidance_unit: str | None = None
    guidance_low_fen: int | None = None
    guidance_median_fen: int | None = None
    guidance_high_fen: int | None = None
    located: bool = True
    pieces_per_hour: int | None = None
    hourly_equivalent_fen: int | None = None
    """The pay as an hourly figure (day rate over the hours; piece rate x pieces an hour)."""


GUIDANCE_COLUMNS = """o.below_guidance, g.pay_unit AS guidance_unit, g.low_fen AS guidance_low_fen,
g.median_fen AS guidance_median_fen, g.high_fen AS guidance_high_fen"""
GUIDANCE_JOIN = "LEFT JOIN wage_guidance g ON g.id = o.guidance_id"
_COLUMNS = f"""
o.id, o.employer_id, u.name AS employer_name, e.verified_at IS NOT NULL AS employer_verified,
o.station_id, o.title, o.description, o.skill, o.headcount, o.filled, o.starts_at, o.ends_at,
o.lat, o.lon, o.address, o.pay_cents, o.pay_unit, o.status, o.created_at, o.located, {GUIDANCE_COLUMNS},
o.pieces_per_hour
"""
_FROM = f"""FROM orders o JOIN employers e ON e.user_id = o.employer_id JOIN users u ON u.id = o.employer_id
{GUIDANCE_JOIN}"""
_GET = f"SELECT {_COLUMNS} {_FROM} WHERE o.id = $1"
_INSERT = """
INSERT INTO orders (employer_id, station_id, title, description, skill, headcount, starts_at,
                    ends_at, lat, lon, address, pay_cents, pay_unit, located, pieces_per_hour)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id
"""
_EMPLOYER_STANDING = "SELECT blacklisted_until FROM employers WHERE user_id = $1"
# A listing covers a person, not an account (oversight.blacklist): another account with the
# listed credit code, or of the listed person (own ID or as a company's legal representative).
_LISTED_PERSON = """
SELECT b.ends_on FROM employers me
JOIN employer_blacklist b ON b.lifted_at IS NULL AND b.ends_on >= $2
JOIN employers e ON e.user_id = b.employer_id
WHERE me.user_id = $1 AND e.user_id <> me.user_id
  AND (e.credit_code = me.credit_code
       OR coalesce(me.rep_index, me.id_index) IN (e.rep_index, e.id_index))
ORDER BY b.ends_on DESC LIMIT 1
"""


async def check_may_post(conn: asyncpg.Connection[Any], employer_id: UUID, today: date) -> None:
    """Forbidden while the employer, its credit code or its person (legal representative or
    the individual) is on the arrears blacklist (the order form says so too)."""
    blacklisted_until = await conn.fetchval(_EMPLOYER_STANDING, employer_id)
    if blacklisted_until is not None and blacklisted_until >= today:
        raise Forbidden(f"因欠薪被列入失信名单，{blacklisted_until} 前不能发布用工",
                        f"listed for unpaid wages; cannot post orders until {blacklisted_until}",
                        code="blacklisted")
    through = await conn.fetchval(_LISTED_PERSON, employer_id, today)
    if through is not None:
        raise Forbidden(f"本单位的统一社会信用代码或法定代表人（或本人）因欠薪被列入失信名单，{through} 前不能发布用工",
                        f"this account's credit code or person (legal representative, or the "
                        f"individual) is on the arrears blacklist until {through}: no posting",
                        code="blacklisted")


_STATION_REGION = "SELECT region FROM stations WHERE id = $1"
_NEAREST_STATION = """
SELECT id, region, great_circle_m($1, $2, lat, lon) AS metres FROM stations
ORDER BY great_circle_m($1, $2, lat, lon), id LIMIT 1
"""


def order_view(row: asyncpg.Record) -> OrderView:
    """An order row as the API shows it (rows from other modules' queries may lack the piece
    columns: then no hourly figure is shown for a piece rate)."""
    r = dict(row)
    ref = reference.skill(r["skill"])
    hours = (r["ends_at"] - r["starts_at"]).total_seconds() / 3600
    pieces = r.get("pieces_per_hour")
    hourly = None
    if r["pay_unit"] != "piece" or pieces is not None:
        hourly = round(wage_rules.hourly_equivalent(r["pay_cents"], r["pay_unit"], hours, pieces))
    return msgspec.convert({**r, "skill_zh": ref.zh if ref else r["skill"],
                            "hourly_equivalent_fen": hourly}, OrderView)


REGION_ZH = wage_rules.REGION_ZH


def check_minimum_wage(
    data: OrderCreate, region: str, minimum: reference.MinimumWage | None
) -> None:
    """Refuse pay whose hourly figure is below the local minimum (stations.wage_rules), and an
    order where no minimum is known; a piece must also pay at least the floor."""
    if data.pay_unit == "piece" and data.pay_cents < PIECE_PAY_FLOOR_CENTS:
        raise Invalid.of_field(
            "pay_cents", f"计件工资每件不得低于 {PIECE_PAY_FLOOR_CENTS / 100:.2f} 元",
            f"piece pay must be at least CNY {PIECE_PAY_FLOOR_CENTS / 100:.2f} a piece")
    hours = (data.ends_at - data.starts_at).total_seconds() / 3600
    wage_rules.check_minimum_wage(data.pay_cents, data.pay_unit, hours, data.pieces_per_hour,
                                  region, minimum)


_FLAG = "UPDATE orders SET guidance_id = $2, below_guidance = $3 WHERE id = $1"


async def flag_order(
    conn: asyncpg.Connection[Any], order_id: UUID, data: OrderCreate, region: str, on: date
) -> None:
    """Record on a new order the guidance it was compared with and whether it fell below
    (a piece rate as its hourly figure)."""
    hours = (data.ends_at - data.starts_at).total_seconds() / 3600
    entry, below = wage_rules.below_low(
        await wage_rules.guidance_in_force(conn, region, data.skill, on), data.pay_cents,
        data.pay_unit, hours, data.pieces_per_hour)
    if entry is not None:
        await conn.execute(_FLAG, order_id, entry.id, below)


async def create_order(
    conn: asyncpg.Connection[Any],
    employer_id: UUID,
    data: OrderCreate,
    now: datetime,
    zone: str,
    default_region: str,
    rules_file: str | None = None,
    reach_m: float | None = None,
    day_cap_h: float | None = None,
) -> OrderView:
    """Post an order: it goes to the nearest station's board. With ``reach_m`` (the
    dispatch reach), an order farther than that from every station is refused; with
    ``day_cap_h`` (the part-time day's cap, ``work.hours``), an order longer than that."""
    if day_cap_h is not None and (data.ends_at - data.starts_at).total_seconds() > day_cap_h * 3600 + 1e-6:
        raise Invalid(
            detail=f"单次用工不能超过{day_cap_h:g}小时：非全日制用工与同一用工主体任意24小时内最多{day_cap_h:g}小时",
            detail_en=f"an order may last at most {day_cap_h:g} hours: part-time work is at most "
                      f"{day_cap_h:g} hours in any 24 hours with one employer",
            errors=[FieldError("ends_at", f"单次用工最长{day_cap_h:g}小时（非全日制用工每天的上限）",
                               f"at most {day_cap_h:g} hours after the start (the part-time day's cap)")],
            code="daily_hours_exceeded")
    if data.starts_at < now - PAST_GRACE:
        raise Invalid.of_field("starts_at", "开始时间已过", "starts_at is in the past")
    if data.starts_at > now + MAX_LEAD:
        raise Invalid.of_field("starts_at", "只能发布36小时内开始的用工",
                               "orders must start within the next 36 hours")
    await check_may_post(conn, employer_id, now.date())
    nearest = await conn.fetchrow(_NEAREST_STATION, data.lat, data.lon)
    station_id = nearest["id"] if nearest is not None else None
    region = nearest["region"] if nearest is not None else default_region
    if reach_m is not None and (nearest is None or nearest["metres"] > reach_m):
        km = reach_m / 1000
        raise Invalid(
            detail=f"用工地点距离最近的驿站超过 {km:g} 公里，没有驿站可以派工",
            detail_en=f"the place is more than {km:g} km from every station; no station can dispatch it",
            errors=[FieldError("lat", f"距离最近的驿站超过 {km:g} 公里",
                               f"more than {km:g} km from every station")],
            code="too_far_from_station")
    on = data.starts_at.astimezone(ZoneInfo(zone)).date()
    check_minimum_wage(data, region, await wage_rules.minimum_in_force(conn, region, on, rules_file))
    order_id = await conn.fetchval(
        _INSERT, employer_id, station_id, data.title, data.description, data.skill,
        data.headcount, data.starts_at, data.ends_at, data.lat, data.lon, data.address,
        data.pay_cents, data.pay_unit, data.located, data.pieces_per_hour,
    )
    await flag_order(conn, order_id, data, region, on)
    await audit.record(conn, employer_id, "order.create", "order", order_id,
                       {"headcount": data.headcount, "pay_cents": data.pay_cents,
                        "pay_unit": data.pay_unit, "pieces_per_hour": data.pieces_per_hour})
    return await _fetch(conn, order_id)


async def _fetch(conn: asyncpg.Connection[Any], order_id: UUID) -> OrderView:
    row = await conn.fetchrow(_GET, order_id)
    if row is None:
        raise NotFound("订单不存在", "no such order")
    return order_view(row)


async def _authorize(conn: asyncpg.Connection[Any], who: Principal, order: OrderView) -> None:
    # Strangers get the same 404 as for a missing order: ids are not an oracle.
    if who.role == "admin":
        return
    if who.role == "employer" and order.employer_id == who.user_id:
        return
    if who.role == "operator" and order.station_id in await operator_station_ids(conn, who.user_id):
        return
    raise NotFound("订单不存在", "no such order")


async def get_order(conn: asyncpg.Connection[Any], who: Principal, order_id: UUID) -> OrderView:
    """One order the caller may see."""
    order = await _fetch(conn, order_id)
    await _authorize(conn, who, order)
    return order


_LIST_EMPLOYER = f"""
SELECT {_COLUMNS} {_FROM} WHERE o.employer_id = $1 AND ($2::text IS NULL OR o.status = $2)
ORDER BY o.created_at DESC, o.id LIMIT $3 OFFSET $4
"""
_LIST_OPERATOR = f"""
SELECT {_COLUMNS} {_FROM}
WHERE o.station_id IN (SELECT station_id FROM operator_stations WHERE operator_id = $1)
  AND ($2::text IS NULL OR o.status = $2)
ORDER BY o.created_at DESC, o.id LIMIT $3 OFFSET $4
"""
_LIST_ALL = f"""
SELECT {_COLUMNS} {_FROM} WHERE ($1::text IS NULL OR o.status = $1)
ORDER BY o.created_at DESC, o.id LIMIT $2 OFFSET $3
"""


async def list_orders(
    conn: asyncpg.Connection[Any], who: Principal, page: PageParams, status: str | None = None
) -> Page[OrderView]:
    """An employer's own orders, an operator's stations' orders, or all for an admin."""
    query = {"employer": _LIST_EMPLOYER, "operator": _LIST_OPERATOR, "admin": _LIST_ALL}.get(who.role)
    if query is None:
        raise Forbidden("无权查看订单列表", "this role cannot list orders")
    if who.role == "admin":
        rows = await conn.fetch(query, status, page.limit + 1, page.offset)
    else:
        rows = await conn.fetch(query, who.user_id, status, page.limit + 1, page.offset)
    return Page.of([order_view(r) for r in rows], page)
