"""The event hub outlives its connection: PostgreSQL restarting (here: its backend killed)
must not leave a host's phones deaf, nor its account cache trusting stale rows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from gigstation.platform.auth import AccountState
from gigstation.platform.db import connect_pool, transaction
from gigstation.platform.events import EventHub, emit
from tests.api import seed


@pytest.fixture
async def pool(database_url: str, db: asyncpg.Connection[Any]) -> AsyncIterator[asyncpg.Pool[Any]]:
    p = await connect_pool(database_url, min_size=1, max_size=4)
    yield p
    await p.close()


async def test_events_committed_while_the_hub_was_cut_off_still_arrive(
    pool: asyncpg.Pool[Any], db: asyncpg.Connection[Any], database_url: str
) -> None:
    (worker,) = await seed.workers(db, 1)
    hub = EventHub(database_url, pool)
    hub.HEALTH_CHECK_S = 0.5
    await hub.start()
    sub = hub.subscribe(worker)
    try:
        hub.accounts.put(worker, AccountState("worker", 0, True), hub.accounts.epoch)
        assert hub.accounts.get(worker) is not None
        await db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE application_name = 'gigstation-events'")
        # Committed while nobody listens: no NOTIFY reaches this hub for it.
        async with transaction(pool) as conn:
            await emit(conn, "test.in_the_gap", {"n": 1}, user_id=worker)
        event = await asyncio.wait_for(sub.queue.get(), 10)
        assert event.kind == "test.in_the_gap"
        assert hub.reconnects == 1
        # The cache was dropped with the connection: it may have missed a change.
        assert hub.accounts.get(worker) is None
        async with transaction(pool) as conn:
            await emit(conn, "test.after", {"n": 2}, user_id=worker)
        event = await asyncio.wait_for(sub.queue.get(), 5)
        assert event.kind == "test.after"
        await asyncio.sleep(0.3)
        assert sub.queue.empty()  # nothing delivered twice
    finally:
        hub.unsubscribe(sub)
        await hub.stop()


async def test_a_changed_account_leaves_the_cache_at_commit(
    pool: asyncpg.Pool[Any], db: asyncpg.Connection[Any], database_url: str
) -> None:
    (worker,) = await seed.workers(db, 1)
    hub = EventHub(database_url, pool)
    await hub.start()
    try:
        hub.accounts.put(worker, AccountState("worker", 0, True), hub.accounts.epoch)
        # Another host revokes the tokens: only the row's NOTIFY tells this one.
        await db.execute("UPDATE users SET token_version = token_version + 1 WHERE id = $1", worker)
        for _ in range(100):
            if hub.accounts.get(worker) is None:
                break
            await asyncio.sleep(0.02)
        assert hub.accounts.get(worker) is None
    finally:
        await hub.stop()
