"""A whole day through the API, and the station's report checked figure by figure."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from gigstation.platform.clock import today
from gigstation.platform.config import Settings
from tests.api.conftest import API, Api, bearer, evidence
from tests.api.test_assignments import act, dispatch, work_started, young_id
from tests.api.test_validation import problem


async def _set_times(db: asyncpg.Connection[Any], table: str, column: str,
                     times: dict[str, datetime]) -> None:
    for key, at in times.items():
        await db.execute(f"UPDATE {table} SET {column} = $2 WHERE id = $1", uuid.UUID(key), at)


async def test_a_whole_day(api: Api, db: asyncpg.Connection[Any], settings: Settings) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    sid = station["id"]
    _, operator = await api.operator(admin, [sid])
    employer, et = await api.employer()
    loading = await api.order(et, headcount=2)
    forklift = await api.order(et, headcount=1, skill="forklift")  # nobody is certified
    moving = await api.order(et, headcount=1, skill="moving")
    veteran, t1 = await api.worker(id_number=young_id())
    younger, t2 = await api.worker(id_number=young_id())
    older, t3 = await api.worker()  # born 1975: in the age-50 priority group, but declines
    r = await api.client.put(f"{API}/workers/{veteran['id']}/priority-groups",
                             headers=bearer(operator), json={"groups": [evidence("veteran")]})
    assert r.status_code == 200, r.text
    checkins = [await api.checkin(t, sid) for t in (t1, t2, t3)]
    for worker, order in ((veteran, loading), (younger, loading), (older, moving)):
        r = await api.client.post(f"{API}/stations/{sid}/pairings", headers=bearer(operator),
                                  json={"worker_id": worker["id"], "order_id": order["id"],
                                        "kind": "pin"})
        assert r.status_code == 201, r.text

    run = await dispatch(api, operator, sid)
    assert sorted((o["worker_id"], o["order_id"]) for o in run["offers"]) == sorted(
        [(veteran["id"], loading["id"]), (younger["id"], loading["id"]),
         (older["id"], moving["id"])])
    assert [u["order_id"] for u in run["unfilled"]] == [forklift["id"]]

    offers = {}
    for token in (t1, t2, t3):
        r = await api.client.get(f"{API}/offers", headers=bearer(token))
        [offers[token]] = r.json()
    a1 = (await api.client.post(f"{API}/offers/{offers[t1]['id']}/accept", headers=bearer(t1))).json()
    a2 = (await api.client.post(f"{API}/offers/{offers[t2]['id']}/accept", headers=bearer(t2))).json()
    r = await api.client.post(f"{API}/offers/{offers[t3]['id']}/decline", headers=bearer(t3))
    assert r.status_code == 200
    r = await api.client.get(f"{API}/orders/{loading['id']}", headers=bearer(et))
    assert r.json()["status"] == "full"

    await work_started(db, loading["id"])
    for a in (a1, a2):
        assert (await act(api, et, a["id"], "complete", {"hours": 4})).status_code == 200
        assert (await act(api, et, a["id"], "paid", {"amount_cents": 12000})).status_code == 200
    assert (await act(api, t1, a1["id"], "confirm-pay")).status_code == 200
    assert (await act(api, t2, a2["id"], "dispute", {"reason": "说好按天结算"})).status_code == 200
    assert (await act(api, t1, a1["id"], "rating", {"stars": 5, "comment": "好老板"})).status_code == 201
    assert (await act(api, et, a1["id"], "rating", {"stars": 4})).status_code == 201

    # Pin the clock-driven timestamps so the medians are known: the day starts at 01:00.
    zone = settings.timezone
    day = today(zone)
    t0 = datetime.combine(day, time(1, 0), tzinfo=ZoneInfo(zone))

    def at(minutes: int) -> datetime:
        return t0 + timedelta(minutes=minutes)

    await _set_times(db, "orders", "created_at", {o["id"]: at(0) for o in (loading, forklift, moving)})
    await _set_times(db, "checkins", "checked_in_at",
                     {c["id"]: at(m) for c, m in zip(checkins, (0, 10, 20), strict=True)})
    await _set_times(db, "offers", "created_at", {o["id"]: at(30) for o in run["offers"]})
    await _set_times(db, "assignments", "created_at", {a1["id"]: at(32), a2["id"]: at(40)})
    # The veteran's papers were seen before the day began (they count from then on).
    await db.execute("UPDATE priority_group_evidence SET recorded_at = $1", at(-60))

    r = await api.client.get(f"{API}/stations/{sid}/report?date={day.isoformat()}",
                             headers=bearer(operator))
    assert r.status_code == 200, r.text
    distances = [o["distance_m"] for o in run["offers"]]
    assert r.json() == {
        "station_id": sid, "day": day.isoformat(), "timezone": zone,
        "checkins": 3, "workers_checked_in": 3,
        "orders_posted": 3, "slots_posted": 4, "slots_filled": 2, "fill_rate": 0.5,
        "median_minutes_checkin_to_offer": 20.0,  # 30, 20 and 10 minutes
        "median_minutes_order_to_full": 40.0,  # only the loading order filled up
        "offers_made": 3, "offers_accepted": 2, "offers_declined": 1, "offers_expired": 0,
        "offers_withdrawn": 0, "offers_live": 0,
        "average_offer_distance_m": round(sum(distances) / 3, 2),
        "completed": 2, "no_shows": 0, "wages_paid_cents": 24000,
        "filled_by_priority_workers": 1, "priority_share": 0.5,
        "disputes_opened": 1,
    }
    # Without a date it is today; another day is empty.
    same = await api.client.get(f"{API}/stations/{sid}/report", headers=bearer(admin))
    assert same.json() == r.json()
    before = await api.client.get(f"{API}/stations/{sid}/report?date={day - timedelta(days=1)}",
                                  headers=bearer(operator))
    empty = before.json()
    assert (empty["checkins"], empty["slots_posted"], empty["fill_rate"]) == (0, 0, 0.0)
    assert empty["median_minutes_order_to_full"] is None
    assert empty["average_offer_distance_m"] is None
    # The worker's rating of the employer shows in the employer's record.
    boss = await api.client.get(f"{API}/employers/{employer['id']}/reliability",
                                headers=bearer(operator))
    assert (boss.json()["ratings_count"], boss.json()["average_stars"]) == (1, 5.0)


async def test_station_pages_access(api: Api) -> None:
    admin = await api.admin()
    a = await api.station(admin)
    b = await api.station(admin, lat=31.4, lon=121.4)
    _, op_a = await api.operator(admin, [a["id"]])
    _, op_b = await api.operator(admin, [b["id"]])
    _, worker = await api.worker()
    _, employer = await api.employer()
    for what in ("report", "complaints"):
        url = f"{API}/stations/{{}}/{what}"
        for token, status in ((admin, 200), (op_a, 200), (worker, 403), (employer, 403)):
            r = await api.client.get(url.format(a["id"]), headers=bearer(token))
            assert r.status_code == status, (what, r.text)
        assert (await api.client.get(url.format(a["id"]))).status_code == 401
        # Another station's operator learns nothing: the same 404 as for no station at all.
        other = await api.client.get(url.format(a["id"]), headers=bearer(op_b))
        unknown = await api.client.get(url.format(uuid.uuid4()), headers=bearer(op_b))
        assert other.status_code == unknown.status_code == 404, what
        assert other.json()["detail"] == unknown.json()["detail"]


async def test_report_date_must_be_a_date(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    for bad in ("2026-13-01", "yesterday", "2026-11-23T08:00:00+08:00"):
        r = await api.client.get(f"{API}/stations/{station['id']}/report?date={bad}",
                                 headers=bearer(admin))
        error = problem(r, 422, "date")
        assert error["reason_en"] == "must be a date, YYYY-MM-DD"
