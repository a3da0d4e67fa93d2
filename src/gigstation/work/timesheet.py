"""Hours of record: arrival and departure scanned on site, confirmed by the worker.

Hours decide pay and the part-time limits, so both sides take part in them:

1. **The employer scans** the worker's code on arrival and on departure. Arrival opens
   ``arrival_margin_min`` before the planned start and closes at the planned end; departure
   opens ``min_work_min`` after the arrival and closes 12 hours after the planned end (a scan
   far from the plan would make hours out of nothing).
2. **The code changes and is single-use per event.** The worker's phone shows the code of
   the next event only (arrival, then departure once it can be recorded): an HMAC of
   (assignment, event, minute) under the server's secret, eight letters and digits, valid in
   its minute and the next. A photo of the arrival code cannot record the departure, and a
   code seen once is dead two minutes later, so one glance cannot record both ends. A worker
   without a smartphone gets a **desk slip** from the station (``issue_desk_slip``,
   operators only): one random code per event, kept only as a SHA-256, usable once and only in
   its event's window; a new slip voids the old one.
3. **The worker confirms** the recorded times, or contests them within
   ``confirm_window_h`` of the departure (a contest is a complaint on the station's list,
   resolved by an operator, ``work.complaints``). Unconfirmed, uncontested times stand at the
   end of the window. For a person without a phone the desk confirms or contests for them
   (audited as the operator, naming the worker). This is the safeguard behind the slip: an
   employer who holds it can scan both ends, but the times are the worker's to accept.

Until hours are confirmed the agreement's planned hours are the hours of record for pay, and
the larger of planned and recorded hours counts for the limits (``work.hours``). Every step is
a row of ``hours_events`` that PostgreSQL refuses to change or delete (migration 0011).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.platform import audit
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Conflict, Forbidden, Invalid
from gigstation.work.assignments import (
    Assignment,
    ReasonBody,
    announce,
    fetch_assignment,
    own_assignment,
    state_conflict,
    visible_assignment,
)
from gigstation.work.hours import DEFAULT_RULES, HoursRules

__all__ = [
    "CODE_LENGTH",
    "LATEST_DEPARTURE",
    "CodeBody",
    "DeskSlip",
    "Event",
    "PersonalCode",
    "SlipCode",
    "confirm_hours",
    "contest_hours",
    "issue_desk_slip",
    "phone_code",
    "record_arrival",
    "record_departure",
    "record_scan",
    "worker_code",
]

CODE_LENGTH = 8
STEP = 60
"""Seconds a phone code lives before the next one (it is accepted for one more step)."""
LATEST_DEPARTURE = timedelta(hours=12)
_OLD_STEPS = 24 * 60
"""How far back a typed phone code is recognised as an old one (for a clearer message)."""
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

Event = Literal["arrival", "departure"]


class CodeBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=64)]


class PersonalCode(msgspec.Struct, frozen=True):
    """What the worker's phone shows: the code of the next event, if one can be recorded now."""

    assignment_id: UUID
    event: Event | None
    code: str
    """Eight letters and digits (the QR code holds it); empty when no event is due now."""
    short: str
    """The same, grouped for reading aloud: ABCD-EFGH."""
    expires_at: datetime | None = None
    """When this code stops working (the page fetches the next one before)."""
    opens_at: datetime | None = None
    """When the next code appears, if it is not due yet (departure: arrival + the minimum)."""
    hours_state: str = "planned"


class SlipCode(msgspec.Struct, frozen=True):
    event: Event
    code: str
    short: str
    valid_from: datetime | None
    """None for departure: it opens ``min_work_min`` after the arrival is recorded."""
    valid_until: datetime


class DeskSlip(msgspec.Struct, frozen=True):
    """What the station prints for a worker without a smartphone (one code per event)."""

    assignment_id: UUID
    worker_id: UUID
    worker_name: str
    employer_name: str
    title: str
    starts_at: datetime
    ends_at: datetime
    issued_at: datetime
    codes: list[SlipCode]


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP


def phone_code(secret: bytes, assignment_id: UUID, event: Event, step: int) -> str:
    """The phone's code for one event of one assignment in one time step."""
    msg = b"gigstation-hours:" + event.encode() + b":" + assignment_id.bytes + step.to_bytes(8, "big")
    return base64.b32encode(hmac.new(secret, msg, hashlib.sha256).digest()).decode()[:CODE_LENGTH]


def _clean(typed: str) -> str:
    return typed.replace("-", "").replace(" ", "").strip().upper()


def _short(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if code else ""


def _windows(a: Assignment, rules: HoursRules) -> dict[Event, tuple[datetime, datetime] | None]:
    """When each event can be recorded (None: not now, whatever the time)."""
    arrival = (a.starts_at - rules.arrival_margin, a.ends_at)
    departure = None
    if a.arrived_at is not None:
        departure = (a.arrived_at + rules.min_work, a.ends_at + LATEST_DEPARTURE)
    return {"arrival": arrival, "departure": departure}


def _next_event(a: Assignment) -> Event | None:
    if a.status not in ("active", "completed"):
        return None
    if a.hours_state == "planned":
        return "arrival" if a.status == "active" else None
    if a.hours_state == "arrived":
        return "departure"
    return None


async def worker_code(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, secret: bytes,
    now: datetime, rules: HoursRules = DEFAULT_RULES,
) -> PersonalCode:
    """The code the worker's phone shows now (only to the worker)."""
    a = await own_assignment(conn, who, assignment_id, "worker")
    event = _next_event(a)
    window = _windows(a, rules)[event] if event else None
    if event is None or window is None or now >= window[1]:
        return PersonalCode(a.id, None, "", "", hours_state=a.hours_state)
    if now < window[0]:
        return PersonalCode(a.id, event, "", "", opens_at=window[0], hours_state=a.hours_state)
    step = _step(now)
    code = phone_code(secret, a.id, event, step)
    expires = datetime.fromtimestamp((step + 2) * STEP, UTC)
    return PersonalCode(a.id, event, code, _short(code), expires_at=expires, hours_state=a.hours_state)


# --- the employer's scan --------------------------------------------------------------------

_LOCK = "SELECT 1 FROM assignments WHERE id = $1 FOR UPDATE"
_USE_SLIP = """
UPDATE hours_slip_codes SET used_at = $4
WHERE assignment_id = $1 AND event = $2 AND code_sha256 = $3 AND used_at IS NULL AND voided_at IS NULL
RETURNING id
"""
_INSERT = """
INSERT INTO hours_events (assignment_id, kind, at, arrived_at, departed_at, confirm_by, proof, note,
                          recorded_by, on_behalf_of)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
"""


def _hm(t: datetime, zone: str) -> str:
    return t.astimezone(ZoneInfo(zone)).strftime("%H:%M")


async def _check_code(
    conn: asyncpg.Connection[Any], a: Assignment, event: Event, typed: str, secret: bytes,
    now: datetime,
) -> Literal["phone_code", "desk_slip"]:
    code = _clean(typed)
    step = _step(now)
    for back in (0, 1):
        if hmac.compare_digest(code.encode(), phone_code(secret, a.id, event, step - back).encode()):
            return "phone_code"
    if await conn.fetchval(_USE_SLIP, a.id, event, hashlib.sha256(code.encode()).digest(), now):
        return "desk_slip"
    other: Event = "departure" if event == "arrival" else "arrival"
    if any(hmac.compare_digest(code.encode(), phone_code(secret, a.id, other, step - back).encode())
           for back in (0, 1)):
        names = {"arrival": ("到岗码", "arrival code"), "departure": ("离岗码", "departure code")}
        raise _code_error(f"这是{names[other][0]}，现在要扫的是{names[event][0]}",
                          f"that is the {names[other][1]}; this scan needs the {names[event][1]}",
                          "wrong_event")
    for back in range(2, _OLD_STEPS):
        if hmac.compare_digest(code.encode(), phone_code(secret, a.id, event, step - back).encode()):
            raise _code_error("这个码已过期，请让工人刷新手机页面后再扫",
                              "that code has expired: ask the worker to refresh the page and scan again",
                              "code_expired")
    raise _code_error("个人码不符", "the code does not match this job", "invalid")


def _code_error(reason: str, reason_en: str, code: str) -> Invalid:
    error = Invalid.of_field("code", reason, reason_en)
    error.code = code
    return error


async def record_scan(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, event: Event,
    data: CodeBody, secret: bytes, now: datetime, rules: HoursRules = DEFAULT_RULES,
    zone: str = "Asia/Shanghai",
) -> Assignment:
    """The employer records arrival or departure with the worker's code (again: the same answer)."""
    await own_assignment(conn, who, assignment_id, "employer")
    await conn.execute(_LOCK, assignment_id)
    a = await fetch_assignment(conn, assignment_id)
    if event == "arrival" and a.arrived_at is not None:
        return a
    if event == "departure" and a.departed_at is not None:
        return a
    if event == "arrival":
        if a.status != "active":
            raise state_conflict(a, "登记到岗", "marked arrived")
        opens = a.starts_at - rules.arrival_margin
        if now < opens:
            raise Conflict(f"开工前{rules.arrival_margin_min}分钟内才能登记到岗（{_hm(opens, zone)} 起）",
                           f"arrival can be recorded from {rules.arrival_margin_min} minutes before "
                           f"the start ({_hm(opens, zone)})", code="too_early")
        if now >= a.ends_at:
            raise Conflict("工作时间已过，不能再登记到岗",
                           "the work has ended; arrival can no longer be recorded", code="too_late")
    else:
        if a.status not in ("active", "completed"):
            raise state_conflict(a, "登记离岗", "marked departed")
        if a.arrived_at is None:
            raise Conflict("尚未登记到岗", "arrival has not been recorded", code="not_arrived")
        opens = a.arrived_at + rules.min_work
        if now < opens:
            raise Conflict(f"到岗后至少{rules.min_work_min}分钟才能登记离岗（{_hm(opens, zone)} 起）",
                           f"departure can be recorded from {rules.min_work_min} minutes after the "
                           f"arrival ({_hm(opens, zone)})", code="too_soon")
        if now > a.ends_at + LATEST_DEPARTURE:
            raise Conflict("已超过结束时间12小时，不能再登记离岗",
                           "departure can be recorded until 12 hours after the end", code="too_late")
    proof = await _check_code(conn, a, event, data.code, secret, now)
    if event == "arrival":
        await conn.execute(_INSERT, a.id, "arrival", now, now, None, None, proof, "", who.user_id, None)
    else:
        await conn.execute(_INSERT, a.id, "departure", now, None, now, now + rules.confirm_window, proof,
                           "", who.user_id, None)
    a = await fetch_assignment(conn, assignment_id)
    await announce(conn, a, f"assignment.{'arrived' if event == 'arrival' else 'departed'}",
                   {"at": now.isoformat(), "proof": proof, "confirm_by":
                    a.hours_confirm_by.isoformat() if a.hours_confirm_by else None})
    await audit.record(conn, who.user_id, f"assignment.{event}", "assignment", assignment_id,
                       {"proof": proof})
    return a


async def record_arrival(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: CodeBody,
    secret: bytes, now: datetime, rules: HoursRules = DEFAULT_RULES, zone: str = "Asia/Shanghai",
) -> Assignment:
    """The employer scans the worker's arrival code."""
    return await record_scan(conn, who, assignment_id, "arrival", data, secret, now, rules, zone)


async def record_departure(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: CodeBody,
    secret: bytes, now: datetime, rules: HoursRules = DEFAULT_RULES, zone: str = "Asia/Shanghai",
) -> Assignment:
    """The employer scans the worker's departure code."""
    return await record_scan(conn, who, assignment_id, "departure", data, secret, now, rules, zone)


# --- the worker's answer --------------------------------------------------------------------


async def _answering(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID
) -> tuple[Assignment, Literal["worker", "desk"]]:
    """The worker answers for themself; an operator of the job's station for a person at the desk."""
    if who.role == "worker":
        return await own_assignment(conn, who, assignment_id, "worker"), "worker"
    a = await visible_assignment(conn, who, assignment_id)
    if who.role != "operator":
        raise Forbidden("只有劳动者本人或驿站专员可以确认工时",
                        "only the worker, or a station operator for them, answers for the hours")
    return a, "desk"


def _not_recorded(a: Assignment) -> Conflict:
    return Conflict("用工单位还没有登记到岗和离岗，工时按约定计算",
                    "arrival and departure are not both recorded; the planned hours stand",
                    code="hours_not_recorded")


async def confirm_hours(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, now: datetime
) -> Assignment:
    """The worker (or the desk for them) accepts the recorded times (again: the same answer)."""
    a, proof = await _answering(conn, who, assignment_id)
    await conn.execute(_LOCK, assignment_id)
    a = await fetch_assignment(conn, assignment_id)
    if a.hours_state in ("confirmed", "resolved"):
        return a
    if a.hours_state == "contested":
        raise Conflict("工时已提出异议，等待驿站处理", "the hours are contested; the station decides",
                       code="hours_contested")
    if a.hours_state != "recorded":
        raise _not_recorded(a)
    behalf = a.worker_id if proof == "desk" else None
    await conn.execute(_INSERT, a.id, "confirm", now, a.arrived_at, a.departed_at, None, proof, "",
                       who.user_id, behalf)
    a = await fetch_assignment(conn, assignment_id)
    await announce(conn, a, "assignment.hours_confirmed", {"hours": a.hours_of_record})
    await audit.record(conn, who.user_id, "assignment.hours_confirm", "assignment", assignment_id,
                       {"hours": a.hours_of_record, **({"on_behalf_of": str(behalf)} if behalf else {})})
    return a


async def contest_hours(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, data: ReasonBody, now: datetime
) -> Assignment:
    """The worker (or the desk for them) says the recorded times are wrong: a complaint."""
    a, proof = await _answering(conn, who, assignment_id)
    await conn.execute(_LOCK, assignment_id)
    a = await fetch_assignment(conn, assignment_id)
    if a.hours_state == "contested":
        last = next((e for e in reversed(a.hours_events) if e.kind == "contest"), None)
        if last is not None and last.note == data.reason:
            return a
        raise Conflict("已对工时提出过异议", "the hours were already contested", code="already_contested")
    if a.hours_state in ("planned", "arrived"):
        raise _not_recorded(a)
    if a.hours_state == "resolved":
        raise Conflict("驿站已对工时作出处理", "the station already decided the hours", code="hours_resolved")
    if a.hours_state == "confirmed" or (a.hours_confirm_by is not None and now >= a.hours_confirm_by):
        raise Conflict("工时已确认（或确认期已过），不能再提出异议；如工资有问题可以投诉工资",
                       "the hours are confirmed (or the window closed); a wage complaint is still possible",
                       code="hours_confirmed")
    behalf = a.worker_id if proof == "desk" else None
    await conn.execute(_INSERT, a.id, "contest", now, None, None, None, proof, data.reason,
                       who.user_id, behalf)
    a = await fetch_assignment(conn, assignment_id)
    await announce(conn, a, "complaint.opened", {"kind": "hours_contest"})
    await audit.record(conn, who.user_id, "assignment.hours_contest", "assignment", assignment_id,
                       {"on_behalf_of": str(behalf)} if behalf else None)
    return a


# --- the desk slip --------------------------------------------------------------------------

_VOID = """
UPDATE hours_slip_codes SET voided_at = $2
WHERE assignment_id = $1 AND used_at IS NULL AND voided_at IS NULL
"""
_ISSUE = """
INSERT INTO hours_slip_codes (assignment_id, event, code_sha256, issued_by, issued_at)
VALUES ($1, $2, $3, $4, $5)
"""


def _random_code() -> str:
    return "".join(secrets.choice(_B32) for _ in range(CODE_LENGTH))


async def issue_desk_slip(
    conn: asyncpg.Connection[Any], who: Principal, assignment_id: UUID, now: datetime,
    rules: HoursRules = DEFAULT_RULES,
) -> DeskSlip:
    """Fresh single-use codes for a worker without a smartphone, printed at the desk: the
    arrival code (if arrival is still to be recorded) and the departure code. Issuing again
    voids the codes of the last slip."""
    if who.role != "operator":
        raise Forbidden("只有驿站专员可以打印到岗单", "only station operators print desk slips")
    a = await visible_assignment(conn, who, assignment_id)
    await conn.execute(_LOCK, assignment_id)
    a = await fetch_assignment(conn, assignment_id)
    if a.status not in ("active", "completed") or a.hours_state not in ("planned", "arrived"):
        raise Conflict("这份工作已无需登记到岗或离岗", "there is no arrival or departure left to record",
                       code="nothing_to_record")
    if now > a.ends_at + LATEST_DEPARTURE:
        raise Conflict("工作已结束超过12小时", "the work ended more than 12 hours ago", code="too_late")
    events: list[Event] = ["departure"]
    if a.hours_state == "planned" and a.status == "active" and now < a.ends_at:
        events.insert(0, "arrival")
    await conn.execute(_VOID, a.id, now)
    codes = []
    for event in events:
        code = _random_code()
        await conn.execute(_ISSUE, a.id, event, hashlib.sha256(code.encode()).digest(), who.user_id, now)
        if event == "arrival":
            codes.append(SlipCode(event, code, _short(code), a.starts_at - rules.arrival_margin, a.ends_at))
        else:
            opens = a.arrived_at + rules.min_work if a.arrived_at is not None else None
            codes.append(SlipCode(event, code, _short(code), opens, a.ends_at + LATEST_DEPARTURE))
    await audit.record(conn, who.user_id, "assignment.desk_slip", "assignment", a.id,
                       {"events": list(events), "on_behalf_of": str(a.worker_id)})
    return DeskSlip(a.id, a.worker_id, a.worker_name, a.employer_name, a.title, a.starts_at,
                    a.ends_at, now, codes)

