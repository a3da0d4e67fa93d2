"""Real-time events: an outbox written in the change's transaction, fanned out by LISTEN.

Writers call :func:`emit` inside their transaction. The ``events_notify`` trigger sends
``NOTIFY gigstation_events, '<id>'``, which PostgreSQL delivers only when that transaction
commits, to every listening process on every host. Every server process runs one
:class:`EventHub`: a dedicated connection to PostgreSQL itself (never through a
transaction-mode pooler, which cannot hold a LISTEN) that loads the committed rows and
hands them to the subscribers (SSE streams) of the user or station they concern. A client
that reconnects, to this host or another, with ``Last-Event-ID`` is sent what it missed
from the table. When the LISTEN connection breaks (PostgreSQL restarted) the hub
reconnects by itself and loads, from the table, what was committed in the gap.

The same connection carries account changes (``gigstation_accounts``, migration 0025):
the hub keeps each signed-in account's role, token version and standing in memory and
drops an entry the moment its row changes, so checking a token costs no round trip
(:class:`AccountCache`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from gigstation.platform.auth import AccountState, watch_accounts
from gigstation.platform.db import connection, init_connection

__all__ = [
    "ACCOUNTS_CHANNEL",
    "CHANNEL",
    "AccountCache",
    "Event",
    "EventHub",
    "Subscription",
    "emit",
    "emit_many",
    "missed_events",
]

log = logging.getLogger(__name__)

CHANNEL = "gigstation_events"
ACCOUNTS_CHANNEL = "gigstation_accounts"


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
_AFTER = """
SELECT id, created_at, kind, payload, user_id, station_id FROM events WHERE id > $1 ORDER BY id LIMIT $2
"""
_LAST_ID = "SELECT coalesce(max(id), 0) FROM events"
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


class AccountCache:
    """Accounts seen recently, each dropped when its row changes (NOTIFY) or the
    notification connection breaks: a hit is as fresh as the last notification."""

    HOLD_S = 5.0
    """An account this process is changing is not cached for this long (its NOTIFY
    arrives after the commit, milliseconds later)."""

    def __init__(self, max_entries: int = 200_000) -> None:
        self._entries: OrderedDict[UUID, AccountState] = OrderedDict()
        self._held: dict[UUID, float] = {}
        self._max = max_entries
        self.epoch = 0
        """Bumped by every invalidation: a lookup that started before one must not be stored."""
        self.enabled = False
        """True only while the notification connection is up."""

    def get(self, user_id: UUID) -> AccountState | None:
        return self._entries.get(user_id) if self.enabled else None

    def put(self, user_id: UUID, state: AccountState, epoch: int) -> None:
        """Keep ``state`` read when the cache was at ``epoch`` (ignored if it moved since)."""
        if not self.enabled or epoch != self.epoch:
            return
        if self._held and self._held.get(user_id, 0.0) > time.monotonic():
            return
        self._entries[user_id] = state
        if len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def invalidate(self, user_id: UUID) -> None:
        self.epoch += 1
        self._entries.pop(user_id, None)

    def hold(self, user_id: UUID) -> None:
        """This process is changing the account: forget it and keep it out for a moment."""
        now = time.monotonic()
        self._held = {k: v for k, v in self._held.items() if v > now}
        self._held[user_id] = now + self.HOLD_S
        self.invalidate(user_id)

    def clear(self) -> None:
        self.epoch += 1
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class EventHub:
    """The per-process listener: NOTIFY ids in, committed events out to subscribers.

    ``on_connect`` runs on every (re)connection before LISTEN, for session state that
    must live on PostgreSQL itself (the app takes the shared key lock there)."""

    RECONNECT_MAX_S = 2.0
    HEALTH_CHECK_S = 5.0
    CATCH_UP_BATCH = 2000
    CATCH_UP_WINDOW = 1000
    """After a reconnection, re-read this many ids below the last one delivered: a
    transaction may commit after one that took a later id."""

    def __init__(
        self,
        url: str,
        pool: asyncpg.Pool[Any],
        *,
        on_connect: Callable[[asyncpg.Connection[Any]], Awaitable[None]] | None = None,
        connect_timeout_s: float = 5.0,
    ) -> None:
        self._url = url
        self._pool = pool
        self._on_connect = on_connect
        self._timeout = connect_timeout_s
        self._conn: asyncpg.Connection[Any] | None = None
        self._pending: asyncio.Queue[int] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._conn_lock = asyncio.Lock()  # one statement at a time on the LISTEN connection
        self._lost = asyncio.Event()
        self._by_user: dict[UUID, set[Subscription]] = defaultdict(set)
        self._by_station: dict[UUID, set[Subscription]] = defaultdict(set)
        self._last_id = 0
        self._recent: deque[int] = deque(maxlen=20_000)
        self._recent_set: set[int] = set()
        self.accounts = AccountCache()
        self.reconnects = 0
        self.connected = asyncio.Event()
        self._unwatch: Callable[[], None] | None = None

    async def start(self) -> None:
        """Open the LISTEN connection (failing loudly if it cannot) and the fan-out tasks."""
        await self._connect()
        self._unwatch = watch_accounts(self.accounts.hold)
        self._last_id = int((await self._fetch(_LAST_ID))[0][0])
        self._tasks = [
            asyncio.create_task(self._pump(), name="gigstation-event-hub"),
            asyncio.create_task(self._supervise(), name="gigstation-event-hub-supervisor"),
        ]

    async def stop(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self._drop_connection()

    async def _connect(self) -> None:
        conn = await asyncpg.connect(self._url, timeout=self._timeout,
                                     server_settings={"application_name": "gigstation-events"})
        try:
            await init_connection(conn)
            if self._on_connect is not None:
                await self._on_connect(conn)
            await conn.add_listener(CHANNEL, self._on_notify)
            await conn.add_listener(ACCOUNTS_CHANNEL, self._on_account)
        except BaseException:
            conn.terminate()
            raise
        self._lost.clear()
        conn.add_termination_listener(lambda _c: self._lost.set())
        self._conn = conn
        self.accounts.enabled = True
        self.connected.set()

    async def _drop_connection(self) -> None:
        self.connected.clear()
        self.accounts.enabled = False
        self.accounts.clear()
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                await asyncio.wait_for(conn.close(), 2)
            conn.terminate()

    async def _supervise(self) -> None:
        """Notice a broken connection, reconnect, and load what committed in the gap."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), self.HEALTH_CHECK_S)
            if not self._lost.is_set() and self._conn is not None:
                try:
                    async with self._conn_lock:
                        await asyncio.wait_for(self._conn.fetchval("SELECT 1"), self.HEALTH_CHECK_S)
                    continue
                except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError, TimeoutError):
                    pass
            log.warning("event hub lost its PostgreSQL connection; reconnecting")
            await self._drop_connection()
            delay = 0.1
            while True:
                try:
                    await self._connect()
                    break
                except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError, TimeoutError) as exc:
                    log.info("event hub reconnect failed (%s); retrying", type(exc).__name__)
                    await asyncio.sleep(delay)
                    delay = min(self.RECONNECT_MAX_S, delay * 2)
            self.reconnects += 1
            await self._catch_up()

    async def _fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        # Loaded on the LISTEN connection (PostgreSQL itself) while it is up: delivery then
        # neither waits for a busy request pool nor depends on the pooler.
        conn = self._conn
        if conn is not None and not self._lost.is_set():
            async with self._conn_lock:
                return await asyncio.wait_for(conn.fetch(query, *args), self.HEALTH_CHECK_S)
        async with connection(self._pool) as pooled:
            return await pooled.fetch(query, *args)

    async def _catch_up(self) -> None:
        after = max(0, self._last_id - self.CATCH_UP_WINDOW)
        while True:
            try:
                rows = await self._fetch(_AFTER, after, self.CATCH_UP_BATCH)
            except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError, TimeoutError) as exc:
                log.warning("event hub could not catch up: %s", type(exc).__name__)
                await asyncio.sleep(0.5)
                continue
            for row in rows:
                self._deliver_once(msgspec.convert(dict(row), Event))
            if len(rows) < self.CATCH_UP_BATCH:
                return
            after = rows[-1]["id"]

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

    def _on_account(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            self.accounts.invalidate(UUID(str(payload)))
        except ValueError:
            self.accounts.clear()

    async def _pump(self) -> None:
        while True:
            ids = [await self._pending.get()]
            # Everything already queued goes in the same query: one round trip per burst.
            while not self._pending.empty() and len(ids) < 1000:
                ids.append(self._pending.get_nowait())
            self._last_id = max(self._last_id, *ids)
            if not self._by_user and not self._by_station:
                continue
            for attempt in range(50):  # about 10 s of retries, then the ids are given up
                try:
                    rows = await self._fetch(_BY_IDS, ids)
                    break
                except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError, TimeoutError) as exc:
                    log.warning("event hub could not load events (try %d): %s", attempt + 1,
                                type(exc).__name__)
                    await asyncio.sleep(0.2)
            else:
                continue
            for row in rows:
                self._deliver_once(msgspec.convert(dict(row), Event))

    def _deliver_once(self, event: Event) -> None:
        self._last_id = max(self._last_id, event.id)
        if event.id in self._recent_set:
            return
        if len(self._recent) == self._recent.maxlen:
            self._recent_set.discard(self._recent[0])
        self._recent.append(event.id)
        self._recent_set.add(event.id)
        self.deliver(event)

    def deliver(self, event: Event) -> None:
        """Hand one event to every subscriber it concerns (each at most once)."""
        targets: set[Subscription] = set()
        if event.user_id is not None:
            targets |= self._by_user.get(event.user_id, set())
        if event.station_id is not None:
            targets |= self._by_station.get(event.station_id, set())
        for sub in targets:
            sub.offer(event)
