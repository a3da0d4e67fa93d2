"""Seed a province straight into the database through the domain services.

Registering through the API would run argon2 for every account (about 0.1 s each, and
limited to 300 a minute): the seed hashes one password once and reuses the hash, and
issues tokens with the cluster's secret. Everything else (identity checks, encryption,
audit rows, the nearest-station rule for orders) is the services' own code.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import argon2
from stdnum.cn import ric, uscc

from gigstation.people import accounts, employers, workers
from gigstation.people.identity import age_facts, mask, validate_identity
from gigstation.platform.auth import Principal, issue_token
from gigstation.platform.config import Settings
from gigstation.platform.db import apply_migrations, connect_pool, transaction
from gigstation.platform.pii import PiiCipher
from gigstation.stations import registry as stations
from gigstation.work import orders

PASSWORD = "province-pass-1"
SKILL = "warehouse"
ORIGIN = (31.15, 121.12)  # Qingpu


@dataclass
class Province:
    station_ids: list[UUID] = field(default_factory=list)
    station_places: list[tuple[float, float]] = field(default_factory=list)
    operator_tokens: list[str] = field(default_factory=list)
    employer_tokens: list[str] = field(default_factory=list)
    employer_ids: list[UUID] = field(default_factory=list)
    worker_ids: list[UUID] = field(default_factory=list)
    worker_tokens: list[str] = field(default_factory=list)
    worker_station: list[int] = field(default_factory=list)
    order_ids: list[UUID] = field(default_factory=list)


def resident_id(i: int) -> str:
    born = date(1968, 1, 1) + timedelta(days=i // 900)
    body = f"310118{born:%Y%m%d}{100 + i % 900:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(i: int) -> str:
    body = f"91310118MA1G{i:05d}"[:17]
    return body + uscc.calc_check_digit(body)


def station_place(i: int, n: int) -> tuple[float, float]:
    """Stations on a grid about 3 km apart around Qingpu."""
    side = max(1, math.ceil(math.sqrt(n)))
    return ORIGIN[0] + 0.027 * (i // side), ORIGIN[1] + 0.031 * (i % side)


async def _gather(jobs: Sequence[Any], limit: int = 400) -> list[Any]:
    out: list[Any] = []
    for start in range(0, len(jobs), limit):
        out += await asyncio.gather(*jobs[start:start + limit])
    return out


async def seed_province(
    url: str, settings: Settings, *, stations_n: int, workers_n: int, orders_per_station: int = 0,
    headcount: int = 5, employers_n: int = 10, start_in: timedelta = timedelta(hours=2), bulk: bool = False,
) -> Province:
    """Stations (one operator each), employers, workers spread over the stations, and orders."""
    cipher = PiiCipher(settings.pii_key, key_version=settings.pii_key_version)
    pw_hash = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(PASSWORD)
    today = datetime.now(UTC).date()
    p = Province()
    pool = await connect_pool(url, min_size=8, max_size=8)
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn)
        async with transaction(pool) as conn:
            admin = await conn.fetchval("SELECT id FROM users WHERE role = 'admin' LIMIT 1")
            for i in range(stations_n):
                lat, lon = station_place(i, stations_n)
                st = await stations.create_station(conn, admin, stations.StationCreate(
                    name=f"省驿站{i}", address=f"第{i}驿站", lat=lat, lon=lon, service_radius_m=1500))
                p.station_ids.append(st.id)
                p.station_places.append((lat, lon))
                op = await accounts.create_operator(conn, admin, accounts.OperatorCreate(
                    name=f"站长{i}", phone=f"136{i:08d}", password=PASSWORD, station_ids=[st.id]), pw_hash)
                p.operator_tokens.append(issue_token(settings, Principal(op.id, "operator"))[0])
            for i in range(employers_n):
                e = await employers.register_employer(conn, cipher, employers.EmployerCreate(
                    name=f"省物流{i}", kind="company", contact_name="联系人", phone=f"135{i:08d}",
                    password=PASSWORD, commitment=True, credit_code=credit_code(i),
                    legal_rep_name=f"法人{i}", legal_rep_id_number=resident_id(900_000 + i)), pw_hash, today)
                p.employer_ids.append(e.id)
                p.employer_tokens.append(issue_token(settings, Principal(e.id, "employer"))[0])

        async def worker(i: int) -> tuple[UUID, str]:
            data = workers.WorkerCreate(name=f"工人{i}", phone=f"137{i:08d}", password=PASSWORD,
                                        id_type="resident_id", id_number=resident_id(i), skills=[SKILL])
            async with transaction(pool) as conn:
                view = await workers.register_worker(conn, cipher, data, pw_hash, today)
            return view.id, issue_token(settings, Principal(view.id, "worker"))[0]

        if bulk:
            p.worker_ids = await bulk_workers(pool, cipher, pw_hash, workers_n, today)
            p.worker_tokens = [issue_token(settings, Principal(wid, "worker"))[0] for wid in p.worker_ids]
        else:
            for wid, token in await _gather([worker(i) for i in range(workers_n)]):
                p.worker_ids.append(wid)
                p.worker_tokens.append(token)
        p.worker_station = [i % max(1, stations_n) for i in range(workers_n)]

        starts = datetime.now(UTC) + start_in
        async def order(station: int, k: int) -> UUID:
            lat, lon = p.station_places[station]
            data = orders.OrderCreate(
                title=f"仓库理货{station}-{k}", skill=SKILL, headcount=headcount, starts_at=starts,
                ends_at=starts + timedelta(hours=4), lat=lat + 0.001, lon=lon, address="仓库",
                pay_cents=4000, pay_unit="hour")
            async with transaction(pool) as conn:
                view = await orders.create_order(conn, p.employer_ids[(station + k) % len(p.employer_ids)], data,
                                                 datetime.now(UTC), settings.timezone, settings.region)
            return view.id

        p.order_ids = await _gather([order(s, k) for s in range(stations_n) for k in range(orders_per_station)])
    finally:
        await pool.close()
    return p


_BULK_USERS = """
INSERT INTO users (role, phone, password_hash, name)
SELECT 'worker', phone, $2, name FROM unnest($1::text[], $3::text[]) AS t(phone, name)
RETURNING id, phone
"""
_BULK_WORKERS = """
INSERT INTO workers (user_id, id_type, id_cipher, id_index, id_masked, adult_from, priority_age_from)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::bytea[], $5::text[], $6::date[], $7::date[])
"""
_BULK_SKILLS = f"""
INSERT INTO worker_skills (worker_id, skill, status) SELECT id, '{SKILL}', 'active' FROM unnest($1::uuid[]) AS t(id)
"""
_BULK_AUDIT = """
INSERT INTO audit_log (actor_id, action, object_type, object_id, details)
SELECT id, 'worker.register', 'worker', id::text, '{"minor": false, "seeded": true}'::jsonb
FROM unnest($1::uuid[]) AS t(id)
"""


async def bulk_workers(
    pool: Any, cipher: PiiCipher, pw_hash: str, n: int, today: date, chunk: int = 5000
) -> list[UUID]:
    """Workers in bulk, the same rows ``register_worker`` writes (identity sealed and
    indexed, age facts, a skill, an audit row), a few thousand per statement: a province's
    100,000 in seconds instead of minutes."""
    ids: list[UUID] = []
    for start in range(0, n, chunk):
        idx = range(start, min(n, start + chunk))
        numbers = [validate_identity("resident_id", resident_id(i), today) for i in idx]
        facts = [age_facts(info.birth_date, today) if info.birth_date else None for info in numbers]
        async with transaction(pool) as conn:
            rows = await conn.fetch(_BULK_USERS, [f"137{i:08d}" for i in idx], pw_hash, [f"工人{i}" for i in idx])
            by_phone = {r["phone"]: r["id"] for r in rows}
            got = [by_phone[f"137{i:08d}"] for i in idx]
            await conn.execute(
                _BULK_WORKERS, got, ["resident_id"] * len(got),
                [cipher.encrypt(info.number) for info in numbers],
                [cipher.blind_index(info.number, "identity") for info in numbers],
                [mask(info.number) for info in numbers],
                [f.adult_from if f else None for f in facts],
                [f.priority_age_from if f else None for f in facts])
            await conn.execute(_BULK_SKILLS, got)
            await conn.execute(_BULK_AUDIT, got)
        ids += got
    return ids
