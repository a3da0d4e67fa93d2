"""Fast SQL seeding for concurrency tests that need hundreds of workers or offers.

Rows are written directly (the registration path is covered elsewhere) but obey every
constraint, so the code under test meets the same database it meets in production.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from gigstation.platform.clock import now


async def station(conn: asyncpg.Connection[Any], lat: float = 31.151, lon: float = 121.117) -> uuid.UUID:
    sid: uuid.UUID = await conn.fetchval(
        "INSERT INTO stations (name, address, lat, lon, service_radius_m) "
        "VALUES ('测试驿站', '青浦', $1, $2, 1000) RETURNING id", lat, lon)
    return sid


async def employer(conn: asyncpg.Connection[Any], phone: str = "13700009999") -> uuid.UUID:
    uid: uuid.UUID = await conn.fetchval(
        "INSERT INTO users (role, phone, password_hash, name) VALUES ('employer', $1, 'x', '测试单位') "
        "RETURNING id", phone)
    await conn.execute(
        "INSERT INTO employers (user_id, kind, credit_code, contact_name, commitment_version, "
        "commitment_accepted_at) VALUES ($1, 'company', $2, '联系人', 'test', now())", uid, phone)
    return uid


async def order(conn: asyncpg.Connection[Any], employer_id: uuid.UUID, station_id: uuid.UUID,
                headcount: int, start: datetime | None = None, hours: int = 4,
                skill: str = "loading") -> uuid.UUID:
    start = start or now() + timedelta(hours=2)
    oid: uuid.UUID = await conn.fetchval(
        "INSERT INTO orders (employer_id, station_id, title, skill, headcount, starts_at, ends_at, "
        "lat, lon, address, pay_cents, pay_unit) VALUES ($1, $2, '装卸', $3, $4, $5, $6, 31.152, "
        "121.118, '仓库', 3000, 'hour') RETURNING id",
        employer_id, station_id, skill, headcount, start, start + timedelta(hours=hours))
    return oid


async def workers(conn: asyncpg.Connection[Any], n: int, station_id: uuid.UUID | None = None,
                  skills: tuple[str, ...] = ("loading",)) -> list[uuid.UUID]:
    """n workers with active skills, checked in at the station when one is given."""
    ids = [r["id"] for r in await conn.fetch(
        "INSERT INTO users (role, phone, password_hash, name) "
        "SELECT 'worker', '158' || lpad(g::text, 8, '0'), 'x', '工人' || g FROM generate_series(1, $1) g "
        "RETURNING id", n)]
    await conn.execute(
        "INSERT INTO workers (user_id, id_type, id_cipher, id_index, id_masked) "
        "SELECT u, 'resident_id', '\\x00'::bytea, uuid_send(u), '310***********0000' FROM unnest($1::uuid[]) u", ids)
    await conn.execute(
        "INSERT INTO worker_skills (worker_id, skill, status) "
        "SELECT u, s, 'active' FROM unnest($1::uuid[]) u, unnest($2::text[]) s", ids, list(skills))
    if station_id is not None:
        await conn.execute(
            "INSERT INTO checkins (worker_id, station_id, available_until, max_distance_m) "
            "SELECT u, $2, now() + interval '10 hours', 10000 FROM unnest($1::uuid[]) u", ids, station_id)
    return ids


async def offers(conn: asyncpg.Connection[Any], station_id: uuid.UUID,
                 pairs: list[tuple[uuid.UUID, uuid.UUID]]) -> list[uuid.UUID]:
    """Live offers for (worker, order) pairs under one synthetic run."""
    run_id = await conn.fetchval(
        "INSERT INTO dispatch_runs (station_id, trigger, stats, unfilled) VALUES ($1, 'auto', '{}', '[]') "
        "RETURNING id", station_id)
    return [r["id"] for r in await conn.fetch(
        "INSERT INTO offers (run_id, station_id, worker_id, order_id, distance_m, priority, expires_at) "
        "SELECT $1, $2, w, o, 100, 0, now() + interval '5 minutes' "
        "FROM unnest($3::uuid[], $4::uuid[]) AS x(w, o) RETURNING id",
        run_id, station_id, [p[0] for p in pairs], [p[1] for p in pairs])]
