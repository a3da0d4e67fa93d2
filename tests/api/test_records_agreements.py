"""Agreements are records (issue finding 11): the text stored at acceptance with its SHA-256,
shown as stored whatever changes afterwards; corrections are new versions both sides see."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import asyncpg

from tests.api.conftest import API, Api, bearer
from tests.api.test_assignments import staffed


async def _doc(api: Api, token: str, aid: str, version: int | None = None) -> dict[str, Any]:
    q = "" if version is None else f"?version={version}"
    r = await api.client.get(f"{API}/assignments/{aid}/agreement{q}", headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_the_agreement_reads_as_it_was_made(api: Api, db: asyncpg.Connection[Any]) -> None:
    """Finding 11. Before: the agreement was rendered from live data, so the renamed worker's
    new name and the superseding minimum showed on it (and it had no stored text or hash: the
    first lookup of ``text``)."""
    job = await staffed(api, workers=1)
    (worker, wt), aid = job.workers[0], job.assignments[0]["id"]
    made = await _doc(api, wt, aid)
    text, sha = made["text"], made["sha256"]
    assert hashlib.sha256(text.encode()).hexdigest() == sha
    assert worker["name"] in text and "25.00" in text and job.employer["name"] in text
    # The worker renames themself; the office supersedes the minimum in force.
    renamed = await api.client.patch(f"{API}/workers/me", headers=bearer(wt), json={"name": "王改名"})
    assert renamed.status_code == 200, renamed.text
    current = next(m for m in (await api.client.get(f"{API}/wages/minimums?region=Shanghai",
                                                    headers=bearer(job.admin))).json()
                   if m["effective_from"] == "2025-07-01")
    sup = await api.client.post(f"{API}/wages/minimums/{current['id']}/supersede", headers=bearer(job.admin),
                                json={"region": "Shanghai", "effective_from": "2025-07-01", "hourly_fen": 2700,
                                      "monthly_fen": 280000, "source": "corrected notice"})
    assert sup.status_code == 201, sup.text
    for token in (wt, job.employer_token, job.operator):
        later = await _doc(api, token, aid)
        assert later["text"] == text and later["sha256"] == sha
        assert later["worker"]["name"] == worker["name"] and later["minimum_hourly_fen"] == 2500
    page = await api.client.get(f"{API}/assignments/{aid}/agreement.html", headers=bearer(wt))
    assert page.status_code == 200 and sha in page.text and worker["name"] in page.text
    assert "王改名" not in page.text


async def test_a_correction_is_a_new_version_both_sides_see(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, workers=1)
    (worker, wt), aid = job.workers[0], job.assignments[0]["id"]
    first = await _doc(api, wt, aid)
    url = f"{API}/assignments/{aid}/agreement/corrections"
    body = {"reason": "地址写错了门牌号", "address": "夏阳街道某仓库3号门"}
    # The parties cannot rewrite it; neither can an operator of another station.
    for token in (wt, job.employer_token):
        assert (await api.client.post(url, headers=bearer(token), json=body)).status_code == 403
    _, elsewhere = await api.operator(job.admin, [(await api.station(job.admin, lat=31.3))["id"]])
    assert (await api.client.post(url, headers=bearer(elsewhere), json=body)).status_code == 404
    nothing = await api.client.post(url, headers=bearer(job.operator), json={"reason": "无"})
    assert nothing.status_code == 422
    r = await api.client.post(url, headers=bearer(job.operator), json=body)
    assert r.status_code == 201, r.text
    second = r.json()
    assert second["version"] == 2 and second["address"] == "夏阳街道某仓库3号门"
    assert "更正说明 Correction: 地址写错了门牌号" in second["text"] and second["sha256"] != first["sha256"]
    assert [v["version"] for v in second["versions"]] == [1, 2]
    assert second["versions"][0]["sha256"] == first["sha256"]
    # Version 1 reads exactly as before; both parties see both and were told.
    for token in (wt, job.employer_token):
        assert (await _doc(api, token, aid, 1))["text"] == first["text"]
        assert (await _doc(api, token, aid))["version"] == 2
    assert (await api.client.get(f"{API}/assignments/{aid}/agreement?version=3",
                                 headers=bearer(wt))).status_code == 404
    told = {r["user_id"] for r in await db.fetch("SELECT user_id FROM events WHERE kind = 'agreement.corrected'")}
    assert told == {uuid.UUID(worker["id"]), uuid.UUID(job.employer["id"])}
    # A name fixed at the desk reaches the agreement only as a new version.
    await api.client.patch(f"{API}/workers/me", headers=bearer(wt), json={"name": "王师傅（更正）"})
    assert (await _doc(api, wt, aid))["worker"]["name"] == worker["name"]
    r = await api.client.post(url, headers=bearer(job.admin), json={"reason": "姓名登记有误", "refresh_names": True})
    assert r.status_code == 201 and r.json()["worker"]["name"] == "王师傅（更正）" and r.json()["version"] == 3
    assert await db.fetchval("SELECT count(*) FROM agreements WHERE assignment_id = $1", uuid.UUID(aid)) == 3


async def test_work_accepted_before_the_upgrade_gets_its_agreement_stored_once(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    """An assignment from before migration 0012 has no stored agreement: the first read stores
    one from the records then, marked as such, and later reads show that."""
    job = await staffed(api, workers=1)
    (_, wt), aid = job.workers[0], job.assignments[0]["id"]
    await db.execute("ALTER TABLE agreements DISABLE TRIGGER agreements_append_only")
    await db.execute("DELETE FROM agreements")  # as before the migration
    await db.execute("ALTER TABLE agreements ENABLE TRIGGER agreements_append_only")
    doc = await _doc(api, wt, aid)
    assert doc["reconstructed"] and "补存说明" in doc["text"]
    again = await _doc(api, job.employer_token, aid)
    assert again["sha256"] == doc["sha256"] and await db.fetchval("SELECT count(*) FROM agreements") == 1
