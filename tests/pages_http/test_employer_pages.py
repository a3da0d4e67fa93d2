"""Employer pages over HTTP (no browser): register with the commitment, post, watch, cancel."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
import pytest

from gigstation.people.employers import COMMITMENT_TEXT
from gigstation.sim.demo import demo_credit_code, demo_resident_id
from gigstation.work.offers import accept_offer
from tests.api import seed
from tests.api.conftest import Api
from tests.api.test_assignments import work_started
from tests.pages_http.forms import CSRF, sign_in


async def _register(api: Api) -> tuple[str, str]:
    c = api.client
    page = await c.get("/employer/register")
    assert page.status_code == 200
    # The commitment is shown in full, the same text the API serves.
    assert COMMITMENT_TEXT.split(" / ")[0] in page.text
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    form = {"_csrf_token": token, "kind": "company", "name": "赵巷搬家服务有限公司",
            "credit_code": demo_credit_code(77), "contact_name": "周经理", "phone": "13712345678",
            "password": "employer-pass", "legal_rep_name": "周法人",
            "legal_rep_id_number": demo_resident_id(date(1971, 4, 2), 77)}
    refused = await c.post("/employer/register", data=form)
    assert refused.status_code == 422 and "请阅读承诺书" in refused.text
    r = await c.post("/employer/register", data={**form, "commitment": "yes"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/employer", r.text
    return r.cookies["gs_csrf"], form["phone"]  # signing in renews the CSRF token


async def test_register_then_post_watch_and_cancel(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin, name="赵巷驿站")
    token, _ = await _register(api)
    c = api.client
    home = await c.get("/employer")
    assert home.status_code == 200 and "赵巷搬家服务有限公司" in home.text
    form = await c.get("/employer/orders/new")
    assert form.status_code == 200 and "当地最低工资" in form.text and "¥25/小时" in form.text
    order = {"_csrf_token": token, "title": "搬家", "skill": "moving", "headcount": "2", "day": "tomorrow",
             "starts": "09:00", "ends": "13:00", "station": station["id"], "address": "赵巷镇某小区",
             "pay": "20", "pay_unit": "hour"}
    low = await c.post("/employer/orders", data=order)
    assert low.status_code == 422
    assert "最低工资标准 25.00 元/小时" in low.text and 'href="#f-pay"' in low.text
    # A day rate is spread over the hours: ¥90 for 4 hours is ¥22.50/hour, still too low.
    low_day = await c.post("/employer/orders", data={**order, "pay": "90", "pay_unit": "day"})
    assert low_day.status_code == 422 and "25.00" in low_day.text
    assert await db.fetchval("SELECT count(*) FROM orders") == 0
    ok = await c.post("/employer/orders", data={**order, "pay": "32.5"}, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    page = await c.get(ok.headers["location"])
    assert "搬家" in page.text and "¥32.50/小时" in page.text and "谁会来" in page.text
    live = await c.get(ok.headers["location"].split("?")[0] + "/live")
    assert live.status_code == 200 and "0/2" in live.text
    order_id = re.search(r"/employer/orders/([0-9a-f-]{36})", ok.headers["location"]).group(1)  # type: ignore[union-attr]
    r = await c.post(f"/employer/orders/{order_id}/cancel", data={"_csrf_token": token},
                     follow_redirects=False)
    assert r.status_code == 303
    assert await db.fetchval("SELECT status FROM orders") == "cancelled"
    again = await c.post(f"/employer/orders/{order_id}/cancel", data={"_csrf_token": token})
    assert again.status_code == 409 and "不能取消" in again.text


@pytest.mark.parametrize(("lat", "lon", "reason"), [
    ("31.60", "121.117", "公里，请选离工作地点最近的驿站"),  # ~50 km north: not this station's work
    ("abc", "121.117", "手机定位无效"),
    ("nan", "nan", "手机定位无效"),
    ("inf", "121.117", "手机定位无效"),
    ("91", "121.117", "手机定位无效"),
    ("31.16", "", "手机定位无效"),  # half a location
])
async def test_the_workplace_comes_from_the_phone_or_is_refused_with_the_reason(
    api: Api, db: asyncpg.Connection[Any], lat: str, lon: str, reason: str,
) -> None:
    admin = await api.admin()
    station = await api.station(admin, name="赵巷驿站", lat=31.151, lon=121.117)
    token, _ = await _register(api)
    order = {"_csrf_token": token, "title": "搬家", "skill": "moving", "headcount": "1", "day": "tomorrow",
             "starts": "09:00", "ends": "13:00", "station": station["id"], "address": "赵巷镇某小区",
             "pay": "30", "pay_unit": "hour"}
    bad = await api.client.post("/employer/orders", data={**order, "site_lat": lat, "site_lon": lon})
    assert bad.status_code == 422 and reason in bad.text and 'href="#f-site"' in bad.text
    assert await db.fetchval("SELECT count(*) FROM orders") == 0
    # At the site, 1.4 km from the station: the order is placed where the work is.
    ok = await api.client.post("/employer/orders", data={**order, "site_lat": "31.1635", "site_lon": "121.1215"},
                               follow_redirects=False)
    assert ok.status_code == 303, ok.text
    # Without a location the station's position stands in.
    plain = await api.client.post("/employer/orders", data=order, follow_redirects=False)
    assert plain.status_code == 303, plain.text
    rows = await db.fetch("SELECT lat, lon FROM orders ORDER BY created_at")
    assert [(r["lat"], r["lon"]) for r in rows] == [(31.1635, 121.1215), (31.151, 121.117)]


async def test_employer_confirms_work_pays_and_rates(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    token, phone = await _register(api)
    employer_id = await db.fetchval("SELECT id FROM users WHERE phone = $1", phone)
    sid = UUID(station["id"])
    order_id = await seed.order(db, employer_id, sid, headcount=1)
    (worker,) = await seed.workers(db, 1, sid)
    (offer,) = await seed.offers(db, sid, [(worker, order_id)])
    await db.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    async with db.transaction():
        assignment = await accept_offer(db, worker, offer)
    await work_started(db, str(order_id))  # work is confirmed done only once it has started
    c = api.client
    base = f"/employer/orders/{order_id}/assignments/{assignment.id}"
    page = await c.get(f"/employer/orders/{order_id}")
    assert "工人1" in page.text and "确认完工" in page.text
    assert (await c.post(f"{base}/complete", data={"_csrf_token": token, "hours": "4"},
                         follow_redirects=False)).status_code == 303
    assert (await c.post(f"{base}/paid", data={"_csrf_token": token, "amount": "120"},
                         follow_redirects=False)).status_code == 303
    assert (await c.post(f"{base}/rate", data={"_csrf_token": token, "stars": "5"},
                         follow_redirects=False)).status_code == 303
    row = await db.fetchrow("SELECT status, paid_cents FROM assignments WHERE id = $1", assignment.id)
    assert (row["status"], row["paid_cents"]) == ("completed", 12000)
    assert await db.fetchval("SELECT stars FROM ratings WHERE assignment_id = $1", assignment.id) == 5
    bad = await c.post(f"{base}/paid", data={"_csrf_token": token, "amount": "abc"})
    assert bad.status_code == 422 and "请填写金额" in bad.text
    zero = await c.post(f"{base}/paid", data={"_csrf_token": token, "amount": "0",
                                               "correction_reason": "全部退回"})
    assert zero.status_code == 422 and "error-summary" in zero.text
    # Once pay is recorded the form asks for a reason to change it; without one the page
    # says so in its own words, and the first record stays.
    page = await c.get(f"/employer/orders/{order_id}")
    assert 'name="correction_reason"' in page.text and "更正已发工资" in page.text
    no_reason = await c.post(f"{base}/paid", data={"_csrf_token": token, "amount": "150"})
    assert no_reason.status_code == 422
    assert "已登记工资 120.00 元" in no_reason.text and "更正原因" in no_reason.text
    assert "correction_reason）" not in no_reason.text
    assert await db.fetchval("SELECT paid_cents FROM assignments WHERE id = $1", assignment.id) == 12000
    fixed = await c.post(f"{base}/paid", data={"_csrf_token": token, "amount": "150",
                                                "correction_reason": "漏算了加班一小时"},
                         follow_redirects=False)
    assert fixed.status_code == 303
    ledger = await db.fetch("SELECT amount_cents, kind, reason FROM payments WHERE assignment_id = $1 "
                            "ORDER BY seq", assignment.id)
    assert [tuple(r) for r in ledger] == [(12000, "payment", None), (15000, "correction", "漏算了加班一小时")]
    assert await db.fetchval("SELECT paid_cents FROM assignments WHERE id = $1", assignment.id) == 15000


async def test_employer_pages_need_an_employer(api: Api) -> None:
    r = await api.client.get("/employer", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    worker, _ = await api.worker()
    await sign_in(api.client, worker["phone"], "worker-pass")
    r = await api.client.get("/employer/orders/new", follow_redirects=False)
    assert r.status_code == 303
