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

A listing covers a person, not an account: the listed company's credit code and its legal
representative's ID (for an individual employer, their own ID), compared through the keyed
HMAC blind index, never in clear. A new employer account matching either is refused
(403 ``blacklisted``, with the listing's end date) and the attempt is kept
(``blacklist_attempts``, an audit row, ``GET /blacklist/attempts``); an older account of the
same person or company cannot post while the listing is in force (``work.orders``). A
company registered before the legal representative was asked for cannot be listed without
it: the administrator enters it from the business licence, and it is recorded on the
company.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.people.employers import (
    EmployerCreate,
    LegalRepresentative,
    person_keys,
    set_legal_representative,
)
from gigstation.platform import audit, clock, events
from gigstation.platform.auth import Principal
from gigstation.platform.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from gigstation.platform.pii import PiiCipher
from gigstation.platform.types import NO_NUL
from gigstation.work.cancellation import cancel_order

__all__ = ["BlacklistAttempt", "BlacklistCreate", "BlacklistEntry", "EmployerChoice", "LiftBody",
           "employer_choices", "lift", "list_attempts", "list_entries", "put_on_blacklist",
           "screen_registration"]


class BlacklistCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    employer_id: UUID
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=NO_NUL)]
    evidence: Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=NO_NUL)]
    ends_on: date | None = None
    """Default: the listing date plus ``blacklist_years`` (3)."""
    legal_rep: LegalRepresentative | None = None
    """Required for a company with no legal representative on record (registered before it
    was asked for): the listing must cover the person, not only the account."""


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
    credit_code: str | None = None
    """What the listing covers: the company's credit code ..."""
    person_masked: str | None = None
    """... and the person (legal representative, or the individual employer), masked."""


_COLUMNS = """b.id, b.employer_id, u.name AS employer_name, b.reason, b.evidence, b.ends_on,
b.listed_by, b.listed_at, b.lifted_by, b.lifted_at, b.lift_reason, e.credit_code,
coalesce(e.rep_masked, e.id_masked) AS person_masked"""
_LISTED = "employer_blacklist b JOIN users u ON u.id = b.employer_id JOIN employers e ON e.user_id = b.employer_id"
_GET = f"SELECT {_COLUMNS} FROM {_LISTED} WHERE b.id = $1"
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


_REP_ON_RECORD = "SELECT kind, rep_index IS NOT NULL AS has_rep FROM employers WHERE user_id = $1"


async def _cover_the_person(
    conn: asyncpg.Connection[Any], admin: Principal, data: BlacklistCreate, today: date,
    cipher: PiiCipher | None,
) -> None:
    """A company's listing must cover its legal representative: record one given now."""
    row = await conn.fetchrow(_REP_ON_RECORD, data.employer_id)
    if row is None or row["kind"] != "company" or (row["has_rep"] and data.legal_rep is None):
        return  # unknown employers are a 404 below; individuals are covered by their own ID
    if data.legal_rep is None or cipher is None:
        raise Invalid(
            detail="该单位没有登记法定代表人：请按营业执照填写法定代表人的姓名和证件号码，名单才能覆盖到人",
            detail_en="this company has no legal representative on record: enter the name and ID "
                      "number from its business licence so the listing covers the person",
            errors=[FieldError("legal_rep", "请填写法定代表人", "enter the legal representative")],
            code="legal_rep_required")
    await set_legal_representative(conn, cipher, admin.user_id, data.employer_id, data.legal_rep, today)


async def put_on_blacklist(
    conn: asyncpg.Connection[Any], admin: Principal, data: BlacklistCreate, today: date,
    years: int = 3, cipher: PiiCipher | None = None,
) -> BlacklistEntry:
    """List an employer in arrears; its orders' offers and open places are closed (accepted
    work stands; its workers are told). The listing covers its credit code and its legal
    representative (``cipher`` seals one entered now)."""
    ends_on = data.ends_on or years_later(today, years)
    if ends_on <= today:
        raise Invalid.of_field("ends_on", "截止日期须晚于今天", "must be after today")
    await _cover_the_person(conn, admin, data, today, cipher)
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
SELECT {_COLUMNS} FROM {_LISTED}
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


# --- the person behind the account --------------------------------------------------------

class BlacklistAttempt(msgspec.Struct, frozen=True):
    """A registration refused because it matched a listing in force."""

    id: int
    attempted_at: datetime
    listing_id: int
    listed_employer_id: UUID
    listed_employer_name: str
    matched_on: str
    """``credit_code`` (the listed company's) or ``person`` (its legal representative's, or
    the listed individual's, ID)."""
    kind: str
    name: str
    phone: str
    credit_code: str | None
    id_masked: str | None


# A listing in force covers the listed employer's credit code and person (a company's legal
# representative, an individual's own ID); $1 credit code, $2 blind index, $3 today.
_MATCH = """
SELECT b.id, b.ends_on,
       CASE WHEN $1::text IS NOT NULL AND e.credit_code = $1 THEN 'credit_code' ELSE 'person' END
           AS matched_on
FROM employer_blacklist b JOIN employers e ON e.user_id = b.employer_id
WHERE b.lifted_at IS NULL AND b.ends_on >= $3
  AND (($1::text IS NOT NULL AND e.credit_code = $1)
       OR ($2::bytea IS NOT NULL AND ($2 = e.rep_index OR $2 = e.id_index)))
ORDER BY (e.credit_code = $1) DESC NULLS LAST, b.listed_at DESC, b.id DESC
LIMIT 1
"""
_RECORD_ATTEMPT = """
INSERT INTO blacklist_attempts (listing_id, matched_on, kind, name, phone, credit_code, id_masked)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
"""


def listed_refusal(ends_on: date, matched_on: str) -> Forbidden:
    """The answer to a listed company or person (the same words for a new account and a post)."""
    whom_zh = ("该统一社会信用代码" if matched_on == "credit_code"
               else "该身份证件的持有人（本人或其担任法定代表人的单位）")
    whom_en = ("this credit code" if matched_on == "credit_code"
               else "the holder of this ID (in person or as a company's legal representative)")
    return Forbidden(
        f"{whom_zh}因欠薪被列入失信名单，{ends_on} 前不能注册或发布用工",
        f"{whom_en} is on the arrears blacklist until {ends_on}: no registration or posting",
        code="blacklisted")


async def screen_registration(
    conn: asyncpg.Connection[Any], cipher: PiiCipher, data: EmployerCreate, today: date,
) -> Forbidden | None:
    """Match a new employer account against the listings in force. On a match the attempt
    is recorded (table and audit row) in the caller's transaction, which must commit before
    the refusal returned here is raised."""
    keys = person_keys(cipher, data, today)
    if keys.credit_code is None and keys.person_index is None:
        return None
    row = await conn.fetchrow(_MATCH, keys.credit_code, keys.person_index, today)
    if row is None:
        return None
    attempt = await conn.fetchval(_RECORD_ATTEMPT, row["id"], row["matched_on"], data.kind, data.name,
                                  data.phone, keys.credit_code, keys.id_masked)
    await audit.record(conn, None, "employer.blacklist_attempt", "employer_blacklist", str(row["id"]),
                       {"attempt_id": attempt, "matched_on": row["matched_on"], "kind": data.kind})
    return listed_refusal(row["ends_on"], row["matched_on"])


_ATTEMPTS = """
SELECT t.id, t.attempted_at, t.listing_id, b.employer_id AS listed_employer_id,
       u.name AS listed_employer_name, t.matched_on, t.kind, t.name, t.phone, t.credit_code, t.id_masked
FROM blacklist_attempts t JOIN employer_blacklist b ON b.id = t.listing_id JOIN users u ON u.id = b.employer_id
ORDER BY t.attempted_at DESC, t.id DESC LIMIT $1
"""


async def list_attempts(conn: asyncpg.Connection[Any], limit: int = 200) -> list[BlacklistAttempt]:
    """Refused registrations by listed companies or persons, newest first."""
    return [msgspec.convert(dict(r), BlacklistAttempt) for r in await conn.fetch(_ATTEMPTS, limit)]
