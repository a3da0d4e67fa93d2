"""Fault 1 of issue 8: one person's row can never halt dispatch for a whole station."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from gigstation.platform import clock
from gigstation.platform.config import Settings
from gigstation.platform.db import connect_pool
from gigstation.work.dispatch import dispatch_station
from tests.api import seed
from tests.api.conftest import API, Api, bearer
from tests.api.test_assignments import dispatch, staffed


async def test_a_check_in_ending_before_an_accepted_job_is_refused_and_dispatch_still_runs(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    job = await staffed(api)  # the worker accepted a job that ends in six hours
    _, token = job.workers[0]
    job_end = job.assignments[0]["ends_at"]
    soon = (clock.now() + timedelta(hours=1)).isoformat()
    r = await api.client.post(f"{API}/checkins", headers=bearer(token), json={
        "station_id": job.station["id"], "lat": 31.151, "lon": 121.117, "available_until": soon})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "busy_until", r.json()
    [error] = r.json()["errors"]
    assert error["field"] == "available_until", error
    assert "已接受" in error["reason"] and "accepted" in error["reason_en"]
    # Such a row may still be in the database (written before this rule, or by hand): the
    # station's dispatch answers all the same, leaving that worker out of the run.
    await db.execute(
        "INSERT INTO checkins (worker_id, station_id, available_until, max_distance_m) "
        "VALUES ($1, $2, now() + interval '1 hour', 10000)",
        uuid.UUID(job.workers[0][0]["id"]), uuid.UUID(job.station["id"]))
    other, other_token = await api.worker()
    await api.order(job.employer_token, headcount=1)
    await api.checkin(other_token, job.station["id"])
    run = await dispatch(api, job.operator, job.station["id"])
    assert [o["worker_id"] for o in run["offers"]] == [other["id"]]
    assert job_end  # the job itself is untouched
    r = await api.client.get(f"{API}/assignments/{job.assignments[0]['id']}", headers=bearer(token))
    assert r.json()["status"] == "active"


_TABLES = ("events", "audit_log", "assignments", "offers", "dispatch_runs", "pairings", "checkins",
           "orders", "worker_skills", "workers", "employers", "operator_stations", "stations", "users")
_instant = st.integers(min_value=-48 * 60, max_value=48 * 60).map(lambda m: timedelta(minutes=m))


@st.composite
def _odd_rows(draw: st.DrawFn) -> dict[str, Any]:
    """A handful of workers and orders whose rows obey the schema but not each other."""
    return {
        "workers": draw(st.lists(st.fixed_dictionaries({
            "until": _instant,
            "checked_in": _instant,
            "job": st.none() | st.tuples(_instant, st.integers(1, 12 * 60)),
            "max_distance_m": st.integers(100, 100_000),
            "skills": st.lists(st.sampled_from(["loading", "moving", "welding"]), max_size=2, unique=True),
            "pin": st.booleans(),
            "adult_from_years": st.none() | st.integers(-60, 3),
        }), max_size=5)),
        "orders": draw(st.lists(st.fixed_dictionaries({
            "start": _instant,
            "minutes": st.integers(1, 12 * 60),
            "headcount": st.integers(1, 200),
            "filled": st.integers(0, 200),
            # Within the 100 km the database lets an order lie from its station.
            "lat": st.floats(30.8, 31.5),
            "lon": st.floats(120.8, 121.5),
        }), min_size=1, max_size=4)),
        "ghost_pin": draw(st.booleans()),
    }


async def _write(db: asyncpg.Connection[Any], rows: dict[str, Any]) -> uuid.UUID:
    # DELETE, not TRUNCATE: a few rows per example, and TRUNCATE costs a lock and a file swap per table.
    # The evidence tables refuse DELETE (append-only triggers); TRUNCATE is what empties them.
    await db.execute("TRUNCATE agreements, hours_events, hours_slip_codes")
    for table in _TABLES:
        await db.execute(f"DELETE FROM {table}")
    station = await seed.station(db)
    employer = await seed.employer(db)
    now = clock.now()
    order_ids = []
    for o in rows["orders"]:
        headcount = o["headcount"]
        order_ids.append(await db.fetchval(
            "INSERT INTO orders (employer_id, station_id, title, skill, headcount, filled, starts_at, "
            "ends_at, lat, lon, address, pay_cents, pay_unit) VALUES ($1, $2, '装卸', 'loading', $3, $4, "
            "$5, $6, $7, $8, '仓库', 3000, 'hour') RETURNING id",
            employer, station, headcount, min(o["filled"], headcount), now + o["start"],
            now + o["start"] + timedelta(minutes=o["minutes"]), o["lat"], o["lon"]))
    operator = await db.fetchval(
        "INSERT INTO users (role, phone, password_hash, name) VALUES ('operator', '13900000001', 'x', '专员') "
        "RETURNING id")
    for i, w in enumerate(rows["workers"]):
        [worker] = await seed.workers(db, 1, None, tuple(w["skills"]) or ("loading",))
        await db.execute("UPDATE users SET phone = $2 WHERE id = $1", worker, f"1581{i:07d}")
        if w["adult_from_years"] is not None:
            await db.execute("UPDATE workers SET adult_from = month_up((now() + make_interval(years => $2))::date) "
                             "WHERE user_id = $1", worker, w["adult_from_years"])
        await db.execute(
            "INSERT INTO checkins (worker_id, station_id, available_until, max_distance_m, checked_in_at) "
            "VALUES ($1, $2, $3, $4, $5)", worker, station, now + w["until"], w["max_distance_m"],
            now + w["checked_in"])
        if w["job"] is not None:
            start, minutes = w["job"]
            await _assign(db, station, order_ids[0], worker, now + start, now + start + timedelta(minutes=minutes))
        if w["pin"]:
            await db.execute(
                "INSERT INTO pairings (station_id, worker_id, order_id, kind, created_by) "
                "VALUES ($1, $2, $3, 'pin', $4)", station, worker, order_ids[-1], operator)
    if rows["ghost_pin"]:  # a pin to a worker who is not in the room
        [ghost] = await seed.workers(db, 1, None)
        await db.execute("UPDATE users SET phone = '15899999999' WHERE id = $1", ghost)
        await db.execute(
            "INSERT INTO pairings (station_id, worker_id, order_id, kind, created_by) "
            "VALUES ($1, $2, $3, 'pin', $4)", station, ghost, order_ids[0], operator)
    return station


async def _assign(db: asyncpg.Connection[Any], station: uuid.UUID, order: uuid.UUID, worker: uuid.UUID,
                  start: Any, end: Any) -> None:
    run = await db.fetchval("INSERT INTO dispatch_runs (station_id, trigger, stats, unfilled) "
                            "VALUES ($1, 'auto', '{}', '[]') RETURNING id", station)
    offer = await db.fetchval(
        "INSERT INTO offers (run_id, station_id, order_id, worker_id, distance_m, priority, expires_at, status) "
        "VALUES ($1, $2, $3, $4, 0, 0, now(), 'accepted') RETURNING id", run, station, order, worker)
    await db.execute(
        "INSERT INTO assignments (offer_id, order_id, worker_id, worker_no, starts_at, ends_at) "
        "SELECT $1, $2, $3, worker_no, $4, $5 FROM workers WHERE user_id = $3",
        offer, order, worker, start, end)


async def _example(db: asyncpg.Connection[Any], pool: asyncpg.Pool[Any], settings: Settings,
                   rows: dict[str, Any]) -> None:
    zone = settings.timezone
    station = await _write(db, rows)
    result = await dispatch_station(pool, settings, station, None, now=clock.now(),
                                    day_start=clock.day_start(zone), today=clock.today(zone))
    assert len({o.worker_id for o in result.offers}) == len(result.offers)  # one offer each
    assert result.stats.orders <= len(rows["orders"])


def test_dispatch_answers_whatever_rows_the_database_holds(database_url: str, settings: Settings) -> None:
    loop = asyncio.new_event_loop()
    db = loop.run_until_complete(asyncpg.connect(database_url))
    pool = loop.run_until_complete(connect_pool(database_url, min_size=1, max_size=2))

    @hsettings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rows=_odd_rows())
    def example(rows: dict[str, Any]) -> None:
        loop.run_until_complete(_example(db, pool, settings, rows))

    try:
        example()
    finally:
        loop.run_until_complete(pool.close())
        loop.run_until_complete(db.close())
        loop.close()
