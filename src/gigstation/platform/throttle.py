"""Rate limits and login back-off kept in the database, so every server process shares them.

Counters are fixed windows in ``rate_limit_windows`` (one upsert per check); failed logins
back off per phone and address in ``login_backoff``; ``login_known`` remembers which phones
signed in from which address, so a stranger exhausting a station's per-address budget does
not lock out the people who sign in there every day. Phones, addresses and account ids
never reach these tables: every key is an HMAC under a key derived from the server's
secret (``GIGSTATION_SECRET_KEY``), so a dump says nothing about who tried. Every refusal is a `TooMany` carrying
the seconds to wait (sent as ``Retry-After``). The numbers and why are in
docs/architecture.md, "Hardening (issue 8, part A)".
"""

from __future__ import annotations

import hashlib
import hmac
import math
from typing import Any
from uuid import UUID

import asyncpg

from gigstation.platform.auth import LoginResult, PasswordHasher, login
from gigstation.platform.config import Settings
from gigstation.platform.db import connection, transaction
from gigstation.platform.errors import TooMany, Unauthorized

__all__ = [
    "before_registration",
    "bucket",
    "check_password_change",
    "hit",
    "login_checked",
    "sweep",
]

_HIT = """
INSERT INTO rate_limit_windows (bucket, window_start, hits)
VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_windows.hits + 1
RETURNING hits, extract(epoch FROM window_start - now())::float8 + $2 AS left_s
"""


def _too_many(seconds: float, detail: str, detail_en: str) -> TooMany:
    wait = max(1, math.ceil(seconds))
    return TooMany(f"{detail}，请 {wait} 秒后再试", f"{detail_en}; try again in {wait} s",
                   code="rate_limited", retry_after_s=wait)


async def hit(conn: asyncpg.Connection[Any], bucket: str, limit: int, window_s: int,
              detail: str = "请求过于频繁", detail_en: str = "too many requests") -> None:
    """Count one event in ``bucket``; raise TooMany once the window holds more than ``limit``."""
    row = await conn.fetchrow(_HIT, bucket, float(window_s))
    assert row is not None
    if row["hits"] > limit:
        raise _too_many(row["left_s"], detail, detail_en)


_BLOCKED = "SELECT extract(epoch FROM blocked_until - now())::float8 FROM login_backoff WHERE key = $1"
# Back-off doubles from 1 s after the free failures, up to the cap: a person who mistypes
# a few times waits seconds; a guesser gets about one try per cap interval.
_FAILED = """
INSERT INTO login_backoff AS b (key, failures, blocked_until)
VALUES ($1, 1, now() + make_interval(secs => CASE WHEN 1 > $2 THEN 1 ELSE 0 END))
ON CONFLICT (key) DO UPDATE SET
    failures = b.failures + 1,
    updated_at = now(),
    blocked_until = now() + make_interval(secs => CASE WHEN b.failures + 1 > $2
        THEN least($3::float8, power(2, least(b.failures + 1 - $2 - 1, 30))) ELSE 0 END)
"""
_CLEAR = "DELETE FROM login_backoff WHERE key = $1"
_WINDOW = """
SELECT hits, extract(epoch FROM window_start - now())::float8 + $2 AS left_s FROM rate_limit_windows
WHERE bucket = $1 AND window_start = to_timestamp(floor(extract(epoch FROM now()) / $2) * $2)
"""
_KNOWN = "SELECT true FROM login_known WHERE key = $1 AND last_ok > now() - interval '30 days'"
_REMEMBER = """
INSERT INTO login_known (key, last_ok) VALUES ($1, now()) ON CONFLICT (key) DO UPDATE SET last_ok = now()
"""


def _mac(settings: Settings, subject: str) -> bytes:
    key = hashlib.sha256(b"gigstation throttle keys\0" + settings.token_secret()).digest()
    return hmac.new(key, subject.encode(), hashlib.sha256).digest()


def bucket(settings: Settings, kind: str, subject: str) -> str:
    """The stored name of a limit: its kind in clear, whose it is as a keyed hash."""
    return f"{kind}:{_mac(settings, f'{kind}:{subject}')[:16].hex()}"


def _backoff_key(settings: Settings, phone: str, address: str) -> str:
    return bucket(settings, "login", f"{phone}@{address}")


def _known_key(settings: Settings, phone: str, address: str) -> bytes:
    return _mac(settings, f"known:{phone}@{address}")


async def _before_login(conn: asyncpg.Connection[Any], settings: Settings, phone: str, address: str) -> None:
    if not await conn.fetchval(_KNOWN, _known_key(settings, phone, address)):
        row = await conn.fetchrow(_WINDOW, bucket(settings, "login-fail-addr", address), 60.0)
        if row is not None and row["hits"] >= settings.login_rate_per_minute:
            raise _too_many(row["left_s"], "该网络登录失败次数过多", "too many failed sign-ins from this address")
    wait = await conn.fetchval(_BLOCKED, _backoff_key(settings, phone, address))
    if wait is not None and wait > 0:
        raise _too_many(wait, "该账号密码错误次数过多", "too many wrong passwords for this account")
    row = await conn.fetchrow(_WINDOW, bucket(settings, "login-fail", phone), 3600.0)
    if row is not None and row["hits"] >= settings.login_failures_per_phone_per_hour:
        raise _too_many(row["left_s"], "该账号密码错误次数过多", "too many wrong passwords for this account")


async def _login_failed(conn: asyncpg.Connection[Any], settings: Settings, phone: str, address: str) -> None:
    await conn.execute(_FAILED, _backoff_key(settings, phone, address), settings.login_free_failures,
                       float(settings.login_backoff_max_s))
    await conn.execute(_HIT, bucket(settings, "login-fail", phone), 3600.0)
    await conn.execute(_HIT, bucket(settings, "login-fail-addr", address), 60.0)


async def login_checked(
    pool: asyncpg.Pool[Any], settings: Settings, hasher: PasswordHasher, phone: str, password: str,
    address: str,
) -> LoginResult:
    """`auth.login` behind the shared limits; every password sign-in goes through here."""
    async with connection(pool) as conn:
        await _before_login(conn, settings, phone, address)
    try:
        async with transaction(pool) as conn:
            result = await login(conn, settings, hasher, phone, password)
    except Unauthorized:
        async with connection(pool) as conn:  # outside the failed transaction, so it counts
            await _login_failed(conn, settings, phone, address)
        raise
    async with connection(pool) as conn:
        await conn.execute(_CLEAR, _backoff_key(settings, phone, address))
        await conn.execute(_REMEMBER, _known_key(settings, phone, address))
    return result


async def before_registration(conn: asyncpg.Connection[Any], settings: Settings, address: str) -> None:
    """Count a registration attempt; called before the password is hashed."""
    await hit(conn, bucket(settings, "register-addr", address), settings.register_rate_per_minute, 60,
              "该网络注册过于频繁", "too many registrations from this address")
    await hit(conn, "register:all", settings.register_rate_global_per_minute, 60,
              "注册人数过多，系统繁忙", "too many registrations right now")


async def check_password_change(conn: asyncpg.Connection[Any], settings: Settings, user_id: UUID) -> None:
    """Bound how often one account may try its current password."""
    await hit(conn, bucket(settings, "password", str(user_id)), settings.password_change_per_hour, 3600,
              "修改密码过于频繁", "too many password changes")


_SWEEP = (
    "DELETE FROM rate_limit_windows WHERE window_start < now() - interval '1 day'",
    "DELETE FROM login_backoff WHERE updated_at < now() - interval '1 day' AND blocked_until < now()",
    "DELETE FROM login_known WHERE last_ok < now() - interval '30 days'",
    "DELETE FROM revoked_tokens WHERE expires_at < now()",
)


async def sweep(conn: asyncpg.Connection[Any]) -> None:
    """Forget windows and back-offs older than a day, known pairs older than 30 days, and
    revoked session ids whose tokens have expired anyway."""
    for statement in _SWEEP:
        await conn.execute(statement)
