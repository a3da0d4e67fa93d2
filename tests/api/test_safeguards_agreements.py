"""The job agreement, the worker's personal code, arrival and departure of record, the crew view."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from tests.api.conftest import API, Api, bearer
from tests.api.records import schedule
from tests.api.test_assignments import accept_all, act, dispatch, staffed, young_id


async def test_agreement_code_arrival_departure(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, workers=1)
    (worker, token) = job.workers[0]
    aid = job.assignments[0]["id"]
    for who in (token, job.employer_token, job.operator, job.admin):
        r = await api.client.get(f"{API}/assignments/{aid}/agreement", headers=bearer(who))
        assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["worker"]["name"] == worker["name"] and "*" in doc["worker"]["id_masked"]
    assert doc["employer"]["name"] == job.employer["name"] and doc["pay_cents"] == job.order["pay_cents"]
    assert doc["minimum_hourly_fen"] == 2500 and doc["settlement_days"] == 15
    assert doc["pay_due_cents"] == job.order["pay_cents"] * 4  # planned hours until confirmed
    assert any("第六十八条" in rule and "art. 68" in rule for rule in doc["rules"])
    assert doc["version"] == 1 and len(doc["sha256"]) == 64 and worker["name"] in doc["text"]
    _, stranger = await api.employer()
    assert (await api.client.get(f"{API}/assignments/{aid}/agreement",
                                 headers=bearer(stranger))).status_code == 404
    # Only the worker sees the code; it is the arrival's once the arrival window opens.
    assert (await api.client.get(f"{API}/assignments/{aid}/code",
                                 headers=bearer(job.employer_token))).status_code == 403
    await schedule(db, job.order["id"], timedelta(minutes=10))
    code = (await api.client.get(f"{API}/assignments/{aid}/code", headers=bearer(token))).json()
    assert len(code["code"]) == 8 and code["short"] == f"{code['code'][:4]}-{code['code'][4:]}"
    wrong = await act(api, job.employer_token, aid, "arrival", {"code": "AAAA-AAAA"})
    assert wrong.status_code == 422
    early = await act(api, job.employer_token, aid, "departure", {"code": code["code"]})
    assert early.status_code == 409 and early.json()["code"] == "not_arrived"
    arrived = await act(api, job.employer_token, aid, "arrival", {"code": code["short"].lower()})
    assert arrived.status_code == 200, arrived.text
    again = await act(api, job.employer_token, aid, "arrival", {"code": code["code"]})
    assert again.status_code == 200
    # Another job's code does not fit.
    _, other_employer = await api.employer()
    await api.order(other_employer, headcount=1)
    _, other_worker = await api.worker(id_number=young_id())
    await api.checkin(other_worker, job.station["id"])
    await dispatch(api, job.operator, job.station["id"])
    (other,) = await accept_all(api, other_worker)
    await schedule(db, other["order_id"], timedelta(minutes=10))
    other_code = (await api.client.get(f"{API}/assignments/{other['id']}/code",
                                       headers=bearer(other_worker))).json()["code"]
    r = await act(api, other_employer, other["id"], "arrival", {"code": code["code"]})
    assert r.status_code == 422 and other_code != code["code"]
    actions = {r["action"] for r in await db.fetch("SELECT action FROM audit_log WHERE object_id = $1", aid)}
    assert {"assignment.arrival"} <= actions


async def test_crew_shows_record_and_hours_to_the_employer(api: Api) -> None:
    job = await staffed(api, workers=2)
    r = await api.client.get(f"{API}/orders/{job.order['id']}/crew", headers=bearer(job.employer_token))
    assert r.status_code == 200, r.text
    crew = r.json()
    assert len(crew) == 2
    for member in crew:
        assert member["record"]["jobs_done"] == 0 and member["record"]["reliability"] == 88
        # One day, or two when the evening job crosses midnight.
        assert member["week"]["hours"] == 4.0 and member["week"]["days_worked"] in (1, 2)
        assert member["week"]["over_daily_average"] is False and member["week"]["most_in_24h"] == 4.0
    _, stranger = await api.employer()
    r = await api.client.get(f"{API}/orders/{job.order['id']}/crew", headers=bearer(stranger))
    assert r.status_code == 404


async def test_printable_agreement_is_escaped_html(api: Api) -> None:
    job = await staffed(api, workers=1, title="<b>装卸</b> & 搬运")
    aid = job.assignments[0]["id"]
    r = await api.client.get(f"{API}/assignments/{aid}/agreement.html", headers=bearer(job.workers[0][1]))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "&lt;b&gt;装卸&lt;/b&gt; &amp; 搬运" in r.text and "<b>装卸" not in r.text
    assert job.employer["name"] in r.text and "第六十八条" in r.text
    assert (await api.client.get(f"{API}/assignments/{aid}/agreement.html")).status_code == 401
