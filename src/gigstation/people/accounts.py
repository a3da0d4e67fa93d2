"""User accounts shared by every role: the users row, operators, the first administrator."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit, throttle
from gigstation.platform.auth import PasswordHasher, Principal, account_changing, revoke_tokens
from gigstation.platform.config import Settings
from gigstation.platform.conflicts import conflict_from
from gigstation.platform.db import connection, transaction
from gigstation.platform.errors import Conflict, Forbidden, Invalid, NotFound
from gigstation.platform.types import Name, Password, Phone, Role

__all__ = [
    "RESET_CODE",
    "RESET_MAX_FAILURES",
    "RESET_TTL",
    "AccountStatus",
    "AccountTakeover",
    "OperatorCreate",
    "OperatorView",
    "PasswordChange",
    "PasswordReset",
    "ResetCode",
    "ResetTarget",
    "change_password",
    "create_operator",
    "ensure_admin",
    "insert_user",
    "issue_reset_code",
    "issue_reset_code_checked",
    "logout_everywhere",
    "record_reset_failure",
    "record_takeover_failure",
    "reset_password",
    "reset_password_checked",
    "reset_target",
    "set_disabled",
    "take_over",
    "take_over_checked",
]


class OperatorCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Name
    phone: Phone
    password: Password
    station_ids: Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=50)]


class OperatorView(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    phone: str
    station_ids: list[UUID]
    created_at: datetime


_INSERT_USER = """
INSERT INTO users (role, phone, password_hash, name) VALUES ($1, $2, $3, $4)
RETURNING id, created_at
"""


async def insert_user(
    conn: asyncpg.Connection[Any], role: Role, phone: str | None, password_hash: str, name: str
) -> tuple[UUID, datetime]:
    """Insert the users row; a taken phone becomes a 409 naming the field."""
    try:
        row = await conn.fetchrow(_INSERT_USER, role, phone, password_hash, name)
    except asyncpg.UniqueViolationError as exc:
        raise conflict_from(exc) from exc
    assert row is not None
    return row["id"], row["created_at"]


_BIND_STATIONS = """
INSERT INTO operator_stations (operator_id, station_id)
SELECT $1, s.id FROM stations s WHERE s.id = ANY($2::uuid[])
"""


async def create_operator(
    conn: asyncpg.Connection[Any], actor: UUID, data: OperatorCreate, password_hash: str
) -> OperatorView:
    """An operator account bound to existing stations."""
    user_id, created_at = await insert_user(conn, "operator", data.phone, password_hash, data.name)
    wanted = sorted(set(data.station_ids))
    status = await conn.execute(_BIND_STATIONS, user_id, wanted)
    if int(status.split()[-1]) != len(wanted):
        raise Invalid.of_field("station_ids", "包含不存在的驿站", "contains an unknown station")
    await audit.record(conn, actor, "operator.create", "user", user_id, {"stations": [str(s) for s in wanted]})
    return OperatorView(user_id, data.name, data.phone, wanted, created_at)


_INSERT_ADMIN = """
INSERT INTO users (role, phone, password_hash, name) VALUES ('admin', $1, $2, $3)
ON CONFLICT (phone) DO NOTHING RETURNING id
"""


async def ensure_admin(
    conn: asyncpg.Connection[Any], phone: str, password_hash: str, name: str = "管理员"
) -> UUID | None:
    """Create the first administrator if no account has this phone; return its id if created."""
    # ON CONFLICT rather than look-then-insert: two processes may start at once.
    user_id: UUID | None = await conn.fetchval(_INSERT_ADMIN, phone, password_hash, name)
    if user_id is not None:
        await audit.record(conn, None, "admin.bootstrap", "user", user_id)
    return user_id


class AccountStatus(msgspec.Struct, frozen=True):
    id: UUID
    role: Role
    disabled_at: datetime | None


# Disabling also bumps the token version, so enabling again does not revive old tokens.
_SET_DISABLED = """
UPDATE users SET
    disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END,
    token_version = token_version + CASE WHEN $2 THEN 1 ELSE 0 END
WHERE id = $1
RETURNING id, role, disabled_at
"""


async def set_disabled(
    conn: asyncpg.Connection[Any], actor: UUID, user_id: UUID, disabled: bool
) -> AccountStatus:
    """Disable (every token stops working at once, login refused) or enable an account."""
    if disabled and actor == user_id:
        raise Conflict("不能停用自己的账号", "you cannot disable your own account", code="self_disable")
    account_changing(user_id)
    row = await conn.fetchrow(_SET_DISABLED, user_id, disabled)
    if row is None:
        raise NotFound("账号不存在", "no such account")
    await audit.record(conn, actor, "account.disable" if disabled else "account.enable", "user", user_id)
    return msgspec.convert(dict(row), AccountStatus)


async def logout_everywhere(conn: asyncpg.Connection[Any], user_id: UUID) -> int:
    """Revoke every token of the account (this one too); return the new token version."""
    version = await revoke_tokens(conn, user_id)
    await audit.record(conn, user_id, "account.logout_all", "user", user_id)
    return version


class PasswordChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    current_password: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    new_password: Password


_HASH_OF = "SELECT password_hash FROM users WHERE id = $1 AND disabled_at IS NULL FOR UPDATE"
_STORE_HASH = "UPDATE users SET password_hash = $2 WHERE id = $1"


async def change_password(
    conn: asyncpg.Connection[Any], hasher: PasswordHasher, user_id: UUID, data: PasswordChange
) -> int:
    """Check the current password, store the new one, revoke every older token."""
    current = await conn.fetchval(_HASH_OF, user_id)
    if current is None:
        raise NotFound("账号不存在", "no such account")
    if not await hasher.verify(current, data.current_password):
        raise Invalid.of_field("current_password", "当前密码不正确", "is not the current password")
    await conn.execute(_STORE_HASH, user_id, await hasher.hash(data.new_password))
    version = await revoke_tokens(conn, user_id)
    await audit.record(conn, user_id, "account.password_change", "user", user_id)
    return version


# --- password reset at the desk -------------------------------------------------------------
#
# No SMS gateway here: the person who forgot their password goes to a station's desk, the
# operator checks the ID document against the account in person, and issues a one-time code.
# The person types it, once and soon, with a new password (the code is shown only then).

RESET_TTL = timedelta(minutes=30)
"""How long a reset code works: time to walk from the desk to a seat, not to take it home."""
RESET_MAX_FAILURES = 5
"""Wrong tries before a code is void (with 6 digits: 5 in a million for a guesser)."""
RESET_CODE = "reset_code"
"""The ``code`` of the Invalid raised for a wrong or dead code (callers count the failure)."""
_RESET_DIGITS = 6
_RESETTABLE = {"operator": ("worker", "employer"), "admin": ("worker", "employer", "operator")}
RESET_ISSUES_PER_HOUR = 30
"""Codes one operator may issue an hour: a busy desk does a few; a stolen staff session
cannot take over accounts in bulk."""
RESET_ISSUES_PER_ACCOUNT_PER_DAY = 5
RESET_TRIES_PER_ADDRESS = 20
"""Code tries from one address in 10 minutes (a station's shared Wi-Fi has several people)."""


class ResetTarget(msgspec.Struct, frozen=True):
    """The account a code is for, as the operator confirms it before issuing."""

    id: UUID
    role: Role
    name: str
    phone: str | None
    """None for a person registered at the desk without a phone: the code lets them add one."""


class ResetCode(msgspec.Struct, frozen=True):
    """A freshly issued code: shown once to the operator, who hands it to the person."""

    user_id: UUID
    code: str
    expires_at: datetime


class PasswordReset(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    phone: Phone
    code: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{3} ?[0-9]{3}$",
                                      description="the 6 digits the station's desk gave")]
    new_password: Password


def _code_hmac(secret: bytes, user_id: UUID, code: str) -> bytes:
    return hmac.new(secret, f"password-reset:{user_id}:{code}".encode(), hashlib.sha256).digest()


_TARGET = "SELECT id, role, name, phone FROM users WHERE id = $1 AND anonymised_at IS NULL"
_VOID_LIVE = """
UPDATE password_resets SET voided_at = $2 WHERE user_id = $1 AND used_at IS NULL AND voided_at IS NULL
"""
_INSERT_RESET = """
INSERT INTO password_resets (user_id, code_hmac, issued_by, issued_at, expires_at)
VALUES ($1, $2, $3, $4, $5)
"""


async def reset_target(conn: asyncpg.Connection[Any], actor: Principal, user_id: UUID) -> ResetTarget:
    """The account ``actor`` may issue a reset code for: operators for workers and employers,
    administrators for operators too; other accounts look missing."""
    row = await conn.fetchrow(_TARGET, user_id)
    if row is None or row["role"] not in _RESETTABLE.get(actor.role, ()) or row["id"] == actor.user_id:
        raise NotFound("账号不存在", "no such account")
    return msgspec.convert(dict(row), ResetTarget)


async def issue_reset_code(
    conn: asyncpg.Connection[Any], secret: bytes, actor: Principal, user_id: UUID, now: datetime
) -> ResetCode:
    """A one-time code for ``user_id`` after the operator checked the ID in person (the audit
    row says so); any earlier live code is voided. The caller rate-limits the issuer."""
    if actor.role not in _RESETTABLE:
        raise Forbidden("只有驿站工作人员可以重置密码", "only station staff can reset a password")
    target = await reset_target(conn, actor, user_id)
    code = f"{secrets.randbelow(10 ** _RESET_DIGITS):0{_RESET_DIGITS}d}"
    expires = now + RESET_TTL
    await conn.execute(_VOID_LIVE, user_id, now)
    await conn.execute(_INSERT_RESET, user_id, _code_hmac(secret, user_id, code), actor.user_id, now, expires)
    await audit.record(conn, actor.user_id, "account.reset_code", "user", user_id,
                       {"role": target.role, "identity_checked_in_person": True,
                        "expires_at": expires.isoformat()})
    return ResetCode(user_id, code, expires)


_LIVE_RESET = """
SELECT r.id, r.user_id, r.code_hmac, r.expires_at, r.failures, r.issued_by, u.role
FROM password_resets r JOIN users u ON u.id = r.user_id
WHERE u.phone = $1 AND u.disabled_at IS NULL AND r.used_at IS NULL AND r.voided_at IS NULL
FOR UPDATE OF r
"""
_USE_RESET = "UPDATE password_resets SET used_at = $2 WHERE id = $1"
_RESET_FAILED = """
UPDATE password_resets SET failures = failures + 1,
       voided_at = CASE WHEN failures + 1 >= $3::int THEN $2::timestamptz END
WHERE id = (SELECT r.id FROM password_resets r JOIN users u ON u.id = r.user_id
            WHERE u.phone = $1 AND r.used_at IS NULL AND r.voided_at IS NULL)
"""


def _wrong_code() -> Invalid:
    error = Invalid.of_field(
        "code", "重置码不对或已失效（30分钟内有效，只能用一次）。请核对手机号和6位重置码，或回驿站服务台重新办理",
        "the reset code is wrong or no longer valid (30 minutes, once): check the phone number and the "
        "6 digits, or go back to the station's desk for a new one")
    error.code = RESET_CODE
    return error


async def reset_password(
    conn: asyncpg.Connection[Any], hasher: PasswordHasher, secret: bytes, data: PasswordReset, now: datetime
) -> Principal:
    """Spend a reset code: the new password is stored, every older session ends, and the code
    is used up. Returns who is now signed in (with the new token version).

    A wrong code raises Invalid (code ``reset_code``); the caller records that failure with
    :func:`record_reset_failure` in a transaction of its own, as this one rolls back."""
    row = await conn.fetchrow(_LIVE_RESET, data.phone)
    code = data.code.replace(" ", "")
    if row is None or row["expires_at"] <= now or not hmac.compare_digest(
            bytes(row["code_hmac"]), _code_hmac(secret, row["user_id"], code)):
        raise _wrong_code()
    await conn.execute(_USE_RESET, row["id"], now)
    await conn.execute(_STORE_HASH, row["user_id"], await hasher.hash(data.new_password))
    version = await revoke_tokens(conn, row["user_id"])
    await audit.record(conn, row["user_id"], "account.password_reset", "user", row["user_id"],
                       {"issued_by": str(row["issued_by"])})
    return Principal(row["user_id"], row["role"], version)


async def record_reset_failure(conn: asyncpg.Connection[Any], phone: str, now: datetime) -> None:
    """Count a wrong try against the phone's live code; the fifth voids it."""
    await conn.execute(_RESET_FAILED, phone, now, RESET_MAX_FAILURES)


async def issue_reset_code_checked(
    pool: asyncpg.Pool[Any], settings: Settings, actor: Principal, user_id: UUID, now: datetime
) -> ResetCode:
    """:func:`issue_reset_code` within the limits (per issuer an hour, per account a day);
    the API and the desk page both call this."""
    async with connection(pool) as conn:  # counted even when the issue is refused
        await throttle.hit(conn, f"reset-issue:{actor.user_id}", RESET_ISSUES_PER_HOUR, 3600,
                           "重置密码办理过于频繁", "too many password resets issued")
        await throttle.hit(conn, f"reset-for:{user_id}", RESET_ISSUES_PER_ACCOUNT_PER_DAY, 86400,
                           "这个账号今天重置密码的次数太多", "too many password resets for this account today")
    async with transaction(pool) as conn:
        return await issue_reset_code(conn, settings.token_secret(), actor, user_id, now)


async def reset_password_checked(
    pool: asyncpg.Pool[Any], settings: Settings, hasher: PasswordHasher, data: PasswordReset,
    address: str, now: datetime,
) -> Principal:
    """:func:`reset_password` within the per-address limit, a wrong code counted against it."""
    return await _counted_try(
        pool, address, lambda conn: reset_password(conn, hasher, settings.token_secret(), data, now),
        lambda conn: record_reset_failure(conn, data.phone, now))


async def _counted_try(
    pool: asyncpg.Pool[Any], address: str,
    attempt: Callable[[asyncpg.Connection[Any]], Awaitable[Principal]],
    failed: Callable[[asyncpg.Connection[Any]], Awaitable[None]],
) -> Principal:
    """One try with a desk code: within the per-address limit (counted even when refused),
    in its own transaction; a wrong code is then counted in another (the try rolled back)."""
    async with connection(pool) as conn:
        await throttle.hit(conn, f"reset-try:{address}", RESET_TRIES_PER_ADDRESS, 600,
                           "重置密码尝试过于频繁", "too many password reset attempts")
    try:
        async with transaction(pool) as conn:
            return await attempt(conn)
    except Invalid as exc:
        if exc.code == RESET_CODE:
            async with transaction(pool) as conn:
                await failed(conn)
        raise


# --- taking over an account registered at the desk without a phone ------------------------------


class AccountTakeover(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    card_number: Annotated[str, msgspec.Meta(pattern=r"^(GS)?[1-9][0-9]{9}$",
                                             description="the personal number on the desk's card")]
    code: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{3} ?[0-9]{3}$",
                                      description="the 6 digits the station's desk gave")]
    phone: Phone
    """The person's own mobile number, from now on their sign-in."""
    new_password: Password


_LIVE_TAKEOVER = """
SELECT r.id, r.user_id, r.code_hmac, r.expires_at, r.issued_by, u.role
FROM password_resets r JOIN users u ON u.id = r.user_id JOIN workers w ON w.user_id = u.id
WHERE w.card_number = $1 AND u.phone IS NULL AND u.disabled_at IS NULL
  AND r.used_at IS NULL AND r.voided_at IS NULL
FOR UPDATE OF r
"""
_SET_PHONE = "UPDATE users SET phone = $2 WHERE id = $1 AND phone IS NULL"
# Only a code the takeover could have spent is counted: once the account has a phone, its
# reset code is the phone's, and wrong tries at a card number (printed, partly called on the
# wall screen) must not void it.
_TAKEOVER_FAILED = """
UPDATE password_resets SET failures = failures + 1,
       voided_at = CASE WHEN failures + 1 >= $3::int THEN $2::timestamptz END
WHERE id = (SELECT r.id FROM password_resets r JOIN workers w ON w.user_id = r.user_id
            JOIN users u ON u.id = r.user_id
            WHERE w.card_number = $1 AND u.phone IS NULL AND r.used_at IS NULL AND r.voided_at IS NULL)
"""


def _card(text: str) -> str:
    return text.removeprefix("GS")


def _wrong_takeover_code() -> Invalid:
    error = Invalid.of_field(
        "code", "服务卡号或重置码不对，或重置码已失效（30分钟内有效，只能用一次）。请核对，或回驿站服务台重新办理",
        "the card number or the code is wrong, or the code is no longer valid (30 minutes, once): check "
        "them, or go back to the station's desk for a new code")
    error.code = RESET_CODE
    return error


async def take_over(
    conn: asyncpg.Connection[Any], hasher: PasswordHasher, secret: bytes, data: AccountTakeover, now: datetime
) -> Principal:
    """A person registered at the desk without a phone adds their phone and a password with a
    reset code the desk issued after checking their ID: the account is theirs from now on
    (signing in with that phone). A phone already registered is a 409 and the code stays
    live. Wrong codes are counted like a password reset's (:func:`record_takeover_failure`)."""
    row = await conn.fetchrow(_LIVE_TAKEOVER, _card(data.card_number))
    code = data.code.replace(" ", "")
    if row is None or row["expires_at"] <= now or not hmac.compare_digest(
            bytes(row["code_hmac"]), _code_hmac(secret, row["user_id"], code)):
        raise _wrong_takeover_code()
    try:
        await conn.execute(_SET_PHONE, row["user_id"], data.phone)
    except asyncpg.UniqueViolationError as exc:
        raise conflict_from(exc) from exc
    await conn.execute(_USE_RESET, row["id"], now)
    await conn.execute(_STORE_HASH, row["user_id"], await hasher.hash(data.new_password))
    version = await revoke_tokens(conn, row["user_id"])
    await audit.record(conn, row["user_id"], "account.takeover", "user", row["user_id"],
                       {"issued_by": str(row["issued_by"])})
    return Principal(row["user_id"], row["role"], version)


async def record_takeover_failure(conn: asyncpg.Connection[Any], card_number: str, now: datetime) -> None:
    """Count a wrong try against the card's live code; the fifth voids it."""
    await conn.execute(_TAKEOVER_FAILED, _card(card_number), now, RESET_MAX_FAILURES)


async def take_over_checked(
    pool: asyncpg.Pool[Any], settings: Settings, hasher: PasswordHasher, data: AccountTakeover,
    address: str, now: datetime,
) -> Principal:
    """:func:`take_over` within the password reset's per-address limit, a wrong code counted."""
    return await _counted_try(
        pool, address, lambda conn: take_over(conn, hasher, settings.token_secret(), data, now),
        lambda conn: record_takeover_failure(conn, data.card_number, now))
