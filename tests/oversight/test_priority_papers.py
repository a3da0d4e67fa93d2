"""Priority needs papers with an expiry (issue 15, finding 10).

Tried as the operator the rule binds: a group with no evidence, evidence dated 2030, an
expiry far beyond the group's maximum, no number or note. Then what holds: expiry ends the
priority on its date, the board shows when each group expires, and a correction keeps the
old record beside the new one."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from gigstation.platform.clock import today
from gigstation.platform.config import Settings
from tests.api.conftest import API, Api, bearer, evidence
from tests.api.test_assignments import young_id
from tests.pages_http.forms import sign_in


async def test_priority_without_papers_is_refused(api: Api, settings: Settings) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, op = await api.operator(admin, [station["id"]])
    worker, token = await api.worker(id_number=young_id())
    url = f"{API}/workers/{worker['id']}/priority-groups"
    local = today(settings.timezone)

    async def put(groups: list[Any]) -> Any:
        return await api.client.put(url, headers=bearer(op), json={"groups": groups})

    # No evidence at all.
    r = await put(["employment_difficulty"])
    assert r.status_code == 422 and r.json()["code"] == "evidence_required", r.text
    # Evidence dated 2030, and an expiry years away.
    r = await put([evidence("employment_difficulty", evidence_date="2030-01-01", expires_on="2031-01-01")])
    assert r.status_code == 422, r.text
    assert {e["field"] for e in r.json()["errors"]} == {"groups[0].evidence_date", "groups[0].expires_on"}
    # No number and no note; no expiry.
    r = await put([evidence("veteran", evidence_number=None), evidence("disability", expires_on=None)])
    assert r.status_code == 422, r.text
    assert {e["field"] for e in r.json()["errors"]} == {"groups[0].evidence_number", "groups[1].expires_on"}
    # Longer than the group's maximum (366 days by default), or already expired.
    r = await put([evidence("veteran", expires_on=str(local + timedelta(days=367)))])
    assert r.status_code == 422 and "366" in r.json()["errors"][0]["reason"], r.text
    r = await put([evidence("veteran", expires_on=str(local - timedelta(days=1)))])
    assert r.status_code == 422, r.text
    # An ID number in the note (it belongs in the number field, which is kept masked).
    r = await put([evidence("veteran", evidence_note="身份证 310229197503011234")])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "groups[0].evidence_note", r.text
    # Nothing counted meanwhile.
    assert (await api.client.get(f"{API}/workers/me", headers=bearer(token))).json()["priority_groups"] == []

    # With papers it holds, and the verifying operator is on the record.
    r = await put([evidence("veteran", evidence_number="沪退役2026-0001", expires_on=str(local + timedelta(days=366)))])
    assert r.status_code == 200 and r.json()["priority_groups"] == ["veteran"], r.text
    [record] = (await api.client.get(url, headers=bearer(op))).json()
    assert record["evidence_number_masked"] == "沪" + "*" * 10 + "1"
    assert record["recorded_by_name"] == "专员" and record["active"] is True
    # A bare name keeps papers in force as they are; it cannot add a group without papers.
    r = await put(["veteran", "disability"])
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["groups[1]"], r.text
    r = await put(["veteran"])
    assert r.status_code == 200 and r.json()["priority_groups"] == ["veteran"], r.text
    assert (await api.client.get(url, headers=bearer(op))).json() == [record]


async def test_expired_papers_stop_counting_on_their_date_and_the_board_says_when(
    api: Api, db: asyncpg.Connection[Any], settings: Settings
) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    op_info, op = await api.operator(admin, [station["id"]])
    worker, token = await api.worker(id_number=young_id())
    local = today(settings.timezone)
    ends = local + timedelta(days=10)
    r = await api.client.put(f"{API}/workers/{worker['id']}/priority-groups", headers=bearer(op),
                             json={"groups": [evidence("disability", expires_on=str(ends))]})
    assert r.status_code == 200, r.text
    await api.checkin(token, station["id"])
    board = (await api.client.get(f"{API}/stations/{station['id']}/board", headers=bearer(op))).json()
    [waiting] = board["waiting"]
    assert waiting["priority_groups"] == ["disability"]
    assert waiting["priority_expires_on"] == {"disability": str(ends)}
    # It counts through the last day and stops at the next local midnight.
    tz = ZoneInfo(settings.timezone)
    midnight = datetime.combine(ends + timedelta(days=1), time.min, tzinfo=tz)
    wid = uuid.UUID(worker["id"])
    assert await db.fetchval("SELECT active_priority_groups($1, '{}', $2)", wid,
                             midnight - timedelta(microseconds=1)) == ["disability"]
    assert await db.fetchval("SELECT active_priority_groups($1, '{}', $2)", wid, midnight) == []
    # The operator's board page shows the date too.
    await sign_in(api.client, op_info["phone"], "operator-pass")
    page = await api.client.get(f"/operator/stations/{station['id']}")
    assert page.status_code == 200 and f"证明有效至 {ends}" in page.text


async def test_a_correction_keeps_the_old_record(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    worker, _ = await api.worker(id_number=young_id())
    url = f"{API}/workers/{worker['id']}/priority-groups"
    assert (await api.client.put(url, headers=bearer(admin), json={"groups": [evidence("veteran")]})).status_code == 200
    assert (await api.client.put(url, headers=bearer(admin), json={"groups": [
        evidence("disability", evidence_type="残疾人证")]})).status_code == 200
    current = (await api.client.get(url, headers=bearer(admin))).json()
    assert [(r["group"], r["replaced_at"]) for r in current] == [("disability", None)]
    history = (await api.client.get(url, params={"include_history": "true"}, headers=bearer(admin))).json()
    assert [r["group"] for r in history] == ["disability", "veteran"]
    assert history[1]["replaced_at"] is not None and history[1]["active"] is False
    assert await db.fetchval("SELECT count(*) FROM priority_group_evidence") == 2


def test_the_maximum_is_a_setting_per_group() -> None:
    s = Settings.from_env({}, priority_evidence_max_days="180,disability=1826")
    assert (s.priority_max_days("veteran"), s.priority_max_days("disability")) == (180, 1826)
    assert Settings.from_env({}).priority_max_days("veteran") == 366
