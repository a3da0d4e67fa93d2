"""Migration 0006's invariants, enforced by PostgreSQL itself."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest


async def _user(db: asyncpg.Connection[Any], phone: str, anonymised: bool) -> None:
    await db.execute("INSERT INTO users (role, phone, password_hash, name, anonymised_at) "
                     "VALUES ('worker', $1, 'x', 'n', CASE WHEN $2 THEN now() END)", phone, anonymised)


async def test_placeholder_phones_only_for_anonymised_accounts(db: asyncpg.Connection[Any]) -> None:
    await _user(db, "13500000001", False)
    await _user(db, "anon-" + "0" * 32, True)
    for phone, anonymised in (("anon-" + "1" * 32, False), ("12345", True), ("anon-zz", True)):
        with pytest.raises(asyncpg.CheckViolationError):
            await _user(db, phone, anonymised)


async def test_active_priority_groups_drops_only_expired_entries(db: asyncpg.Connection[Any]) -> None:
    worker = "00000000-0000-0000-0000-000000000001"
    got = await db.fetchval("SELECT active_priority_groups($1::uuid, ARRAY['veteran', 'disability'], now())", worker)
    assert got == ["disability", "veteran"]
    assert await db.fetchval("SELECT active_priority_groups($1::uuid, '{}', now())", worker) == []
