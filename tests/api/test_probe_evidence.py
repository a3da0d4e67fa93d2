"""Probes of the newest records as the party a rule binds would try them (wage complaint
cases, takeover, the desk's answers, priority follow-ups)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest

from tests.api.conftest import API, Api, bearer, next_phone
from tests.api.records import Travel, travel
from tests.api.test_assignments import act, shift_into_past, staffed

__all__ = ["travel"]  # the fixture, used by name


async def test_closing_a_wage_case_keeps_the_overturned_no_show_record(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    job = await staffed(api)
    (_, wt), et = job.workers[0], job.employer_token
    aid = job.assignments[0]["id"]
    await shift_into_past(db, job.order["id"], 3)
    assert (await act(api, et, aid, "no-show")).status_code == 200
    assert (await act(api, wt, aid, "contest", {"reason": "我八点就到了"})).status_code == 200
    r = await act(api, job.operator, aid, "resolve", {"note": "门卫证实已到岗", "no_show_overturned": True})
    assert r.status_code == 200, r.text
    await shift_into_past(db, job.order["id"], 24)
    assert (await act(api, wt, aid, "dispute", {"reason": "没发工资"})).status_code == 200, "dispute"
    r = await act(api, job.operator, aid, "complaint/close", {"outcome": "paid", "note": "已付清"})
    assert r.status_code == 200, r.text
    row = await db.fetchrow("SELECT resolution_note, resolved_by FROM assignments WHERE id = $1",
                            uuid.UUID(aid))
    assert row is not None
    # The overturn of the no-show is the worker's protection: a later closing leaves it as it was.
    assert row["resolution_note"] == "已付清"
    a = (await api.client.get(f"{API}/assignments/{aid}", headers=bearer(wt))).json()
    assert a["contest_resolution_note"] == "门卫证实已到岗" and a["no_show_overturned"] is True
    # Nor can any later statement write over a resolution: the database refuses it.
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("UPDATE assignments SET resolution_note = 'x' WHERE id = $1", uuid.UUID(aid))
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("UPDATE assignments SET no_show_overturned = false WHERE id = $1", uuid.UUID(aid))
    case = (await api.client.get(f"{API}/assignments/{aid}/complaint", headers=bearer(wt))).json()
    assert case["outcome"] == "paid" and case["steps"][-1]["note"] == "已付清"


@pytest.mark.parametrize("body", [
    {"note": "x" * 100_000}, {"note": "a\x00b"}, {"note": 5}, {"paid": "yes"}, {"note": None},
    {"note": "ok", "extra": 1}, [], "text",
])
async def test_odd_bodies_on_the_case_routes_are_4xx(
    api: Api, db: asyncpg.Connection[Any], body: Any
) -> None:
    job = await staffed(api)
    (_, wt) = job.workers[0]
    aid = job.assignments[0]["id"]
    await shift_into_past(db, job.order["id"], 30)
    assert (await act(api, wt, aid, "dispute", {"reason": "没发工资"})).status_code == 200
    for token, path in ((wt, "complaint/messages"), (job.employer_token, "complaint/answer"),
                        (job.operator, "complaint/escalate"), (job.operator, "complaint/close")):
        r = await act(api, token, aid, path, body)
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
    raw = await api.client.post(f"{API}/assignments/{aid}/complaint/messages", headers={
        **bearer(wt), "content-type": "application/json"}, content=b"\xff\xfe{")
    assert 400 <= raw.status_code < 500, raw.text
    lone = await api.client.post(f"{API}/assignments/{aid}/complaint/messages", headers={
        **bearer(wt), "content-type": "application/json"}, content=b'{"note": "\\ud800"}')
    assert 400 <= lone.status_code < 500 or lone.status_code == 200, lone.text


async def test_wrong_takeover_codes_do_not_void_a_taken_over_persons_reset_code(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, op = await api.operator(admin, [station["id"]])
    body = api.worker_body(name="刘大爷")
    del body["phone"], body["password"]
    person = (await api.client.post(f"{API}/workers", headers=bearer(op), json=body)).json()["worker"]
    code = (await api.client.post(f"{API}/accounts/{person['id']}/reset-code", headers=bearer(op))).json()["code"]
    phone = next_phone("133")
    r = await api.client.post(f"{API}/auth/takeover", json={
        "card_number": person["card_number"], "code": code, "phone": phone, "new_password": "my-own-pass"})
    assert r.status_code == 200, r.text
    # Later the person forgets the password; the desk gives a reset code for the phone.
    code = (await api.client.post(f"{API}/accounts/{person['id']}/reset-code", headers=bearer(op))).json()["code"]
    # Someone who saw the card number tries the takeover form: the account has a phone now, so
    # these tries are no tries at its reset code, which still works afterwards.
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        r = await api.client.post(f"{API}/auth/takeover", json={
            "card_number": person["card_number"], "code": wrong, "phone": next_phone("133"),
            "new_password": "thief-pass-1"})
        assert r.status_code == 422, r.text
    r = await api.client.post(f"{API}/auth/password-reset",
                              json={"phone": phone, "code": code, "new_password": "new-own-pass"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("body", [
    {}, {"card_number": "1" * 5000, "code": "123456", "phone": "13300000000", "new_password": "abcdefgh"},
    {"card_number": "12345678\x009", "code": "123456", "phone": "13300000000", "new_password": "abcdefgh"},
    {"card_number": 1234567890, "code": 123456, "phone": 13300000000, "new_password": 1},
    {"card_number": "1234567890", "code": "123456", "phone": "13300000000", "new_password": "x" * 100_000},
    {"card_number": "1234567890", "code": "123456", "phone": "13300000000", "new_password": "ab\x00cdefgh"},
    [], None,
])
async def test_odd_takeover_bodies_are_4xx(api: Api, body: Any) -> None:
    r = await api.client.post(f"{API}/auth/takeover", json=body)
    assert 400 <= r.status_code < 500, r.text


async def test_each_party_acts_only_on_its_own_side_of_a_case(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api)
    (_, wt) = job.workers[0]
    aid = job.assignments[0]["id"]
    await shift_into_past(db, job.order["id"], 30)
    assert (await act(api, wt, aid, "dispute", {"reason": "没发工资"})).status_code == 200
    _, other_employer = await api.employer()
    _, other_worker = await api.worker()
    elsewhere = await api.station(job.admin)
    _, other_operator = await api.operator(job.admin, [elsewhere["id"]])
    note = {"note": "x"}
    # Wrong role: 403; right role but not their case: 404.
    for token, path, status in (
        (job.employer_token, "complaint/close", 403), (job.employer_token, "complaint/escalate", 403),
        (wt, "complaint/close", 403), (wt, "complaint/answer", 403), (job.operator, "complaint/answer", 403),
        (other_employer, "complaint/answer", 404), (other_employer, "complaint/messages", 404),
        (other_worker, "complaint/messages", 404), (other_operator, "complaint/messages", 404),
        (other_operator, "complaint/escalate", 404),
    ):
        body = {"outcome": "paid"} if path.endswith("close") else note
        r = await act(api, token, aid, path, body)
        assert r.status_code == status, (path, r.text)
    r = await act(api, other_operator, aid, "complaint/close", {"outcome": "not_owed"})
    assert r.status_code == 404, r.text
    # A second case for the same job is refused; the first one's words stay.
    r = await act(api, wt, aid, "dispute", {"reason": "另一个理由"})
    assert r.status_code == 409 and r.json()["code"] == "already_disputed"
    assert (await act(api, job.operator, aid, "complaint/close", {"outcome": "paid"})).status_code == 200
    for token in (wt, job.employer_token, job.operator):
        r = await act(api, token, aid, "complaint/messages", {"note": "晚了", "paid": token == job.employer_token})
        assert r.status_code == 409 and r.json()["code"] == "case_closed", r.text
    assert (await act(api, job.operator, aid, "complaint/close", {"outcome": "not_owed"})).status_code == 409
    case = (await api.client.get(f"{API}/assignments/{aid}/complaint", headers=bearer(wt))).json()
    assert case["outcome"] == "paid" and case["steps"][0]["note"] == "没发工资"
    # Nothing a later action does erases the case: the database refuses it.
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("UPDATE assignments SET dispute_reason = 'x' WHERE id = $1", uuid.UUID(aid))
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("DELETE FROM complaint_events WHERE assignment_id = $1", uuid.UUID(aid))


async def test_seeing_the_papers_again_does_not_restart_the_outcome_clock(api: Api) -> None:
    from datetime import timedelta

    from gigstation.platform.clock import today
    from tests.api.conftest import evidence

    admin = await api.admin()
    station = await api.station(admin)
    _, op = await api.operator(admin, [station["id"]])
    person, _ = await api.worker()
    local = today("Asia/Shanghai")
    first = (local - timedelta(days=40)).isoformat()
    for evidence_date in (first, (local - timedelta(days=2)).isoformat()):
        r = await api.client.put(f"{API}/workers/{person['id']}/priority-groups", headers=bearer(op), json={
            "groups": [evidence("zero_employment_family", evidence_date=evidence_date,
                                evidence_number=f"QP-{evidence_date}")]})
        assert r.status_code == 200, r.text
    r = await api.client.get(f"{API}/workers/{person['id']}/priority-outcome", headers=bearer(op))
    [case] = r.json()["cases"]
    assert case["identified_on"] == first and case["status"] == "overdue", case
    for body in ({"kind": "call", "result": "x" * 501}, {"kind": "call", "result": "a\x00b"},
                 {"kind": "call", "result": 5}, {"kind": "call"}, {"kind": "call", "result": "ok", "group": "x"},
                 {"kind": "call", "result": "ok", "station_id": "nope"}, [], {"kind": "call", "result": "\u3000"}):
        r = await api.client.post(f"{API}/workers/{person['id']}/follow-ups", headers=bearer(op), json=body)
        assert 400 <= r.status_code < 500, (body, r.text)


async def test_a_blank_answer_does_not_meet_the_answer_stage(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api)
    (_, wt) = job.workers[0]
    aid = job.assignments[0]["id"]
    await shift_into_past(db, job.order["id"], 30)
    assert (await act(api, wt, aid, "dispute", {"reason": "没发工资"})).status_code == 200
    for token, path in ((job.employer_token, "complaint/answer"), (job.operator, "complaint/escalate")):
        r = await act(api, token, aid, path, {"note": " \u3000\n "})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note", r.text
    case = (await api.client.get(f"{API}/assignments/{aid}/complaint", headers=bearer(wt))).json()
    assert case["status"] == "open" and case["stages"][0]["done_at"] is None


async def test_odd_desk_and_card_inputs_are_4xx(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api)
    aid = job.assignments[0]["id"]
    op = job.operator
    for card in ("%00", "1" * 5000, "GS", "１２３４５６７８９０", "12345678901", "-1", "GS%2012345678"):
        r = await api.client.get(f"{API}/workers/cards/{card}", headers=bearer(op))
        assert 400 <= r.status_code < 500, (card, r.status_code, r.text)
    for body in ({"reason": "x" * 100_000}, {"reason": "a\x00b"}, {"reason": 1}, {}, [], None):
        r = await act(api, op, aid, "hours/contest", body)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
    r = await act(api, op, aid, "hours/confirm", {"junk": "x" * 10_000})
    assert 400 <= r.status_code < 500, r.text
    base = api.worker_body(name="刘大爷")
    del base["phone"], base["password"]
    for over in ({"phone": None, "password": None}, {"name": "a\x00b"}, {"name": "x" * 10_000},
                 {"id_type": "passport"}, {"id_number": "1" * 5000}, {"skills": ["x"] * 1000},
                 {"birth_date": "1990-02-30"}, {"phone": "13300000000"}, {"password": "abcdefgh"}):
        r = await api.client.post(f"{API}/workers", headers=bearer(op), json={**base, **over})
        assert 400 <= r.status_code < 500 or (r.status_code == 201 and over == {"phone": None, "password": None}), (
            over, r.status_code, r.text)


async def test_the_desk_files_a_wage_complaint_for_a_person_without_a_phone(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    from datetime import timedelta

    from gigstation.platform.clock import now

    admin = await api.admin()
    station = await api.station(admin)
    _, op = await api.operator(admin, [station["id"]])
    body = api.worker_body(name="刘大爷")
    del body["phone"], body["password"]
    person = (await api.client.post(f"{API}/workers", headers=bearer(op), json=body)).json()["worker"]
    _, employer = await api.employer()
    order = await api.order(employer, headcount=1)
    r = await api.client.post(f"{API}/checkins", headers=bearer(op), json={
        "station_id": station["id"], "worker_id": person["id"],
        "available_until": (now() + timedelta(hours=8)).isoformat(), "max_distance_m": 10000})
    assert r.status_code == 201, r.text
    [offer] = (await api.client.post(f"{API}/stations/{station['id']}/dispatch", headers=bearer(op))).json()["offers"]
    aid = (await api.client.post(f"{API}/offers/{offer['id']}/accept-for-worker", headers=bearer(op))).json()["id"]
    await shift_into_past(db, order["id"], 30)
    # Another station's operator and the employer cannot; the desk of the job's station can.
    elsewhere = await api.station(admin)
    _, other_op = await api.operator(admin, [elsewhere["id"]])
    reason = {"reason": "本人说工资没有收到"}
    assert (await act(api, other_op, aid, "dispute", reason)).status_code == 404
    assert (await act(api, employer, aid, "dispute", reason)).status_code == 403
    assert (await act(api, admin, aid, "dispute", reason)).status_code == 403
    r = await act(api, op, aid, "dispute", reason)
    assert r.status_code == 200, r.text
    operator_id = await db.fetchval("SELECT operator_id FROM operator_stations WHERE station_id = $1",
                                    uuid.UUID(station["id"]))
    assert r.json()["disputed_by"] == str(operator_id)
    case = (await api.client.get(f"{API}/assignments/{aid}/complaint", headers=bearer(op))).json()
    assert case["steps"][0]["kind"] == "opened" and case["steps"][0]["actor_id"] == str(operator_id)
    row = await db.fetchrow("SELECT actor_id, details FROM audit_log WHERE action = 'assignment.dispute' "
                            "AND object_id = $1", aid)
    assert row["actor_id"] == operator_id and person["id"] in row["details"]
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("UPDATE assignments SET disputed_by = NULL WHERE id = $1", uuid.UUID(aid))


async def test_settling_the_hours_leaves_the_wage_case_open(
    api: Api, db: asyncpg.Connection[Any], travel: Travel
) -> None:
    from datetime import timedelta

    from tests.api.records import code_of, scan, schedule

    job = await staffed(api)
    (_, wt), et = job.workers[0], job.employer_token
    aid = job.assignments[0]["id"]
    await schedule(db, job.order["id"], timedelta(minutes=10))
    assert (await scan(api, et, aid, "arrival", (await code_of(api, wt, aid))["code"])).status_code == 200
    travel(timedelta(minutes=31))
    r = await scan(api, et, aid, "departure", (await code_of(api, wt, aid))["code"])
    assert r.status_code == 200, r.text
    assert (await act(api, wt, aid, "hours/contest", {"reason": "我干了四个小时"})).status_code == 200
    travel(timedelta(0))
    await schedule(db, job.order["id"], timedelta(hours=-5))
    r = await act(api, wt, aid, "dispute", {"reason": "工资一分没给"})
    assert r.status_code == 200, r.text
    # The operator settles the hours: that is not the end of the wage complaint.
    r = await act(api, job.operator, aid, "resolve", {"hours": "planned", "note": "按约定工时计算"})
    assert r.status_code == 200, r.text
    assert r.json()["hours_state"] == "resolved" and r.json()["dispute_resolved_at"] is None
    case = (await api.client.get(f"{API}/assignments/{aid}/complaint", headers=bearer(wt))).json()
    assert case["status"] == "open"
    # Its own closing comes next, with its outcome.
    r = await act(api, job.operator, aid, "complaint/close", {"outcome": "paid"})
    assert r.status_code == 200 and r.json()["status"] == "resolved", r.text


async def test_a_no_show_cannot_answer_a_wage_complaint(api: Api, db: asyncpg.Connection[Any]) -> None:
    """The employer who never recorded the job's end cannot, once the worker complains about the
    wage, turn the job into a no-show counted against them: its answer goes on the case."""
    job = await staffed(api)
    (worker, wt), et = job.workers[0], job.employer_token
    aid = job.assignments[0]["id"]
    await shift_into_past(db, job.order["id"], 30)
    assert (await act(api, wt, aid, "dispute", {"reason": "干完了没给钱"})).status_code == 200
    r = await act(api, et, aid, "no-show")
    assert r.status_code == 409 and r.json()["code"] == "disputed", r.text
    rel = await api.client.get(f"{API}/workers/{worker['id']}/reliability", headers=bearer(job.operator))
    assert rel.json()["no_shows"] == 0
    r = await act(api, et, aid, "complaint/messages", {"note": "此人没有来上班"})
    assert r.status_code == 200, r.text


async def test_a_code_takes_over_only_the_account_it_was_given_for(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, op = await api.operator(admin, [station["id"]])
    people = []
    for name in ("刘大爷", "王大妈"):
        body = api.worker_body(name=name)
        del body["phone"], body["password"]
        people.append((await api.client.post(f"{API}/workers", headers=bearer(op), json=body)).json()["worker"])
    a, b = people
    code_a = (await api.client.post(f"{API}/accounts/{a['id']}/reset-code", headers=bearer(op))).json()["code"]
    r = await api.client.post(f"{API}/auth/takeover", json={
        "card_number": b["card_number"], "code": code_a, "phone": next_phone("133"), "new_password": "pass-word-1"})
    assert r.status_code == 422, r.text
    # A disabled account is not taken over either, even with its own code.
    assert (await api.client.post(f"{API}/accounts/{a['id']}/disable", headers=bearer(admin))).status_code == 200
    r = await api.client.post(f"{API}/auth/takeover", json={
        "card_number": a["card_number"], "code": code_a, "phone": next_phone("133"), "new_password": "pass-word-1"})
    assert r.status_code == 422, r.text
