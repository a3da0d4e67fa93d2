"""Dispatch runs: a consistent snapshot of a station, the solver, offers stored atomically.

A run holds a transaction-scoped advisory lock for its station, so only one dispatch per
station runs at a time across every server process (a second gets 409). The snapshot,
the offers, the run record and the events are one transaction: a crash mid-run leaves
nothing half-published. The solver runs in a thread, never on the event loop.

Priority (documented in docs/dispatch.md; weights are settings):

    priority = group_weight       if the worker is in an operator-verified priority group
                                  (or is 50 or older by the verified ID: ``priority_age_from``)
             + wait_per_hour      x whole hours waited since check-in (capped at 8)
             + jobs_today_penalty x max(0, 2 - jobs accepted today)
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import zlib
from datetime import date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from gigstation import solver
from gigstation.platform import audit, events
from gigstation.platform.config import Settings
from gigstation.platform.db import connection
from gigstation.platform.errors import Conflict, NotFound
from gigstation.work import minors
from gigstation.work.offers import expire_due_offers
from gigstation.work.safeguards import forbidden_pairs

__all__ = [
    "MINOR_EXCLUDED_SKILLS",
    "DispatchRun",
    "PairingCreate",
    "Snapshot",
    "candidates_for_order",
    "dispatch_station",
    "priority_of",
    "set_pairing",
    "take_snapshot",
]

log = logging.getLogger(__name__)

# Job types prohibited to workers aged 16-17, with their sources: data/labour-rules.json
# (work.minors). Dropped from a minor's skills; minors.minor_pairs also forbids night work.
MINOR_EXCLUDED_SKILLS = minors.rules().prohibited


class OfferBrief(msgspec.Struct, frozen=True):
    id: UUID
    worker_id: UUID
    order_id: UUID
    distance_m: int
    priority: int
    expires_at: datetime


class UnfilledBrief(msgspec.Struct, frozen=True):
    order_id: UUID
    missing: int
    reason: str


class RunStats(msgspec.Struct, frozen=True):
    workers: int
    orders: int
    slots: int
    offered: int
    priority: int
    distance_m: int
    optimal: bool
    solve_ms: float
    total_ms: float
    expired_swept: int
    pins_ignored: int = 0
    """Pins that no longer fit (the worker's or the order's rows changed): left out, logged."""


class DispatchRun(msgspec.Struct, frozen=True):
    id: UUID
    station_id: UUID
    trigger: Literal["manual", "auto"]
    started_at: datetime
    offers: list[OfferBrief]
    unfilled: list[UnfilledBrief]
    stats: RunStats


class PairingCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    worker_id: UUID
    order_id: UUID
    kind: Literal["pin", "forbid"]


class WaitingRow(msgspec.Struct, frozen=True):
    worker_id: UUID
    checked_in_at: datetime
    available_until: datetime
    max_distance_m: int
    skills: list[str]
    priority_groups: list[str]
    adult_from: date | None
    priority_age_from: date | None
    jobs_today: int
    busy_until: datetime | None


class Snapshot(msgspec.Struct, frozen=True):
    """What a run saw: the solver's instance plus what is needed to store offers."""

    station_id: UUID
    instance: solver.Instance
    priorities: dict[str, int]


def lock_key(station_id: UUID) -> int:
    """A stable 63-bit advisory-lock key per station (namespaced by a prefix)."""
    return (0x6469 << 48) | (zlib.crc32(station_id.bytes) << 8)


def priority_of(row: WaitingRow, now: datetime, today: date, settings: Settings) -> int:
    """The documented priority formula."""
    old_enough = row.priority_age_from is not None and row.priority_age_from <= today
    in_group = bool(row.priority_groups) or old_enough
    hours_waited = min(8, max(0, int((now - row.checked_in_at).total_seconds() // 3600)))
    return (
        settings.priority_group_weight * in_group
        + settings.priority_wait_per_hour * hours_waited
        + settings.priority_jobs_today_penalty * max(0, 2 - row.jobs_today)
    )


_STATION = "SELECT lat, lon FROM stations WHERE id = $1"
_WAITING = """
SELECT c.worker_id, c.checked_in_at, c.available_until, c.max_distance_m,
       coalesce(array_agg(s.skill ORDER BY s.skill) FILTER (WHERE s.status = 'active'), '{}') AS skills,
       active_priority_groups(w.user_id, w.priority_groups, now()) AS priority_groups,
       w.adult_from, w.priority_age_from,
       (SELECT count(*) FROM assignments a WHERE a.worker_id = c.worker_id
            AND a.created_at >= $2 AND a.status IN ('active', 'completed'))::int AS jobs_today,
       (SELECT max(a.ends_at) FROM assignments a WHERE a.worker_id = c.worker_id
            AND a.status = 'active' AND a.ends_at > now()) AS busy_until
FROM checkins c JOIN workers w ON w.user_id = c.worker_id
LEFT JOIN worker_skills s ON s.worker_id = c.worker_id
WHERE c.station_id = $1 AND c.status = 'waiting' AND c.available_until > now()
  AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.worker_id = c.worker_id AND f.status = 'offered')
GROUP BY c.id, w.user_id
ORDER BY c.worker_id
"""
_OPEN_ORDERS = """
SELECT o.id, o.lat, o.lon, o.skill, o.starts_at, o.ends_at,
       o.headcount - o.filled
         - (SELECT count(*) FROM offers f WHERE f.order_id = o.id AND f.status = 'offered')::int
         AS remaining
FROM orders o
WHERE o.station_id = $1 AND o.status = 'open' AND o.ends_at > now()
ORDER BY o.id
"""
_PAIRINGS = "SELECT worker_id, order_id, kind FROM pairings WHERE station_id = $1"


def _solver_worker(
    row: WaitingRow, lat: float, lon: float, now: datetime, today: date, settings: Settings
) -> solver.Worker | None:
    """The solver's view of one waiting worker, or None (logged) when their rows leave no
    time or no skill to offer: one person's odd row never stops the station's run."""
    minor = row.adult_from is not None and row.adult_from > today
    skills = [s for s in row.skills if not (minor and s in MINOR_EXCLUDED_SKILLS)]
    if not skills:
        return None
    # Workers are in the room: they travel from the station. A worker busy with an
    # earlier job is free only after it ends.
    free_from = max(row.checked_in_at, row.busy_until) if row.busy_until else row.checked_in_at
    if row.available_until <= free_from:
        log.info("dispatch: worker %s left out: no free time before %s", row.worker_id,
                 row.available_until.isoformat())
        return None
    try:
        return msgspec.convert({
            "id": str(row.worker_id), "lat": lat, "lon": lon, "skills": skills,
            "available_from": free_from, "available_until": row.available_until,
            "max_distance_m": float(row.max_distance_m),
            "priority": priority_of(row, now, today, settings)}, solver.Worker)
    except msgspec.ValidationError as exc:
        log.warning("dispatch: worker %s left out: %s", row.worker_id, exc)
        return None


def _solver_order(row: asyncpg.Record) -> solver.Order | None:
    """The solver's view of one open order with free slots, or None (logged) if its row is
    not one the solver can take."""
    if row["remaining"] <= 0:
        return None
    try:
        return msgspec.convert({
            "id": str(row["id"]), "lat": row["lat"], "lon": row["lon"], "skill": row["skill"],
            "headcount": row["remaining"], "starts_at": row["starts_at"], "ends_at": row["ends_at"]},
            solver.Order)
    except msgspec.ValidationError as exc:
        log.warning("dispatch: order %s left out: %s", row["id"], exc)
        return None


async def take_snapshot(
    conn: asyncpg.Connection[Any], station_id: UUID, now: datetime, day_start: datetime,
    today: date, settings: Settings,
) -> Snapshot:
    """Waiting workers without a live offer, open orders with free slots, pins and forbids."""
    waiting = [msgspec.convert(dict(r), WaitingRow) for r in await conn.fetch(_WAITING, station_id, day_start)]
    station = await conn.fetchrow(_STATION, station_id)
    if station is None:
        raise NotFound("驿站不存在", "no such station")
    workers: list[solver.Worker] = []
    priorities: dict[str, int] = {}
    for row in waiting:
        worker = _solver_worker(row, station["lat"], station["lon"], now, today, settings)
        if worker is not None:
            workers.append(worker)
            priorities[worker.id] = worker.priority
    orders = [o for r in await conn.fetch(_OPEN_ORDERS, station_id) if (o := _solver_order(r)) is not None]
    present_w, present_o = set(priorities), {o.id for o in orders}
    pinned: list[solver.Pair] = []
    forbidden: list[solver.Pair] = []
    for r in await conn.fetch(_PAIRINGS, station_id):
        pair = solver.Pair(worker_id=str(r["worker_id"]), order_id=str(r["order_id"]))
        if pair.worker_id in present_w and pair.order_id in present_o:
            (pinned if r["kind"] == "pin" else forbidden).append(pair)
    # Blocks and the part-time limits (work.safeguards) rule pairs out, pins included;
    # so do the rules for minors (work.minors: night work, prohibited job types).
    ruled_out = await forbidden_pairs(conn, sorted(present_w), orders, settings.timezone,
                                      settings.daily_hours_cap)
    ruled_out += minors.minor_pairs(
        [(str(r.worker_id), r.adult_from) for r in waiting if str(r.worker_id) in present_w],
        orders, settings.timezone)
    forbidden += ruled_out
    if ruled_out:
        ruled = frozenset(ruled_out)
        pinned = [p for p in pinned if p not in ruled]
    instance = solver.Instance(
        workers=workers, orders=orders,
        params=solver.Params(max_distance_m=float(settings.dispatch_reach_m)),
        pinned=pinned, forbidden=forbidden)
    return Snapshot(station_id, instance, priorities)


def _solve_keeping_feasible_pins(instance: solver.Instance) -> tuple[solver.Solution, list[solver.Pair]]:
    """Solve; if some pin cannot be honoured any more, keep the largest set of pins that
    can (added one by one in a stable order) and report the others instead of failing."""
    try:
        return solver.solve(instance, "quick"), []
    except solver.InvalidPin:
        pass
    kept: list[solver.Pair] = []
    ignored: list[solver.Pair] = []
    for pin in sorted(instance.pinned, key=lambda p: (p.worker_id, p.order_id)):
        try:
            solver.solve(msgspec.structs.replace(instance, pinned=[*kept, pin]), "quick")
            kept.append(pin)
        except solver.InvalidPin as exc:
            log.warning("dispatch: pin left out: %s", exc)
            ignored.append(pin)
    return solver.solve(msgspec.structs.replace(instance, pinned=kept), "quick"), ignored


_INSERT_RUN = """
INSERT INTO dispatch_runs (id, station_id, started_by, trigger, stats, unfilled)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING started_at
"""
_INSERT_OFFERS = """
INSERT INTO offers (run_id, station_id, order_id, worker_id, distance_m, priority, expires_at)
SELECT $1, $2, x.order_id, x.worker_id, x.distance_m, x.priority, $3
FROM unnest($4::uuid[], $5::uuid[], $6::int[], $7::int[]) AS x(order_id, worker_id, distance_m, priority)
RETURNING id, worker_id, order_id, distance_m, priority, expires_at
"""
_USED_PINS = "DELETE FROM pairings WHERE station_id = $1 AND kind = 'pin'"
_TOUCH_STATION = "UPDATE stations SET last_dispatch_at = now() WHERE id = $1"


async def dispatch_station(
    pool: asyncpg.Pool[Any],
    settings: Settings,
    station_id: UUID,
    actor: UUID | None,
    *,
    now: datetime,
    day_start: datetime,
    today: date,
) -> DispatchRun:
    """One dispatch run for a station (see the module docstring)."""
    started = time.perf_counter()
    try:
        return await _run(pool, settings, station_id, actor, now, day_start, today, started)
    except asyncpg.SerializationError as exc:
        # The snapshot is repeatable-read; an operator editing pins at that very moment
        # makes it retryable, never a 500.
        raise Conflict("调度时数据发生变化，请重试", "data changed during the dispatch; retry",
                       code="dispatch_retry") from exc


async def _run(
    pool: asyncpg.Pool[Any], settings: Settings, station_id: UUID, actor: UUID | None,
    now: datetime, day_start: datetime, today: date, started: float,
) -> DispatchRun:
    # Expiring old offers updates rows that accepts also update: do it in its own short
    # transaction, so the repeatable-read snapshot below only reads and inserts.
    async with connection(pool) as conn, conn.transaction():
        swept = await expire_due_offers(conn, station_id)
    async with connection(pool) as conn, conn.transaction(isolation="repeatable_read"):
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", lock_key(station_id)):
            raise Conflict("该驿站正在调度中，请稍候", "a dispatch for this station is already running",
                           code="dispatch_running")
        snap = await take_snapshot(conn, station_id, now, day_start, today, settings)
        solution, ignored = await asyncio.to_thread(_solve_keeping_feasible_pins, snap.instance)
        run_id = uuid.uuid4()
        expires = now + timedelta(seconds=settings.offer_ttl_s)
        a = solution.assignments
        unfilled = [UnfilledBrief(UUID(u.order_id), u.missing, u.reason) for u in solution.unfilled]
        stats = RunStats(
            workers=len(snap.instance.workers), orders=len(snap.instance.orders),
            slots=sum(o.headcount for o in snap.instance.orders), offered=len(a),
            priority=solution.objective.priority, distance_m=solution.objective.distance_m,
            optimal=solution.optimal, solve_ms=round(solution.solve_ms, 2),
            total_ms=0.0, expired_swept=swept, pins_ignored=len(ignored))
        started_at = await conn.fetchval(
            _INSERT_RUN, run_id, station_id, actor, "manual" if actor else "auto",
            msgspec.to_builtins(stats), msgspec.to_builtins(unfilled))
        rows = await conn.fetch(
            _INSERT_OFFERS, run_id, station_id, expires,
            [UUID(x.order_id) for x in a], [UUID(x.worker_id) for x in a],
            [x.distance_m for x in a], [snap.priorities[x.worker_id] for x in a],
        ) if a else []
        offers = [msgspec.convert(dict(r), OfferBrief) for r in rows]
        await conn.execute(_USED_PINS, station_id)
        await events.emit_many(conn, [
            (o.worker_id, None, "offer.new",
             {"offer_id": o.id, "order_id": o.order_id, "expires_at": o.expires_at,
              "distance_m": o.distance_m}) for o in offers
        ] + [(None, station_id, "board.dispatched",
              {"run_id": run_id, "offered": len(offers), "unfilled": len(unfilled)})])
        await audit.record(conn, actor, "dispatch.run", "station", station_id,
                           {"run_id": str(run_id), "offered": len(offers)})
        # Last write of the run: a test holds this row locked to crash a run mid-way.
        await conn.execute(_TOUCH_STATION, station_id)
    total_ms = round((time.perf_counter() - started) * 1000, 2)
    return DispatchRun(run_id, station_id, "manual" if actor else "auto", started_at, offers,
                       unfilled, msgspec.structs.replace(stats, total_ms=total_ms))


_PAIRING_UPSERT = """
INSERT INTO pairings (station_id, worker_id, order_id, kind, created_by)
SELECT $1, $2, o.id, $4, $5 FROM orders o
WHERE o.id = $3 AND o.station_id = $1 AND EXISTS (SELECT 1 FROM workers WHERE user_id = $2)
ON CONFLICT (worker_id, order_id) DO UPDATE SET kind = EXCLUDED.kind, created_by = EXCLUDED.created_by,
    created_at = now(), station_id = EXCLUDED.station_id
RETURNING 1
"""


async def set_pairing(
    conn: asyncpg.Connection[Any], station_id: UUID, operator_id: UUID, data: PairingCreate
) -> PairingCreate:
    """Pin or forbid a pairing for the station's next run."""
    if await conn.fetchval(_PAIRING_UPSERT, station_id, data.worker_id, data.order_id, data.kind,
                           operator_id) is None:
        raise NotFound("订单或劳动者不存在", "no such order at this station, or no such worker")
    await audit.record(conn, operator_id, f"pairing.{data.kind}", "order", data.order_id,
                       {"worker_id": str(data.worker_id)})
    return data


async def candidates_for_order(
    conn: asyncpg.Connection[Any], settings: Settings, station_id: UUID, order_id: UUID,
    now: datetime, day_start: datetime, today: date, limit: int = 10,
) -> list[solver.Recommendation]:
    """Ranked candidates for one order with the reason for each (an operator's manual choice)."""
    snap = await take_snapshot(conn, station_id, now, day_start, today, settings)

    def rank() -> list[solver.Recommendation]:
        try:
            return solver.recommend(snap.instance, str(order_id), "quick", limit)
        except solver.InvalidPin:
            _, ignored = _solve_keeping_feasible_pins(snap.instance)
            pinned = [p for p in snap.instance.pinned if p not in ignored]
            return solver.recommend(msgspec.structs.replace(snap.instance, pinned=pinned),
                                    str(order_id), "quick", limit)

    try:
        return await asyncio.to_thread(rank)
    except solver.UnknownOrder as exc:
        raise NotFound("该订单没有待补的名额", "the order has no open slot at this station") from exc
