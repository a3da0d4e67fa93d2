"""A province morning on real engines: 3 API hosts, PgBouncer, a primary and a replica.

Builds the cluster of tests/multihost (network namespaces, veth pairs; needs root), seeds
a province straight into the database (300 stations with an operator each, 100 employers,
100,000 workers: registering them through the API would run argon2 100,000 times, so the
seed writes the rows ``register_worker`` writes, with one precomputed password hash), then
plays a compressed morning against the hosts:

- 30,000 workers check in (a fresh worker each time, spread over the stations and the
  hosts), at ``--rate`` a second;
- 10,000 orders are posted by employers over the same minutes;
- every host runs auto-dispatch (``GIGSTATION_AUTO_DISPATCH``, every ``--interval`` s; a
  station is dispatched by one host at a time, by its advisory lock);
- ``--streams`` phones hold their event stream (spread over the hosts) and accept the
  offers it brings; every other offer is answered by a follower that reads new offers from
  the database (a phone that polls), so every offer is accepted or left to expire (10 %);
- afterwards every invariant is checked from the database, and the figures are printed:
  check-ins/s sustained, p50/p99 of check-in and accept, dispatch time per station
  (p50/p99), offer delivery delay (p99, from the offer's commit to its arrival on a
  phone), and each server process's memory at start, peak and end.

Reproduce:  sudo . .venv/bin/activate && python bench/province_morning.py
(``--stations 30 --workers 10000 --checkins 3000 --orders 1000`` for a quick look.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.multihost import cluster as mh  # noqa: E402
from tests.multihost.phones import Client, Phones, Stream  # noqa: E402
from tests.multihost.seed import SKILL, Province, seed_province  # noqa: E402

from gigstation.platform.config import Settings  # noqa: E402


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * len(values)) - 1))]


class Morning:
    def __init__(self, c: mh.Cluster, p: Province, args: argparse.Namespace) -> None:
        self.c, self.p, self.a = c, p, args
        self.hosts = [h.base for h in c.hosts]
        self.checkin_ms: list[float] = []
        self.accept_ms: list[float] = []
        self.acked_checkins: set[str] = set()
        self.acked_assignments: set[str] = set()
        self.answered: set[str] = set()
        self.statuses: dict[str, int] = {}
        self.streams: dict[int, Stream] = {}
        self.arrivals: dict[int, float] = {}  # event id -> arrival time
        self.memory: dict[str, list[float]] = {}
        self.done = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()

    def count(self, what: str, status: int) -> None:
        key = f"{what} {status}"
        self.statuses[key] = self.statuses.get(key, 0) + 1

    async def checkin(self, phones: Phones, i: int) -> None:
        station = self.p.worker_station[i]
        lat, lon = self.p.station_places[station]
        if i in self.streams:
            self.spawn(self.open_stream(i))
        body = {"station_id": str(self.p.station_ids[station]), "lat": lat + 0.0004, "lon": lon,
                "available_until": (datetime.now(UTC) + timedelta(hours=10)).isoformat()}
        t0 = time.perf_counter()
        r = await phones.send("POST", "/api/v1/checkins", self.p.worker_tokens[i], body, key=f"c{i}")
        self.checkin_ms.append((time.perf_counter() - t0) * 1000)
        self.count("checkin", r.status)
        if r.status == 201:
            self.acked_checkins.add(r.body["id"])

    async def open_stream(self, i: int) -> None:
        try:
            await self.streams[i].open()
        except (OSError, TimeoutError, RuntimeError, asyncio.IncompleteReadError):
            self.count("stream", 0)  # an overloaded host did not answer in 30 s: this phone has none
            return
        self.count("stream", 200)

    async def post_order(self, phones: Phones, k: int) -> None:
        station = k % len(self.p.station_ids)
        lat, lon = self.p.station_places[station]
        starts = datetime.now(UTC) + timedelta(hours=1, minutes=k % 240)
        body = {"title": f"理货{k}", "skill": SKILL, "headcount": 2 + k % 2, "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=4)).isoformat(), "lat": lat + 0.002, "lon": lon,
                "address": "仓库", "pay_cents": 4000, "pay_unit": "hour"}
        e = k % len(self.p.employer_tokens)
        r = await phones.send("POST", "/api/v1/orders", self.p.employer_tokens[e], body, key=f"o{k}")
        self.count("order", r.status)

    def spawn(self, job: Any) -> None:
        task = asyncio.create_task(job)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def answer(self, phones: Phones, offer_id: str, worker: int,
                     wait: tuple[float, float] = (0.5, 2.0)) -> None:
        if offer_id in self.answered:
            return
        self.answered.add(offer_id)
        if random.random() < 0.1:
            return  # one in ten lets the offer expire
        await asyncio.sleep(random.uniform(*wait))  # reading the offer
        t0 = time.perf_counter()
        r = await phones.send("POST", f"/api/v1/offers/{offer_id}/accept", self.p.worker_tokens[worker])
        self.accept_ms.append((time.perf_counter() - t0) * 1000)
        self.count("accept", r.status)
        if r.status == 200:
            self.acked_assignments.add(r.body["id"])

    async def follow_streams(self, phones: Phones, index: dict[str, int]) -> None:
        while not self.done.is_set():
            await asyncio.sleep(0.2)
            for i, s in self.streams.items():
                for event_id, kind, at, body in s.events[-5:]:
                    if kind == "offer.new" and event_id not in self.arrivals:
                        self.arrivals[event_id] = at
                        self.spawn(self.answer(phones, body["offer_id"], i))

    async def follow_database(self, phones: Phones, index: dict[str, int]) -> None:
        """Phones without a stream: they find their offers by asking (read here from the table)."""
        conn = await asyncpg.connect(self.c.direct_url)
        after = datetime.now(UTC) - timedelta(minutes=1)
        try:
            while not self.done.is_set():
                rows = await conn.fetch(
                    "SELECT id, worker_id, created_at FROM offers WHERE status = 'offered' AND created_at > $1 "
                    "ORDER BY created_at LIMIT 2000", after)
                for r in rows:
                    after = max(after, r["created_at"] - timedelta(seconds=5))
                    w = index.get(str(r["worker_id"]))
                    if w is not None and w not in self.streams:
                        self.spawn(self.answer(phones, str(r["id"]), w, wait=(1.0, 4.0)))  # it polls
                await asyncio.sleep(1.0)
        finally:
            await conn.close()

    async def watch_memory(self) -> None:
        while not self.done.is_set():
            for h in self.c.hosts:
                if h.proc is None:
                    continue
                with contextlib.suppress(psutil.NoSuchProcess):
                    main = psutil.Process(h.proc.pid)
                    for proc in [main, *main.children(recursive=True)]:
                        with contextlib.suppress(psutil.NoSuchProcess):
                            key = f"{h.name}:{proc.pid}"
                            self.memory.setdefault(key, []).append(proc.memory_info().rss / 2**20)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.done.wait(), 5)

    async def run(self) -> dict[str, Any]:
        a = self.a
        rng = random.Random(7)
        who = rng.sample(range(len(self.p.worker_ids)), a.checkins)
        for k, i in enumerate(who[: a.streams]):
            self.streams[i] = Stream(self.hosts[k % len(self.hosts)], self.p.worker_tokens[i])
        index = {str(w): i for i, w in enumerate(self.p.worker_ids)}
        async with Client(timeout=30, per_host=a.connections // len(self.hosts) + 1) as client:
            phones = Phones(self.hosts, client, give_up_s=120)
            followers = [asyncio.create_task(self.follow_streams(phones, index)),
                         asyncio.create_task(self.follow_database(phones, index)),
                         asyncio.create_task(self.watch_memory())]
            sem = asyncio.Semaphore(a.connections)

            async def limited(job: Any) -> None:
                async with sem:
                    await job

            started = time.monotonic()
            tasks = []
            duration = a.checkins / a.rate
            orders_every = duration / a.orders
            next_order, k_order = 0.0, 0
            for n, i in enumerate(who):
                due = started + n / a.rate
                while k_order < a.orders and next_order <= n / a.rate:
                    tasks.append(asyncio.create_task(limited(self.post_order(phones, k_order))))
                    k_order += 1
                    next_order = k_order * orders_every
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(limited(self.checkin(phones, i))))
            while k_order < a.orders:
                tasks.append(asyncio.create_task(limited(self.post_order(phones, k_order))))
                k_order += 1
            await asyncio.gather(*tasks)
            checkin_span = time.monotonic() - started
            # Let dispatch and the answers settle.
            await asyncio.sleep(a.settle)
            self.done.set()
            await asyncio.gather(*followers, *self.tasks, return_exceptions=True)
            for s in self.streams.values():
                await s.close()
        return {"checkin_span_s": checkin_span}


async def invariants(url: str, m: Morning) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        found = await conn.fetchval("SELECT count(*) FROM checkins WHERE id = ANY($1::uuid[])",
                                    list(m.acked_checkins))
        assigned = await conn.fetchval("SELECT count(*) FROM assignments WHERE id = ANY($1::uuid[])",
                                       list(m.acked_assignments))
        overfilled = await conn.fetchval("""
            SELECT count(*) FROM orders o WHERE o.filled > o.headcount
               OR o.filled <> (SELECT count(*) FROM assignments a WHERE a.order_id = o.id)""")
        double = await conn.fetchval("""
            SELECT count(*) FROM assignments a JOIN assignments b
              ON a.worker_id = b.worker_id AND a.id < b.id
             AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
             WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'""")
        two_open = await conn.fetchval("""
            SELECT count(*) FROM (SELECT worker_id FROM checkins WHERE status = 'waiting'
                                  GROUP BY worker_id HAVING count(*) > 1) x""")
        live_offers_per_worker = await conn.fetchval("""
            SELECT count(*) FROM (SELECT worker_id FROM offers WHERE status = 'offered'
                                  GROUP BY worker_id HAVING count(*) > 1) x""")
        # From the run's start (its transaction's now()) to its commit.
        runs = [r["ms"] for r in await conn.fetch(
            "SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin) - started_at) * 1000 AS ms "
            "FROM dispatch_runs")]
        committed = {r["id"]: r["at"].timestamp() for r in await conn.fetch(
            "SELECT id, pg_xact_commit_timestamp(xmin) AS at FROM events WHERE id = ANY($1::bigint[])",
            list(m.arrivals))}
        totals = await conn.fetchrow("""
            SELECT (SELECT count(*) FROM checkins) AS checkins, (SELECT count(*) FROM orders) AS orders,
                   (SELECT coalesce(sum(headcount), 0) FROM orders) AS slots,
                   (SELECT count(*) FROM assignments) AS assignments, (SELECT count(*) FROM offers) AS offers,
                   (SELECT count(*) FROM dispatch_runs) AS runs""")
    finally:
        await conn.close()
    delays = [m.arrivals[e] - committed[e] for e in m.arrivals if e in committed]
    total_ms = [float(ms) for ms in runs if ms is not None]
    return {
        "acked_checkins": len(m.acked_checkins), "acked_checkins_found": found,
        "acked_assignments": len(m.acked_assignments), "acked_assignments_found": assigned,
        "orders_overfilled_or_miscounted": overfilled, "workers_double_booked": double,
        "workers_with_two_open_checkins": two_open, "workers_with_two_live_offers": live_offers_per_worker,
        "dispatch_runs": len(runs), "dispatch_ms_p50": pct(total_ms, 0.5), "dispatch_ms_p99": pct(total_ms, 0.99),
        "offer_delivery_ms_p50": pct(delays, 0.5) * 1000, "offer_delivery_ms_p99": pct(delays, 0.99) * 1000,
        "offers_seen_on_streams": len(delays), "totals": dict(totals),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stations", type=int, default=300)
    ap.add_argument("--workers", type=int, default=100_000, help="registered workers")
    ap.add_argument("--checkins", type=int, default=30_000)
    ap.add_argument("--orders", type=int, default=10_000)
    ap.add_argument("--rate", type=float, default=100.0, help="check-ins a second (offered)")
    ap.add_argument("--streams", type=int, default=3000, help="phones holding an event stream")
    ap.add_argument("--connections", type=int, default=128, help="concurrent requests")
    ap.add_argument("--hosts", type=int, default=3)
    ap.add_argument("--processes", type=int, default=1, help="server processes per host")
    ap.add_argument("--interval", type=float, default=5.0, help="auto-dispatch interval, s")
    ap.add_argument("--settle", type=float, default=20.0, help="seconds after the last check-in")
    ap.add_argument("--out", type=Path, default=None, help="write the figures here as JSON")
    args = ap.parse_args()
    why = mh.unavailable()
    if why:
        raise SystemExit(f"province_morning: {why}")
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # many phones, each a socket
    env = {"GIGSTATION_AUTO_DISPATCH": "true", "GIGSTATION_AUTO_DISPATCH_INTERVAL_S": str(args.interval),
           "GIGSTATION_OFFER_TTL_S": "90", "GIGSTATION_POOL_MAX_SIZE": "20"}
    t0 = time.monotonic()
    with mh.Cluster.up(hosts=args.hosts, workers=args.processes, env=env) as c:
        print(f"cluster up in {time.monotonic() - t0:.0f} s", file=sys.stderr)
        settings = Settings(database_url=c.direct_url, secret_key=mh.SECRET, pii_key=mh.PII_KEY)
        t1 = time.monotonic()
        p = asyncio.run(seed_province(c.direct_url, settings, stations_n=args.stations, workers_n=args.workers,
                                      employers_n=100, bulk=True))
        print(f"seeded {args.workers} workers, {args.stations} stations in {time.monotonic() - t1:.0f} s",
              file=sys.stderr)
        m = Morning(c, p, args)
        span = asyncio.run(m.run())
        checks = asyncio.run(invariants(c.direct_url, m))
    mem = {key: (round(v[0]), round(max(v)), round(v[-1])) for key, v in m.memory.items() if v}
    figures = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "args": vars(args) | {"out": str(args.out)},
        "load_average_start_end": list(psutil.getloadavg()),
        "checkins_per_s_sustained": round(m.statuses.get("checkin 201", 0) / span["checkin_span_s"], 1),
        "checkin_ms_p50": round(pct(m.checkin_ms, 0.5), 1), "checkin_ms_p99": round(pct(m.checkin_ms, 0.99), 1),
        "accept_ms_p50": round(pct(m.accept_ms, 0.5), 1), "accept_ms_p99": round(pct(m.accept_ms, 0.99), 1),
        "statuses": m.statuses, "memory_mib_start_peak_end": mem, **span, **checks,
    }
    text = json.dumps(figures, indent=1, default=str, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text)
    bad = (checks["acked_checkins_found"] != checks["acked_checkins"]
           or checks["acked_assignments_found"] != checks["acked_assignments"]
           or checks["orders_overfilled_or_miscounted"] or checks["workers_double_booked"]
           or checks["workers_with_two_open_checkins"])
    print("invariants: " + ("BROKEN" if bad else "all hold"))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
