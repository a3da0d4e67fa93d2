"""Presence codes: the six digits a station's wall screen shows, proving a worker is in the room.

The code is an HMAC of (station, minute) under the station's secret, truncated to six
digits. It changes every minute; the current and the previous minute's codes are
accepted, so a photo of yesterday's screen (or of ten minutes ago) does not work. Wrong
codes are counted per worker and guessing stops after a few.

A first-timer who scans the screen's QR code must register before checking in, which takes
longer than the two minutes a code lives. For that flow only, the station page turns a
valid code from the QR into a *presence pass*: the minute it was valid, signed with the
station's secret, kept in an HttpOnly cookie of that browser for ``PASS_TTL``. The check-in
page then re-reads the current minute's code on the server. A pass is no more than what
the code proved (someone was in the room, with this browser, at that minute).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from gigstation.platform.errors import Invalid, TooMany

__all__ = [
    "CODE_DIGITS",
    "MAX_FAILURES",
    "PASS_TTL",
    "PRESENCE_CODE",
    "code_at",
    "current_code",
    "issue_pass",
    "minute_of",
    "presence_secret",
    "record_failure",
    "seconds_left",
    "verify_code",
    "verify_pass",
]

CODE_DIGITS = 6
PRESENCE_CODE = "presence_code"
"""The ``code`` of the Invalid raised for a wrong or expired code (callers count failures)."""
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=10)
PASS_TTL = timedelta(minutes=15)
"""How long a code read from the QR carries through registration (long enough for a
first-timer to fill in the form; measured: 130 s for a newcomer in the trial)."""
_LOOKBACK_MINUTES = 24 * 60
"""How far back a wrong code is recognised as an old one (for a clearer message)."""

_SECRET = "SELECT presence_secret FROM station_screens WHERE station_id = $1"  # noqa: S105
# The MAX_FAILURES-th newest failure in the window: when it leaves the window, guessing may resume.
_LOCKED_UNTIL = """
SELECT at FROM presence_failures WHERE worker_id = $1 AND at > $2 ORDER BY at DESC OFFSET $3 LIMIT 1
"""
_RECORD_FAILURE = "INSERT INTO presence_failures (worker_id, at) VALUES ($1, $2)"


def minute_of(now: datetime) -> int:
    """Minutes since the Unix epoch: the code's time step."""
    return int(now.timestamp()) // 60


def seconds_left(now: datetime) -> int:
    """Seconds until the code on the screen changes."""
    return 60 - int(now.timestamp()) % 60


def code_at(secret: bytes, station_id: UUID, minute: int) -> str:
    """The six-digit code of one station for one minute."""
    digest = hmac.new(secret, f"{station_id}:{minute}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


async def presence_secret(conn: asyncpg.Connection[Any], station_id: UUID) -> bytes | None:
    """The station's secret, or None when it has no wall screen yet."""
    secret: bytes | None = await conn.fetchval(_SECRET, station_id)
    return secret


def _wrong(reason: str, reason_en: str) -> Invalid:
    error = Invalid.of_field(PRESENCE_CODE, reason, reason_en)
    error.code = PRESENCE_CODE
    return error


async def verify_code(
    conn: asyncpg.Connection[Any], worker_id: UUID, station_id: UUID, code: str, now: datetime
) -> None:
    """Accept this minute's or the previous minute's code; otherwise say why not.

    Raises TooMany after ``MAX_FAILURES`` wrong codes in ten minutes, and Invalid (code
    ``presence_code``) for an old or wrong code; the caller records that failure in a
    transaction of its own with :func:`record_failure`, as this one will roll back.
    """
    oldest: datetime | None = await conn.fetchval(_LOCKED_UNTIL, worker_id, now - FAILURE_WINDOW,
                                                  MAX_FAILURES - 1)
    if oldest is not None:
        # Retry-After and the message give the same, real wait.
        wait_s = max(1, math.ceil((oldest + FAILURE_WINDOW - now).total_seconds()))
        minutes = math.ceil(wait_s / 60)
        raise TooMany(f"签到码输错次数太多，请{minutes}分钟后再试，或请工作人员帮您签到",
                      f"too many wrong codes: try again in {minutes} minute{'s' if minutes > 1 else ''}, "
                      "or ask the station staff", code="too_many_codes", retry_after_s=wait_s)
    secret = await presence_secret(conn, station_id)
    typed = code.strip()
    if secret is None:
        raise _wrong("本驿站还没有签到屏幕，请工作人员帮您签到",
                     "this station has no check-in screen: ask the station staff to check you in")
    minute = minute_of(now)
    for back in (0, 1):
        if hmac.compare_digest(code_at(secret, station_id, minute - back), typed):
            return
    for back in range(2, _LOOKBACK_MINUTES):
        if hmac.compare_digest(code_at(secret, station_id, minute - back), typed):
            raise _wrong(f"签到码已过期（{_ago_zh(back)}的），请输入屏幕上现在显示的签到码",
                         f"that code has expired ({_ago_en(back)}): type the code the screen shows now")
    raise _wrong("签到码不对，请看清屏幕上现在显示的6位数字",
                 "wrong code: type the 6 digits the screen shows now")


def _ago_zh(minutes: int) -> str:
    return f"{minutes}分钟前" if minutes < 60 else f"{minutes // 60}小时前"


def _ago_en(minutes: int) -> str:
    return f"{minutes} minutes old" if minutes < 60 else f"{minutes // 60} hours old"


async def record_failure(conn: asyncpg.Connection[Any], worker_id: UUID, now: datetime) -> None:
    """Count one wrong code against the worker."""
    await conn.execute(_RECORD_FAILURE, worker_id, now)


def _is_current(secret: bytes, station_id: UUID, code: str, minute: int) -> bool:
    return any(hmac.compare_digest(code_at(secret, station_id, minute - back), code) for back in (0, 1))


def _pass_mac(secret: bytes, station_id: UUID, minute: int) -> str:
    return hmac.new(secret, f"pass:{station_id}:{minute}".encode(), hashlib.sha256).hexdigest()[:32]


async def issue_pass(conn: asyncpg.Connection[Any], station_id: UUID, code: str, now: datetime) -> str | None:
    """A presence pass for a code that is valid now (this minute's or the last), else None.

    The caller rate-limits this per address: it answers whether a code is right."""
    secret = await presence_secret(conn, station_id)
    minute = minute_of(now)
    if secret is None or not _is_current(secret, station_id, code.strip(), minute):
        return None
    return f"{minute}.{_pass_mac(secret, station_id, minute)}"


async def verify_pass(conn: asyncpg.Connection[Any], station_id: UUID, token: str, now: datetime) -> bool:
    """Whether a pass from :func:`issue_pass` is for this station and still within ``PASS_TTL``."""
    minute_text, _, mac = token.partition(".")
    if not minute_text.isdigit() or not mac:
        return False
    minute = int(minute_text)
    age = minute_of(now) - minute
    if age < 0 or age * 60 > PASS_TTL.total_seconds():
        return False
    secret = await presence_secret(conn, station_id)
    return secret is not None and hmac.compare_digest(_pass_mac(secret, station_id, minute), mac)


async def current_code(conn: asyncpg.Connection[Any], station_id: UUID, now: datetime) -> str | None:
    """The code the station's screen shows now (re-read for a worker holding a valid pass)."""
    secret = await presence_secret(conn, station_id)
    return None if secret is None else code_at(secret, station_id, minute_of(now))
