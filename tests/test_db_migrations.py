"""The migration runner: once, recorded with checksums, refuses edited history, safe in parallel."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from gigstation.platform.db import MigrationError, apply_migrations, migration_files, pending_migrations
from tests.conftest import _with_database


@pytest.fixture
async def fresh_url(database_url: str) -> AsyncIterator[str]:
    """An empty database of its own on the test server, dropped afterwards."""
    name = f"gigstation_migr_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield _with_database(database_url, name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _connect(url: str) -> asyncpg.Connection[Any]:
    return await asyncpg.connect(url)


async def test_migrations_apply_once_with_checksums(fresh_url: str) -> None:
    files = migration_files()
    assert files and [m.version for m in files] == sorted({m.version for m in files})
    conn = await _connect(fresh_url)
    try:
        assert await pending_migrations(conn) == [m.name for m in files]
        applied = await apply_migrations(conn)
        assert applied == [m.name for m in files]
        rows = await conn.fetch("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
        assert [(r["version"], r["name"], r["checksum"]) for r in rows] == [
            (m.version, m.name, m.checksum) for m in files]
        assert all(len(r["checksum"]) == 64 for r in rows)
        assert await conn.fetchval("SELECT to_regclass('users') IS NOT NULL")
        assert await pending_migrations(conn) == []
        assert await apply_migrations(conn) == []
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == len(files)
    finally:
        await conn.close()


async def test_an_edited_applied_migration_stops_the_start(fresh_url: str) -> None:
    conn = await _connect(fresh_url)
    try:
        await apply_migrations(conn)
        first = migration_files()[0]
        await conn.execute("UPDATE schema_migrations SET checksum = $2 WHERE version = $1",
                           first.version, "0" * 64)
        with pytest.raises(MigrationError) as caught:
            await apply_migrations(conn)
        assert first.name in str(caught.value)
        assert "changed after it was applied" in str(caught.value)
        # The advisory lock was released: another connection can take it at once.
        other = await _connect(fresh_url)
        try:
            assert await other.fetchval("SELECT pg_try_advisory_lock($1)", 0x67696773_74617401)
        finally:
            await other.close()
    finally:
        await conn.close()


async def test_an_unknown_applied_migration_stops_the_start(fresh_url: str) -> None:
    conn = await _connect(fresh_url)
    try:
        await apply_migrations(conn)
        await conn.execute("INSERT INTO schema_migrations (version, name, checksum) "
                           "VALUES (9999, '9999_from_the_future.sql', 'x')")
        with pytest.raises(MigrationError, match=r"9999_from_the_future\.sql"):
            await apply_migrations(conn)
    finally:
        await conn.close()


async def test_concurrent_apply_is_safe(fresh_url: str) -> None:
    conns = [await _connect(fresh_url) for _ in range(3)]
    try:
        results = await asyncio.gather(*(apply_migrations(c) for c in conns))
        names = [m.name for m in migration_files()]
        # Exactly one connection applied everything; the others waited and found nothing to do.
        assert sorted(results, key=len) == [[], [], names]
        assert await conns[0].fetchval("SELECT count(*) FROM schema_migrations") == len(names)
    finally:
        for c in conns:
            await c.close()
