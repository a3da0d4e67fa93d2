"""The arrears blacklist, overdue pay on the board and the district list, and blocks via the API."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg

from gigstation.oversight.overdue import district_overdue, is_overdue, station_overdue
from gigstation.platform.clock import now
from tests.api import seed
from tests.api.conftest import API, Api, bearer
from tests.api.test_assignments import act, dispatch, shift_into_past, staffed, young_id


async def test_blacklisted_employer_cannot_post_and_its_orders_close(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    job = await staffed(api, workers=1)  # an order with an accepted assignment
    second = await api.order(job.employer_token, headcount=1)
    _, waiting = await api.worker(id_number=young_id())
    await api.checkin(waiting, job.station["id"])
    run = await dispatch(api, job.operator, job.station["id"])
    assert [o["order_id"] for o in run["offers"]] == [second["id"]]
    body = {"employer_id": job.employer["id"], "reason": "拖欠12名工人工资",
            "evidence": "劳动监察大队认定书 2026-031"}
    # Only administrators keep the list.
    r = await api.client.post(f"{API}/blacklist", headers=bearer(job.operator), json=body)
    assert r.status_code == 403
    r = await api.client.post(f"{API}/blacklist", headers=bearer(job.admin), json=body)
    assert r.status_code == 201, r.text
    entry = r.json()
    today = date.fromisoformat(entry["listed_at"][:10])
    # Listing closes live offers and open places; accepted work stands, its worker is told.
    assert entry["orders_closed"] == 1
    assert date.fromisoformat(entry["ends_on"]) >= today.replace(year=today.year + 3) - timedelta(days=1)
    statuses = {r["id"]: r["status"] for r in await db.fetch("SELECT id, status FROM orders")}
    assert statuses == {uuid.UUID(job.order["id"]): "full", uuid.UUID(second["id"]): "cancelled"}
    assert await db.fetchval("SELECT status FROM offers WHERE order_id = $1", uuid.UUID(second["id"])) == "withdrawn"
    assert await db.fetchval("SELECT status FROM assignments") == "active"
    kinds = {r["kind"] for r in await db.fetch("SELECT kind FROM events")}
    assert {"offer.withdrawn", "order.employer_listed", "employer.blacklisted"} <= kinds
    assert "assignment.cancelled" not in kinds
    # The employer cannot post, with the reason in both languages.
    refused = await api.client.post(f"{API}/orders", headers=bearer(job.employer_token),
                                    json=api.order_body())
    assert refused.status_code == 403 and refused.json()["code"] == "blacklisted"
    assert "失信" in refused.json()["detail"] and "unpaid wages" in refused.json()["detail_en"]
    again = await api.client.post(f"{API}/blacklist", headers=bearer(job.admin), json=body)
    assert again.status_code == 409
    listed = (await api.client.get(f"{API}/blacklist", headers=bearer(job.admin))).json()
    assert [e["id"] for e in listed] == [entry["id"]]
    # A listing past its end date stops counting and does not block a new one.
    await db.execute("UPDATE employer_blacklist SET ends_on = current_date - 1")
    await db.execute("UPDATE employers SET blacklisted_until = current_date - 1")
    assert (await api.client.post(f"{API}/orders", headers=bearer(job.employer_token),
                                  json=api.order_body())).status_code == 201
    relisted = await api.client.post(f"{API}/blacklist", headers=bearer(job.admin), json=body)
    assert relisted.status_code == 201, relisted.text
    expired = (await api.client.get(f"{API}/blacklist?include_past=true", headers=bearer(job.admin))).json()
    assert [e["id"] for e in expired if e["lift_reason"]] == [entry["id"]]
    entry = relisted.json()
    lifted = await api.client.post(f"{API}/blacklist/{entry['id']}/lift", headers=bearer(job.admin),
                                   json={"reason": "已全额支付"})
    assert lifted.status_code == 200 and lifted.json()["lifted_at"]
    assert (await api.client.post(f"{API}/orders", headers=bearer(job.employer_token),
                                  json=api.order_body())).status_code == 201
    actions = [r["action"] for r in await db.fetch(
        "SELECT action FROM audit_log WHERE object_id = $1 AND action LIKE 'employer.blacklist%' "
        "ORDER BY id", job.employer["id"])]
    assert actions == ["employer.blacklist", "employer.blacklist", "employer.blacklist_lift"]


async def test_pay_goes_overdue_once_the_clock_passes_the_period(db: asyncpg.Connection[Any]) -> None:
    station = await seed.station(db)
    employer = await seed.employer(db)
    ended = now().replace(microsecond=0) - timedelta(days=20)
    order = await seed.order(db, employer, station, 2, start=ended - timedelta(hours=4))
    unpaid, confirmed = await seed.workers(db, 2)
    for worker in (unpaid, confirmed):
        (offer,) = await seed.offers(db, station, [(worker, order)])
        await db.execute(
            "INSERT INTO assignments (offer_id, order_id, worker_id, worker_no, starts_at, ends_at, status) "
            "SELECT $1, $2, $3, worker_no, $4, $5, 'completed' FROM workers WHERE user_id = $3",
            offer, order, worker, ended - timedelta(hours=4), ended)
    # Pay goes through the ledger (issue 8, fault 7); its trigger keeps paid_cents in step.
    await db.execute("INSERT INTO payments (assignment_id, amount_cents, kind, recorded_at) "
                     "SELECT id, 12000, 'payment', $2 FROM assignments WHERE worker_id = $1", confirmed, ended)
    await db.execute("UPDATE assignments SET pay_confirmed_at = $2 WHERE worker_id = $1", confirmed, ended)
    due = ended + timedelta(days=15)
    assert await station_overdue(db, station, due - timedelta(seconds=1), 15) == []
    (item,) = await station_overdue(db, station, due, 15)
    assert item.worker_id == unpaid and item.days_overdue == 0 and item.due_at == due
    # A departure recorded later than the plan moves the clock (through the hours ledger:
    # the assignment's times follow it and nothing else).
    aid = await db.fetchval("SELECT id FROM assignments WHERE worker_id = $1", unpaid)
    await db.execute("UPDATE assignments SET status = 'active' WHERE id = $1", aid)  # arrival precedes completion
    await db.execute("INSERT INTO hours_events (assignment_id, kind, at, arrived_at, proof) "
                     "VALUES ($1, 'arrival', $2, $2, 'phone_code')", aid, ended - timedelta(hours=4))
    await db.execute("UPDATE assignments SET status = 'completed' WHERE id = $1", aid)
    await db.execute("INSERT INTO hours_events (assignment_id, kind, at, departed_at, confirm_by, proof) "
                     "VALUES ($1, 'departure', $2, $2, $2::timestamptz + interval '3 days', 'phone_code')",
                     aid, ended + timedelta(hours=2))
    assert await station_overdue(db, station, due, 15) == []
    later = await district_overdue(db, due + timedelta(days=3), 15)
    assert [(i.worker_id, i.days_overdue) for i in later.items] == [(unpaid, 2)]
    assert [(e.employer_id, e.cases) for e in later.by_employer] == [(employer, 1)]
    assert is_overdue("completed", ended, None, due, 15)
    assert not is_overdue("no_show", ended, None, due, 15)


async def test_overdue_shows_on_the_board_and_the_district_list(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    job = await staffed(api, workers=1)
    board = (await api.client.get(f"{API}/stations/{job.station['id']}/board",
                                  headers=bearer(job.operator))).json()
    assert board["overdue"] == []
    await shift_into_past(db, job.order["id"], 16 * 24 + 8)
    board = (await api.client.get(f"{API}/stations/{job.station['id']}/board",
                                  headers=bearer(job.operator))).json()
    assert [i["assignment_id"] for i in board["overdue"]] == [job.assignments[0]["id"]]
    r = await api.client.get(f"{API}/oversight/overdue", headers=bearer(job.admin))
    assert r.status_code == 200 and r.json()["settlement_days"] == 15
    assert [i["assignment_id"] for i in r.json()["items"]] == [job.assignments[0]["id"]]
    assert (await api.client.get(f"{API}/oversight/overdue", headers=bearer(job.operator))).status_code == 403


async def test_blocks_through_the_api_withdraw_offers_and_keep_dispatch_away(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    employer, employer_token = await api.employer()
    order = await api.order(employer_token, headcount=2)
    worker_a, token_a = await api.worker(id_number=young_id())
    worker_b, token_b = await api.worker(id_number=young_id())
    for token in (token_a, token_b):
        await api.checkin(token, station["id"])
    run = await dispatch(api, operator, station["id"])
    assert len(run["offers"]) == 2
    # The worker blocks the employer: the live offer is withdrawn at once.
    r = await api.client.post(f"{API}/blocks", headers=bearer(token_a), json={"user_id": employer["id"]})
    assert r.status_code == 201, r.text
    assert (await api.client.get(f"{API}/offers", headers=bearer(token_a))).json() == []
    # The employer blocks the other worker.
    r = await api.client.post(f"{API}/blocks", headers=bearer(employer_token),
                              json={"user_id": worker_b["id"]})
    assert r.status_code == 201, r.text
    # Blocking someone on one's own side is not possible.
    r = await api.client.post(f"{API}/blocks", headers=bearer(token_a), json={"user_id": worker_b["id"]})
    assert r.status_code == 404
    run = await dispatch(api, operator, station["id"])
    assert run["offers"] == []
    r = await api.client.delete(f"{API}/blocks/{employer['id']}", headers=bearer(token_a))
    assert r.status_code == 204
    run = await dispatch(api, operator, station["id"])
    assert [(o["worker_id"], o["order_id"]) for o in run["offers"]] == [(worker_a["id"], order["id"])]
    mine = (await api.client.get(f"{API}/blocks", headers=bearer(employer_token))).json()
    assert [b["blocked_id"] for b in mine] == [worker_b["id"]]


async def test_wage_complaint_case_timeline(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, workers=1)
    (_, token) = job.workers[0]
    aid = job.assignments[0]["id"]
    await shift_into_past(db, job.order["id"], 8)
    r = await api.client.get(f"{API}/assignments/{aid}/complaint", headers=bearer(token))
    assert r.status_code == 404
    assert (await act(api, token, aid, "dispute", {"reason": "工资未付"})).status_code == 200
    listed = (await api.client.get(f"{API}/stations/{job.station['id']}/complaints",
                                   headers=bearer(job.operator))).json()["items"]
    assert [c["case_status"] for c in listed] == ["open"]
    answered = await act(api, job.employer_token, aid, "complaint/answer", {"note": "月底前支付"})
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    twice = await act(api, job.employer_token, aid, "complaint/answer", {"note": "again"})
    assert twice.status_code == 409
    listed = (await api.client.get(f"{API}/stations/{job.station['id']}/complaints",
                                   headers=bearer(job.operator))).json()["items"]
    assert [(c["kind"], c["case_status"]) for c in listed] == [("wage_dispute", "answered")]
    escalated = await act(api, job.operator, aid, "complaint/escalate", {"note": "逾期未付，上报"})
    assert escalated.json()["status"] == "escalated"
    listed = (await api.client.get(f"{API}/stations/{job.station['id']}/complaints",
                                   headers=bearer(job.operator))).json()["items"]
    assert [c["case_status"] for c in listed] == ["escalated"]
    listed = (await api.client.get(f"{API}/oversight/complaints/escalated", headers=bearer(job.admin))).json()
    assert [c["assignment_id"] for c in listed] == [aid]
    assert (await act(api, job.operator, aid, "resolve", {"note": "已支付"})).status_code == 200
    case = (await api.client.get(f"{API}/assignments/{aid}/complaint", headers=bearer(token))).json()
    assert case["status"] == "resolved"
    # Closed through the older resolve: the history's closing names no outcome (migration 0042).
    assert [s["kind"] for s in case["steps"]] == ["opened", "employer_answered", "escalated", "closed"]
    assert case["outcome"] == "unstated"
    assert (await act(api, job.operator, aid, "complaint/escalate", {"note": "x"})).status_code == 409
