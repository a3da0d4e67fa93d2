"""``platform/backup.py`` against the suite's server: the embedded PostgreSQL in the main pass,
the machine's own (another major version, an "outside" server) in CI's second pass."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from gigstation.people import accounts
from gigstation.platform.backup import (
    BackupDamaged,
    RestoreRefused,
    check_empty_database,
    make_backup,
    restore_backup,
    verify_backup,
)
from gigstation.stations import registry


def _other_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


async def test_backup_and_restore_into_an_empty_database(
    database_url: str, db: asyncpg.Connection[Any], tmp_path: Path
) -> None:
    await db.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    async with db.transaction():
        await accounts.ensure_admin(db, "13800000000", "not-a-hash")
        admin = await db.fetchval("SELECT id FROM users")
        await registry.create_station(db, admin, registry.StationCreate(
            name="赵巷驿站", address="青浦区", lat=31.15, lon=121.11, service_radius_m=500))
    made = await make_backup(database_url, tmp_path)
    manifest = verify_backup(made)
    assert manifest.row_counts["stations"] == 1 and manifest.row_counts["users"] == 1
    assert not list(made.glob("*.partial"))

    name = f"gigstation_restore_{uuid.uuid4().hex[:8]}"
    await db.execute(f'CREATE DATABASE "{name}"')
    target = _other_database(database_url, name)
    try:
        assert await restore_backup(target, made, manifest) == manifest.row_counts
        with pytest.raises(RestoreRefused):  # never over data
            await check_empty_database(target)
    finally:
        await db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    (made / "manifest.json").write_text((made / "manifest.json").read_text().replace('"stations": 1', '"stations": 2'))
    with pytest.raises(BackupDamaged):
        verify_backup(made)
