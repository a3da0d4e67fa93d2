"""Passwords (argon2id) and signed, expiring bearer tokens; login."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import re
import time
import uuid
from collections.abc import Callable
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
    "AccountState",
    "LoginResult",
    "PasswordHasher",
    "Principal",
    "account_changing",
    "check_account",
    "check_account_state",
    "decode_token",
    "fresh_token",
    "issue_token",
    "load_account_state",
    "login",
    "revoke_token",
    "revoke_tokens",
    "watch_accounts",
]


class Principal(msgspec.Struct, frozen=True):
    """Who is calling: taken from a verified token."""

    user_id: UUID
    role: Role
    token_version: int = 0
    """The account's token version when the token was issued (see `check_account`)."""
    account_checked: bool = True
    """False when the middleware left the account check to the handler's own statement
    (the check-in does it in the same round trip: stations/checkins.py)."""
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


class _Header(msgspec.Struct):
    alg: str


class _Claims(msgspec.Struct):
    sub: UUID
    role: Role
    exp: int
    ver: int = 0
    iat: int | None = None
    nbf: int | None = None
    jti: UUID | None = None


_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def _b64(part: str) -> bytes:
    if not _B64URL.match(part):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def decode_token(settings: Settings, token: str) -> Principal:
    """Verify signature and expiry; raise Unauthorized otherwise.

    HS256 only, checked here with hmac and msgspec rather than PyJWT's general decoder:
    the same rules (alg, signature, exp required and past-due refused, iat and nbf not in
    the future) at a fraction of the CPU on every request (bench/RESULTS.md)."""
    try:
        head, body, signature = token.split(".")
        if msgspec.json.decode(_b64(head), type=_Header).alg != "HS256":
            raise ValueError("alg")
        expected = hmac.new(settings.token_secret(), f"{head}.{body}".encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _b64(signature)):
            raise ValueError("signature")
        claims = msgspec.json.decode(_b64(body), type=_Claims)
        now = time.time()
        if claims.exp <= now or (claims.iat or 0) > now or (claims.nbf or 0) > now:
            raise ValueError("time")
    except (ValueError, msgspec.DecodeError, binascii.Error) as exc:
        raise Unauthorized("登录已失效，请重新登录", "token is invalid or expired") from exc
    return Principal(claims.sub, claims.role, claims.ver, token_id=claims.jti)


_ACCOUNT = "SELECT role, token_version, disabled_at IS NULL AS active FROM users WHERE id = $1"
# The account's standing and the sessions it ended one by one (page logouts) whose tokens
# have not expired yet: a handful at most, cached with the rest (migration 0026 notifies).
_ACCOUNT_STATE = """
SELECT role, token_version, disabled_at IS NULL AS active,
       ARRAY(SELECT jti FROM revoked_tokens WHERE user_id = $1 AND expires_at > now()) AS revoked
FROM users WHERE id = $1
"""


class AccountState(msgspec.Struct, frozen=True):
    """What a token is checked against: the account's role, token version and standing."""

    role: str
    token_version: int
    active: bool
    revoked: frozenset[UUID] = frozenset()
    """Ids (``jti``) of this account's tokens ended one at a time by a page logout."""


_WATCHERS: list[Callable[[UUID], None]] = []


def watch_accounts(watcher: Callable[[UUID], None]) -> Callable[[], None]:
    """Call ``watcher`` in this process whenever code here is about to change an account's
    standing; returns the function that stops it (the API's account cache uses this)."""
    _WATCHERS.append(watcher)
    return lambda: _WATCHERS.remove(watcher)


def account_changing(user_id: UUID) -> None:
    """Say that this transaction changes the account's role, token version or standing.

    Other processes hear of it from the row's NOTIFY at commit (migration 0025); this
    process is told at once, so its own next request already sees the change."""
    for watcher in list(_WATCHERS):
        watcher(user_id)


async def load_account_state(conn: asyncpg.Connection[Any], user_id: UUID) -> AccountState | None:
    """The account's standing, or None when no such account exists."""
    row = await conn.fetchrow(_ACCOUNT_STATE, user_id)
    return None if row is None else AccountState(row["role"], row["token_version"], row["active"],
                                                 frozenset(row["revoked"]))


def check_account_state(principal: Principal, state: AccountState | None) -> None:
    """Refuse a validly signed token whose account is gone, disabled or has revoked it."""
    if state is None or not state.active:
        raise Unauthorized("账号已停用或不存在，请联系驿站", "this account is disabled or no longer exists")
    if (state.token_version != principal.token_version or state.role != principal.role
            or (principal.token_id is not None and principal.token_id in state.revoked)):
        raise Unauthorized("登录已失效，请重新登录", "this token was revoked: sign in again")


async def check_account(conn: asyncpg.Connection[Any], principal: Principal) -> None:
    """Refuse a validly signed token whose account is gone, disabled or has revoked it.

    One primary-key lookup, so a disable or a logout everywhere takes effect on the next
    request, in every process (the API's middleware keeps the answer in memory until the
    row changes: api/security.py)."""
    check_account_state(principal, await load_account_state(conn, principal.user_id))


_REVOKE = "UPDATE users SET token_version = token_version + 1 WHERE id = $1 RETURNING token_version"


async def revoke_tokens(conn: asyncpg.Connection[Any], user_id: UUID) -> int:
    """Invalidate every token of the account; return the new token version."""
    account_changing(user_id)
    version: int | None = await conn.fetchval(_REVOKE, user_id)
    if version is None:
        raise Unauthorized("账号不存在", "this account no longer exists")
    return version


_REVOKE_ONE = """
INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
ON CONFLICT (jti) DO NOTHING
"""


async def revoke_token(conn: asyncpg.Connection[Any], settings: Settings, principal: Principal) -> None:
    """End one session (a page logout): its token is refused from now on, in every process.

    The row outlives the token (kept for the token lifetime, then swept); its insert
    notifies every process's account cache like a change of the account row does."""
    if principal.token_id is not None:
        account_changing(principal.user_id)
        await conn.execute(_REVOKE_ONE, principal.token_id, principal.user_id, float(settings.token_ttl_s))


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
