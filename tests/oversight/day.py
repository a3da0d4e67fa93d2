"""A hand-built two-station day on a fixed date, driven through the API (whose handlers
call the services), then pinned to known times so every figure can be worked by hand."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from tests.api.conftest import API, Api, bearer, evidence
from tests.api.test_assignments import act, dispatch, work_started, young_id

DAY = date(2026, 11, 20)
ZONE = "Asia/Shanghai"
B_LAT, B_LON = 31.4, 121.4


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(ZONE))


@dataclass
class Day:
    admin: str
    a: dict[str, Any]
    b: dict[str, Any]
    op_a: str
    op_b: str
    employer: dict[str, Any]
    workers: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    assignments: dict[str, dict[str, Any]] = field(default_factory=dict)


async def _pin(db: asyncpg.Connection[Any], table: str, key: str, **columns: datetime) -> None:
    sets = ", ".join(f"{c} = ${i + 2}" for i, c in enumerate(columns))
    await db.execute(f"UPDATE {table} SET {sets} WHERE id = $1", uuid.UUID(key), *columns.values())


async def _pin_checkins(db: asyncpg.Connection[Any], worker_id: str, station_id: str, when: datetime) -> None:
    await db.execute("UPDATE checkins SET checked_in_at = $3 WHERE worker_id = $1 AND station_id = $2",
                     uuid.UUID(worker_id), uuid.UUID(station_id), when)


async def _accept(api: Api, token: str) -> dict[str, Any]:
    r = await api.client.get(f"{API}/offers", headers=bearer(token))
    [offer] = r.json()
    a = await api.client.post(f"{API}/offers/{offer['id']}/accept", headers=bearer(token))
    assert a.status_code == 200, a.text
    return dict(a.json())


async def _pairing(api: Api, op: str, sid: str, worker: str, order: str, kind: str = "pin") -> None:
    r = await api.client.post(f"{API}/stations/{sid}/pairings", headers=bearer(op),
                              json={"worker_id": worker, "order_id": order, "kind": kind})
    assert r.status_code == 201, r.text


async def build_day(api: Api, db: asyncpg.Connection[Any]) -> Day:
    """Station A: three workers fill three places (one veteran with valid evidence, one
    whose disability evidence expired in 2021); station B: a 51-year-old fills one of
    two places. See tests/oversight/test_performance.py for the figures."""
    admin = await api.admin()
    a = await api.station(admin)
    b = await api.station(admin, lat=B_LAT, lon=B_LON)
    _, op_a = await api.operator(admin, [a["id"]])
    _, op_b = await api.operator(admin, [b["id"]])
    employer, et = await api.employer()
    day = Day(admin, a, b, op_a, op_b, employer)
    for name in ("w1", "w2", "w3"):
        day.workers[name] = await api.worker(id_number=young_id())
    day.workers["w4"] = await api.worker()  # born 1975: 51 on the day
    w = {k: v[0]["id"] for k, v in day.workers.items()}
    # Someone already 50 is stored as "50 from the month of registration"; the day is
    # pinned in the past, so w4 registers as of the day's month, not today's.
    await db.execute("UPDATE workers SET priority_age_from = $2 WHERE user_id = $1",
                     uuid.UUID(w["w4"]), DAY.replace(day=1))
    t = {k: v[1] for k, v in day.workers.items()}
    for worker, entry in (
        ("w1", evidence("veteran", evidence_type="退役军人优待证", evidence_date="2025-01-01")),
        ("w3", evidence("disability", evidence_type="残疾人证")),
    ):
        r = await api.client.put(f"{API}/workers/{w[worker]}/priority-groups", headers=bearer(op_a),
                                 json={"groups": [entry]})
        assert r.status_code == 200, r.text
    # The veteran's papers were seen before the day; the disability card was seen in 2020
    # and expired at the end of 2021-01-01 (an expired card cannot be recorded today).
    await db.execute("UPDATE priority_group_evidence SET recorded_at = $2 WHERE worker_id = $1",
                     uuid.UUID(w["w1"]), at(7, day=date(2025, 1, 1)))
    await db.execute("UPDATE priority_group_evidence SET evidence_date = '2020-01-01', recorded_at = $2, "
                     "expires_on = '2021-01-01', expires_at = $3 WHERE worker_id = $1", uuid.UUID(w["w3"]),
                     at(9, day=date(2020, 1, 1)), at(0, day=date(2021, 1, 2)))

    loading = await api.order(et, headcount=2)
    moving = await api.order(et, headcount=1, skill="moving")
    far = await api.order(et, headcount=2, lat=B_LAT + 0.001, lon=B_LON + 0.001)
    assert {loading["station_id"], moving["station_id"], far["station_id"]} == {a["id"], b["id"]}
    assert far["station_id"] == b["id"]

    for name in ("w1", "w2", "w3"):
        await api.checkin(t[name], a["id"])
    for worker, order in (("w1", loading), ("w2", loading), ("w3", moving)):
        await _pairing(api, op_a, a["id"], w[worker], order["id"])
    await dispatch(api, op_a, a["id"])
    for name in ("w1", "w2", "w3"):
        day.assignments[name] = await _accept(api, t[name])

    await api.client.post(f"{API}/checkins/{(await _open_checkin(db, w['w2']))}/checkout",
                          headers=bearer(t["w2"]))
    await api.checkin(t["w4"], b["id"], lat=B_LAT, lon=B_LON)
    await api.checkin(t["w2"], b["id"], lat=B_LAT, lon=B_LON)
    await _pairing(api, op_b, b["id"], w["w4"], far["id"])
    await _pairing(api, op_b, b["id"], w["w2"], far["id"], "forbid")
    await dispatch(api, op_b, b["id"])
    day.assignments["w4"] = await _accept(api, t["w4"])

    aid = {k: v["id"] for k, v in day.assignments.items()}
    for order in (loading, moving, far):  # work is completed only once it has started
        await work_started(db, order["id"])
    for name, cents in (("w1", 12000), ("w2", 12000), ("w4", 15000)):
        assert (await act(api, et, aid[name], "complete", {"hours": 4})).status_code == 200
        assert (await act(api, et, aid[name], "paid", {"amount_cents": cents})).status_code == 200
    for name in ("w1", "w4"):
        assert (await act(api, t[name], aid[name], "confirm-pay")).status_code == 200
    assert (await act(api, t["w2"], aid["w2"], "dispute", {"reason": "少付了"})).status_code == 200
    for name, stars in (("w1", 5), ("w2", 3), ("w4", 4)):
        r = await act(api, t[name], aid[name], "station-rating", {"stars": stars})
        assert r.status_code == 201, r.text

    # Pin every clock-driven time to the fixed day.
    for order, posted in ((loading, at(8)), (moving, at(8)), (far, at(9))):
        await _pin(db, "orders", order["id"], created_at=posted, starts_at=at(10), ends_at=at(14))
    await _pin_checkins(db, w["w1"], a["id"], at(8, 0))
    await _pin_checkins(db, w["w2"], a["id"], at(8, 10))
    await _pin_checkins(db, w["w3"], a["id"], at(8, 15))
    await _pin_checkins(db, w["w4"], b["id"], at(9, 0))
    await _pin_checkins(db, w["w2"], b["id"], at(9, 5))
    for name, made in (("w1", at(8, 32)), ("w2", at(8, 40)), ("w3", at(8, 50)), ("w4", at(9, 30))):
        await _pin(db, "assignments", aid[name], created_at=made, starts_at=at(10), ends_at=at(14))
    for name in ("w1", "w2", "w4"):
        await _pin(db, "assignments", aid[name], completed_at=at(14, 30), paid_at=at(15))
    for name in ("w1", "w4"):
        await _pin(db, "assignments", aid[name], pay_confirmed_at=at(16))
    await _pin(db, "assignments", aid["w2"], disputed_at=at(17))
    await db.execute("UPDATE station_ratings SET created_at = $1", at(18))
    return day


async def _open_checkin(db: asyncpg.Connection[Any], worker_id: str) -> str:
    found = await db.fetchval("SELECT id FROM checkins WHERE worker_id = $1 AND status = 'waiting'",
                              uuid.UUID(worker_id))
    return str(found)


def plus(days: int) -> date:
    return DAY + timedelta(days=days)
