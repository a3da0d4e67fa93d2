"""Migration 0030 marks the orders that were placed without a location: those a page posted
at its station's exact coordinates (the stand-in), never the others."""

from __future__ import annotations

from typing import Any

import asyncpg

from gigstation.platform.db import migration_files
from tests.test_db_migrations import fresh_url  # noqa: F401 (the fixture)

_BEFORE = """
INSERT INTO users (id, role, phone, password_hash, name)
VALUES ('00000000-0000-0000-0000-000000000003', 'employer', '13700000003', 'x', '丙公司');
INSERT INTO employers (user_id, kind, id_cipher, id_index, id_masked, contact_name, commitment_version,
                       commitment_accepted_at)
VALUES ('00000000-0000-0000-0000-000000000003', 'individual', '\\x03', '\\x03', '3****************X', '丙',
        'v1', now());
INSERT INTO stations (id, name, address, lat, lon, service_radius_m)
VALUES ('00000000-0000-0000-0000-00000000000a', '站', '址', 31.15, 121.12, 1000);
INSERT INTO orders (id, employer_id, station_id, title, skill, headcount, starts_at, ends_at, lat, lon,
                    address, pay_cents, pay_unit)
SELECT ('00000000-0000-0000-0000-0000000000b' || n)::uuid, '00000000-0000-0000-0000-000000000003',
       '00000000-0000-0000-0000-00000000000a', '装卸', 'loading', 2, now() + interval '1 hour',
       now() + interval '3 hours', lat, lon, '某路1号', 3000, 'hour'
FROM (VALUES (1, 31.15::float8, 121.12::float8), (2, 31.1612, 121.1265)) AS o (n, lat, lon)
"""


async def test_0030_marks_orders_placed_at_their_station(fresh_url: str) -> None:  # noqa: F811
    conn: asyncpg.Connection[Any] = await asyncpg.connect(fresh_url)
    try:
        for m in migration_files():
            if m.version < 30:
                await conn.execute(m.sql)
        for statement in _BEFORE.split(";\n"):
            await conn.execute(statement)
        (m30,) = [m for m in migration_files() if m.version == 30]
        await conn.execute(m30.sql)
        rows = await conn.fetch("SELECT id::text AS id, located FROM orders ORDER BY id")
        assert [(r["id"][-2:], r["located"]) for r in rows] == [("b1", False), ("b2", True)]
    finally:
        await conn.close()
