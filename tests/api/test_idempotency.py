"""Idempotency-Key on creating POSTs, and races that exactly one request must win."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import asyncpg

from gigstation.platform.clock import now
from tests.api.conftest import API, Api, bearer


async def _count(db: asyncpg.Connection[Any], table: str) -> int:
    return int(await db.fetchval(f"SELECT count(*) FROM {table}"))


async def test_replayed_registration_returns_the_first_answer(api: Api, db: asyncpg.Connection[Any]) -> None:
    body = api.worker_body()
    key = {"Idempotency-Key": "reg-0001"}
    first = await api.client.post(f"{API}/workers", json=body, headers=key)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    audit_rows = await _count(db, "audit_log")
    second = await api.client.post(f"{API}/workers", json=body, headers=key)
    assert second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json()["worker"] == first.json()["worker"]
    assert second.json()["token"]  # a fresh token: none is kept at rest (tests/api/test_idempotency_at_rest.py)
    assert await _count(db, "users") == 2  # the administrator and this worker
    assert await _count(db, "workers") == 1
    assert await _count(db, "audit_log") == audit_rows


async def test_replayed_order_creates_nothing(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    await api.station(admin)
    _, token = await api.employer()
    body = api.order_body()
    headers = {**bearer(token), "Idempotency-Key": "order-42"}
    answers = [await api.client.post(f"{API}/orders", json=body, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert [a.headers.get("idempotent-replayed") for a in answers] == [None, "true", "true"]
    assert await _count(db, "orders") == 1
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'order.create'") == 1


async def test_same_key_with_a_different_body_is_409(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    await api.station(admin)
    _, token = await api.employer()
    headers = {**bearer(token), "Idempotency-Key": "k-1"}
    first = await api.client.post(f"{API}/orders", json=api.order_body(headcount=2), headers=headers)
    assert first.status_code == 201
    r = await api.client.post(f"{API}/orders", json=api.order_body(headcount=3), headers=headers)
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "idempotency_key_reused"
    assert await _count(db, "orders") == 1


async def test_key_is_scoped_to_the_caller(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    await api.station(admin)
    _, first = await api.employer()
    _, second = await api.employer()
    body = api.order_body()
    a = await api.client.post(f"{API}/orders", json=body, headers={**bearer(first), "Idempotency-Key": "same"})
    b = await api.client.post(f"{API}/orders", json=body, headers={**bearer(second), "Idempotency-Key": "same"})
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]
    assert a.json()["employer_id"] != b.json()["employer_id"]
    assert "idempotent-replayed" not in b.headers
    assert await _count(db, "orders") == 2


async def test_a_refused_request_does_not_use_up_its_key(api: Api, db: asyncpg.Connection[Any]) -> None:
    key = {"Idempotency-Key": "retry-me"}
    bad = await api.client.post(f"{API}/workers", json=api.worker_body(id_number="110101199001011234"),
                                headers=key)
    assert bad.status_code == 422
    good = await api.client.post(f"{API}/workers", json=api.worker_body(), headers=key)
    assert good.status_code == 201, good.text
    assert await _count(db, "workers") == 1


async def test_overlong_key_is_refused(api: Api) -> None:
    r = await api.client.post(f"{API}/workers", json=api.worker_body(), headers={"Idempotency-Key": "k" * 201})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_concurrent_replays_create_one_order(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    await api.station(admin)
    _, token = await api.employer()
    body = api.order_body()
    headers = {**bearer(token), "Idempotency-Key": "burst"}
    answers = await asyncio.gather(*(api.client.post(f"{API}/orders", json=body, headers=headers)
                                     for _ in range(10)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 9
    assert await _count(db, "orders") == 1


async def test_twenty_registrations_with_one_phone(api: Api, db: asyncpg.Connection[Any]) -> None:
    phone = "13512345678"
    bodies = [api.worker_body(phone=phone) for _ in range(20)]
    answers = await asyncio.gather(*(api.client.post(f"{API}/workers", json=b) for b in bodies))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 19, statuses
    assert {e["field"] for a in answers if a.status_code == 409 for e in a.json()["errors"]} == {"phone"}
    assert await db.fetchval("SELECT count(*) FROM users WHERE phone = $1", phone) == 1
    assert await _count(db, "workers") == 1


async def test_twenty_registrations_with_one_identity_number(api: Api, db: asyncpg.Connection[Any]) -> None:
    number = api.worker_body()["id_number"]
    bodies = [api.worker_body(id_number=number) for _ in range(20)]
    assert len({b["phone"] for b in bodies}) == 20
    answers = await asyncio.gather(*(api.client.post(f"{API}/workers", json=b) for b in bodies))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 19, statuses
    assert {e["field"] for a in answers if a.status_code == 409 for e in a.json()["errors"]} == {"id_number"}
    # The losers' users rows went with their transactions.
    assert await db.fetchval("SELECT count(*) FROM users WHERE role = 'worker'") == 1
    assert await _count(db, "workers") == 1


async def test_concurrent_company_registrations_with_one_credit_code(api: Api, db: asyncpg.Connection[Any]) -> None:
    code = api.employer_body()["credit_code"]
    answers = await asyncio.gather(*(api.client.post(f"{API}/employers", json=api.employer_body(credit_code=code))
                                     for _ in range(10)))
    assert sorted(a.status_code for a in answers) == [201] + [409] * 9
    assert await db.fetchval("SELECT count(*) FROM users WHERE role = 'employer'") == 1


async def test_concurrent_check_ins_of_one_worker(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    worker, token = await api.worker()
    until = (now() + timedelta(hours=4)).isoformat()
    own = {"station_id": station["id"], "lat": 31.151, "lon": 121.117, "available_until": until}
    on_behalf = {"station_id": station["id"], "worker_id": worker["id"], "available_until": until}
    requests = [api.client.post(f"{API}/checkins", json=own, headers=bearer(token)) for _ in range(6)]
    requests += [api.client.post(f"{API}/checkins", json=on_behalf, headers=bearer(operator)) for _ in range(6)]
    answers = await asyncio.gather(*requests)
    assert sorted(a.status_code for a in answers) == [201] + [409] * 11
    assert await db.fetchval("SELECT count(*) FROM checkins WHERE worker_id = $1::uuid", worker["id"]) == 1
