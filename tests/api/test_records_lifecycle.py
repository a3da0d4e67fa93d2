"""Nothing finished is ever cancelled (issue findings 7 and 8): an order's cancellation and the
arrears blacklist close what has not begun and leave work that started on every record.
Each test's first failing line on the code before this change is named in its docstring."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from gigstation.platform.clock import now
from tests.api.conftest import API, Api, bearer
from tests.api.records import assignment, schedule
from tests.api.test_assignments import accept_all, act, conflict, dispatch, shift_into_past, staffed, young_id


async def _overdue_ids(api: Api, admin: str) -> list[str]:
    r = await api.client.get(f"{API}/oversight/overdue", headers=bearer(admin))
    assert r.status_code == 200, r.text
    return [i["assignment_id"] for i in r.json()["items"]]


async def test_cancelling_after_the_work_keeps_the_work_on_every_record(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    """Finding 7. Before: the cancel was a 200 that marked the finished job cancelled (the
    first ``conflict``); the dispute then got a 409 and the job left the overdue list, the
    places filled and the employment export."""
    job = await staffed(api, workers=1)
    (_, wt), aid, et = job.workers[0], job.assignments[0]["id"], job.employer_token
    await shift_into_past(db, job.order["id"], 16 * 24)  # ended 16 days ago, never paid
    conflict(await api.client.post(f"{API}/orders/{job.order['id']}/cancel", headers=bearer(et)),
             "work_started")
    # An operator or an administrator cannot either.
    for staff in (job.operator, job.admin):
        conflict(await api.client.post(f"{API}/orders/{job.order['id']}/cancel", headers=bearer(staff)),
                 "work_started")
    assert (await assignment(api, wt, aid))["status"] == "active"
    assert aid in await _overdue_ids(api, job.admin)
    disputed = await act(api, wt, aid, "dispute", {"reason": "干完活半个月了还没发工资"})
    assert disputed.status_code == 200, disputed.text
    report = (await api.client.get(f"{API}/stations/{job.station['id']}/report",
                                   headers=bearer(job.operator))).json()
    assert report["slots_filled"] == 1
    today = now().date().isoformat()
    start = (now() - timedelta(days=20)).date().isoformat()
    export = await api.client.get(f"{API}/reports/employment?from={start}&to={today}&format=csv",
                                  headers=bearer(job.admin))
    assert export.status_code == 200 and job.workers[0][0]["name"] in export.text
    # The work is completed and rated as usual.
    assert (await act(api, et, aid, "complete")).status_code == 200
    rated = await api.client.post(f"{API}/assignments/{aid}/station-rating", headers=bearer(wt),
                                  json={"stars": 4})
    assert rated.status_code == 201, rated.text


async def test_cancel_closes_open_places_and_work_not_started_only(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    """A half-filled order under way: the place still open closes, the work under way stays,
    and the order reads ``closed``; an order whose work has not started is cancelled whole."""
    job = await staffed(api, workers=1, headcount=2)
    await schedule(db, job.order["id"], timedelta(minutes=-30))
    r = await api.client.post(f"{API}/orders/{job.order['id']}/cancel", headers=bearer(job.employer_token))
    assert r.status_code == 200 and r.json()["status"] == "closed", r.text
    assert (await assignment(api, job.workers[0][1], job.assignments[0]["id"]))["status"] == "active"
    audit = await db.fetchval("SELECT details->>'assignments_kept' FROM audit_log WHERE action = 'order.cancel'")
    assert audit == "1"
    # Not started yet: the accepted work is cancelled and its worker told.
    later = await api.order(job.employer_token, headcount=1)
    person, token = await api.worker(id_number=young_id())
    await api.checkin(token, job.station["id"])
    await dispatch(api, job.operator, job.station["id"])
    (taken,) = await accept_all(api, token)
    r = await api.client.post(f"{API}/orders/{later['id']}/cancel", headers=bearer(job.employer_token))
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert (await assignment(api, token, taken["id"]))["status"] == "cancelled"
    assert await db.fetchval("SELECT count(*) FROM events WHERE kind = 'assignment.cancelled' AND user_id = $1",
                             uuid.UUID(person["id"])) == 1


async def test_blacklisting_closes_only_what_has_not_begun(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    """Finding 8 (which orders and work a listing closes). Before: the listing cancelled the
    finished unpaid job, so it left the overdue list (the first ``assert`` after listing) and
    the worker's complaint got a 409."""
    job = await staffed(api, workers=1)
    (_, wt), aid = job.workers[0], job.assignments[0]["id"]
    await shift_into_past(db, job.order["id"], 20 * 24)  # 5 days overdue
    assert aid in await _overdue_ids(api, job.admin)
    # A second order of the same employer with a live offer: that closes.
    second = await api.order(job.employer_token, headcount=2)
    waiter, waiting = await api.worker(id_number=young_id())
    await api.checkin(waiting, job.station["id"])
    await dispatch(api, job.operator, job.station["id"])
    listed = await api.client.post(f"{API}/blacklist", headers=bearer(job.admin), json={
        "employer_id": job.employer["id"], "reason": "拖欠工资5天以上", "evidence": "劳动者投诉记录"})
    assert listed.status_code == 201, listed.text
    assert aid in await _overdue_ids(api, job.admin)
    assert (await assignment(api, wt, aid))["status"] == "active"
    assert (await act(api, wt, aid, "dispute", {"reason": "没发工资"})).status_code == 200
    orders = {r["id"]: r["status"] for r in await db.fetch("SELECT id, status FROM orders")}
    assert orders == {uuid.UUID(job.order["id"]): "full", uuid.UUID(second["id"]): "cancelled"}
    assert await db.fetchval("SELECT status FROM offers WHERE order_id = $1", uuid.UUID(second["id"])) == "withdrawn"
    assert listed.json()["orders_closed"] == 1
    # Accepted work that has not started stays too; its worker is told the employer was listed.
    _, other_employer = await api.employer()
    upcoming = await api.order(other_employer, headcount=1)
    await dispatch(api, job.operator, job.station["id"])
    (taken,) = await accept_all(api, waiting)  # still in the room after the withdrawal
    assert taken["order_id"] == upcoming["id"]
    other_id = await db.fetchval("SELECT employer_id FROM orders WHERE id = $1", uuid.UUID(upcoming["id"]))
    r = await api.client.post(f"{API}/blacklist", headers=bearer(job.admin), json={
        "employer_id": str(other_id), "reason": "拖欠工资", "evidence": "投诉"})
    assert r.status_code == 201, r.text
    assert (await assignment(api, waiting, taken["id"]))["status"] == "active"
    assert await db.fetchval("SELECT count(*) FROM events WHERE kind = 'order.employer_listed' AND user_id = $1",
                             uuid.UUID(waiter["id"])) == 1
