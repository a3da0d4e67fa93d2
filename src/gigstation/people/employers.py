"""Employers: companies (credit code) or individuals (ID), with the truthfulness commitment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from gigstation.people.accounts import insert_user
from gigstation.people.identity import InvalidIdentity, mask, validate_credit_code, validate_identity
from gigstation.platform import audit
from gigstation.platform.conflicts import conflict_from
from gigstation.platform.errors import Invalid, NotFound
from gigstation.platform.pii import PiiCipher
from gigstation.platform.types import IdNumber, Name, Password, Phone, Title, rule_violation

__all__ = [
    "COMMITMENT_TEXT",
    "COMMITMENT_VERSION",
    "EmployerCreate",
    "EmployerView",
    "get_employer",
    "register_employer",
]

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


class PhoneSharing(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Whether the workers of an active job may see the employer's phone number to call."""

    share: bool


_INSERT = """
INSERT INTO employers (user_id, kind, credit_code, id_cipher, id_index, id_masked, contact_name,
                       commitment_version, commitment_accepted_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
"""
_GET = """
SELECT u.id, u.name, u.phone, u.created_at, e.kind, e.contact_name, e.credit_code, e.id_masked,
       e.verified_at IS NOT NULL AS verified, e.commitment_version, e.commitment_accepted_at,
       e.blacklisted_until, e.share_phone_with_crew
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
    try:
        if data.kind == "company":
            assert data.credit_code is not None
            credit_code = validate_credit_code(data.credit_code)
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
                           id_masked, data.contact_name, COMMITMENT_VERSION)
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
        share_phone_with_crew=row["share_phone_with_crew"],
    )


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
