"""Automatic dispatch: every interval, each station with waiting workers and free slots.

Safe with several server processes: each run takes the station's advisory lock, and a
station already being dispatched elsewhere is skipped (its Conflict is expected).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from uuid import UUID

import asyncpg

from gigstation.platform import clock
from gigstation.platform.config import Settings
from gigstation.platform.db import transaction
from gigstation.platform.errors import DomainError
from gigstation.work.dispatch import DispatchRun, dispatch_station
from gigstation.work.offers import expire_due_offers

__all__ = ["dispatch_due_stations", "run_forever"]

log = logging.getLogger(__name__)

# A station is due when it has waiting workers without a live offer and open orders, was
# not dispatched (by any host) within the interval, and something changed since its last
# run: a check-in, an order, or an offer that closed without being accepted (or ten
# intervals, at least 10 minutes, passed: time alone can change what fits). Without the
# last two rules every host re-ran every station with an unmatched worker each sweep: a
# province morning measured 8 runs a second for 30 stations (docs/scale.md).
_DUE = """
SELECT s.id FROM stations s
WHERE (s.last_dispatch_at IS NULL OR s.last_dispatch_at <= now() - make_interval(secs => $1))
  AND EXISTS (SELECT 1 FROM checkins c WHERE c.station_id = s.id AND c.status = 'waiting'
                AND c.available_until > now()
                AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.worker_id = c.worker_id
                                  AND f.status = 'offered' AND f.expires_at > now()))
  AND EXISTS (SELECT 1 FROM orders o WHERE o.station_id = s.id AND o.status = 'open'
                AND o.ends_at > now())
  AND (s.last_dispatch_at IS NULL
       OR s.last_dispatch_at <= now() - make_interval(secs => greatest($1 * 10, 600))
       OR EXISTS (SELECT 1 FROM checkins c WHERE c.station_id = s.id AND c.status = 'waiting'
                    AND c.checked_in_at >= s.last_dispatch_at)
       OR EXISTS (SELECT 1 FROM orders o WHERE o.station_id = s.id AND o.status = 'open'
                    AND o.created_at >= s.last_dispatch_at)
       OR EXISTS (SELECT 1 FROM offers f WHERE f.station_id = s.id
                    AND f.status IN ('declined', 'expired', 'withdrawn')
                    AND coalesce(f.answered_at, f.expires_at) >= s.last_dispatch_at))
ORDER BY s.last_dispatch_at NULLS FIRST, s.id
"""


async def dispatch_due_stations(pool: asyncpg.Pool[Any], settings: Settings) -> list[DispatchRun]:
    """One sweep: expire old offers, then dispatch every station that has work to match."""
    async with transaction(pool) as conn:
        await expire_due_offers(conn)
        due: list[UUID] = [r["id"] for r in await conn.fetch(_DUE, settings.auto_dispatch_interval_s)]
    runs = []
    zone = settings.timezone
    for station_id in due:
        try:
            runs.append(await dispatch_station(
                pool, settings, station_id, None, now=clock.now(),
                day_start=clock.day_start(zone), today=clock.today(zone)))
        except DomainError as exc:  # another process holds the station, or a stale pin
            log.info("auto dispatch skipped station %s: %s", station_id, exc.code)
    return runs


async def run_forever(pool: asyncpg.Pool[Any], settings: Settings, stop: asyncio.Event) -> None:
    """The background loop started by the app when ``auto_dispatch`` is on."""
    while not stop.is_set():
        try:
            await dispatch_due_stations(pool, settings)
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("auto dispatch sweep failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.auto_dispatch_interval_s)
