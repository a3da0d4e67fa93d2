"""Satisfaction from everyone served (oversight/satisfaction.py): the employer's rating of the
station, the checkout survey of a person who found no work (on the phone and at the desk),
and the figures in the station's performance. Each route was missing before issue 19."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg

from gigstation.platform.clock import today
from tests.api.conftest import API, Api, bearer
from tests.api.test_assignments import act, audit_count, conflict, shift_into_past, staffed


async def _checkout(api: Api, token: str, checkin_id: str) -> None:
    r = await api.client.post(f"{API}/checkins/{checkin_id}/checkout", headers=bearer(token))
    assert r.status_code == 200, r.text


def _survey(api: Api, token: str, checkin_id: str, body: dict[str, Any] | None = None) -> Any:
    url = f"{API}/checkins/{checkin_id}/survey"
    if body is None:
        return api.client.get(url, headers=bearer(token))
    return api.client.post(url, headers=bearer(token), json=body)


async def test_employer_rates_the_station_once_after_the_work(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, started=db)
    order_id, et = job.order["id"], job.employer_token
    url = f"{API}/orders/{order_id}/station-rating"
    conflict(await api.client.post(url, headers=bearer(et), json={"stars": 5}), "not_ended")
    await act(api, et, job.assignments[0]["id"], "complete")
    r = await api.client.post(url, headers=bearer(et), json={"stars": 4})
    assert r.status_code == 201, r.text
    assert r.json()["station_id"] == job.station["id"] and r.json()["stars"] == 4
    conflict(await api.client.post(url, headers=bearer(et), json={"stars": 5}), "already_rated")
    # Someone else's order looks missing; workers cannot use it; stars stay 1-5.
    _, other = await api.employer()
    assert (await api.client.post(url, headers=bearer(other), json={"stars": 5})).status_code == 404
    assert (await api.client.post(url, headers=bearer(job.workers[0][1]), json={"stars": 5})).status_code == 403
    r = await api.client.post(url, headers=bearer(et), json={"stars": 6})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "stars", r.text
    assert await audit_count(db, "station.rated_by_employer", order_id) == 1


async def test_an_ended_order_nobody_completed_can_be_rated(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api)
    await shift_into_past(db, job.order["id"], 8)
    r = await api.client.post(f"{API}/orders/{job.order['id']}/station-rating",
                              headers=bearer(job.employer_token), json={"stars": 2})
    assert r.status_code == 201, r.text


async def test_checkout_survey_for_a_person_who_found_no_work(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    _, stranger = await api.operator(admin, [(await api.station(admin))["id"]])
    _, wt = await api.worker()
    checkin = await api.checkin(wt, station["id"])
    cid = checkin["id"]
    conflict(await _survey(api, wt, cid, {"satisfaction": 3}), "still_waiting")
    await _checkout(api, wt, cid)
    state = (await _survey(api, wt, cid)).json()
    assert state["eligible"] and state["open"] and state["satisfaction"] is None and state["closes_at"]
    # One tap each: the first question, then the second.
    r = await _survey(api, wt, cid, {"satisfaction": 4})
    assert r.status_code == 200 and r.json()["open"] and r.json()["satisfaction"] == 4, r.text
    r = await _survey(api, wt, cid, {"reason": "too_far"})
    assert r.status_code == 200 and not r.json()["open"] and r.json()["reason"] == "too_far", r.text
    # A second tap of the same answer is harmless; a different answer is refused.
    assert (await _survey(api, wt, cid, {"satisfaction": 4})).status_code == 200
    conflict(await _survey(api, wt, cid, {"satisfaction": 1}), "already_answered")
    conflict(await _survey(api, wt, cid, {"reason": "other"}), "already_answered")
    # Bad answers name their field; nothing at all is a 422 too.
    for body, field in (({"reason": "boss_rude"}, "reason"), ({"satisfaction": 0}, "satisfaction"),
                        ({}, "satisfaction")):
        r = await _survey(api, wt, cid, body)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    # Other people's check-ins look missing; an operator elsewhere cannot see it.
    _, other = await api.worker()
    assert (await _survey(api, other, cid)).status_code == 404
    assert (await _survey(api, stranger, cid)).status_code == 404
    assert (await _survey(api, operator, cid)).json()["reason"] == "too_far"
    row = await db.fetchrow("SELECT * FROM checkout_surveys WHERE checkin_id = $1", uuid.UUID(cid))
    assert row["station_id"] == uuid.UUID(station["id"]) and row["satisfaction_by"] == row["worker_id"]
    assert await audit_count(db, "checkout_survey.answer", cid) == 2
    # The survey closes a day after checking out.
    await db.execute("UPDATE checkins SET left_at = left_at - interval '25 hours' WHERE id = $1", uuid.UUID(cid))
    _, late = await api.worker()
    late_checkin = await api.checkin(late, station["id"])
    await _checkout(api, late, late_checkin["id"])
    await db.execute("UPDATE checkins SET left_at = left_at - interval '25 hours' WHERE id = $1",
                     uuid.UUID(late_checkin["id"]))
    conflict(await _survey(api, late, late_checkin["id"], {"satisfaction": 5}), "survey_closed")


async def test_the_desk_answers_for_a_person_without_a_phone(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    op, operator = await api.operator(admin, [station["id"]])
    _, wt = await api.worker()
    cid = (await api.checkin(wt, station["id"]))["id"]
    await _checkout(api, operator, cid)
    r = await _survey(api, operator, cid, {"satisfaction": 2, "reason": "no_suitable_work"})
    assert r.status_code == 200 and not r.json()["open"], r.text
    row = await db.fetchrow("SELECT * FROM checkout_surveys WHERE checkin_id = $1", uuid.UUID(cid))
    assert row["satisfaction_by"] == row["reason_by"] == uuid.UUID(op["id"])
    details = await db.fetchval("SELECT details FROM audit_log WHERE action = 'checkout_survey.answer'")
    assert str(row["worker_id"]) in str(details)  # on_behalf_of
    # The administrator reads but does not answer for anyone.
    assert (await _survey(api, admin, cid)).status_code == 200
    assert (await _survey(api, admin, cid, {"satisfaction": 5})).status_code == 403


async def test_no_survey_after_finding_work(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api)
    worker, wt = job.workers[0]
    checkin_id = str(await db.fetchval("SELECT id FROM checkins WHERE worker_id = $1", uuid.UUID(worker["id"])))
    state = (await _survey(api, wt, checkin_id)).json()
    assert state["eligible"] is False and state["open"] is False
    conflict(await _survey(api, wt, checkin_id, {"satisfaction": 5}), "found_work")


async def test_two_taps_at_once_record_one_answer(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, wt = await api.worker()
    cid = (await api.checkin(wt, station["id"]))["id"]
    await _checkout(api, wt, cid)
    answers = await asyncio.gather(*(_survey(api, wt, cid, {"satisfaction": s}) for s in (5, 1)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 409], [r.text for r in answers]
    assert await db.fetchval("SELECT count(*) FROM checkout_surveys") == 1


async def test_performance_carries_every_voice(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, workers=2, started=db)
    et = job.employer_token
    for a in job.assignments:
        await act(api, et, a["id"], "complete")
    tokens = {w["id"]: t for w, t in job.workers}
    first = job.assignments[0]
    r = await api.client.post(f"{API}/assignments/{first['id']}/station-rating",
                              headers=bearer(tokens[first["worker_id"]]), json={"stars": 5})
    assert r.status_code == 201, r.text
    r = await api.client.post(f"{API}/orders/{job.order['id']}/station-rating", headers=bearer(et),
                              json={"stars": 3})
    assert r.status_code == 201, r.text
    for stars, reason in ((2, "too_far"), (4, "too_far"), (None, "pay_too_low")):
        _, wt = await api.worker()
        cid = (await api.checkin(wt, job.station["id"]))["id"]
        await _checkout(api, wt, cid)
        body: dict[str, Any] = {"reason": reason} | ({"satisfaction": stars} if stars else {})
        assert (await _survey(api, wt, cid, body)).status_code == 200
    day = today("Asia/Shanghai").isoformat()
    r = await api.client.get(f"{API}/stations/{job.station['id']}/performance",
                             params={"from": day, "to": day}, headers=bearer(job.operator))
    assert r.status_code == 200, r.text
    p = r.json()
    assert (p["ratings"], p["satisfaction"]) == (1, 5.0)  # the existing fields stay
    assert (p["employer_ratings"], p["employer_satisfaction"]) == (1, 3.0)
    assert (p["survey_answers"], p["survey_satisfaction"]) == (2, 3.0)
    assert p["satisfaction_answers"] == 4 and p["satisfied_share"] == 0.5  # 5 and 4 of 5, 3, 2, 4
    assert p["no_work_reasons"]["too_far"] == 2 and p["no_work_reasons"]["pay_too_low"] == 1
    assert p["no_work_reasons"]["other"] == 0
    district = (await api.client.get(f"{API}/reports/district", params={"from": day, "to": day},
                                     headers=bearer(job.admin))).json()["district"]
    assert district["satisfaction_answers"] == 4
    r = await api.client.get(f"{API}/stations/{job.station['id']}/satisfaction", headers=bearer(job.operator))
    assert r.status_code == 200 and r.json()["survey_answers"] == 2, r.text
    csv = await api.client.get(f"{API}/reports/district", params={"from": day, "to": day, "format": "csv"},
                               headers=bearer(job.admin))
    assert "满意率(4-5星) satisfied share" in csv.content.decode("utf-8-sig")
