"""Workers: real-name registration, profile, skills (claimed until a certificate is seen)."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
import msgspec
from stdnum import luhn

from gigstation.people.accounts import insert_user
from gigstation.people.identity import (
    MINIMUM_WORKING_AGE,
    IdType,
    InvalidIdentity,
    age_facts,
    age_on,
    mask,
    validate_identity,
)
from gigstation.platform import audit, reference
from gigstation.platform.conflicts import conflict_from
from gigstation.platform.errors import Invalid, NotFound
from gigstation.platform.pii import PiiCipher
from gigstation.platform.types import IdNumber, Name, Password, Phone, rule_violation

__all__ = [
    "NO_PASSWORD",
    "PRIORITY_GROUPS",
    "SkillView",
    "WorkerCreate",
    "WorkerUpdate",
    "WorkerView",
    "get_worker",
    "new_card_number",
    "register_worker",
    "update_worker",
    "verify_skill",
]

# Operator-verified groups the policy asks stations to serve first.
PriorityGroup = Literal[
    "employment_difficulty", "zero_employment_family", "veteran", "disability", "age_50_plus"
]
PRIORITY_GROUPS: tuple[str, ...] = PriorityGroup.__args__  # type: ignore[attr-defined]

_NO_BIRTH_DATE = frozenset({"hk_mo_travel_permit", "tw_travel_permit"})

SkillCodes = Annotated[list[str], msgspec.Meta(max_length=30)]


def _check_skills(skills: list[str]) -> None:
    for i, code in enumerate(skills):
        if reference.skill(code) is None:
            raise rule_violation(
                f"skills[{i}]", f"未知工种 {code!r}", f"unknown skill {code!r}"
            )
    if len(set(skills)) != len(skills):
        raise rule_violation("skills", "工种重复", "a skill is listed twice")


class WorkerCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Name
    id_type: IdType
    id_number: IdNumber
    phone: Phone | None = None
    """Required when people register themselves; an operator registering a person at the desk
    may leave it out (the person gets a card number instead, and no password)."""
    password: Password | None = None
    """Required with a phone; none without one (the person takes the account over later with
    a phone and a reset code from the desk)."""
    skills: SkillCodes = []
    birth_date: date | None = None
    """Needed for travel permits, whose numbers carry no birth date."""

    def __post_init__(self) -> None:
        _check_skills(self.skills)
        if self.phone is not None and self.password is None:
            raise rule_violation("password", "请设置密码", "choose a password")
        if self.phone is None and self.password is not None:
            raise rule_violation("password", "没有手机号的账号不设密码：本人以后用手机号和服务台的重置码接管账号",
                                 "an account without a phone has no password: the person takes it over "
                                 "later with a phone and a reset code from the desk")
        if self.id_type in _NO_BIRTH_DATE and self.birth_date is None:
            raise rule_violation("birth_date", "使用通行证注册须填写出生日期",
                                 "registering with a travel permit needs the birth date")


class WorkerUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Fields a worker may change; absent fields stay as they are."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    skills: SkillCodes | msgspec.UnsetType = msgspec.UNSET

    def __post_init__(self) -> None:
        if self.skills is not msgspec.UNSET:
            _check_skills(self.skills)


class SkillView(msgspec.Struct, frozen=True):
    code: str
    zh: str
    en: str
    status: Literal["active", "claimed"]
    certificate: str | None = None


class WorkerView(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    phone: str | None
    """None for a person registered at the desk without a phone."""
    id_type: str
    id_number_masked: str
    minor: bool
    skills: list[SkillView]
    priority_groups: list[str]
    created_at: datetime
    card_number: str | None = None
    """The personal number on the desk's printed card (people registered at the desk)."""


_INSERT_WORKER = """
INSERT INTO workers (user_id, id_type, id_cipher, id_index, id_masked, adult_from, priority_age_from,
                     registered_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
"""
# A Luhn-checked 10-digit number; a clash (one in hundreds of millions) takes the next draw.
_SET_CARD = """
UPDATE workers SET card_number = $2 WHERE user_id = $1 AND NOT EXISTS (
    SELECT 1 FROM workers WHERE card_number = $2) RETURNING card_number
"""
NO_PASSWORD = "!"  # noqa: S105  (not a password: a hash no password matches)
"""The password hash of an account nobody can sign in to with a password (no phone yet)."""
_INSERT_SKILLS = """
INSERT INTO worker_skills (worker_id, skill, status)
SELECT $1, s.code, s.status FROM unnest($2::text[], $3::text[]) AS s(code, status)
ON CONFLICT (worker_id, skill) DO NOTHING
"""
_DELETE_SKILLS_EXCEPT = "DELETE FROM worker_skills WHERE worker_id = $1 AND NOT skill = ANY($2::text[])"
_GET = """
SELECT u.id, u.name, u.phone, u.created_at, w.id_type, w.id_masked, w.card_number,
       coalesce(w.adult_from > (now() AT TIME ZONE 'Asia/Shanghai')::date, false) AS minor,
       active_priority_groups(w.user_id, w.priority_groups, now()) AS priority_groups,
       coalesce(array_agg(s.skill ORDER BY s.skill) FILTER (WHERE s.skill IS NOT NULL), '{}') AS codes,
       coalesce(array_agg(s.status ORDER BY s.skill) FILTER (WHERE s.skill IS NOT NULL), '{}') AS statuses
FROM users u JOIN workers w ON w.user_id = u.id
LEFT JOIN worker_skills s ON s.worker_id = u.id
WHERE u.id = $1
GROUP BY u.id, w.user_id
"""


def _skill_status(code: str) -> str:
    # A job that needs a licence is only "claimed" until an operator sees the licence.
    found = reference.skill(code)
    return "claimed" if found is not None and found.certificate else "active"


async def _set_skills(conn: asyncpg.Connection[Any], worker_id: UUID, codes: list[str]) -> None:
    await conn.execute(_DELETE_SKILLS_EXCEPT, worker_id, codes)
    await conn.execute(_INSERT_SKILLS, worker_id, codes, [_skill_status(c) for c in codes])


def new_card_number() -> str:
    """Nine random digits (the first not 0) and a Luhn check digit."""
    body = str(secrets.randbelow(9 * 10 ** 8) + 10 ** 8)
    return body + luhn.calc_check_digit(body)


async def register_worker(
    conn: asyncpg.Connection[Any],
    cipher: PiiCipher,
    data: WorkerCreate,
    password_hash: str,
    today: date,
    registered_by: UUID | None = None,
) -> WorkerView:
    """Check the identity document, then create the account; duplicates become 409. A person
    registered by an operator (``registered_by``) gets a card number; without a phone the
    account has no password."""
    try:
        info = validate_identity(data.id_type, data.id_number, today)
    except InvalidIdentity as exc:
        raise Invalid.of_field("id_number", exc.reason_zh, exc.reason_en) from exc
    birth_date = info.birth_date
    if info.birth_date is None and data.birth_date is not None:
        # The operator checks the permit's printed birth date when verifying documents.
        age = age_on(data.birth_date, today)
        if data.birth_date > today or age < MINIMUM_WORKING_AGE:
            raise Invalid.of_field("birth_date", f"未满{MINIMUM_WORKING_AGE}周岁不能登记求职",
                                   f"workers must be at least {MINIMUM_WORKING_AGE} years old")
        birth_date = data.birth_date
    # Only the age facts the rules need are stored, never the birth date (issue 8, fault 3).
    facts = age_facts(birth_date, today) if birth_date is not None else None
    minor = facts is not None and facts.adult_from is not None
    user_id, _ = await insert_user(conn, "worker", data.phone,
                                   password_hash if data.phone is not None else NO_PASSWORD, data.name)
    try:
        await conn.execute(
            _INSERT_WORKER,
            user_id,
            data.id_type,
            cipher.encrypt(info.number),
            cipher.blind_index(info.number, "identity"),
            mask(info.number),
            facts.adult_from if facts else None,
            facts.priority_age_from if facts else None,
            registered_by,
        )
    except asyncpg.UniqueViolationError as exc:
        raise conflict_from(exc) from exc
    if registered_by is not None:
        while await conn.fetchval(_SET_CARD, user_id, new_card_number()) is None:
            pass
    await _set_skills(conn, user_id, data.skills)
    await audit.record(conn, registered_by or user_id, "worker.register", "worker", user_id,
                       {"minor": minor, "at_desk": registered_by is not None, "phone": data.phone is not None})
    return await get_worker(conn, user_id)


async def get_worker(conn: asyncpg.Connection[Any], worker_id: UUID) -> WorkerView:
    """A worker's profile with the identity number masked."""
    row = await conn.fetchrow(_GET, worker_id)
    if row is None:
        raise NotFound("劳动者不存在", "no such worker")
    skills = []
    for code, status in zip(row["codes"], row["statuses"], strict=True):
        ref = reference.skill(code)
        skills.append(
            SkillView(code, ref.zh if ref else code, ref.en if ref else code, status,
                      ref.certificate if ref else None)
        )
    return WorkerView(
        id=row["id"],
        name=row["name"],
        phone=row["phone"],
        id_type=row["id_type"],
        id_number_masked=row["id_masked"],
        minor=row["minor"],
        skills=skills,
        priority_groups=list(row["priority_groups"]),
        created_at=row["created_at"],
        card_number=row["card_number"],
    )


_UPDATE_NAME = "UPDATE users SET name = $2 WHERE id = $1"
_TOUCH = "UPDATE workers SET updated_at = now() WHERE user_id = $1"


async def update_worker(
    conn: asyncpg.Connection[Any], worker_id: UUID, data: WorkerUpdate
) -> WorkerView:
    """Change name or skills; skills keep their verified status if kept."""
    changed = []
    if data.name is not msgspec.UNSET:
        await conn.execute(_UPDATE_NAME, worker_id, data.name)
        changed.append("name")
    if data.skills is not msgspec.UNSET:
        await _set_skills(conn, worker_id, data.skills)
        changed.append("skills")
    if changed:
        await conn.execute(_TOUCH, worker_id)
        await audit.record(conn, worker_id, "worker.update", "worker", worker_id, {"fields": changed})
    return await get_worker(conn, worker_id)


_VERIFY_SKILL = """
UPDATE worker_skills SET status = 'active', verified_by = $3, verified_at = now()
WHERE worker_id = $1 AND skill = $2 RETURNING 1
"""


async def verify_skill(
    conn: asyncpg.Connection[Any], operator_id: UUID, worker_id: UUID, skill: str
) -> WorkerView:
    """An operator has seen the certificate: the skill may now be dispatched."""
    if await conn.fetchval(_VERIFY_SKILL, worker_id, skill, operator_id) is None:
        raise NotFound("该劳动者没有申报此工种", "the worker has not claimed this skill")
    await audit.record(conn, operator_id, "worker.skill_verified", "worker", worker_id, {"skill": skill})
    return await get_worker(conn, worker_id)

