"""Safeguards on the worker's pages over HTTP: the employer's record and the guidance flag on
the offer card, the arrival code on today's job, the agreement, station rating and blocks."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from tests.api.conftest import API, Api, bearer
from tests.api.records import schedule
from tests.api.test_assignments import dispatch, staffed, young_id
from tests.api.test_safeguards_wages import LOADING_HOURLY
from tests.pages_http.forms import sign_in

_CODE = re.compile(r'class="code-big"[^>]*>([A-Z2-7]{4}-[A-Z2-7]{4})<')


async def test_offer_card_shows_record_and_below_guidance(api: Api) -> None:
    admin = await api.admin()
    g = await api.client.post(f"{API}/wages/guidance/entries", headers=bearer(admin), json=LOADING_HOURLY)
    assert g.status_code == 201, g.text
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    _, employer = await api.employer()
    await api.order(employer, headcount=1, pay_cents=2800)  # above the minimum, below ¥30 guidance
    worker, token = await api.worker(id_number=young_id())
    await api.checkin(token, station["id"])
    await dispatch(api, operator, station["id"])
    await sign_in(api.client, worker["phone"], "worker-pass")
    for path in ("/worker", "/worker/offers"):
        page = await api.client.get(path)
        assert page.status_code == 200
        assert "低于市场指导价" in page.text and "¥30–¥45" in page.text
        assert "已认证" in page.text or "未认证" in page.text
        assert "完成 0 · 爽约 0 · 纠纷 0" in page.text and "暂无" in page.text


async def test_code_agreement_station_rating_and_block(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, workers=1)
    worker, token = job.workers[0]
    aid = job.assignments[0]["id"]
    csrf = await sign_in(api.client, worker["phone"], "worker-pass")
    home = await api.client.get("/worker")
    assert _CODE.search(home.text) is None and "起显示" in home.text  # two hours early: no code yet
    await schedule(db, job.order["id"], timedelta(minutes=10))
    home = await api.client.get("/worker")
    code = (await api.client.get(f"{API}/assignments/{aid}/code", headers=bearer(token))).json()
    found = _CODE.search(home.text)
    assert found is not None and found.group(1) == code["short"]
    assert f'href="/agreements/{aid}"' in home.text
    doc = await api.client.get(f"/agreements/{aid}")
    assert doc.status_code == 200 and "非全日制用工协议" in doc.text and worker["name"] in doc.text
    assert "第六十八条" in doc.text
    # Another worker sees no agreement of this job.
    other, _ = await api.worker(id_number=young_id())
    await sign_in(api.client, other["phone"], "worker-pass")
    assert (await api.client.get(f"/agreements/{aid}")).status_code == 404
    csrf = await sign_in(api.client, worker["phone"], "worker-pass")
    # Before the work is done the station cannot be rated.
    early = await api.client.post(f"/worker/jobs/{aid}/rate-station", data={"_csrf_token": csrf, "stars": "5"})
    assert early.status_code == 422 and "完工后才能评价驿站服务" in early.text
    await db.execute("UPDATE assignments SET status = 'completed', ends_at = now() - interval '1 hour', "
                     "starts_at = now() - interval '5 hours' WHERE id = $1", uuid.UUID(aid))
    jobs = await api.client.get("/worker/jobs")
    assert "驿站这次服务得怎么样" in jobs.text and "不再接这家的活" in jobs.text
    r = await api.client.post(f"/worker/jobs/{aid}/rate-station", data={"_csrf_token": csrf, "stars": "4"},
                              follow_redirects=False)
    assert r.status_code == 303
    assert await db.fetchval("SELECT stars FROM station_ratings WHERE assignment_id = $1", uuid.UUID(aid)) == 4
    again = await api.client.post(f"/worker/jobs/{aid}/rate-station", data={"_csrf_token": csrf, "stars": "1"})
    assert again.status_code == 422 and "已评价过" in again.text
    r = await api.client.post(f"/worker/jobs/{aid}/block", data={"_csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    employer_id = uuid.UUID(job.employer["id"])
    assert await db.fetchval("SELECT count(*) FROM blocks WHERE blocked_id = $1", employer_id) == 1
    jobs = await api.client.get("/worker/jobs?done=blocked")
    assert "以后不会再给您派这家的活" in jobs.text and "恢复接这家的活" in jobs.text
    r = await api.client.post(f"/worker/blocks/{employer_id}/remove", data={"_csrf_token": csrf},
                              follow_redirects=False)
    assert r.status_code == 303
    assert await db.fetchval("SELECT count(*) FROM blocks") == 0
