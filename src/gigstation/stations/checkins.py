"""Check-ins: a worker waiting at a station, from the phone or through the operator."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from gigstation.platform import audit
from gigstation.platform.auth import AccountState, Principal, check_account, check_account_state
from gigstation.platform.conflicts import conflict_from
from gigstation.platform.errors import Conflict, Forbidden, Invalid, NotFound
from gigstation.platform.geo import distance_m
from gigstation.platform.types import Distance, Lat, Lon
from gigstation.stations import presence
from gigstation.stations.registry import get_station, operator_station_ids

__all__ = [
    "CheckinCreate",
    "CheckinView",
    "check_in",
    "close_checkin",
    "get_checkin",
]

MAX_AVAILABILITY = timedelta(hours=24)
_SHANGHAI = ZoneInfo("Asia/Shanghai")


class CheckinCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    station_id: UUID
    available_until: datetime
    max_distance_m: Distance = 10_000
    lat: Lat | None = None
    lon: Lon | None = None
    worker_id: UUID | None = None
    """Only when an operator checks a worker in on their behalf."""
    presence_code: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{6}$")] | None = None
    """The six digits on the station's wall screen: proof of presence instead of a location."""

    def __post_init__(self) -> None:
        from gigstation.platform.types import rule_violation

        if self.available_until.tzinfo is None:
            raise rule_violation("available_until", "时间须带时区", "must include a UTC offset")
        if (self.lat is None) != (self.lon is None):
            raise rule_violation("lon" if self.lon is None else "lat", "经纬度须同时提供",
                                 "lat and lon go together")


class CheckinView(msgspec.Struct, frozen=True):
    id: UUID
    worker_id: UUID
    station_id: UUID
    status: Literal["waiting", "left"]
    distance_m: int | None
    by_operator: bool
    available_until: datetime
    max_distance_m: int
    checked_in_at: datetime
    left_at: datetime | None


_COLUMNS = """id, worker_id, station_id, status, distance_m, by_operator IS NOT NULL AS by_operator,
available_until, max_distance_m, checked_in_at, left_at"""
# One round trip for the check-in and its audit row (the same row audit.record writes):
# the hot path of the station's morning rush (bench/RESULTS.md). A missing worker is
# caught by the foreign key instead of a separate existence query.
_INSERT = f"""
WITH c AS (
    INSERT INTO checkins (worker_id, station_id, lat, lon, distance_m, by_operator,
                          available_until, max_distance_m)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {_COLUMNS}
), a AS (
    INSERT INTO audit_log (actor_id, action, object_type, object_id, details)
    SELECT $9, 'checkin.create', 'checkin', c.id::text, $10::jsonb FROM c
)
SELECT * FROM c
"""
_WORKER_FK = "checkins_worker_id_fkey"
# The end of the worker's accepted work still to come (the snapshot offers a worker only
# what starts after it).
_BUSY_UNTIL = """
SELECT max(ends_at) FROM assignments WHERE worker_id = $1 AND status = 'active' AND ends_at > $2
"""
_GET = f"SELECT {_COLUMNS} FROM checkins WHERE id = $1"

# A worker's self check-in by location, the morning rush's request, in ONE statement (no
# BEGIN/COMMIT needed: a statement is atomic): the account (active, a worker, the token's
# version: the check the auth middleware leaves to this statement), the station's radius,
# the end of the worker's accepted work, the insert and its audit row. Nothing is inserted unless every
# rule holds; the selected facts then say which one failed, in the order ``check_in``
# checks them. The distance is computed here (geopy, as everywhere) from the station's
# coordinates kept in memory, and the statement inserts only if the row still has those
# coordinates: computing it in SQL (great_circle_m) cost 200 µs of PostgreSQL CPU per
# check-in (bench/RESULTS.md).
_SELF_CHECK_IN = f"""
WITH u AS (
    SELECT role, token_version, disabled_at IS NULL AS active,
           ARRAY(SELECT jti FROM revoked_tokens WHERE user_id = $1 AND expires_at > now()) AS revoked
    FROM users WHERE id = $1
), s AS (
    SELECT id, service_radius_m, lat = $9::float8 AND lon = $10::float8 AS same_place
    FROM stations WHERE id = $2
), b AS (
    SELECT max(ends_at) AS busy_until FROM assignments
    WHERE worker_id = $1 AND status = 'active' AND ends_at > $7::timestamptz
), c AS (
    INSERT INTO checkins (worker_id, station_id, lat, lon, distance_m, by_operator,
                          available_until, max_distance_m)
    SELECT $1::uuid, s.id, $3::float8, $4::float8, $11::int, NULL, $5::timestamptz, $6::int FROM u, s, b
    WHERE u.active AND u.role = 'worker' AND u.token_version = $12 AND s.same_place
      AND ($13::uuid IS NULL OR $13::uuid <> ALL(u.revoked))
      AND $5::timestamptz > $7::timestamptz AND $5::timestamptz <= $7::timestamptz + interval '24 hours'
      AND $11::int <= s.service_radius_m AND (b.busy_until IS NULL OR $5::timestamptz > b.busy_until)
    RETURNING {_COLUMNS}
), a AS (
    INSERT INTO audit_log (actor_id, action, object_type, object_id, details)
    SELECT $1::uuid, 'checkin.create', 'checkin', c.id::text, $8::jsonb FROM c
)
SELECT u.role AS account_role, u.token_version AS account_version, u.active AS account_active,
       u.revoked AS account_revoked, s.id IS NOT NULL AS station_found, s.same_place, s.service_radius_m,
       b.busy_until, c.*
FROM b LEFT JOIN u ON true LEFT JOIN s ON true LEFT JOIN c ON true
"""
_STATION_PLACE = "SELECT lat, lon FROM stations WHERE id = $1"
_PLACES: dict[UUID, tuple[float, float]] = {}
"""Stations' coordinates seen by this process (a station moves rarely; the statement
checks them, so a moved station costs one more round trip, never a wrong distance)."""
_PLACES_MAX = 20_000
_SELF_DETAILS = {"by_operator": False, "proof": "location"}


async def check_in(
    conn: asyncpg.Connection[Any], who: Principal, data: CheckinCreate, now: datetime
) -> CheckinView:
    """Start waiting at a station; one open check-in per worker (a unique index).

    Atomic on its own: a connection outside a transaction gets one (or, for a worker's
    self check-in by location, a single statement)."""
    if (who.role == "worker" and data.presence_code is None and data.lat is not None
            and data.lon is not None and data.worker_id in (None, who.user_id)):
        return await _self_check_in(conn, who, data, now, data.lat, data.lon)
    if not who.account_checked:
        await check_account(conn, who)
    if conn.is_in_transaction():
        return await _check_in(conn, who, data, now)
    async with conn.transaction():
        return await _check_in(conn, who, data, now)


async def _self_check_in(
    conn: asyncpg.Connection[Any], who: Principal, data: CheckinCreate, now: datetime, lat: float, lon: float
) -> CheckinView:
    details = {"station_id": str(data.station_id), **_SELF_DETAILS}
    worker_id = who.user_id
    for _ in range(2):
        place = _PLACES.get(data.station_id) or await _load_place(conn, data.station_id)
        dist = distance_m(lat, lon, *place)
        try:
            row = await conn.fetchrow(_SELF_CHECK_IN, worker_id, data.station_id, lat, lon,
                                      data.available_until, data.max_distance_m, now, details, *place, dist,
                                      who.token_version, who.token_id)
        except asyncpg.UniqueViolationError as exc:
            raise conflict_from(exc) from exc
        except asyncpg.ForeignKeyViolationError as exc:
            if exc.constraint_name == _WORKER_FK:
                raise NotFound("劳动者不存在", "no such worker") from exc
            raise
        assert row is not None  # b is one aggregate row
        if row["id"] is not None:
            return msgspec.convert({k: row[k] for k in _VIEW_FIELDS}, CheckinView)
        check_account_state(who, None if row["account_role"] is None else AccountState(
            row["account_role"], row["account_version"], row["account_active"],
            frozenset(row["account_revoked"])))
        if not row["station_found"]:
            _PLACES.pop(data.station_id, None)
            raise NotFound("驿站不存在", "no such station")
        if row["same_place"]:
            break
        _PLACES.pop(data.station_id, None)  # the station moved: measure again from its new place
    else:
        raise Conflict("驿站位置刚刚更改，请重试", "the station's place just changed; try again",
                       code="station_moved")
    _check_window(data, now)
    if dist > row["service_radius_m"]:
        raise _too_far(dist, row["service_radius_m"])
    raise _busy_until(row["busy_until"])


async def _load_place(conn: asyncpg.Connection[Any], station_id: UUID) -> tuple[float, float]:
    row = await conn.fetchrow(_STATION_PLACE, station_id)
    if row is None:
        raise NotFound("驿站不存在", "no such station")
    if len(_PLACES) >= _PLACES_MAX:
        _PLACES.clear()
    _PLACES[station_id] = (row["lat"], row["lon"])
    return row["lat"], row["lon"]


_VIEW_FIELDS = tuple(f.name for f in msgspec.structs.fields(CheckinView))


def _check_window(data: CheckinCreate, now: datetime) -> None:
    if data.available_until <= now:
        raise Invalid.of_field("available_until", "空闲截止时间须晚于现在", "must be in the future")
    if data.available_until > now + MAX_AVAILABILITY:
        raise Invalid.of_field("available_until", "空闲时间最多24小时", "at most 24 hours ahead")


def _too_far(dist: int, radius: int) -> Invalid:
    return Invalid.of_field(
        "lat",
        f"您距离驿站 {dist} 米，须在 {radius} 米范围内签到",
        f"you are {dist} m from the station; check-in needs to be within {radius} m",
    )


async def _check_in(
    conn: asyncpg.Connection[Any], who: Principal, data: CheckinCreate, now: datetime
) -> CheckinView:
    station = await get_station(conn, data.station_id)
    _check_window(data, now)
    lat, lon, dist = data.lat, data.lon, None
    if who.role == "worker":
        if data.worker_id not in (None, who.user_id):
            raise Forbidden("只能为自己签到", "workers check in only themselves")
        worker_id = who.user_id
        if data.presence_code is not None:
            # The screen's code proves presence; the location is then neither needed nor kept.
            await presence.verify_code(conn, worker_id, data.station_id, data.presence_code, now)
            lat = lon = None
        elif lat is None or lon is None:
            raise Invalid.of_field("lat", "自助签到需要手机定位，或输入驿站屏幕上的签到码",
                                   "self check-in needs the phone's location or the code on the "
                                   "station's screen")
        else:
            dist = distance_m(lat, lon, station.lat, station.lon)
            if dist > station.service_radius_m:
                raise _too_far(dist, station.service_radius_m)
        by_operator = None
    elif who.role == "operator":
        if data.station_id not in await operator_station_ids(conn, who.user_id):
            raise NotFound("驿站不存在", "no such station")
        if data.worker_id is None:
            raise Invalid.of_field("worker_id", "请指定劳动者", "name the worker to check in")
        worker_id = data.worker_id
        # The operator vouches for presence: location is neither needed nor stored.
        lat = lon = None
        by_operator = who.user_id
    else:
        raise Forbidden("无权签到", "this role cannot check in")
    busy_until = await conn.fetchval(_BUSY_UNTIL, worker_id, now)
    if busy_until is not None and data.available_until <= busy_until:
        # A waiting worker is offered only work that starts after their accepted work ends;
        # an availability ending first could never be matched (and once broke the run).
        raise _busy_until(busy_until)
    proof = "operator" if by_operator else "presence_code" if data.presence_code is not None else "location"
    details = {"station_id": str(data.station_id), "by_operator": by_operator is not None, "proof": proof}
    try:
        row = await conn.fetchrow(_INSERT, worker_id, data.station_id, lat, lon, dist, by_operator,
                                  data.available_until, data.max_distance_m, who.user_id, details)
    except asyncpg.UniqueViolationError as exc:
        raise conflict_from(exc) from exc
    except asyncpg.ForeignKeyViolationError as exc:
        if exc.constraint_name == _WORKER_FK:
            raise NotFound("劳动者不存在", "no such worker") from exc
        raise
    assert row is not None  # INSERT ... RETURNING always returns the row
    return msgspec.convert(dict(row), CheckinView)


def _busy_until(busy_until: datetime) -> Invalid:
    local = busy_until.astimezone(_SHANGHAI)
    at = f"{local:%m-%d %H:%M}"
    error = Invalid.of_field(
        "available_until",
        f"您已接受的工作到 {at} 才结束，空闲截止时间须晚于此时间（可在工作结束后再签到）",
        f"your accepted work ends at {at} (UTC+8); the availability must end after it "
        "(or check in again once that work is done)")
    error.code = "busy_until"
    return error


async def get_checkin(conn: asyncpg.Connection[Any], who: Principal, checkin_id: UUID) -> CheckinView:
    """A check-in its worker, the station's operators or an admin may see."""
    row = await conn.fetchrow(_GET, checkin_id)
    if row is not None:
        checkin = msgspec.convert(dict(row), CheckinView)
        if (
            who.role == "admin"
            or (who.role == "worker" and checkin.worker_id == who.user_id)
            or (who.role == "operator"
                and checkin.station_id in await operator_station_ids(conn, who.user_id))
        ):
            return checkin
    raise NotFound("签到记录不存在", "no such check-in")


_CHECKOUT = f"""
UPDATE checkins SET status = 'left', left_at = now() WHERE id = $1 AND status = 'waiting'
RETURNING {_COLUMNS}
"""


async def close_checkin(
    conn: asyncpg.Connection[Any], who: Principal, checkin_id: UUID
) -> tuple[CheckinView, bool]:
    """End waiting; True when this call closed it, False when it was closed already.

    Checking out as a whole (the person's live offers withdrawn too) is
    ``gigstation.work.checkout.check_out``: offers build on check-ins, not back.
    """
    checkin = await get_checkin(conn, who, checkin_id)
    row = await conn.fetchrow(_CHECKOUT, checkin_id)
    if row is None:
        return checkin, False
    await audit.record(conn, who.user_id, "checkin.checkout", "checkin", checkin_id)
    return msgspec.convert(dict(row), CheckinView), True
