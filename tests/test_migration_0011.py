"""Migrations 0011-0013 on a database with data: scanned times become the hours ledger, work
cancelled after its start (or a no-show after an arrival) is restored with an audit row, a
row that cannot be restored is left and listed, and the evidence tables hold afterwards."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from gigstation.platform.db import apply_migrations, migration_files
from tests.test_db_migrations import fresh_url  # noqa: F401 (the fixture)

_W = "00000000-0000-0000-0000-00000000000"
_BEFORE_0011 = f"""
INSERT INTO users (id, role, phone, password_hash, name) VALUES
  ('{_W}1', 'worker', '13600000001', 'x', '甲'), ('{_W}2', 'worker', '13600000002', 'x', '乙'),
  ('{_W}3', 'worker', '13600000003', 'x', '丙'), ('{_W}4', 'worker', '13600000004', 'x', '丁'),
  ('{_W}9', 'employer', '13700000009', 'x', '戊公司');
INSERT INTO workers (user_id, id_type, id_cipher, id_index, id_masked)
SELECT ('{_W}' || n)::uuid, 'resident_id', ('\\x0' || n)::bytea, ('\\x0' || n)::bytea, '3****************1'
FROM generate_series(1, 4) n;
INSERT INTO employers (user_id, kind, id_cipher, id_index, id_masked, contact_name, commitment_version,
                       commitment_accepted_at)
VALUES ('{_W}9', 'individual', '\\x09', '\\x09', '3****************X', '戊', 'v1', now());
INSERT INTO stations (id, name, address, lat, lon, service_radius_m)
VALUES ('00000000-0000-0000-0000-00000000000a', '站', '址', 31.15, 121.12, 1000);
INSERT INTO orders (id, employer_id, station_id, title, skill, headcount, filled, starts_at, ends_at, lat, lon,
                    address, pay_cents, pay_unit, status, cancelled_at)
VALUES ('00000000-0000-0000-0000-0000000000b1', '{_W}9', '00000000-0000-0000-0000-00000000000a', '装卸',
        'loading', 4, 4, now() - interval '5 hours', now() - interval '1 hour', 31.15, 121.12, '址', 3000,
        'hour', 'cancelled', now()),
       ('00000000-0000-0000-0000-0000000000b2', '{_W}9', '00000000-0000-0000-0000-00000000000a', '搬运',
        'loading', 1, 1, now() + interval '5 hours', now() + interval '9 hours', 31.15, 121.12, '址', 3000,
        'hour', 'cancelled', now()),
       ('00000000-0000-0000-0000-0000000000b3', '{_W}9', '00000000-0000-0000-0000-00000000000a', '清洁',
        'loading', 1, 1, now() - interval '4 hours', now() - interval '2 hours', 31.15, 121.12, '址', 3000,
        'hour', 'full', NULL);
INSERT INTO dispatch_runs (id, station_id, trigger, stats, unfilled)
VALUES ('00000000-0000-0000-0000-0000000000c0', '00000000-0000-0000-0000-00000000000a', 'auto', '{{}}', '[]');
INSERT INTO offers (id, run_id, station_id, order_id, worker_id, distance_m, priority, expires_at, status)
SELECT ('00000000-0000-0000-0000-0000000000d' || v.n)::uuid, '00000000-0000-0000-0000-0000000000c0',
       '00000000-0000-0000-0000-00000000000a', ('00000000-0000-0000-0000-0000000000b' || v.o)::uuid,
       ('{_W}' || v.w)::uuid, 0, 0, now(), 'accepted'
FROM (VALUES (1, 1, 1), (2, 1, 2), (3, 1, 3), (4, 2, 4), (5, 3, 3)) AS v(n, o, w);
-- 1: cancelled after the work (no scans), 2: a no-show after a scanned arrival and departure,
-- 3: cancelled after the start, but the worker took another job at those hours, 4: cancelled
-- before its start (stays cancelled).
INSERT INTO assignments (id, offer_id, order_id, worker_id, worker_no, starts_at, ends_at, status, arrived_at,
                         departed_at, no_show_at)
SELECT ('00000000-0000-0000-0000-0000000000a' || v.n)::uuid, ('00000000-0000-0000-0000-0000000000d' || v.n)::uuid,
       o.id, w.user_id, w.worker_no, o.starts_at, o.ends_at, v.status, v.arrived, v.departed,
       CASE WHEN v.status = 'no_show' THEN now() END
FROM (VALUES (1, '{_W}1', '00000000-0000-0000-0000-0000000000b1', 'cancelled', NULL::timestamptz, NULL::timestamptz),
             (2, '{_W}2', '00000000-0000-0000-0000-0000000000b1', 'no_show', now() - interval '5 hours',
              now() - interval '5 hours' + interval '2 seconds'),
             (3, '{_W}3', '00000000-0000-0000-0000-0000000000b1', 'cancelled', NULL, NULL),
             (4, '{_W}4', '00000000-0000-0000-0000-0000000000b2', 'cancelled', NULL, NULL),
             (5, '{_W}3', '00000000-0000-0000-0000-0000000000b3', 'active', NULL, NULL))
     AS v(n, worker, ord, status, arrived, departed)
JOIN workers w ON w.user_id = v.worker::uuid JOIN orders o ON o.id = v.ord::uuid;
"""


async def test_0011_to_0013_keep_the_evidence_and_restore_started_work(fresh_url: str) -> None:  # noqa: F811
    conn: asyncpg.Connection[Any] = await asyncpg.connect(fresh_url)
    try:
        await conn.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
                           "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
        for m in migration_files():
            if m.version < 11:
                await conn.execute(m.sql)
                await conn.execute("INSERT INTO schema_migrations VALUES ($1, $2, $3)", m.version, m.name,
                                   m.checksum)
        for statement in _BEFORE_0011.split(";\n"):
            if statement.strip():
                await conn.execute(statement)
        assert await apply_migrations(conn) == [m.name for m in migration_files() if m.version >= 11]

        status = {r["id"].hex[-1]: r["status"] for r in await conn.fetch("SELECT id, status FROM assignments")}
        assert status == {"1": "active", "2": "active", "3": "cancelled", "4": "cancelled", "5": "active"}
        audit = {(r["object_id"][-1], r["action"]): json.loads(r["details"]) for r in await conn.fetch(
            "SELECT object_id, action, details FROM audit_log")}
        assert audit[("1", "assignment.restored")]["was"] == "cancelled"
        assert audit[("2", "assignment.restored")]["was"] == "no_show"
        assert "another job" in audit[("3", "assignment.restore_skipped")]["blocked_by"]
        assert ("4", "assignment.restored") not in audit
        orders = {r["id"].hex[-1]: r["status"] for r in await conn.fetch("SELECT id, status FROM orders")}
        assert orders == {"1": "closed", "2": "cancelled", "3": "full"}
        # The scanned times of the no-show are the ledger's first rows, open to the worker.
        ledger = await conn.fetch("SELECT kind, proof, confirm_by > now() AS open FROM hours_events ORDER BY seq")
        assert [(r["kind"], r["proof"]) for r in ledger] == [("arrival", "legacy"), ("departure", "legacy")]
        assert ledger[1]["open"]
        state = await conn.fetchval("SELECT hours_state FROM assignments WHERE id::text LIKE '%a2'")
        assert state == "recorded"
        try:
            await conn.execute("UPDATE hours_events SET at = now()")
        except asyncpg.CheckViolationError as exc:
            assert exc.constraint_name == "hours_events_append_only"
        else:
            raise AssertionError("a ledger row was changed")
    finally:
        await conn.close()
