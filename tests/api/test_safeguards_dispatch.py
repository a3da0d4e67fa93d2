"""Dispatch and accept honour the safeguards: the 24-hour week with one employer
(Labour Contract Law art. 68), blocks either way, and no heavy labour for minors."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from gigstation.platform.clock import now
from gigstation.platform.config import Settings
from gigstation.platform.db import connect_pool, transaction
from gigstation.platform.errors import Conflict
from gigstation.work import dispatch, hours, offers
from tests.api import seed
from tests.api.test_minors import next_window

ZONE = "Asia/Shanghai"
TZ = ZoneInfo(ZONE)


@pytest.fixture
async def pool(database_url: str, db: asyncpg.Connection[Any]) -> AsyncIterator[asyncpg.Pool[Any]]:
    p = await connect_pool(database_url, min_size=1, max_size=4)
    try:
        yield p
    finally:
        await p.close()


async def run(pool: asyncpg.Pool[Any], settings: Settings, station: uuid.UUID) -> dispatch.DispatchRun:
    t = now()
    day = t.astimezone(TZ)
    return await dispatch.dispatch_station(
        pool, settings, station, None, now=t,
        day_start=datetime.combine(day.date(), datetime.min.time(), tzinfo=TZ), today=day.date())


def free_slots(order_start: datetime, order_end: datetime, n: int, length: timedelta,
               period: timedelta) -> list[datetime]:
    """``n`` starts of ``length``-long slots, one every ``period``, in the order's week and at
    least 24 hours from the order (so no 24 hours hold both a slot and the order: these tests
    are about the week, not the day's cap)."""
    ws = hours.week_start(order_start, TZ)
    out: list[datetime] = []
    t = ws
    while len(out) < n:
        if t + length <= order_start - timedelta(hours=24) or t >= order_end + timedelta(hours=24):
            out.append(t)
        t += period
        assert t < ws + timedelta(days=7), "the week is too full"
    return out


async def worked(db: asyncpg.Connection[Any], station: uuid.UUID, employer: uuid.UUID,
                 worker: uuid.UUID, starts: list[datetime], length: timedelta) -> None:
    """Completed past jobs of ``worker`` for ``employer`` (each its own order)."""
    for s in starts:
        oid = await seed.order(db, employer, station, 1, start=s, hours=1)
        await db.execute("UPDATE orders SET ends_at = $2, status = 'closed' WHERE id = $1", oid, s + length)
        (offer,) = await seed.offers(db, station, [(worker, oid)])
        await db.execute("UPDATE offers SET status = 'accepted' WHERE id = $1", offer)
        await db.execute(
            "INSERT INTO assignments (offer_id, order_id, worker_id, worker_no, starts_at, ends_at, status) "
            "SELECT $1, $2, $3, worker_no, $4, $5, 'completed' FROM workers WHERE user_id = $3",
            offer, oid, worker, s, s + length)


async def test_the_job_that_would_pass_24_hours_is_never_offered(
    pool: asyncpg.Pool[Any], db: asyncpg.Connection[Any], settings: Settings
) -> None:
    station = await seed.station(db)
    employer = await seed.employer(db)
    other = await seed.employer(db, phone="13700008888")
    start = now() + timedelta(hours=2)
    order = await seed.order(db, employer, station, headcount=3, start=start, hours=4)
    tired, at_edge, fresh = await seed.workers(db, 3, station)
    day, half = timedelta(hours=24), timedelta(hours=12)
    # 21 hours with this employer this week (7 a day): 4 more would make 25.
    await worked(db, station, employer, tired, free_slots(start, start + timedelta(hours=4), 3,
                                                          timedelta(hours=7), day), timedelta(hours=7))
    # 20 hours (4 every 12, never more than 8 in 24): 4 more is exactly 24, which the law allows.
    await worked(db, station, employer, at_edge, free_slots(start, start + timedelta(hours=4), 5,
                                                            timedelta(hours=4), half), timedelta(hours=4))
    # Hours with another employer do not count.
    await worked(db, station, other, fresh, free_slots(start, start + timedelta(hours=4), 3,
                                                       timedelta(hours=7), day), timedelta(hours=7))
    result = await run(pool, settings, station)
    offered = {o.worker_id for o in result.offers}
    assert offered == {at_edge, fresh}
    assert result.unfilled and result.unfilled[0].order_id == order
    # And accept refuses it even when an offer exists (made before the hours were worked).
    (offer_id,) = await seed.offers(db, station, [(tired, order)])
    async with transaction(pool) as conn:
        with pytest.raises(Conflict) as caught:
            await offers.accept_offer(conn, tired, offer_id, ZONE)
    assert caught.value.code == "weekly_hours_exceeded"
    assert "24" in caught.value.detail and "art. 68" in caught.value.detail_en


async def test_blocks_either_way_are_honoured_by_dispatch_and_accept(
    pool: asyncpg.Pool[Any], db: asyncpg.Connection[Any], settings: Settings
) -> None:
    station = await seed.station(db)
    employer = await seed.employer(db)
    order = await seed.order(db, employer, station, headcount=3)
    blocks_employer, blocked_by_employer, free = await seed.workers(db, 3, station)
    await db.execute("INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2), ($2, $3)",
                     blocks_employer, employer, blocked_by_employer)
    # An operator's pin does not override a block: it is dropped, the run goes on.
    operator = await db.fetchval("INSERT INTO users (role, phone, password_hash, name) "
                                 "VALUES ('operator', '13900007777', 'x', '专员') RETURNING id")
    await db.execute("INSERT INTO pairings (station_id, worker_id, order_id, kind, created_by) "
                     "VALUES ($1, $2, $3, 'pin', $4)", station, blocks_employer, order, operator)
    result = await run(pool, settings, station)
    assert {o.worker_id for o in result.offers} == {free}
    (offer_id,) = await seed.offers(db, station, [(blocks_employer, order)])
    async with transaction(pool) as conn:
        with pytest.raises(Conflict) as caught:
            await offers.accept_offer(conn, blocks_employer, offer_id, ZONE)
    assert caught.value.code == "blocked"


async def test_without_blocks_or_hours_everyone_is_offered(
    pool: asyncpg.Pool[Any], db: asyncpg.Connection[Any], settings: Settings
) -> None:
    """The control for the two tests above: the same room, no safeguard in play."""
    station = await seed.station(db)
    employer = await seed.employer(db)
    await seed.order(db, employer, station, headcount=3)
    workers = await seed.workers(db, 3, station)
    result = await run(pool, settings, station)
    assert {o.worker_id for o in result.offers} == set(workers)


async def test_a_16_year_old_is_never_matched_to_heavy_labour(
    pool: asyncpg.Pool[Any], db: asyncpg.Connection[Any], settings: Settings
) -> None:
    station = await seed.station(db)
    employer = await seed.employer(db)
    # Daylight hours: minors do no night work either (tests/api/test_minors.py).
    day, _ = next_window((8, 14), 4)
    heavy = await seed.order(db, employer, station, headcount=1, skill="loading", start=day)
    light = await seed.order(db, employer, station, headcount=1, skill="cleaning",
                             start=day + timedelta(minutes=30))
    (minor,) = await seed.workers(db, 1, station, skills=("loading", "cleaning"))
    # Only the first of the month the person turns 18 is stored (issue 8, fault 3).
    adult_from = (now().astimezone(TZ) + timedelta(days=2 * 366)).date().replace(day=1)
    await db.execute("UPDATE workers SET adult_from = $2 WHERE user_id = $1", minor, adult_from)
    await db.execute("UPDATE checkins SET available_until = now() + interval '23 hours'")
    result = await run(pool, settings, station)
    assert [(o.worker_id, o.order_id) for o in result.offers] == [(minor, light)]
    assert [u.order_id for u in result.unfilled] == [heavy]


def test_week_runs_monday_to_sunday_in_the_station_zone() -> None:
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=TZ)  # a Sunday
    assert hours.week_start(sunday_night, TZ) == datetime(2026, 11, 23, tzinfo=TZ)
    monday = datetime(2026, 11, 30, 0, 0, tzinfo=TZ)
    assert hours.week_start(monday, TZ) == monday
    # 16:00 UTC on Sunday is already Monday in Shanghai.
    assert hours.week_start(datetime(2026, 11, 29, 16, 0, tzinfo=ZoneInfo("UTC")), TZ) == monday


def test_a_job_across_sunday_midnight_counts_in_each_week_by_its_hours() -> None:
    monday = datetime(2026, 11, 30, tzinfo=TZ)
    earlier = [(monday - timedelta(days=6) + timedelta(hours=8 * i), monday - timedelta(days=6)
                + timedelta(hours=8 * i + 7)) for i in range(3)]  # 21 h in the first week
    # 3 h before midnight make 24 in the first week (allowed), 2 h after count in the next.
    assert not hours.would_exceed_week(earlier, (monday - timedelta(hours=3), monday + timedelta(hours=2)), TZ)
    # 4 h before midnight make 25 in the first week.
    assert hours.would_exceed_week(earlier, (monday - timedelta(hours=4), monday + timedelta(hours=1)), TZ)
    # The same 21 h in the next week push a job crossing into it over as well.
    following = [(a + timedelta(days=7), b + timedelta(days=7)) for a, b in earlier]
    assert hours.would_exceed_week(following, (monday - timedelta(hours=1), monday + timedelta(hours=4)), TZ)


def test_the_week_summary_averages_over_six_working_days_and_shows_the_longest_24_hours() -> None:
    monday = datetime(2026, 11, 30, 8, tzinfo=TZ)
    four_each = [(monday + timedelta(days=d), monday + timedelta(days=d, hours=4)) for d in range(3)]
    summary = hours.week_summary(four_each, monday, TZ)
    assert summary.average_per_day == 2.0 and summary.most_in_24h == 4.0 and not summary.over_daily_average
    # 24 hours in the week is the art. 68 average of 4 over its six working days, not above it.
    full = [(monday + timedelta(days=d), monday + timedelta(days=d, hours=4)) for d in range(6)]
    summary = hours.week_summary(full, monday, TZ)
    assert summary.hours == 24 and summary.average_per_day == 4.0 and not summary.over_daily_average
    # Two shifts either side of midnight: 8 hours in one calendar day each, 16 in 24 hours.
    evening = monday.replace(hour=16)
    late = [(evening, evening + timedelta(hours=8)), (evening + timedelta(hours=8), evening + timedelta(hours=16))]
    assert hours.week_summary(late, monday, TZ).most_in_24h == 16.0
    assert hours.would_exceed_day(late[:1], late[1], 8.0)
    assert not hours.would_exceed_day(late[:1], (late[1][0] + timedelta(hours=16), late[1][1] + timedelta(hours=16)),
                                      8.0)
