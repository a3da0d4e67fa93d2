"""Real-time events: an outbox written in the change's transaction, fanned out by LISTEN.

Writers call :func:`emit` inside their transaction. The ``events_notify`` trigger sends
``NOTIFY gigstation_events, '<id>'``, which PostgreSQL delivers only when that transaction
commits. Every server process runs one :class:`EventHub`: a dedicated connection that
LISTENs, loads the committed rows and hands them to the subscribers (SSE streams) of the
user or station they concern. A client that reconnects with ``Last-Event-ID`` is sent
what it missed from the table.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform.db import connection

__all__ = ["CHANNEL", "Event", "EventHub", "Subscription", "emit", "emit_many", "missed_events"]

log = logging.getLogger(__name__)

CHANNEL = "gigstation_events"


class Event(msgspec.Struct, frozen=True):
    id: int
    created_at: datetime
    kind: str
    payload: dict[str, Any]
    user_id: UUID | None = None
    station_id: UUID | None = None


_INSERT = "INSERT INTO events (user_id, station_id, kind, payload) VALUES ($1, $2, $3, $4)"
_INSERT_MANY = """
INSERT INTO events (user_id, station_id, kind, payload)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[])
"""


async def emit(
    conn: asyncpg.Connection[Any],
    kind: str,
    payload: dict[str, Any],
    *,
    user_id: UUID | None = None,
    station_id: UUID | None = None,
) -> None:
    """Queue one event; it is delivered only if the surrounding transaction commits."""
    await conn.execute(_INSERT, user_id, station_id, kind, _plain(payload))


async def emit_many(
    conn: asyncpg.Connection[Any],
    events: Iterable[tuple[UUID | None, UUID | None, str, dict[str, Any]]],
) -> None:
    """Queue many events in one statement (a dispatch run sends hundreds)."""
    rows = list(events)
    if not rows:
        return
    await conn.execute(
        _INSERT_MANY,
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [_plain(r[3]) for r in rows],
    )


def _plain(payload: dict[str, Any]) -> Any:
    # UUIDs and datetimes become JSON-ready values once, here.
    return msgspec.to_builtins(payload)


_BY_IDS = """
SELECT id, created_at, kind, payload, user_id, station_id FROM events WHERE id = ANY($1::bigint[])
ORDER BY id
"""
_MISSED = """
SELECT id, created_at, kind, payload, user_id, station_id FROM events
WHERE id > $1 AND (user_id = $2 OR station_id = ANY($3::uuid[]))
ORDER BY id LIMIT 500
"""


async def missed_events(
    conn: asyncpg.Connection[Any], after_id: int, user_id: UUID, station_ids: list[UUID]
) -> list[Event]:
    """Events a reconnecting client missed (bounded)."""
    rows = await conn.fetch(_MISSED, after_id, user_id, station_ids)
    return [msgspec.convert(dict(r), Event) for r in rows]


class Subscription:
    """One SSE stream's queue, registered for a user and the stations they watch."""

    def __init__(self, user_id: UUID, station_ids: Iterable[UUID], maxsize: int = 1000) -> None:
        self.user_id = user_id
        self.station_ids = frozenset(station_ids)
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self.dropped = 0

    def offer(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # A stalled client must not hold memory without bound; it can resume with
            # Last-Event-ID and be sent the rest from the table.
            self.dropped += 1


class EventHub:
    """The per-process listener: NOTIFY ids in, committed events out to subscribers."""

    def __init__(self, url: str, pool: asyncpg.Pool[Any]) -> None:
        self._url = url
        self._pool = pool
        self._conn: asyncpg.Connection[Any] | None = None
        self._pending: asyncio.Queue[int] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._by_user: dict[UUID, set[Subscription]] = defaultdict(set)
        self._by_station: dict[UUID, set[Subscription]] = defaultdict(set)

    async def start(self) -> None:
        """Open the LISTEN connection and the fan-out task."""
        self._conn = await asyncpg.connect(self._url)
        await self._conn.add_listener(CHANNEL, self._on_notify)
        self._task = asyncio.create_task(self._pump(), name="gigstation-event-hub")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None:
            await self._conn.close()

    def subscribe(self, user_id: UUID, station_ids: Iterable[UUID] = ()) -> Subscription:
        sub = Subscription(user_id, station_ids)
        self._by_user[user_id].add(sub)
        for station_id in sub.station_ids:
            self._by_station[station_id].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._by_user[sub.user_id].discard(sub)
        if not self._by_user[sub.user_id]:
            del self._by_user[sub.user_id]
        for station_id in sub.station_ids:
            self._by_station[station_id].discard(sub)
            if not self._by_station[station_id]:
                del self._by_station[station_id]

    @property
    def subscribers(self) -> int:
        return sum(len(s) for s in self._by_user.values())

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        with contextlib.suppress(ValueError):
            self._pending.put_nowait(int(str(payload)))

    async def _pump(self) -> None:
        while True:
            ids = [await self._pending.get()]
            # Everything already queued goes in the same query: one round trip per burst.
            while not self._pending.empty() and len(ids) < 1000:
                ids.append(self._pending.get_nowait())
            if not self._by_user and not self._by_station:
                continue
            try:
                async with connection(self._pool) as conn:
                    rows = await conn.fetch(_BY_IDS, ids)
            except (asyncpg.PostgresError, OSError) as exc:
                log.warning("event hub could not load events: %s", type(exc).__name__)
                continue
            for row in rows:
                self.deliver(msgspec.convert(dict(row), Event))

    def deliver(self, event: Event) -> None:
        """Hand one event to every subscriber it concerns (each at most once)."""
        targets: set[Subscription] = set()
        if event.user_id is not None:
            targets |= self._by_user.get(event.user_id, set())
        if event.station_id is not None:
            targets |= self._by_station.get(event.station_id, set())
        for sub in targets:
            sub.offer(event)
