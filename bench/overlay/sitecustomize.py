"""Bench-only overlay, loaded through PYTHONPATH by configs with flags (src is untouched).

``BENCH_PATCHES`` (comma list) selects what to patch in the *server* process:

(The former ``async_guards`` experiment was adopted in src/gigstation/api/security.py and
api/app.py after it measured -8% server CPU per request; see RESULTS.md.)
- ``old_checkin``: the check-in service as it was before the bench's change to
  src/gigstation/checkins.py (separate worker-exists query and audit insert), so the
  before/after can be measured side by side in one run.
"""

import os

_PATCHES = {p for p in os.environ.get("BENCH_PATCHES", "").split(",") if p}

if "old_checkin" in _PATCHES:
    import asyncpg
    import msgspec

    import gigstation.stations.checkins as _ck
    from gigstation.platform import audit
    from gigstation.platform.conflicts import conflict_from
    from gigstation.platform.errors import Forbidden, Invalid, NotFound
    from gigstation.platform.geo import distance_m
    from gigstation.stations.registry import get_station, operator_station_ids

    _OLD_INSERT = f"""
INSERT INTO checkins (worker_id, station_id, lat, lon, distance_m, by_operator, available_until,
                      max_distance_m)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {_ck._COLUMNS}
"""
    _IS_WORKER = "SELECT 1 FROM workers WHERE user_id = $1"

    async def _old_check_in(conn, who, data, now):
        station = await get_station(conn, data.station_id)
        if data.available_until <= now:
            raise Invalid.of_field("available_until", "空闲截止时间须晚于现在", "must be in the future")
        if data.available_until > now + _ck.MAX_AVAILABILITY:
            raise Invalid.of_field("available_until", "空闲时间最多24小时", "at most 24 hours ahead")
        lat, lon, dist = data.lat, data.lon, None
        if who.role == "worker":
            if data.worker_id not in (None, who.user_id):
                raise Forbidden("只能为自己签到", "workers check in only themselves")
            worker_id = who.user_id
            if lat is None or lon is None:
                raise Invalid.of_field("lat", "自助签到需要手机定位", "self check-in needs the phone's location")
            dist = distance_m(lat, lon, station.lat, station.lon)
            if dist > station.service_radius_m:
                raise Invalid.of_field("lat", "too far", "too far")
            by_operator = None
        elif who.role == "operator":
            if data.station_id not in await operator_station_ids(conn, who.user_id):
                raise NotFound("驿站不存在", "no such station")
            worker_id = data.worker_id
            lat = lon = None
            by_operator = who.user_id
        else:
            raise Forbidden("无权签到", "this role cannot check in")
        if await conn.fetchval(_IS_WORKER, worker_id) is None:
            raise NotFound("劳动者不存在", "no such worker")
        try:
            row = await conn.fetchrow(_OLD_INSERT, worker_id, data.station_id, lat, lon, dist,
                                      by_operator, data.available_until, data.max_distance_m)
        except asyncpg.UniqueViolationError as exc:
            raise conflict_from(exc) from exc
        checkin = msgspec.convert(dict(row), _ck.CheckinView)
        await audit.record(conn, who.user_id, "checkin.create", "checkin", checkin.id,
                           {"station_id": str(data.station_id), "by_operator": by_operator is not None})
        return checkin

    _ck.check_in = _old_check_in
