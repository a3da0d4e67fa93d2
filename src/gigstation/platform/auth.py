"""Passwords (argon2id) and signed, expiring bearer tokens; login."""

from __future__ import annotations

import asyncio
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
    "decode_token",
    "issue_token",
    "login",
]


class Principal(msgspec.Struct, frozen=True):
    """Who is calling: taken from a verified token."""

    user_id: UUID
    role: Role


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
        return msgspec.convert({"user_id": claims["sub"], "role": claims["role"]}, Principal)
    except (jwt.PyJWTError, KeyError, msgspec.ValidationError) as exc:
        raise Unauthorized("登录已失效，请重新登录", "token is invalid or expired") from exc


_USER_BY_PHONE = """
SELECT id, role, password_hash FROM users WHERE phone = $1 AND disabled_at IS NULL
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
    principal = Principal(row["id"], row["role"])
    token, expires = issue_token(settings, principal)
    return LoginResult(token, principal.role, principal.user_id, expires)
