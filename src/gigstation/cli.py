"""The ``gigstation`` command: serve, migrate, demo, simulate, rotate-pii-key, solve."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

import msgspec

from gigstation.platform.backup import BackupDamaged, RestoreRefused
from gigstation.platform.config import Settings
from gigstation.platform.db import MigrationError
from gigstation.platform.keys import KeyRefused
from gigstation.platform.logs import configure_logging
from gigstation.platform.processes import PARENT_PID_ENV, Busy, port_is_free, reserve_port
from gigstation.platform.runner import database
from gigstation.platform.runner import settings_from_args as _settings

__all__ = ["main"]


def _prepare(settings: Settings) -> None:
    """Shared start-up state, once, before any worker starts: migrations and the identity key."""
    from gigstation.platform.db import apply_migrations, connect_pool, connection
    from gigstation.platform.keys import open_keyring

    async def run() -> None:
        # PostgreSQL itself: the migration lock is held across statements (docs/scale.md).
        pool = await connect_pool(settings.direct_url, min_size=1, max_size=1)
        try:
            async with connection(pool) as conn:
                await apply_migrations(conn)
                await open_keyring(conn, settings)
        finally:
            await pool.close()

    asyncio.run(run())
def _public_base_url(host: str, port: int) -> str:
    """GIGSTATION_PUBLIC_BASE_URL, or the address this server listens on (QR codes encode it)."""
    configured = os.environ.get("GIGSTATION_PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"  # noqa: S104


@contextlib.contextmanager
def _metrics_dir_for_run(path: Path, owned: bool) -> Iterator[None]:
    try:
        yield
    finally:
        if owned:
            shutil.rmtree(path, ignore_errors=True)


def _metrics_dir() -> contextlib.AbstractContextManager[None]:
    """One PROMETHEUS_MULTIPROC_DIR for this run's workers (api/metrics.py), emptied first:
    a fresh temporary directory unless the environment names one."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    path = Path(given) if given else Path(tempfile.mkdtemp(prefix="gigstation-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return _metrics_dir_for_run(path, owned=not given)


def _serve(settings: Settings, host: str, port: int, workers: int, server: str) -> None:
    _prepare(settings)
    # Child processes read settings from the environment, so publish the resolved ones.
    os.environ["GIGSTATION_PUBLIC_BASE_URL"] = _public_base_url(host, port)
    os.environ["GIGSTATION_DATABASE_URL"] = settings.database_url or ""
    os.environ["GIGSTATION_DATA_DIR"] = str(settings.data_dir)
    os.environ[PARENT_PID_ENV] = str(os.getpid())  # workers die with this process
    metrics_dir = _metrics_dir()
    if not settings.secret_key:
        # Every worker process must verify tokens the others issued.
        os.environ["GIGSTATION_SECRET_KEY"] = os.urandom(32).hex()
    with reserve_port(host, port), metrics_dir:
        print(f"API: http://{host}:{port}/api/v1   文档 / docs: http://{host}:{port}/schema/swagger",
              file=sys.stderr)
        if server == "granian":
            from granian import Granian
            from granian.constants import Interfaces

            from gigstation.platform.logs import GRANIAN_LOGGING

            # A worker stopped while it starts may never answer its SIGTERM: after the kill
            # timeout granian kills it, so one SIGTERM always ends the server.
            Granian("gigstation.asgi:app_from_env", address=host, port=port, workers=workers,
                    interface=Interfaces.ASGI, factory=True, workers_kill_timeout=WORKER_KILL_TIMEOUT_S,
                    log_dictconfig=GRANIAN_LOGGING).serve()
        else:
            import uvicorn

            # Forwarded headers are judged by api/http_policy (GIGSTATION_TRUSTED_PROXIES) alone.
            uvicorn.run("gigstation.asgi:app_from_env", factory=True, host=host, port=port,
                        workers=workers, log_level="warning", access_log=False, proxy_headers=False,
                        timeout_graceful_shutdown=WORKER_KILL_TIMEOUT_S)


WORKER_KILL_TIMEOUT_S = 5
"""How long a stopping worker may finish its requests before it is killed."""


def _exit_on_signal(signum: int, _: FrameType | None) -> None:
    # Unwind the with-blocks (the embedded PostgreSQL stops) instead of dying on the spot.
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _graceful_signals() -> Iterator[None]:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    yield


def _port_must_be_free(host: str, port: int) -> None:
    if not port_is_free(host, port):  # fail before starting or writing a database, not after
        raise Busy(f"端口 {host}:{port} 已被占用，请换一个端口（--port）/ port {host}:{port} is already in use: "
                   "pick another --port")


def cmd_serve(args: argparse.Namespace) -> int:
    _port_must_be_free(args.host, args.port)
    with _graceful_signals(), database(_settings(args)) as settings:
        _serve(settings, args.host, args.port, args.workers, args.server)
    return 0


def cmd_rotate_pii_key(args: argparse.Namespace) -> int:
    from gigstation.platform.key_rotation import rotate

    with database(_settings(args)) as settings:
        done = asyncio.run(rotate(settings.database_url or "", settings))
    print(f"已用第 {done.new_version} 版密钥重新加密 {done.resealed} 个证件号码 / resealed {done.resealed} "
          f"identity numbers under key version {done.new_version} (was {done.old_version}); new key file: "
          f"{done.key_file}. 旧密钥文件在旧备份不再需要后可删除 / keep the old key file while backups made "
          "before now may still be restored.")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from gigstation.platform.db import apply_migrations, connect_pool, connection

    if args.check:
        return _migrate_check(args)

    async def run(url: str) -> list[str]:
        pool = await connect_pool(url, min_size=1, max_size=1)
        try:
            async with connection(pool) as conn:
                return await apply_migrations(conn)
        finally:
            await pool.close()

    with database(_settings(args)) as settings:
        applied = asyncio.run(run(settings.direct_url))
    print("已是最新 / up to date" if not applied else "applied: " + ", ".join(applied))
    return 0


def _migrate_check(args: argparse.Namespace) -> int:
    """Say what ``migrate`` would do; exit 0 when up to date, 1 when migrations would run,
    2 when the database's history does not match this version."""
    import asyncpg

    from gigstation.platform.runner import database_shared
    from gigstation.platform.schema_plan import MigrationPlan, plan_migrations

    async def run(url: str) -> MigrationPlan:
        conn = await asyncpg.connect(url)
        try:
            return await plan_migrations(conn)
        finally:
            await conn.close()

    with database_shared(_settings(args)) as settings:
        plan = asyncio.run(run(settings.database_url or ""))
    print(f"已应用 / applied: {len(plan.applied)}")
    for name in plan.changed:
        print(f"已应用但文件已改变（服务将拒绝启动）/ applied but changed since (the service will refuse to start): "
              f"{name}")
    for name in plan.unknown:
        print(f"数据库有本版本没有的迁移（较新的 gigstation 写过它）/ applied by a newer gigstation: {name}")
    if plan.pending:
        print("将要应用 / would apply: " + ", ".join(plan.pending))
    elif plan.ok:
        print("已是最新 / up to date")
    return 2 if not plan.ok else (1 if plan.pending else 0)


def cmd_demo(args: argparse.Namespace) -> int:
    from gigstation.sim.demo import pages_text, seed_demo

    if not args.no_serve:
        _port_must_be_free(args.host, args.port)
    with _graceful_signals(), database(_settings(args)) as settings:
        accounts = asyncio.run(seed_demo(settings))
        print(accounts)
        print(asyncio.run(pages_text(settings, _public_base_url(args.host, args.port))))
        if not args.no_serve:
            _serve(settings, args.host, args.port, args.workers, args.server)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    import tempfile

    from gigstation.sim.simulate import SimParams, format_report, run_simulation

    params = SimParams(workers=args.workers, stations=args.stations, seed=args.seed, speed=args.speed)
    with contextlib.ExitStack() as stack:
        if args.data_dir is None and not _settings(args).database_url:
            # A fresh embedded database each run, removed afterwards; --data-dir keeps it.
            args.data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="gigstation-sim-"))
        settings = stack.enter_context(database(_settings(args)))
        try:
            report = asyncio.run(run_simulation(settings, params))
        except ValueError as exc:  # an unusable database or day, explained in the message
            print(f"gigstation simulate: {exc}", file=sys.stderr)
            return 2
        print(format_report(report))
    return 0


def _add_server_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    # Defaults chosen by bench/checkin_throughput.py: granian with one process per core
    # beat uvicorn at every pool size measured (bench/RESULTS.md).
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server processes")
    p.add_argument("--server", choices=["uvicorn", "granian"], default="granian")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gigstation", description="零工驿站调度系统 / gig-work station dispatch")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the API (embedded PostgreSQL unless configured)")
    serve.add_argument("--data-dir", type=Path)
    _add_server_options(serve)
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--data-dir", type=Path)
    migrate.add_argument("--check", action="store_true",
                         help="only say what would run (exit 0: up to date, 1: would migrate, 2: mismatch)")
    migrate.set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="seed a Qingpu demo district, print accounts, serve")
    demo.add_argument("--data-dir", type=Path)
    demo.add_argument("--no-serve", action="store_true", help="seed and print, then exit")
    _add_server_options(demo)
    demo.set_defaults(func=cmd_demo)

    simulate = sub.add_parser("simulate", help="play a whole day of a synthetic district, print its report")
    simulate.add_argument("--workers", type=int, default=400)
    simulate.add_argument("--stations", type=int, default=3)
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--speed", type=float, default=0.0,
                          help="simulated seconds per real second (0: as fast as possible)")
    simulate.add_argument("--data-dir", type=Path, help="keep the database here (must be new)")
    simulate.set_defaults(func=cmd_simulate)

    rotate = sub.add_parser("rotate-pii-key", help="re-encrypt identity numbers under a new key (servers stopped)")
    rotate.add_argument("--data-dir", type=Path)
    rotate.set_defaults(func=cmd_rotate_pii_key)

    from gigstation.cli_ops import add_ops_parsers
    from gigstation.oversight.cli import add_oversight_parsers

    add_oversight_parsers(sub)
    add_ops_parsers(sub)
    with contextlib.suppress(ImportError):
        from gigstation.solver.cli import add_solve_parser

        add_solve_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line."""
    args = build_parser().parse_args(argv)
    try:
        base = Settings.from_env()
    except (msgspec.ValidationError, ValueError) as exc:
        print(f"gigstation {args.command}: 配置错误 / bad setting: {exc}", file=sys.stderr)
        return 2
    level = "info" if args.verbose and base.log_level == "warning" else base.log_level
    configure_logging(base.log_format, level)
    try:
        result: int = args.func(args)
    except (Busy, KeyRefused, BackupDamaged, RestoreRefused, MigrationError) as exc:
        print(f"gigstation {args.command}: {exc}", file=sys.stderr)
        return 2
    except msgspec.ValidationError as exc:  # a setting out of range, explained in the message
        print(f"gigstation {args.command}: 配置错误 / bad setting: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    raise SystemExit(main())
