"""A small simulated day through the real services and database, then its invariants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import msgspec

from gigstation.platform import clock
from gigstation.platform.config import Settings
from gigstation.sim.simulate import SimParams, SimResult, format_report, run_simulation
from tests.conftest import empty_tables

_OVERFILLED = """
SELECT o.id FROM orders o
WHERE o.filled > o.headcount
   OR o.filled <> (SELECT count(*) FROM assignments a WHERE a.order_id = o.id)
   OR (SELECT count(*) FROM assignments a WHERE a.order_id = o.id AND a.status <> 'cancelled')
      > o.headcount
"""
_DOUBLE_BOOKED = """
SELECT a.id, b.id FROM assignments a JOIN assignments b
  ON a.worker_id = b.worker_id AND a.id < b.id
 AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
WHERE a.status IN ('active', 'completed') AND b.status IN ('active', 'completed')
"""
_ACCEPTED_WITHOUT_ASSIGNMENT = """
SELECT f.id FROM offers f LEFT JOIN assignments a ON a.offer_id = f.id
WHERE (f.status = 'accepted') <> (a.id IS NOT NULL)
"""
_TABLE_COUNTS = """
SELECT (SELECT count(*) FROM checkins)::int AS checkins,
       (SELECT count(*) FROM orders)::int AS orders_posted,
       (SELECT coalesce(sum(headcount), 0) FROM orders)::int AS slots_posted,
       (SELECT count(*) FROM assignments WHERE status IN ('active', 'completed', 'no_show'))::int
           AS slots_filled,
       (SELECT count(*) FROM offers)::int AS offers_made,
       (SELECT count(*) FROM offers WHERE status = 'accepted')::int AS offers_accepted,
       (SELECT count(*) FROM offers WHERE status = 'declined')::int AS offers_declined,
       (SELECT count(*) FROM offers WHERE status = 'expired')::int AS offers_expired,
       (SELECT count(*) FROM assignments WHERE status = 'completed')::int AS completed,
       (SELECT count(*) FROM assignments WHERE status = 'no_show')::int AS no_shows,
       (SELECT coalesce(sum(paid_cents), 0) FROM assignments)::bigint AS wages_paid_cents,
       (SELECT count(DISTINCT worker_id) FROM checkins)::int AS workers_checked_in
"""


async def _simulate(settings: Settings) -> SimResult:
    return await run_simulation(settings, SimParams(workers=40, stations=2, seed=3, dispute_p=0.3))


async def test_a_simulated_day_keeps_every_invariant(
    settings: Settings, db: asyncpg.Connection[Any]
) -> None:
    result = await _simulate(settings)

    assert await db.fetch(_OVERFILLED) == []
    assert await db.fetch(_DOUBLE_BOOKED) == []
    assert await db.fetch(_ACCEPTED_WITHOUT_ASSIGNMENT) == []
    # Every order was posted on the simulated day and dispatched by one of its stations.
    counts = dict(await db.fetchrow(_TABLE_COUNTS))  # type: ignore[arg-type]
    for key, value in counts.items():
        assert result.district[key] == value, key
    assert sum(r.checkins for r in result.stations) == counts["checkins"]
    # The day really happened: people checked in, were matched, worked and were paid.
    assert counts["workers_checked_in"] == 40
    assert result.timings.dispatch_runs > 0
    assert 0 < result.district["fill_rate"] <= 1
    assert counts["offers_accepted"] > 0 and counts["wages_paid_cents"] > 0
    assert await db.fetchval("SELECT count(*) FROM ratings") == result.ratings
    # Rows carry simulated times: nothing the day wrote kept the database's wall clock.
    for table, column in (("offers", "created_at"), ("checkins", "checked_in_at"),
                          ("assignments", "created_at"), ("dispatch_runs", "started_at")):
        assert await db.fetchval(
            f"SELECT count(*) FROM {table} WHERE ({column} AT TIME ZONE 'Asia/Shanghai')::date <> $1",
            result.day) == 0, table
    text = format_report(result)
    assert "District" in text and "fill rate" in text
    # Priority-group outcomes and people without a phone are part of the day.
    o = result.outcomes
    assert o["cases"] > 0 and o["follow_ups"] == await db.fetchval("SELECT count(*) FROM priority_followups")
    assert o["phoneless"] == await db.fetchval("SELECT count(*) FROM users WHERE role = 'worker' AND phone IS NULL") > 0
    assert await db.fetchval("SELECT count(*) FROM checkins c JOIN users u ON u.id = c.worker_id "
                             "WHERE u.phone IS NULL AND c.by_operator IS NOT NULL") == o["phoneless"]
    assert "按期就业率" in text and "无手机" in text
    # Wage complaints are answered by the employer and closed by the station within the day.
    closed = await db.fetchval("SELECT count(*) FROM assignments WHERE dispute_resolved_at IS NOT NULL "
                               "AND disputed_at IS NOT NULL")
    assert o["complaints_closed"] == closed and o["complaints_closed_on_time"] <= closed
    assert closed > 0  # the day has complaints (dispute_p=0.3), some closed before it ends
    assert await db.fetchval("SELECT count(*) FROM complaint_events WHERE kind = 'closed'") == closed
    assert "按期办结率" in text
    msgspec.json.encode(result)  # the result is plain data



def _figures(result: SimResult) -> Any:
    return (msgspec.to_builtins(result.stations), result.district, result.accept_conflicts,
            result.ratings, result.contests)


async def test_the_same_seed_gives_the_same_figures(settings: Settings, db: asyncpg.Connection[Any]) -> None:
    day = clock.today(settings.timezone) + timedelta(days=2)
    params = SimParams(workers=40, stations=2, seed=5, day=day)
    first = await run_simulation(settings, params)
    await empty_tables(db)
    second = await run_simulation(settings, params)
    assert _figures(first) == _figures(second)
    assert first.timings.offers_made == second.timings.offers_made
