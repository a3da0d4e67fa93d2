"""The employer may let the workers of an active job call them (pages.md: "the employer's
phone (if the employer shares it)"): off by default, shown only on an active job."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from gigstation.work.worker_day import job_history
from tests.api.conftest import API, Api, bearer
from tests.api.test_assignments import staffed, work_started
from tests.pages_http.forms import CSRF, sign_in


async def _worker_home(api: Api, phone: str) -> str:
    await sign_in(api.client, phone, "worker-pass")
    return (await api.client.get("/worker")).text


async def test_workers_see_the_call_button_only_while_shared_and_active(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    job = await staffed(api, workers=1)
    worker, _ = job.workers[0]
    tel = f'href="tel:{job.employer["phone"]}"'
    assert tel not in await _worker_home(api, worker["phone"])  # off unless the employer turns it on

    await sign_in(api.client, job.employer["phone"], "employer-pass")
    home = await api.client.get("/employer")
    assert "开启，让当天的工人能打电话给我" in home.text
    csrf = CSRF.search(home.text)
    assert csrf is not None
    r = await api.client.post("/employer/phone-sharing", data={"_csrf_token": csrf.group(1), "share": "yes"},
                              follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/employer?done=phone_on"
    assert "已开启：当天的工人能打电话给您" in (await api.client.get(r.headers["location"])).text
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'employer.phone_sharing'") == 1

    assert tel in await _worker_home(api, worker["phone"])
    # Once the job is over the number is gone, even though sharing is still on.
    await work_started(db, job.order["id"])
    done = await api.client.post(f"{API}/assignments/{job.assignments[0]['id']}/complete",
                                 headers=bearer(job.employer_token), json={"hours": 4})
    assert done.status_code == 200, done.text
    assert tel not in await _worker_home(api, worker["phone"])
    history = await job_history(db, uuid.UUID(worker["id"]))
    assert [(j.status, j.employer_phone) for j in history] == [("completed", None)]


async def test_the_api_switch_is_the_employers_own(api: Api, db: asyncpg.Connection[Any]) -> None:
    employer, token = await api.employer()
    on = await api.client.put(f"{API}/employers/me/phone-sharing", headers=bearer(token), json={"share": True})
    assert on.status_code == 200 and on.json()["share_phone_with_crew"] is True
    me = await api.client.get(f"{API}/employers/me", headers=bearer(token))
    assert me.json()["share_phone_with_crew"] is True
    bad = await api.client.put(f"{API}/employers/me/phone-sharing", headers=bearer(token), json={"share": "yes"})
    assert bad.status_code in (400, 422) and "share" in bad.text
    _, worker_token = await api.worker()
    refused = await api.client.put(f"{API}/employers/me/phone-sharing", headers=bearer(worker_token),
                                   json={"share": True})
    assert refused.status_code == 403
    off = await api.client.put(f"{API}/employers/me/phone-sharing", headers=bearer(token), json={"share": False})
    assert off.json()["share_phone_with_crew"] is False
    assert employer["id"] == off.json()["id"]
