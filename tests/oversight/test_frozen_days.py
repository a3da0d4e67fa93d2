"""History stays history (issue 15, finding 13): a past day's figures do not change when
the retention purge anonymises the people in them, nor after renames or regrouping; the
purge still erases what it must."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from gigstation.oversight import retention
from gigstation.oversight.reports import station_report
from gigstation.platform.config import Settings
from gigstation.platform.db import connect_pool, transaction
from tests.api.conftest import API, Api, bearer, evidence
from tests.oversight.day import DAY, ZONE, build_day, plus

LATER = datetime.combine(plus(1200), time(3), tzinfo=ZoneInfo(ZONE))  # everyone inactive 3+ years


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "frozen_at"}


async def test_purge_renames_and_regrouping_leave_a_past_day_as_it_was(
    api: Api, db: asyncpg.Connection[Any], settings: Settings
) -> None:
    day = await build_day(api, db)
    a, b = day.a["id"], day.b["id"]
    url = f"{API}/stations/{a}/report?date={DAY}"
    before = (await api.client.get(url, headers=bearer(day.admin))).json()
    assert before["priority_share"] > 0
    # Station B's day is not read before the purge: the purge itself freezes it first.
    b_live = await station_report(db, uuid.UUID(b), DAY, ZONE)
    period = (await api.client.get(f"{API}/reports/district?from={DAY}&to={DAY}",
                                   headers=bearer(day.admin))).json()

    def lines(report: dict[str, Any]) -> list[dict[str, Any]]:
        return [{k: v for k, v in line.items() if k != "station_name"}
                for line in [*report["stations"], report["district"]]]

    # A rename, and three years on the purge anonymises the day's people who have no open matter.
    w1, w1_token = day.workers["w1"]
    assert (await api.client.patch(f"{API}/workers/me", headers=bearer(w1_token),
                                   json={"name": "改名了"})).status_code == 200
    await db.execute("UPDATE stations SET name = '新名字' WHERE id = $1", uuid.UUID(a))
    result = await _purge(settings, LATER)
    after = (await api.client.get(url, headers=bearer(day.admin))).json()
    assert _figures(after) == _figures(before)
    b_after = (await api.client.get(f"{API}/stations/{b}/report?date={DAY}", headers=bearer(day.admin))).json()
    assert _figures(b_after) == {k: v for k, v in _json(b_live).items() if k != "frozen_at"}
    period_after = (await api.client.get(f"{API}/reports/district?from={DAY}&to={DAY}",
                                         headers=bearer(day.admin))).json()
    assert lines(period_after) == lines(period)
    # The purge still erased what it must.
    assert result.workers_anonymised == 2 and result.days_frozen >= 1  # B's day at least (A's was read)
    gone = await db.fetchval("SELECT count(*) FROM workers WHERE id_masked = '已注销' AND priority_groups = '{}' "
                             "AND priority_age_from IS NULL")
    assert gone == 2
    assert await db.fetchval("SELECT count(*) FROM priority_group_evidence WHERE worker_id = $1",
                             uuid.UUID(w1["id"])) == 0
    assert after["frozen_at"] == before["frozen_at"] is not None

    # Regrouping: the worker with the open complaint gets papers today; the day stays as it was.
    w2, _ = day.workers["w2"]
    r = await api.client.put(f"{API}/workers/{w2['id']}/priority-groups", headers=bearer(day.admin),
                             json={"groups": [evidence("disability")]})
    assert r.status_code == 200, r.text
    assert _figures((await api.client.get(url, headers=bearer(day.admin))).json()) == _figures(before)
    assert lines((await api.client.get(f"{API}/reports/district?from={DAY}&to={DAY}",
                                       headers=bearer(day.admin))).json()) == lines(period)
    # Frozen rows cannot be edited either.
    for sql in ("UPDATE station_day_reports SET figures = '{}'", "DELETE FROM assignment_priority_facts"):
        try:
            await db.execute(sql)
        except asyncpg.CheckViolationError:
            pass
        else:
            raise AssertionError(sql)


async def _purge(settings: Settings, now: datetime) -> retention.PurgeResult:
    """``gigstation purge`` as of ``now`` (the server's pool, with its jsonb codec)."""
    pool = await connect_pool(settings.database_url or "", min_size=1, max_size=1)
    try:
        async with transaction(pool) as conn:
            return await retention.purge(conn, settings, now)
    finally:
        await pool.close()


def _json(report: Any) -> dict[str, Any]:
    import msgspec

    return dict(msgspec.to_builtins(report))


async def test_a_running_day_is_live_and_a_day_over_is_frozen(api: Api, db: asyncpg.Connection[Any]) -> None:
    from gigstation.oversight import snapshots

    admin = await api.admin()
    station = await api.station(admin)
    sid = uuid.UUID(station["id"])
    tz = ZoneInfo(ZONE)
    running = datetime.combine(DAY, time(12), tzinfo=tz)
    assert (await snapshots.day_report(db, sid, DAY, ZONE, running)).frozen_at is None
    assert await db.fetchval("SELECT count(*) FROM station_day_reports") == 0
    over = datetime.combine(DAY + timedelta(days=1), time(0), tzinfo=tz)
    frozen = await snapshots.day_report(db, sid, DAY, ZONE, over)
    assert frozen.frozen_at is not None
    assert (await snapshots.day_report(db, sid, DAY, ZONE, over + timedelta(days=9))) == frozen


async def test_a_simulated_day_keeps_its_figures_after_the_purge(
    settings: Settings, db: asyncpg.Connection[Any]
) -> None:
    """``gigstation simulate --seed 7`` (a smaller district), then ``gigstation purge`` three
    years on: the day's report, station by station, is what the simulation printed."""
    from gigstation.oversight import snapshots
    from gigstation.sim.simulate import SimParams, run_simulation

    result = await run_simulation(settings, SimParams(workers=60, stations=2, seed=7))
    assert result.district["slots_filled"] > 0 and result.district["priority_share"] > 0
    later = datetime.combine(result.day + timedelta(days=1200), time(3), tzinfo=ZoneInfo(settings.timezone))
    purged = await _purge(settings, later)
    assert purged.workers_anonymised > 0 and purged.days_frozen == len(result.stations)
    ids = [r["id"] for r in await db.fetch("SELECT id FROM stations ORDER BY name, id")]
    by_id = {r.station_id: r for r in result.stations}
    for sid in ids:
        kept = await snapshots.day_report(db, sid, result.day, settings.timezone, later)
        assert _json(kept) | {"frozen_at": None} == _json(by_id[sid]) | {"frozen_at": None}, sid
