"""Auto-dispatch runs a station again only when something changed since its last run.

Every host runs the loop; before this rule each of them re-ran every station that had a
worker no order could take, every sweep (a province morning measured 8 runs a second for
30 stations, docs/scale.md).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from gigstation.platform.config import Settings
from gigstation.platform.db import connect_pool
from gigstation.work.autodispatch import dispatch_due_stations
from tests.api.conftest import Api


async def test_a_station_is_dispatched_again_only_after_a_change(
    api: Api, settings: Settings, db: asyncpg.Connection[Any]
) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, etoken = await api.employer()
    await api.order(etoken, headcount=1)
    for _ in range(2):  # two workers, one slot: one stays waiting without an offer
        _, token = await api.worker()
        await api.checkin(token, station["id"])
    quick = msgspec.structs.replace(settings, auto_dispatch_interval_s=0.0)
    pool = await connect_pool(settings.database_url or "", min_size=1, max_size=2)
    try:
        first = await dispatch_due_stations(pool, quick)
        assert [len(r.offers) for r in first] == [1]
        assert await dispatch_due_stations(pool, quick) == []  # nothing changed
        await api.order(etoken, headcount=1)  # a new order: the waiting worker can be offered it
        again = await dispatch_due_stations(pool, quick)
        assert [len(r.offers) for r in again] == [1]
        # Within the interval nothing runs, whatever changed.
        await api.order(etoken, headcount=1)
        slow = msgspec.structs.replace(settings, auto_dispatch_interval_s=3600.0)
        assert await dispatch_due_stations(pool, slow) == []
    finally:
        await pool.close()
