"""Dispatch latency (1,000 waiting workers x 300 open orders) and SSE event latency.

One run, one PostgreSQL, one machine:

1. start the embedded PostgreSQL in a temp dir (or use ``GIGSTATION_DATABASE_URL``, which
   must point at an empty database) and apply the migrations;
2. seed by SQL (fast, every constraint holds): one station, an operator, an employer,
   1,000 workers checked in at the station (2 of 8 skills each, 5-15 km reach, waiting
   0-3 h, 15 % in a priority group) and 300 open orders (headcount 1-5, within 8 km,
   starting in 1-4 h);
3. start ``gigstation serve`` as a subprocess on the same database (auto dispatch off),
   with a fixed ``GIGSTATION_SECRET_KEY`` so this script mints tokens with
   ``auth.issue_token``;
4. connect an SSE client (``GET /api/v1/events``, a worker's token in the Authorization
   header) through httpx streaming;
5. dispatch end to end (advisory lock, expiry sweep, snapshot, solve in a thread, offers,
   run record, events, audit, commit), ``--runs`` times each:
   a. ``dispatch.dispatch_station`` called directly on a pool; the SSE worker is pinned
      to an order before each run, so each run also measures how long its ``offer.new``
      takes from the commit (``dispatch_station`` returning) to the client, in a burst
      of several hundred events;
   b. ``POST /api/v1/stations/{id}/dispatch`` against the server, as the operator;
   between runs every live offer is withdrawn by SQL, so each run has the same work;
6. event latency alone: ``--events`` times, commit one ``events.emit`` for the SSE worker
   in a transaction, note the time the COMMIT returned, and the time the client read the
   event; 100 ms apart.

Prints the figures and, with ``--out``, writes them as Markdown.

Reproduce:  . .venv/bin/activate && python bench/dispatch_bench.py --out bench/DISPATCH_RESULTS.md
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from gigstation.platform import clock, events
from gigstation.platform.auth import Principal, issue_token
from gigstation.platform.config import Settings
from gigstation.platform.db import apply_migrations, connect_pool, embedded_postgres
from gigstation.work.dispatch import dispatch_station

SECRET = "dispatch-bench-secret-0123456789abcdef"  # noqa: S105 (a throwaway benchmark key)
SKILLS = ["moving", "loading", "warehouse", "cleaning", "housekeeping", "construction_helper",
          "event_staff", "greening"]
LAT, LON = 31.151, 121.117


@contextlib.contextmanager
def database() -> Iterator[str]:
    url = os.environ.get("GIGSTATION_DATABASE_URL")
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="gigstation-bench-") as tmp, embedded_postgres(Path(tmp)) as url:
        yield url


async def seed(conn: asyncpg.Connection[Any], n_workers: int, n_orders: int, rng: random.Random) -> dict[str, Any]:
    """Station, operator, employer, checked-in workers and open orders, by SQL."""
    station = await conn.fetchval(
        "INSERT INTO stations (name, address, lat, lon, service_radius_m) "
        "VALUES ('基准驿站', '青浦区夏阳街道', $1, $2, 1500) RETURNING id", LAT, LON)
    operator = await conn.fetchval(
        "INSERT INTO users (role, phone, password_hash, name) VALUES ('operator', '13900000001', 'x', '专员') "
        "RETURNING id")
    await conn.execute("INSERT INTO operator_stations VALUES ($1, $2)", operator, station)
    employer = await conn.fetchval(
        "INSERT INTO users (role, phone, password_hash, name) VALUES ('employer', '13700000001', 'x', '单位') "
        "RETURNING id")
    await conn.execute(
        "INSERT INTO employers (user_id, kind, credit_code, contact_name, commitment_version, "
        "commitment_accepted_at) VALUES ($1, 'company', '91310118MA1G00001X', '联系人', 'bench', now())",
        employer)
    workers = [r["id"] for r in await conn.fetch(
        "INSERT INTO users (role, phone, password_hash, name) "
        "SELECT 'worker', '158' || lpad(g::text, 8, '0'), 'x', '工人' || g FROM generate_series(1, $1) g "
        "RETURNING id", n_workers)]
    births = [clock.today("Asia/Shanghai") - timedelta(days=rng.randint(20 * 365, 62 * 365)) for _ in workers]
    in_group = [rng.random() < 0.15 for _ in workers]
    await conn.execute(
        "INSERT INTO workers (user_id, id_type, id_cipher, id_index, id_masked, birth_date, priority_groups) "
        "SELECT u, 'resident_id', '\\x00'::bytea, uuid_send(u), '310***********0000', b, "
        "  CASE WHEN g THEN '{employment_difficulty}'::text[] ELSE '{}' END "
        "FROM unnest($1::uuid[], $2::date[], $3::bool[]) AS x(u, b, g)",
        workers, births, in_group)
    skill_rows = [(w, s) for w in workers for s in rng.sample(SKILLS, 2)]
    await conn.executemany(
        "INSERT INTO worker_skills (worker_id, skill, status) VALUES ($1, $2, 'active')", skill_rows)
    await conn.execute(
        "INSERT INTO checkins (worker_id, station_id, available_until, max_distance_m, checked_in_at, by_operator) "
        "SELECT u, $2, now() + interval '10 hours', d, now() - make_interval(mins => m), $5 "
        "FROM unnest($1::uuid[], $3::int[], $4::int[]) AS x(u, d, m)",
        workers, station, [rng.choice([5000, 8000, 10_000, 12_000, 15_000]) for _ in workers],
        [rng.randint(0, 180) for _ in workers], operator)
    orders = []
    for _ in range(n_orders):
        start = clock.now() + timedelta(minutes=rng.randint(60, 240))
        dist, bearing = 8000 * rng.random() ** 0.5, rng.uniform(0, 6.2832)
        lat = LAT + dist * math.cos(bearing) / 111_320
        lon = LON + dist * math.sin(bearing) / (111_320 * math.cos(math.radians(LAT)))
        orders.append((employer, station, rng.choice(SKILLS), rng.randint(1, 5), start,
                       start + timedelta(hours=rng.randint(3, 6)), lat, lon))
    await conn.executemany(
        "INSERT INTO orders (employer_id, station_id, title, skill, headcount, starts_at, ends_at, "
        "lat, lon, address, pay_cents, pay_unit) VALUES ($1, $2, '基准用工', $3, $4, $5, $6, $7, $8, "
        "'青浦区', 3000, 'hour')", orders)
    order_ids = [r["id"] for r in await conn.fetch("SELECT id FROM orders ORDER BY id")]
    slots = await conn.fetchval("SELECT sum(headcount) FROM orders")
    return {"station": station, "operator": operator, "workers": workers, "orders": order_ids,
            "slots": slots}


_RESET = """
UPDATE offers SET status = 'withdrawn', close_reason = 'bench_reset', answered_at = now()
WHERE status = 'offered'
"""
_PIN = """
INSERT INTO pairings (station_id, worker_id, order_id, kind, created_by) VALUES ($1, $2, $3, 'pin', $4)
ON CONFLICT (worker_id, order_id) DO UPDATE SET kind = 'pin'
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(url: str, port: int, data_dir: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "GIGSTATION_DATABASE_URL": url, "GIGSTATION_SECRET_KEY": SECRET,
           "GIGSTATION_DATA_DIR": data_dir, "GIGSTATION_AUTO_DISPATCH": "false"}
    log = open(Path(data_dir) / "server.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([sys.executable, "-m", "gigstation.cli", "serve", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


class SseClient:
    """Reads the stream in the background; hands each event's arrival time to whoever waits."""

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self._client = client
        self._token = token
        self.arrivals: dict[str, asyncio.Future[float]] = {}
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def expect(self, key: str) -> asyncio.Future[float]:
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.arrivals[key] = fut
        return fut

    async def _read(self) -> None:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "text/event-stream"}
        async with self._client.stream("GET", "/api/v1/events", headers=headers, timeout=None) as r:
            r.raise_for_status()
            async for line in r.aiter_lines():
                now = time.perf_counter()
                if line.startswith(":"):
                    self.connected.set()
                elif line.startswith("data:") and line[5:].strip():
                    try:
                        body = json.loads(line[5:])
                    except ValueError:
                        print("unparsable SSE data:", line[:200], file=sys.stderr)
                        continue
                    key = (f"order:{body.get('order_id')}" if body.get("kind") == "offer.new"
                           else str(body.get("seq")))
                    fut = self.arrivals.pop(key, None)
                    if fut is not None and not fut.done():
                        fut.set_result(now)

    async def __aenter__(self) -> SseClient:
        self._task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.connected.wait(), 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await self._task


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return round(values[0], 1) if values else float("nan")
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": pct(values, 50), "p95": pct(values, 95),
            "max": round(max(values), 1), "min": round(min(values), 1)}


async def wait_ready(client: httpx.AsyncClient, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if (await client.get("/api/v1/ready")).status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise RuntimeError("server did not become ready")


async def bench(url: str, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    settings = Settings.from_env({}, database_url=url, secret_key=SECRET)
    pool = await connect_pool(url, min_size=2, max_size=4)
    async with pool.acquire() as conn:
        await apply_migrations(conn)  # type: ignore[arg-type]
        if await conn.fetchval("SELECT count(*) FROM stations"):
            raise SystemExit("the benchmark needs an empty database")
        t = time.perf_counter()
        data = await seed(conn, args.workers, args.orders, rng)  # type: ignore[arg-type]
        seed_s = time.perf_counter() - t
        pg_version = await conn.fetchval("SHOW server_version")
    station, operator = data["station"], data["operator"]
    listener = data["workers"][0]
    async with pool.acquire() as conn:
        # An order the listening worker can surely fill, pinned before each direct run.
        await conn.execute("UPDATE checkins SET max_distance_m = 15000 WHERE worker_id = $1", listener)
        await_pin_order = await conn.fetchval(
            "SELECT o.id FROM orders o WHERE o.skill IN (SELECT skill FROM worker_skills WHERE worker_id = $1) "
            "ORDER BY great_circle_m(o.lat, o.lon, $2, $3), o.id LIMIT 1", listener, LAT, LON)
    op_token, _ = issue_token(settings, Principal(operator, "operator"))
    worker_token, _ = issue_token(settings, Principal(listener, "worker"))
    port = free_port()
    out: dict[str, Any] = {"seed_s": round(seed_s, 2), "slots": data["slots"], "pg": pg_version}
    zone = settings.timezone
    with tempfile.TemporaryDirectory() as tmp, server(url, port, tmp) as proc:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            await wait_ready(client, proc)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as stream_client, \
                    SseClient(stream_client, worker_token) as sse:
                # a. direct, with the SSE worker pinned so its offer.new is timed too.
                direct, solve, offer_lat, offered, workers_seen, sizes = [], [], [], [], [], []
                for i in range(args.runs + 1):
                    async with pool.acquire() as conn:
                        await conn.execute(_RESET)
                        await conn.execute(_PIN, station, listener, await_pin_order, operator)
                    fut = sse.expect(f"order:{await_pin_order}")
                    t = time.perf_counter()
                    run = await dispatch_station(pool, settings, station, operator, now=clock.now(),
                                                 day_start=clock.day_start(zone), today=clock.today(zone))
                    committed = time.perf_counter()
                    try:
                        arrived = await asyncio.wait_for(fut, 10)
                    except TimeoutError:
                        arrived = float("nan")
                    if i == 0:
                        continue  # warm-up: first connections, first plans
                    direct.append((committed - t) * 1000)
                    solve.append(run.stats.solve_ms)
                    offer_lat.append((arrived - committed) * 1000)
                    offered.append(run.stats.offered)
                    workers_seen.append(run.stats.workers)
                    sizes.append(run.stats.slots)
                out["direct_ms"] = summary(direct)
                out["solve_ms"] = summary(solve)
                out["offer_event_ms"] = summary([x for x in offer_lat if x == x])
                out["offer_event_missing"] = sum(1 for x in offer_lat if x != x)
                out["offered"] = statistics.median(offered)
                out["snapshot_workers"] = statistics.median(workers_seen)
                out["snapshot_slots"] = statistics.median(sizes)

                # b. over HTTP, as the operator.
                http = []
                headers = {"Authorization": f"Bearer {op_token}"}
                for i in range(args.runs + 1):
                    async with pool.acquire() as conn:
                        await conn.execute(_RESET)
                    t = time.perf_counter()
                    r = await client.post(f"/api/v1/stations/{station}/dispatch", headers=headers)
                    elapsed = (time.perf_counter() - t) * 1000
                    if r.status_code != 201:
                        raise RuntimeError(f"dispatch answered {r.status_code}: {r.text[:300]}")
                    if i:
                        http.append(elapsed)
                out["http_ms"] = summary(http)
                out["http_offers"] = len(r.json()["offers"])
                out["http_body_kb"] = round(len(r.content) / 1024, 1)

                # 6. one event per commit.
                lat = []
                for i in range(args.events):
                    seq = f"bench-{i}"
                    fut = sse.expect(seq)
                    async with pool.acquire() as conn:
                        tr = conn.transaction()
                        await tr.start()
                        await events.emit(conn, "bench.ping", {"seq": seq}, user_id=listener)  # type: ignore[arg-type]
                        # Timed from sending COMMIT: the client may read the event before
                        # this coroutine resumes after the acknowledgement.
                        committed = time.perf_counter()
                        await tr.commit()
                    try:
                        lat.append((await asyncio.wait_for(fut, 5) - committed) * 1000)
                    except TimeoutError:
                        lat.append(float("nan"))
                    await asyncio.sleep(0.1)
                out["event_ms"] = summary([x for x in lat if x == x])
                out["event_missing"] = sum(1 for x in lat if x != x)
    await pool.close()
    return out


def machine() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "python": platform.python_version(),
            "kernel": platform.release()}


def markdown(out: dict[str, Any], m: dict[str, str], args: argparse.Namespace, when: str) -> str:
    def row(name: str, s: dict[str, float], note: str = "") -> str:
        return f"| {name} | {s['n']} | {s['p50']} | {s['p95']} | {s['max']} | {note} |"

    return "\n".join([
        "# Dispatch and real-time push: measured figures",
        "",
        f"Measured {when} on {m['nproc']} cores ({m['cpu']}), Python {m['python']}, "
        f"embedded PostgreSQL {out['pg']} (pgserver), one `gigstation serve` process (uvicorn) "
        f"sharing the machine with PostgreSQL and this script. Load: {out['load']}.",
        "",
        "Command:",
        "",
        "```",
        ". .venv/bin/activate && python bench/dispatch_bench.py "
        f"--workers {args.workers} --orders {args.orders} --runs {args.runs} --events {args.events} "
        f"--seed {args.seed} --out bench/DISPATCH_RESULTS.md",
        "```",
        "",
        f"Station: {args.workers} waiting workers, {args.orders} open orders ({out['slots']} slots); "
        f"each run snapshots {out['snapshot_workers']:.0f} workers and {out['snapshot_slots']:.0f} slots "
        f"and stores {out['offered']:.0f} offers (and as many `offer.new` events). Between runs the live "
        "offers are withdrawn by SQL so every run does the same work. First run of each kind "
        "is a warm-up and not counted.",
        "",
        "| what (ms) | runs | p50 | p95 | max | note |",
        "|---|---|---|---|---|---|",
        row("dispatch_station, direct (lock, sweep, snapshot, solve, offers, events, commit)",
            out["direct_ms"]),
        row("  of which solver (quick mode, in a thread)", out["solve_ms"]),
        row("POST /api/v1/stations/{id}/dispatch, client-side", out["http_ms"],
            f"201 with {out['http_offers']} offers, {out['http_body_kb']} KB"),
        row("offer.new to an SSE client inside a run's burst, from dispatch_station returning",
            out["offer_event_ms"], f"missing: {out['offer_event_missing']}"),
        row("one event (events.emit, COMMIT) to an SSE client, from sending COMMIT", out["event_ms"],
            f"missing: {out['event_missing']}"),
        "",
        "Targets (issue 4): dispatch p95 under 1,000 ms; an event within 200 ms of the commit.",
        f"Seeding by SQL took {out['seed_s']} s.",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1000)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write the figures as Markdown here")
    args = parser.parse_args()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = os.getloadavg()[0]
    with database() as url:
        out = asyncio.run(bench(url, args))
    # Other work on the machine moves these figures a lot: say how busy it was.
    out["load"] = f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after (1-minute load average)"
    m = machine()
    print(json.dumps({"machine": m, **out}, indent=2, ensure_ascii=False, default=str))
    if args.out:
        args.out.write_text(markdown(out, m, args, when), encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
