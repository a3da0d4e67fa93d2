"""What ``gigstation migrate`` would do, without doing it (``migrate --check``)."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from gigstation.platform.db import migration_files

__all__ = ["MigrationPlan", "plan_migrations"]


class MigrationPlan(msgspec.Struct, frozen=True):
    """The database's schema history against the migrations this version ships."""

    applied: list[str]
    pending: list[str]
    """Would run, in this order."""
    changed: list[str]
    """Applied, but the shipped file differs: the service refuses to start."""
    unknown: list[str]
    """Applied, but not shipped: a newer gigstation wrote this database."""

    @property
    def ok(self) -> bool:
        """Whether the history matches (pending migrations are fine: they run at start)."""
        return not self.changed and not self.unknown


_LEDGER = "SELECT version, name, checksum FROM schema_migrations ORDER BY version"


async def plan_migrations(conn: asyncpg.Connection[Any]) -> MigrationPlan:
    """Compare the ledger with the shipped files; read-only."""
    files = {m.version: m for m in migration_files()}
    rows = []
    if await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
        rows = await conn.fetch(_LEDGER)
    seen = {r["version"] for r in rows}
    return MigrationPlan(
        applied=[r["name"] for r in rows],
        pending=[m.name for v, m in sorted(files.items()) if v not in seen],
        changed=[r["name"] for r in rows if r["version"] in files and files[r["version"]].checksum != r["checksum"]],
        unknown=[r["name"] for r in rows if r["version"] not in files],
    )
