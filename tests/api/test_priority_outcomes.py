"""Outcomes for priority groups (oversight/outcomes.py): deadlines per group from the evidence
date, the operator's due list, follow-ups kept as records, the share met on time."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg
import msgspec
import pytest

from gigstation.oversight.outcomes import outcome_rules
from gigstation.platform.clock import today
from gigstation.platform.config import Settings
from tests.api.conftest import API, Api, bearer, evidence
from tests.api.test_assignments import act, staffed, young_id


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


async def _groups(api: Api, operator: str, worker_id: str, *entries: dict[str, Any]) -> None:
    r = await api.client.put(f"{API}/workers/{worker_id}/priority-groups", headers=bearer(operator),
                             json={"groups": list(entries)})
    assert r.status_code == 200, r.text


def test_the_shipped_deadlines_and_the_office_setting() -> None:
    rules = outcome_rules()
    assert {g: r.months for g, r in rules.items()} == {"zero_employment_family": 1, "employment_difficulty": 3}
    assert "Qingpu" in rules["zero_employment_family"].source
    changed = outcome_rules({"veteran": 6, "employment_difficulty": 0})
    assert {g: r.months for g, r in changed.items()} == {"zero_employment_family": 1, "veteran": 6}
    with pytest.raises(ValueError, match="unknown group"):
        outcome_rules({"veterans": 3})
    # The setting: group=months, 0 to 36; anything else stops the start with the variable's name.
    assert Settings.from_env({"GIGSTATION_PRIORITY_OUTCOME_MONTHS": "veteran=3, disability=0"}).outcome_months() \
        == {"veteran": 3, "disability": 0}
    for bad in ("veteran=x", "veteran=40", "=3", "veteran"):
        with pytest.raises(msgspec.ValidationError, match="GIGSTATION_PRIORITY_OUTCOME_MONTHS"):
            Settings.from_env({"GIGSTATION_PRIORITY_OUTCOME_MONTHS": bad})


async def test_due_list_person_and_share_met_on_time(api: Api, db: asyncpg.Connection[Any]) -> None:
    local = today("Asia/Shanghai")
    job = await staffed(api, started=db)
    sid, operator, admin = job.station["id"], job.operator, job.admin
    (helped, _), aid = job.workers[0], job.assignments[0]["id"]
    # Identified 25 days ago: one month runs out within the week; an offer and a job accepted,
    # not yet worked.
    start = local - timedelta(days=25)
    await _groups(api, operator, helped["id"], evidence("zero_employment_family", evidence_date=start.isoformat()))
    late, late_token = await api.worker(id_number=young_id())
    await api.checkin(late_token, sid)
    await _groups(api, operator, late["id"], evidence("employment_difficulty",
                                                      evidence_date=(local - timedelta(days=100)).isoformat()))
    fresh, _ = await api.worker(id_number=young_id())  # never checked in: the recording operator's station
    await _groups(api, operator, fresh["id"], evidence("employment_difficulty",
                                                       evidence_date=(local - timedelta(days=10)).isoformat()))
    veteran, _ = await api.worker(id_number=young_id())  # a group without a deadline: no case
    await _groups(api, operator, veteran["id"], evidence("veteran"))

    r = await api.client.get(f"{API}/stations/{sid}/priority-outcomes/due", headers=bearer(operator))
    assert r.status_code == 200, r.text
    due = r.json()
    deadline = _add_months(start, 1)
    assert [(c["worker_id"], c["group"], c["deadline"], c["days_left"]) for c in due["due"]] == [
        (helped["id"], "zero_employment_family", deadline.isoformat(), (deadline - local).days)]
    assert due["due"][0] | {"offers": 1, "accepted": 1, "worked": 0, "status": "open", "met": False} == due["due"][0]
    assert [c["worker_id"] for c in due["overdue"]] == [late["id"]] and due["overdue"][0]["status"] == "overdue"
    assert fresh["id"] not in r.text  # three months away: not on the list

    # The job is worked: the outcome is met, and the person leaves the due list.
    assert (await act(api, job.employer_token, aid, "complete", {"hours": 4})).status_code == 200
    due = (await api.client.get(f"{API}/stations/{sid}/priority-outcomes/due", headers=bearer(operator))).json()
    assert due["due"] == [] and [c["worker_id"] for c in due["overdue"]] == [late["id"]]
    r = await api.client.get(f"{API}/workers/{helped['id']}/priority-outcome", headers=bearer(operator))
    assert r.status_code == 200, r.text
    [case] = r.json()["cases"]
    assert (case["status"], case["met"], case["worked"], case["first_worked_on"]) == ("met", True, 1, local.isoformat())
    assert case["station_id"] == sid

    # Follow-ups: recorded with their result, never changed.
    body = {"kind": "call", "result": "已电话联系，本人愿意参加叉车培训", "group": "employment_difficulty"}
    r = await api.client.post(f"{API}/workers/{late['id']}/follow-ups", headers=bearer(operator), json=body)
    assert r.status_code == 201, r.text
    assert r.json()["station_id"] == sid and r.json()["kind"] == "call"
    for bad, field in (({**body, "group": "veteran"}, "group"), ({**body, "result": "  "}, "result"),
                       ({**body, "kind": "letter"}, "kind")):
        r = await api.client.post(f"{API}/workers/{late['id']}/follow-ups", headers=bearer(operator), json=bad)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    r = await api.client.post(f"{API}/workers/{late['id']}/follow-ups", headers=bearer(late_token), json=body)
    assert r.status_code == 403
    person = (await api.client.get(f"{API}/workers/{late['id']}/priority-outcome", headers=bearer(admin))).json()
    assert [f["result"] for f in person["follow_ups"]] == [body["result"]]
    assert person["cases"][0]["follow_ups"] == 1
    for sql in ("UPDATE priority_followups SET result = 'x'", "DELETE FROM priority_followups"):
        with pytest.raises(asyncpg.CheckViolationError):
            await db.execute(sql)
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'priority.follow_up'") == 1

    # The figures take the deadlines in the period: one met, one overdue; the open one waits.
    r = await api.client.get(f"{API}/reports/priority-outcomes", headers=bearer(admin),
                             params={"from": (local - timedelta(days=60)).isoformat(),
                                     "to": (local + timedelta(days=10)).isoformat()})
    assert r.status_code == 200, r.text
    figures = r.json()
    total = figures["district"][-1]
    assert (total["cases"], total["met"], total["overdue"], total["open"], total["share_met"]) == (2, 1, 1, 0, 0.5)
    rows = {(row["station_id"], row["group"]): row for row in figures["stations"]}
    assert rows[(sid, "zero_employment_family")]["share_met"] == 1.0
    assert rows[(sid, "employment_difficulty")]["share_met"] == 0.0
    mine = await api.client.get(f"{API}/reports/priority-outcomes", headers=bearer(operator),
                                params={"station_id": sid})
    assert mine.status_code == 200
    assert (await api.client.get(f"{API}/reports/priority-outcomes", headers=bearer(operator))).status_code == 422
    r = await api.client.get(f"{API}/reports/priority-outcomes", headers=bearer(admin), params={"from": "2026-13-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "from"


async def test_other_stations_and_roles_are_kept_out(api: Api) -> None:
    admin = await api.admin()
    here, there = await api.station(admin), await api.station(admin)
    _, op_there = await api.operator(admin, [there["id"]])
    _, wt = await api.worker()
    r = await api.client.get(f"{API}/stations/{here['id']}/priority-outcomes/due", headers=bearer(op_there))
    assert r.status_code == 404
    r = await api.client.get(f"{API}/stations/{here['id']}/priority-outcomes/due", headers=bearer(wt))
    assert r.status_code == 403
    r = await api.client.get(f"{API}/reports/priority-outcomes", headers=bearer(op_there),
                             params={"station_id": here["id"]})
    assert r.status_code == 404
    r = await api.client.get(f"{API}/workers/{uuid.uuid4()}/priority-outcome", headers=bearer(admin))
    assert r.status_code == 404
    r = await api.client.post(f"{API}/workers/{uuid.uuid4()}/follow-ups", headers=bearer(admin),
                              json={"kind": "visit", "result": "上门未见到本人"})
    assert r.status_code == 404
