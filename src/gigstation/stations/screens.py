"""Station wall screens: the secret link an operator makes, and what the screen shows.

The screen has no user. Its link carries a random token (only its SHA-256 is stored)
that opens one station's screen, read-only. It shows the presence code of the minute,
the number of people waiting and the open orders with places left.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform import audit
from gigstation.platform.errors import NotFound
from gigstation.stations import presence
from gigstation.stations.registry import get_station

__all__ = [
    "ScreenFeed",
    "ScreenOrder",
    "make_screen_link",
    "opening_hours",
    "screen_feed",
    "screen_link_made",
    "set_opening_hours",
    "station_name",
    "station_of_screen",
]


class ScreenOrder(msgspec.Struct, frozen=True):
    title: str
    skill: str
    pay_cents: int
    pay_unit: str
    places_left: int
    starts_at: datetime
    ends_at: datetime


class ScreenFeed(msgspec.Struct, frozen=True):
    station_id: UUID
    station_name: str
    code: str
    seconds_left: int
    waiting: int
    orders: list[ScreenOrder]
    desk_calls: list[str] = []
    """The last four digits of the desk cards of people without a phone who have an offer
    waiting for their answer: the screen calls them to the desk (never a name)."""


_UPSERT = """
INSERT INTO station_screens (station_id, link_sha256, presence_secret, created_by)
VALUES ($1, $2, $3, $4)
ON CONFLICT (station_id) DO UPDATE
SET link_sha256 = excluded.link_sha256, created_by = excluded.created_by, created_at = now()
"""
_BY_TOKEN = "SELECT station_id FROM station_screens WHERE link_sha256 = $1"  # noqa: S105
_WAITING = """
SELECT count(*) FROM checkins
WHERE station_id = $1 AND status = 'waiting' AND available_until > now()
"""
_ORDERS = """
SELECT title, skill, pay_cents, pay_unit, headcount - filled AS places_left, starts_at, ends_at
FROM orders
WHERE station_id = $1 AND status = 'open' AND ends_at > now() AND filled < headcount
ORDER BY starts_at, id LIMIT $2
"""
# People registered at the desk without a phone, with a live offer from this station.
_DESK_CALLS = """
SELECT DISTINCT right(w.card_number, 4) AS tail FROM offers o
JOIN workers w ON w.user_id = o.worker_id JOIN users u ON u.id = w.user_id
WHERE o.station_id = $1 AND o.status = 'offered' AND o.expires_at > now()
  AND u.phone IS NULL AND w.card_number IS NOT NULL
ORDER BY tail LIMIT 12
"""
_HOURS = "SELECT opening_hours FROM stations WHERE id = $1"
_MADE = "SELECT created_at FROM station_screens WHERE station_id = $1"
_NAME = "SELECT name FROM stations WHERE id = $1"
_SET_HOURS = "UPDATE stations SET opening_hours = $2 WHERE id = $1 RETURNING id"


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def make_screen_link(
    conn: asyncpg.Connection[Any], actor: UUID, station_id: UUID, public_base_url: str
) -> str:
    """A new wall-screen link for the station (the previous link stops working); audited."""
    await get_station(conn, station_id)
    token = secrets.token_urlsafe(24)
    await conn.execute(_UPSERT, station_id, _digest(token), os.urandom(32), actor)
    await audit.record(conn, actor, "station.screen_link", "station", station_id)
    return f"{public_base_url.rstrip('/')}/s/{station_id}/screen/{token}"


async def screen_link_made(conn: asyncpg.Connection[Any], station_id: UUID) -> datetime | None:
    """When the station's current wall-screen link was made, or None if it has none."""
    made: datetime | None = await conn.fetchval(_MADE, station_id)
    return made


async def station_name(conn: asyncpg.Connection[Any], station_id: UUID) -> str:
    """The station's name for a stopped screen ('' for an unknown station)."""
    name: str | None = await conn.fetchval(_NAME, station_id)
    return name or ""


async def station_of_screen(conn: asyncpg.Connection[Any], station_id: UUID, token: str) -> None:
    """Check that the token opens this station's screen (NotFound otherwise)."""
    found = await conn.fetchval(_BY_TOKEN, _digest(token))
    if found != station_id:
        raise NotFound("屏幕链接无效或已更换，请工作人员重新生成",
                       "this screen link is invalid or was replaced: ask the staff for a new one")


async def screen_feed(
    conn: asyncpg.Connection[Any], station_id: UUID, now: datetime, limit: int = 12
) -> ScreenFeed:
    """What the wall screen shows now."""
    station = await get_station(conn, station_id)
    secret = await presence.presence_secret(conn, station_id)
    code = presence.code_at(secret, station_id, presence.minute_of(now)) if secret else ""
    waiting = await conn.fetchval(_WAITING, station_id)
    orders = [msgspec.convert(dict(r), ScreenOrder) for r in await conn.fetch(_ORDERS, station_id, limit)]
    calls = [r["tail"] for r in await conn.fetch(_DESK_CALLS, station_id)]
    return ScreenFeed(station.id, station.name, code, presence.seconds_left(now), waiting, orders, calls)


async def opening_hours(conn: asyncpg.Connection[Any], station_id: UUID) -> str | None:
    """The station's opening hours as written by an administrator, or None."""
    hours: str | None = await conn.fetchval(_HOURS, station_id)
    return hours


async def set_opening_hours(
    conn: asyncpg.Connection[Any], actor: UUID, station_id: UUID, hours: str | None
) -> None:
    """Set (or clear) the opening hours printed on the poster; audited."""
    if await conn.fetchval(_SET_HOURS, station_id, hours or None) is None:
        raise NotFound("驿站不存在", "no such station")
    await audit.record(conn, actor, "station.opening_hours", "station", station_id, {"hours": hours})
