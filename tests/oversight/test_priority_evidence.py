"""Priority groups with evidence and expiry: expired entries stop counting in dispatch."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from gigstation.platform.clock import today
from gigstation.platform.config import Settings
from tests.api.conftest import API, Api, bearer
from tests.api.test_assignments import dispatch, young_id


async def test_expired_evidence_stops_counting(api: Api, db: asyncpg.Connection[Any], settings: Settings) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    sid = station["id"]
    _, op = await api.operator(admin, [sid])
    _, et = await api.employer()
    await api.order(et, headcount=3)
    local_today = today(settings.timezone)
    valid, tv = await api.worker(id_number=young_id())
    expired, te = await api.worker(id_number=young_id())
    legacy, tl = await api.worker(id_number=young_id())
    bodies = {
        valid["id"]: [{"group": "veteran", "evidence_type": "退役军人优待证", "evidence_number": "TY001",
                       "evidence_date": str(local_today - timedelta(days=30)), "expires_on": str(local_today)}],
        expired["id"]: [{"group": "disability", "evidence_type": "残疾人证", "evidence_number": "CJ001",
                         "evidence_date": str(local_today - timedelta(days=400)),
                         "expires_on": str(local_today)}],
        legacy["id"]: [{"group": "zero_employment_family", "evidence_type": "零就业家庭认定",
                        "evidence_note": "街道出具，原件已核", "evidence_date": str(local_today),
                        "expires_on": str(local_today + timedelta(days=90))}],
    }
    for worker_id, groups in bodies.items():
        r = await api.client.put(f"{API}/workers/{worker_id}/priority-groups", headers=bearer(op),
                                 json={"groups": groups})
        assert r.status_code == 200, r.text
    # Time passes for the disability card: it expired yesterday (local midnight ended it).
    await db.execute("UPDATE priority_group_evidence SET expires_on = $2, expires_at = $3, "
                     "recorded_at = $3::timestamptz - interval '400 days' WHERE worker_id = $1",
                     uuid.UUID(expired["id"]), local_today - timedelta(days=1),
                     datetime.combine(local_today, time.min, tzinfo=ZoneInfo(settings.timezone)))
    # The profile shows the groups that count; the evidence list shows all, with their state.
    r = await api.client.get(f"{API}/workers/{expired['id']}/priority-groups", headers=bearer(op))
    assert r.status_code == 200, r.text
    [entry] = r.json()
    assert (entry["group"], entry["active"], entry["evidence_type"]) == ("disability", False, "残疾人证")
    r = await api.client.get(f"{API}/workers/{valid['id']}/priority-groups", headers=bearer(op))
    assert [(e["group"], e["active"]) for e in r.json()] == [("veteran", True)]
    r = await api.client.get(f"{API}/workers/{legacy['id']}/priority-groups", headers=bearer(admin))
    assert [(e["group"], e["active"], e["evidence_note"]) for e in r.json()] == [
        ("zero_employment_family", True, "街道出具，原件已核")]
    assert (await api.client.get(f"{API}/workers/me", headers=bearer(te))).json()["priority_groups"] == []
    assert (await api.client.get(f"{API}/workers/me", headers=bearer(tv))).json()["priority_groups"] == ["veteran"]
    audit = await db.fetchval("SELECT details FROM audit_log WHERE action = 'worker.priority_verified' "
                              "AND object_id = $1", expired["id"])
    assert json.loads(audit)["evidence"]["disability"]["number"] == "C***1"

    for token in (tv, te, tl):
        await api.checkin(token, sid)
    board = (await api.client.get(f"{API}/stations/{sid}/board", headers=bearer(op))).json()
    assert {w["worker_id"]: w["priority_groups"] for w in board["waiting"]} == {
        valid["id"]: ["veteran"], expired["id"]: [], legacy["id"]: ["zero_employment_family"]}
    await dispatch(api, op, sid)
    rows = await db.fetch("SELECT worker_id, priority FROM offers")
    priority = {str(r["worker_id"]): r["priority"] for r in rows}
    # group weight 10 counts for the valid entries, not for the expired one.
    assert priority[valid["id"]] - priority[expired["id"]] == settings.priority_group_weight
    assert priority[legacy["id"]] == priority[valid["id"]]


async def test_evidence_is_validated(api: Api) -> None:
    admin = await api.admin()
    worker, _ = await api.worker(id_number=young_id())
    url = f"{API}/workers/{worker['id']}/priority-groups"
    bad = [
        [{"group": "veteran", "evidence_type": "证", "evidence_date": "2026-01-02", "expires_on": "2026-01-01"}],
        ["veteran"],  # a bare name: no papers
        [{"group": "veteran", "evidence_type": "证", "evidence_date": "2026-01-02"},
         {"group": "veteran", "evidence_type": "证", "evidence_date": "2026-01-03"}],
        [{"group": "astronaut", "evidence_type": "证", "evidence_date": "2026-01-02"}],
        [{"group": "veteran", "evidence_type": "", "evidence_date": "2026-01-02"}],
        [{"group": "veteran", "evidence_type": "证", "evidence_date": "2026-01-02", "extra": 1}],
    ]
    for groups in bad:
        r = await api.client.put(url, headers=bearer(admin), json={"groups": groups})
        assert r.status_code in (400, 422), (groups, r.text)
    r = await api.client.get(f"{API}/workers/{uuid.uuid4()}/priority-groups", headers=bearer(admin))
    assert r.status_code == 404
