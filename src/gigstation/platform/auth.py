"""Passwords (argon2id) and signed, expiring bearer tokens; login."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import argon2
import asyncpg
import jwt
import msgspec

from gigstation.platform.config import Settings
from gigstation.platform.errors import Unauthorized
from gigstation.platform.types import Role

__all__ = [
    "LoginResult",
    "PasswordHasher",
    "Principal",
    "check_account",
    "decode_token",
    "fresh_token",
    "issue_token",
    "login",
    "revoke_token",
    "revoke_tokens",
]


class Principal(msgspec.Struct, frozen=True):
    """Who is calling: taken from a verified token."""

    user_id: UUID
    role: Role
    token_version: int = 0
    """The account's token version when the token was issued (see `check_account`)."""
    token_id: UUID | None = None
    """The token's own id (``jti``), so one session can be ended alone (`revoke_token`)."""


class LoginResult(msgspec.Struct, frozen=True):
    token: str
    role: Role
    user_id: UUID
    expires_at: datetime


class PasswordHasher:
    """argon2id hashing run off the event loop (it is deliberately slow)."""

    def __init__(self, settings: Settings) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=settings.password_time_cost, memory_cost=settings.password_memory_kib
        )
        # Verifying against this when the phone is unknown keeps login timing uniform,
        # so response time does not reveal which phones are registered.
        self._dummy = self._hasher.hash("not-a-real-password")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, hashed: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(hashed or self._dummy, password) and hashed is not None
            except argon2.exceptions.VerificationError:
                return False
            except argon2.exceptions.InvalidHashError:
                return False

        return await asyncio.to_thread(check)


def issue_token(settings: Settings, principal: Principal) -> tuple[str, datetime]:
    """A signed token for ``principal`` and its expiry time."""
    now = datetime.now(UTC)
    expires = now + timedelta(seconds=settings.token_ttl_s)
    claims = {
        "sub": str(principal.user_id),
        "role": principal.role,
        "ver": principal.token_version,
        "jti": str(uuid.uuid4()),
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(claims, settings.token_secret(), algorithm="HS256"), expires


def decode_token(settings: Settings, token: str) -> Principal:
    """Verify signature and expiry; raise Unauthorized otherwise."""
    try:
        claims = jwt.decode(
            token, settings.token_secret(), algorithms=["HS256"], options={"require": ["exp"]}
        )
        return msgspec.convert(
            {"user_id": claims["sub"], "role": claims["role"], "token_version": claims.get("ver", 0),
             "token_id": claims.get("jti")},
            Principal,
        )
    except (jwt.PyJWTError, KeyError, msgspec.ValidationError) as exc:
        raise Unauthorized("登录已失效，请重新登录", "token is invalid or expired") from exc


_ACCOUNT = "SELECT role, token_version, disabled_at IS NULL AS active FROM users WHERE id = $1"
_SESSION = """
SELECT role, token_version, disabled_at IS NULL AS active,
       EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $2) AS revoked
FROM users WHERE id = $1
"""


async def check_account(conn: asyncpg.Connection[Any], principal: Principal) -> None:
    """Refuse a validly signed token whose account is gone, disabled or has revoked it.

    One primary-key lookup per authenticated request, so a disable or a logout
    everywhere takes effect on the next request, in every process."""
    row = await conn.fetchrow(_SESSION, principal.user_id, principal.token_id)
    if row is None or not row["active"]:
        raise Unauthorized("账号已停用或不存在，请联系驿站", "this account is disabled or no longer exists")
    if row["token_version"] != principal.token_version or row["role"] != principal.role or row["revoked"]:
        raise Unauthorized("登录已失效，请重新登录", "this token was revoked: sign in again")


_REVOKE = "UPDATE users SET token_version = token_version + 1 WHERE id = $1 RETURNING token_version"


async def revoke_tokens(conn: asyncpg.Connection[Any], user_id: UUID) -> int:
    """Invalidate every token of the account; return the new token version."""
    version: int | None = await conn.fetchval(_REVOKE, user_id)
    if version is None:
        raise Unauthorized("账号不存在", "this account no longer exists")
    return version


_REVOKE_ONE = """
INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, now() + make_interval(secs => $2))
ON CONFLICT (jti) DO NOTHING
"""


async def revoke_token(conn: asyncpg.Connection[Any], settings: Settings, principal: Principal) -> None:
    """End one session (a page logout): its token is refused from now on, in every process.

    The row outlives the token (kept for the token lifetime, then swept)."""
    if principal.token_id is not None:
        await conn.execute(_REVOKE_ONE, principal.token_id, float(settings.token_ttl_s))


async def fresh_token(conn: asyncpg.Connection[Any], settings: Settings, user_id: UUID) -> str:
    """A new token for an active account at its current token version."""
    row = await conn.fetchrow(_ACCOUNT, user_id)
    if row is None or not row["active"]:
        raise Unauthorized("账号已停用或不存在，请联系驿站", "this account is disabled or no longer exists")
    token, _ = issue_token(settings, Principal(user_id, row["role"], row["token_version"]))
    return token


_USER_BY_PHONE = """
SELECT id, role, password_hash, token_version FROM users WHERE phone = $1 AND disabled_at IS NULL
"""


async def login(
    conn: asyncpg.Connection[Any],
    settings: Settings,
    hasher: PasswordHasher,
    phone: str,
    password: str,
) -> LoginResult:
    """Check phone and password; one message for both failures, so phones stay private."""
    row = await conn.fetchrow(_USER_BY_PHONE, phone)
    ok = await hasher.verify(row["password_hash"] if row else None, password)
    if row is None or not ok:
        raise Unauthorized("手机号或密码错误", "wrong phone number or password")
    principal = Principal(row["id"], row["role"], row["token_version"])
    token, expires = issue_token(settings, principal)
    return LoginResult(token, principal.role, principal.user_id, expires)
