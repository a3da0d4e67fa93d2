"""Database lifecycle: the embedded PostgreSQL fallback, the pool and the migrations.

Without ``GIGSTATION_DATABASE_URL`` the service starts PostgreSQL itself from the
pgserver wheel (a full server binary, no system install needed) with its files in
``data_dir``; with it, any PostgreSQL 14+ works.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import signal
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast

import asyncpg

from gigstation.platform.processes import exclusive_lock

__all__ = [
    "UNAVAILABLE",
    "MigrationError",
    "apply_migrations",
    "connect_pool",
    "connection",
    "embedded_postgres",
    "init_connection",
    "migration_files",
    "stop_stale_postgres",
    "transaction",
]

log = logging.getLogger(__name__)

# Any fixed 64-bit number shared by every gigstation process: migrations run once.
_MIGRATION_LOCK = 0x67696773_74617401
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """The database's migrations do not match the files shipped with this version."""


@contextlib.contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    """Start PostgreSQL with files in ``data_dir/pg``; yield its URL; stop it on exit.

    One gigstation process owns a data dir at a time (an flock the kernel drops even on
    kill -9). A PostgreSQL still running from a crashed owner is stopped first, so this
    process starts, owns and stops its own server."""
    from pgserver import get_server  # type: ignore[attr-defined]  # only this path needs it

    pgdata = (data_dir / "pg").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(data_dir / "gigstation.lock", f"数据目录 / data dir {data_dir}"):
        stop_stale_postgres(pgdata)
        server = get_server(str(pgdata), cleanup_mode="stop")
        try:
            yield server.get_uri()
        finally:
            server.cleanup()
            stop_stale_postgres(pgdata)  # whatever pgserver's own bookkeeping concluded


def stop_stale_postgres(pgdata: Path, timeout_s: float = 15.0) -> bool:
    """Stop a PostgreSQL left running on ``pgdata`` (postmaster.pid names it); True if one was."""
    import psutil

    # pgserver counts the processes using a server in this file; a crashed owner's pid
    # stays in it and would stop pgserver from ever shutting the server down.
    (pgdata / ".handle_pids.json").unlink(missing_ok=True)
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
        proc = psutil.Process(pid)
        if "postgres" not in proc.name():
            return False  # a recycled pid: the server is long gone
    except (FileNotFoundError, IndexError, ValueError, psutil.NoSuchProcess):
        return False
    log.warning("stopping a PostgreSQL left running by a crashed gigstation (pid %s)", pid)
    os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown: roll back, close, checkpoint
    deadline = time.monotonic() + timeout_s
    while proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
        time.sleep(0.1)
    if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
        os.kill(pid, signal.SIGKILL)
    return True


async def init_connection(conn: asyncpg.Connection[Any]) -> None:
    """The codecs every connection of the service uses."""
    # jsonb travels as Python objects; every session works in UTC on the wire.
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable (ConnectionError is one)
    TimeoutError,  # connecting took longer than the connect timeout
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08, also what PgBouncer sends when it has no server
    asyncpg.CannotConnectNowError,  # the server is starting or in recovery
    asyncpg.AdminShutdownError,  # the server is shutting down (a restart)
    asyncpg.CrashShutdownError,
    asyncpg.ConnectionDoesNotExistError,  # the connection broke during the request
    asyncpg.exceptions._base.InternalClientError,  # asyncpg's state after a connection broke mid-operation
)
"""Errors that mean "the database cannot be reached now", not "the request was wrong"."""


async def connect_pool(
    url: str,
    *,
    min_size: int = 2,
    max_size: int = 10,
    statement_cache_size: int = 100,
    connect_timeout_s: float = 60.0,
) -> asyncpg.Pool[Any]:
    """Open a connection pool with the codecs the domain modules rely on.

    Behind a transaction-mode pooler without prepared-statement support (PgBouncer before
    1.21) pass ``statement_cache_size=0``: asyncpg then uses the unnamed statement, whose
    Parse and Bind travel inside one server-side transaction slot (docs/scale.md)."""
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        # The service keeps no session state, so skip asyncpg's full RESET ALL on release;
        # measured to save about a third of PostgreSQL's CPU per request (perf-notes).
        reset=_cheap_reset,
        statement_cache_size=statement_cache_size,
        timeout=connect_timeout_s,
        server_settings={"timezone": "UTC", "application_name": "gigstation"},
    )
    assert pool is not None
    return pool


async def _cheap_reset(conn: asyncpg.Connection[Any]) -> None:
    # Only undo what a crashed handler could leave: an open transaction.
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


@contextlib.asynccontextmanager
async def connection(pool: asyncpg.Pool[Any]) -> AsyncIterator[asyncpg.Connection[Any]]:
    """A pooled connection, typed as the Connection its proxy forwards every call to."""
    async with pool.acquire() as conn:
        yield cast("asyncpg.Connection[Any]", conn)


@contextlib.asynccontextmanager
async def transaction(pool: asyncpg.Pool[Any]) -> AsyncIterator[asyncpg.Connection[Any]]:
    """One connection in one transaction: committed on success, rolled back on error."""
    async with connection(pool) as conn, conn.transaction():
        yield conn


@dataclass(frozen=True)
class Migration:
    """One SQL file of the schema history."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def migration_files() -> list[Migration]:
    """The migrations shipped in the package, in order."""
    found = []
    for entry in resources.files("gigstation.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a version: {versions}")
    return found


_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""
_APPLIED = "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
_RECORD = "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)"


async def apply_migrations(conn: asyncpg.Connection[Any]) -> list[str]:
    """Apply pending migrations under an advisory lock; return the names applied.

    A file that was applied and has since changed stops the start: silently running a
    schema that differs from its history is how data gets lost.
    """
    files = migration_files()
    await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
    try:
        await conn.execute(_CREATE_LEDGER)
        applied = {r["version"]: r for r in await conn.fetch(_APPLIED)}
        for version, row in applied.items():
            match = next((m for m in files if m.version == version), None)
            if match is None:
                raise MigrationError(
                    f"database has migration {row['name']} that this version does not ship; "
                    "is an older gigstation running against a newer database?"
                )
            if match.checksum != row["checksum"]:
                raise MigrationError(
                    f"migration {match.name} changed after it was applied "
                    f"(database checksum {row['checksum'][:12]}, file {match.checksum[:12]}); "
                    "add a new migration instead of editing an applied one"
                )
        done = []
        for migration in files:
            if migration.version in applied:
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(_RECORD, migration.version, migration.name, migration.checksum)
            log.info("applied migration %s", migration.name)
            done.append(migration.name)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)


async def pending_migrations(conn: asyncpg.Connection[Any]) -> list[str]:
    """Names of shipped migrations the database has not applied (for readiness)."""
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    applied = set()
    if exists:
        applied = {r["version"] for r in await conn.fetch(_APPLIED)}
    return [m.name for m in migration_files() if m.version not in applied]
