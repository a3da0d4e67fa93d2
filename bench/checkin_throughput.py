"""Check-in throughput and CPU of the running API against a bare insert endpoint.

The target (issue 18): a full check-in costs at most 1.5x the CPU per request (server +
PostgreSQL) of a bare Litestar + asyncpg one-row insert measured in the same run (stretch
1.2x), and 1,000 check-ins/s are sustained at 64 connections with p99 < 100 ms. The bare
peer is ``bench/bare_app.py`` (config flag ``bare``); pgbench's one-row insert still runs
as the database's own floor.

One run, one PostgreSQL, one machine:

1. start the embedded PostgreSQL in a temp dir (or use ``GIGSTATION_DATABASE_URL``) and
   apply the migrations;
2. pgbench: one-row INSERT into a scratch table per transaction
   (``-n -f script -c 8 -j 2 -T D -M prepared``) -> TPS and latency;
3. seed through the service layer (asyncpg + ``stations.create_station`` +
   ``workers.register_worker``): one station and N workers, one bearer token each
   (``auth.issue_token`` with a fixed secret the server is given too);
4. for each server configuration: start ``gigstation serve`` as a subprocess, wait for
   ``/api/v1/ready``, warm up, then drive ``POST /api/v1/checkins`` with wrk on
   127.0.0.1 (64 keep-alive connections, fixed duration). Every request is a *fresh*
   worker's self check-in at the station (location inside the radius): a worker can have
   one open check-in only (unique index), so tokens are never reused within a phase and
   ``checkins`` is emptied between phases. Non-201 answers are counted and reported.
5. print the table and save it (``bench/runs/<stamp>.json``); ``--summarize`` folds all
   saved runs into ``bench/RESULTS.md`` (medians).

The machine has 2 cores: wrk, the server processes and PostgreSQL share them, and the
per-process CPU seconds of each phase are recorded to show where the time goes.

Reproduce:  . .venv/bin/activate && python bench/checkin_throughput.py --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RUNS = HERE / "runs"
LUA = HERE / "checkin.lua"
SECRET = "bench-secret-key-not-for-production-0123456789"  # noqa: S105 - bench only
PII_KEY = base64.urlsafe_b64encode(b"b" * 32).decode()
STATION = (31.1500, 121.1200)  # Qingpu
DEFAULT_CONFIGS = [
    "granian:2:20:bare", "granian:2:20", "granian:2:20:before18", "granian:2:20:slow_checkin",
    "granian:2:20:nocache", "granian:2:20:bare",
]
"""Flags: ``bare`` the peer (bench/bare_app.py); ``before18`` the check-in as it was before
issue 18 (BEGIN, station, accepted work, insert + audit, COMMIT, and the account looked up
on every request); ``slow_checkin`` only the former; ``no_account_cache`` only the latter;
``nocache`` asyncpg's statement cache off (what PgBouncer 1.18 needs); ``uvloop`` uvloop on
the server's path (--extra-pythonpath)."""
BARE_TABLE = """
CREATE TABLE IF NOT EXISTS bench_bare (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id uuid NOT NULL, available_until timestamptz NOT NULL,
    lat float8, lon float8, max_distance_m integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
)"""
PGBENCH_SCRIPT = "\\set v random(1, 1000000)\nINSERT INTO bench_scratch (v) VALUES (:v);\n"


# ---------------------------------------------------------------- CPU accounting

def _clk() -> int:
    return os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server_pgid: int | None, postmaster: int | None) -> dict[str, float]:
    """CPU seconds by category over live processes: our PostgreSQL, the server's group."""
    out: dict[str, float] = {}
    tck = _clk()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        ppid, pgid = int(fields[1]), int(fields[2])
        secs = (int(fields[11]) + int(fields[12])) / tck
        if comm.startswith("postgres") and (postmaster is None or postmaster in (int(entry), ppid)):
            cat = "postgres"
        elif server_pgid is not None and pgid == server_pgid:
            cat = "server"
        else:
            continue
        out[cat] = out.get(cat, 0.0) + secs
    return out


def machine_busy() -> tuple[int, int]:
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


POSTMASTER: list[int] = []


def postmaster_pid(url: str) -> int | None:
    """Our PostgreSQL's postmaster, so other clusters on the machine are not counted."""
    m = re.search(r"host=([^&]+)", url)
    if m and Path(m.group(1), "postmaster.pid").exists():
        return int(Path(m.group(1), "postmaster.pid").read_text().split()[0])
    return None


class CpuMeter:
    """CPU seconds in the block: server group, our PostgreSQL backends, reaped children
    (wrk or pgbench, from RUSAGE_CHILDREN) and everything else on the machine ("other":
    concurrent work by others, which this 2-core machine shares)."""

    def __init__(self, server_pgid: int | None = None, child: str = "wrk") -> None:
        self.pgid = server_pgid
        self.child = child

    def __enter__(self) -> CpuMeter:
        pm = POSTMASTER[0] if POSTMASTER else None
        self.a = cpu_snapshot(self.pgid, pm)
        self.m = machine_busy()
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.c = ru.ru_utime + ru.ru_stime
        return self

    def __exit__(self, *exc: object) -> None:
        pm = POSTMASTER[0] if POSTMASTER else None
        b = cpu_snapshot(self.pgid, pm)
        m = machine_busy()
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.by = {k: round(b.get(k, 0.0) - self.a.get(k, 0.0), 2) for k in b}
        self.by[self.child] = round(ru.ru_utime + ru.ru_stime - self.c, 2)
        busy_s = (m[0] - self.m[0]) / _clk()
        self.by["other"] = round(max(0.0, busy_s - sum(self.by.values())), 2)
        self.busy = (m[0] - self.m[0]) / max(1, m[1] - self.m[1])


# ---------------------------------------------------------------- database

@contextlib.contextmanager
def database(tmp: Path) -> Iterator[str]:
    url = os.environ.get("GIGSTATION_DATABASE_URL")
    if url:
        yield url
        return
    from gigstation.platform.db import embedded_postgres

    with embedded_postgres(tmp) as url:
        yield url


def pgbench_bin() -> str:
    import pgserver

    found = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pgbench"
    return str(found) if found.exists() else (shutil.which("pgbench") or "pgbench")


def run_pgbench(url: str, tmp: Path, duration: int, clients: int, threads: int) -> dict[str, Any]:
    script = tmp / "insert.sql"
    script.write_text(PGBENCH_SCRIPT)
    cmd = [pgbench_bin(), "-n", "-f", str(script), "-c", str(clients), "-j", str(threads),
           "-T", str(duration), "-M", "prepared", url]
    with CpuMeter(child="pgbench") as cpu:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    if proc.returncode != 0:
        raise RuntimeError(f"pgbench failed: {proc.stderr.strip()}")
    text = proc.stdout
    tps = float(re.search(r"tps = ([0-9.]+)", text).group(1))  # type: ignore[union-attr]
    lat = re.search(r"latency average = ([0-9.]+) ms", text)
    failed = re.search(r"number of failed transactions: (\d+)", text)
    txns = re.search(r"number of transactions actually processed: (\d+)", text)
    return {
        "tps": round(tps, 1),
        "latency_avg_ms": float(lat.group(1)) if lat else None,
        "failed": int(failed.group(1)) if failed else 0,
        "transactions": int(txns.group(1)) if txns else None,
        "cpu_s": cpu.by, "machine_busy": round(cpu.busy, 3),
        "command": " ".join([*cmd[:-1], "<url>"]),
    }


# ---------------------------------------------------------------- seeding

def resident_id(i: int) -> str:
    from stdnum.cn import ric

    born = date(1970, 1, 1) + timedelta(days=i // 900)
    body = f"310118{born:%Y%m%d}{100 + i % 900:03d}"
    return body + ric.calc_check_digit(body + "0")


async def seed(url: str, n_workers: int) -> tuple[str, list[str]]:
    """One station and ``n_workers`` workers through the domain functions; their tokens."""
    import argon2

    from gigstation.people import workers
    from gigstation.platform.auth import Principal, issue_token
    from gigstation.platform.config import Settings
    from gigstation.platform.db import apply_migrations, connect_pool
    from gigstation.platform.pii import PiiCipher
    from gigstation.stations import registry as stations

    settings = Settings(database_url=url, secret_key=SECRET, pii_key=PII_KEY,
                        password_time_cost=1, password_memory_kib=64, token_ttl_s=6 * 3600)
    cipher = PiiCipher(settings.pii_key, key_version=settings.pii_key_version)
    pw_hash = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash("bench-password-1")
    pool = await connect_pool(url, min_size=8, max_size=8)
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn)
            await conn.execute(BARE_TABLE)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS bench_scratch "
                "(id bigserial PRIMARY KEY, v integer NOT NULL, at timestamptz NOT NULL DEFAULT now())")
            async with conn.transaction():
                st = await stations.create_station(conn, None, stations.StationCreate(  # type: ignore[arg-type]
                    name="压测驿站 bench", address="青浦区 bench", lat=STATION[0], lon=STATION[1],
                    service_radius_m=1000))
        today = datetime.now(UTC).date()
        ids: list[Any] = [None] * n_workers

        async def one(i: int) -> None:
            data = workers.WorkerCreate(name=f"工人{i}", phone=f"139{i:08d}",
                                        password="bench-password-1", id_type="resident_id",  # noqa: S106
                                        id_number=resident_id(i))
            async with pool.acquire() as conn, conn.transaction():
                view = await workers.register_worker(conn, cipher, data, pw_hash, today)
            ids[i] = view.id

        chunk = 400
        for start in range(0, n_workers, chunk):
            await asyncio.gather(*(one(i) for i in range(start, min(n_workers, start + chunk))))
        tokens = [issue_token(settings, Principal(uid, "worker"))[0] for uid in ids]
        return str(st.id), tokens
    finally:
        await pool.close()


async def reset_checkins(url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        n = await conn.fetchval("SELECT count(*) FROM checkins")
        await conn.execute("DELETE FROM checkins")
        await conn.execute("DELETE FROM audit_log WHERE action = 'checkin.create'")
        await conn.execute("VACUUM ANALYZE checkins")
        await conn.execute("VACUUM ANALYZE audit_log")
        await conn.execute("CHECKPOINT")
        return int(n)
    finally:
        await conn.close()


# ---------------------------------------------------------------- server and load

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(url: str, tmp: Path, spec: str, extra_path: str | None) -> Iterator[tuple[int, int]]:
    kind, nworkers, pool, *flags = spec.split(":")
    port = free_port()
    env = dict(os.environ)
    env.update({
        "GIGSTATION_DATABASE_URL": url, "GIGSTATION_SECRET_KEY": SECRET,
        "GIGSTATION_PII_KEY": PII_KEY, "GIGSTATION_POOL_MAX_SIZE": pool,
        "GIGSTATION_POOL_MIN_SIZE": str(min(2, int(pool))),
        "GIGSTATION_DATA_DIR": str(tmp / "server"),
    })
    env.pop("GIGSTATION_ADMIN_PHONE", None)
    paths, patches = [], [f for f in flags if f not in ("uvloop", "bare", "nocache")]
    if "nocache" in flags:  # asyncpg's statement cache off, as behind PgBouncer before 1.21
        env["GIGSTATION_STATEMENT_CACHE_SIZE"] = "0"
    if "uvloop" in flags:
        if not extra_path:
            raise RuntimeError(f"{spec}: needs --extra-pythonpath with uvloop/httptools")
        paths.append(extra_path)
    if patches:
        paths.append(str(HERE / "overlay"))
        env["BENCH_PATCHES"] = ",".join(patches)
    if "bare" in flags:
        paths.append(str(HERE))
        env.update({"BARE_DATABASE_URL": url, "BARE_POOL_MAX": pool})
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    else:
        env.pop("PYTHONPATH", None)
    log = open(tmp / f"server-{spec.replace(':', '_')}.log", "w")  # noqa: SIM115 - closed in finally
    if "bare" in flags:
        exe = shutil.which("granian") or "granian"
        cmd = [exe, "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
               "--workers", nworkers, "--factory", "bare_app:create"]
        ready_path = None
    else:
        exe = shutil.which("gigstation") or "gigstation"
        cmd = [exe, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", nworkers,
               "--server", kind]
        ready_path = "/api/v1/ready"
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{spec}: server exited {proc.returncode}; see {log.name}")
            if ready_path is None:
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        time.sleep(1.0)  # the workers' lifespans open their pools
                        break
            else:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=2) as r:
                        if r.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{spec}: not ready in 90 s; see {log.name}")
            time.sleep(0.3)
        yield port, proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        # worker processes of the group may outlive the parent by a moment
        for _ in range(50):
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def run_wrk(port: int, tokens_file: Path, body_file: Path, duration: int, conns: int,
            threads: int, path: str = "/api/v1/checkins") -> dict[str, Any]:
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{duration}s", "--timeout", "5s",
           "-s", str(LUA), f"http://127.0.0.1:{port}", "--", str(tokens_file), str(threads),
           str(body_file), path]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {proc.stdout}\n{proc.stderr}")
    res = json.loads(line[len("BENCHJSON "):])
    secs = res["duration_us"] / 1e6
    sock_errors = res["connect"] + res["read"] + res["write"] + res["timeout"]
    return {
        "requests": res["requests"],
        "rps_all": round(res["requests"] / secs, 1),
        "rps_201": round((res["requests"] - res["non201"]) / secs, 1),
        "non201": res["non201"], "statuses": res["statuses"], "socket_errors": sock_errors,
        "wrapped": res["wrapped"],
        "p50_ms": res["p50_us"] / 1000, "p95_ms": res["p95_us"] / 1000,
        "p99_ms": res["p99_us"] / 1000, "max_ms": res["max_us"] / 1000,
    }


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


# ---------------------------------------------------------------- report

def machine() -> dict[str, Any]:
    model = "?"
    with contextlib.suppress(OSError):
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                model = ln.split(":", 1)[1].strip()
                break
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "kernel": platform.release()}


def cpu_per_request(phase: dict[str, Any]) -> float:
    """Server + PostgreSQL CPU microseconds per request of one phase."""
    us = phase.get("cpu_us_per_req", {})
    return float(us.get("server", 0) + us.get("postgres", 0))


def bare_reference(phases: list[dict[str, Any]]) -> float | None:
    """The bare peer's CPU per request in this run (median over its phases)."""
    bare = [cpu_per_request(p) for p in phases if "bare" in p["config"].split(":") and "error" not in p]
    return statistics.median(bare) if bare else None


def table(run: dict[str, Any]) -> list[str]:
    tps = run["pgbench"]["tps"]
    ref = bare_reference(run["phases"])
    out = [
        "| config (server:workers:pool) | req/s (201) | p50 ms | p95 ms | p99 ms "
        "| errors (non-201 / socket) | CPU µs/req server + postgres | x bare | CPU s: server / postgres / wrk / other "
        "| machine busy |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| pgbench one-row insert, 8 clients | {tps:,.0f} TPS | | | "
        f"(avg {run['pgbench']['latency_avg_ms']}) | {run['pgbench']['failed']} | | | "
        f"pgbench {run['pgbench']['cpu_s'].get('pgbench', 0)} / "
        f"{run['pgbench']['cpu_s'].get('postgres', 0)} (live backends only) / - / "
        f"{run['pgbench']['cpu_s'].get('other', 0)} | {run['pgbench']['machine_busy']:.0%} |",
    ]
    for ph in run["phases"]:
        if "error" in ph:
            out.append(f"| {ph['config']} | failed: {ph['error']} | | | | | | | | |")
            continue
        cpu = ph["cpu_s"]
        us = cpu_per_request(ph)
        ratio = f"{us / ref:.2f}" if ref else "-"
        out.append(
            f"| {ph['config']} | {ph['rps_201']:,.0f} | "
            f"{ph['p50_ms']:.1f} | {ph['p95_ms']:.1f} | {ph['p99_ms']:.1f} | "
            f"{ph['non201']} / {ph['socket_errors']}{' (' + ph['statuses'] + ')' if ph['statuses'] else ''}"
            f"{' wrapped ' + str(ph['wrapped']) if ph['wrapped'] else ''} | "
            f"{ph['cpu_us_per_req'].get('server', 0)} + {ph['cpu_us_per_req'].get('postgres', 0)} = {us:.0f} | "
            f"{ratio} | {cpu.get('server', 0)} / {cpu.get('postgres', 0)} / {cpu.get('wrk', 0)} / "
            f"{cpu.get('other', 0)} | "
            f"{ph['machine_busy']:.0%} |")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=10, help="seconds per measured phase")
    ap.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per server")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--wrk-threads", type=int, default=1)
    ap.add_argument("--max-rps", type=int, default=1000,
                    help="seed enough fresh workers for this rate over a phase (beyond it "
                         "tokens wrap, and the 409s are counted as errors)")
    ap.add_argument("--workers", type=int, default=0, help="seeded workers (overrides --max-rps)")
    ap.add_argument("--configs", default=",".join(DEFAULT_CONFIGS),
                    help="comma list of server:processes:pool_max[:uvloop]")
    ap.add_argument("--extra-pythonpath", default=os.environ.get("BENCH_EXTRA_PYTHONPATH"),
                    help="a dir with uvloop/httptools for ':uvloop' configs (venv untouched)")
    ap.add_argument("--label", default="")
    ap.add_argument("--summarize", action="store_true", help="fold bench/runs/*.json into RESULTS.md")
    args = ap.parse_args()
    if args.summarize:
        return summarize()
    if not 1 <= args.duration <= 60 or not 0 <= args.warmup <= 10:
        raise SystemExit("duration 1..60 s, warm-up 0..10 s")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install -y wrk")
    configs = [c for c in args.configs.split(",") if c]
    measured = args.workers or args.max_rps * args.duration
    started = time.monotonic()
    run: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
        "command": " ".join(["python", "bench/checkin_throughput.py", *sys.argv[1:]]),
        "duration_s": args.duration, "connections": args.connections, "label": args.label,
        "phases": [],
    }
    with tempfile.TemporaryDirectory(prefix="gigbench-") as tmpname:
        tmp = Path(tmpname)
        with database(tmp) as url:
            t0 = time.monotonic()
            POSTMASTER[:] = [p for p in [postmaster_pid(url)] if p]
            station_id, tokens = asyncio.run(seed(url, measured))
            run["seed"] = {"workers": len(tokens), "seconds": round(time.monotonic() - t0, 1)}
            print(f"seeded {len(tokens)} workers in {run['seed']['seconds']} s", file=sys.stderr)
            run["pgbench"] = run_pgbench(url, tmp, args.duration, 8, 2)
            print(f"pgbench: {run['pgbench']['tps']} TPS", file=sys.stderr)
            until = (datetime.now(UTC) + timedelta(hours=12)).isoformat()
            body = tmp / "body.json"
            body.write_text(json.dumps({"station_id": station_id, "available_until": until,
                                        "lat": STATION[0] + 0.001, "lon": STATION[1]}))
            main_file = write_lines(tmp / "tokens.txt", tokens[:measured])
            for spec in configs:
                phase: dict[str, Any] = {"config": spec}
                try:
                    path = "/api/v1/bare/checkins" if "bare" in spec.split(":") else "/api/v1/checkins"
                    with server(url, tmp, spec, args.extra_pythonpath) as (port, pid):
                        if args.warmup:  # same tokens: the check-ins are deleted after it
                            run_wrk(port, main_file, body, args.warmup, args.connections,
                                    args.wrk_threads, path)
                            time.sleep(1.0)  # let requests still in flight finish first
                            asyncio.run(reset_checkins(url))
                        with CpuMeter(os.getpgid(pid)) as cpu:
                            phase.update(run_wrk(port, main_file, body, args.duration,
                                                 args.connections, args.wrk_threads, path))
                        phase["cpu_s"] = cpu.by
                        phase["machine_busy"] = round(cpu.busy, 3)
                        n = phase["requests"]
                        phase["cpu_us_per_req"] = {k: round(v * 1e6 / max(1, n)) for k, v in cpu.by.items()}
                except Exception as exc:  # noqa: BLE001 - report and go on with the next config
                    phase["error"] = f"{type(exc).__name__}: {exc}"[:300]
                rows = asyncio.run(reset_checkins(url))
                phase["rows_written"] = rows
                run["phases"].append(phase)
                print(f"{spec}: {json.dumps({k: v for k, v in phase.items() if k != 'config'})}",
                      file=sys.stderr)
    run["elapsed_s"] = round(time.monotonic() - started, 1)
    RUNS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RUNS / f"{stamp}.json").write_text(json.dumps(run, indent=1, ensure_ascii=False))
    print("\n".join(table(run)))
    print(f"\nsaved bench/runs/{stamp}.json; elapsed {run['elapsed_s']} s")
    return 0


def summarize() -> int:
    """Medians over the saved runs (grouped by label and config) into RESULTS.md."""
    runs = [r for r in (json.loads(p.read_text()) for p in sorted(RUNS.glob("*.json"))) if "phases" in r]
    if not runs:
        raise SystemExit("no runs saved yet")
    lines = []
    for label in dict.fromkeys(r.get("label", "") for r in runs):
        group = [r for r in runs if r.get("label", "") == label]
        tps = statistics.median(r["pgbench"]["tps"] for r in group)
        lines += [f"### {label or 'runs'}: {len(group)} runs "
                  f"({', '.join(r['date'] for r in group)})", "",
                  "pgbench TPS per run: " + ", ".join(f"{r['pgbench']['tps']:,.0f}" for r in group) + "; "
                  f"median {tps:,.0f}", "",
                  "| config | req/s per run | median req/s | p99 ms per run "
                  "| median p99 | non-201 + socket errors per run | server / postgres CPU µs per req (median) "
                  "| x bare per run | median x bare |",
                  "|---|---|---|---|---|---|---|---|---|"]
        configs = dict.fromkeys(p["config"] for r in group for p in r["phases"])
        for c in configs:
            ph = [p for r in group for p in r["phases"] if p["config"] == c and "error" not in p]
            if not ph:
                continue
            rps = [p["rps_201"] for p in ph]
            p99 = [p["p99_ms"] for p in ph]
            srv = statistics.median(p["cpu_us_per_req"].get("server", 0) for p in ph)
            pg = statistics.median(p["cpu_us_per_req"].get("postgres", 0) for p in ph)
            ratios = [cpu_per_request(p) / ref for r in group for p in r["phases"]
                      if p["config"] == c and "error" not in p
                      for ref in [bare_reference(r["phases"])] if ref]
            lines.append(
                f"| {c} | {', '.join(f'{x:,.0f}' for x in rps)} | {statistics.median(rps):,.0f} | "
                f"{', '.join(f'{x:.0f}' for x in p99)} | "
                f"{statistics.median(p99):.0f} | "
                f"{', '.join(str(p['non201'] + p['socket_errors']) for p in ph)} | {srv:.0f} / {pg:.0f} | "
                f"{', '.join(f'{x:.2f}' for x in ratios)} | "
                f"{statistics.median(ratios) if ratios else float('nan'):.2f} |")
        lines.append("")
    res = HERE / "RESULTS.md"
    old = res.read_text() if res.exists() else ""
    begin, end = "<!-- tables:begin -->", "<!-- tables:end -->"
    block = begin + "\n" + "\n".join(lines) + end
    if begin in old and end in old:
        new = old[: old.index(begin)] + block + old[old.index(end) + len(end):]
    else:
        new = old + "\n" + block + "\n"
    res.write_text(new)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
