"""Safeguards on the employer's pages over HTTP: guidance and the wage table's minimum on the
order form, the blacklist refusal, the crew's records and hours, arrival and departure by the
worker's short code, and blocking a worker."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from gigstation.platform.clock import now
from tests.api.conftest import API, Api, bearer
from tests.api.records import Travel, schedule, travel
from tests.api.test_assignments import staffed
from tests.api.test_safeguards_wages import LOADING_HOURLY
from tests.pages_http.forms import sign_in

__all__ = ["travel"]  # the fixture, used by name


async def test_order_form_guidance_minimum_and_blacklist_refusal(api: Api) -> None:
    admin = await api.admin()
    await api.station(admin)
    assert (await api.client.post(f"{API}/wages/guidance/entries", headers=bearer(admin),
                                  json=LOADING_HOURLY)).status_code == 201
    today = now().date().isoformat()
    m = await api.client.post(f"{API}/wages/minimums", headers=bearer(admin), json={
        "region": "Shanghai", "effective_from": today, "hourly_fen": 2790, "monthly_fen": 281000,
        "source": "page test"})
    assert m.status_code == 201, m.text
    employer, _ = await api.employer()
    await sign_in(api.client, employer["phone"], "employer-pass")
    form = await api.client.get("/employer/orders/new")
    assert form.status_code == 200
    assert "市场指导价" in form.text and "低位 ¥30 · 中位 ¥35 · 高位 ¥45" in form.text
    assert "¥27.90/小时" in form.text  # the office's table, not the shipped file
    assert "现在不能发布用工" not in form.text
    listed = await api.client.post(f"{API}/blacklist", headers=bearer(admin), json={
        "employer_id": employer["id"], "reason": "拖欠工资", "evidence": "认定书 1号"})
    assert listed.status_code == 201, listed.text
    form = await api.client.get("/employer/orders/new")
    assert "现在不能发布用工" in form.text and "因欠薪被列入失信名单" in form.text


async def test_crew_record_hours_code_and_block(
    api: Api, db: asyncpg.Connection[Any], travel: Travel
) -> None:
    job = await staffed(api, workers=1)  # 4 hours, starting in 2
    worker, token = job.workers[0]
    aid = job.assignments[0]["id"]
    oid = job.order["id"]
    csrf = await sign_in(api.client, job.employer["phone"], "employer-pass")
    page = await api.client.get(f"/employer/orders/{oid}")
    assert page.status_code == 200
    assert "完成 0 · 爽约 0 · 纠纷 0" in page.text and "登记到岗" in page.text
    assert "本周在您这里 4.0 小时 / 24" in page.text and "任意24小时内最多 4.0 / 8 小时" in page.text
    assert f'href="/agreements/{aid}"' in page.text
    doc = await api.client.get(f"/agreements/{aid}")
    assert doc.status_code == 200 and worker["name"] in doc.text
    base = f"/employer/orders/{oid}/crew/{aid}"
    await schedule(db, oid, timedelta(minutes=10))
    wrong = await api.client.post(f"{base}/arrival", data={"_csrf_token": csrf, "code": "AAAA-AAAA"})
    assert wrong.status_code == 422 and "个人码不符" in wrong.text
    code = (await api.client.get(f"{API}/assignments/{aid}/code", headers=bearer(token))).json()
    r = await api.client.post(f"{base}/arrival", data={"_csrf_token": csrf, "code": code["short"].lower()},
                              follow_redirects=False)
    assert r.status_code == 303, r.text
    assert await db.fetchval("SELECT arrived_at FROM assignments WHERE id = $1", uuid.UUID(aid)) is not None
    page = await api.client.get(f"/employer/orders/{oid}?done=arrival")
    assert "已登记到岗" in page.text and "登记离岗" in page.text
    # The same code at once is no departure: the page says when it can be recorded.
    early = await api.client.post(f"{base}/departure", data={"_csrf_token": csrf, "code": code["code"]})
    assert early.status_code == 422 and "到岗后至少30分钟才能登记离岗" in early.text
    travel(timedelta(hours=1))
    code = (await api.client.get(f"{API}/assignments/{aid}/code", headers=bearer(token))).json()
    r = await api.client.post(f"{base}/departure", data={"_csrf_token": csrf, "code": code["code"]},
                              follow_redirects=False)
    assert r.status_code == 303, r.text
    assert await db.fetchval("SELECT departed_at FROM assignments WHERE id = $1", uuid.UUID(aid)) is not None
    page = await api.client.get(f"/employer/orders/{oid}")
    assert "待工人确认工时" in page.text
    r = await api.client.post(f"{base}/block", data={"_csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert await db.fetchval("SELECT blocked_id FROM blocks") == uuid.UUID(worker["id"])
    page = await api.client.get(f"/employer/orders/{oid}?done=blocked")
    assert "不会再派此人给您" in page.text and "取消屏蔽" in page.text
    r = await api.client.post(f"{base}/unblock", data={"_csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and await db.fetchval("SELECT count(*) FROM blocks") == 0
