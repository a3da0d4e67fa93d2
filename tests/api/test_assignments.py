"""Work and pay through the API: every transition, its 409s, idempotency, complaints, access."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx

from gigstation.sim.demo import demo_resident_id
from tests.api.conftest import API, Api, bearer

_young = itertools.count(500)


def young_id() -> str:
    """An ID number of a worker in their thirties (not in the age-50 priority group)."""
    n = next(_young)
    return demo_resident_id(date(1992, 1, 1) + timedelta(days=n), n)


@dataclass
class Job:
    """A staffed order: who is who, and the assignments the workers hold."""

    admin: str
    station: dict[str, Any]
    operator: str
    employer: dict[str, Any]
    employer_token: str
    order: dict[str, Any]
    workers: list[tuple[dict[str, Any], str]]
    assignments: list[dict[str, Any]] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=dict)


async def dispatch(api: Api, operator: str, station_id: str) -> dict[str, Any]:
    r = await api.client.post(f"{API}/stations/{station_id}/dispatch", headers=bearer(operator))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def accept_all(api: Api, token: str) -> list[dict[str, Any]]:
    """Accept every live offer of one worker (there is one per worker after a run)."""
    r = await api.client.get(f"{API}/offers", headers=bearer(token))
    assert r.status_code == 200, r.text
    out = []
    for offer in r.json():
        a = await api.client.post(f"{API}/offers/{offer['id']}/accept", headers=bearer(token))
        assert a.status_code == 200, a.text
        out.append(dict(a.json()))
    return out


async def staffed(api: Api, workers: int = 1, started: asyncpg.Connection[Any] | None = None,
                  **order: Any) -> Job:
    """Station, operator, employer, an order, workers checked in, dispatched and accepted;
    with ``started`` (a database connection) the work has begun, so it may be completed."""
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    employer, employer_token = await api.employer()
    posted = await api.order(employer_token, **{"headcount": workers, **order})
    people = [await api.worker(id_number=young_id()) for _ in range(workers)]
    for _, token in people:
        await api.checkin(token, station["id"])
    run = await dispatch(api, operator, station["id"])
    job = Job(admin, station, operator, employer, employer_token, posted, people, run=run)
    for _, token in people:
        job.assignments += await accept_all(api, token)
    assert len(job.assignments) == workers
    if started is not None:
        await work_started(started, posted["id"])
    return job


async def work_started(db: asyncpg.Connection[Any], order_id: str) -> None:
    """The clock reaches the start of the work (only the assignments move: the order keeps
    its day for the reports)."""
    await db.execute("UPDATE assignments SET starts_at = now() - interval '1 minute' WHERE order_id = $1",
                     uuid.UUID(order_id))


async def shift_into_past(db: asyncpg.Connection[Any], order_id: str, hours: float) -> None:
    """Time passes: the order (and its assignments) started ``hours`` earlier."""
    delta = timedelta(hours=hours)
    oid = uuid.UUID(order_id)
    await db.execute("UPDATE orders SET starts_at = starts_at - $2::interval, ends_at = ends_at - $2::interval "
                     "WHERE id = $1", oid, delta)
    await db.execute("UPDATE assignments SET starts_at = starts_at - $2::interval, ends_at = ends_at - $2::interval "
                     "WHERE order_id = $1", oid, delta)


async def act(api: Api, token: str, assignment_id: str, action: str,
              body: dict[str, Any] | None = None) -> httpx.Response:
    return await api.client.post(f"{API}/assignments/{assignment_id}/{action}",
                                 headers=bearer(token), json=body)


def conflict(r: httpx.Response, code: str) -> None:
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code, r.json()


async def audit_count(db: asyncpg.Connection[Any], action: str, object_id: str) -> int:
    return int(await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2", action, object_id))


# --- the main path and its rules ---------------------------------------------------------


async def test_complete_pay_confirm(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, started=db)
    (worker, wt), et = job.workers[0], job.employer_token
    aid = job.assignments[0]["id"]
    r = await act(api, et, aid, "complete", {"hours": 4})
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "completed" and done["hours"] == 4.0 and done["completed_at"]
    assert done["worker_id"] == worker["id"] and done["employer_id"] == job.employer["id"]
    r = await act(api, et, aid, "paid", {"amount_cents": 12000})
    assert r.status_code == 200 and r.json()["paid_cents"] == 12000 and r.json()["paid_at"]
    r = await act(api, wt, aid, "confirm-pay")
    assert r.status_code == 200 and r.json()["pay_confirmed_at"]
    # Each party was told, and so was the station's board.
    rows = await db.fetch("SELECT user_id, station_id FROM events WHERE kind = 'assignment.paid'")
    told = {str(r["user_id"] or r["station_id"]) for r in rows}
    assert told == {worker["id"], job.employer["id"], job.station["id"]}
    for action in ("assignment.complete", "assignment.paid", "assignment.confirm_pay"):
        assert await audit_count(db, action, aid) == 1


async def test_complete_is_idempotent_under_concurrent_retries(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    job = await staffed(api, started=db)
    aid = job.assignments[0]["id"]
    answers = await asyncio.gather(*[
        act(api, job.employer_token, aid, "complete", {"hours": 7.5}) for _ in range(10)
    ])
    assert [r.status_code for r in answers] == [200] * 10
    assert len({r.text for r in answers}) == 1
    assert await audit_count(db, "assignment.complete", aid) == 1
    assert await db.fetchval("SELECT count(*) FROM events WHERE kind = 'assignment.completed'") == 3
    # A retry without hours is the same request; one naming other hours is not.
    again = await act(api, job.employer_token, aid, "complete")
    assert again.status_code == 200 and again.text == answers[0].text
    conflict(await act(api, job.employer_token, aid, "complete", {"hours": 8}), "hours_differ")


async def test_pay_rules(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, started=db)
    (_, wt), et = job.workers[0], job.employer_token
    aid = job.assignments[0]["id"]
    conflict(await act(api, et, aid, "paid", {"amount_cents": 100}), "assignment_active")
    conflict(await act(api, wt, aid, "confirm-pay"), "not_paid")
    await act(api, et, aid, "complete")
    conflict(await act(api, wt, aid, "confirm-pay"), "not_paid")
    assert (await act(api, et, aid, "paid", {"amount_cents": 10000})).status_code == 200
    same = await act(api, et, aid, "paid", {"amount_cents": 10000})
    assert same.status_code == 200 and same.json()["paid_cents"] == 10000
    assert await audit_count(db, "assignment.paid", aid) == 1
    # Before the worker confirms, the employer may correct the amount, saying why; the
    # first record stays beside the correction.
    conflict(await act(api, et, aid, "paid", {"amount_cents": 12000}), "pay_already_recorded")
    fixed = await act(api, et, aid, "paid", {"amount_cents": 12000, "correction_reason": "漏算加班"})
    assert fixed.status_code == 200 and fixed.json()["paid_cents"] == 12000
    assert await audit_count(db, "assignment.paid", aid) == 2
    ledger = await db.fetch("SELECT amount_cents, kind, reason FROM payments ORDER BY seq")
    assert [tuple(r) for r in ledger] == [(10000, "payment", None), (12000, "correction", "漏算加班")]
    confirmed = await act(api, wt, aid, "confirm-pay")
    assert confirmed.status_code == 200
    again = await act(api, wt, aid, "confirm-pay")
    assert again.status_code == 200 and again.json() == confirmed.json()
    assert (await act(api, et, aid, "paid", {"amount_cents": 12000})).status_code == 200
    conflict(await act(api, et, aid, "paid", {"amount_cents": 13000}), "pay_confirmed")
    conflict(await act(api, wt, aid, "dispute", {"reason": "少付了"}), "pay_confirmed")
    conflict(await act(api, et, aid, "no-show"), "assignment_completed")
    assert await audit_count(db, "assignment.confirm_pay", aid) == 1


async def test_no_show_rules_and_contest(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api)
    (_, wt), et = job.workers[0], job.employer_token
    aid = job.assignments[0]["id"]
    conflict(await act(api, et, aid, "no-show"), "not_started")
    conflict(await act(api, wt, aid, "contest", {"reason": "我去了"}), "assignment_active")
    await shift_into_past(db, job.order["id"], 3)  # it started an hour ago
    r = await act(api, et, aid, "no-show")
    assert r.status_code == 200 and r.json()["status"] == "no_show" and r.json()["no_show_at"]
    assert (await act(api, et, aid, "no-show")).json() == r.json()
    assert await audit_count(db, "assignment.no_show", aid) == 1
    conflict(await act(api, et, aid, "complete"), "assignment_no_show")
    conflict(await act(api, wt, aid, "dispute", {"reason": "x"}), "assignment_no_show")
    r = await act(api, wt, aid, "contest", {"reason": "我八点就到了，门卫可以作证"})
    assert r.status_code == 200 and r.json()["no_show_contested_at"]
    assert (await act(api, wt, aid, "contest", {"reason": "我八点就到了，门卫可以作证"})).status_code == 200
    conflict(await act(api, wt, aid, "contest", {"reason": "另一个理由"}), "already_contested")
    complaints = await api.client.get(f"{API}/stations/{job.station['id']}/complaints",
                                      headers=bearer(job.operator))
    assert complaints.status_code == 200
    [item] = complaints.json()["items"]
    assert item["kind"] == "no_show_contest" and item["assignment"]["id"] == aid
    assert item["reason"] == "我八点就到了，门卫可以作证"
    # The operator upholds the contest: the no-show stops counting against the worker.
    worker_id = job.workers[0][0]["id"]
    rel = await api.client.get(f"{API}/workers/{worker_id}/reliability", headers=bearer(job.operator))
    assert rel.json()["no_shows"] == 1
    r = await act(api, job.operator, aid, "resolve", {"note": "门卫证实已到岗", "no_show_overturned": True})
    assert r.status_code == 200, r.text
    assert r.json()["contest_resolved_at"] and r.json()["no_show_overturned"] is True
    rel = await api.client.get(f"{API}/workers/{worker_id}/reliability", headers=bearer(job.operator))
    assert rel.json()["no_shows"] == 0
    complaints = await api.client.get(f"{API}/stations/{job.station['id']}/complaints",
                                      headers=bearer(job.operator))
    assert complaints.json()["items"] == []
    assert (await act(api, job.operator, aid, "resolve")).status_code == 200
    assert await audit_count(db, "assignment.resolve", aid) == 1


async def test_wage_dispute_lands_on_the_operators_board(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, workers=2)
    et = job.employer_token
    a1, a2 = job.assignments
    tokens = {w["id"]: t for w, t in job.workers}
    t1, t2 = tokens[a1["worker_id"]], tokens[a2["worker_id"]]
    conflict(await act(api, t1, a1["id"], "dispute", {"reason": "没发工资"}), "not_ended")
    conflict(await act(api, job.operator, a1["id"], "resolve"), "nothing_to_resolve")
    # a1 is completed and paid too little; a2's order has ended but was never completed.
    await act(api, et, a1["id"], "complete")
    await act(api, et, a1["id"], "paid", {"amount_cents": 5000})
    await shift_into_past(db, job.order["id"], 7)
    r = await act(api, t1, a1["id"], "dispute", {"reason": "说好120元只给了50元"})
    assert r.status_code == 200 and r.json()["disputed_at"]
    assert r.json()["dispute_reason"] == "说好120元只给了50元"
    assert (await act(api, t1, a1["id"], "dispute", {"reason": "说好120元只给了50元"})).status_code == 200
    conflict(await act(api, t1, a1["id"], "dispute", {"reason": "别的"}), "already_disputed")
    r = await act(api, t2, a2["id"], "dispute", {"reason": "雇主不确认完工"})
    assert r.status_code == 200 and r.json()["status"] == "active"
    board = await db.fetch("SELECT payload FROM events WHERE kind = 'complaint.opened' "
                           "AND station_id = $1", uuid.UUID(job.station["id"]))
    assert len(board) == 2
    listed = await api.client.get(f"{API}/stations/{job.station['id']}/complaints",
                                  headers=bearer(job.admin))
    items = listed.json()["items"]
    assert [i["assignment"]["id"] for i in items] == [a1["id"], a2["id"]]
    assert {i["kind"] for i in items} == {"wage_dispute"}
    r = await act(api, job.operator, a1["id"], "resolve", {"note": "雇主已补发"})
    assert r.status_code == 200 and r.json()["dispute_resolved_at"]
    assert r.json()["resolution_note"] == "雇主已补发"
    # The case's own history gets the closing too, with no stated outcome; closing again adds nothing.
    case = (await api.client.get(f"{API}/assignments/{a1['id']}/complaint", headers=bearer(t1))).json()
    assert case["status"] == "resolved" and case["outcome"] == "unstated", case
    assert [(s["kind"], s["note"]) for s in case["steps"] if s["kind"] == "closed"] == [("closed", "雇主已补发")]
    assert (await act(api, job.operator, a1["id"], "resolve", {"note": "again"})).status_code == 200
    assert await db.fetchval("SELECT count(*) FROM complaint_events WHERE assignment_id = $1 AND kind = 'closed'",
                             uuid.UUID(a1["id"])) == 1
    conflict(await act(api, job.operator, a2["id"], "resolve", {"no_show_overturned": True}),
             "nothing_to_overturn")
    listed = await api.client.get(f"{API}/stations/{job.station['id']}/complaints",
                                  headers=bearer(job.operator))
    assert [i["assignment"]["id"] for i in listed.json()["items"]] == [a2["id"]]
    employer_rel = await api.client.get(f"{API}/employers/{job.employer['id']}/reliability",
                                        headers=bearer(job.operator))
    assert employer_rel.json()["disputes"] == 2


async def test_cancelled_order_ends_the_assignment(api: Api) -> None:
    job = await staffed(api)
    aid = job.assignments[0]["id"]
    r = await api.client.post(f"{API}/orders/{job.order['id']}/cancel", headers=bearer(job.employer_token))
    assert r.status_code == 200
    conflict(await act(api, job.employer_token, aid, "complete"), "assignment_cancelled")


# --- reading ------------------------------------------------------------------------------


async def test_lists_are_scoped_and_paged(api: Api) -> None:
    job = await staffed(api, workers=2)
    ids = sorted(a["id"] for a in job.assignments)

    async def listed(token: str, query: str = "") -> dict[str, Any]:
        r = await api.client.get(f"{API}/assignments{query}", headers=bearer(token))
        assert r.status_code == 200, r.text
        return dict(r.json())

    assert sorted(a["id"] for a in (await listed(job.employer_token))["items"]) == ids
    assert sorted(a["id"] for a in (await listed(job.operator))["items"]) == ids
    assert sorted(a["id"] for a in (await listed(job.admin))["items"]) == ids
    for worker, token in job.workers:
        assert [a["worker_id"] for a in (await listed(token))["items"]] == [worker["id"]]
    _, other_employer = await api.employer()
    _, other_operator = await api.operator(job.admin, [(await api.station(job.admin, lat=31.4))["id"]])
    assert (await listed(other_employer))["items"] == []
    assert (await listed(other_operator))["items"] == []
    first = await listed(job.employer_token, "?limit=1")
    assert len(first["items"]) == 1 and first["next_offset"] == 1
    rest = await listed(job.employer_token, "?limit=1&offset=1")
    assert rest["next_offset"] is None
    assert sorted([first["items"][0]["id"], rest["items"][0]["id"]]) == ids
    assert (await listed(job.employer_token, "?status=completed"))["items"] == []
    r = await api.client.get(f"{API}/assignments?status=bogus", headers=bearer(job.employer_token))
    assert r.status_code == 422
    r = await api.client.get(f"{API}/assignments?limit=0", headers=bearer(job.employer_token))
    assert r.status_code == 422


# --- who may call what ---------------------------------------------------------------------

ACCESS_CALLERS = ["anonymous", "worker_other", "employer_other", "operator_other", "admin",
                  "operator_own", "employer_own", "worker_own"]

# Per route, in the order they run: the status for each caller allowed to reach the object
# (the others: 403 for a signed-in wrong role, 401 for anonymous). The world is set up so
# each allowed caller finds the state it needs: completed, paid, disputed.
ACCESS: list[tuple[str, dict[str, Any] | None, dict[str, int]]] = [
    ("GET", None, {"admin": 200, "operator_own": 200, "operator_other": 404, "worker_own": 200,
                   "worker_other": 404, "employer_own": 200, "employer_other": 404}),
    ("complete", None, {"employer_own": 200, "employer_other": 404}),
    ("paid", {"amount_cents": 100}, {"employer_own": 200, "employer_other": 404}),
    ("no-show", None, {"employer_own": 409, "employer_other": 404}),
    ("dispute", {"reason": "少付"}, {"worker_own": 200, "worker_other": 404, "operator_own": 200,
                                  "operator_other": 404}),
    ("confirm-pay", None, {"worker_own": 200, "worker_other": 404, "operator_own": 200, "operator_other": 404}),
    ("contest", {"reason": "我去了"}, {"worker_own": 409, "worker_other": 404}),
    ("resolve", None, {"admin": 200, "operator_own": 200, "operator_other": 404}),
    ("rating", {"stars": 5}, {"worker_own": 201, "worker_other": 404,
                              "employer_own": 201, "employer_other": 404}),
]


async def _call(api: Api, headers: dict[str, str], target: str, action: str,
                body: dict[str, Any] | None) -> httpx.Response:
    if action == "GET":
        return await api.client.get(f"{API}/assignments/{target}", headers=headers)
    return await api.client.post(f"{API}/assignments/{target}/{action}", headers=headers, json=body)


def _without_instance(r: httpx.Response) -> dict[str, Any]:
    return {k: v for k, v in r.json().items() if k != "instance"}


async def test_access(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, started=db)
    aid = job.assignments[0]["id"]
    await act(api, job.employer_token, aid, "complete")
    await act(api, job.employer_token, aid, "paid", {"amount_cents": 100})
    await act(api, job.workers[0][1], aid, "dispute", {"reason": "少付"})
    other_station = await api.station(job.admin, lat=31.4, lon=121.4)
    tokens = {
        "admin": job.admin, "operator_own": job.operator, "worker_own": job.workers[0][1],
        "employer_own": job.employer_token,
        "operator_other": (await api.operator(job.admin, [other_station["id"]]))[1],
        "worker_other": (await api.worker(id_number=young_id()))[1],
        "employer_other": (await api.employer())[1],
    }
    missing = str(uuid.uuid4())
    wrong = []
    # One world for every caller: strangers first, then the parties, whose repeated
    # transitions are idempotent.
    for caller in ACCESS_CALLERS:
        headers = {} if caller == "anonymous" else bearer(tokens[caller])
        for action, body, allowed in ACCESS:
            expected = 401 if caller == "anonymous" else allowed.get(caller, 403)
            r = await _call(api, headers, aid, action, body)
            if r.status_code != expected:
                wrong.append(f"{caller} {action}: {r.status_code} != {expected} ({r.text[:120]})")
                continue
            if expected in (401, 403, 404):
                # A stranger learns nothing: an unknown id gets the very same answer.
                unknown = await _call(api, headers, missing, action, body)
                assert unknown.status_code == expected, action
                assert _without_instance(unknown) == _without_instance(r), action
    assert wrong == []


# --- validation ----------------------------------------------------------------------------


INVALID: list[tuple[str, dict[str, Any], int]] = [
    ("complete", {"hours": 0.1}, 422),
    ("complete", {"hours": 25}, 422),
    ("complete", {"hours": "four"}, 400),
    ("complete", {"minutes": 30}, 400),
    ("paid", {"amount_cents": -1}, 422),
    ("paid", {}, 400),
    ("paid", {"amount_cents": 1.5}, 400),
    ("dispute", {"reason": ""}, 422),
    ("dispute", {"reason": "x" * 501}, 422),
    ("contest", {}, 400),
    ("rating", {"stars": 0}, 422),
    ("rating", {"stars": 6}, 422),
    ("rating", {"stars": 5, "comment": "好" * 301}, 422),
]


async def test_validation(api: Api) -> None:
    _, employer = await api.employer()
    _, worker = await api.worker(id_number=young_id())
    wrong = []
    for action, body, status in INVALID:
        token = employer if action in ("complete", "paid") else worker
        r = await act(api, token, str(uuid.uuid4()), action, body)
        if r.status_code != status:
            wrong.append(f"{action} {body}: {r.status_code} != {status}")
        else:
            assert r.headers["content-type"].startswith("application/problem+json")
    assert wrong == []
