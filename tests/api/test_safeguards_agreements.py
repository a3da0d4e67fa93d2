"""The job agreement, the worker's personal code, arrival and departure of record, the crew view."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from gigstation.platform.clock import now
from tests.api.conftest import API, Api, bearer
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
    assert doc["pay_due_cents"] == job.order["pay_cents"] * 4  # planned hours until scanned
    assert any("第六十八条" in rule and "art. 68" in rule for rule in doc["rules"])
    _, stranger = await api.employer()
    assert (await api.client.get(f"{API}/assignments/{aid}/agreement",
                                 headers=bearer(stranger))).status_code == 404
    # Only the worker sees the code.
    assert (await api.client.get(f"{API}/assignments/{aid}/code",
                                 headers=bearer(job.employer_token))).status_code == 403
    code = (await api.client.get(f"{API}/assignments/{aid}/code", headers=bearer(token))).json()
    assert len(code["code"]) == 8 and code["short"] == f"{code['code'][:4]}-{code['code'][4:]}"
    # Too early: the job starts in 2 hours; move it 4 hours later for a moment.
    await db.execute("UPDATE assignments SET starts_at = starts_at + interval '4 hours', "
                     "ends_at = ends_at + interval '4 hours' WHERE id = $1", uuid.UUID(aid))
    early_arrival = await act(api, job.employer_token, aid, "arrival", {"code": code["code"]})
    assert early_arrival.status_code == 409 and early_arrival.json()["code"] == "too_early"
    await db.execute("UPDATE assignments SET starts_at = starts_at - interval '4 hours', "
                     "ends_at = ends_at - interval '4 hours' WHERE id = $1", uuid.UUID(aid))
    wrong = await act(api, job.employer_token, aid, "arrival", {"code": "AAAA-AAAA"})
    assert wrong.status_code == 422
    early = await act(api, job.employer_token, aid, "departure", {"code": code["code"]})
    assert early.status_code == 409 and early.json()["code"] == "not_arrived"
    arrived = await act(api, job.employer_token, aid, "arrival", {"code": code["short"].lower()})
    assert arrived.status_code == 200, arrived.text
    again = await act(api, job.employer_token, aid, "arrival", {"code": code["code"]})
    assert again.status_code == 200
    # Three hours and a half pass on site.
    await db.execute("UPDATE assignments SET arrived_at = arrived_at - interval '3 hours 30 minutes' "
                     "WHERE id = $1", uuid.UUID(aid))
    left = await act(api, job.employer_token, aid, "departure", {"code": code["code"]})
    assert left.status_code == 200, left.text
    doc = (await api.client.get(f"{API}/assignments/{aid}/agreement", headers=bearer(token))).json()
    assert doc["arrived_at"] and doc["departed_at"] and abs(doc["hours_of_record"] - 3.5) < 0.01
    assert doc["pay_due_cents"] == round(job.order["pay_cents"] * 3.5)
    # Another job's code does not fit.
    _, other_employer = await api.employer()
    await api.order(other_employer, headcount=1)
    _, other_worker = await api.worker(id_number=young_id())
    await api.checkin(other_worker, job.station["id"])
    await dispatch(api, job.operator, job.station["id"])
    (other,) = await accept_all(api, other_worker)
    other_code = (await api.client.get(f"{API}/assignments/{other['id']}/code",
                                       headers=bearer(other_worker))).json()["code"]
    r = await act(api, other_employer, other["id"], "arrival", {"code": code["code"]})
    assert r.status_code == 422 and other_code != code["code"]
    actions = {r["action"] for r in await db.fetch("SELECT action FROM audit_log WHERE object_id = $1", aid)}
    assert {"assignment.arrival", "assignment.departure"} <= actions


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
        assert member["week"]["over_daily_average"] is False
    _, stranger = await api.employer()
    r = await api.client.get(f"{API}/orders/{job.order['id']}/crew", headers=bearer(stranger))
    assert r.status_code == 404


async def test_employer_is_warned_past_four_hours_a_day_on_average(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    employer, employer_token = await api.employer()
    # Five hours on one day (the next 09:00 in Shanghai, so the job does not cross midnight).
    local = now().astimezone(ZoneInfo("Asia/Shanghai"))
    start = local.replace(hour=9, minute=0, second=0, microsecond=0)
    if start <= local + timedelta(minutes=30):
        start += timedelta(days=1)
    order = await api.order(employer_token, headcount=1, starts_at=start.isoformat(),
                            ends_at=(start + timedelta(hours=5)).isoformat())
    _, token = await api.worker(id_number=young_id())
    await api.checkin(token, station["id"], available_until=(start + timedelta(hours=6)).isoformat())
    await dispatch(api, operator, station["id"])
    assert len(await accept_all(api, token)) == 1
    warned = await db.fetch("SELECT payload FROM events WHERE kind = 'parttime.daily_average_exceeded' "
                            "AND user_id = $1", uuid.UUID(employer["id"]))
    assert len(warned) == 1
    crew = (await api.client.get(f"{API}/orders/{order['id']}/crew", headers=bearer(employer_token))).json()
    assert crew[0]["week"]["over_daily_average"] is True and crew[0]["week"]["hours"] == 5.0


async def test_printable_agreement_is_escaped_html(api: Api) -> None:
    job = await staffed(api, workers=1, title="<b>装卸</b> & 搬运")
    aid = job.assignments[0]["id"]
    r = await api.client.get(f"{API}/assignments/{aid}/agreement.html", headers=bearer(job.workers[0][1]))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "&lt;b&gt;装卸&lt;/b&gt; &amp; 搬运" in r.text and "<b>装卸" not in r.text
    assert job.employer["name"] in r.text and "第六十八条" in r.text
    assert (await api.client.get(f"{API}/assignments/{aid}/agreement.html")).status_code == 401
