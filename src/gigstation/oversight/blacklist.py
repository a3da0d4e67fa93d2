"""The arrears blacklist (拖欠农民工工资失信联合惩戒对象名单).

Source: Regulations on Guaranteeing Payment of Wages to Migrant Workers (保障农民工工资支付
条例, 2020) art. 48, and the 2021 measures on the list of employers seriously in arrears,
which keep an employer on the list for 3 years (``Settings.blacklist_years``).

An administrator lists an employer with a reason, evidence and an end date, and can lift
the listing early. While listed (``employers.blacklisted_until`` on or after today, which
``work.orders.create_order`` checks) the employer cannot post, and listing closes its orders'
live offers and open places through the order cancellation (``work.cancellation``, with
``keep_accepted``): accepted work, started or finished, is never touched, so unpaid work stays
on the overdue list and open to complaints; its workers are told the employer was listed.
Each step is one transaction with an audit row.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit, clock, events
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Conflict, Invalid, NotFound
from gigstation.platform.types import NO_NUL
from gigstation.work.cancellation import cancel_order

__all__ = ["BlacklistCreate", "BlacklistEntry", "EmployerChoice", "LiftBody", "employer_choices", "lift",
           "list_entries", "put_on_blacklist"]


class BlacklistCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    employer_id: UUID
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=NO_NUL)]
    evidence: Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=NO_NUL)]
    ends_on: date | None = None
    """Default: the listing date plus ``blacklist_years`` (3)."""


class LiftBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=NO_NUL)]


class BlacklistEntry(msgspec.Struct, frozen=True):
    id: int
    employer_id: UUID
    employer_name: str
    reason: str
    evidence: str
    ends_on: date
    listed_by: UUID
    listed_at: datetime
    lifted_by: UUID | None = None
    lifted_at: datetime | None = None
    lift_reason: str | None = None
    orders_closed: int = 0


_COLUMNS = """b.id, b.employer_id, u.name AS employer_name, b.reason, b.evidence, b.ends_on,
b.listed_by, b.listed_at, b.lifted_by, b.lifted_at, b.lift_reason"""
_GET = f"SELECT {_COLUMNS} FROM employer_blacklist b JOIN users u ON u.id = b.employer_id WHERE b.id = $1"
_INSERT = """
INSERT INTO employer_blacklist (employer_id, reason, evidence, ends_on, listed_by)
SELECT $1, $2, $3, $4, $5 FROM employers WHERE user_id = $1 RETURNING id
"""
_EXPIRE = """
UPDATE employer_blacklist SET lifted_at = now(), lifted_by = $3, lift_reason = '期满 / expired'
WHERE employer_id = $1 AND lifted_at IS NULL AND ends_on < $2
"""
_STANDING = "UPDATE employers SET blacklisted_until = $2 WHERE user_id = $1"
_OPEN_ORDERS = "SELECT id FROM orders WHERE employer_id = $1 AND status IN ('open', 'full')"


def years_later(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


async def put_on_blacklist(
    conn: asyncpg.Connection[Any], admin: Principal, data: BlacklistCreate, today: date,
    years: int = 3,
) -> BlacklistEntry:
    """List an employer in arrears; its orders' offers and open places are closed (accepted
    work stands; its workers are told)."""
    ends_on = data.ends_on or years_later(today, years)
    if ends_on <= today:
        raise Invalid.of_field("ends_on", "截止日期须晚于今天", "must be after today")
    # A listing past its end date no longer counts: close it so the new one can be recorded.
    await conn.execute(_EXPIRE, data.employer_id, today, admin.user_id)
    try:
        async with conn.transaction():
            entry_id = await conn.fetchval(_INSERT, data.employer_id, data.reason, data.evidence,
                                           ends_on, admin.user_id)
    except asyncpg.UniqueViolationError as exc:
        raise Conflict("该用工主体已在失信名单中", "the employer is already on the blacklist",
                       code="already_blacklisted") from exc
    if entry_id is None:
        raise NotFound("用工主体不存在", "no such employer")
    await conn.execute(_STANDING, data.employer_id, ends_on)
    closed = 0
    for row in await conn.fetch(_OPEN_ORDERS, data.employer_id):
        order = await cancel_order(conn, admin, row["id"], clock.now(), keep_accepted=True,
                                   reason="employer_blacklisted")
        closed += order.status in ("cancelled", "closed")
    await events.emit(conn, "employer.blacklisted", {"ends_on": ends_on.isoformat(),
                                                     "reason": data.reason},
                      user_id=data.employer_id)
    await audit.record(conn, admin.user_id, "employer.blacklist", "employer", data.employer_id,
                       {"entry_id": entry_id, "ends_on": ends_on.isoformat(),
                        "orders_closed": closed})
    return msgspec.structs.replace(await _fetch(conn, entry_id), orders_closed=closed)


async def _fetch(conn: asyncpg.Connection[Any], entry_id: int) -> BlacklistEntry:
    row = await conn.fetchrow(_GET, entry_id)
    if row is None:
        raise NotFound("名单条目不存在", "no such blacklist entry")
    return msgspec.convert(dict(row), BlacklistEntry)


_LIFT = """
UPDATE employer_blacklist SET lifted_by = $2, lifted_at = now(), lift_reason = $3
WHERE id = $1 AND lifted_at IS NULL RETURNING employer_id
"""


async def lift(
    conn: asyncpg.Connection[Any], admin: Principal, entry_id: int, data: LiftBody
) -> BlacklistEntry:
    """Lift a listing early; the employer may post again at once."""
    employer_id = await conn.fetchval(_LIFT, entry_id, admin.user_id, data.reason)
    if employer_id is None:
        await _fetch(conn, entry_id)  # 404 for an unknown entry
        raise Conflict("该条目已解除", "this listing was already lifted", code="already_lifted")
    await conn.execute(_STANDING, employer_id, None)
    await events.emit(conn, "employer.blacklist_lifted", {"entry_id": entry_id}, user_id=employer_id)
    await audit.record(conn, admin.user_id, "employer.blacklist_lift", "employer", employer_id,
                       {"entry_id": entry_id, "reason": data.reason})
    return await _fetch(conn, entry_id)


_LIST = f"""
SELECT {_COLUMNS} FROM employer_blacklist b JOIN users u ON u.id = b.employer_id
WHERE ($1 OR (b.lifted_at IS NULL AND b.ends_on >= $2)) AND ($3::uuid IS NULL OR b.employer_id = $3)
ORDER BY b.listed_at DESC, b.id DESC
"""


async def list_entries(
    conn: asyncpg.Connection[Any], today: date, include_past: bool = False,
    employer_id: UUID | None = None,
) -> list[BlacklistEntry]:
    """Listings in force (or all, with ``include_past``), newest first."""
    return [msgspec.convert(dict(r), BlacklistEntry)
            for r in await conn.fetch(_LIST, include_past, today, employer_id)]


class EmployerChoice(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    blacklisted_until: date | None


_CHOICES = """
SELECT e.user_id AS id, u.name, e.blacklisted_until FROM employers e JOIN users u ON u.id = e.user_id
WHERE u.disabled_at IS NULL ORDER BY u.name, e.user_id LIMIT $1
"""


async def employer_choices(conn: asyncpg.Connection[Any], limit: int = 2000) -> list[EmployerChoice]:
    """The employers the administrator's listing form offers, by name."""
    return [msgspec.convert(dict(r), EmployerChoice) for r in await conn.fetch(_CHOICES, limit)]
