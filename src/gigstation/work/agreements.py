"""The job agreement of an accepted offer, and arrival and departure of record.

Each assignment is a part-time job agreement (Labour Contract Law art. 69 allows it to be
oral; a written one settles disputes). Both parties, the station's operators and
administrators can read it. At the work site the employer records arrival and departure by
scanning the worker's personal code (or typing its short form): an HMAC of the assignment
id under the server's secret, so only the worker's phone can show it and a code from
another job does not fit. Those two times are the hours of record for pay, overdue alerts
(``oversight.overdue``), the part-time limits (``work.hours``) and wage complaints.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.platform import audit, reference
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Conflict, Forbidden, Invalid
from gigstation.stations.wage_rules import minimum_in_force
from gigstation.work.assignments import (
    Assignment,
    announce,
    fetch_assignment,
    own_assignment,
    state_conflict,
    visible_assignment,
)
from gigstation.work.minors import is_minor_on

__all__ = ["CodeBody", "JobAgreement", "PersonalCode", "agreement", "pay_due", "personal_code",
           "record_arrival", "record_departure", "worker_code"]

CODE_LENGTH = 8


class CodeBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=64)]


class PersonalCode(msgspec.Struct, frozen=True):
    assignment_id: UUID
    code: str
    """What the QR code holds and what the employer may type (8 letters and digits)."""
    short: str
    """The same, grouped for reading aloud: ABCD-EFGH."""


class Party(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    id_masked: str | None
    verified: bool | None = None
    credit_code: str | None = None


class JobAgreement(msgspec.Struct, frozen=True):
    assignment_id: UUID
    agreement_no: str
    made_at: datetime
    worker: Party
    employer: Party
    station_id: UUID | None
    station_name: str | None
    title: str
    skill: str
    skill_zh: str
    description: str
    address: str
    lat: float
    lon: float
    starts_at: datetime
    ends_at: datetime
    pay_cents: int
    pay_unit: str
    minimum_hourly_fen: int | None
    settlement_days: int
    arrived_at: datetime | None
    departed_at: datetime | None
    hours_of_record: float | None
    pay_due_cents: int | None
    """Hourly pay x hours of record (planned hours until both scans); the day rate; none for
    piece rates, which depend on the pieces done."""
    status: str
    rules: list[str]
    worker_minor: bool = False
    """The worker was aged 16-17 on the job's date (work.minors): the employer is told."""
    pieces_per_hour: int | None = None
    """A piece rate's pieces an hour as the employer stated them when posting."""


def personal_code(secret: bytes, assignment_id: UUID) -> str:
    """The worker's code for one assignment (deterministic, unforgeable without the secret)."""
    mac = hmac.new(secret, b"gigstation-arrival:" + assignment_id.bytes, hashlib.sha256).digest()
    return base64.b32encode(mac).decode()[:CODE_LENGTH]


def _matches(secret: bytes, assignment_id: UUID, typed: str) -> bool:
    cleaned = typed.replace("-", "").replace(" ", "").upper()
    return hmac.compare_digest(cleaned.encode(), personal_code(secret, assignment_id).encode())


async def worker_code(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, secret: bytes
) -> PersonalCode:
    """The code the worker's phone shows (only to the worker)."""
    await own_assignment(conn, who, assignment_id, "worker")
    code = personal_code(secret, assignment_id)
    return PersonalCode(assignment_id, code, f"{code[:4]}-{code[4:]}")


# A scan far from the planned times would make hours of record out of nothing: arrival
# opens 3 hours before the start, departure closes 12 hours after the end.
EARLIEST_ARRIVAL = timedelta(hours=3)
LATEST_DEPARTURE = timedelta(hours=12)
_ARRIVE = """
UPDATE assignments SET arrived_at = $2
WHERE id = $1 AND status = 'active' AND arrived_at IS NULL AND $2 >= starts_at - $3::interval
  AND $2 < ends_at
RETURNING id
"""
_DEPART = """
UPDATE assignments SET departed_at = $2
WHERE id = $1 AND status IN ('active', 'completed') AND arrived_at IS NOT NULL
  AND arrived_at < $2 AND departed_at IS NULL AND $2 <= ends_at + $3::interval
RETURNING id
"""


def _bad_code() -> Invalid:
    return Invalid.of_field("code", "个人码不符", "the personal code does not match this job")


async def record_arrival(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: CodeBody,
    secret: bytes, now: datetime,
) -> Assignment:
    """The employer scans the worker's code on arrival (again: the same answer)."""
    await own_assignment(conn, who, assignment_id, "employer")
    if not _matches(secret, assignment_id, data.code):
        raise _bad_code()
    if await conn.fetchval(_ARRIVE, assignment_id, now, EARLIEST_ARRIVAL) is None:
        a = await fetch_assignment(conn, assignment_id)
        if await conn.fetchval("SELECT arrived_at FROM assignments WHERE id = $1", a.id) is not None:
            return a
        if a.status == "active" and now < a.starts_at - EARLIEST_ARRIVAL:
            raise Conflict("离开工时间还早，开工前3小时内才能登记到岗",
                           "arrival can be recorded from 3 hours before the start", code="too_early")
        if a.status == "active":
            raise Conflict("工作时间已过，不能再登记到岗", "the work has ended; arrival can no longer "
                           "be recorded", code="too_late")
        raise state_conflict(a, "登记到岗", "marked arrived")
    a = await fetch_assignment(conn, assignment_id)
    await announce(conn, a, "assignment.arrived", {"at": now.isoformat()})
    await audit.record(conn, who.user_id, "assignment.arrival", "assignment", assignment_id)
    return a


async def record_departure(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: CodeBody,
    secret: bytes, now: datetime,
) -> Assignment:
    """The employer scans the worker's code on leaving (again: the same answer)."""
    await own_assignment(conn, who, assignment_id, "employer")
    if not _matches(secret, assignment_id, data.code):
        raise _bad_code()
    if await conn.fetchval(_DEPART, assignment_id, now, LATEST_DEPARTURE) is None:
        a = await fetch_assignment(conn, assignment_id)
        times = await conn.fetchrow(
            "SELECT arrived_at, departed_at FROM assignments WHERE id = $1", a.id)
        assert times is not None
        if times["departed_at"] is not None:
            return a
        if times["arrived_at"] is None:
            raise Conflict("尚未登记到岗", "arrival has not been recorded", code="not_arrived")
        if a.status in ("active", "completed") and now > a.ends_at + LATEST_DEPARTURE:
            raise Conflict("已超过结束时间12小时，不能再登记离岗",
                           "departure can be recorded until 12 hours after the end", code="too_late")
        raise state_conflict(a, "登记离岗", "marked departed")
    a = await fetch_assignment(conn, assignment_id)
    await announce(conn, a, "assignment.departed", {"at": now.isoformat()})
    await audit.record(conn, who.user_id, "assignment.departure", "assignment", assignment_id)
    return a


_DETAIL = """
SELECT a.created_at, a.arrived_at, a.departed_at, o.skill, o.description, o.address, o.lat,
       o.lon, st.name AS station_name, st.region, w.id_masked AS worker_id_masked,
       w.adult_from, o.pieces_per_hour,
       e.id_masked AS employer_id_masked, e.credit_code, e.verified_at IS NOT NULL AS verified
FROM assignments a JOIN orders o ON o.id = a.order_id JOIN workers w ON w.user_id = a.worker_id
JOIN employers e ON e.user_id = o.employer_id LEFT JOIN stations st ON st.id = o.station_id
WHERE a.id = $1
"""

RULES = [
    "非全日制用工：同一用人单位平均每日不超过4小时、每周累计不超过24小时（《劳动合同法》第六十八条）。"
    " Part-time work: on average at most 4 hours a day and 24 hours a week with one employer "
    "(Labour Contract Law art. 68).",
    "可以订立口头协议；本协议为书面记录（第六十九条）。 An oral agreement is allowed; this is the "
    "written record (art. 69).",
    "不得约定试用期（第七十条）。 No probation period (art. 70).",
    "任何一方可随时通知对方终止用工，不支付经济补偿（第七十一条）。 Either side may end the work at "
    "any time without severance (art. 71).",
    "小时工资不得低于当地最低小时工资标准；劳动报酬结算支付周期最长不超过15日（第七十二条）。 Hourly "
    "pay not below the local hourly minimum; pay settled at least every 15 days (art. 72).",
    "拖欠工资可向驿站投诉；严重拖欠的用工主体列入失信名单（《保障农民工工资支付条例》）。 Unpaid "
    "wages may be reported to the station; employers seriously in arrears are blacklisted "
    "(Regulations on Guaranteeing Payment of Wages to Migrant Workers).",
]


MINOR_RULE = (
    "劳动者为未成年工（16–17岁）：不得安排夜班（22:00–06:00）和禁忌从事的劳动（《劳动法》第五十八、六十四条，"
    "《未成年工特殊保护规定》）。 The worker is aged 16-17: no night work (22:00-06:00) and no work "
    "forbidden to minors (Labour Law arts. 58, 64; 未成年工特殊保护规定).")


async def agreement(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, zone: str,
    settlement_days: int,
) -> JobAgreement:
    """The agreement both sides can see and print."""
    a = await visible_assignment(conn, who, assignment_id)
    if who.role not in ("worker", "employer", "operator", "admin"):
        raise Forbidden("无权查看", "not allowed")
    d = await conn.fetchrow(_DETAIL, assignment_id)
    assert d is not None
    on: date = a.starts_at.astimezone(ZoneInfo(zone)).date()
    minimum = await minimum_in_force(conn, d["region"] or "Shanghai", on)
    ref = reference.skill(d["skill"])
    worked = None
    if d["arrived_at"] is not None and d["departed_at"] is not None:
        worked = round((d["departed_at"] - d["arrived_at"]).total_seconds() / 3600, 2)
    return JobAgreement(
        assignment_id=a.id, agreement_no=f"GS-{a.id.hex[:12].upper()}", made_at=d["created_at"],
        worker=Party(a.worker_id, a.worker_name, d["worker_id_masked"]),
        employer=Party(a.employer_id, a.employer_name, d["employer_id_masked"], d["verified"],
                       d["credit_code"]),
        station_id=a.station_id, station_name=d["station_name"], title=a.title, skill=d["skill"],
        skill_zh=ref.zh if ref else d["skill"], description=d["description"],
        address=d["address"], lat=d["lat"], lon=d["lon"], starts_at=a.starts_at,
        ends_at=a.ends_at, pay_cents=a.pay_cents, pay_unit=a.pay_unit,
        minimum_hourly_fen=minimum.hourly_fen if minimum else None,
        settlement_days=settlement_days, arrived_at=d["arrived_at"],
        departed_at=d["departed_at"], hours_of_record=worked,
        pay_due_cents=pay_due(a.pay_cents, a.pay_unit, worked if worked is not None else
                              (a.ends_at - a.starts_at).total_seconds() / 3600),
        status=a.status, rules=RULES + ([MINOR_RULE] if is_minor_on(d["adult_from"], on) else []),
        worker_minor=is_minor_on(d["adult_from"], on), pieces_per_hour=d["pieces_per_hour"])


def pay_due(pay_cents: int, pay_unit: str, hours: float) -> int | None:
    """What the agreement says is owed for ``hours`` of work (fen, rounded half up)."""
    if pay_unit == "hour":
        return int(pay_cents * hours + 0.5)
    if pay_unit == "day":
        return pay_cents
    return None
