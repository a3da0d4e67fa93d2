"""Every successful state change leaves an audit row; identity numbers never appear in clear."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import asyncpg

from gigstation.platform.clock import now
from gigstation.sim.demo import demo_resident_id
from tests.api.conftest import API, Api, bearer, evidence

# Every column of every table: dates too (a clear birth date once went unseen here).
_TEXT_COLUMNS = """
SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
ORDER BY 1, 2
"""


async def _every_state_change(api: Api) -> tuple[dict[str, str], Counter[str]]:
    """Drive each foundation change once; return the identity numbers used and the actions."""
    admin = await api.admin()
    station = await api.station(admin)
    operator_view, operator = await api.operator(admin, [station["id"]])
    worker_body = api.worker_body(skills=["forklift", "moving"])
    r = await api.client.post(f"{API}/workers", json=worker_body)
    assert r.status_code == 201
    worker, worker_token = r.json()["worker"], r.json()["token"]
    person = demo_resident_id(date(1969, 9, 9), 321)
    body = api.employer_body(kind="individual", id_number=person)
    del body["credit_code"]
    r = await api.client.post(f"{API}/employers", json=body)
    assert r.status_code == 201, r.text
    individual_token = r.json()["token"]
    company, _ = await api.employer()
    order = await api.order(individual_token)
    checkin = await api.checkin(worker_token, station["id"])
    calls = [
        ("PATCH", "/workers/me", worker_token, {"name": "王二"}),
        ("POST", f"/workers/{worker['id']}/skills/forklift/verify", operator, None),
        ("PUT", f"/workers/{worker['id']}/priority-groups", operator, {"groups": [evidence("veteran")]}),
        ("POST", f"/employers/{company['id']}/verify", operator, None),
        ("POST", f"/checkins/{checkin['id']}/checkout", worker_token, None),
        ("POST", f"/orders/{order['id']}/cancel", individual_token, None),
    ]
    for method, path, token, json in calls:
        r = await api.client.request(method, API + path, headers=bearer(token), json=json)
        assert r.status_code == 200, (path, r.text)
    r = await api.client.post(f"{API}/checkins", headers=bearer(operator), json={
        "station_id": station["id"], "worker_id": worker["id"],
        "available_until": (now() + timedelta(hours=2)).isoformat()})
    assert r.status_code == 201
    expected = Counter({
        "admin.bootstrap": 1, "station.create": 1, "operator.create": 1, "worker.register": 1,
        "employer.register": 2, "order.create": 1, "checkin.create": 2, "worker.update": 1,
        "worker.skill_verified": 1, "worker.priority_verified": 1, "employer.verify": 1,
        "checkin.checkout": 1, "order.cancel": 1,
    })
    assert operator_view["id"]
    return {"worker": worker_body["id_number"], "employer": person}, expected


async def test_every_change_is_audited_with_its_actor(api: Api, db: asyncpg.Connection[Any]) -> None:
    _, expected = await _every_state_change(api)
    rows = await db.fetch("SELECT actor_id, action, object_type, object_id FROM audit_log")
    assert Counter(r["action"] for r in rows) == expected
    assert all(r["actor_id"] is not None for r in rows if r["action"] != "admin.bootstrap")
    assert all(r["object_id"] for r in rows)
    cancel = next(r for r in rows if r["action"] == "order.cancel")
    owner = await db.fetchval("SELECT employer_id FROM orders WHERE id = $1::uuid", cancel["object_id"])
    assert cancel["actor_id"] == owner
    # Refused requests leave nothing behind.
    before = len(rows)
    r = await api.client.post(f"{API}/workers", json=api.worker_body(skills=["juggling"]))
    assert r.status_code == 422
    assert await db.fetchval("SELECT count(*) FROM audit_log") == before


async def test_identity_numbers_are_stored_only_as_ciphertext(api: Api, db: asyncpg.Connection[Any]) -> None:
    numbers, _ = await _every_state_change(api)
    columns = await db.fetch(_TEXT_COLUMNS)
    assert {(c["table_name"], c["column_name"]) for c in columns} >= {
        ("audit_log", "details"), ("workers", "id_masked"), ("workers", "adult_from")}
    assert {c["data_type"] for c in columns} >= {"date", "text", "bytea", "jsonb", "uuid"}
    leaks = []
    for col in columns:
        table, column, kind = col["table_name"], col["column_name"], col["data_type"]
        for number in numbers.values():
            # Also the birth-date-bearing middle, and the birth date as a date value.
            birth = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
            for needle in (number, number[6:14], birth):
                if kind == "bytea":
                    query = f'SELECT count(*) FROM "{table}" WHERE position($1::bytea IN "{column}") > 0'
                    found = await db.fetchval(query, needle.encode())
                else:
                    query = f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE $1'
                    found = await db.fetchval(query, f"%{needle}%")
                if found:
                    leaks.append(f"{table}.{column} holds {needle[:3]}…")
    assert leaks == []
    details = [r["details"] for r in await db.fetch("SELECT details::text AS details FROM audit_log")]
    assert not [d for d in details for n in numbers.values() if n in d or n[-4:] + '"' in d]
    ciphers = await db.fetchval("SELECT count(*) FROM workers WHERE octet_length(id_cipher) > 18")
    assert ciphers == 1
