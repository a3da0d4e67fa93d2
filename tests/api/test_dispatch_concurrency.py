"""Dispatch and offers under concurrency, against the real database (issue 4's reliability list)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from gigstation.platform import clock
from gigstation.platform.config import Settings
from gigstation.platform.db import connect_pool, transaction
from gigstation.platform.errors import Conflict
from gigstation.work import offers
from gigstation.work.dispatch import dispatch_station
from tests.api import seed


@pytest.fixture
async def pool(database_url: str, db: asyncpg.Connection[Any]) -> AsyncIterator[asyncpg.Pool[Any]]:
    p = await connect_pool(database_url, min_size=2, max_size=20)
    yield p
    await p.close()


async def _accept(pool: asyncpg.Pool[Any], worker_id: Any, offer_id: Any) -> str:
    try:
        async with transaction(pool) as conn:
            await offers.accept_offer(conn, worker_id, offer_id)
        return "ok"
    except Conflict as exc:
        return exc.code


async def test_200_concurrent_accepts_fill_exactly_the_headcount(
    pool: asyncpg.Pool[Any], db: asyncpg.Connection[Any]
) -> None:
    station = await seed.station(db)
    order = await seed.order(db, await seed.employer(db), station, headcount=5)
    workers = await seed.workers(db, 200, station)
    offer_ids = await seed.offers(db, station, [(w, order) for w in workers])

    results = await asyncio.gather(*(_accept(pool, w, o) for w, o in zip(workers, offer_ids, strict=True)))

    assert results.count("ok") == 5
    assert set(results) <= {"ok", "order_full", "offer_withdrawn"}
    assert await db.fetchval("SELECT count(*) FROM assignments WHERE order_id = $1", order) == 5
    row = await db.fetchrow("SELECT filled, status FROM orders WHERE id = $1", order)
    assert (row["filled"], row["status"]) == (5, "full")
    # The losers' offers were withdrawn when the order filled (or were never taken).
    assert await db.fetchval("SELECT count(*) FROM offers WHERE status = 'offered'") == 0


async def test_worker_accepting_two_overlapping_offers_at_once_gets_one(
    pool: asyncpg.Pool[Any], db: asyncpg.Connection[Any]
) -> None:
    station = await seed.station(db)
    employer = await seed.employer(db)
    start = clock.now() + timedelta(hours=2)
    first = await seed.order(db, employer, station, headcount=1, start=start)
    second = await seed.order(db, employer, station, headcount=1, start=start + timedelta(hours=1))
    (worker,) = await seed.workers(db, 1, station)
    offer_a, offer_b = await seed.offers(db, station, [(worker, first), (worker, second)])

    results = await asyncio.gather(_accept(pool, worker, offer_a), _accept(pool, worker, offer_b))

    assert sorted(results)[0] != "ok" or sorted(results)[1] != "ok"
    assert results.count("ok") == 1
    assert await db.fetchval("SELECT count(*) FROM assignments WHERE worker_id = $1", worker) == 1
    # The loser's slot was not taken: its order is still open with nobody in it.
    assert await db.fetchval("SELECT sum(filled) FROM orders") == 1


async def test_accept_is_idempotent_under_concurrent_retries(
    pool: asyncpg.Pool[Any], db: asyncpg.Connection[Any]
) -> None:
    station = await seed.station(db)
    order = await seed.order(db, await seed.employer(db), station, headcount=3)
    (worker,) = await seed.workers(db, 1, station)
    (offer_id,) = await seed.offers(db, station, [(worker, order)])

    async def accept() -> Any:
        async with transaction(pool) as conn:
            return (await offers.accept_offer(conn, worker, offer_id)).id

    ids = await asyncio.gather(*(accept() for _ in range(10)))

    assert len(set(ids)) == 1
    assert await db.fetchval("SELECT filled FROM orders WHERE id = $1", order) == 1
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'offer.accept'") == 1


async def test_expired_offer_cannot_be_accepted(pool: asyncpg.Pool[Any], db: asyncpg.Connection[Any]) -> None:
    station = await seed.station(db)
    order = await seed.order(db, await seed.employer(db), station, headcount=1)
    (worker,) = await seed.workers(db, 1, station)
    (offer_id,) = await seed.offers(db, station, [(worker, order)])
    await db.execute("UPDATE offers SET expires_at = now() - interval '1 second'")

    assert await _accept(pool, worker, offer_id) == "offer_expired"
    assert await db.fetchval("SELECT filled FROM orders") == 0


def _settings(database_url: str) -> Settings:
    return Settings.from_env({}, database_url=database_url, secret_key="x" * 32)


async def _dispatch(pool: asyncpg.Pool[Any], settings: Settings, station: Any, actor: Any) -> Any:
    zone = settings.timezone
    return await dispatch_station(pool, settings, station, actor, now=clock.now(),
                                  day_start=clock.day_start(zone), today=clock.today(zone))


async def test_two_concurrent_dispatches_make_one_run_and_no_duplicate_offers(
    pool: asyncpg.Pool[Any], db: asyncpg.Connection[Any], database_url: str
) -> None:
    station = await seed.station(db)
    employer = await seed.employer(db)
    for _ in range(30):
        await seed.order(db, employer, station, headcount=3)
    await seed.workers(db, 400, station)
    settings = _settings(database_url)

    results = await asyncio.gather(
        _dispatch(pool, settings, station, None), _dispatch(pool, settings, station, None),
        return_exceptions=True)

    runs = [r for r in results if not isinstance(r, BaseException)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(runs) == 1 and len(conflicts) == 1, results
    assert conflicts[0].code == "dispatch_running"
    assert await db.fetchval("SELECT count(*) FROM dispatch_runs") == 1
    assert await db.fetchval("SELECT count(*) FROM offers") == 90 == runs[0].stats.offered
    assert await db.fetchval("SELECT count(DISTINCT worker_id) FROM offers") == 90

    # A later run offers nothing new: every slot is held by a live offer.
    again = await _dispatch(pool, settings, station, None)
    assert again.stats.offered == 0 and again.stats.slots == 0


async def test_dispatch_stores_offers_events_and_unfilled_reasons(
    pool: asyncpg.Pool[Any], db: asyncpg.Connection[Any], database_url: str
) -> None:
    station = await seed.station(db)
    employer = await seed.employer(db)
    loading = await seed.order(db, employer, station, headcount=3)
    welding = await seed.order(db, employer, station, headcount=2, skill="welding")
    workers = await seed.workers(db, 2, station)

    run = await _dispatch(pool, _settings(database_url), station, None)

    assert {o.worker_id for o in run.offers} == set(workers)
    assert {o.order_id for o in run.offers} == {loading}
    reasons = {(u.order_id, u.missing, u.reason) for u in run.unfilled}
    # Both workers fill loading slots; nobody else has the skill for its third (rule 1 of
    # solver/explain.py), and nobody at all can weld.
    assert reasons == {(loading, 1, "no_skilled_worker"), (welding, 2, "no_skilled_worker")}
    kinds = [r["kind"] for r in await db.fetch("SELECT kind FROM events ORDER BY id")]
    assert kinds.count("offer.new") == 2 and kinds.count("board.dispatched") == 1


_CRASHING_DISPATCH = textwrap.dedent("""
    import asyncio, sys, uuid
    from gigstation.platform import clock
    from gigstation.platform.config import Settings
    from gigstation.platform.db import connect_pool
    from gigstation.work.dispatch import dispatch_station

    async def main():
        settings = Settings.from_env({}, database_url=sys.argv[1], secret_key="x" * 32)
        pool = await connect_pool(sys.argv[1], min_size=1, max_size=2)
        zone = settings.timezone
        await dispatch_station(pool, settings, uuid.UUID(sys.argv[2]), None, now=clock.now(),
                               day_start=clock.day_start(zone), today=clock.today(zone))

    asyncio.run(main())
""")


@pytest.mark.slow
async def test_dispatch_killed_mid_run_publishes_nothing(
    db: asyncpg.Connection[Any], database_url: str
) -> None:
    station = await seed.station(db)
    employer = await seed.employer(db)
    await seed.order(db, employer, station, headcount=5)
    await seed.workers(db, 10, station)
    # Hold the station row: the run's last write waits on it with its offers already inserted.
    blocker = await asyncpg.connect(database_url)
    tx = blocker.transaction()
    await tx.start()
    # NO KEY UPDATE: the foreign-key checks (KEY SHARE) pass, only the final UPDATE waits.
    await blocker.execute("SELECT 1 FROM stations WHERE id = $1 FOR NO KEY UPDATE", station)
    proc = subprocess.Popen([sys.executable, "-c", _CRASHING_DISPATCH, database_url, str(station)])
    try:
        for _ in range(200):
            waiting = await db.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'UPDATE stations SET last_dispatch_at%'")
            if waiting:
                break
            await asyncio.sleep(0.05)
        assert waiting == 1, "the dispatch never reached its last write"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        await tx.rollback()
        await blocker.close()
    # PostgreSQL notices the dead client and rolls its transaction back.
    for _ in range(100):
        if not await db.fetchval("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                 "AND query LIKE 'UPDATE stations SET last_dispatch_at%'"):
            break
        await asyncio.sleep(0.05)
    assert await db.fetchval("SELECT count(*) FROM offers") == 0
    assert await db.fetchval("SELECT count(*) FROM dispatch_runs") == 0
    assert await db.fetchval("SELECT count(*) FROM events") == 0


async def test_rolled_back_change_never_notifies(
    pool: asyncpg.Pool[Any], db: asyncpg.Connection[Any], database_url: str
) -> None:
    from gigstation.platform.events import EventHub, emit

    (worker,) = await seed.workers(db, 1)
    hub = EventHub(database_url, pool)
    await hub.start()
    sub = hub.subscribe(worker)
    try:
        with pytest.raises(RuntimeError):
            async with transaction(pool) as conn:
                await emit(conn, "test.rolled_back", {"n": 1}, user_id=worker)
                raise RuntimeError("abort")
        async with transaction(pool) as conn:
            await emit(conn, "test.committed", {"n": 2}, user_id=worker)
        event = await asyncio.wait_for(sub.queue.get(), 5)
        assert event.kind == "test.committed" and event.payload == {"n": 2}
        await asyncio.sleep(0.2)
        assert sub.queue.empty()
    finally:
        hub.unsubscribe(sub)
        await hub.stop()


async def test_checkout_withdraws_live_offers(pool: asyncpg.Pool[Any], db: asyncpg.Connection[Any]) -> None:
    from gigstation.platform.auth import Principal
    from gigstation.work.checkout import check_out

    station = await seed.station(db)
    order = await seed.order(db, await seed.employer(db), station, headcount=1)
    (worker,) = await seed.workers(db, 1, station)
    (offer_id,) = await seed.offers(db, station, [(worker, order)])
    checkin_id = await db.fetchval("SELECT id FROM checkins WHERE worker_id = $1", worker)

    async with transaction(pool) as conn:
        await check_out(conn, Principal(worker, "worker"), checkin_id)

    row = await db.fetchrow("SELECT status, close_reason FROM offers WHERE id = $1", offer_id)
    assert (row["status"], row["close_reason"]) == ("withdrawn", "worker_left")
    assert await _accept(pool, worker, offer_id) == "offer_withdrawn"
