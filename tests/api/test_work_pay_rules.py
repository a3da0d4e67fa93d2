"""Fault 7 of issue 8: work and pay refuse the impossible, in the service and the database."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest

from tests.api.conftest import API, Api, bearer
from tests.api.test_assignments import act, conflict, staffed, work_started


async def test_work_is_not_completed_before_it_starts(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api)  # the order starts in two hours
    aid = job.assignments[0]["id"]
    conflict(await act(api, job.employer_token, aid, "complete"), "not_started")
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("UPDATE assignments SET status = 'completed', completed_at = now() WHERE id = $1",
                         uuid.UUID(aid))
    await work_started(db, job.order["id"])
    r = await act(api, job.employer_token, aid, "complete")
    assert r.status_code == 200, r.text
    assert r.json()["completed_at"] >= r.json()["starts_at"]


async def test_pay_is_positive_and_never_overwritten(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, started=db)
    et, aid = job.employer_token, job.assignments[0]["id"]
    assert (await act(api, et, aid, "complete")).status_code == 200
    r = await act(api, et, aid, "paid", {"amount_cents": 0})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount_cents", r.text
    assert (await act(api, et, aid, "paid", {"amount_cents": 9000})).status_code == 200
    r = await act(api, et, aid, "paid", {"amount_cents": 5000})
    conflict(r, "pay_already_recorded")
    assert "90.00" in r.json()["detail"] and "correction_reason" in r.json()["detail_en"]
    r = await act(api, et, aid, "paid", {"amount_cents": 5000, "correction_reason": "扣除预支"})
    assert r.status_code == 200 and r.json()["paid_cents"] == 5000
    # The worker sees both records.
    seen = (await api.client.get(f"{API}/assignments/{aid}", headers=bearer(job.workers[0][1]))).json()
    assert [(p["amount_cents"], p["kind"], p.get("reason")) for p in seen["payments"]] == [
        (9000, "payment", None), (5000, "correction", "扣除预支")]
    # The database keeps both records, refuses to change or delete one, and lets the
    # assignment show nothing but the latest.
    a = uuid.UUID(aid)
    assert [r["amount_cents"] for r in await db.fetch(
        "SELECT amount_cents FROM payments WHERE assignment_id = $1 ORDER BY seq", a)] == [9000, 5000]
    for sql in ("UPDATE payments SET amount_cents = 1", "DELETE FROM payments",
                "UPDATE assignments SET paid_cents = 7000",
                "INSERT INTO payments (assignment_id, amount_cents, kind) VALUES ($1, 0, 'correction')",
                "INSERT INTO payments (assignment_id, amount_cents, kind) VALUES ($1, 100, 'correction')",
                "INSERT INTO payments (assignment_id, amount_cents, kind) VALUES ($1, 100, 'payment')"):
        with pytest.raises((asyncpg.CheckViolationError, asyncpg.UniqueViolationError)):
            async with db.transaction():
                await db.execute(sql, *([a] if "$1" in sql else []))
    assert await db.fetchval("SELECT paid_cents FROM assignments WHERE id = $1", a) == 5000
    # Once the worker confirms, nothing more can be recorded, even straight in the database.
    assert (await act(api, job.workers[0][1], aid, "confirm-pay")).status_code == 200
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("INSERT INTO payments (assignment_id, amount_cents, kind, reason) "
                         "VALUES ($1, 100, 'correction', 'x')", a)


async def test_piece_rates_have_a_floor(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, employer = await api.employer()
    r = await api.client.post(f"{API}/orders", headers=bearer(employer),
                              json=api.order_body(pay_unit="piece", pay_cents=1, pieces_per_hour=10_000))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "pay_cents" and "1.00" in r.json()["detail"]
    ok = await api.order(employer, pay_unit="piece", pay_cents=100, pieces_per_hour=25)
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("UPDATE orders SET pay_cents = 1 WHERE id = $1", uuid.UUID(ok["id"]))
    assert ok["station_id"] == station["id"]


async def test_an_order_far_from_every_station_is_refused(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)  # Qingpu, Shanghai
    _, employer = await api.employer()
    beijing = {"lat": 39.9, "lon": 116.4}
    r = await api.client.post(f"{API}/orders", headers=bearer(employer), json=api.order_body(**beijing))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "too_far_from_station" and "15" in body["detail"] and "km" in body["detail_en"]
    assert await db.fetchval("SELECT count(*) FROM orders") == 0
    # Nor can a row put it there behind the service's back.
    near = await api.order(employer)
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("UPDATE orders SET lat = 39.9, lon = 116.4 WHERE id = $1", uuid.UUID(near["id"]))
    assert near["station_id"] == station["id"]
