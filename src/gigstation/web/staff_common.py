"""Small helpers the staff pages share: station scope, local times, form numbers."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from gigstation.platform.auth import Principal
from gigstation.platform.errors import Invalid, NotFound
from gigstation.platform.pagination import PageParams
from gigstation.stations.registry import StationView, get_station, list_stations, operator_station_ids

__all__ = [
    "local_clock",
    "my_stations",
    "parse_fen",
    "parse_int",
    "station_in_scope",
]

async def my_stations(conn: asyncpg.Connection[Any], who: Principal) -> list[StationView]:
    """The stations this operator works for (every station for an admin), by name."""
    if who.role == "admin":
        return (await list_stations(conn, PageParams(limit=500))).items
    stations = [await get_station(conn, i) for i in await operator_station_ids(conn, who.user_id)]
    return sorted(stations, key=lambda s: (s.name, str(s.id)))


async def station_in_scope(conn: asyncpg.Connection[Any], who: Principal, station_id: UUID) -> StationView:
    """The station, if the operator works there (admins see all); else the same 404 as a missing one."""
    if who.role != "admin" and station_id not in await operator_station_ids(conn, who.user_id):
        raise NotFound("驿站不存在", "no such station")
    return await get_station(conn, station_id)


def local_clock(text: str, zone: str, now: datetime, field: str, *, roll: bool = False) -> datetime:
    """'14:30' today in the station's zone (tomorrow if ``roll`` and it has passed)."""
    try:
        hh, mm = text.strip().split(":")
        clock = time(int(hh), int(mm))
    except ValueError as exc:
        raise Invalid.of_field(field, "请填写时间，例如 18:00", "give a time such as 18:00") from exc
    tz = ZoneInfo(zone)
    local_now = now.astimezone(tz)
    at = datetime.combine(local_now.date(), clock, tzinfo=tz)
    if roll and at <= local_now:
        at = datetime.combine(local_now.date() + timedelta(days=1), clock, tzinfo=tz)
    return at


def parse_int(text: str, field: str, zh: str, en: str) -> int:
    """A whole number typed in a form, or Invalid naming the field."""
    try:
        return int(text.strip())
    except ValueError as exc:
        raise Invalid.of_field(field, zh, en) from exc


def parse_fen(text: str, field: str) -> int:
    """Yuan typed in a form ('30' or '30.5') as integer fen."""
    cleaned = text.strip().removeprefix("¥").replace(",", "")
    try:
        yuan, _, cents = cleaned.partition(".")
        if not yuan.isdigit() or (cents and (not cents.isdigit() or len(cents) > 2)):
            raise ValueError(cleaned)
        return int(yuan) * 100 + int((cents + "00")[:2] if cents else 0)
    except ValueError as exc:
        raise Invalid.of_field(field, "请填写金额（元），例如 30 或 30.50",
                               "give an amount in yuan, such as 30 or 30.50") from exc
