"""The operator's board lists the priority-group people due this week; each has a page with
the follow-up form; the office's performance page shows the share met on time."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from gigstation.platform.clock import today
from tests.api.conftest import ADMIN, API, Api, bearer, evidence
from tests.pages_http.forms import sign_in


async def test_board_due_list_person_page_and_follow_up(api: Api, db: asyncpg.Connection[Any]) -> None:
    local = today("Asia/Shanghai")
    admin = await api.admin()
    station = await api.station(admin, name="赵巷驿站")
    sid = station["id"]
    operator, op_token = await api.operator(admin, [sid])
    worker, wt = await api.worker(name="陈阿姨")
    await api.checkin(wt, sid)
    r = await api.client.put(f"{API}/workers/{worker['id']}/priority-groups", headers=bearer(op_token), json={
        "groups": [evidence("zero_employment_family", evidence_date=(local - timedelta(days=27)).isoformat())]})
    assert r.status_code == 200, r.text

    csrf = await sign_in(api.client, operator["phone"], "operator-pass")
    board = await api.client.get(f"/operator/stations/{sid}")
    assert board.status_code == 200, board.text
    assert "本周到期未就业" in board.text and "1 人" in board.text
    person_url = f"/operator/stations/{sid}/priority/{worker['id']}"
    assert f'href="{person_url}"' in board.text and "陈阿姨" in board.text

    page = await api.client.get(person_url)
    assert page.status_code == 200 and "零就业家庭" in page.text and "记录跟踪回访" in page.text
    r = await api.client.post(f"{person_url}/follow-ups", data={"kind": "visit", "result": " ", "_csrf_token": csrf})
    assert r.status_code == 422 and "请填写回访结果" in r.text
    r = await api.client.post(f"{person_url}/follow-ups", follow_redirects=False, data={
        "kind": "visit", "group": "zero_employment_family", "result": "上门走访，推荐了保洁岗位", "_csrf_token": csrf})
    assert r.status_code == 303, r.text
    page = await api.client.get(person_url)
    assert "上门走访，推荐了保洁岗位" in page.text and "回访已记录" not in page.text
    assert await db.fetchval("SELECT count(*) FROM priority_followups WHERE station_id = $1", uuid.UUID(sid)) == 1

    # The desk's card for the person links the page; the page reads in English too.
    desk = await api.client.get(f"/operator/stations/{sid}/desk", params={"worker": worker["id"]})
    assert f'href="{person_url}"' in desk.text
    api.client.cookies.set("gs_lang", "en")
    page = await api.client.get(person_url)
    assert "Record a follow-up" in page.text and "Zero-employment family" in page.text and "Home visit" in page.text
    assert "记录跟踪回访" not in page.text
    board = await api.client.get(f"/operator/stations/{sid}")
    assert "Due this week, not yet in work" in board.text
    api.client.cookies.set("gs_lang", "zh")
    # The operator's figures and the office's performance page carry the outcome table.
    assert "重点群体按期就业" in (await api.client.get(f"/operator/stations/{sid}/figures")).text
    await sign_in(api.client, ADMIN["phone"], ADMIN["password"])
    r = await api.client.get("/admin/performance", params={
        "date_from": (local - timedelta(days=30)).isoformat(), "date_to": (local + timedelta(days=30)).isoformat()})
    assert r.status_code == 200 and "重点群体按期就业" in r.text and "赵巷驿站" in r.text

