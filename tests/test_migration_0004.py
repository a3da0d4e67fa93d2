"""Migration 0004 moves existing rows: birth dates become age facts, masks shrink, pay
becomes a ledger."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from gigstation.platform.db import apply_migrations, migration_files
from tests.test_db_migrations import fresh_url  # noqa: F401 (the fixture)

_BEFORE_0004 = """
INSERT INTO users (id, role, phone, password_hash, name) VALUES
  ('00000000-0000-0000-0000-000000000001', 'worker', '13600000001', 'x', '甲'),
  ('00000000-0000-0000-0000-000000000002', 'worker', '13600000002', 'x', '乙'),
  ('00000000-0000-0000-0000-000000000003', 'employer', '13700000003', 'x', '丙公司');
INSERT INTO workers (user_id, id_type, id_cipher, id_index, id_masked, birth_date, minor) VALUES
  ('00000000-0000-0000-0000-000000000001', 'resident_id', '\\x01', '\\x01', '310***********0213', '1975-03-14', false),
  ('00000000-0000-0000-0000-000000000002', 'resident_id', '\\x02', '\\x02', '310***********0021', $1, true);
INSERT INTO employers (user_id, kind, id_cipher, id_index, id_masked, contact_name, commitment_version,
                       commitment_accepted_at)
VALUES ('00000000-0000-0000-0000-000000000003', 'individual', '\\x03', '\\x03', '310***********123X', '丙',
        'v1', now());
INSERT INTO stations (id, name, address, lat, lon, service_radius_m)
VALUES ('00000000-0000-0000-0000-00000000000a', '站', '址', 31.15, 121.12, 1000);
INSERT INTO orders (id, employer_id, station_id, title, skill, headcount, starts_at, ends_at, lat, lon,
                    address, pay_cents, pay_unit)
VALUES ('00000000-0000-0000-0000-0000000000b0', '00000000-0000-0000-0000-000000000003',
        '00000000-0000-0000-0000-00000000000a', '装卸', 'loading', 2, now() - interval '5 hours',
        now() - interval '1 hour', 31.15, 121.12, '址', 3000, 'hour');
INSERT INTO dispatch_runs (id, station_id, trigger, stats, unfilled)
VALUES ('00000000-0000-0000-0000-0000000000c0', '00000000-0000-0000-0000-00000000000a', 'auto', '{}', '[]');
INSERT INTO offers (id, run_id, station_id, order_id, worker_id, distance_m, priority, expires_at, status)
SELECT ('00000000-0000-0000-0000-0000000000d' || n)::uuid, '00000000-0000-0000-0000-0000000000c0',
       '00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000b0',
       ('00000000-0000-0000-0000-00000000000' || n)::uuid, 0, 0, now(), 'accepted'
FROM generate_series(1, 2) n;
INSERT INTO assignments (offer_id, order_id, worker_id, worker_no, starts_at, ends_at, status,
                         completed_at, paid_cents, paid_at)
SELECT ('00000000-0000-0000-0000-0000000000d' || n)::uuid, '00000000-0000-0000-0000-0000000000b0',
       w.user_id, w.worker_no, now() - interval '5 hours', now() - interval '1 hour', 'completed',
       now(), CASE n WHEN 1 THEN 12000 ELSE 0 END, now()
FROM generate_series(1, 2) n JOIN workers w ON w.user_id = ('00000000-0000-0000-0000-00000000000' || n)::uuid;
"""


async def test_0004_moves_existing_rows(fresh_url: str) -> None:  # noqa: F811
    conn: asyncpg.Connection[Any] = await asyncpg.connect(fresh_url)
    try:
        for m in migration_files():
            if m.version < 4:
                await conn.execute(m.sql)
        today = await conn.fetchval("SELECT current_date")
        minor_birth = date(today.year - 17, 6, 15)
        for statement in _BEFORE_0004.split(";\n"):
            if statement.strip():
                args = [minor_birth] if "$1" in statement else []
                await conn.execute(statement, *args)
        await conn.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
                           "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
        for m in migration_files():
            if m.version < 4:
                await conn.execute("INSERT INTO schema_migrations VALUES ($1, $2, $3)", m.version, m.name,
                                   m.checksum)
        assert await apply_migrations(conn) == [m.name for m in migration_files() if m.version >= 4]

        columns = {r["column_name"] for r in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'workers'")}
        assert "birth_date" not in columns and "minor" not in columns
        rows = await conn.fetch("SELECT id_masked, adult_from, priority_age_from FROM workers ORDER BY user_id")
        assert [r["id_masked"] for r in rows] == ["3" + "*" * 16 + "3", "3" + "*" * 16 + "1"]
        # 0004 kept months; 0021 keeps years (already 50: 1 January of this year; a minor: 1
        # January after the year of the 18th birthday).
        assert rows[0]["adult_from"] is None and rows[0]["priority_age_from"] == today.replace(month=1, day=1)
        assert rows[1]["adult_from"] == date(minor_birth.year + 19, 1, 1)
        assert await conn.fetchval("SELECT id_masked FROM employers") == "3" + "*" * 16 + "X"
        ledger = await conn.fetch("SELECT amount_cents, kind FROM payments")
        assert [tuple(r) for r in ledger] == [(12000, "payment")]
        assert sorted(await conn.fetchval("SELECT array_agg(paid_cents) FROM assignments"),
                      key=lambda v: v or 0) == [None, 12000]
    finally:
        await conn.close()
