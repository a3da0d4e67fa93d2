"""Employers: companies (credit code) or individuals (ID), with the truthfulness commitment.

A company also gives its legal representative (法定代表人): name and ID document. The
number is kept as an individual employer's is: sealed (AES-GCM) with the keyed HMAC blind
index that worker and employer IDs use (purpose "identity"), never in clear. The arrears
blacklist lists a person, not an account (``oversight.blacklist``): a listing covers the
company's credit code and its legal representative's ID, so the same person cannot come
back as an individual employer or behind a new company. Companies registered before the
legal representative was asked for may add it once (``set_legal_representative``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from gigstation.people.accounts import insert_user
from gigstation.people.identity import (
    IdType,
    InvalidIdentity,
    mask,
    validate_credit_code,
    validate_identity,
)
from gigstation.platform import audit
from gigstation.platform.conflicts import conflict_from
from gigstation.platform.errors import Conflict, Invalid, NotFound
from gigstation.platform.pii import PiiCipher
from gigstation.platform.types import IdNumber, Name, Password, Phone, Title, rule_violation

__all__ = [
    "COMMITMENT_TEXT",
    "COMMITMENT_VERSION",
    "EmployerCreate",
    "EmployerView",
    "LegalRepresentative",
    "PersonKeys",
    "get_employer",
    "person_keys",
    "register_employer",
    "set_legal_representative",
]

# Documents a legal representative may hold (no birth-date check: only the number matters).
RepIdType = IdType

COMMITMENT_VERSION = "2026-11-v1"
COMMITMENT_TEXT = (
    "本单位/本人承诺：所提供的身份信息、招聘岗位、工作内容、工作时间、工作地点和劳动报酬真实有效；"
    "支付不低于当地最低工资标准的报酬并按约定及时足额支付，不拖欠劳动者工资；"
    "不以任何名义向劳动者收取费用。如有虚假或欠薪行为，愿承担相应法律责任并接受列入失信名单。"
    " / I commit that my identity, the jobs, hours, places and pay I post are true; that I pay at "
    "least the local minimum wage, in full and on time, charge workers no fee of any kind, and "
    "accept legal liability and listing as a defaulter for any false statement or unpaid wages."
)


class EmployerCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Title
    kind: Literal["company", "individual"]
    contact_name: Name
    phone: Phone
    password: Password
    commitment: bool
    credit_code: str | None = None
    id_number: IdNumber | None = None
    legal_rep_name: Name | None = None
    """A company's legal representative (法定代表人), as on its business licence."""
    legal_rep_id_type: RepIdType = "resident_id"
    legal_rep_id_number: IdNumber | None = None
    """Sealed and indexed like every ID number; the arrears blacklist covers this person."""

    def __post_init__(self) -> None:
        if self.commitment is not True:
            raise rule_violation(
                "commitment", "须同意诚信承诺方可注册", "the truthfulness commitment must be accepted"
            )
        if self.kind == "company" and not self.credit_code:
            raise rule_violation("credit_code", "单位须填写统一社会信用代码",
                                 "a company must give its unified social credit code")
        if self.kind == "company" and self.id_number is not None:
            raise rule_violation("id_number", "单位注册不填身份证号", "a company gives no ID number")
        if self.kind == "individual" and not self.id_number:
            raise rule_violation("id_number", "个人雇主须填写身份证号",
                                 "an individual employer must give a resident ID number")
        if self.kind == "individual" and self.credit_code is not None:
            raise rule_violation("credit_code", "个人雇主不填信用代码",
                                 "an individual gives no credit code")
        if self.kind == "company" and not self.legal_rep_id_number:
            raise rule_violation("legal_rep_id_number", "单位须填写法定代表人的身份证件号码",
                                 "a company must give its legal representative's ID number")
        if self.kind == "company" and not self.legal_rep_name:
            raise rule_violation("legal_rep_name", "单位须填写法定代表人姓名",
                                 "a company must give its legal representative's name")
        if self.kind == "individual" and (self.legal_rep_id_number or self.legal_rep_name):
            raise rule_violation("legal_rep_id_number", "个人雇主不填法定代表人",
                                 "an individual gives no legal representative")


class LegalRepresentative(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A company's legal representative, added by a company registered before it was asked
    for (once), or by an administrator when listing the company."""

    name: Name
    id_number: IdNumber
    id_type: RepIdType = "resident_id"


class PersonKeys(msgspec.Struct, frozen=True):
    """What a registration is matched against the blacklist with: never a number in clear."""

    credit_code: str | None
    person_index: bytes | None
    id_masked: str | None


def person_keys(cipher: PiiCipher, data: EmployerCreate, today: date) -> PersonKeys:
    """The credit code and the person's blind index of a registration (None where invalid:
    the registration itself then fails validation)."""
    credit_code = number = None
    try:
        if data.credit_code:
            credit_code = validate_credit_code(data.credit_code)
    except InvalidIdentity:
        credit_code = None
    raw, id_type = ((data.id_number, "resident_id") if data.kind == "individual"
                    else (data.legal_rep_id_number, data.legal_rep_id_type))
    try:
        if raw:
            number = validate_identity(id_type, raw, today).number  # type: ignore[arg-type]
    except InvalidIdentity:
        number = None
    if number is None:
        return PersonKeys(credit_code, None, None)
    return PersonKeys(credit_code, cipher.blind_index(number, "identity"), mask(number))

class EmployerView(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    kind: str
    contact_name: str
    phone: str
    credit_code: str | None
    id_number_masked: str | None
    verified: bool
    commitment_version: str
    commitment_accepted_at: datetime
    blacklisted_until: date | None
    created_at: datetime
    share_phone_with_crew: bool = False
    legal_rep_name: str | None = None
    legal_rep_id_masked: str | None = None


class PhoneSharing(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Whether the workers of an active job may see the employer's phone number to call."""

    share: bool


_INSERT = """
INSERT INTO employers (user_id, kind, credit_code, id_cipher, id_index, id_masked, contact_name,
                       commitment_version, commitment_accepted_at, rep_name, rep_id_type,
                       rep_cipher, rep_index, rep_masked)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9, $10, $11, $12, $13)
"""
_GET = """
SELECT u.id, u.name, u.phone, u.created_at, e.kind, e.contact_name, e.credit_code, e.id_masked,
       e.verified_at IS NOT NULL AS verified, e.commitment_version, e.commitment_accepted_at,
       e.blacklisted_until, e.share_phone_with_crew, e.rep_name, e.rep_masked
FROM users u JOIN employers e ON e.user_id = u.id WHERE u.id = $1
"""


async def register_employer(
    conn: asyncpg.Connection[Any],
    cipher: PiiCipher,
    data: EmployerCreate,
    password_hash: str,
    today: date,
) -> EmployerView:
    """Validate the registration number, record the commitment, create the account."""
    credit_code = id_cipher = id_index = id_masked = None
    rep: tuple[bytes, bytes, str] | None = None
    try:
        if data.kind == "company":
            assert data.credit_code is not None and data.legal_rep_id_number is not None
            credit_code = validate_credit_code(data.credit_code)
            rep = _seal_rep(cipher, data.legal_rep_id_type, data.legal_rep_id_number, today)
        else:
            assert data.id_number is not None
            info = validate_identity("resident_id", data.id_number, today)
            if info.minor:
                raise Invalid.of_field("id_number", "未成年人不能作为雇主注册",
                                       "a minor cannot register as an employer")
            id_cipher = cipher.encrypt(info.number)
            id_index = cipher.blind_index(info.number, "identity")
            id_masked = mask(info.number)
    except InvalidIdentity as exc:
        raise Invalid.of_field(exc.field, exc.reason_zh, exc.reason_en) from exc
    user_id, _ = await insert_user(conn, "employer", data.phone, password_hash, data.name)
    try:
        await conn.execute(_INSERT, user_id, data.kind, credit_code, id_cipher, id_index,
                           id_masked, data.contact_name, COMMITMENT_VERSION, data.legal_rep_name,
                           data.legal_rep_id_type if rep else None, *(rep or (None, None, None)))
    except asyncpg.UniqueViolationError as exc:
        raise conflict_from(exc) from exc
    await audit.record(conn, user_id, "employer.register", "employer", user_id,
                       {"kind": data.kind, "commitment_version": COMMITMENT_VERSION})
    return await get_employer(conn, user_id)


async def get_employer(conn: asyncpg.Connection[Any], employer_id: UUID) -> EmployerView:
    """An employer's profile (identity number masked)."""
    row = await conn.fetchrow(_GET, employer_id)
    if row is None:
        raise NotFound("雇主不存在", "no such employer")
    return EmployerView(
        id=row["id"], name=row["name"], kind=row["kind"], contact_name=row["contact_name"],
        phone=row["phone"], credit_code=row["credit_code"], id_number_masked=row["id_masked"],
        verified=row["verified"], commitment_version=row["commitment_version"],
        commitment_accepted_at=row["commitment_accepted_at"],
        blacklisted_until=row["blacklisted_until"], created_at=row["created_at"],
        share_phone_with_crew=row["share_phone_with_crew"], legal_rep_name=row["rep_name"],
        legal_rep_id_masked=row["rep_masked"],
    )


def _seal_rep(cipher: PiiCipher, id_type: str, number: str, today: date) -> tuple[bytes, bytes, str]:
    """A legal representative's number: sealed, blind index, mask (raises InvalidIdentity)."""
    try:
        info = validate_identity(id_type, number, today)  # type: ignore[arg-type]
    except InvalidIdentity as exc:
        field = "legal_rep_id_type" if exc.field == "id_type" else "legal_rep_id_number"
        raise InvalidIdentity(field, exc.reason_zh, exc.reason_en) from exc
    return (cipher.encrypt(info.number), cipher.blind_index(info.number, "identity"),
            mask(info.number))


_SET_REP = """
UPDATE employers SET rep_name = $2, rep_id_type = $3, rep_cipher = $4, rep_index = $5, rep_masked = $6
WHERE user_id = $1 AND kind = 'company' AND rep_index IS NULL RETURNING 1
"""
_KIND = "SELECT kind, rep_index IS NOT NULL AS has_rep FROM employers WHERE user_id = $1"


async def set_legal_representative(
    conn: asyncpg.Connection[Any], cipher: PiiCipher, actor: UUID, employer_id: UUID,
    data: LegalRepresentative, today: date,
) -> EmployerView:
    """Record a company's legal representative where none is on record (once: a change of
    representative goes through the office, so a listed person cannot be swapped out)."""
    try:
        sealed = _seal_rep(cipher, data.id_type, data.id_number, today)
    except InvalidIdentity as exc:
        raise Invalid.of_field(exc.field, exc.reason_zh, exc.reason_en) from exc
    if await conn.fetchval(_SET_REP, employer_id, data.name, data.id_type, *sealed) is None:
        row = await conn.fetchrow(_KIND, employer_id)
        if row is None:
            raise NotFound("雇主不存在", "no such employer")
        if row["kind"] != "company":
            raise Conflict("个人雇主没有法定代表人", "an individual employer has no legal representative",
                           code="not_a_company")
        raise Conflict("法定代表人已登记；变更请到驿站办理", "the legal representative is on record; "
                       "a change goes through the station", code="legal_rep_on_record")
    await audit.record(conn, actor, "employer.legal_rep", "employer", employer_id,
                       {"id_type": data.id_type, "id_masked": sealed[2]})
    return await get_employer(conn, employer_id)


_VERIFY = """
UPDATE employers SET verified_at = now(), verified_by = $2 WHERE user_id = $1 RETURNING 1
"""


async def verify_employer(
    conn: asyncpg.Connection[Any], operator_id: UUID, employer_id: UUID
) -> EmployerView:
    """An operator checked the registration: orders show a verified label."""
    if await conn.fetchval(_VERIFY, employer_id, operator_id) is None:
        raise NotFound("雇主不存在", "no such employer")
    await audit.record(conn, operator_id, "employer.verify", "employer", employer_id)
    return await get_employer(conn, employer_id)


_SHARE = "UPDATE employers SET share_phone_with_crew = $2 WHERE user_id = $1 RETURNING 1"


async def set_phone_sharing(
    conn: asyncpg.Connection[Any], employer_id: UUID, data: PhoneSharing
) -> EmployerView:
    """Let (or stop letting) the workers of an active job see the phone number to call."""
    if await conn.fetchval(_SHARE, employer_id, data.share) is None:
        raise NotFound("雇主不存在", "no such employer")
    await audit.record(conn, employer_id, "employer.phone_sharing", "employer", employer_id,
                       {"share": data.share})
    return await get_employer(conn, employer_id)
